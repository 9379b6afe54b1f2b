"""In a real browser: the hub operator adds a processor and a person of it; deactivating the
person asks to confirm first, activating again needs no step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_the_operator_onboards_a_processor_and_its_person(page, portal_url, portal_env):
    log_in(page, portal_url, portal_env, "beheer@datahub.example")
    page.goto(portal_url + "/hub/")
    page.get_by_role("link", name="Verwerkers", exact=True).first.click()
    page.get_by_role("link", name="Verwerker toevoegen").click()
    page.get_by_label("Code").fill("nivel-browser")
    page.get_by_label("Naam").fill("Nivel")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_role("heading", name="Nivel (nivel-browser)", level=1)).to_be_visible()
    expect(page.get_by_text("Nivel is toegevoegd.")).to_be_visible()
    person = page.locator("form").filter(has=page.locator("input[value=person]"))
    person.get_by_label("Naam").fill("Nina Nivel")
    person.get_by_label("E-mailadres").fill("nina@nivel.example")
    person.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_text("nina@nivel.example heeft nu toegang.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="nina@nivel.example")
    expect(row.get_by_text("Actief")).to_be_visible()
    confirm = row.get_by_role("button", name="Ja, deactiveren")
    expect(confirm).to_be_hidden()  # one click does not take someone's access away
    row.get_by_text("Deactiveren…").click()
    expect(row.get_by_text("kan dan niet meer inloggen op de pagina's van Nivel")).to_be_visible()
    confirm.click()
    expect(page.get_by_text("De wijziging is opgeslagen.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="nina@nivel.example")
    expect(row.get_by_text("Gedeactiveerd")).to_be_visible()
    row.get_by_role("button", name="Weer activeren").click()
    row = page.get_by_role("row").filter(has_text="nina@nivel.example")
    expect(row.get_by_text("Actief")).to_be_visible()
    page.get_by_role("link", name="Terug naar de verwerkers").click()
    listed = page.get_by_role("row").filter(has_text="nivel-browser")
    expect(listed.get_by_role("cell").nth(3)).to_have_text("1")
