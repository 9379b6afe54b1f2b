from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from datahub.forwarding.retention import purge


class Command(BaseCommand):
    help = (
        "Delete delivered files past their retention period, expired packages, records entered "
        "by hand whose participation ended longer than the retention period ago, and what killed "
        "workers left behind (a day old)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge()
        self.stdout.write(
            f"{result.raw_files} delivered file(s), {result.packages} package(s) and "
            f"{result.leftovers} leftover file(s) deleted; "
            f"{result.entry_records} entered record(s) deleted."
        )
