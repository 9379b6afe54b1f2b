from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datahub.deliveries import processing


class Command(BaseCommand):
    help = (
        "Process again deliveries rejected because the hub failed on them (T00), once the "
        "cause is fixed: their numbers are on the operator's start page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="+", type=int, metavar="ID", help="delivery numbers")

    def handle(self, *args: Any, **options: Any) -> None:
        refused = []
        for delivery_id in options["ids"]:
            try:
                delivery = processing.reprocess(delivery_id)
            except processing.NotReprocessable as error:
                refused.append(str(error))
                continue
            self.stdout.write(f"Queued delivery {delivery.pk} ({delivery.file_name}) again.")
        if refused:
            raise CommandError("; ".join(refused))
