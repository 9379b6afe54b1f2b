"""A FHIR submission of N Bundle entries, end to end through ``POST /api/fhir/CAT``, and where
its time goes.

Usage::

    .venv/bin/python bench/fhir.py [--entries 10000] [--repeat 3] [--profile 25]

On a fresh SQLite database under a temporary directory, with the demo loaded, the demo's eye
clinic (33333333, which delivers Cataract through FHIR, version 1.5 with the demo's FHIRPath
for 14 fields) POSTs a Bundle as its system would: per operation a Procedure, its Patient and
the Observation of the visual acuity before it (``datahub/demo/fhir.py``), cut off at
``--entries`` entries (10,000 of them are 7.7 MB of compact JSON, below the 8 MB the endpoint
takes). Each Patient carries what an EHR sends and the hub drops (unless ``--no-personal``): a
BSN, a name, an address and a phone number (short ones, to stay below 8 MB) — with a BSN in
the submission, every field is also evaluated before the privacy filter (the BSN refusal).

Every run sends other operations (a new delivery each time, never the retry of the last one).
Prints the wall and CPU seconds of each request; for the one of least CPU time (the least
disturbed by other load on the machine), the CPU seconds per stage of ``fhir.service.submit``
(exclusive: a stage's time without the stages it calls); then the functions that take the most
time in one more run under cProfile. Figures are in docs/fhir.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import gc
import io
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on the path, where ``fhir`` would be this
# file rather than the ``fhir.resources`` package: the project root takes its place.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.delivery import _setup_django  # noqa: E402

URL = "/api/fhir/CAT"
#: The entries of one operation: its Procedure, Patient and Observation.
PER_OPERATION = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the fastest counts")
    parser.add_argument(
        "--profile", type=int, default=25, help="functions listed by cProfile (0: no profile)"
    )
    parser.add_argument(
        "--no-personal",
        action="store_true",
        help="Patients without BSN, name, address and phone (no BSN check, less to drop)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="datahub-bench-") as folder:
        _setup_django(Path(folder))
        run(args.entries, args.repeat, args.profile, personal=not args.no_personal)
    return 0


def run(entries: int, repeat: int, profile: int, *, personal: bool) -> None:
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client, as for a real request
    stages = _Stages()
    stages.install()
    best: tuple[float, float, dict[str, float]] | None = None
    print(f"entries: {entries}  personal: {personal}")
    for attempt in range(repeat):
        body = _body(entries, seed=attempt, personal=personal)
        stages.reset()
        wall, cpu, status = _post(body)
        size = len(body) / 2**20
        print(f"run {attempt + 1}: {wall:7.3f} s, CPU {cpu:7.3f} s  (HTTP {status}, {size:.1f} MB)")
        if best is None or cpu < best[1]:
            best = (wall, cpu, dict(stages.seconds))
    assert best is not None
    wall, cpu, per_stage = best
    print(f"\nrequest, least CPU of {repeat}: {cpu:7.3f} s CPU, {wall:7.3f} s wall")
    for label, spent in per_stage.items():
        print(f"  {label:<24} {spent:7.3f} s  {spent / cpu:6.1%}")
    rest = cpu - sum(per_stage.values())
    print(f"  {'(rest of the request)':<24} {rest:7.3f} s  {rest / cpu:6.1%}")
    if profile > 0:
        _profiled(_body(entries, seed=repeat, personal=personal), profile)


def _post(body: bytes) -> tuple[float, float, int]:
    """The request's wall and CPU seconds (CPU: less disturbed by other load), and status;
    prints the seconds the cyclic garbage collector took within it."""
    from django.test import Client

    from datahub.api.demo import FHIR_DEMO_TOKEN

    client = Client()
    collector = _Collector()
    gc.callbacks.append(collector)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        response = client.post(
            f"{URL}?unit=0",
            body,
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {FHIR_DEMO_TOKEN}",
        )
    finally:
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        gc.callbacks.remove(collector)
    print(f"  garbage collection: {collector.seconds:.3f} s in {collector.full} full collections")
    if response.status_code not in (200, 202):
        raise SystemExit(f"refused ({response.status_code}): {response.content[:2000]!r}")
    return wall, cpu, response.status_code


class _Collector:
    """A ``gc.callbacks`` entry that adds up the collector's seconds and full collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.full += info["generation"] == 2


