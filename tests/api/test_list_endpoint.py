"""GET /api/aanleveringen: the institution's deliveries of every channel, from a moment on."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Status
from tests.api.conftest import get, upload
from tests.schedule.conftest import deliver

URL = "/api/aanleveringen"


def _ids(token: str, query: str = "") -> list[int]:
    response = get(token, URL + query)
    assert response.status_code == 200, response.content
    return [d["id"] for d in response.json()]


def test_the_list_holds_every_own_delivery_of_any_channel_oldest_first(
    api_cataract, token, institution, other_institution, django_capture_on_commit_callbacks
):
    portal = deliver(institution, "CAT", "TOTAAL", status=Status.REJECTED)  # on the portal
    theirs = deliver(other_institution, "CAT", "TOTAAL")
    with django_capture_on_commit_callbacks(execute=True):
        through_api = upload(token).json()["id"]
    assert _ids(token) == [portal.pk, through_api]
    assert theirs.pk not in _ids(token)
    [first, second] = get(token, URL).json()
    assert (first["channel"], first["status"]) == ("Webportaal", "afgekeurd")
    assert second["links"]["status"].endswith(f"/api/aanleveringen/{through_api}")
    event = AuditEvent.objects.filter(action=Action.VIEW).latest("id")
    assert event.institution == institution and event.detail["deliveries"] == [
        portal.pk,
        through_api,
    ]


def test_the_list_starts_at_a_moment_and_filters_on_sub_delivery_and_status(
    api_cataract, token, institution
):
    from urllib.parse import quote

    from tests.schedule.conftest import days

    old = deliver(institution, "CAT", "TOTAAL", on=days(-3))
    new = deliver(institution, "CAT", "TOTAAL", on=days(-1), status="afgekeurd")
    assert _ids(token) == [old.pk, new.pk]
    moment = quote(new.submitted_at.isoformat())
    assert _ids(token, f"?since={moment}") == [new.pk]  # at or after the moment
    assert _ids(token, "?since=2100-01-01T00:00:00Z") == []
    assert _ids(token, "?status=afgekeurd") == [new.pk]
    assert _ids(token, "?code=cat") == [old.pk, new.pk]
    assert _ids(token, "?code=MMYIKNL") == []
    assert get(token, URL + "?status=kwijt").status_code == 422
    assert get(token, URL + "?since=gisteren").status_code == 422
    paged = get(token, URL + "?page=2")  # no such paging: not the first 100 again
    assert paged.status_code == 422
    assert paged.json()["problems"] == {
        "page": ["Deze aanroep kent deze parameter niet; hij kent: since, code, status."]
    }
    assert get(None, URL).status_code == 401


def test_a_delivery_made_while_the_list_was_asked_shows_when_asked_again_from_before(
    api_cataract, token, institution
):
    """A delivery's id and moment come when its row is written, its visibility when its
    transaction ends: one that was still being submitted shows on the next call, asked from a
    moment before the last one seen (as the docs tell)."""
    import datetime as dt
    from urllib.parse import quote

    from datahub.deliveries.models import Delivery
    from tests.schedule.conftest import days

    seen = deliver(institution, "CAT", "TOTAAL", on=days(-1))
    late = deliver(institution, "CAT", "TOTAAL", on=days(-2))  # its moment lies before
    Delivery.objects.for_institution(institution).filter(pk=late.pk).update(
        submitted_at=seen.submitted_at - dt.timedelta(seconds=3)
    )
    look_back = quote((seen.submitted_at - dt.timedelta(minutes=5)).isoformat())
    assert set(_ids(token, f"?since={look_back}")) == {seen.pk, late.pk}


def test_the_list_needs_the_same_queries_whatever_the_deliveries(api_cataract, token, institution):
    deliver(institution, "CAT", "TOTAAL")
    get(token, URL)  # the token's first use of the day is written once
    with CaptureQueriesContext(connection) as few:
        get(token, URL)
    for _n in range(5):
        deliver(institution, "CAT", "TOTAAL")
    with CaptureQueriesContext(connection) as many:
        assert len(get(token, URL).json()) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_does_not_read_stored_dictionaries_or_record_lists(
    api_cataract, token, institution
):
    """Each row read its version's whole stored dictionary and workbook (megabytes with large
    value tables) and its list of records with an error: none of which the answer shows."""
    deliver(institution, "CAT", "TOTAAL")
    get(token, URL)
    with CaptureQueriesContext(connection) as queries:
        assert len(get(token, URL).json()) == 1
    listing = next(q["sql"] for q in queries.captured_queries if "error_count" in q["sql"])
    read = listing.replace('"workbook_name"', "")
    for column in ('"definition"', '"workbook"', '"error_records"', '"filled_counts"'):
        assert column not in read
    assert '"notified_to"' not in read
