"""allauth's pages and messages in the portal's Dutch: formal ("u", never "je"), one name for the
second factor ("Tweestapsverificatie" / "Two-step verification"), and the right text after a
password reset. Each page is reached as a person reaches it."""

from __future__ import annotations

import html
import re

import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from datahub.accounts.totp import code_for_secret
from datahub.institutions.models import Role
from tests.conftest import PASSWORD, TOTP_SECRET, logged_in, make_member

NOW = 1_796_000_000
INFORMAL = re.compile(r"\b(je|jou|jouw|jij|jezelf)\b", re.IGNORECASE)
OTHER_NAMES = re.compile(r"twee-?factor|two-factor", re.IGNORECASE)


def _text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"(?s)<script.*?</script>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _client(language: str = "nl") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _log_in(client: Client, email: str) -> list[str]:
    """Both login steps; returns the text of every page on the way."""
    texts = [_text(client.get(reverse("account_login")))]
    texts.append(_text(client.post(reverse("account_login"), {"login": email, "password": "x"})))
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    texts.append(_text(client.get(response.url)))
    texts.append(_text(client.post(reverse("mfa_authenticate"), {"code": "000000"})))
    code = code_for_secret(TOTP_SECRET, NOW)
    response = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True)
    texts.append(_text(response))
    return texts


def _assert_formal(texts: list[str]) -> None:
    for text in texts:
        assert not INFORMAL.search(text), INFORMAL.search(text) and text
        assert not OTHER_NAMES.search(text), text


@time_machine.travel(NOW, tick=False)
def test_logging_in_and_out_speaks_formal_dutch(submitter):
    client = _client()
    texts = _log_in(client, submitter.email)
    assert "Het e-mailadres of het wachtwoord dat u hebt opgegeven, is niet juist." in texts[1]
    assert "Tweestapsverificatie" in texts[2]
    assert "Deze code klopt niet. Vul de code in die uw authenticator-app nu toont" in texts[3]
    assert "U bent nu ingelogd als Alice." in texts[4]
    logout_page = _text(client.get(reverse("account_logout")))
    assert "Weet u zeker dat u wilt uitloggen?" in logout_page
    after = _text(client.post(reverse("account_logout"), follow=True))
    assert "U bent uitgelogd." in after
    _assert_formal([*texts, logout_page, after])


@time_machine.travel(NOW, tick=False)
def test_the_second_factor_pages_speak_formal_dutch(submitter):
    client = _client()
    _log_in(client, submitter.email)
    texts = [_text(client.get(reverse("mfa_index")))]
    assert "Tweestapsverificatie · Datahub" in texts[0]
    assert "Van de 10 herstelcodes zijn er nog 10 ongebruikt." in texts[0]
    # Changing the second factor first asks for the password again (and says so formally).
    texts.append(_text(client.get(reverse("mfa_deactivate_totp"), follow=True)))
    assert "Voer uw wachtwoord in:" in texts[-1]
    texts.append(_text(client.get(reverse("mfa_reauthenticate"))))
    assert "Voer de code van uw authenticator-app in:" in texts[-1]
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD}, follow=True)
    for name in ("mfa_deactivate_totp", "mfa_view_recovery_codes", "mfa_generate_recovery_codes"):
        texts.append(_text(client.get(reverse(name))))
    assert "Weet u het zeker?" in texts[-1]
    assert "U staat op het punt het inloggen met uw authenticator-app uit te schakelen." in texts[3]
    _assert_formal(texts)


@time_machine.travel(NOW, tick=False)
def test_enrolling_a_second_factor_speaks_formal_dutch(institution):
    user = make_member("new@a.example", institution, Role.SUBMITTER, enrolled=False)
    client = _client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    texts = [_text(client.get(response.url, follow=True))]
    assert "Beveilig uw account met tweestapsverificatie" in texts[0]
    texts.append(_text(client.post(reverse("mfa_activate_totp"), {"code": "000000"})))
    assert "Controleer dan of de tijd op uw telefoon automatisch wordt ingesteld." in texts[-1]
    _assert_formal(texts)


