"""`datahub serve` behind a reverse proxy believes only that proxy's forwarding headers."""

from __future__ import annotations

import signal

import pytest

from datahub.portal.management.commands.serve import proxy_options


def test_no_proxy_headers_are_trusted_by_default(settings):
    settings.BEHIND_PROXY = False
    assert proxy_options() == {}


def test_behind_a_proxy_only_its_forwarded_for_is_believed(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY = "10.0.0.5"
    options = proxy_options()
    assert options["trusted_proxy"] == "10.0.0.5"
    assert options["trusted_proxy_headers"] == {"x-forwarded-for", "x-forwarded-proto"}
    assert options["clear_untrusted_proxy_headers"] is True


@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_server_stops_its_embedded_worker(tmp_path, kill):
    """Also a server killed outright (``kill -9``): its worker noticed nothing and lived on as
    an orphan beside the next server's (a review)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = dict(os.environ, DATAHUB_VAR_DIR=str(tmp_path), DATAHUB_DEBUG="true")
    env.pop("DATABASE_URL", None)
    # the hub's own settings: the tests' run tasks at once, so their worker would stop at once
    env.pop("DJANGO_SETTINGS_MODULE", None)
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "datahub.cli"]
    subprocess.run([*command, "migrate", "--no-input"], cwd=root, env=env, check=True,
                   capture_output=True)  # fmt: skip
    server = subprocess.Popen([*command, "serve", "--port", str(port)], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    def workers() -> list[int]:  # the server's child processes, from /proc
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == str(server.pid):
                children.append(int(stat.parent.name))
        return children

    deadline = time.monotonic() + 60
    while not workers() and time.monotonic() < deadline:
        time.sleep(0.2)
    (worker,) = workers()
    server.send_signal(kill)
    assert server.wait(timeout=30) == (0 if kill == signal.SIGTERM else -signal.SIGKILL)
    deadline = time.monotonic() + 15
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = (
        Path(f"/proc/{worker}").exists()
        and "Z" not in Path(f"/proc/{worker}/stat").read_text().split()[2]
    )
    assert not alive, "the embedded worker outlived its server"


def test_a_chunk_of_a_resumable_upload_is_held_in_memory_not_spooled_to_disk(monkeypatch):
    import waitress
    from django.core.management import call_command

    from datahub.deliveries.uploads import CHUNK_BYTES
    from datahub.portal.management.commands import serve

    seen: dict[str, object] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **options: seen.update(options))
    monkeypatch.setattr(serve.signal, "signal", lambda *args: None)  # keep pytest's handler
    call_command("serve", "--no-worker", "--port", "0")
    assert seen["inbuf_overflow"] > CHUNK_BYTES
    assert seen["max_request_body_size"] > CHUNK_BYTES


#: A worker as db_worker behaves: the first SIGTERM lets the task finish, the second ends it.
_WORKER = """
import signal, sys, time
stops = []
def stop(signum, frame):
    stops.append(signum)
    if len(stops) == 2:
        sys.exit(3)
signal.signal(signal.SIGTERM, stop if sys.argv[1] == "db_worker" else signal.SIG_IGN)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


def _worker(kind: str):
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-c", _WORKER, kind], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def test_a_worker_whose_task_does_not_end_in_time_is_interrupted_not_killed():
    """Killed, its delivery would count an attempt as if the file had killed it; interrupted
    by a second SIGTERM, it gives the delivery back (see tests/deliveries)."""
    from datahub.portal.management.commands.serve import stop_worker

    assert stop_worker(_worker("db_worker"), finish_seconds=0.2, interrupt_seconds=30) == 3


def test_a_worker_deaf_to_sigterm_is_killed_in_the_end():
    import signal

    from datahub.portal.management.commands.serve import stop_worker

    deaf = _worker("deaf")
    assert stop_worker(deaf, finish_seconds=0.2, interrupt_seconds=0.2) == -signal.SIGKILL


def _served(monkeypatch) -> tuple[object, int]:
    """``datahub serve`` as it configures waitress, on a free port in a thread; the server."""
    import threading

    import waitress
    from django.core.management import call_command
    from waitress.channel import HTTPChannel

    from datahub.portal.management.commands import serve

    started: list[object] = []

    def serving(app, **options):
        server = waitress.create_server(app, **options)
        server.thread = threading.Thread(target=server.run, daemon=True)
        server.thread.start()
        started.append(server)

    monkeypatch.setattr(HTTPChannel, "error_task_class", HTTPChannel.error_task_class)
    monkeypatch.setattr(waitress, "serve", serving)
    monkeypatch.setattr(serve.signal, "signal", lambda *args: None)  # keep pytest's handler
    call_command("serve", "--no-worker", "--port", "0")
    (server,) = started
    return server, server.effective_port


def _answer(port: int, path: str, content_type: str) -> tuple[int, str, bytes]:
    """POST to ``path`` a body said to be 100 GB (none is sent: it is refused from its size)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(100 * 2**30))
    connection.endheaders()
    response = connection.getresponse()
    answer = (response.status, response.getheader("Content-Type", ""), response.read())
    connection.close()
    return answer


def test_a_body_too_large_for_the_server_is_refused_as_the_api_refuses(monkeypatch, settings):
    """waitress answered the API in plain text, not the JSON docs/api.md promises (a review)."""
    import json

    settings.MAX_REQUEST_BYTES = 1034 * 2**20
    server, port = _served(monkeypatch)
    try:
        status, content_type, body = _answer(port, "/api/aanleveringen", "multipart/form-data")
        assert (status, content_type) == (413, "application/json")
        assert json.loads(body) == {
            "detail": "Het verzoek is groter dan de hub aanneemt (1 GB); er is niets opgeslagen."
        }
        status, content_type, body = _answer(port, "/api/fhir/CAT", "application/fhir+json")
        assert (status, content_type) == (413, "application/fhir+json; charset=utf-8")
        (issue,) = json.loads(body)["issue"]
        assert (issue["severity"], issue["code"]) == ("error", "too-costly")
        status, content_type, body = _answer(port, "/aanleveren/", "multipart/form-data")
        assert status == 413 and content_type.startswith("text/plain")  # the portal: waitress's
    finally:
        server.task_dispatcher.shutdown()  # its threads first
        server.close()
        server.thread.join(timeout=10)
        assert not server.thread.is_alive()
