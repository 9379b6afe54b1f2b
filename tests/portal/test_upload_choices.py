"""Bestanden aanleveren suggests the valid choices for Kwaliteitsregistratie, Versienummer and
Periode: the institution's own sub-deliveries, the versions of the one chosen and the periods its
schedule expects (a product review: a typo only showed at Controleren).

Today is 10 July 2026. Institution A takes part, through the portal, in CAT (TOTAAL; versions 1.5
in force since 2026, 1.4 still valid, 1.3 ended in 2019) and MMYIKNL (half-yearly since 1 July
2025: 2025H2 is overdue, 2026H1 due on 1 August). Only institution B takes part in MMYPROMS.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Method
from datahub.institutions.models import Role
from tests.conftest import logged_in, make_member
from tests.schedule.conftest import import_with_schedule, take_part


def choices_url() -> str:
    return reverse("portal:upload_choices")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(
        dt.datetime(2026, 7, 10, 10, 0, tzinfo=timezone.get_default_timezone()), tick=False
    ):
        yield


@pytest.fixture
def registries(operator, institution, other_institution) -> dict[str, DictionaryVersion]:
    cat = import_with_schedule("CAT_1.4.xlsx", version="1.4", schedule=[])
    import_with_schedule(
        "CAT_1.4.xlsx",
        version="1.3",
        schedule=[],
        valid_from=dt.date(2019, 1, 1),
        valid_to=dt.date(2019, 12, 31),
    )
    import_with_schedule("CAT_1.4.xlsx", version="1.5", schedule=[], valid_from=dt.date(2026, 1, 1))
    mmy = import_with_schedule("MMYIKNL_2.1.xlsx", version="2.1", schedule=[])
    proms = import_with_schedule("MMYPROMS_2.1.xlsx", version="2.1", schedule=[])
    take_part(operator, institution, cat, dt.date(2020, 1, 1))
    take_part(operator, institution, mmy, dt.date(2025, 7, 1))
    take_part(operator, other_institution, proms, dt.date(2025, 7, 1))
    return {"CAT": cat, "MMYIKNL": mmy, "MMYPROMS": proms}


def datalist(page: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each option of the ``<datalist id="{name}-choices">``."""
    found = re.search(rf'<datalist id="{name}-choices">(.*?)</datalist>', page, re.S)
    assert found, f"no list of {name} choices"
    return re.findall(r'<option value="([^"]*)">([^<]*)</option>', found.group(1))


def values(page: str, name: str) -> list[str]:
    return [value for value, _label in datalist(page, name)]


