from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from datahub.schedule.reminders import send_reminders


class Command(BaseCommand):
    help = "Send the reminder e-mails that are due (each reminder is sent once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, help="act as if today were this date (JJJJ-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders(options.get("date"))
        self.stdout.write(f"{sent} reminder e-mail(s) sent.")
