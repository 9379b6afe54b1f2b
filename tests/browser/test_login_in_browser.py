"""In a real browser: log in with password and TOTP code, see the Overzicht, switch language."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import demo_code

pytestmark = pytest.mark.browser


def _fresh_code(env, email: str) -> str:
    # A TOTP code is valid for its 30-second window; avoid one about to expire.
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    return demo_code(env, email)


def test_a_submitter_logs_in_with_a_totp_code_and_sees_the_overview(page, portal_url, portal_env):
    email = "aanleveraar@noorderlicht.example"
    page.goto(portal_url + "/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill("datahub-demo-2026")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(_fresh_code(portal_env, email))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/overzicht/")
    assert page.get_by_role("heading", name="Overzicht").is_visible()
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    for item in ("Overzicht", "Aangeleverd", "Verwacht", "Bestanden aanleveren", "Afnameoverzicht"):
        assert nav.get_by_role("link", name=item, exact=True).is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Overview").is_visible()
