"""A worker killed in the middle of a file: the delivery is noticed, processed again, once; a
worker stopped in the middle of a file gives it back.

This runs the real thing: `datahub worker` processes on a SQLite file with the database task
backend, one of them killed with SIGKILL (or stopped with SIGTERM) while it reads a large
delivery.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The workers here always run on their own SQLite file; once per suite run is enough.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs in the SQLite pass of the suite"
)


SETUP = """
import datetime as dt
from django.db import transaction
from datahub.demo.people import load_people, load_operator
from datahub.demo.dictionaries import load_dictionaries, load_participation
from datahub.deliveries import intake
from datahub.institutions.models import Institution
from django.contrib.auth import get_user_model
from tests.validation.helpers import cat_row, csv_bytes
from datahub.validation import load_dictionary

load_people(); operator = load_operator(); load_dictionaries(operator); load_participation(operator)
names = load_dictionary("datahub/fixtures/dictionaries/CAT_1.4.xlsx").field_names
rows = [cat_row(n, **({"Geslacht": "7"} if n % 1000 == 0 else {}))
        for n in range(1, RECORDS + 1)]
data = csv_bytes(names, rows)
meta = intake.Metadata(file_name="11111111_0_CAT_1.4_1_20261128_PROD.csv",
    institution_code="11111111", unit=0, code="CAT", version="1.4",
    creation_date=dt.date(2026, 11, 28), sequence_number=1)
with transaction.atomic():
    d = intake.submit(meta, [data], size=len(data),
        institution=Institution.objects.get(agb_code="11111111"), channel="Webportaal",
        actor=get_user_model().objects.get(email="aanleveraar@noorderlicht.example"))
print(d.pk)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.update(
        DATAHUB_VAR_DIR=str(tmp_path),
        DATAHUB_DEBUG="true",
        DATAHUB_DEMO="true",
        DATAHUB_PROCESSING_STALE_SECONDS="10",
        DATAHUB_PROCESSING_HEARTBEAT_SECONDS="0",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def _datahub(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "datahub.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _row(db: Path, delivery_id: int) -> tuple:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT status, attempts, progress_bytes, error_count"
            " FROM deliveries_delivery WHERE id=?",
            (delivery_id,),
        ).fetchone()


def _findings(db: Path, delivery_id: int) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT count(*) FROM deliveries_finding WHERE delivery_id=?", (delivery_id,)
        ).fetchone()[0]


def _delivered(env: dict[str, str], records: int) -> int:
    """A fresh database with one delivery of ``records`` Cataract records, waiting; its id."""
    _datahub(env, "migrate", "--no-input")
    setup = SETUP.replace("RECORDS", str(records))
    return int(_datahub(env, "shell", "-c", setup).stdout.strip().splitlines()[-1])


def _worker_in_the_middle_of(
    db: Path, delivery_id: int, env: dict[str, str], log: Path | None = None
) -> subprocess.Popen:
    """A `datahub worker` (its log in ``log``) that has read part of the delivery's file (the
    heartbeat reports the bytes read after each chunk)."""
    with open(log or os.devnull, "wb") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "datahub.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _row(db, delivery_id)[2]:
            time.sleep(0.02)
    except BaseException:
        worker.kill()
        worker.wait()
        raise
    return worker


def test_a_delivery_whose_worker_was_killed_is_processed_again_exactly_once(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "datahub.sqlite3"
    records = 600_000
    delivery_id = _delivered(env, records)

    worker = _worker_in_the_middle_of(db, delivery_id, env)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    status, attempts, progress, _errors = _row(db, delivery_id)
    assert (status, attempts) == ("in_verwerking", 1), "killed before the end of the file"
    assert progress > 0

    time.sleep(11)  # the heartbeat goes stale
    assert "Queued 1" in _datahub(env, "recover-deliveries").stdout
    _datahub(env, "worker", "--batch", timeout=180)

    status, attempts, progress, errors = _row(db, delivery_id)
    assert status == "verwerkt_met_fouten"
    assert attempts == 2
    with sqlite3.connect(db) as connection:
        total, size = connection.execute(
            "SELECT d.records_total, f.size FROM deliveries_delivery d"
            " JOIN deliveries_storedfile f ON f.id = d.file_id WHERE d.id=?",
            (delivery_id,),
        ).fetchone()
    assert (total, progress) == (records, size)
    assert errors == records // 1000
    assert _findings(db, delivery_id) == records // 1000
    # Running the task again changes nothing: the delivery is finished.
    _datahub(env, "recover-deliveries")
    assert _row(db, delivery_id) == (status, attempts, progress, errors)


def test_a_worker_stopped_in_the_middle_of_a_file_gives_it_back_without_using_an_attempt(
    tmp_path,
):
    """What a deploy does to a worker whose task does not end in time (`datahub serve`, see
    ``stop_worker``): SIGTERM, on which db_worker lets its task go on, then a second SIGTERM,
    on which it raises SystemExit in the task."""
    env = _env(tmp_path)
    db, log = tmp_path / "datahub.sqlite3", tmp_path / "worker.log"
    delivery_id = _delivered(env, 600_000)

    worker = _worker_in_the_middle_of(db, delivery_id, env, log)
    try:
        worker.terminate()
        # Python runs a signal handler between two steps of the task, so a second SIGTERM
        # that came before the first was handled would be lost with it: wait for the first.
        deadline = time.monotonic() + 60
        while "shutting down gracefully" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.terminate()
        assert worker.wait(timeout=60) == 0
    finally:
        worker.kill()
        worker.wait()
    status, attempts, progress, _errors = _row(db, delivery_id)
    assert progress > 0, "stopped in the middle of the file"
    assert (status, attempts) == ("aangeleverd", 0)