def _profiled(body: bytes, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _post(body)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def _body(entries: int, *, seed: int, personal: bool) -> bytes:
    """A Bundle of ``entries`` entries of the demo's operations (other ones per ``seed``)."""
    from datahub.demo import fhir
    from datahub.demo.deliveries import _record

    operations = -(-entries // PER_OPERATION)
    on = dt.date.today()
    start, end = on - dt.timedelta(days=150), on - dt.timedelta(days=100)
    first = seed * 100_000
    records = [_record("CAT", first + n, start, end) for n in range(operations)]
    bundle = fhir.bundle(records, "ok")
    bundle["entry"] = bundle["entry"][:entries]
    if personal:
        for number, entry in enumerate(bundle["entry"]):
            if entry["resource"]["resourceType"] == "Patient":
                _add_personal(entry["resource"], first + number)
    return json.dumps(bundle, separators=(",", ":")).encode()


def _add_personal(patient: dict[str, Any], number: int) -> None:
    """What an EHR's Patient holds beside the registry's number (the hub drops all of it)."""
    patient["identifier"].insert(
        0, {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": f"9{number:08d}"}
    )
    patient["name"] = [{"family": "Jansen"}]
    patient["address"] = [{"city": "Goes"}]
    patient["telecom"] = [{"system": "phone", "value": f"06{number:08d}"}]


class _Stages:
    """Exclusive CPU seconds per stage of ``fhir.service.submit``: each stage is a function of the
    FHIR modules, wrapped so that a stage called within another is counted apart from it."""

    #: (module, attribute, stage): the functions ``service`` calls, by the name it calls them
    #: (one missing in the code measured is left out: the script also measures older code)
    TARGETS = (
        ("datahub.fhir.parsing", "read", "read JSON"),
        ("datahub.fhir.parsing", "entries", "entries"),
        ("datahub.fhir.privacy", "bsn_values", "BSN scan"),
        ("datahub.fhir.service", "References", "references index"),
        ("datahub.fhir.mapping", "compile_fields", "FHIRPath compile"),
        ("datahub.fhir.service", "_refuse_bsn_in_fields", "BSN check (fields)"),
        ("datahub.fhir.privacy", "strip", "privacy filter"),
        ("datahub.fhir.privacy", "stripped", "privacy filter"),
        ("datahub.fhir.mapping", "model_issues", "model check"),
        ("datahub.fhir.mapping", "values_of", "FHIRPath mapping"),
        ("datahub.fhir.mapping", "values_after", "FHIRPath mapping"),
        ("datahub.fhir.service", "_refuse_bsn_in_records", "BSN check (records)"),
        ("datahub.fhir.service", "validate_records", "validation engine"),
        ("datahub.fhir.service", "records_csv", "CSV"),
        ("datahub.fhir.service", "_same_as_latest", "retry check"),
        ("datahub.fhir.service", "_delivered", "intake (store)"),
    )
    #: Stages that count what they call as their own (the BSN check evaluates every field).
    INCLUSIVE = frozenset({"BSN check (fields)"})

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[Any]] = []  # [stage, resumed at]

    def reset(self) -> None:
        self.seconds = defaultdict(float)

    def install(self) -> None:
        import importlib

        for module_name, attribute, label in self.TARGETS:
            module = importlib.import_module(module_name)
            if hasattr(module, attribute):
                setattr(module, attribute, self._wrapped(getattr(module, attribute), label))

    def _wrapped(self, function: Any, label: str) -> Any:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._stack and self._stack[-1][0] in self.INCLUSIVE:
                return function(*args, **kwargs)
            now = time.process_time()
            if self._stack:
                outer = self._stack[-1]
                self.seconds[outer[0]] += now - outer[1]
            self._stack.append([label, now])
            try:
                return function(*args, **kwargs)
            finally:
                now = time.process_time()
                stage, resumed = self._stack.pop()
                self.seconds[stage] += now - resumed
                if self._stack:
                    self._stack[-1][1] = now

        return timed


if __name__ == "__main__":
    sys.exit(main())
