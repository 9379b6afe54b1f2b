"""In a real browser: deactivating a person asks to confirm first; activating needs no step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_deactivating_a_person_is_confirmed_first(page, portal_url, portal_env):
    log_in(page, portal_url, portal_env, "beheerder@noorderlicht.example")
    page.goto(portal_url + "/beheer/gebruikers/")
    page.get_by_role("link", name="Wijzigen arts@noorderlicht.example").click()
    confirm = page.get_by_role("button", name="Ja, deactiveren")
    expect(confirm).to_be_hidden()  # one click does not take someone's access away
    page.get_by_text("Deactiveren…").click()
    expect(
        page.get_by_text("kan dan niet meer werken voor Ziekenhuis Noorderlicht")
    ).to_be_visible()
    confirm.click()
    page.wait_for_url("**/beheer/gebruikers/")
    expect(page.get_by_text("De wijziging is opgeslagen.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="arts@noorderlicht.example")
    expect(row.get_by_text("Gedeactiveerd")).to_be_visible()
    # and back: activating again is one click (the demo is shared with the other tests)
    row.get_by_role("link").click()
    page.get_by_role("button", name="Weer activeren").click()
    page.wait_for_url("**/beheer/gebruikers/")
    row = page.get_by_role("row").filter(has_text="arts@noorderlicht.example")
    expect(row.get_by_text("Actief")).to_be_visible()
