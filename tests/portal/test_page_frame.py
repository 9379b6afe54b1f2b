"""The frame of every page (portal/base.html): messages, the logged-in name, the header link."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from datahub.accounts.totp import code_for_secret
from datahub.institutions.models import Membership
from tests.conftest import PASSWORD, TOTP_SECRET, logged_in, make_user
from tests.deliveries.conftest import cat_csv, cataract, deliver  # noqa: F401

NOW = 1_796_000_000


@time_machine.travel(NOW, tick=False)
def test_messages_are_a_list_inside_a_status_region(submitter):
    client = Client()
    client.post(reverse("account_login"), {"login": submitter.email, "password": PASSWORD})
    code = code_for_secret(TOTP_SECRET, NOW)
    page = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True).content.decode()
    region = re.search(r'<div class="messages" role="status">\s*<ul>\s*<li class="message', page)
    assert region, page
    assert "U bent nu ingelogd als Alice." in page
    # The list keeps its list role: no role on the <ul> itself.
    assert not re.search(r"<ul[^>]*\brole=", page)


def test_the_logged_in_name_has_a_text_label_not_an_aria_label_on_a_span(submitter):
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert '<span class="visually-hidden">Ingelogd als </span>Alice' in page
    assert 'aria-label="Ingelogd als"' not in page


def test_the_header_link_names_the_second_factor_like_the_pages_it_leads_to(submitter):
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert f'<a href="{reverse("mfa_index")}">Tweestapsverificatie</a>' in page
    client = logged_in(submitter)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:overview")).content.decode()
    assert f'<a href="{reverse("mfa_index")}">Two-step verification</a>' in page


def test_the_header_links_to_the_password_change_page_in_the_readers_language(submitter):
    link = f'<a href="{reverse("account_change_password")}">'
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert f"{link}Wachtwoord wijzigen</a>" in page
    client = logged_in(submitter)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:overview")).content.decode()
    assert f"{link}Change password</a>" in page
    title = _title(logged_in(submitter).get(reverse("account_change_password")))
    assert " ".join(title.split()) == "Wachtwoord wijzigen · Datahub"


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_a_form_shown_again_with_errors_says_so_in_the_title(local_admin, submitter) -> None:
    """A screen reader announces the title first: a page that came back with errors said
    the same as before it was sent (WCAG 3.3.1)."""
    client = logged_in(local_admin)
    empty = client.get(reverse("portal:person_add"))
    assert _title(empty) == "Persoon toevoegen · Datahub"
    refused = client.post(
        reverse("portal:person_add"), {"full_name": "A", "email": submitter.email, "role": "x"}
    )
    assert _title(refused) == "Fout: Persoon toevoegen · Datahub"


@pytest.mark.usefixtures("cataract")
def test_a_persons_page_is_titled_by_name_and_each_tab_of_a_delivery_by_its_own(
    local_admin, submitter, institution, django_capture_on_commit_callbacks
) -> None:
    membership = Membership.objects.for_institution(institution).get(user=submitter)
    page = logged_in(local_admin).get(reverse("portal:person_edit", args=[membership.pk]))
    assert _title(page) == f"Gebruiker {submitter.display_name} · Datahub"
    delivery = deliver(
        institution, submitter, cat_csv(2), capture=django_capture_on_commit_callbacks
    )
    client, url = logged_in(submitter), reverse("portal:delivery", args=[delivery.pk])
    titles = {tab: _title(client.get(url, {"tab": tab})) for tab in ("voortgang", "verslag")}
    assert titles == {
        "voortgang": f"Voortgang · {delivery.file_name} · Datahub",
        "verslag": f"Verslag · {delivery.file_name} · Datahub",
    }


def test_every_page_names_the_sites_icon_and_favicon_ico_leads_to_it(db):
    """No 404 for /favicon.ico in the console, for pages nor for what names no icon."""
    page = Client().get(reverse("account_login")).content.decode()
    assert '<link rel="icon" href="/static/portal/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("portal/favicon.svg")
    answer = Client().get("/favicon.ico")
    assert (answer.status_code, answer.url) == (302, "/static/portal/favicon.svg")


def test_the_icon_is_reached_also_before_enrolling_a_second_factor(db):
    client = Client()
    client.force_login(make_user("nieuw@example.org", enrolled=False))
    answer = client.get("/favicon.ico")
    assert (answer.status_code, answer.url) == (302, "/static/portal/favicon.svg")
