from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from datahub.accounts.totp import current_code
from datahub.demo.guard import require_demo_mode


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user (demo or debug mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        require_demo_mode()
        user = get_user_model().objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No user {options['email']}")
        code = current_code(user, time.time())
        if code is None:
            raise CommandError(f"{user.email} has no TOTP second factor")
        self.stdout.write(code)
