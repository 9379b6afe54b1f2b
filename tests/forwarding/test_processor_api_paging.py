"""Paging through the processor API's list with ``after``: every package once, never again, and
none passed over, whatever order the packages' transactions commit in."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone

from datahub.deliveries.models import Delivery
from datahub.forwarding import api as processor_api
from datahub.forwarding import packaging
from datahub.forwarding.models import Authorisation, Package
from tests.conftest import make_member
from tests.forwarding.conftest import (
    API,
    authorise,
    bearer,
    deliver,
    finished_deliveries,
    packages_of,
    patient_rows,
)
from tests.work import counted, sqlite_only

B_FILE = {"file_name": "44444444_0_CAT_1.4_1_20261128_PROD.csv", "institution_code": "44444444"}


@pytest.fixture
def api(processor, token_of) -> Client:
    return Client(**bearer(token_of(processor)))


def _page_through(api: Client, after: int | None = None) -> tuple[list[int], int | None]:
    """What a client does: ask for what comes after the last package it received until the
    answer is empty. The ids received, and the cursor to keep for the next poll."""
    received: list[int] = []
    for _call in range(100):  # a client that would never stop fails the test instead
        params = {} if after is None else {"after": after}
        page = api.get(f"{API}/packages", params).json()
        if not page:
            return received, after
        received += [p["id"] for p in page]
        after = page[-1]["sequence"]
    raise AssertionError("the pages never ended")


def test_paging_with_after_gives_every_package_once_and_stops(
    api, authorised, cataract, institution, monkeypatch
):
    monkeypatch.setattr(processor_api, "PAGE", 2)
    made = packages_of(finished_deliveries(institution, cataract, 5), authorised)
    received, last = _page_through(api)
    assert received == [p.pk for p in made]
    assert last == made[-1].sequence
    assert _page_through(api, last) == ([], last)


@sqlite_only
def test_the_list_does_not_grow_with_expired_packages(api, authorised, cataract, institution):
    work, start = [], 0
    long_ago = timezone.now() - dt.timedelta(days=800)
    for n in (1_000, 10_000):  # years of packages fetched, acknowledged and expired
        deliveries = finished_deliveries(institution, cataract, n, start)
        packages_of(deliveries, authorised, created_at=long_ago, expired_at=long_ago)
        start += n
        api.get(f"{API}/packages")
        with counted() as steps:
            assert api.get(f"{API}/packages").json() == []
        work.append(steps[0])
    assert work[1] < 2 * work[0], work


@pytest.fixture
def b_delivered(
    authorised, registered, other_institution, processor, django_capture_on_commit_callbacks
) -> None:
    """A second hospital, B, also authorised for the processor, has delivered a file."""
    authorise(other_institution, processor, registered)
    b_submitter = make_member("b@b.example", other_institution, "aanleveraar")
    capture = django_capture_on_commit_callbacks
    deliver(other_institution, b_submitter, patient_rows(2), 1, capture, **B_FILE)


@pytest.mark.usefixtures("b_delivered")
def test_a_package_that_became_available_after_a_poll_comes_with_the_next_one(
    api, institution, other_institution, submitter, django_capture_on_commit_callbacks
):
    # Hospital B's package is made and seen by the processor's poll.
    capture = django_capture_on_commit_callbacks
    seen, after = _page_through(api)
    # Hospital A's package is stamped before B's but its transaction commits after the poll
    # (PostgreSQL builds packages of different hospitals at once): made_available_at is earlier
    # than the one the processor has, and a client paging on since would never get it.
    deliver(institution, submitter, patient_rows(3), 1, capture)
    a_package = Package.objects.for_institution(institution).get()
    b_package = Package.objects.for_institution(other_institution).get()
    Package.objects.for_institution(institution).update(
        created_at=b_package.created_at - dt.timedelta(milliseconds=1)
    )
    assert seen == [b_package.pk]
    assert _page_through(api, after)[0] == [a_package.pk]


@pytest.mark.usefixtures("b_delivered")
def test_paging_with_since_gives_a_package_made_on_a_clock_behind_too(
    api, institution, other_institution, submitter, django_capture_on_commit_callbacks
):
    # Clients that page with since (as the docs used to advise) get every package too.
    capture = django_capture_on_commit_callbacks
    # B's package was made by a worker whose clock runs an hour ahead of the next one's.
    Package.objects.for_institution(other_institution).update(
        created_at=F("created_at") + dt.timedelta(hours=1)
    )
    [b_package] = api.get(f"{API}/packages").json()
    deliver(institution, submitter, patient_rows(3), 1, capture)
    a_package = Package.objects.for_institution(institution).get()
    page = api.get(f"{API}/packages", {"since": b_package["made_available_at"]}).json()
    assert [p["id"] for p in page] == [a_package.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writes")
@pytest.mark.django_db(transaction=True)
def test_a_package_committing_late_is_not_passed_over_by_a_poll_in_between(
    api, authorised, registered, institution, other_institution, processor, cataract, monkeypatch
):
    """Two hospitals' packages for one processor are built at once: the first waits before its
    commit, the second may not become visible before it (it waits for the first to commit)."""
    b_authorisation = authorise(other_institution, processor, registered)
    a_delivery, b_delivery = (
        Delivery.objects.unscoped()
        .select_related("institution", "sub_delivery__registry", "dictionary_version")
        .get(pk=finished_deliveries(hospital, cataract, 1)[0].pk)
        for hospital in (institution, other_institution)
    )
    inside, go = threading.Event(), threading.Event()
    supersede = packaging._supersede

    def slow_for_a(package, delivery):
        supersede(package, delivery)
        if delivery.pk == a_delivery.pk:
            inside.set()
            go.wait(10)

    monkeypatch.setattr(packaging, "_supersede", slow_for_a)
    monkeypatch.setattr(packaging, "_store_files", lambda delivery, pseudonymise: _no_files())

    def build(delivery: Delivery, authorisation: Authorisation) -> None:
        try:
            packaging.build_package(delivery, authorisation)
        finally:
            connection.close()

    first = threading.Thread(target=build, args=[a_delivery, authorised])
    second = threading.Thread(target=build, args=[b_delivery, b_authorisation])
    first.start()
    assert inside.wait(10)
    second.start()
    second.join(1)
    seen, after = _page_through(api)  # while A waits to commit
    assert second.is_alive(), "B's package committed before A's"
    go.set()
    first.join(10)
    second.join(10)
    later, _after = _page_through(api, after)
    assert sorted(seen + later) == sorted(Package.objects.unscoped().values_list("pk", flat=True))
    assert len(seen + later) == 2
    made = Package.objects.unscoped().order_by("sequence").values_list("created_at", flat=True)
    assert list(made) == sorted(made)  # so paging with since passes none over either


def _no_files():
    from datahub.deliveries import files

    stored = files.store(iter([b"x"]), "package.csv")
    return stored, files.store(iter([b"x"]), "package.parquet"), 1