def test_the_password_reset_speaks_formal_dutch_and_describes_the_reset_mail(submitter):
    client = _client()
    texts = [_text(client.get(reverse("account_reset_password")))]
    assert "Vul hieronder uw e-mailadres in" in texts[0]
    response = client.post(
        reverse("account_reset_password"), {"email": submitter.email}, follow=True
    )
    texts.append(_text(response))
    assert "We hebben u een e-mail gestuurd met een link om een nieuw wachtwoord" in texts[-1]
    assert "verificatie" not in texts[-1]
    body = mail.outbox[-1].body
    assert "U ontvangt deze e-mail omdat u of iemand anders een nieuw wachtwoord" in body
    assert not INFORMAL.search(body)
    # signed by the Datahub, not by the host name the request came in on
    assert mail.outbox[-1].subject == "Datahub: Nieuw wachtwoord"
    assert body.startswith("Geachte heer, mevrouw,")
    assert body.rstrip().endswith("Met vriendelijke groet,\nDatahub voor kwaliteitsregistraties")
    assert body.count("testserver") == 1  # only in the link
    link = re.search(r"http://testserver(\S+)", body)
    assert link
    response = client.get(link.group(1), follow=True)
    texts.append(_text(response))
    form_url = response.redirect_chain[-1][0]
    texts.append(_text(client.post(form_url, {"password1": "kort", "password2": "anders"})))
    assert "Dit wachtwoord is te kort. Het moet minstens 12 tekens bevatten." in texts[-1]
    new = "een-lang-nieuw-wachtwoord-2026"
    response = client.post(form_url, {"password1": new, "password2": new}, follow=True)
    texts.append(_text(response))
    assert "Uw wachtwoord is gewijzigd." in texts[-1]
    texts.append(_text(client.get(link.group(1), follow=True)))
    assert "Ongeldige link" in texts[-1]
    _assert_formal(texts)


@time_machine.travel(NOW, tick=False)
def test_the_second_factor_has_one_name_in_english_too(submitter):
    client = _client("en")
    texts = _log_in(client, submitter.email)
    assert "<h1>Two-step verification</h1>" in client.get(reverse("mfa_index")).content.decode()
    index = _text(client.get(reverse("mfa_index")))
    assert "Two-step verification · Datahub" in index
    assert "Two-step verification" in texts[2]
    for text in (texts[2], texts[4], index):
        assert not OTHER_NAMES.search(text), text


# allauth's English in Title Case; the portal writes sentence case.
TITLE_CASE = re.compile(
    r"Change Password|Current Password|New Password|Confirm Access|Please reauthenticate"
)


def test_the_account_pages_speak_sentence_case_in_english_and_name_the_servicedesk(submitter):
    client = logged_in(submitter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    change = _text(client.get(reverse("account_change_password")))
    assert "Change password · Datahub" in change
    assert "Current password:" in change and "New password (again):" in change
    again = _text(client.get(reverse("account_reauthenticate")))
    assert "Confirm access · Datahub" in again
    assert "To protect your account, confirm again that it is you." in again
    reset = _text(_client("en").get(reverse("account_reset_password")))
    assert "Cannot set a new password? Contact the DHD Servicedesk." in reset
    for text in (change, again, reset):
        assert not TITLE_CASE.search(text), TITLE_CASE.search(text)
    dutch = _text(_client().get(reverse("account_reset_password")))
    assert "Neem dan contact op met de Servicedesk van DHD." in dutch


def test_the_reset_page_of_a_logged_in_person_says_let_op_not_notitie(submitter):
    """Our catalogue (LOCALE_PATHS) goes before allauth's own for its word "Note"."""
    client = logged_in(submitter)
    text = _text(client.get(reverse("account_reset_password")))
    assert "Let op: U bent al ingelogd als Alice." in text
    assert "Notitie" not in text
