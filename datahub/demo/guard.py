from django.conf import settings
from django.core.management.base import CommandError


def require_demo_mode() -> None:
    """Demo data and demo codes exist only on a demo or development installation."""
    if not (settings.DEMO or settings.DEBUG):
        raise CommandError(
            "Refused: this only works in demo mode (DATAHUB_DEMO=true) or with DATAHUB_DEBUG=true."
        )
