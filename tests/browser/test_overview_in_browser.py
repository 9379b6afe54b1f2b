"""In a real browser, on the demo's years of deliveries: Overzicht, Aanleveren pre-fill, filters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_overzicht_aangeleverd_filters_and_the_prefilled_upload(page, portal_url, portal_env):
    log_in(page, portal_url, portal_env, "aanleveraar@noorderlicht.example")  # all by upload
    page.wait_for_url("**/overzicht/")
    for title in (
        "Missende aanleveringen",
        "Komende aanleveringen",
        "Afgekeurde en foutieve aanleveringen",
    ):
        expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()

    # "Volledig overzicht" of the missing deliveries, then "Aanleveren" on its first row.
    page.locator("#table-missend").locator("xpath=../..").get_by_role(
        "link", name=re.compile("Volledig overzicht")
    ).click()
    page.wait_for_url("**/overzicht/*/")
    first = page.locator("table tbody tr").first
    code = first.locator("td").nth(1).inner_text()
    first.locator("a", has_text="Aanleveren").click()
    page.wait_for_url(re.compile(r".*/aanleveren/\?code=.*"))
    assert page.locator("#id_institution_code").input_value() == "11111111"
    assert page.locator("#id_code").input_value()
    assert code  # the row named a sub-delivery

    # Aangeleverd: a status filter lands in the URL and filters the table.
    page.goto(portal_url + "/aangeleverd/")
    page.get_by_label("Status").select_option(label="Afgekeurd")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url(re.compile(r".*status=afgekeurd.*"))
    statuses = page.locator("table tbody tr td:nth-child(8)").all_inner_texts()
    assert statuses
    assert all("Afgekeurd" in status for status in statuses)
    page.get_by_role("link", name="Selectie wissen").click()
    page.wait_for_url(re.compile(r".*/aangeleverd/$"))
