"""Jobs that run on a timer inside every worker: the worker only queues them; the queue runs them.

Each job is idempotent, so several workers queuing the same job at once do no harm. A job whose
module does not exist (yet) is skipped.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    task: str  # dotted path of a django-tasks task
    every_seconds: int


JOBS = [
    Job("datahub.deliveries.tasks.recover_deliveries", 60),
    Job("datahub.deliveries.tasks.discard_stale_uploads", 3600),
    Job("datahub.deliveries.tasks.recover_notifications", 600),
    Job("datahub.schedule.tasks.send_reminders_task", 3600),
    Job("datahub.forwarding.tasks.purge_task", 6 * 3600),
    Job("datahub.forwarding.tasks.recover_forwarding_task", 600),
    Job("datahub.operations.prune_task_results_task", 6 * 3600),
]


def _task(path: str) -> object | None:
    module_name, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None


def run_due(last_run: dict[str, float], now: float) -> list[str]:
    """Queue every job whose interval has passed; the paths queued."""
    queued = []
    for job in JOBS:
        if now - last_run.get(job.task, 0.0) < job.every_seconds:
            continue
        task = _task(job.task)
        last_run[job.task] = now
        if task is None:
            continue
        try:
            task.enqueue()  # type: ignore[attr-defined]
            queued.append(job.task)
        except Exception:
            logger.exception("could not queue %s", job.task)
    return queued


def start_timer(stop: threading.Event, tick: float = 5.0) -> threading.Thread:
    def loop() -> None:
        last_run: dict[str, float] = {}
        while not stop.is_set():
            run_due(last_run, time.time())
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="periodic-jobs", daemon=True)
    thread.start()
    return thread
