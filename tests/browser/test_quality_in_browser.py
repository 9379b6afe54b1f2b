"""Datakwaliteit in a real browser, on the demo's years of deliveries: charts drawn (completeness
per field too), accessible."""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    folder = os.environ.get("DATAHUB_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_the_dashboard_draws_its_charts_and_passes_axe(axe_page, portal_url, portal_env):
    page = axe_page
    log_in(page, portal_url, portal_env, "aanleveraar@noorderlicht.example")
    page.get_by_role("link", name="Datakwaliteit").click()
    page.wait_for_url("**/datakwaliteit/")
    assert page.get_by_role("heading", name="Datakwaliteit", level=1).is_visible()
    page.get_by_label("Deelaanlevering").select_option("MMYIKNL")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_url("**deelaanlevering=MMYIKNL**")
    for name in ("Aanleveringen per periode naar status", "Fouten en waarschuwingen per record"):
        chart = page.get_by_role("img", name=name)
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
    assert page.locator("#chart-statuses rect.chart__bar").count() >= 4
    page.get_by_text("Tabel met deze aantallen").first.click()
    assert page.get_by_role("table", name="Aanleveringen per periode").is_visible()
    _completeness_is_drawn(page)
    _shot(page, "dashboard")
    assert _violations(page) == []


def _completeness_is_drawn(page) -> None:
    """The completeness chart (the demo's deliveries went through processing, so they have
    counts per field), its legend and its table, every field of the dictionary a row."""
    chart = page.get_by_role("img", name="Volledigheid per veld")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    assert page.locator("#chart-completeness rect.chart__bar").count() >= 5
    section = page.locator("section", has=page.locator("#completeness-heading"))
    assert section.locator(".chart-legend").get_by_text("Verplicht veld (*)").is_visible()
    section.get_by_text("Tabel met deze aantallen").click()
    table = page.get_by_role("table", name="Volledigheid per veld")
    assert table.is_visible()
    shares = table.locator("tbody tr td:last-child").all_inner_texts()
    assert len(shares) >= 5 and all(s.endswith("%") for s in shares)
    numbers = [float(s.rstrip(" %").replace(",", ".")) for s in shares]
    assert numbers == sorted(numbers)  # the least complete first


def test_the_hubs_data_quality_passes_axe_and_fits_a_phone(axe_page, portal_url, portal_env):
    page = axe_page
    log_in(page, portal_url, portal_env, "beheer@datahub.example")
    page.get_by_role("link", name="Datakwaliteit per zorginstelling").click()
    page.get_by_label("Deelaanlevering").select_option("CAT")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_url("**deelaanlevering=CAT**")
    assert page.get_by_role("img", name="Aanleveringen per zorginstelling naar status").is_visible()
    assert page.get_by_text("Ziekenhuis Noorderlicht").first.is_visible()
    _completeness_is_drawn(page)
    _shot(page, "operator")
    assert _violations(page) == []
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
