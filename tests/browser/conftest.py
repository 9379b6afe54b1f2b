"""A real portal (``datahub serve`` with demo data, in its own process) and a headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _datahub(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "datahub.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


@pytest.fixture(scope="session")
def portal_env(tmp_path_factory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATAHUB_VAR_DIR=str(tmp_path_factory.mktemp("portal")),
        DATAHUB_DEBUG="true",
        DATAHUB_DEMO="true",
    )
    env.pop("DATABASE_URL", None)  # the browser portal always runs on its own SQLite file
    return env


@pytest.fixture(scope="session")
def portal_url(portal_env) -> Iterator[str]:
    _datahub(portal_env, "migrate", "--no-input")
    _datahub(portal_env, "demo")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datahub.cli", "serve", "--port", str(port)],
        env=portal_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the portal did not start on port {port}")


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while the
    # browser lives, and Django refuses database work next to a running loop; the browser tests
    # talk to the portal process only, and the loop is gone before other modules run.
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def demo_code(env: dict[str, str], email: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "datahub.cli", "demo-code", email],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def log_in(page, portal_url: str, env: dict[str, str], email: str) -> None:
    """Log in through the real pages: password, then the current TOTP code."""
    page.goto(portal_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("datahub-demo-2026")
    page.get_by_role("button", name="Inloggen").click()
    for _attempt in range(2):
        # A code about to expire, or one already used by an earlier test: take the next one.
        if _attempt or time.time() % 30 > 25:
            time.sleep(30 - time.time() % 30 + 0.5)
        page.get_by_label("Code").fill(demo_code(env, email))
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()
        if "/accounts/2fa/" not in page.url:
            return
    raise AssertionError(f"could not log in as {email}")


@pytest.fixture
def axe_page(browser):
    """A page for axe's accessibility checks: axe is injected as an inline script, which the
    portal's strict CSP rightly refuses, so this page's context bypasses the CSP."""
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
