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


def test_the_openapi_schema_declares_every_answer_of_the_processors_calls(db):
    """No call declared its 401, the list not its 422 (``after=-1``), detail, download and
    acknowledge not theirs (``/packages/abc``); download declared a 400 it cannot give, as
    ``format=xml`` is a 422 (a review)."""
    paths = Client().get("/api/openapi.json").json()["paths"]
    message = {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}
    problems = {"application/json": {"schema": {"$ref": "#/components/schemas/Problems"}}}
    expected = {
        ("get", "/api/verwerker/packages"): {"200", "401", "422"},
        ("get", "/api/verwerker/packages/{package_id}"): {
            *("200", "401", "403", "404", "410", "422"),
        },
        ("get", "/api/verwerker/packages/{package_id}/download"): {
            *("200", "401", "403", "404", "410", "422", "500", "503"),
        },
        ("post", "/api/verwerker/packages/{package_id}/acknowledge"): {
            *("200", "401", "403", "404", "409", "410", "422"),
        },
    }
    for (method, path), codes in expected.items():
        responses = paths[path][method]["responses"]
        assert set(responses) == codes, path
        assert responses["422"]["content"] == problems, path
        for code in codes - {"200", "422"}:
            assert responses[code]["content"] == message, (path, code)


def test_a_download_is_declared_as_csv_or_parquet_with_its_checksum(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    ok = paths["/api/verwerker/packages/{package_id}/download"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"text/csv", "application/vnd.apache.parquet"}
    assert "X-Content-SHA256" in ok["headers"]


def test_the_fhir_call_declares_its_503_and_answers_as_fhir_json(db):
    operation = Client().get("/api/openapi.json").json()["paths"]["/api/fhir/{code}"]["post"]
    assert set(operation["responses"]) == {
        *("200", "202", "400", "401", "413", "415", "422", "503"),
    }
    outcome = {"schema": {"$ref": "#/components/schemas/OperationOutcomeOut"}}
    for status, answer in operation["responses"].items():
        if status != "401":  # (the API's JSON, as for every call)
            assert answer["content"] == {"application/fhir+json": outcome}, status


def test_links_are_on_the_configured_origin_not_the_requests_host_as_the_docs_say(
    api_cataract, token, settings
):
    """Deliberate (one address in mail and API), and now documented (a review)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.conftest import NAME, UPLOAD_URL, bearer
    from tests.deliveries.conftest import cat_csv

    settings.BASE_URL = "https://datahub.example"
    settings.ALLOWED_HOSTS = ["intern.example"]
    response = Client(HTTP_HOST="intern.example").post(
        UPLOAD_URL, {"file": SimpleUploadedFile(NAME, cat_csv(1))}, **bearer(token)
    )
    assert response.status_code == 202, response.content
    links = response.json()["links"]
    assert all(link.startswith("https://datahub.example/") for link in links.values())
    text = (settings.BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    delivering = text.split("## Delivering a file", 1)[1].split("\n## ", 1)[0]
    assert "`DATAHUB_BASE_URL`" in delivering
    assert "not on the host the request was sent" in delivering
