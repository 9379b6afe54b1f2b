"""The local administrator's API token pages: make (shown once), list, revoke."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
