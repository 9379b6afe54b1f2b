"""In a real browser: choose a file, Controleren, Aanleveren, follow it to the report."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.deliveries.conftest import cat_csv

pytestmark = pytest.mark.browser


def test_a_submitter_delivers_a_file_and_reads_its_report(page, portal_url, portal_env):
    log_in(page, portal_url, portal_env, "aanleveraar@noorderlicht.example")
    page.goto(portal_url + "/aanleveren/")
    sequence = random.randint(10_000, 99_999)
    name = f"11111111_0_CAT_1.4_{sequence}_20261128_PROD.csv"
    data = cat_csv(5, **{"2": {"Geslacht": "7"}})
    page.set_input_files("#file-input", {"name": name, "mimeType": "text/csv", "buffer": data})
    page.wait_for_function(
        "n => document.querySelector('#id_sequence_number').value === n", arg=str(sequence)
    )
    assert page.locator("#id_code").input_value() == "CAT"

    page.get_by_role("button", name="Controleren").click()
    page.wait_for_selector(".check-ok")
    assert page.locator(".check-ok").count() == 8

    page.get_by_role("button", name="Aanleveren").click()
    page.get_by_text("Het bestand is succesvol aangeleverd.").wait_for()
    page.get_by_role("link", name="Volg de verwerking van deze aanlevering").click()
    polling = page.evaluate("!!document.querySelector('#progress-table[hx-trigger]')")
    page.get_by_text("Verwerkt met fouten", exact=True).wait_for(timeout=30_000)
    assert page.locator("#progress-status").get_attribute("role") == "status"
    if polling:  # the end is announced in the live region that stayed in the page
        page.wait_for_function(
            "() => document.getElementById('progress-status').textContent.includes('klaar')"
        )
    page.get_by_role("link", name="Verslag").click()
    expect(page.get_by_role("cell", name="001_RefTab")).to_be_visible()
    expect(page.get_by_role("link", name="Exporteer")).to_be_visible()


def test_choosing_a_registry_offers_its_versions(page, portal_url, portal_env):
    """The Versienummer suggestions follow the Kwaliteitsregistratie typed or chosen (htmx)."""
    log_in(page, portal_url, portal_env, "aanleveraar@noorderlicht.example")
    page.goto(portal_url + "/aanleveren/")
    offered = "() => Array.from(document.querySelectorAll('#{0}-choices option'), o => o.value)"
    assert set(page.evaluate(offered.format("code"))) == {"CAT", "MMYIKNL", "MMYPROMS"}
    assert page.locator("#id_version").get_attribute("list") == "version-choices"

    versions = f"({offered.format('version')})()"
    page.locator("#id_code").fill("MMYIKNL")
    page.wait_for_function(f"() => {versions}.join() === '2.1'")
    page.locator("#id_code").fill("CAT")  # the demo has 1.5 in force and 1.4 still valid
    page.wait_for_function(f"() => {versions}.includes('1.4') && !{versions}.includes('2.1')")
    assert page.evaluate(offered.format("period")) == []  # Cataract is delivered TOTAAL


def test_a_file_name_off_the_convention_says_so_when_the_file_is_chosen(
    page, portal_url, portal_env
):
    log_in(page, portal_url, portal_env, "aanleveraar@noorderlicht.example")
    page.goto(portal_url + "/aanleveren/")
    data = cat_csv(2)
    page.set_input_files(
        "#file-input", {"name": "export_cataract_nov.csv", "mimeType": "text/csv", "buffer": data}
    )
    notice = page.locator("#fields-unnamed")
    expect(notice).to_contain_text("volgt de afspraak hierboven niet")
    expect(page.locator("#id_code")).to_have_value("")
