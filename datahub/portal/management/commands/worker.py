from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from datahub.periodic import start_timer


class Command(BaseCommand):
    help = "Run a background worker (any number may run, on any machine sharing the database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["batch"]:
            start_timer(stop)  # recovery of stuck deliveries, reminders, retention
        try:
            self._run_worker(options)
        finally:
            stop.set()

    def _run_worker(self, options: dict[str, Any]) -> None:
        call_command(
            "db_worker",
            queue_name="*",
            interval=options["interval"],
            batch=options["batch"],
            reload=False,
            verbosity=options["verbosity"],
        )
