"""Every main page passes axe-core's WCAG 2.1 A/AA rules in a real browser (no serious findings)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
PAGES = [
    "/overzicht/",
    "/overzicht/missend/",
    "/aangeleverd/",
    "/verwacht/",
    "/datakwaliteit/",
    "/aanleveren/",
    "/afnameoverzicht/",
    "/afnameoverzicht/machtigingen/",
    "/data-dictionaries/",
    "/data-dictionaries/CAT/1.4/",
    "/beheer/gebruikers/",
    "/beheer/logboek/",
    "/beheer/api-tokens/",
]


def _violations(page, also: tuple[str, ...] = ()) -> list[str]:
    """axe's serious and critical findings on the page, and those of the rules ``also`` (their
    own rule ids, such as the best practice ``landmark-unique``) whatever their impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """(also) => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then((wcag) =>
           also.length ? axe.run(document, {runOnly: {type: 'rule', values: also}}).then(
             (extra) => wcag.violations.concat(extra.violations)) : wcag.violations)""",
        list(also),
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
        for v in result
        if v["impact"] in ("serious", "critical") or v["id"] in also
    ]


def _violations_of(page, portal_url: str, paths: list[str]) -> dict[str, list[str]]:
    """The serious violations of each page of ``paths`` that has some."""
    found = {}
    for path in paths:
        page.goto(portal_url + path)
        violations = _violations(page)
        if violations:
            found[path] = violations
    return found


def test_the_login_page_is_accessible(axe_page, portal_url):
    axe_page.goto(portal_url + "/accounts/login/")
    assert _violations(axe_page) == []


def test_the_portal_pages_are_accessible(axe_page, portal_url, portal_env):
    log_in(axe_page, portal_url, portal_env, "beheerder@zuiderzee.example")
    assert _violations_of(axe_page, portal_url, PAGES) == {}


@pytest.mark.parametrize(
    ("person", "paths"),
    [
        (
            "beheer@datahub.example",
            [
                "/hub/",
                "/hub/data-dictionaries/importeren/",
                "/hub/deelname/",
                "/hub/aanleverstatus/",
                "/hub/verwerkers/",
                "/hub/verwerkers/nieuw/",
                "/hub/verwerkers/registraties/",
            ],
        ),
        ("verwerker@iknl.example", ["/verwerker/"]),
    ],
)
def test_the_hubs_and_the_processors_pages_are_accessible(
    axe_page, portal_url, portal_env, person, paths
):
    log_in(axe_page, portal_url, portal_env, person)
    assert _violations_of(axe_page, portal_url, paths) == {}


