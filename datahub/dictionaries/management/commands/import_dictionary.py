from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datahub.dictionaries import services


class Command(BaseCommand):
    help = "Import a data dictionary workbook as a new published version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workbook", type=Path)
        parser.add_argument(
            "--publish-anyway",
            action="store_true",
            help="publish even though deadlines still to come lapse with this version",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["workbook"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            version = services.import_workbook(
                data, path.name, lapse_confirmed=options["publish_anyway"]
            )
        except services.ImportRefused as refused:
            hint = ""
            if isinstance(refused, services.DeadlinesWouldLapse):
                hint = "\nRun it again with --publish-anyway if that is intended."
            raise CommandError(
                "Refused, nothing stored:\n" + "\n".join(refused.messages("en")) + hint
            ) from None
        self.stdout.write(f"Imported {version} (valid from {version.valid_from}).")
        for warning in version.dictionary.warnings:
            self.stderr.write(f"Warning: {warning.message('en')}")
