"""Datakwaliteit in a real browser, on the demo's years of deliveries: charts drawn (completeness
per field too), accessible."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

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
    expect(page.get_by_role("heading", name="Datakwaliteit", level=1)).to_be_visible()
    page.get_by_label("Deelaanlevering").select_option("MMYIKNL")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_url("**deelaanlevering=MMYIKNL**")
    for name in ("Aanleveringen per periode naar status", "Fouten en waarschuwingen per record"):
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
    assert page.locator("#chart-statuses rect.chart__bar").count() >= 4
    page.get_by_text("Tabel met deze aantallen").first.click()
    expect(page.get_by_role("table", name="Aanleveringen per periode")).to_be_visible()
    _completeness_is_drawn(page)
    _shot(page, "dashboard")
    assert _violations(page) == []


def _completeness_is_drawn(page) -> None:
    """The completeness chart (the demo's deliveries went through processing, so they have
    counts per field), its legend and its table, every field of the dictionary a row."""
    chart = page.get_by_role("img", name="Volledigheid per veld")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    assert page.locator("#chart-completeness rect.chart__bar").count() >= 5
    section = page.locator("section", has=page.locator("#completeness-heading"))
    expect(section.locator(".chart-legend").get_by_text("Verplicht veld (*)")).to_be_visible()
    section.get_by_text("Tabel met deze aantallen").click()
    table = page.get_by_role("table", name="Volledigheid per veld")
    expect(table).to_be_visible()
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
    expect(
        page.get_by_role("img", name="Aanleveringen per zorginstelling naar status")
    ).to_be_visible()
    expect(page.get_by_text("Ziekenhuis Noorderlicht").first).to_be_visible()
    _completeness_is_drawn(page)
    _shot(page, "operator")
    assert _violations(page) == []
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    _charts_stay_readable_on_a_phone(page)


# Per chart: its labels' size on screen (the font size times the drawing's scale), and its box.
CHARTS = """() => [...document.querySelectorAll('svg.chart')].map((svg) => {
  const label = svg.querySelector('.chart__label, .chart__tick');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const box = svg.parentElement;
  return {id: svg.id, label: parseFloat(getComputedStyle(label).fontSize) * scale,
          region: box.getAttribute('role'), tabindex: box.getAttribute('tabindex'),
          name: box.getAttribute('aria-label'), scrolls: box.scrollWidth > box.clientWidth};
})"""


def _charts_stay_readable_on_a_phone(page) -> None:
    """On a phone a chart keeps labels of at least 10 px and scrolls sideways in its own region,
    which the keyboard reaches and scrolls."""
    charts = page.evaluate(CHARTS)
    assert len(charts) >= 3
    for chart in charts:
        assert chart["label"] >= 10, chart
        assert chart["scrolls"] and chart["region"] == "region" and chart["tabindex"] == "0", chart
        assert chart["name"].endswith(": grafiek"), chart
    region = page.locator("svg.chart").first.locator("xpath=..")
    for _ in range(60):  # the header, the menu, the filters, then the first chart
        page.keyboard.press("Tab")
        if region.evaluate("(box) => box === document.activeElement"):
            break
    assert region.evaluate("(box) => box === document.activeElement")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=region.element_handle())
