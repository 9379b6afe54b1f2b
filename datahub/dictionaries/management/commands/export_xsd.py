from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datahub.dictionaries import services


class Command(BaseCommand):
    help = "Write the XML schema (XSD) of a data dictionary version to stdout or a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("version")
        parser.add_argument("-o", "--output", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        version = services.find_version(options["code"], options["version"])
        if version is None:
            raise CommandError(f"No data dictionary {options['code']} {options['version']}")
        xsd = services.export_xsd(version)
        if options["output"]:
            options["output"].write_bytes(xsd)
        else:
            sys.stdout.buffer.write(xsd)
