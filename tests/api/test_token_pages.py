"""The local administrator's API token pages: make (shown once, valid for a chosen time), list,
revoke."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from datahub.api import tokens
from datahub.api.models import ApiToken
from datahub.audit.models import Action, AuditEvent
from tests.conftest import logged_in

PAGES = ["api_tokens", "api_token_add"]


def _make(client, name: str = "EPD-koppeling") -> str:
    response = client.post(reverse("portal:api_token_add"), {"name": name})
    assert response.status_code == 200
    return response.context["secret"]


def test_a_new_token_is_shown_once_and_stored_only_as_its_hash(local_admin, institution):
    client = logged_in(local_admin)
    response = client.post(reverse("portal:api_token_add"), {"name": "EPD-koppeling"})
    secret = response.context["secret"]
    assert secret.startswith("dh_") and len(secret) > 40
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    row = ApiToken.objects.for_institution(institution).get()
    assert row.token_hash == tokens.hash_token(secret)
    assert secret not in {row.token_hash, row.prefix, row.name}
    listing = client.get(reverse("portal:api_tokens")).content.decode()
    assert secret not in listing
    assert row.prefix in listing and "EPD-koppeling" in listing
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="api.ApiToken").exists()


def test_a_name_is_required(local_admin):
    response = logged_in(local_admin).post(reverse("portal:api_token_add"), {"name": ""})
    assert "secret" not in response.context
    assert not ApiToken.objects.unscoped().exists()


def test_revoking_asks_first_then_stops_the_token_and_is_audited(local_admin, institution):
    client = logged_in(local_admin)
    secret = _make(client)
    row = ApiToken.objects.for_institution(institution).get()
    url = reverse("portal:api_token_revoke", args=[row.pk])
    assert client.get(url).status_code == 200
    row.refresh_from_db()
    assert row.is_active
    response = client.post(url)
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.is_active and row.revoked_by == local_admin
    assert tokens.find(secret) == row and not tokens.find(secret).is_active
    assert AuditEvent.objects.filter(action=Action.CHANGE, object_id=str(row.pk)).exists()
    assert "Ingetrokken" in client.get(reverse("portal:api_tokens")).content.decode()


@pytest.mark.parametrize("persona", ["submitter", "clinician", "processor_user", "operator"])
@pytest.mark.parametrize("page", PAGES)
def test_only_a_local_administrator_reaches_the_token_pages(request, persona, page):
    user = request.getfixturevalue(persona)
    assert logged_in(user).get(reverse(f"portal:{page}")).status_code == 403
    assert AuditEvent.objects.filter(action=Action.DENIED, actor=user).exists()


def test_a_submitter_cannot_make_a_token_by_posting(submitter):
    response = logged_in(submitter).post(reverse("portal:api_token_add"), {"name": "x"})
    assert response.status_code == 403
    assert not ApiToken.objects.unscoped().exists()


def test_another_institutions_admin_cannot_see_or_revoke_our_token(
    local_admin, outsider_admin, institution
):
    _make(logged_in(local_admin))
    row = ApiToken.objects.for_institution(institution).get()
    client = logged_in(outsider_admin)
    url = reverse("portal:api_token_revoke", args=[row.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    row.refresh_from_db()
    assert row.is_active
    assert row.prefix not in client.get(reverse("portal:api_tokens")).content.decode()
    assert AuditEvent.objects.filter(actor=outsider_admin, action=Action.DENIED).count() == 2


def test_the_menu_shows_api_tokens_to_a_local_administrator(local_admin):
    page = logged_in(local_admin).get(reverse("portal:api_token_add")).content.decode()
    assert reverse("portal:api_tokens") in page
    assert 'aria-current="page"' in page


def test_the_list_needs_few_queries_whatever_the_number_of_tokens(
    local_admin, institution, django_assert_max_num_queries
):
    for number in range(25):
        tokens.issue(actor=local_admin, institution=institution, name=f"systeem {number}")
    client = logged_in(local_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:api_tokens"))
    assert response.content.decode().count("<tr>") == 26


NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("choice", "days"), [("90", 90), ("365", 365), ("730", 730), ("", 365)])
def test_a_new_token_is_valid_for_the_chosen_time(local_admin, institution, choice, days):
    with time_machine.travel(NOW, tick=False):
        response = logged_in(local_admin).post(
            reverse("portal:api_token_add"), {"name": "EPD", "valid_days": choice}
        )
    assert "secret" in response.context
    row = ApiToken.objects.for_institution(institution).get()
    assert row.expires_at == NOW + dt.timedelta(days=days)
    until = timezone.localtime(row.expires_at).strftime("%d-%m-%Y")
    assert f"<dt>Geldig tot</dt><dd>{until}</dd>" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="api.ApiToken")
    assert event.detail == {"expires_at": row.expires_at.isoformat(), "valid_days": days}


def test_the_form_offers_90_days_1_year_and_2_years_and_no_never(local_admin):
    page = logged_in(local_admin).get(reverse("portal:api_token_add")).content.decode()
    assert '<option value="90">90 dagen</option>' in page
    assert '<option value="365" selected>1 jaar</option>' in page
    assert '<option value="730">2 jaar</option>' in page
    assert page.count("<option") == 3


@pytest.mark.parametrize("choice", ["0", "-1", "36500", "nooit", "365.5"])
def test_a_validity_not_offered_is_refused(local_admin, choice):
    response = logged_in(local_admin).post(
        reverse("portal:api_token_add"), {"name": "EPD", "valid_days": choice}
    )
    assert response.status_code == 200
    assert "secret" not in response.context
    assert response.context["form"].errors["valid_days"]
    assert not ApiToken.objects.unscoped().exists()


def test_the_service_refuses_a_token_that_never_expires(local_admin, institution):
    with pytest.raises(tokens.TokenError):
        tokens.issue(actor=local_admin, institution=institution, name="EPD", valid_days=100_000)
    assert not ApiToken.objects.unscoped().exists()
