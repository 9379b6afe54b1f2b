"""Tables at a desktop's width: only free text breaks inside a word; codes, field names, dates,
times and addresses stay on one line (a long unbroken description took their width)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

# The cells of the table in main, outside the columns ``free`` (words and sentences, which may
# wrap), whose text takes more than one line.
BROKEN = """(free) => {
  const table = document.querySelector('main table');
  const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
  const broken = [];
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.cells].forEach((cell, i) => {
      if (free.includes(headers[i]) || cell.colSpan > 1 || !cell.textContent.trim()) return;
      const range = document.createRange();
      range.selectNodeContents(cell);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(headers[i] + ': ' + cell.textContent.trim());
    });
  }
  return broken;
}"""


def test_only_free_text_breaks_in_the_log_and_the_reports(browser, portal_url, portal_env):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, portal_url, portal_env, "beheerder@zuiderzee.example")
    broken = {}
    for path in ("/beheer/logboek/", "/beheer/logboek/?page=2"):
        page.goto(portal_url + path)
        broken[path] = page.evaluate(BROKEN, ["Persoon", "Actie", "Object", "Omschrijving"])
    page.goto(portal_url + "/aangeleverd/")
    hrefs = page.eval_on_selector_all("main a[href]", "(links) => links.map((a) => a.href)")
    deliveries = list(dict.fromkeys(h for h in hrefs if re.search(r"/aanleveringen/\d+/$", h)))
    assert len(deliveries) >= 3
    for href in deliveries[:6]:
        page.goto(href + "?tab=verslag")
        broken[href] = page.evaluate(BROKEN, ["Waarde", "Omschrijving"])
    context.close()
    assert {path: cells for path, cells in broken.items() if cells} == {}
