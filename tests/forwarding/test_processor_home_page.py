"""The processor's own page: API tokens created (shown once, stored hashed) and revoked."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from datahub.audit.models import Action, AuditEvent
from datahub.forwarding import tokens
from datahub.forwarding.models import ProcessorToken
from tests.conftest import logged_in
from tests.forwarding.conftest import API, bearer, finished_deliveries, packages_of
from tests.html import text_of
from tests.work import counted, sqlite_only

URL = reverse("portal:processor_home")


def test_a_created_token_is_shown_once_and_stored_only_as_a_digest(processor_user, processor):
    response = logged_in(processor_user).post(URL, {"name": "nightly import"})
    assert response.status_code == 200
    plain = response.context["new_token"]
    assert plain in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ProcessorToken.objects.get()
    assert token.processor == processor and token.name == "nightly import"
    assert token.digest == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in logged_in(processor_user).get(URL).content.decode()
    assert AuditEvent.objects.filter(action=Action.CREATE, processor=processor).exists()


def test_the_new_token_opens_the_api(processor_user, registered):
    plain = logged_in(processor_user).post(URL, {"name": "etl"}).context["new_token"]
    assert Client(**bearer(plain)).get(f"{API}/packages").status_code == 200


def test_a_token_needs_a_name(processor_user):
    response = logged_in(processor_user).post(URL, {"name": " "})
    assert response.context["form"].errors
    assert not ProcessorToken.objects.exists()


def _asks(response) -> bool:
    """Whether the page offers the button that revokes."""
    return 'class="button button--danger">Intrekken</button>' in response.content.decode()


def _revoke_url(token: ProcessorToken) -> str:
    return reverse("portal:processor_token_revoke", args=[token.pk])


def test_a_revoked_token_stops_working_at_once_and_is_audited(processor_user, registered):
    client = logged_in(processor_user)
    plain = client.post(URL, {"name": "etl"}).context["new_token"]
    token = ProcessorToken.objects.get()
    response = client.post(_revoke_url(token), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Het token is ingetrokken en werkt niet meer." in text_of(response)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(**bearer(plain)).get(f"{API}/packages").status_code == 401
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, actor=processor_user, object_id=str(token.pk)
    ).exists()


def test_revoking_asks_first_which_token_and_what_stops_and_changes_nothing(
    processor_user, processor
):
    token, _plain = tokens.create_token(actor=None, processor=processor, name="nightly import")
    response = logged_in(processor_user).get(_revoke_url(token))
    assert response.status_code == 200
    page = text_of(response)
    assert "Token intrekken" in page
    assert "Naam nightly import" in page
    assert f"Begint met {token.prefix}…" in page
    assert "Laatst gebruikt nooit" in page
    assert "Een systeem dat met dit token pakketten ophaalt, wordt vanaf dan geweigerd." in page
    assert _asks(response)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_the_list_links_to_the_question_instead_of_revoking_at_once(processor_user, processor):
    token, _plain = tokens.create_token(actor=None, processor=processor, name="etl")
    page = logged_in(processor_user).get(URL).content.decode()
    assert f'<a href="{_revoke_url(token)}">Intrekken…' in page
    assert f'action="{_revoke_url(token)}"' not in page


def test_a_revoked_token_is_not_offered_for_revoking_again(processor_user, processor):
    token, _plain = tokens.create_token(actor=None, processor=processor, name="etl")
    tokens.revoke_token(actor=processor_user, processor=processor, token_id=token.pk)
    client = logged_in(processor_user)
    response = client.get(_revoke_url(token))
    assert "Dit token was al ingetrokken." in text_of(response)
    assert not _asks(response)
    assert f'href="{_revoke_url(token)}"' not in client.get(URL).content.decode()
    response = client.post(_revoke_url(token), follow=True)
    assert "Dit token was al ingetrokken." in text_of(response)
    assert AuditEvent.objects.filter(action=Action.CHANGE).count() == 1


def test_revoking_needs_the_forms_csrf_token(processor_user, processor):
    token, _plain = tokens.create_token(actor=None, processor=processor, name="etl")
    client = Client(enforce_csrf_checks=True)
    client.force_login(processor_user)
    assert client.post(_revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_processors_token_can_be_neither_asked_about_nor_revoked(
    processor_user, other_processor
):
    theirs, _plain = tokens.create_token(actor=None, processor=other_processor, name="theirs")
    client = logged_in(processor_user)
    assert client.get(_revoke_url(theirs)).status_code == 404
    assert client.post(_revoke_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert AuditEvent.objects.filter(action=Action.DENIED, actor=processor_user).count() == 2


def test_the_page_lists_only_the_processors_own_tokens(processor_user, other_processor):
    tokens.create_token(actor=None, processor=other_processor, name="someone-elses")
    assert "someone-elses" not in logged_in(processor_user).get(URL).content.decode()


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "operator"])
def test_people_who_are_not_a_processor_are_refused(request, persona):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403
    assert not ProcessorToken.objects.exists()


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "operator"])
def test_people_who_are_not_a_processor_cannot_revoke_a_token(request, persona, processor):
    token, _plain = tokens.create_token(actor=None, processor=processor, name="etl")
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(_revoke_url(token)).status_code == 403
    assert client.post(_revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@sqlite_only
def test_the_page_does_not_grow_with_expired_packages(
    processor_user, authorised, cataract, institution
):
    client, work, start = logged_in(processor_user), [], 0
    long_ago = timezone.now() - dt.timedelta(days=800)
    for n in (1_000, 10_000):  # years of packages fetched, acknowledged and expired
        deliveries = finished_deliveries(institution, cataract, n, start)
        packages_of(deliveries, authorised, created_at=long_ago, expired_at=long_ago)
        start += n
        client.get(URL)
        with counted() as steps:
            assert client.get(URL).status_code == 200
        work.append(steps[0])
    assert work[1] < 2 * work[0], work


def test_the_page_counts_the_packages_available_and_not_yet_fetched(
    processor_user, authorised, cataract, institution
):
    expired, fetched, fresh = (
        finished_deliveries(institution, cataract, 1, start) for start in (0, 1, 2)
    )
    now = timezone.now()
    packages_of(expired, authorised, expired_at=now)
    packages_of(fetched, authorised, fetched_at=now)
    packages_of(fresh, authorised)
    assert logged_in(processor_user).get(URL).context["counts"] == {
        "available": 2,
        "unfetched": 1,
    }
