"""The OpenAPI schema and the docs page render, from our own static files."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client


def test_the_openapi_schema_lists_every_endpoint(db):
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/aanleveringen"]
    for path in (
        "/api/aanleveringen/{delivery_id}",
        "/api/aanleveringen/{delivery_id}/verslag",
        "/api/aanleveringen/{delivery_id}/verslag.csv",
    ):
        assert "get" in paths[path]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_docs_page_renders_without_a_cdn(db):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr" not in page
    assert "Content-Security-Policy" not in response.headers


def test_the_api_answers_json_with_the_portal_middleware_in_place(db):
    response = Client().get("/api/aanleveringen/1")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_the_openapi_schema_declares_every_answer_of_the_institutions_calls(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    problems = {"application/json": {"schema": {"$ref": "#/components/schemas/Problems"}}}
    expected = {
        ("post", "/api/aanleveringen"): {"200", "202", "400", "401", "413", "422", "503"},
        ("get", "/api/aanleveringen"): {"200", "401", "422"},
        ("get", "/api/aanleveringen/{delivery_id}"): {"200", "401", "404", "422"},
        ("get", "/api/aanleveringen/{delivery_id}/verslag"): {"200", "401", "404", "409", "422"},
        ("get", "/api/aanleveringen/{delivery_id}/verslag.csv"): {
            "200",
            "401",
            "404",
            "409",
            "422",
        },
    }
    for (method, path), codes in expected.items():
        responses = paths[path][method]["responses"]
        assert set(responses) == codes, path
        for code in codes - {"200", "202"}:
            assert responses[code]["content"] == problems, (path, code)


def test_the_csv_report_is_declared_as_csv_only(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    ok = paths["/api/aanleveringen/{delivery_id}/verslag.csv"]["get"]["responses"]["200"]
    assert ok["content"] == {"text/csv": {"schema": {"type": "string"}}}


def test_the_docs_name_only_fields_the_status_has():
    from datahub.api.deliveries import DeliveryOut, RecordCounts
    from datahub.deliveries.models import Status

    text = (settings.BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    status = text.split("## Polling the status", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", status))
    known = {*DeliveryOut.model_fields, *RecordCounts.model_fields, *Status.values, "true"}
    assert named - known == set()
    assert "progress_percent" in named


def test_the_docs_name_the_one_difference_of_the_report_from_the_cli():
    text = (settings.BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    report = text.split("## Fetching the report", 1)[1].split("\n## ", 1)[0]
    assert "NUL" in report
    assert "U+2400" in report
