"""The processor's own page: API tokens created (shown once, stored hashed, valid for a chosen
time), listed (with expiry and maker) and revoked."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from datahub.audit.models import Action, AuditEvent
from datahub.forwarding import tokens
from datahub.forwarding.models import ProcessorToken
from datahub.institutions.models import ProcessorMembership
from tests.conftest import logged_in, make_user
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


def test_the_page_links_to_the_api_documentation_where_processors_calls_are(processor_user):
    from lxml import html

    page = html.fromstring(logged_in(processor_user).get(URL).content)
    [link] = page.xpath("//a[text()='API-documentatie']/@href")
    assert link == "/api/docs#/Verwerker"
    schema = Client().get("/api/openapi.json").json()
    assert any(
        "Verwerker" in op.get("tags", []) for p in schema["paths"].values() for op in p.values()
    )


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


NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("choice", "days"), [("90", 90), ("365", 365), ("730", 730), ("", 365)])
def test_a_new_token_is_valid_for_the_chosen_time(processor_user, processor, choice, days):
    with time_machine.travel(NOW, tick=False):
        response = logged_in(processor_user).post(URL, {"name": "etl", "valid_days": choice})
    assert "new_token" in response.context
    token = ProcessorToken.objects.get()
    assert token.expires_at == NOW + dt.timedelta(days=days)
    until = timezone.localtime(token.expires_at).strftime("%d-%m-%Y")
    assert f"Het werkt tot {until}." in response.content.decode()
    event = AuditEvent.objects.get(action=Action.CREATE, processor=processor)
    assert event.detail == {"expires_at": token.expires_at.isoformat(), "valid_days": days}


def test_the_form_offers_90_days_1_year_and_2_years_and_no_never(processor_user):
    page = logged_in(processor_user).get(URL).content.decode()
    assert '<option value="90">90 dagen</option>' in page
    assert '<option value="365" selected>1 jaar</option>' in page
    assert '<option value="730">2 jaar</option>' in page
    assert page.count("<option") == 3


@pytest.mark.parametrize("choice", ["0", "-1", "36500", "nooit", "365.5"])
def test_a_validity_not_offered_is_refused(processor_user, choice):
    response = logged_in(processor_user).post(URL, {"name": "etl", "valid_days": choice})
    assert "new_token" not in response.context
    assert response.context["form"].errors["valid_days"]
    assert not ProcessorToken.objects.exists()


def test_the_service_refuses_a_token_that_never_expires(processor):
    from datahub.forwarding.errors import ForwardingError

    with pytest.raises(ForwardingError):
        tokens.create_token(actor=None, processor=processor, name="etl", valid_days=100_000)
    assert not ProcessorToken.objects.exists()


def _page_on(moment: dt.datetime, user) -> str:
    """The page as it is at ``moment`` (logged in then: a session does not last months)."""
    with time_machine.travel(moment, tick=False):
        return logged_in(user).get(URL).content.decode()


def test_the_list_shows_when_each_token_expires_and_warns_in_its_last_30_days(
    processor_user, processor
):
    token, _plain = tokens.create_token(
        actor=processor_user, processor=processor, name="etl", valid_days=90
    )
    until = timezone.localtime(token.expires_at).strftime("%d-%m-%Y")
    page = logged_in(processor_user).get(URL).content.decode()
    assert f"verloopt op {until}" in page and "Verloopt binnen 30 dagen" not in page
    page = _page_on(token.expires_at - dt.timedelta(days=30), processor_user)
    assert f"verloopt op {until}" in page and "Verloopt binnen 30 dagen" in page
    revoke = reverse("portal:processor_token_revoke", args=[token.pk])
    assert revoke in page
    page = _page_on(token.expires_at, processor_user)
    assert "Verlopen" in page and f"verlopen op {until}" in page
    assert "verloopt op" not in page and "Verloopt binnen 30 dagen" not in page
    assert revoke not in page


def test_the_list_shows_who_made_each_token_and_whether_he_still_is_a_member(
    processor_user, processor, other_processor
):
    kees = make_user("kees@iknl.example")
    ProcessorMembership.objects.create(user=kees, processor=processor)
    tokens.create_token(actor=processor_user, processor=processor, name="by piet")
    tokens.create_token(actor=kees, processor=processor, name="by kees")
    page = logged_in(processor_user).get(URL).content.decode()
    assert "piet@iknl.example" in page and "kees@iknl.example" in page
    assert "maker heeft geen rol meer" not in page
    ProcessorMembership.objects.filter(user=kees).update(is_active=False)
    page = logged_in(processor_user).get(URL).content.decode()
    assert page.count("maker heeft geen rol meer") == 1
    assert "maker heeft geen rol meer" in page.split("by kees")[1].split("</tr>")[0]
    # a membership of another processor is no membership of this one
    ProcessorMembership.objects.filter(user=kees).delete()
    ProcessorMembership.objects.create(user=kees, processor=other_processor)
    assert "maker heeft geen rol meer" in logged_in(processor_user).get(URL).content.decode()
    # the token keeps working: the processor's system must not stop when a person leaves
    assert ProcessorToken.objects.get(name="by kees").is_active


def test_a_maker_whose_account_was_deactivated_has_no_role(processor_user, processor):
    kees = make_user("kees@iknl.example")
    ProcessorMembership.objects.create(user=kees, processor=processor)
    tokens.create_token(actor=kees, processor=processor, name="by kees")
    kees.is_active = False
    kees.save()
    assert "maker heeft geen rol meer" in logged_in(processor_user).get(URL).content.decode()


def test_the_pages_queries_do_not_grow_with_tokens_makers_or_expiry(processor_user, processor):
    client = logged_in(processor_user)
    tokens.create_token(actor=processor_user, processor=processor, name="first")
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for number in range(12):
        maker = make_user(f"member{number}@iknl.example")
        membership = ProcessorMembership.objects.create(user=maker, processor=processor)
        tokens.create_token(
            actor=maker, processor=processor, name=f"system {number}", valid_days=90
        )
        if number % 2:
            membership.is_active = False
            membership.save()
    with time_machine.travel(timezone.now() + dt.timedelta(days=70), tick=False):
        client = logged_in(processor_user)
        client.get(URL)
        with CaptureQueriesContext(connection) as many:
            page = client.get(URL).content.decode()
    assert "maker heeft geen rol meer" in page and "Verloopt binnen 30 dagen" in page
    assert len(many) == len(one), [q["sql"] for q in many]
