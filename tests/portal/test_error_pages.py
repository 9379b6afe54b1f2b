"""403, 404 and 500 in the portal's look: a main landmark, a heading, a way back, in the user's
language; the status codes stay what they were. Run with DEBUG off, as in production."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from tests.conftest import logged_in


def _in(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "heading", "explanation", "back"),
    [
        ("nl", "Geen toegang", "lokaal beheerder van uw zorginstelling", "Naar de startpagina"),
        ("en", "No access", "local administrator of your institution", "Go to the home page"),
    ],
)
def test_a_refusal_is_a_portal_page_in_the_users_language(
    submitter, language, heading, explanation, back
):
    response = _in(logged_in(submitter), language).get(reverse("portal:audit_log"))
    assert response.status_code == 403
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert '<main id="content"' in page
    assert f"<h1>{heading}</h1>" in page
    assert explanation in page
    assert f'<a href="{reverse("portal:home")}">{back}</a>' in page
    assert "403 Forbidden" not in page


@override_settings(DEBUG=False)
def test_a_refused_hub_operator_is_sent_to_hub_management_not_to_a_local_administrator(
    operator,
):
    response = logged_in(operator).get(reverse("portal:overview"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "lokaal beheerder" not in page
    assert f'<a href="{reverse("portal:operator_home")}">Naar Beheer hub</a>' in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "explanation"),
    [
        ("nl", "Vraag het dan aan de beheerder van de hub."),
        ("en", "ask the hub's operator."),
    ],
)
def test_a_refused_processor_is_sent_to_the_hubs_operator_not_to_a_local_administrator(
    processor_user, language, explanation
):
    response = _in(logged_in(processor_user), language).get(reverse("portal:overview"))
    assert response.status_code == 403
    page = response.content.decode()
    assert explanation in page
    assert "zorginstelling" not in page and "your institution" not in page
    assert f'<a href="{reverse("portal:home")}">' in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "heading", "back"),
    [
        ("nl", "Pagina niet gevonden", "Naar de startpagina"),
        ("en", "Page not found", "Go to the home page"),
    ],
)
def test_an_unknown_address_is_a_portal_page_in_the_users_language(
    submitter, language, heading, back
):
    response = _in(logged_in(submitter), language).get("/bestaat-niet/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert '<main id="content"' in page
    assert f"<h1>{heading}</h1>" in page
    assert f'<a href="{reverse("portal:home")}">{back}</a>' in page
    assert "The requested resource was not found" not in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_unknown_address_without_login_is_a_portal_page_too(db, language):
    response = _in(Client(), language).get("/accounts/bestaat-niet/")
    assert response.status_code == 404
    assert f'<html lang="{language}">' in response.content.decode()
    assert '<main id="content"' in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF="tests.portal.error_urls")
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_server_error_is_a_static_dutch_and_english_page(submitter, language):
    client = _in(logged_in(submitter), language)
    client.raise_request_exception = False
    response = client.get("/test-failure/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="nl">' in page  # static: no request language applies
    assert '<main id="content"' in page
    assert "<h1>Er ging iets mis</h1>" in page
    assert '<div class="card card--narrow" lang="en">' in page
    assert "Something went wrong" in page
    assert '<a href="/">Naar de startpagina</a>' in page
    assert "Server Error (500)" not in page


def test_the_server_error_page_needs_no_database_or_context_processors():
    # No `db` fixture: pytest-django refuses any query, as a broken database would.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_refused_form_token_is_a_portal_page_in_dutch(submitter):
    client = logged_in(submitter)
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="nl">' in page and '<main id="content"' in page
    assert "<h1>Het formulier is verlopen</h1>" in page
    assert "CSRF verification failed" not in page


def test_a_refusal_is_logged_in_one_line_and_an_error_with_its_traceback(clinician, caplog):
    """A refusal is ordinary and audited: its traceback in the log would hide the errors."""
    import logging
    import sys

    from datahub.log_filters import DenialsWithoutTraceback

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = logged_in(clinician).get(reverse("portal:delivered"))
    assert response.status_code == 403
    [refused] = [r for r in caplog.records if r.name == "django.request"]
    assert refused.getMessage().startswith("Forbidden") and refused.exc_info is None
    error = logging.LogRecord("django.request", logging.ERROR, "", 0, "Internal", (), None)
    try:
        raise ValueError("a real error")
    except ValueError:
        error.exc_info = sys.exc_info()
    assert DenialsWithoutTraceback().filter(error) and error.exc_info is not None
