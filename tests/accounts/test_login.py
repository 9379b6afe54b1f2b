"""Logging in through the real pages: password, then the TOTP code; enrolment is enforced."""

from __future__ import annotations

import time_machine
from django.test import Client
from django.urls import reverse

from datahub.accounts.totp import code_for_secret
from datahub.audit.models import Action, AuditEvent
from tests.conftest import PASSWORD, TOTP_SECRET, logged_in, make_member, make_user

NOW = 1_796_000_000  # a fixed moment, so the TOTP code cannot roll over mid-test


def _password_step(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@time_machine.travel(NOW, tick=False)
def test_a_person_logs_in_with_password_and_totp_code_and_sees_the_overview(submitter):
    client = Client()
    response = _password_step(client, submitter.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Between the two steps nothing of the portal is reachable.
    assert client.get(reverse("portal:overview")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": code_for_secret(TOTP_SECRET, NOW)})
    assert response.status_code == 302
    response = client.get(reverse("portal:overview"))
    assert response.status_code == 200
    assert "Overzicht" in response.content.decode()
    assert AuditEvent.objects.filter(actor=submitter, action=Action.LOGIN).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_wrong_totp_code_keeps_the_person_out_and_is_logged(submitter):
    client = Client()
    _password_step(client, submitter.email)
    wrong = str((int(code_for_secret(TOTP_SECRET, NOW)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:overview")).status_code == 302
    assert AuditEvent.objects.filter(actor=submitter, action=Action.SECOND_FACTOR_FAILED).exists()
    assert not AuditEvent.objects.filter(actor=submitter, action=Action.LOGIN).exists()


@time_machine.travel(NOW, tick=False)
def test_a_totp_code_cannot_be_used_twice(submitter):
    code = code_for_secret(TOTP_SECRET, NOW)
    first = Client()
    _password_step(first, submitter.email)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    second = Client()
    _password_step(second, submitter.email)
    assert second.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in second.session


def test_a_wrong_password_is_refused_and_logged(submitter):
    client = Client()
    response = _password_step(client, submitter.email, "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor == submitter
    assert event.ip_address == "127.0.0.1"


def test_a_disabled_account_cannot_log_in(submitter):
    submitter.is_active = False
    submitter.save()
    client = Client()
    response = _password_step(client, submitter.email)
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.url != reverse("mfa_authenticate")
    assert client.get(reverse("portal:overview")).status_code == 302
    page = client.get(reverse("account_inactive")).content.decode()
    assert "Dit account is geblokkeerd; neem contact op met de Servicedesk." in page


def test_login_is_blocked_after_repeated_failures_even_with_the_right_password(submitter):
    client = Client()
    for _ in range(5):
        _password_step(client, submitter.email, "wrong-password")
    response = _password_step(client, submitter.email)
    assert response.status_code in (200, 429)
    assert response.status_code == 429 or "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() >= 5


def test_a_person_without_second_factor_is_sent_to_enrol_before_seeing_anything(institution):
    from datahub.institutions.models import Role

    user = make_member("new@a.example", institution, Role.SUBMITTER, enrolled=False)
    client = Client()
    response = _password_step(client, user.email)
    assert response.status_code == 302
    for name in ("portal:home", "portal:overview", "portal:delivered", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_enrolling_totp_gives_access_and_is_logged(institution, django_capture_on_commit_callbacks):
    from datahub.institutions.models import Role

    user = make_member("new@a.example", institution, Role.SUBMITTER, enrolled=False)
    client = Client()
    _password_step(client, user.email)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code_for_secret(secret, NOW)})
    assert response.status_code == 302
    assert client.get(reverse("portal:overview")).status_code == 200
    assert AuditEvent.objects.filter(actor=user, action=Action.SECOND_FACTOR_ADDED).exists()


def test_self_sign_up_is_closed(db):
    client = Client()
    client.post(
        reverse("account_signup"),
        {"email": "intruder@x.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="intruder@x.example").exists()


def test_logging_out_is_logged(submitter):
    client = Client()
    client.force_login(submitter)
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(actor=submitter, action=Action.LOGOUT).exists()


def test_a_person_with_no_role_anywhere_is_told_so(db):
    user = make_user("nobody@x.example")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 403
    assert "lokaal beheerder" in response.content.decode().lower() or "beheerder" in (
        response.content.decode().lower()
    )


@time_machine.travel(NOW, tick=False)
def test_an_invited_person_sets_a_password_enrols_and_gets_in(
    institution, local_admin, django_capture_on_commit_callbacks
):
    import re

    from django.core import mail

    from datahub.institutions.models import Role
    from tests.conftest import logged_in

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(local_admin).post(
            reverse("portal:person_add"),
            {"email": "invited@a.example", "full_name": "Nieuw", "role": Role.SUBMITTER},
        )
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert link is not None
    invitee = Client()
    form = invitee.get(link.group(1))
    password = "Een-heel-sterk-wachtwoord-2026"
    done = invitee.post(form["Location"], {"password1": password, "password2": password})
    assert done.status_code == 302
    client = Client()
    assert _password_step(client, "invited@a.example", password).status_code == 302
    # straight to the enrolment form, not round in circles between /2fa/ and /2fa/totp/activate/
    response = client.get(reverse("portal:home"))
    assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    enrolled = client.post(reverse("mfa_activate_totp"), {"code": code_for_secret(secret, NOW)})
    assert enrolled.status_code == 302
    assert client.get(reverse("portal:overview")).status_code == 200


def test_nobody_changes_his_own_login_address_or_signs_up(submitter):
    """Roles are given to an address: a person who could take on another's address (allauth's
    e-mail page, without proof) would get the roles another institution gives to it."""
    client = logged_in(submitter)
    email = submitter.email
    for action in ("action_add", "action_primary"):
        response = client.post("/accounts/email/", {action: "", "email": "newdoc@b.example"})
        assert response.status_code == 404
    assert client.get("/accounts/email/").status_code == 404
    submitter.refresh_from_db()
    assert submitter.email == email
    assert not submitter.emailaddress_set.filter(email="newdoc@b.example").exists()
    for url in ("/accounts/signup/", "/accounts/confirm-email/", "/accounts/confirm-email/k-1:x/"):
        assert Client().get(url).status_code == 404, url
        assert client.get(url).status_code == 404, url


def test_login_errors_belong_to_their_fields(submitter):
    client = Client()
    page = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()
    assert 'id="id_login_error"' in page
    assert 'aria-invalid="true" aria-describedby="id_login_error"' in page
    assert 'aria-describedby="id_password_error"' in page and "autofocus" in page
    _password_step(client, submitter.email)
    page = client.post(reverse("mfa_authenticate"), {"code": "000000"}).content.decode()
    assert 'aria-invalid="true" aria-describedby="id_code_error"' in page
    assert 'id="id_code_error"' in page


def test_the_english_account_pages_use_the_portals_words(submitter):
    client = logged_in(submitter)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("account_logout")).content.decode()
    assert "Log out" in page and "Sign Out" not in page and "sign out" not in page
    anonymous = Client()
    anonymous.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = anonymous.get(reverse("account_reset_password")).content.decode()
    assert "Reset my password" in text or "Reset password" in text
    assert "Reset My Password" not in text
