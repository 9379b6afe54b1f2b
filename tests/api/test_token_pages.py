"""The local administrator's API token pages: make (shown once, valid for a chosen time), list
(with expiry and maker), revoke."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from datahub.api import tokens
from datahub.api.models import ApiToken
from datahub.audit.models import Action, AuditEvent
from datahub.institutions.models import Membership, Role
from tests.conftest import logged_in, make_member

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


def _listing(client) -> str:
    return client.get(reverse("portal:api_tokens")).content.decode()


def _listing_on(moment: dt.datetime, user) -> str:
    """The list as it is at ``moment`` (logged in then: a session does not last months)."""
    with time_machine.travel(moment, tick=False):
        return _listing(logged_in(user))


def test_the_list_shows_when_each_token_expires_and_warns_in_its_last_30_days(
    local_admin, institution
):
    row, _secret = tokens.issue(
        actor=local_admin, institution=institution, name="EPD", valid_days=90
    )
    until = timezone.localtime(row.expires_at).strftime("%d-%m-%Y")
    client = logged_in(local_admin)
    page = _listing(client)
    assert f"verloopt op {until}" in page and "Verloopt binnen 30 dagen" not in page
    page = _listing_on(row.expires_at - dt.timedelta(days=30), local_admin)
    assert f"verloopt op {until}" in page and "Verloopt binnen 30 dagen" in page
    assert "Intrekken" in page
    page = _listing_on(row.expires_at, local_admin)
    assert "Verlopen" in page and f"verlopen op {until}" in page
    assert "verloopt op" not in page and "Verloopt binnen 30 dagen" not in page
    assert reverse("portal:api_token_revoke", args=[row.pk]) not in page


def test_the_list_shows_who_made_each_token_and_whether_he_still_is_an_administrator(
    local_admin, institution
):
    eve = make_member("eve@a.example", institution, Role.LOCAL_ADMIN)
    tokens.issue(actor=local_admin, institution=institution, name="by bob")
    tokens.issue(actor=eve, institution=institution, name="by eve")
    client = logged_in(local_admin)
    page = _listing(client)
    assert "bob@a.example" in page and "eve@a.example" in page
    assert "maker heeft geen rol meer" not in page
    Membership.objects.for_institution(institution).filter(user=eve).update(role=Role.SUBMITTER)
    page = _listing(client)
    assert page.count("maker heeft geen rol meer") == 1
    row = page.split("by eve")[1].split("</tr>")[0]
    assert "maker heeft geen rol meer" in row
    # the token keeps working: the institution's system must not stop when a person leaves
    assert ApiToken.objects.for_institution(institution).get(name="by eve").is_active


def test_a_maker_whose_role_or_account_was_deactivated_has_no_role(local_admin, institution):
    eve = make_member("eve@a.example", institution, Role.LOCAL_ADMIN)
    tokens.issue(actor=eve, institution=institution, name="by eve")
    client = logged_in(local_admin)
    Membership.objects.for_institution(institution).filter(user=eve).update(is_active=False)
    assert "maker heeft geen rol meer" in _listing(client)
    Membership.objects.for_institution(institution).filter(user=eve).update(is_active=True)
    assert "maker heeft geen rol meer" not in _listing(client)
    eve.is_active = False
    eve.save()
    assert "maker heeft geen rol meer" in _listing(client)


def test_a_local_administrator_of_another_institution_has_no_role_here(
    local_admin, institution, other_institution
):
    eve = make_member("eve@a.example", institution, Role.LOCAL_ADMIN)
    tokens.issue(actor=eve, institution=institution, name="by eve")
    Membership.objects.for_institution(institution).filter(user=eve).delete()
    Membership.objects.create(user=eve, institution=other_institution, role=Role.LOCAL_ADMIN)
    assert "maker heeft geen rol meer" in _listing(logged_in(local_admin))


def test_the_lists_queries_do_not_grow_with_tokens_makers_or_expiry(local_admin, institution):
    client = logged_in(local_admin)
    tokens.issue(actor=local_admin, institution=institution, name="first")
    _listing(client)
    with CaptureQueriesContext(connection) as one:
        _listing(client)
    for number in range(12):
        maker = make_member(f"admin{number}@a.example", institution, Role.LOCAL_ADMIN)
        tokens.issue(actor=maker, institution=institution, name=f"system {number}", valid_days=90)
        if number % 2:
            Membership.objects.for_institution(institution).filter(user=maker).update(
                is_active=False
            )
    with time_machine.travel(timezone.now() + dt.timedelta(days=70), tick=False):
        client = logged_in(local_admin)
        _listing(client)
        with CaptureQueriesContext(connection) as many:
            page = _listing(client)
    assert "maker heeft geen rol meer" in page and "Verloopt binnen 30 dagen" in page
    assert len(many) == len(one), [q["sql"] for q in many]


def test_a_token_revoked_by_two_administrators_at_once_is_revoked_and_audited_once(
    local_admin, institution
):
    row, _ = tokens.issue(actor=local_admin, institution=institution, name="EPD")
    rows = ApiToken.objects.for_institution(institution)
    stale = rows.get(pk=row.pk)  # the second request read it before the first
    tokens.revoke(actor=local_admin, token=row)
    first = rows.get(pk=row.pk).revoked_at
    tokens.revoke(actor=local_admin, token=stale)
    assert rows.get(pk=row.pk).revoked_at == first == stale.revoked_at
    revoked = AuditEvent.objects.filter(action=Action.CHANGE, object_id=str(row.pk))
    assert revoked.count() == 1
