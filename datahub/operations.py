"""The hub's operational status, for its operators (Beheer hub): what is behind or failing.

The recovery jobs retry lost and failed work by themselves (processing every minute,
forwarding every ten minutes, see ``periodic``). What stays behind needs a person: a processor's
pseudonym secret that is missing, storage that cannot be read, workers that are down. The hub
operator's start page shows it, without patient data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.utils import timezone
from django_tasks import task

from datahub.deliveries.processing import hub_failures, unfinished
from datahub.forwarding.backlog import Backlog, backlog

UNFINISHED_AFTER = dt.timedelta(minutes=30)  # a million records take seconds
FAILED_SINCE = dt.timedelta(days=7)
HUB_FAILURES_SHOWN = 20
# Task results kept: every worker queues a recovery job each minute, so the table would grow
# by thousands of rows a day (each with its arguments and traceback), and so would the work
# of the page that reads the failed ones.
KEEP_SUCCEEDED = dt.timedelta(days=1)
KEEP_FAILED = dt.timedelta(days=30)


@dataclass(frozen=True)
class Unfinished:
    """Deliveries delivered over :data:`UNFINISHED_AFTER` ago and not processed yet."""

    count: int
    oldest: dt.datetime | None


@dataclass(frozen=True)
class FailedTask:
    """A background task that failed in the last :data:`FAILED_SINCE`: how often, when last,
    and the class of its last exception (not its message, which may hold data)."""

    path: str
    count: int
    last: dt.datetime
    exception: str

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]


@dataclass(frozen=True)
class HubFailure:
    """A delivery rejected in the last :data:`FAILED_SINCE` because the hub failed on it
    (``T00``): ``datahub reprocess`` processes it again once the cause is fixed."""

    id: int
    institution: str
    file_name: str
    processed_at: dt.datetime | None


@dataclass(frozen=True)
class OperationalStatus:
    forwarding: Backlog
    unfinished: Unfinished
    failed_tasks: list[FailedTask]
    tasks_known: bool  # the task backend keeps results (else failed tasks are unknown)
    hub_failures: list[HubFailure]

    @property
    def ok(self) -> bool:
        return not (
            self.forwarding.total or self.unfinished.count or self.failed_tasks or self.hub_failures
        )


def status(now: dt.datetime) -> OperationalStatus:
    """The operational status at ``now``."""
    waiting = unfinished(now - UNFINISHED_AFTER).aggregate(
        n=Count("pk"), oldest=Min("submitted_at")
    )
    return OperationalStatus(
        forwarding=backlog(now),
        unfinished=Unfinished(waiting["n"], waiting["oldest"]),
        failed_tasks=failed_tasks(now - FAILED_SINCE),
        tasks_known=_keeps_results(),
        hub_failures=[
            HubFailure(d["pk"], d["institution__name"], d["file_name"], d["processed_at"])
            for d in hub_failures(now - FAILED_SINCE)
            .order_by("-processed_at")
            .values("pk", "institution__name", "file_name", "processed_at")[:HUB_FAILURES_SHOWN]
        ],
    )


def failed_tasks(since: dt.datetime) -> list[FailedTask]:
    """Per background task that failed since ``since``, the latest first (only the database
    task backend keeps results; another backend gives none)."""
    if not _keeps_results():
        return []
    from django_tasks_db.models import DBTaskResult

    failed = DBTaskResult.objects.failed().filter(finished_at__gte=since)
    last_exception = (
        failed.filter(task_path=OuterRef("task_path"))
        .order_by("-finished_at")
        .values("exception_class_path")[:1]
    )
    rows = (
        failed.values("task_path")
        .annotate(count=Count("id"), last=Max("finished_at"), exception=Subquery(last_exception))
        .order_by("-last")
    )
    return [FailedTask(r["task_path"], r["count"], r["last"], r["exception"] or "") for r in rows]


def prune_task_results(now: dt.datetime) -> int:
    """Delete the results of tasks that succeeded more than :data:`KEEP_SUCCEEDED` ago and
    of those that failed more than :data:`KEEP_FAILED` ago; the number deleted."""
    if not _keeps_results():
        return 0
    from django_tasks_db.models import DBTaskResult

    succeeded = DBTaskResult.objects.successful().filter(finished_at__lt=now - KEEP_SUCCEEDED)
    failed = DBTaskResult.objects.failed().filter(finished_at__lt=now - KEEP_FAILED)
    return succeeded.delete()[0] + failed.delete()[0]


@task()
def prune_task_results_task() -> int:
    return prune_task_results(timezone.now())


def _keeps_results() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db.")
