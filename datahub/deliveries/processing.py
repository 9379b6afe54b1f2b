"""Processing a delivery: claim it, run the validation engine, store the result exactly once.

A worker claims a delivery with a conditional update (``aangeleverd`` → ``in_verwerking``, or a
stale ``in_verwerking`` whose worker went silent), renews its heartbeat while the engine reads,
and writes findings, counts and status in one transaction only if it still holds the claim. So
a task that runs twice, or a worker killed mid-file, still ends in exactly one result. A worker
being stopped (``SystemExit``, ``KeyboardInterrupt``) or meeting an outage of the hub's storage
or database gives its delivery back without using up one of its attempts; only other errors and
workers that died count.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from datahub.deliveries import files, reports
from datahub.deliveries.models import ENGINE_STATUS, Delivery, Finding, Status
from datahub.validation import Finding as EngineFinding
from datahub.validation import Report, validate_file

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
#: Failures of the hub's own storage and database, not of the file being processed (a value
#: the database refuses, a DataError or IntegrityError, is the file's: it counts).
_OUTAGES = (*files.STORAGE_OUTAGES, OperationalError, InterfaceError)
FINDING_BATCH = 10_000

#: Called once a delivery has its result (forwarding and e-mail hook in here).
finished_hooks: list[Callable[[Delivery], None]] = []


def process(delivery_id: int) -> bool:
    """Process one delivery if it needs processing; True when this call produced the result."""
    token = uuid.uuid4().hex
    if not _claim(delivery_id, token):
        return False
    try:
        delivery = (
            Delivery.objects.unscoped()
            .select_related("dictionary_version", "sub_delivery", "file", "institution")
            .get(pk=delivery_id)
        )
        return _finish(delivery, token, _validate(delivery, token))
    except FileNotFoundError:
        # The stored file is gone (deleted by hand, a restore without it): it will not come
        # back, so it is no outage to wait out; after MAX_ATTEMPTS it is rejected (T00), and
        # the hospital told, rather than shown as processing for ever.
        logger.exception("the file of delivery %s is missing", delivery_id)
        _give_up_or_release(delivery_id, token)
        raise
    except _OUTAGES:
        # The hub's storage or database failed (a full disk, a lock, a lost connection): no
        # fault of the file, so no attempt is used up (ten minutes of outage rejected valid
        # files with T00). The task fails, so the operator sees it; recovery tries again.
        logger.exception("processing delivery %s met an outage", delivery_id)
        _give_back(delivery_id, token)
        raise
    except Exception:
        # An error of the hub on this file: after MAX_ATTEMPTS the delivery is rejected (T00)
        # rather than tried for ever. The task fails too, so the operator sees it.
        logger.exception("processing delivery %s failed", delivery_id)
        _give_up_or_release(delivery_id, token)
        raise
    except BaseException:
        # The worker is being stopped (db_worker raises SystemExit at a second SIGTERM, Ctrl+C
        # raises KeyboardInterrupt): no fault of the file, so the delivery waits for the next
        # worker without using up an attempt. A worker killed outright cannot do this; its
        # claim goes stale and counts (so a file that kills its worker is rejected in the end).
        _give_back(delivery_id, token)
        raise


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.PROCESSING_STALE_SECONDS)


def _claim(delivery_id: int, token: str) -> bool:
    now = timezone.now()
    # A delivery whose workers died MAX_ATTEMPTS times (a file that kills its worker: out of
    # memory, a crash in a library) is not claimed again; recover() rejects it instead.
    claimable = Q(status=Status.RECEIVED) | Q(
        status=Status.PROCESSING, heartbeat_at__lt=_stale_before(), attempts__lt=MAX_ATTEMPTS
    )
    return bool(
        Delivery.objects.unscoped()
        .filter(claimable, pk=delivery_id)
        .update(
            status=Status.PROCESSING,
            claim_token=token,
            heartbeat_at=now,
            processing_started_at=now,
            progress_bytes=0,
            attempts=F("attempts") + 1,
        )
    )


def _validate(delivery: Delivery, token: str) -> Report:
    """The engine's report of the file: the same as ``datahub validate`` gives."""
    dictionary = delivery.dictionary_version.dictionary
    beat = _Heartbeat(delivery.pk, token)
    assert delivery.file is not None
    with files.open_plaintext(delivery.file) as stream:
        report = validate_file(
            dictionary,
            stream,
            file_name=delivery.file_name,
            period=None if delivery.period == "TOTAAL" else delivery.period,
            progress=beat,
        )
    return report


