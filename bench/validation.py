"""Benchmark: the validation engine against a bare polars read of the same file.

One command (from the project root)::

    .venv/bin/python bench/validation.py            # 100k and 1M records
    .venv/bin/python bench/validation.py --sizes 100000 --repeat 5
    .venv/bin/python bench/validation.py --xml --sizes 100000   # the same records as XML

For every size it generates a Cataract file (bench/generate.py, 1 % injected errors of every
kind, fixed seed), then runs each measurement in a fresh subprocess, ``--repeat`` times, and
reports the fastest run (the least disturbed by other load on the machine), the least process
(CPU) time, and the peak memory (``ru_maxrss`` of the children) of:

(a) ``polars.read_csv(path, infer_schema=False)`` - the bare read, every column as text;
(b) ``validate_file(dictionary, path)`` plus ``report.to_json()`` - the whole engine.

It prints a table with b/a and records per second, and compares the throughput with a
row-by-row validator (frictionless, about 2,400 records/s on this kind of file).

With ``--xml`` the file holds the same records as XML, and (a) is lxml's streaming read of it
(``iterparse`` of every record, each freed once read): the least any XML reader does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

DICTIONARY = ROOT / "datahub" / "fixtures" / "dictionaries" / "CAT_1.4.xlsx"
ROW_BY_ROW = 2400

BARE = """
import json, resource, sys, time
import polars as pl
start, cpu = time.perf_counter(), time.process_time()
frame = pl.read_csv(sys.argv[1], infer_schema=False)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak, "rows": frame.height}))
"""

BARE_XML = """
import json, resource, sys, time
from lxml import etree
start, cpu = time.perf_counter(), time.process_time()
rows = 0
for _, element in etree.iterparse(sys.argv[1], events=("end",), tag="record"):
    rows += 1
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak, "rows": rows}))
"""

ENGINE = """
import json, resource, sys, time
from datahub.validation import load_dictionary, validate_file
dictionary = load_dictionary(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
report = validate_file(dictionary, sys.argv[1])
text = report.to_json()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak, "rows": report.total,
                  "findings": len(report.findings), "status": report.status}))
"""

BASELINE = """
import json, resource
import polars, datahub.validation
print(json.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run_child(code: str, *args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    return json.loads(result.stdout)


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    fastest = min(runs, key=lambda r: r["seconds"])
    return fastest | {
        "cpu": min(r["cpu"] for r in runs),
        "peak_kib": max(r["peak_kib"] for r in runs),
    }


def measure(records: int, repeat: int, directory: Path, *, xml: bool) -> dict[str, object]:
    suffix = "xml" if xml else "csv"
    path = directory / f"11111111_0_CAT_1.4_1_20210101_TEST_{records}.{suffix}"
    injected = generate(path, records)
    bare_runs, engine_runs = [], []
    for _ in range(repeat):  # interleaved, so that both see the same load on the machine
        bare_runs.append(run_child(BARE_XML if xml else BARE, str(path)))
        engine_runs.append(run_child(ENGINE, str(path), str(DICTIONARY)))
    bare, engine = best(bare_runs), best(engine_runs)
    return {
        "records": records,
        "megabytes": round(path.stat().st_size / 1e6, 1),
        "injected": sum(injected.values()),
        "bare_s": round(bare["seconds"], 3),
        "engine_s": round(engine["seconds"], 3),
        "ratio": round(engine["seconds"] / bare["seconds"], 2),
        "bare_cpu_s": round(bare["cpu"], 3),
        "engine_cpu_s": round(engine["cpu"], 3),
        "cpu_ratio": round(engine["cpu"] / bare["cpu"], 2),
        "bare_peak_mib": round(bare["peak_kib"] / 1024),
        "engine_peak_mib": round(engine["peak_kib"] / 1024),
        "records_per_s": round(records / engine["seconds"]),
        "vs_row_by_row": round(records / engine["seconds"] / ROW_BY_ROW),
        "findings": engine["findings"],
        "status": engine["status"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validation engine benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--xml", action="store_true", help="the same records as an XML file")
    args = parser.parse_args(argv)
    baseline = run_child(BASELINE)
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(n, args.repeat, Path(tmp), xml=args.xml) for n in args.sizes]
    if args.json:
        print(
            json.dumps(
                {"import_peak_mib": round(baseline["peak_kib"] / 1024), "results": results},
                indent=2,
            )
        )
        return 0
    print(
        f"cpus: {os.cpu_count()}, python + polars + engine imported: "
        f"{baseline['peak_kib'] / 1024:.0f} MiB"
    )
    header = (
        "records",
        "MB",
        "bare read s",
        "engine s",
        "b/a",
        "bare CPU s",
        "engine CPU s",
        "CPU b/a",
        "bare MiB",
        "engine MiB",
        "records/s",
        "x row-by-row",
        "findings",
    )
    print(" | ".join(header))
    for r in results:
        print(
            " | ".join(
                str(r[k])
                for k in (
                    "records",
                    "megabytes",
                    "bare_s",
                    "engine_s",
                    "ratio",
                    "bare_cpu_s",
                    "engine_cpu_s",
                    "cpu_ratio",
                    "bare_peak_mib",
                    "engine_peak_mib",
                    "records_per_s",
                    "vs_row_by_row",
                    "findings",
                )
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
