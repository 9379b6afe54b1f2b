from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from datahub.accounts.totp import DEMO_TOTP_SECRET
from datahub.api.demo import FHIR_DEMO_TOKEN, load_demo_token
from datahub.demo.deliveries import load_deliveries
from datahub.demo.dictionaries import load_dictionaries, load_participation
from datahub.demo.forwarding import forward_deliveries, load_forwarding
from datahub.demo.guard import require_demo_mode
from datahub.demo.people import DEMO_PASSWORD, load_operator, load_people
from datahub.institutions.models import Institution

#: The demo institutions whose API tokens are printed: one delivers MMY through the API, the
#: other Cataract through FHIR.
API_DEMO_INSTITUTION = "44444444"
FHIR_DEMO_INSTITUTION = "33333333"


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        require_demo_mode()
        with transaction.atomic():
            logins = load_people()
            operator = load_operator()
            load_dictionaries(operator)
            load_participation(operator)
            load_forwarding(operator)
            token = load_demo_token(Institution.objects.get(agb_code=API_DEMO_INSTITUTION))
            fhir_token = load_demo_token(
                Institution.objects.get(agb_code=FHIR_DEMO_INSTITUTION), FHIR_DEMO_TOKEN
            )
        forward_deliveries(load_deliveries(operator))
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
        self.stdout.write(
            f"\nAPI token of {API_DEMO_INSTITUTION} (delivers MMY through the API): {token}"
            f"\nAPI token of {FHIR_DEMO_INSTITUTION} (delivers Cataract through FHIR, "
            f"POST /api/fhir/CAT): {fhir_token}"
            f"\nAPI documentation: {settings.BASE_URL}/api/docs"
        )