class _Heartbeat:
    """The engine's progress callback: tells the database every few seconds that we live."""

    def __init__(self, delivery_id: int, token: str) -> None:
        self.delivery_id = delivery_id
        self.token = token
        self.last = 0.0

    def __call__(self, done: int, _total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < settings.PROCESSING_HEARTBEAT_SECONDS:
            return
        self.last = now
        Delivery.objects.unscoped().filter(pk=self.delivery_id, claim_token=self.token).update(
            heartbeat_at=timezone.now(), progress_bytes=done
        )


def _rejection(delivery: Delivery, finding: EngineFinding) -> Report:
    """A report rejecting the whole delivery for one file-level reason."""
    return Report(
        file=delivery.file_name,
        code=delivery.sub_delivery.code,
        version=delivery.dictionary_version.version,
        status="Afgekeurd",
        total=0,
        processed=0,
        not_processed=0,
        errors=1,
        warnings=0,
        findings=(finding,),
    )


def _finish(delivery: Delivery, token: str, report: Report) -> bool:
    """Store the findings, then the status and counts, only while we still hold the claim."""
    if not _store_findings(delivery.pk, token, report):
        return False  # another worker took over after our heartbeat went stale
    with transaction.atomic():
        held = (
            Delivery.objects.unscoped()
            .select_for_update()
            .filter(pk=delivery.pk, claim_token=token, status=Status.PROCESSING)
            .exists()
        )
        if not held:
            return False
        Delivery.objects.unscoped().filter(pk=delivery.pk).update(
            status=ENGINE_STATUS[report.status],
            records_total=report.total,
            records_processed=report.processed,
            records_not_processed=report.not_processed,
            error_count=report.errors,
            warning_count=report.warnings,
            error_records=sorted(report.error_records),
            filled_counts=None if report.filled is None else dict(report.filled),
            progress_bytes=delivery.file.size if delivery.file else 0,
            processed_at=timezone.now(),
            claim_token="",
            heartbeat_at=None,
        )
        transaction.on_commit(lambda: _run_hooks(delivery.pk))
    return True


def _store_findings(delivery_id: int, token: str, report: Report) -> bool:
    """Write the findings in batches, each in a short transaction that first renews our claim
    (and our heartbeat); False as soon as another worker holds the delivery.

    Short transactions, because SQLite locks the whole database while one writes: a report of
    millions of findings in one transaction kept every page waiting. The first batch removes
    what an earlier, killed attempt left; a worker that lost its claim cannot add anything
    after that, and the delivery shows no findings until its status says it is finished.
    """
    batches = _batches(_finding_rows(delivery_id, report))
    with transaction.atomic():
        if not _renew_claim(delivery_id, token):
            return False
        Finding.objects.filter(delivery_id=delivery_id).delete()
        _insert_findings(next(batches, []))
    for batch in batches:
        with transaction.atomic():
            if not _renew_claim(delivery_id, token):
                return False
            _insert_findings(batch)
    return True


def _renew_claim(delivery_id: int, token: str) -> bool:
    renewed = (
        Delivery.objects.unscoped()
        .filter(pk=delivery_id, claim_token=token, status=Status.PROCESSING)
        .update(heartbeat_at=timezone.now())
    )
    return bool(renewed)


_FINDING_COLUMNS = (
    "delivery_id", "position", "record", "line", "level", "code", "field", "value", "message",
    "keys",
)  # fmt: skip


def _text(value: str | None) -> str | None:
    """A delivered value as the database can store it: PostgreSQL refuses the NUL character."""
    return value.replace("\x00", "\u2400") if value else value


def _finding_rows(delivery_id: int, report: Report) -> Iterator[tuple[Any, ...]]:
    for position, f in enumerate(report.findings, start=1):
        keys = {name: _text(value) for name, value in f.keys.items()}
        yield (
            delivery_id, position, f.record, f.line, f.level, f.code, f.field or "",
            _text(f.value), _text(f.message), json.dumps(keys, ensure_ascii=False),
        )  # fmt: skip


def _insert_findings(rows: list[tuple[Any, ...]]) -> None:
    """Write findings at the speed of the database, not of the ORM (100k+ rows happen).

    PostgreSQL takes them with COPY, SQLite with one prepared statement executed many times.
    """
    table = Finding._meta.db_table
    columns = ", ".join(_FINDING_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(_FINDING_COLUMNS))
        statement = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(statement, rows)


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= FINDING_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _give_up_or_release(delivery_id: int, token: str) -> None:
    """After an unexpected failure: try again later, or reject after the last attempt."""
    current = Delivery.objects.unscoped().filter(pk=delivery_id, claim_token=token).first()
    if current is None:
        return
    if current.attempts < MAX_ATTEMPTS:
        _release(delivery_id, token)
        return
    _reject(delivery_id, token)


def _release(delivery_id: int, token: str, **changes: Any) -> int:
    """Put a delivery we hold back in the queue (recovery queues it again)."""
    held = Delivery.objects.unscoped().filter(
        pk=delivery_id, claim_token=token, status=Status.PROCESSING
    )
    return held.update(status=Status.RECEIVED, claim_token="", heartbeat_at=None, **changes)


def _give_back(delivery_id: int, token: str) -> None:
    """Release a delivery whose worker is being stopped, and return the attempt it took."""
    try:
        _release(delivery_id, token, attempts=F("attempts") - 1)
    except Exception:  # the stop goes on; the claim then goes stale and counts as a crash
        logger.exception("could not give back delivery %s", delivery_id)


def _run_hooks(delivery_id: int) -> None:
    delivery = Delivery.objects.unscoped().get(pk=delivery_id)
    for hook in finished_hooks:
        try:
            hook(delivery)
        except Exception:
            logger.exception("after-processing hook %s failed for %s", hook, delivery_id)


def needing_processing() -> list[int]:
    """Deliveries waiting too long (their task was lost) or whose worker went silent."""
    stale = _stale_before()
    # Waiting: queued (or, before the first queuing, submitted) longer ago than a worker may
    # be silent, so a backlog is not queued again every minute.
    waiting = Q(status=Status.RECEIVED) & (
        Q(queued_at__lt=stale) | Q(queued_at__isnull=True, submitted_at__lt=stale)
    )
    silent = Q(status=Status.PROCESSING, heartbeat_at__lt=stale)
    return list(
        Delivery.objects.unscoped().filter(waiting | silent).values_list("pk", flat=True)[:500]
    )


def unfinished(before: dt.datetime) -> QuerySet[Delivery]:
    """Deliveries delivered before ``before`` that are still waiting for their processing or
    being processed (for the hub operator: the recovery above has not got them done)."""
    return Delivery.objects.unscoped().filter(
        status__in=[Status.RECEIVED, Status.PROCESSING], submitted_at__lt=before
    )


def recover() -> int:
    """Queue every delivery that needs processing again; the number queued.

    A delivery whose worker died on it MAX_ATTEMPTS times is rejected (``T00``) instead of
    being tried for ever.
    """
    from datahub.deliveries.tasks import enqueue_processing

    ids = needing_processing()
    for delivery_id in ids:
        if not _reject_if_exhausted(delivery_id):
            enqueue_processing(delivery_id)
    return len(ids)


def _reject_if_exhausted(delivery_id: int) -> bool:
    token = uuid.uuid4().hex
    taken = (
        Delivery.objects.unscoped()
        .filter(
            pk=delivery_id,
            status=Status.PROCESSING,
            heartbeat_at__lt=_stale_before(),
            attempts__gte=MAX_ATTEMPTS,
        )
        .update(claim_token=token, heartbeat_at=timezone.now())
    )
    if not taken:
        return False
    _reject(delivery_id, token)
    return True


def _reject(delivery_id: int, token: str) -> None:
    """Reject a delivery we hold with ``T00``: the hub failed on it ``MAX_ATTEMPTS`` times."""
    delivery = (
        Delivery.objects.unscoped()
        .select_related("sub_delivery", "dictionary_version", "file")
        .get(pk=delivery_id)
    )
    _finish(delivery, token, _rejection(delivery, _failure_finding()))


def _failure_finding() -> EngineFinding:
    return EngineFinding(None, None, "afkeur", "T00", None, None, reports.FAILURE_MESSAGE[0])


def hub_failures(since: dt.datetime | None = None) -> QuerySet[Delivery]:
    """Deliveries rejected (since ``since``) because the hub failed on them (``T00``), for the
    operator: the cause is in the log, and :func:`reprocess` tries again once it is fixed."""
    failed = Delivery.objects.unscoped().filter(status=Status.REJECTED, findings__code="T00")
    return failed if since is None else failed.filter(processed_at__gte=since)


class NotReprocessable(Exception):
    """The delivery was not rejected by a failure of the hub, or its file is gone."""


def reprocess(delivery_id: int) -> Delivery:
    """Process a delivery rejected with ``T00`` again: its result, counts and notices are
    cleared and it is queued as if just delivered (its file and sequence number stay)."""
    from datahub.audit.models import Action
    from datahub.audit.services import record
    from datahub.deliveries.tasks import enqueue_processing

    with transaction.atomic():
        delivery = (
            hub_failures()
            .select_for_update(of=("self",))  # (PostgreSQL locks no nullable outer join)
            .select_related("file", "institution")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            raise NotReprocessable(f"delivery {delivery_id} was not rejected by a hub failure")
        if delivery.file is None or delivery.file.deleted_at is not None:
            raise NotReprocessable(f"the file of delivery {delivery_id} has been deleted")
        Finding.objects.filter(delivery_id=delivery_id).delete()
        Delivery.objects.unscoped().filter(pk=delivery_id).update(
            status=Status.RECEIVED,
            attempts=0,
            records_total=None,
            records_processed=None,
            records_not_processed=None,
            error_count=None,
            warning_count=None,
            error_records=[],
            filled_counts=None,
            progress_bytes=0,
            processing_started_at=None,
            processed_at=None,
            notify_claimed_at=None,
            notified_to=[],
            notified_at=None,
            forwarding_done_at=None,
        )
        record(
            Action.CHANGE,
            institution=delivery.institution,
            obj=delivery,
            description=gettext_noop("delivery {file} processed again after a failure of the hub"),
            values={"file": delivery.file_name},
        )
        transaction.on_commit(lambda: enqueue_processing(delivery_id), robust=True)
    delivery.refresh_from_db()
    return delivery
