"""The e-mails of a role given: a new person gets a link to choose his password (allauth's
reset-password link); a person who has an account is told of the role. The same for a
processor's people, whom the hub's operator adds."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from datahub.institutions.contacts import written
from datahub.institutions.models import ProcessorMembership


def password_link(user: Any) -> str:
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.BASE_URL + path.replace("UID-KEY", key)


def send_invitation(user: Any, institution: Any, invited_by: Any) -> None:
    """Invite ``user`` in his own language to set a password and log in; ``institution``:
    the organisation he works for (an institution or a processor; the mail names it)."""
    context = {
        "user": user,
        "institution": institution,
        "invited_by": invited_by,
        "link": password_link(user),
        "login_url": settings.BASE_URL + reverse("account_login"),
    }
    _send(user, "invitation", context)


def send_role_notice(user: Any, institution: Any, given_by: Any, role_label: Any) -> None:
    """Tell ``user``, who has an account, in his own language of a role at ``institution``:
    a role he did not ask for would otherwise go unnoticed (and put his logins in that
    institution's audit log). ``role_label`` may be a lazy translation."""
    context = {
        "user": user,
        "institution": institution,
        "given_by": given_by,
        "login_url": settings.BASE_URL + reverse("account_login"),
    }
    _send(user, "role_given", context | {"role": role_label})


def send_processor_notice(user: Any, processor: Any, given_by: Any) -> None:
    """Tell ``user``, who has an account, in his own language that he works for ``processor``
    from now on (or again): access he did not ask for must not go unnoticed."""
    context = {
        "user": user,
        "processor": processor,
        "given_by": given_by,
        "login_url": settings.BASE_URL + reverse("account_login"),
    }
    _send(user, "processor_given", context)


def send_second_factor_notice(user: Any, institution: Any, reset_by: Any) -> None:
    """Tell ``user`` that ``reset_by`` reset his second factor: he sets up the app again at his
    next login; one he did not ask for he reports."""
    context = {
        "user": user,
        "institution": institution,
        "reset_by": reset_by,
        "login_url": settings.BASE_URL + reverse("account_login"),
    }
    _send(user, "second_factor_reset", context)


def send_no_access_notice(user: Any) -> None:
    """Tell ``user``, who asked for a new password but has no role (anymore) and never chose
    one, that no password can be chosen for his address, and whom to ask."""
    processor = ProcessorMembership.objects.filter(user=user).exists()
    _send(user, "no_access", {"user": user, "processor": processor})


def _send(user: Any, template: str, context: dict[str, Any]) -> None:
    """The mail ``template`` (its subject and body) in the person's own language."""
    subject, body = written(f"accounts/email/{template}", context, user.language)
    send_mail(subject, body, None, [user.email])
