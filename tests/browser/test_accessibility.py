"""Every main page passes axe-core's WCAG 2.1 A/AA rules in a real browser (no serious findings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
PAGES = [
    "/overzicht/",
    "/overzicht/missend/",
    "/aangeleverd/",
    "/verwacht/",
    "/aanleveren/",
    "/afnameoverzicht/",
    "/afnameoverzicht/machtigingen/",
    "/data-dictionaries/",
    "/data-dictionaries/CAT/1.4/",
    "/beheer/gebruikers/",
    "/beheer/logboek/",
    "/beheer/api-tokens/",
]


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe_page(browser):
    # axe is injected as an inline script, which the portal's strict CSP rightly refuses.
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_login_page_is_accessible(axe_page, portal_url):
    axe_page.goto(portal_url + "/accounts/login/")
    assert _violations(axe_page) == []


def test_the_portal_pages_are_accessible(axe_page, portal_url, portal_env):
    log_in(axe_page, portal_url, portal_env, "beheerder@zuiderzee.example")
    found = {}
    for path in PAGES:
        axe_page.goto(portal_url + path)
        violations = _violations(axe_page)
        if violations:
            found[path] = violations
    assert found == {}
