"""The hub operator onboards processors: the list, adding one, changing its name, adding its
people and deactivating them; nobody else may."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datahub.accounts.totp import enrol_totp
from datahub.audit.models import Action, AuditEvent
from datahub.dictionaries.models import Registry
from datahub.forwarding.models import ProcessorRegistration
from datahub.institutions.models import Membership, Processor, ProcessorMembership
from tests.conftest import TOTP_SECRET, logged_in, make_user

NEW_PERSON = {"form": "person", "full_name": "Nina Nieuw", "email": "Nina@Nivel.example"}


def _edit_url(processor: Processor) -> str:
    return reverse("portal:processor_edit", args=[processor.pk])


def _post(client: Client, url: str, data: dict[str, object], callbacks):
    with callbacks(execute=True):
        return client.post(url, data)


def _access(membership: ProcessorMembership, action: str) -> dict[str, object]:
    return {"form": "access", "person": membership.pk, "action": action}


def test_the_list_shows_each_processor_with_its_code_registries_and_active_people(
    operator, processor, processor_user
):
    mrdm = Processor.objects.create(code="mrdm", name="MRDM")
    cataract = Registry.objects.create(stream="Cataract", name="Cataract")
    mmy = Registry.objects.create(stream="MMY", name="Multipel myeloom")
    ProcessorRegistration.objects.create(processor=processor, registry=mmy)
    ProcessorRegistration.objects.create(processor=processor, registry=cataract)
    withdrawn = ProcessorRegistration.objects.create(processor=mrdm, registry=mmy)
    ProcessorRegistration.objects.filter(pk=withdrawn.pk).update(withdrawn_at="2025-01-01T00:00Z")
    gone = make_user("gone@iknl.example")
    ProcessorMembership.objects.create(user=gone, processor=processor, is_active=False)
    page = logged_in(operator).get(reverse("portal:processors")).content.decode()
    rows = {
        cells[0]: cells[:4]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>\s*<td>.*?</tr>", page, re.S)
        )
    }
    assert rows == {
        "IKNL": ["IKNL", "iknl", "Cataract<br>MMY", "1"],  # Piet; the other is deactivated
        "MRDM": ["MRDM", "mrdm", "—", "0"],
    }
    assert reverse("portal:processor_add") in page and "Verwerker toevoegen" in page
    assert reverse("portal:processor_edit", args=[mrdm.pk]) in page
    assert reverse("portal:processor_registrations") in page


def test_the_list_needs_the_same_queries_for_many_processors(operator, processor, processor_user):
    client = logged_in(operator)
    registry = Registry.objects.create(stream="MMY", name="Multipel myeloom")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("portal:processors"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(10):
        extra = Processor.objects.create(code=f"extra-{n}", name=f"Extra {n}")
        ProcessorRegistration.objects.create(processor=extra, registry=registry)
        person = make_user(f"p{n}@extra.example")
        ProcessorMembership.objects.create(user=person, processor=extra)
    assert queries() == few


def test_the_operator_start_page_links_to_the_processors(operator):
    page = logged_in(operator).get(reverse("portal:operator_home")).content.decode()
    assert reverse("portal:processors") in page
    assert ">Verwerkers</a>" in page


def test_adding_a_processor_creates_it_logs_it_and_opens_its_page(operator):
    response = logged_in(operator).post(
        reverse("portal:processor_add"), {"code": "nivel", "name": " Nivel "}
    )
    processor = Processor.objects.get(code="nivel")
    assert response.status_code == 302
    assert response.url == _edit_url(processor)
    assert processor.name == "Nivel"
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert event.actor == operator and event.processor == processor
    assert event.institution is None
    assert event.description == "processor Nivel (nivel)"
    assert event.detail == {"code": "nivel", "name": "Nivel"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "iknl", "name": "Nog een IKNL"}, "Er bestaat al een verwerker met deze code."),
        ({"code": "IKNL", "name": "Nog een IKNL"}, "kleine letters en cijfers"),
        ({"code": "ni vel", "name": "Nivel"}, "kleine letters en cijfers"),
        ({"code": "nivel=x", "name": "Nivel"}, "kleine letters en cijfers"),
        ({"code": "-nivel", "name": "Nivel"}, "kleine letters en cijfers"),
        ({"code": "n" * 41, "name": "Nivel"}, "niet meer dan 40 tekens"),
        ({"code": "", "name": "Nivel"}, "Dit veld is verplicht."),
        ({"code": "nivel", "name": ""}, "Dit veld is verplicht."),
    ],
)
def test_a_refused_processor_shows_why_and_creates_nothing(operator, processor, data, message):
    response = logged_in(operator).post(reverse("portal:processor_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<title>Fout:" in page
    assert list(Processor.objects.values_list("code", flat=True)) == ["iknl"]
    assert not AuditEvent.objects.exclude(action=Action.LOGIN).exists()


def test_the_error_summary_links_each_problem_to_its_field(operator):
    response = logged_in(operator).post(reverse("portal:processor_add"), {"code": "A B"})
    summary = re.search(
        r'<div class="message message--error" role="alert">.*?</div>',
        response.content.decode(),
        re.S,
    )
    assert summary is not None
    assert '<a href="#id_code">Code</a>: Een code bestaat uit' in summary.group(0)
    assert '<a href="#id_name">Naam</a>: Dit veld is verplicht.' in summary.group(0)


def test_the_edit_page_changes_the_name_but_never_the_code(operator, processor):
    client = logged_in(operator)
    url = _edit_url(processor)
    page = client.get(url).content.decode()
    assert "IKNL" in page and "(iknl)" in page
    response = client.post(url, {"form": "details", "name": "IKNL Utrecht", "code": "ander"})
    assert response.status_code == 302 and response.url == url
    processor.refresh_from_db()
    assert (processor.name, processor.code) == ("IKNL Utrecht", "iknl")
    event = AuditEvent.objects.get(action=Action.CHANGE)
    assert event.actor == operator and event.processor == processor
    assert event.detail == {"from": {"name": "IKNL"}, "to": {"name": "IKNL Utrecht"}}
    # the same name again changes nothing, and logs nothing
    assert client.post(url, {"form": "details", "name": "IKNL Utrecht"}).status_code == 302
    assert AuditEvent.objects.filter(action=Action.CHANGE).count() == 1


def test_an_empty_name_is_refused(operator, processor):
    response = logged_in(operator).post(_edit_url(processor), {"form": "details", "name": " "})
    assert response.status_code == 200
    assert "Dit veld is verplicht." in response.content.decode()
    processor.refresh_from_db()
    assert processor.name == "IKNL"
    assert not AuditEvent.objects.exclude(action=Action.LOGIN).exists()


def test_a_new_person_gets_an_account_and_an_invitation_and_can_reach_the_processor_page(
    operator, processor, django_capture_on_commit_callbacks
):
    url = _edit_url(processor)
    response = _post(logged_in(operator), url, NEW_PERSON, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == url
    membership = ProcessorMembership.objects.get(
        processor=processor, user__email="nina@nivel.example"
    )
    assert membership.is_active and membership.user.full_name == "Nina Nieuw"
    assert not membership.user.has_usable_password()
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert event.processor == processor and event.institution is None
    assert event.description == "nina@nivel.example: person of processor iknl"
    assert event.detail == {"email": "nina@nivel.example", "new_account": True}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@nivel.example"]
    assert mail.outbox[0].subject == "Uw toegang tot de Datahub voor IKNL"
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert found is not None
    invitee = Client()
    form = invitee.get(found.group(1))
    password = "Een-heel-sterk-wachtwoord-2026"
    done = invitee.post(form["Location"], {"password1": password, "password2": password})
    assert done.status_code == 302
    user = get_user_model().objects.get(email="nina@nivel.example")
    enrol_totp(user, TOTP_SECRET)  # as at his first login
    assert logged_in(user).get(reverse("portal:processor_home")).status_code == 200
    page = logged_in(operator).get(url).content.decode()
    assert "nina@nivel.example" in page and "Actief" in page


def test_a_person_with_an_account_is_told_by_email(
    operator, processor, django_capture_on_commit_callbacks
):
    moved = make_user("moved@elders.example")
    elsewhere = Processor.objects.create(code="mrdm", name="MRDM")
    ProcessorMembership.objects.create(user=moved, processor=elsewhere, is_active=False)
    data = NEW_PERSON | {"email": "Moved@Elders.example"}
    _post(logged_in(operator), _edit_url(processor), data, django_capture_on_commit_callbacks)
    assert ProcessorMembership.objects.filter(user=moved, processor=processor).exists()
    assert moved.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["moved@elders.example"]
    assert mail.outbox[0].subject == "Uw toegang voor IKNL in de Datahub"
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body
    assert "als persoon van de verwerker IKNL" in mail.outbox[0].body
    assert AuditEvent.objects.get(action=Action.CREATE).detail["new_account"] is False


def test_the_invitation_is_sent_only_when_the_person_is_committed(
    operator, processor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        logged_in(operator).post(_edit_url(processor), NEW_PERSON)
    assert not mail.outbox
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("hub@datahub.example", "hoort bij een zorginstelling of bij de hub"),
        ("alice@a.example", "hoort bij een zorginstelling of bij de hub"),
        ("gone@a.example", "hoort bij een zorginstelling of bij de hub"),
        ("piet@iknl.example", "Deze persoon werkt al voor deze verwerker."),
        ("maria@mrdm.example", "Deze persoon werkt voor MRDM; deactiveer hem daar eerst."),
        (
            "oud@iknl.example",
            "Deze persoon is bij deze verwerker gedeactiveerd: activeer hem weer.",
        ),
        ("uit@iknl.example", "Dit account is geblokkeerd."),
        ("nina@", "Voer een geldig e-mailadres in."),
    ],
)
def test_a_refused_person_shows_why_and_changes_nothing(
    operator,
    processor,
    processor_user,
    submitter,
    institution,
    django_capture_on_commit_callbacks,
    email,
    message,
):
    gone = make_user("gone@a.example")  # a deactivated role at an institution still counts
    Membership.objects.create(user=gone, institution=institution, role="arts", is_active=False)
    maria = make_user("maria@mrdm.example")
    mrdm = Processor.objects.create(code="mrdm", name="MRDM")
    ProcessorMembership.objects.create(user=maria, processor=mrdm)
    oud = make_user("oud@iknl.example")
    ProcessorMembership.objects.create(user=oud, processor=processor, is_active=False)
    make_user("uit@iknl.example", is_active=False)
    before = set(ProcessorMembership.objects.values_list("pk", "is_active"))
    accounts = get_user_model().objects.count()
    response = _post(
        logged_in(operator),
        _edit_url(processor),
        NEW_PERSON | {"email": email},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<title>Fout:" in page
    assert set(ProcessorMembership.objects.values_list("pk", "is_active")) == before
    assert get_user_model().objects.count() == accounts
    assert not mail.outbox
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_deactivating_a_person_takes_his_processor_pages_away_and_is_logged(
    operator, processor, processor_user, django_capture_on_commit_callbacks
):
    membership = ProcessorMembership.objects.get(user=processor_user)
    person = logged_in(processor_user)
    assert person.get(reverse("portal:processor_home")).status_code == 200
    url = _edit_url(processor)
    response = _post(
        logged_in(operator),
        url,
        _access(membership, "deactivate"),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302 and response.url == url
    membership.refresh_from_db()
    assert not membership.is_active
    assert person.get(reverse("portal:processor_home")).status_code == 403
    assert (
        reverse("portal:processor_home")
        not in person.get(reverse("portal:dictionaries")).content.decode()
    )
    event = AuditEvent.objects.get(action=Action.CHANGE)
    assert event.actor == operator and event.processor == processor
    assert event.description == "piet@iknl.example: deactivated"
    assert event.detail == {"email": "piet@iknl.example", "active": False}
    assert not mail.outbox  # as for an institution's role: no mail when access is taken away
    assert "Gedeactiveerd" in logged_in(operator).get(url).content.decode()


def test_reactivating_a_person_gives_his_pages_back_and_tells_him(
    operator, processor, processor_user, django_capture_on_commit_callbacks
):
    membership = ProcessorMembership.objects.get(user=processor_user)
    ProcessorMembership.objects.filter(pk=membership.pk).update(is_active=False)
    _post(
        logged_in(operator),
        _edit_url(processor),
        _access(membership, "activate"),
        django_capture_on_commit_callbacks,
    )
    membership.refresh_from_db()
    assert membership.is_active
    assert logged_in(processor_user).get(reverse("portal:processor_home")).status_code == 200
    assert (
        AuditEvent.objects.get(action=Action.CHANGE).description == "piet@iknl.example: activated"
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["piet@iknl.example"]
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body


def test_a_refused_reactivation_says_why_and_changes_nothing(
    operator, processor, processor_user, django_capture_on_commit_callbacks
):
    membership = ProcessorMembership.objects.get(user=processor_user)
    ProcessorMembership.objects.filter(pk=membership.pk).update(is_active=False)
    mrdm = Processor.objects.create(code="mrdm", name="MRDM")
    ProcessorMembership.objects.create(user=processor_user, processor=mrdm)
    response = _post(
        logged_in(operator),
        _edit_url(processor),
        _access(membership, "activate"),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deze persoon werkt voor MRDM; deactiveer hem daar eerst." in page
    assert "<title>Fout:" in page
    membership.refresh_from_db()
    assert not membership.is_active
    assert not AuditEvent.objects.exclude(action=Action.LOGIN).exists() and not mail.outbox


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_person_of_another_processor_or_a_made_up_one_is_not_found(
    operator, processor, processor_user, method
):
    other = Processor.objects.create(code="mrdm", name="MRDM")
    client = logged_in(operator)
    membership = ProcessorMembership.objects.get(user=processor_user)
    for person in (membership.pk, 9999, "x", ""):
        response = client.post(
            _edit_url(other), {"form": "access", "person": person, "action": "deactivate"}
        )
        assert response.status_code == 404
    bad_action = {"form": "access", "person": membership.pk, "action": "delete"}
    assert client.post(_edit_url(processor), bad_action).status_code == 404
    assert getattr(client, method)(reverse("portal:processor_edit", args=[999])).status_code == 404
    membership.refresh_from_db()
    assert membership.is_active
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_a_get_changes_nothing(operator, processor, processor_user):
    membership = ProcessorMembership.objects.get(user=processor_user)
    client = logged_in(operator)
    assert client.get(_edit_url(processor), _access(membership, "deactivate")).status_code == 200
    assert client.get(_edit_url(processor), NEW_PERSON).status_code == 200
    assert (
        client.get(reverse("portal:processor_add"), {"code": "x", "name": "X"}).status_code == 200
    )
    membership.refresh_from_db()
    assert membership.is_active
    assert Processor.objects.count() == 1 and ProcessorMembership.objects.count() == 1


def test_a_post_without_its_csrf_token_is_refused(operator, processor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(reverse("portal:processor_add"), {"code": "nivel", "name": "Nivel"})
    assert response.status_code == 403
    assert not Processor.objects.filter(code="nivel").exists()


@pytest.mark.parametrize("persona", ["local_admin", "submitter", "processor_user"])
def test_only_the_hub_operator_may_see_or_change_processors(
    request, persona, processor, django_capture_on_commit_callbacks
):
    piet = make_user("piet-p@iknl.example")
    membership = ProcessorMembership.objects.create(user=piet, processor=processor)
    client = logged_in(request.getfixturevalue(persona))
    edit = _edit_url(processor)
    for url in (reverse("portal:processors"), reverse("portal:processor_add"), edit):
        assert client.get(url).status_code == 403
    add = reverse("portal:processor_add")
    assert client.post(add, {"code": "nivel", "name": "Nivel"}).status_code == 403
    assert client.post(edit, {"form": "details", "name": "X"}).status_code == 403
    assert _post(client, edit, NEW_PERSON, django_capture_on_commit_callbacks).status_code == 403
    assert client.post(edit, _access(membership, "deactivate")).status_code == 403
    processor.refresh_from_db()
    membership.refresh_from_db()
    assert processor.name == "IKNL" and membership.is_active
    assert not Processor.objects.filter(code="nivel").exists()
    assert not get_user_model().objects.filter(email="nina@nivel.example").exists()
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == 7
    assert not AuditEvent.objects.exclude(action__in=[Action.DENIED, Action.LOGIN]).exists()
    assert not mail.outbox


def test_the_processors_page_names_the_registries_it_is_registered_for(operator, processor):
    mmy = Registry.objects.create(stream="MMY", name="Multipel myeloom")
    heup = Registry.objects.create(stream="Heup", name="Heupregistratie")
    ProcessorRegistration.objects.create(processor=processor, registry=mmy)
    withdrawn = ProcessorRegistration.objects.create(processor=processor, registry=heup)
    ProcessorRegistration.objects.filter(pk=withdrawn.pk).update(withdrawn_at="2025-01-01T00:00Z")
    page = logged_in(operator).get(_edit_url(processor)).content.decode()
    section = page.split("<h2>Registraties</h2>")[1]
    assert "<li>MMY</li>" in section and "Heup" not in section
    assert reverse("portal:processor_registrations") in section


def test_the_people_of_a_processor_are_shown_fifty_a_page_and_a_change_keeps_the_page(
    operator, processor, processor_user, django_capture_on_commit_callbacks
):
    """Deactivated people are never removed: the list is paged, the active people first."""
    client, url = logged_in(operator), _edit_url(processor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    people = [make_user(f"p{n:02d}@iknl.example") for n in range(60)]
    ProcessorMembership.objects.bulk_create(
        ProcessorMembership(user=u, processor=processor, is_active=n >= 20)
        for n, u in enumerate(people)
    )
    assert queries() == few
    first = client.get(url).content.decode()
    emails = re.findall(r"<td>([^<]+@iknl\.example)</td>", first)
    assert len(emails) == 50 and 'rel="next"' in first
    assert emails[:2] == ["p20@iknl.example", "p21@iknl.example"]  # active ones, by address
    second = client.get(url + "?page=2").content.decode()
    shown = re.findall(r"<td>([^<]+@iknl\.example)</td>", second)
    assert shown == [f"p{n:02d}@iknl.example" for n in range(9, 20)]  # deactivated last
    membership = ProcessorMembership.objects.get(user=people[15])
    response = _post(
        client, url + "?page=2", _access(membership, "activate"), django_capture_on_commit_callbacks
    )
    assert response.status_code == 302 and response.url == url + "?page=2"
