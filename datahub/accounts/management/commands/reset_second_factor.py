"""``datahub reset-second-factor EMAIL``: the hub operator's way to reset anyone's second factor
(a processor's person, another operator; an institution's local administrator does it for his
people on their page under Gebruikers)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext_noop

from datahub.accounts.second_factor import remove_second_factor
from datahub.audit.models import Action
from datahub.audit.services import record


class Command(BaseCommand):
    help = (
        "Remove a person's authenticator app and recovery codes (a lost phone): at the next "
        "login, after the password, the person sets up the app again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the person's login address")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        if not remove_second_factor(user):
            raise CommandError(f"{email} has not set up a second factor yet; nothing changed.")
        record(
            Action.SECOND_FACTOR_REMOVED,
            institution=None,
            obj=user,
            description=gettext_noop("{email}: second factor reset by the hub operator"),
            values={"email": user.email},
            detail={"email": user.email, "by": "datahub reset-second-factor"},
        )
        self.stdout.write(
            f"The second factor of {user.email} has been reset: at the next login, after the "
            "password, the app is set up again."
        )
