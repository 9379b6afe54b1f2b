"""Bestanden aanleveren in a real browser, for someone who cannot see the page: what goes wrong is
shown and announced, a delivery is announced and gets the focus, and cannot be sent twice."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.deliveries.conftest import cat_csv

pytestmark = pytest.mark.browser

# Unit 1 ("Locatie Zuid"), with numbers higher than any used before, so these deliveries never
# collide with those of other tests (a sequence number is per institution, unit and sub-delivery).
SEQUENCE = itertools.count(int(time.time()))


def _name() -> str:
    return f"11111111_1_CAT_1.4_{next(SEQUENCE)}_20261128_PROD.csv"


@pytest.fixture(scope="module")
def signed_in(browser, portal_url, portal_env) -> dict:
    """The session of the submitter, logged in once for the module."""
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, portal_url, portal_env, "aanleveraar@noorderlicht.example")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def upload_page(browser, portal_url, signed_in) -> Iterator:
    context = browser.new_context(locale="nl-NL", storage_state=signed_in)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _open(page, portal_url: str):
    page.goto(portal_url + "/aanleveren/")
    # The live regions, as they were before anything happened: what arrives later must arrive
    # in these very elements to be announced.
    return (
        page.evaluate_handle("document.getElementById('upload-message')"),
        page.evaluate_handle("document.getElementById('upload-status')"),
    )


def _choose(page, name: str, data: bytes) -> None:
    page.set_input_files("#file-input", {"name": name, "mimeType": "text/csv", "buffer": data})
    sequence = name.split("_")[4]
    page.wait_for_function(
        "n => document.querySelector('#id_sequence_number').value === n", arg=sequence
    )


def _upload_starts(page) -> list[str]:
    """The requests that start an upload, as the page makes them."""
    starts: list[str] = []
    page.on(
        "request",
        lambda r: starts.append(r.url) if r.url.endswith("/aanleveren/upload/") else None,
    )
    return starts


def test_an_upload_error_is_shown_and_announced(upload_page, portal_url):
    page = upload_page
    alert, _status = _open(page, portal_url)
    assert alert.evaluate("el => el.getAttribute('role')") == "alert"
    assert alert.evaluate("el => el.textContent") == ""
    _choose(page, _name(), b"")
    page.get_by_role("button", name="Aanleveren").click()
    message = page.locator("#upload-message")
    expect(message).to_have_text("Het bestand is leeg.")
    expect(message).to_be_visible()
    assert alert.evaluate("el => el.isConnected && el.textContent") == "Het bestand is leeg."
    # The buttons are still there, and the focus is on one of them, not lost.
    assert page.evaluate("document.activeElement.id") == "submit-button"


def test_a_delivery_is_announced_gets_the_focus_and_cannot_be_sent_twice(upload_page, portal_url):
    page = upload_page
    _alert, status = _open(page, portal_url)
    starts = _upload_starts(page)
    _choose(page, _name(), cat_csv(2))
    page.get_by_role("button", name="Aanleveren").click()
    success = page.get_by_text("Het bestand is succesvol aangeleverd.")
    success.wait_for()
    assert len(starts) == 1
    # The buttons are gone, really.
    expect(page.locator(".actions")).to_be_hidden()
    expect(page.locator("#submit-button")).to_be_hidden()
    expect(page.locator("#check-button")).to_be_hidden()
    # Announced: the message is in the status region that was in the page from the start.
    assert status.evaluate("el => el.isConnected && el.getAttribute('role')") == "status"
    assert "succesvol aangeleverd" in status.evaluate("el => el.textContent")
    # The focus is on the message, not lost on the page.
    assert page.evaluate("document.activeElement.id") == "upload-success"
    # Submitting the form again (Enter, a script) delivers nothing and the message stays.
    page.evaluate("document.getElementById('upload-form').requestSubmit()")
    page.wait_for_timeout(1500)
    assert len(starts) == 1
    expect(success).to_be_visible()
    assert page.get_by_text("Dit veld is verplicht.").count() == 0


def test_a_refused_field_stops_aanleveren_before_the_file_is_uploaded(upload_page, portal_url):
    page = upload_page
    alert, _status = _open(page, portal_url)
    starts = _upload_starts(page)
    _choose(page, _name(), cat_csv(2))
    page.fill("#id_unit", "9")
    page.get_by_role("button", name="Aanleveren").click()
    page.wait_for_selector(".field-row--error")
    assert "geen onderdeel 9" in alert.evaluate("el => el.isConnected && el.textContent")
    page.wait_for_timeout(500)
    assert starts == []  # nothing uploaded for a delivery that cannot be made
    expect(page.locator("#progress")).to_be_hidden()
    # corrected, it is delivered
    page.fill("#id_unit", "1")
    page.get_by_role("button", name="Aanleveren").click()
    page.get_by_text("Het bestand is succesvol aangeleverd.").wait_for()
    assert len(starts) == 1


def test_controleren_describes_each_field_with_its_error_and_announces_it(upload_page, portal_url):
    page = upload_page
    alert, status = _open(page, portal_url)
    _choose(page, _name(), cat_csv(1))
    page.fill("#id_unit", "9")
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_selector(".field-row--error")
    unit = page.locator("#id_unit")
    expect(unit).to_have_accessible_description(re.compile("geen onderdeel 9"))
    expect(unit).to_have_attribute("aria-invalid", "true")
    # Announced: the problem arrives in the alert region that was there from the start.
    assert "geen onderdeel 9" in alert.evaluate("el => el.isConnected && el.textContent")
    # A field without a problem is described by its help text only.
    expect(page.locator("#id_version")).to_have_accessible_description(
        re.compile("data dictionary")
    )
    # Corrected and checked again: every field is correct, and that is announced too.
    page.fill("#id_unit", "1")
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_function("() => document.querySelectorAll('.check-ok').length === 8")
    assert alert.evaluate("el => el.textContent") == ""
    form_says = page.get_attribute("#upload-form", "data-message-correct")
    assert status.evaluate("el => el.textContent") == form_says


def _upload_with_failing_chunks(page, fail):
    """Aanleveren with every chunk's POST answered by ``fail(route)``; the page's retries
    (1 + 2 + 3 + 4 + 5 seconds, on its installed clock) run at once. The message region."""

    def chunk(route) -> None:
        if route.request.method == "POST":
            fail(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/aanleveren/upload/[0-9a-f-]+/$"), chunk)
    _choose(page, _name(), cat_csv(1))
    page.get_by_role("button", name="Aanleveren").click()
    message = page.locator("#upload-message")
    deadline = time.monotonic() + 30
    while not message.text_content() and time.monotonic() < deadline:
        page.clock.run_for(1_000)
        page.wait_for_timeout(100)
    return message


def test_a_lost_connection_is_reported_in_the_pages_language(upload_page, portal_url):
    page = upload_page
    page.clock.install()  # the retries wait 1 + 2 + 3 + 4 + 5 seconds: let the test skip that
    _open(page, portal_url)

    message = _upload_with_failing_chunks(page, lambda route: route.abort("connectionreset"))
    translated = page.get_attribute("#upload-form", "data-message-network")
    assert translated and "network" not in translated
    expect(message).to_have_text(translated)
    expect(message).to_be_visible()


def test_a_storage_failure_is_retried_and_then_reported_in_the_hubs_words(upload_page, portal_url):
    """A 503 of a chunk (the hub's disk failed) was retried and then shown as the general
    "something went wrong": the server's message says that nothing was delivered and what to do."""
    page = upload_page
    page.clock.install()
    _open(page, portal_url)
    said = "De hub kon het bestand nu niet opslaan; er is niets aangeleverd."
    posts: list[str] = []

    def refused(route) -> None:
        posts.append(route.request.url)
        route.fulfill(status=503, json={"error": said, "received": 0})

    message = _upload_with_failing_chunks(page, refused)
    expect(message).to_have_text(said)
    assert len(posts) > 1  # tried again before saying so


def test_aanleveren_without_a_file_announces_why_and_focuses_what_to_fix(upload_page, portal_url):
    page = upload_page
    _open(page, portal_url)
    page.get_by_role("button", name="Aanleveren").focus()
    page.keyboard.press("Enter")  # no file chosen: the form is posted whole
    expect(page.locator("#upload-message")).to_contain_text("Kies eerst een bestand")
    assert page.title().startswith("Fout: ")
    focused = page.evaluate(
        "[document.activeElement.id, document.activeElement.getAttribute('aria-invalid')]"
    )
    assert focused == ["file-input", None] or focused[1] == "true", focused  # a field to fix
