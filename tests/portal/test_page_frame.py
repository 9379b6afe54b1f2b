"""The frame of every page (portal/base.html): messages, the logged-in name, the header link."""

from __future__ import annotations

import re

import time_machine
from django.test import Client
from django.urls import reverse

from datahub.accounts.totp import code_for_secret
from tests.conftest import PASSWORD, TOTP_SECRET, logged_in

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
