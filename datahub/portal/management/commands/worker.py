from __future__ import annotations

import os
import signal
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
        parser.add_argument(
            "--parent",
            type=int,
            help="Stop (after the task at hand) when this process is no longer the parent: "
            "`datahub serve` starts its embedded worker so.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["batch"]:
            start_timer(stop)  # recovery of stuck deliveries, reminders, retention
        if options["parent"]:
            _watch_parent(options["parent"], stop)
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


#: How often an embedded worker looks whether its server still lives.
PARENT_CHECK_SECONDS = 1.0


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """Stop this worker as SIGTERM does (after its task) once ``parent`` is gone: a server
    killed outright (``kill -9``, the OOM killer) cannot stop it, and an orphaned worker would
    live on beside the next server's."""

    def watch() -> None:
        while not stop.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