def choices_for(client: Client, code: str) -> str:
    response = client.get(choices_url(), {"code": code}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_suggests_the_institutions_own_sub_deliveries_with_their_registry(
    registries, submitter
):
    page = logged_in(submitter).get(reverse("portal:upload")).content.decode()
    assert datalist(page, "code") == [
        ("CAT", "Cataractregistratie – Cataract"),
        ("MMYIKNL", "Multipel myeloom registratie – IKNL"),
    ]
    assert 'name="code"' in page and 'list="code-choices"' in page


def test_another_institutions_registry_is_never_suggested(registries, submitter, outsider):
    page = logged_in(submitter).get(reverse("portal:upload")).content.decode()
    assert "MMYPROMS" not in page
    theirs = logged_in(outsider).get(reverse("portal:upload")).content.decode()
    assert values(theirs, "code") == ["MMYPROMS"]


def test_a_registry_delivered_through_the_api_is_not_suggested_on_the_page(
    registries, operator, institution, submitter
):
    """The intake refuses it on the portal (Overzicht offers no Aanleveren button for it)."""
    services.set_method(
        actor=operator,
        institution=institution,
        registry=registries["MMYIKNL"].sub_delivery.registry,
        method=Method.API,
    )
    page = logged_in(submitter).get(reverse("portal:upload")).content.decode()
    assert values(page, "code") == ["CAT"]


def test_the_versions_follow_the_chosen_code_the_one_in_force_first(registries, submitter):
    client = logged_in(submitter)
    cat = choices_for(client, "CAT")
    assert datalist(cat, "version") == [
        ("1.5", "huidige versie, geldig vanaf 01-01-2026"),
        ("1.4", "oudere versie, nog geldig"),
    ]  # 1.3 ended in 2019: the intake would refuse it
    assert values(choices_for(client, "mmyiknl"), "version") == ["2.1"]


def test_a_version_with_an_end_says_until_when_it_is_valid(registries, submitter):
    DictionaryVersion.objects.filter(pk=registries["CAT"].pk).update(valid_to=dt.date(2026, 12, 31))
    cat = choices_for(logged_in(submitter), "CAT")
    assert ("1.4", "geldig tot 31-12-2026") in datalist(cat, "version")


def test_the_periods_offered_are_the_overdue_and_the_upcoming_ones(registries, submitter):
    mmy = choices_for(logged_in(submitter), "MMYIKNL")
    assert datalist(mmy, "period") == [
        ("2025H2", "deadline 01-02-2026 verstreken"),
        ("2026H1", "deadline 01-08-2026"),
    ]
    assert values(choices_for(logged_in(submitter), "CAT"), "period") == []  # TOTAAL: no choice


def test_a_file_name_fills_the_code_and_its_versions_and_periods_are_suggested(
    registries, submitter
):
    name = "11111111_0_MMYIKNL_2.1_4_20260709_PROD.csv"
    fields = logged_in(submitter).post(reverse("portal:upload_fields"), {"file_name": name})
    page = fields.content.decode()
    assert values(page, "version") == ["2.1"]
    assert values(page, "period") == ["2025H2", "2026H1"]
    assert 'list="version-choices"' in page and 'list="period-choices"' in page


def test_without_a_code_the_lists_of_every_offered_code_are_there(registries, submitter):
    """Without JavaScript the code's change fetches nothing: every list is offered."""
    page = logged_in(submitter).get(reverse("portal:upload")).content.decode()
    assert datalist(page, "version") == [
        ("1.5", "CAT: huidige versie, geldig vanaf 01-01-2026"),
        ("1.4", "CAT: oudere versie, nog geldig"),
        ("2.1", "MMYIKNL: huidige versie, geldig vanaf 01-01-2019"),
    ]
    assert values(page, "period") == ["2025H2", "2026H1"]


def test_the_code_field_fetches_the_lists_again_when_it_changes(registries, submitter):
    page = logged_in(submitter).get(reverse("portal:upload")).content.decode()
    code = re.search(r'<input[^>]*name="code"[^>]*>', page)
    assert code is not None
    assert f'hx-get="{choices_url()}"' in code.group(0)
    assert 'hx-target="#upload-choices"' in code.group(0)
    assert '<div id="upload-choices">' in page


@pytest.mark.parametrize("code", ["MMYPROMS", "mmyproms", "XYZ"])
def test_a_forged_code_gets_no_suggestions(registries, submitter, code):
    answer = choices_for(logged_in(submitter), code)
    assert values(answer, "version") == [] and values(answer, "period") == []
    assert "2.1" not in answer


def test_an_ended_participation_is_suggested_only_while_it_owes_a_period(
    registries, institution, submitter
):
    from datahub.dictionaries.models import Participation

    scoped = Participation.objects.for_institution(institution)
    scoped.filter(sub_delivery=registries["MMYIKNL"].sub_delivery).update(
        until=dt.date(2025, 12, 31)
    )
    scoped.filter(sub_delivery=registries["CAT"].sub_delivery).update(until=dt.date(2025, 12, 31))
    page = logged_in(submitter).get(reverse("portal:upload")).content.decode()
    assert values(page, "code") == ["MMYIKNL"]  # 2025H2 is still owed; CAT owes nothing
    assert values(page, "period") == ["2025H2"]


@pytest.mark.parametrize("persona", ["clinician", "processor_user", "operator"])
def test_only_people_who_deliver_get_suggestions(request, registries, persona):
    response = logged_in(request.getfixturevalue(persona)).get(choices_url(), {"code": "CAT"})
    assert response.status_code == 403


def test_the_suggestions_need_a_login_and_a_second_factor(registries, institution):
    anonymous = Client().get(choices_url(), {"code": "CAT"})
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("account_login"))
    new = make_member("new@a.example", institution, Role.SUBMITTER, enrolled=False)
    not_enrolled = logged_in(new).get(choices_url(), {"code": "CAT"})
    assert not_enrolled.status_code == 302
    assert not_enrolled.url == reverse("mfa_activate_totp")


def test_the_queries_do_not_grow_with_the_participations(
    registries, operator, institution, submitter
):
    client = logged_in(submitter)
    client.get(reverse("portal:upload"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:upload"))
    with CaptureQueriesContext(connection) as few_choices:
        choices_for(client, "")
    for number in range(4):
        version = import_with_schedule(
            "MMYIKNL_2.1.xlsx",
            version="2.1",
            schedule=[],
            code=f"MMYX{number}",
            sub_delivery=f"X{number}",
        )
        take_part(operator, institution, version, dt.date(2025, 7, 1))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("portal:upload")).content.decode()
    with CaptureQueriesContext(connection) as many_choices:
        answer = choices_for(client, "")
    assert len(values(page, "code")) == 6 and len(values(answer, "period")) == 10
    assert len(many) == len(few), [q["sql"] for q in many]
    assert len(many_choices) == len(few_choices), [q["sql"] for q in many_choices]
