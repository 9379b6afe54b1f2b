"""Benchmark: the Overzicht, Aangeleverd and Verwacht pages with years of data.

One command (from the project root)::

    .venv/bin/python bench/pages.py                       # a fresh SQLite file
    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py   # PostgreSQL (emptied first!)

It fills a separate database with 100 institutions taking part in three sub-deliveries and
100,000 deliveries spread over 2019-2026 (statuses, test deliveries and periods mixed), then
requests each page as one institution's submitter through Django's test client (the whole
stack: middleware, access checks, queries, templates) and prints the fastest, p50 and p95 in
milliseconds and the number of queries per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET = "90000001"


def _configure(database_url: str | None) -> None:
    var_dir = tempfile.mkdtemp(prefix="datahub-bench-")
    os.environ.setdefault("DATAHUB_VAR_DIR", var_dir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var_dir}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()


def _fill(institutions: int, deliveries: int, seed: int) -> None:
    from django.core.management import call_command

    from datahub.deliveries.models import Channel, Delivery, Status
    from datahub.dictionaries import services
    from datahub.dictionaries.models import Participation
    from datahub.institutions.models import Institution, Unit

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    fixtures = ROOT / "datahub" / "fixtures" / "dictionaries"
    versions = [
        services.import_workbook((fixtures / name).read_bytes(), name)
        for name in ("CAT_1.4.xlsx", "MMYIKNL_2.1.xlsx", "MMYPROMS_2.1.xlsx")
    ]
    insts = Institution.objects.bulk_create(
        Institution(agb_code=f"{90000001 + i}", name=f"Ziekenhuis {i:03d}")
        for i in range(institutions)
    )
    units = Unit.objects.bulk_create(Unit(institution=i, number=0, name="Hoofd") for i in insts)
    Participation.objects.bulk_create(
        Participation(institution=i, sub_delivery=v.sub_delivery, since=dt.date(2019, 1, 1))
        for i in insts
        for v in versions
    )
    # Delivery dates are the point of the benchmark: let bulk_create keep ours.
    Delivery._meta.get_field("submitted_at").auto_now_add = False  # type: ignore[attr-defined]
    rng = random.Random(seed)
    statuses = [Status.PROCESSED] * 6 + [Status.WARNINGS, Status.ERRORS, Status.REJECTED]
    halves = [f"{y}H{h}" for y in range(2019, 2027) for h in (1, 2)]
    start = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    sequence: dict[tuple[int, int], int] = {}
    batch: list[Delivery] = []
    for n in range(deliveries):
        index = n % institutions
        version = versions[rng.randrange(3)]
        key = (index, version.pk)
        sequence[key] = sequence.get(key, 0) + 1
        period = "TOTAAL" if version.frequency == "totaal" else rng.choice(halves)
        moment = start + dt.timedelta(minutes=rng.randrange(8 * 365 * 24 * 60))
        batch.append(
            Delivery(
                institution=insts[index],
                unit=units[index],
                sub_delivery=version.sub_delivery,
                dictionary_version=version,
                channel=Channel.PORTAL,
                is_test=rng.random() < 0.1,
                period=period,
                sequence_number=sequence[key],
                creation_date=moment.date(),
                file_name=f"{insts[index].agb_code}_0_{version.sub_delivery.code}_{n}.csv",
                submitted_at=moment,
                processed_at=moment,
                status=rng.choice(statuses),
                records_total=100,
            )
        )
        if len(batch) == 5000:
            Delivery.objects.bulk_create(batch)
            batch = []
    Delivery.objects.bulk_create(batch)


def _measure(repeat: int) -> list[tuple[str, float, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from datahub.accounts.models import User
    from datahub.accounts.totp import enrol_totp
    from datahub.institutions.models import Institution, Membership, Role

    institution = Institution.objects.get(agb_code=TARGET)
    user = User.objects.create_user("bench@example.org", "x")
    enrol_totp(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    Membership.objects.create(user=user, institution=institution, role=Role.SUBMITTER)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    pages = {
        "Overzicht": reverse("portal:overview"),
        "Volledig overzicht (afgekeurd)": reverse("portal:overview_table", args=["afgekeurd"]),
        "Aangeleverd": reverse("portal:delivered"),
        "Aangeleverd, page 20": reverse("portal:delivered") + "?page=20",
        "Aangeleverd, most recent": reverse("portal:delivered") + "?recent=on",
        "Aangeleverd, filtered": reverse("portal:delivered")
        + "?deelaanlevering=MMYIKNL&status=afgekeurd&van=2020-01-01&tot=2024-12-31",
        "Verwacht": reverse("portal:expected"),
    }
    results = []
    for name, url in pages.items():
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        cuts = statistics.quantiles(timings, n=20)
        results.append((name, min(timings), statistics.median(timings), cuts[18], len(queries)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    _configure(os.environ.get("DATABASE_URL"))
    from django.db import connection

    began = time.perf_counter()
    _fill(args.institutions, args.deliveries, args.seed)
    print(
        f"{connection.vendor}: {args.deliveries:,} deliveries over {args.institutions} "
        f"institutions, filled in {time.perf_counter() - began:.0f} s; pages of {TARGET} "
        f"({args.deliveries // args.institutions:,} deliveries), {args.repeat} requests each\n"
    )
    print(f"{'page':34} {'min ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, fastest, p50, p95, queries in _measure(args.repeat):
        print(f"{name:34} {fastest:8.1f} {p50:8.1f} {p95:8.1f} {queries:8d}")
    print(f"\nload average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
