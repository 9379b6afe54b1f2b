"""Background tasks of the schedule; the worker runs ``send_reminders_task`` periodically."""

from __future__ import annotations

from django_tasks import task

from datahub.schedule import reminders


@task()
def send_reminders_task() -> int:
    return reminders.send_reminders()
