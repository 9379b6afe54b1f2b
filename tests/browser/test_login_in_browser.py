"""In a real browser: log in with password and TOTP code, see the Overzicht, switch language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_local_admin_logs_in_with_a_totp_code_and_sees_the_overview(page, portal_url, portal_env):
    log_in(page, portal_url, portal_env, "beheerder@noorderlicht.example")
    page.wait_for_url("**/overzicht/")
    expect(page.get_by_role("heading", name="Overzicht")).to_be_visible()
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    for item in ("Overzicht", "Aangeleverd", "Verwacht", "Bestanden aanleveren", "Afnameoverzicht"):
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
