"""In a real browser: the hub operator adds a processor and a person of it; deactivating the
person asks to confirm first, activating again needs no step."""

from __future__ import annotations

import pytest

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
    assert page.get_by_role("heading", name="Nivel (nivel-browser)", level=1).is_visible()
    assert page.get_by_text("Nivel is toegevoegd.").is_visible()
    person = page.locator("form").filter(has=page.locator("input[value=person]"))
    person.get_by_label("Naam").fill("Nina Nivel")
    person.get_by_label("E-mailadres").fill("nina@nivel.example")
    person.get_by_role("button", name="Toevoegen").click()
    assert page.get_by_text("nina@nivel.example heeft nu toegang.").is_visible()
    row = page.get_by_role("row").filter(has_text="nina@nivel.example")
    assert row.get_by_text("Actief").is_visible()
    confirm = row.get_by_role("button", name="Ja, deactiveren")
    assert not confirm.is_visible()  # one click does not take someone's access away
    row.get_by_text("Deactiveren…").click()
    assert row.get_by_text("kan dan niet meer inloggen op de pagina's van Nivel").is_visible()
    confirm.click()
    assert page.get_by_text("De wijziging is opgeslagen.").is_visible()
    row = page.get_by_role("row").filter(has_text="nina@nivel.example")
    assert row.get_by_text("Gedeactiveerd").is_visible()
    row.get_by_role("button", name="Weer activeren").click()
    row = page.get_by_role("row").filter(has_text="nina@nivel.example")
    assert row.get_by_text("Actief").is_visible()
    page.get_by_role("link", name="Terug naar de verwerkers").click()
    listed = page.get_by_role("row").filter(has_text="nivel-browser")
    assert listed.get_by_role("cell").nth(3).inner_text() == "1"
