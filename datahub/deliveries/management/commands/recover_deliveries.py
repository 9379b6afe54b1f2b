from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from datahub.deliveries import processing


class Command(BaseCommand):
    help = "Queue again every delivery whose processing was lost or whose worker died."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Queued {processing.recover()} deliveries for processing.")
