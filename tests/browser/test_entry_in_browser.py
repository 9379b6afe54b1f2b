"""Invoeren in a real browser: the demo's clinician of Zuiderzee (which delivers Cataract
through the invoerportaal) checks a record, sees the findings at their fields, corrects it,
saves it in the batch and delivers the batch; the form passes axe's WCAG rules."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser

SELECTS = {
    "Geslacht": "2",
    "ODS": "OD",
    "EersteTweedeOog": "1",
    "Comorbiditeit": "0",
    "VaCCPre": "0.4",
    "Techniek": "1",
    "Anesthesie": "1",
    "IOLType": "1",
    "PerOpComplicatie": "0",
}


def _field(page, name: str):
    """The input labelled with the field's name (a required one: "ODS (verplicht)")."""
    return page.get_by_label(re.compile(rf"^{name}( \(verplicht\))?$"))


def test_a_clinician_enters_checks_saves_and_delivers_a_record(axe_page, portal_url, portal_env):
    page = axe_page
    log_in(page, portal_url, portal_env, "arts@zuiderzee.example")
    page.get_by_role("navigation").get_by_role("link", name="Invoeren").click()
    expect(page).to_have_url(portal_url + "/invoerportaal/CAT/")
    operation = f"B{int(time.time())}"
    _field(page, "OperatieID").fill(operation)
    _field(page, "PatientCode").fill("P-browser")
    _field(page, "Geboortejaar").fill("2030")  # after the operation: an error
    _field(page, "Operatiedatum").fill("2026-01-15")
    _field(page, "Streefrefractie").fill("-0.25")
    for name, code in SELECTS.items():
        _field(page, name).select_option(code)
    assert _field(page, "ODS").locator("option").nth(1).inner_text() == (
        "OD – Oculus dexter (rechteroog)"
    )

    page.get_by_role("button", name="Controleren").click()  # htmx: only the fields change
    year = _field(page, "Geboortejaar")
    expect(year).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-Geboortejaar-error")).to_contain_text("003_Y_EQ")
    expect(year).to_have_attribute("aria-describedby", "f-Geboortejaar-help f-Geboortejaar-error")
    assert page.url == portal_url + "/invoerportaal/CAT/"
    assert _violations(page) == []

    _field(page, "Geboortejaar").fill("1948")
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator("#entry-check-status")).to_contain_text("geen fouten")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".messages")).to_contain_text("in de batch opgeslagen")
    expect(page.get_by_role("table")).to_contain_text(operation)
    assert _violations(page) == []

    page.get_by_role("button", name=re.compile(r"^\d+ records? aanleveren$")).click()
    success = page.locator("#entry-success")
    expect(success).to_contain_text("De records zijn succesvol aangeleverd")
    expect(success).to_contain_text(re.compile(r"44444444_\d+_CAT_1\.5_\d+_\d{8}_PROD\.csv"))


def test_checking_and_saving_a_record_break_no_rule_of_the_csp_and_saving_focuses_its_message(
    page, portal_url, portal_env
):
    """With the portal's strict CSP (this page does not bypass it) the console stays empty:
    Controleren's htmx swap sets no inline style (htmx's settling set an empty style attribute
    again: a CSP error per field), and the site's icon is found. After Opslaan, which reloads
    the page, focus is on the message that says so: a screen reader reads it (a status region
    already present at load is often not announced)."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, portal_url, portal_env, "arts@zuiderzee.example")
    page.goto(portal_url + "/invoerportaal/CAT/")
    operation = f"C{int(time.time())}"
    _field(page, "OperatieID").fill(operation)
    _field(page, "PatientCode").fill("P-csp")
    _field(page, "Geboortejaar").fill("2030")  # after the operation: an error
    _field(page, "Operatiedatum").fill("2026-01-15")
    _field(page, "Streefrefractie").fill("-0.25")
    for name, code in SELECTS.items():
        _field(page, name).select_option(code)
    page.get_by_role("button", name="Controleren").click()
    expect(_field(page, "Geboortejaar")).to_have_attribute("aria-invalid", "true")
    _field(page, "Geboortejaar").fill("1948")
    # A style set and cleared through the CSSOM (allowed by the CSP), as browser extensions and
    # autofill do, leaves an empty style attribute, which htmx's settling copied and set again.
    page.evaluate(
        """() => document.querySelectorAll('#entry-fields [id]').forEach((el) => {
             el.style.outline = '1px solid'; el.style.outline = ''; })"""
    )
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator("#entry-check-status")).to_contain_text("geen fouten")
    page.wait_for_timeout(500)  # htmx settles 20 ms after the swap
    assert errors == []

    page.get_by_role("button", name="Opslaan").click()
    message = page.locator(".messages")
    expect(message).to_contain_text("in de batch opgeslagen")
    expect(message).to_be_focused()
    assert errors == []

    # Deleting a record asks first: one click does not take a patient's operation out.
    row = page.get_by_role("row").filter(has_text=operation)
    confirm = row.get_by_role("button", name=re.compile(r"^Ja, record \d+ verwijderen$"))
    expect(confirm).to_be_hidden()
    row.get_by_text(re.compile(r"^Record \d+ verwijderen…$")).click()
    expect(row.get_by_text("gaat dan definitief uit de batch")).to_be_visible()
    confirm.click()
    expect(page.locator(".messages")).to_contain_text("uit de batch verwijderd")
    expect(page.get_by_role("row").filter(has_text=operation)).to_have_count(0)
    assert errors == []


def test_leaving_a_record_with_unsaved_input_asks_first(page, portal_url, portal_env):
    """The language switch reloaded the page and dropped what was typed (a walkthrough review):
    the browser now asks before leaving a record with changes; saving it does not ask."""
    log_in(page, portal_url, portal_env, "arts@zuiderzee.example")
    page.goto(portal_url + "/invoerportaal/CAT/")
    page.get_by_role("button", name="English").click()  # nothing typed: no question
    expect(page.get_by_role("button", name="Nederlands")).to_be_visible()
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("button", name="English")).to_be_visible()

    asked = []

    def dismiss(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", dismiss)
    _field(page, "OperatieID").press_sequentially("U1")
    page.get_by_role("button", name="English").click()
    expect(_field(page, "OperatieID")).to_have_value("U1")
    assert asked == ["beforeunload"]
    assert page.get_by_role("button", name="English").is_visible()  # still Dutch, still here
