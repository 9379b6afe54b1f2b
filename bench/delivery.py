"""Upload → report, end to end, for a 100k-record Cataract file, and the Details page on it.

Usage::

    .venv/bin/python bench/delivery.py [--records 100000]

In one run, on a fresh SQLite database under a temporary directory:
(a) the bare polars read of the file, all columns as text (the reference);
(b) the intake: checks, streaming AES-GCM encryption into storage, the delivery row;
(c) processing: decryption, the validation engine, storing counts and every finding;
(d) the Details page: Voortgang, Verslag page 1 and a deep page, and the CSV export.
Prints seconds and ratios to (a). Figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup_django(directory: Path) -> None:
    os.environ.update(DATAHUB_VAR_DIR=str(directory), DATAHUB_DEBUG="true", DATAHUB_DEMO="true")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "datahub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _timed(label: str, results: dict[str, float], action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = action()
    results[label] = time.perf_counter() - start
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--error-rate",
        type=float,
        default=1.0,
        help="share of records with an injected error (1.0: ~one finding per record)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="datahub-bench-") as folder:
        directory = Path(folder)
        results = run(directory, args.records, args.error_rate)
    reference = results["a_polars_read"]
    print(f"records: {args.records}")
    for label, seconds in results.items():
        print(f"{label:<28} {seconds:8.3f} s   {seconds / reference:6.2f} x read")
    return 0


def run(directory: Path, records: int, error_rate: float) -> dict[str, float]:
    import polars as pl

    from bench.generate import generate

    path = directory / f"11111111_0_CAT_1.4_{records}_20261128_PROD.csv"
    generate(path, records, error_rate=error_rate, seed=7)
    results: dict[str, float] = {}
    _timed("a_polars_read", results, lambda: pl.read_csv(path, infer_schema=False).height)
    _setup_django(directory)
    delivery = _deliver(path, results)
    _pages(delivery, results)
    return results


def _deliver(path: Path, results: dict[str, float]):  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from datahub.deliveries import intake, processing
    from datahub.deliveries.models import Delivery
    from datahub.institutions.models import Institution

    meta = intake.metadata_from_name(path.name)
    meta.creation_date = dt.date(2026, 11, 28)
    institution = Institution.objects.get(agb_code="11111111")
    user = get_user_model().objects.get(email="aanleveraar@noorderlicht.example")

    def submit():  # type: ignore[no-untyped-def]
        with transaction.atomic(), path.open("rb") as stream:
            return intake.submit(
                meta,
                iter(lambda: stream.read(1 << 20), b""),
                size=path.stat().st_size,
                institution=institution,
                channel="Webportaal",
                actor=user,
            )

    delivery = _timed("b_intake_encrypt_store", results, submit)
    _timed("c_processing", results, lambda: processing.process(delivery.pk))
    results["b+c_upload_to_report"] = results["b_intake_encrypt_store"] + results["c_processing"]
    return Delivery.objects.unscoped().get(pk=delivery.pk)


def _pages(delivery, results: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(email="aanleveraar@noorderlicht.example"))
    url = f"/aanleveringen/{delivery.pk}/"
    findings = delivery.findings.count()
    last_page = max(1, (findings + 99) // 100)
    print(f"findings: {findings}")
    client.get(url)  # warm up templates and connections
    _timed("d_voortgang", results, lambda: client.get(url).status_code)
    _timed("d_verslag_page_1", results, lambda: client.get(url, {"tab": "verslag"}).status_code)
    _timed(
        "d_verslag_last_page",
        results,
        lambda: client.get(url, {"tab": "verslag", "page": last_page}).status_code,
    )
    _timed(
        "d_verslag_filtered",
        results,
        lambda: client.get(url, {"tab": "verslag", "code": "004"}).status_code,
    )
    _timed(
        "d_export_csv",
        results,
        lambda: sum(len(part) for part in client.get(url + "export/").streaming_content),
    )


if __name__ == "__main__":
    sys.exit(main())
