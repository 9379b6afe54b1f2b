"""GET a delivery's status, its report as JSON (the engine's format) and as CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from datahub.audit.models import Action, AuditEvent
from datahub.deliveries.models import Delivery
from datahub.validation import validate_file
from tests.api.conftest import NAME, get, upload
from tests.deliveries.conftest import cat_csv

DATA = cat_csv(
    8,
    **{
        "1": {"Geslacht": "7"},
        "2": {"VaCCPO": '=HYPERLINK("x")'},
        "3": {"Operatiedatum": "2020-02-30"},
    },
)


@pytest.fixture
def delivery_id(api_cataract, token, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(token, DATA)
    assert response.status_code == 202, response.content
    return int(response.json()["id"])


def _events(action: str, delivery_id: int) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type="deliveries.Delivery", object_id=str(delivery_id)
    ).count()


def test_the_status_gives_status_and_counts_and_is_audited(delivery_id, token, api_cataract):
    body = get(token, f"/api/aanleveringen/{delivery_id}").json()
    expected = validate_file(api_cataract.dictionary, DATA, file_name=NAME)
    assert body["status"] == "verwerkt_met_fouten"
    assert body["status_label"] == expected.status == "Verwerkt met fouten"
    assert body["finished"] is True
    assert body["records"] == {
        "total": expected.total,
        "processed": expected.processed,
        "not_processed": expected.not_processed,
    }
    assert (body["errors"], body["warnings"]) == (expected.errors, expected.warnings)
    assert _events(Action.VIEW, delivery_id) == 1


def streamed_json(response):  # type: ignore[no-untyped-def]
    return json.loads(b"".join(response.streaming_content))


def test_the_json_report_is_exactly_what_datahub_validate_gives(delivery_id, token, api_cataract):
    response = get(token, f"/api/aanleveringen/{delivery_id}/verslag")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.streaming  # a report of a million findings is not built in memory first
    expected = validate_file(api_cataract.dictionary, DATA, file_name=NAME).to_dict()
    served = streamed_json(response)
    assert served == json.loads(json.dumps(expected))
    # the keys in the report fields' order too (PostgreSQL's jsonb keeps its own)
    assert [list(f["keys"]) for f in served["findings"]] == [
        list(f["keys"]) for f in expected["findings"]
    ]
    assert _events(Action.VIEW, delivery_id) == 1


def test_the_csv_report_has_a_bom_neutralised_formulas_and_is_audited_as_export(delivery_id, token):
    response = get(token, f"/api/aanleveringen/{delivery_id}/verslag.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Recordnummer"
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    assert _events(Action.EXPORT, delivery_id) == 1


def test_a_report_before_processing_ends_is_a_409_and_the_status_says_so(api_cataract, token):
    response = upload(token)  # its processing is queued after commit: not run here
    delivery_id = response.json()["id"]
    assert get(token, f"/api/aanleveringen/{delivery_id}").json()["finished"] is False
    for suffix in ("/verslag", "/verslag.csv"):
        response = get(token, f"/api/aanleveringen/{delivery_id}{suffix}")
        assert response.status_code == 409
        assert response.json()["detail"]


def test_a_delivery_through_the_portal_is_also_readable_with_the_token(delivery_id, token):
    """Status and report belong to the institution, not to the channel."""
    Delivery.objects.unscoped().filter(pk=delivery_id).update(channel="Webportaal")
    assert get(token, f"/api/aanleveringen/{delivery_id}/verslag").status_code == 200


def test_a_nul_in_a_value_is_the_one_difference_from_datahub_validate(
    api_cataract, token, django_capture_on_commit_callbacks
):
    """PostgreSQL cannot store NUL: the hub stores U+2400 "␀" where the CLI keeps "\\x00"."""
    data = cat_csv(2, **{"1": {"Geslacht": "7\x00"}})
    with django_capture_on_commit_callbacks(execute=True):
        delivery_id = upload(token, data).json()["id"]
    body = streamed_json(get(token, f"/api/aanleveringen/{delivery_id}/verslag"))
    cli = validate_file(api_cataract.dictionary, data, file_name=NAME).to_dict()
    assert cli["findings"][0]["value"] == "7\x00"
    assert body["findings"][0]["value"] == "7\u2400"
    assert body["findings"][0]["message"].count("\u2400") == 1
    assert body == json.loads(json.dumps(cli).replace("\\u0000", "\\u2400"))


def test_a_deliverys_moments_are_utc_z_to_the_microsecond(api_cataract, token):
    """submitted_at was cut to the millisecond (``…50.532Z``), where the processor API gives
    microseconds (a review): one form in the whole API."""
    import datetime as dt

    body = upload(token).json()
    moment = dt.datetime(2026, 11, 28, 13, 3, 50, 532000, tzinfo=dt.UTC)
    Delivery.objects.unscoped().filter(pk=body["id"]).update(
        submitted_at=moment, processed_at=moment.replace(microsecond=0)
    )
    status = get(token, f"/api/aanleveringen/{body['id']}").json()
    assert status["submitted_at"] == "2026-11-28T13:03:50.532000Z"
    assert status["processed_at"] == "2026-11-28T13:03:50.000000Z"
    [listed] = get(token, "/api/aanleveringen").json()
    assert listed["submitted_at"] == "2026-11-28T13:03:50.532000Z"


def test_the_csv_report_keeps_signed_numbers_as_the_docs_say(
    api_cataract, token, django_capture_on_commit_callbacks
):
    """docs/api.md said every cell starting with "-" is neutralised; ``-1`` is not (a review)."""
    from django.conf import settings

    data = cat_csv(2, **{"1": {"Geslacht": "-1"}, "2": {"Geslacht": "-x"}})
    with django_capture_on_commit_callbacks(execute=True):
        delivery_id = upload(token, data).json()["id"]
    body = b"".join(get(token, f"/api/aanleveringen/{delivery_id}/verslag.csv").streaming_content)
    cells = {cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row}
    assert {"-1", "'-x"} <= cells
    text = (settings.BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    report = text.split("## Fetching the report", 1)[1].split("\n## ", 1)[0]
    assert "except a signed number" in report and "`-1`" in report