@pytest.mark.parametrize(
    ("person", "path", "link", "heading"),
    [
        (
            "beheerder@zuiderzee.example",
            "/afnameoverzicht/machtigingen/",
            "Intrekken… MRDM Cataract",
            "Machtiging intrekken",
        ),
        (
            "beheer@datahub.example",
            "/hub/verwerkers/registraties/",
            "Intrekken… MRDM MMY",
            "Registratie intrekken",
        ),
    ],
)
def test_the_questions_before_revoking_are_accessible(
    axe_page, portal_url, portal_env, person, path, link, heading
):
    # Only asked, not confirmed: the demo is shared with the other tests.
    log_in(axe_page, portal_url, portal_env, person)
    axe_page.goto(portal_url + path)
    axe_page.get_by_role("link", name=link).click()
    expect(axe_page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(axe_page.get_by_role("button", name="Intrekken")).to_be_visible()
    assert _violations(axe_page) == []


def test_a_processors_page_for_the_hub_operator_is_accessible(axe_page, portal_url, portal_env):
    log_in(axe_page, portal_url, portal_env, "beheer@datahub.example")
    axe_page.goto(portal_url + "/hub/verwerkers/")
    axe_page.get_by_role("link", name="Wijzigen IKNL").click()
    expect(axe_page.get_by_role("heading", name="IKNL (iknl)", level=1)).to_be_visible()
    assert _violations(axe_page) == []
    axe_page.get_by_text("Deactiveren…").first.click()  # the question, open (not confirmed)
    assert _violations(axe_page) == []


def test_the_question_before_revoking_a_processors_token_is_accessible(
    axe_page, portal_url, portal_env
):
    # The demo has no processor token: make one, then only ask (the demo is shared).
    log_in(axe_page, portal_url, portal_env, "verwerker@iknl.example")
    axe_page.goto(portal_url + "/verwerker/")
    axe_page.get_by_label("Naam").fill("axe-controle")
    axe_page.get_by_role("button", name="Token aanmaken").click()
    axe_page.get_by_role("link", name="Intrekken… axe-controle").click()
    expect(axe_page.get_by_role("heading", name="Token intrekken", level=1)).to_be_visible()
    expect(axe_page.get_by_role("button", name="Intrekken")).to_be_visible()
    assert _violations(axe_page) == []


def test_the_page_with_a_message_is_accessible(axe_page, portal_url, portal_env):
    # Right after login the page shows "U bent nu ingelogd als …" in the status region.
    log_in(axe_page, portal_url, portal_env, "aanleveraar@zuiderzee.example")
    assert axe_page.locator("[role=status] li.message").count() == 1
    assert _violations(axe_page) == []


# For the focused element: the colours of its focus ring (outline and box-shadow) and the colour
# behind it (the first ancestor with a background), and the best contrast of a ring colour there.
FOCUS_RING = """() => {
  const el = document.activeElement;
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  let node = el.parentElement, behind = [255, 255, 255];
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { behind = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  const style = getComputedStyle(el);
  const rings = [];
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) {
    rings.push(rgb(style.outlineColor).slice(0, 3));
  }
  for (const shadow of (style.boxShadow === 'none' ? [] : style.boxShadow.split(/,(?![^(]*\\))/))) {
    if (parseFloat(shadow.trim().split(') ')[1].split(' ')[3] || '0') >= 2) {
      rings.push(rgb(shadow).slice(0, 3));
    }
  }
  const best = Math.max(0, ...rings.map((ring) => contrast(ring, behind)));
  return {element: el.outerHTML.slice(0, 80), best: Math.round(best * 10) / 10};
}"""


def test_the_focus_ring_contrasts_three_to_one_wherever_it_appears(page, portal_url, portal_env):
    log_in(page, portal_url, portal_env, "beheerder@zuiderzee.example")
    page.goto(portal_url + "/overzicht/")
    seen = []
    for _ in range(25):  # the header, the menu and the first controls of the page
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        seen.append(ring)
    # past the page's last control the focus returns to the document itself (no ring)
    weak = [ring for ring in seen if ring["best"] < 3 and not ring["element"].startswith("<body")]
    assert weak == [], weak
    assert any("main-nav" in ring["element"] or "aria-current" in ring["element"] for ring in seen)


NARROW = {
    "beheerder@zuiderzee.example": [
        *PAGES,
        "/accounts/2fa/",
        "/data-dictionaries/CAT/1.5/",
        ("/aangeleverd/", r"/aanleveringen/\d+/$", "?tab=voortgang", "?tab=verslag"),
    ],
    "beheer@datahub.example": [
        "/hub/",
        "/hub/data-dictionaries/importeren/",
        "/hub/deelname/",
        "/hub/aanleverstatus/?deelaanlevering=CAT",
        "/hub/datakwaliteit/?deelaanlevering=CAT",
        "/hub/verwerkers/",
        "/hub/verwerkers/nieuw/",
        "/hub/verwerkers/registraties/",
        ("/hub/zorginstellingen/", r"/hub/zorginstellingen/\d+/$"),
    ],
    "verwerker@iknl.example": ["/verwerker/"],
    "arts@zuiderzee.example": [
        "/invoerportaal/CAT/",
        ("/invoerportaal/CAT/", r"/invoerportaal/CAT/\d+/$"),  # a record of the batch
    ],
}

# The buttons and links of the page's rows of actions that reach past the screen's right edge.
CUT_OFF = """() => [...document.querySelectorAll('.actions > *')]
  .filter((el) => el.offsetParent && el.getBoundingClientRect().right > window.innerWidth)
  .map((el) => el.textContent.trim())"""


def _narrow_paths(page, portal_url: str, paths: list) -> Iterator[str]:
    """The paths of ``paths``: a path itself, or (a page, a pattern, suffixes…) the first link on
    that page whose address matches the pattern, with each suffix."""
    for path in paths:
        if isinstance(path, str):
            yield path
            continue
        listing, pattern, *suffixes = path
        page.goto(portal_url + listing)
        hrefs = page.eval_on_selector_all("main a[href]", "(links) => links.map((a) => a.href)")
        found = next(h for h in hrefs if re.search(pattern, h)).removeprefix(portal_url)
        yield from (found + suffix for suffix in suffixes or [""])


@pytest.mark.parametrize("person", sorted(NARROW))
def test_no_page_scrolls_sideways_on_a_narrow_phone(browser, portal_url, portal_env, person):
    """WCAG 1.4.10 (reflow): at 320 CSS pixels wide nothing needs scrolling sideways; a wide table
    or chart scrolls in its own box, which the keyboard reaches (axe's rules at this width: the
    scrollable region is focusable, and its name differs from its section's)."""
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 320, "height": 640}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, portal_url, portal_env, person)
    wide, found = {}, {}
    for path in _narrow_paths(page, portal_url, NARROW[person]):
        page.goto(portal_url + path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width
        if cut_off := page.evaluate(CUT_OFF):
            wide[path] = cut_off
        violations = _violations(page, also=("landmark-unique",))
        if violations:
            found[path] = violations
    context.close()
    assert wide == {}
    assert found == {}


# Each scroll region: whether its content is wider than it, and whether it is a tab stop.
REGIONS = """() => [...document.querySelectorAll('.scroll-region')].map((r) => [
  r.getAttribute('aria-label'),
  r.scrollWidth > r.clientWidth,
  r.getAttribute('tabindex') === '0'])"""


def test_a_scroll_region_is_a_tab_stop_only_while_it_has_something_to_scroll(
    browser, portal_url, portal_env
):
    """On a wide screen a table that fits is no tab stop (a Tab there scrolled nothing); on a
    phone, or once the window narrows, the same table is one (a review)."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, portal_url, portal_env, "beheerder@zuiderzee.example")
    page.goto(portal_url + "/beheer/gebruikers/")
    wide = page.evaluate(REGIONS)
    assert wide and all(not scrolls and not stop for _name, scrolls, stop in wide), wide
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_function(
        "() => [...document.querySelectorAll('.scroll-region')].every("
        "(r) => (r.scrollWidth > r.clientWidth) === (r.getAttribute('tabindex') === '0'))"
    )
    narrow = page.evaluate(REGIONS)
    assert any(scrolls and stop for _name, scrolls, stop in narrow), narrow
    context.close()


def test_the_api_docs_are_accessible(axe_page, portal_url):
    """The Swagger UI page had no language or main landmark, and colours below 4.5:1 (a review).
    Left: Swagger UI puts each operation's deep link (which the processor's page uses,
    ``#/Verwerker``) inside the button that opens it."""
    axe_page.goto(portal_url + "/api/docs")
    expect(axe_page.locator(".swagger-ui .info .title")).to_be_visible()
    assert axe_page.locator("html").get_attribute("lang") == "en"
    expect(axe_page.get_by_role("heading", level=1)).to_contain_text("Datahub API")
    found = _violations(axe_page, also=("landmark-one-main", "page-has-heading-one", "region"))
    assert [v for v in found if not v.startswith("nested-interactive")] == []
