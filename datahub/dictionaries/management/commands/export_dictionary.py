from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datahub.dictionaries import services


class Command(BaseCommand):
    help = "Write a stored data dictionary version back to a workbook (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("version")
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        version = services.find_version(options["code"], options["version"])
        if version is None:
            raise CommandError(f"No data dictionary {options['code']} {options['version']}")
        options["output"].write_bytes(services.export_workbook(version))
        self.stdout.write(f"Wrote {options['output']}")
