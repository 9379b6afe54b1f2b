from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the portal (waitress) with an embedded background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Run no embedded worker (run `datahub worker`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import waitress

        from datahub.deliveries.uploads import CHUNK_BYTES
        from datahub.portal import server_errors
        from datahub.wsgi import application

        # A service manager stops the server with SIGTERM: end like Ctrl+C, so that the embedded
        # worker is stopped too instead of living on without its server.
        signal.signal(signal.SIGTERM, _stop)
        server_errors.install()  # waitress's own refusals under /api/ as the API's JSON
        supervisor = None if options["no_worker"] else WorkerSupervisor()
        if supervisor:
            supervisor.start()
        self.stdout.write(f"Datahub at http://{options['host']}:{options['port']}/ (Ctrl+C stops)")
        try:
            waitress.serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                max_request_body_size=getattr(settings, "MAX_REQUEST_BYTES", 2**31),
                # A chunk of a resumable upload stays in memory until it is encrypted (waitress
                # would write a body over 512 KiB to a temporary file, in plain text).
                inbuf_overflow=CHUNK_BYTES + 1024 * 1024,
                ident="datahub",
                **proxy_options(),
            )
        finally:
            if supervisor:
                supervisor.stop()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def proxy_options() -> dict[str, Any]:
    """waitress options to take the client address from the trusted reverse proxy's headers."""
    if not settings.BEHIND_PROXY:
        return {}
    return {
        "trusted_proxy": settings.TRUSTED_PROXY,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


class WorkerSupervisor:
    """Keeps one `datahub worker` process running beside the web server, restarting it if it dies.

    The worker is a separate process so that a crash in a task cannot take the portal down, and
    a killed worker's unfinished work is picked up again (see the deliveries' recovery).
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._process:
            stop_worker(self._process)

    def _run(self) -> None:
        while not self._stopping.is_set():
            # (our own interpreter and arguments: no outside input)
            self._process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "datahub.cli", "worker", "--parent", str(os.getpid())]
            )
            while self._process.poll() is None and not self._stopping.is_set():
                time.sleep(0.5)
            if not self._stopping.is_set():
                time.sleep(1)  # a worker that died is started again after a pause


#: A stopping worker may finish its task this long (db_worker stops after it at one SIGTERM) ...
FINISH_SECONDS = 20.0
#: ... and then, interrupted by a second SIGTERM, take this long to give the task back.
INTERRUPT_SECONDS = 10.0


def stop_worker(
    process: subprocess.Popen[bytes],
    finish_seconds: float = FINISH_SECONDS,
    interrupt_seconds: float = INTERRUPT_SECONDS,
) -> int:
    """Stop a `datahub worker` process without costing its delivery an attempt; its exit code.

    An interrupted delivery goes back to the queue unharmed (``processing.process``), but a
    killed worker's looks like a file that killed it: only a worker deaf to both SIGTERMs is
    killed. Together (30 s) well within a service manager's stop timeout (systemd: 90 s). The
    two SIGTERMs are far apart because Python runs a signal's handler only between two steps
    of the task: two that arrive before it could are handled as one.
    """
    for wait in (finish_seconds, interrupt_seconds):
        process.terminate()  # (does nothing to a process that has ended)
        try:
            return process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    process.kill()
    return process.wait()
