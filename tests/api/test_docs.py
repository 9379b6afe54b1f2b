"""The OpenAPI schema and the docs page render, from our own static files."""

from __future__ import annotations

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
