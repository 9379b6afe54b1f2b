from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from datahub.accounts.totp import DEMO_TOTP_SECRET
from datahub.demo.dictionaries import load_dictionaries, load_participation
from datahub.demo.guard import require_demo_mode
from datahub.demo.people import DEMO_PASSWORD, load_operator, load_people


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        require_demo_mode()
        with transaction.atomic():
            logins = load_people()
            operator = load_operator()
            load_dictionaries(operator)
            load_participation(operator)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"\nPortal: {settings.BASE_URL}/")
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(
            f"Second factor: TOTP secret {DEMO_TOTP_SECRET} (add it to an authenticator app), "
            "or print the current code with: datahub demo-code EMAIL\n"
        )
        width = max(len(login.email) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.email.ljust(width)}  {login.description}")
