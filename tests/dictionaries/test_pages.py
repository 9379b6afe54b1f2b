"""The data dictionary pages, the XSD download and command, and the operator's pages."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree, html

from datahub.audit.models import Action, AuditEvent
from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Participation, RegistryMethod
from tests.conftest import logged_in
from tests.dictionaries.workbooks import knee_workbook
from tests.html import language_at, text_of

FIXTURES = Path(__file__).resolve().parents[2] / "datahub" / "fixtures" / "dictionaries"


@pytest.fixture
def cataract(db) -> DictionaryVersion:
    return services.import_workbook((FIXTURES / "CAT_1.4.xlsx").read_bytes(), "CAT_1.4.xlsx")


def test_the_list_shows_every_registry_and_version(submitter, cataract):
    page = logged_in(submitter).get(reverse("portal:dictionaries")).content.decode()
    assert "Cataract" in page
    assert reverse("portal:dictionary", args=["CAT", "1.4"]) in page


def test_the_detail_page_shows_fields_rules_tables_examples_and_schedule(submitter, cataract):
    page = logged_in(submitter).get(reverse("portal:dictionary", args=["CAT", "1.4"]))
    text = page.content.decode()
    for expected in (
        "OperatieID",
        "Geboortejaar &lt;= YEAR(Operatiedatum)",
        "GESLACHT",
        "Vrouw",
        "11000523",
        "10-04-2020",
        "Algemene specificaties",
        "meer dan 50 % van de records met een fout keurt de aanlevering af",
    ):
        assert expected in text, expected


def test_the_dictionarys_values_are_shown_in_the_readers_language(submitter, cataract):
    client = logged_in(submitter)
    url = reverse("portal:dictionary", args=["CAT", "1.4"])
    dutch = client.get(url).content.decode()
    for expected in (
        "<dd>totaal</dd>",
        "<td>geheel getal</td>",
        "<td>Waarschuwing</td>",
        "Webportaal",
        '<td class="mono">JJJJ-MM-DD</td>',  # how a date is written, without a Formaat
    ):
        assert expected in dutch, expected
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english = client.get(url).content.decode()
    for expected in (
        "<dd>complete dataset</dd>",
        "<td>integer</td>",
        "<td>Warning</td>",
        "Web portal",
        '<td class="mono">YYYY-MM-DD</td>',
    ):
        assert expected in english, expected
    for dutch_word in ("geheel getal", ">waarschuwing<", "Webportaal", "decimaal ("):
        assert dutch_word not in english, dutch_word
    listing = client.get(reverse("portal:dictionaries")).content.decode()
    assert "<td>complete dataset</td>" in listing


def test_the_registrys_own_texts_are_marked_dutch_on_an_english_page(submitter, cataract):
    """Field descriptions, rule messages and code labels are written by the registry, in Dutch
    only: a screen reader must read them as Dutch on an English page (WCAG 3.1.2)."""
    client = logged_in(submitter)
    url = reverse("portal:dictionary", args=["CAT", "1.4"])
    texts = (
        "Uniek nummer van de operatie binnen de instelling",  # a field's description
        "IOLType is verplicht",  # a rule's message
        "Vrouw",  # a code's label
    )
    dutch = client.get(url)
    assert 'lang="nl"' not in dutch.content.decode().split("<main", 1)[1]
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(url)
    assert [language_at(english, text) for text in texts] == ["nl", "nl", "nl"]
    assert language_at(english, "File content") == "en"


def test_an_unknown_version_is_not_found(submitter, cataract):
    client = logged_in(submitter)
    assert client.get(reverse("portal:dictionary", args=["CAT", "9.9"])).status_code == 404
    assert client.get(reverse("portal:dictionary_xsd", args=["XYZ", "1.4"])).status_code == 404


def test_the_workbook_download_is_the_dictionary(submitter, cataract):
    response = logged_in(submitter).get(reverse("portal:dictionary_workbook", args=["CAT", "1.4"]))
    assert response["Content-Disposition"] == 'attachment; filename="CAT_1.4.xlsx"'
    from datahub.validation import load_dictionary

    assert load_dictionary(response.content).to_dict() == cataract.dictionary.to_dict()


def _record(**values: str) -> str:
    return "<record>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + "</record>"


def test_the_xsd_accepts_a_valid_file_and_rejects_wrong_ones(submitter, cataract):
    xsd = logged_in(submitter).get(reverse("portal:dictionary_xsd", args=["CAT", "1.4"])).content
    schema = etree.XMLSchema(etree.fromstring(xsd))
    fields = [f.name for f in cataract.dictionary.fields]
    example = dict(zip(fields, cataract.dictionary.examples[0], strict=True))
    good = {k: v for k, v in example.items() if v is not None}
    assert schema.validate(etree.fromstring(f"<CAT>{_record(**good)}</CAT>"))
    assert not schema.validate(
        etree.fromstring(f"<CAT>{_record(**dict(good, Geslacht='7'))}</CAT>")
    )
    assert not schema.validate(
        etree.fromstring(f"<CAT>{_record(**dict(good, Operatiedatum='2020-02-30x'))}</CAT>")
    )
    missing = {k: v for k, v in good.items() if k != "OperatieID"}
    assert not schema.validate(etree.fromstring(f"<CAT>{_record(**missing)}</CAT>"))


def test_export_xsd_command_writes_the_same_schema(cataract, tmp_path):
    target = tmp_path / "cat.xsd"
    call_command("export_xsd", "CAT", "1.4", "-o", str(target))
    assert target.read_bytes() == services.export_xsd(cataract)
    etree.XMLSchema(etree.parse(str(target)))


def test_two_versions_are_compared(submitter, db):
    services.import_workbook(knee_workbook("3.0"), "k.xlsx")

    def change(rows):
        rows[5][8] = 15  # BMI minimum 10 -> 15
        rows.append(
            [6, "Roker", "Rookt", "code", "nee", None, None, None, None, None, "JANEE", "nee"]
        )

    def codes(rows):
        rows.append(["ZIJDE", "B", "Beide"])
        rows.append(["JANEE", "0", "Nee"])
        rows.append(["JANEE", "1", "Ja"])

    def examples(rows):
        rows[0].append("Roker")
        rows[1].append("0")

    def general(rows):
        for row in rows:
            if row[0] == "Geldig vanaf":
                row[1] = "2025-01-01"

    services.import_workbook(
        knee_workbook(
            "3.1",
            Bestandsinhoud=change,
            Referentietabellen=codes,
            Voorbeeld_bestandsinhoud=examples,
            Aanleverspecificaties_algemeen=general,
        ),
        "k.xlsx",
    )
    page = (
        logged_in(submitter)
        .get(reverse("portal:dictionary_compare", args=["KNIE"]), {"van": "3.0", "naar": "3.1"})
        .content.decode()
    )
    assert "Roker" in page
    # which version applies when: the validity is compared too, in the portal's date format
    assert '<td>Geldig vanaf</td><td class="mono">01-01-2024</td>' in page
    assert "01-01-2025" in page
    assert "<td>Minimum</td>" in page  # named as in the workbook
    assert "</span>B</span>" in page  # the added code, in its badge


def test_a_comparison_shows_changed_general_specs_and_rules(submitter, db):
    """Versions whose rule level and message, frequency and deadline differed were called the
    same: the comparison knew only a rule's expression, and no general specs."""
    services.import_workbook(knee_workbook("3.0"), "k.xlsx")

    def general(rows):
        for row in rows:
            if row[0] == "Aanleverfrequentie":
                row[1] = "kwartaal"
            if row[0] == "Deadline dagen na periode":
                row[1] = 60

    def rules(rows):
        rows[1][3] = "afkeur"
        rows[1][4] = "Nieuwe omschrijving"

    services.import_workbook(
        knee_workbook("3.1", Aanleverspecificaties_algemeen=general, Validaties=rules),
        "k.xlsx",
        lapse_confirmed=True,  # (quarterly: fewer deadlines)
    )
    page = (
        logged_in(submitter)
        .get(reverse("portal:dictionary_compare", args=["KNIE"]), {"van": "3.0", "naar": "3.1"})
        .content.decode()
    )
    assert "dezelfde" not in page
    assert "<td>Aanleverfrequentie</td>" in page and "kwartaal" in page
    assert "<td>Deadline dagen na periode</td>" in page
    assert "(afkeur) — Nieuwe omschrijving" in page
    english = logged_in(submitter)
    english.post(reverse("set_language"), {"language": "en", "next": "/"})
    compared = english.get(
        reverse("portal:dictionary_compare", args=["KNIE"]), {"van": "3.0", "naar": "3.1"}
    )
    # the workbook's names and the registry's messages are Dutch on the English page too
    assert language_at(compared, "Aanleverfrequentie") == "nl"
    assert language_at(compared, "Nieuwe omschrijving") == "nl"
    assert language_at(compared, "General specifications") == "en"


@dataclass
class Reads:
    workbooks: int = 0  # queries that select a version's workbook
    definitions: int = 0  # versions whose definition was read


@contextlib.contextmanager
def _reads_of_versions() -> Iterator[Reads]:
    """What a request reads of the versions' large columns: the workbook as imported and the
    definition (a dictionary with large reference tables holds megabytes in each)."""
    reads = Reads()
    definition = DictionaryVersion._meta.get_field("definition")
    decode = definition.from_db_value  # type: ignore[attr-defined]

    def counted(*args: Any) -> Any:
        reads.definitions += 1
        return decode(*args)

    patched = mock.patch.object(definition, "from_db_value", counted)
    with patched, CaptureQueriesContext(connection) as queries:
        yield reads
    selects = [q["sql"].split(" FROM ")[0] for q in queries]
    reads.workbooks = sum('"dictionaries_dictionaryversion"."workbook"' in s for s in selects)


@pytest.fixture
def knee_versions(db) -> None:
    for version in ("3.0", "3.1", "3.2", "3.3"):
        services.import_workbook(knee_workbook(version), "k.xlsx")


@pytest.mark.parametrize(
    ("name", "args", "query", "definitions"),
    [
        ("portal:dictionaries", [], {}, 0),
        ("portal:dictionary", ["KNIE", "3.1"], {}, 1),
        ("portal:dictionary_compare", ["KNIE"], {"van": "3.0", "naar": "3.2"}, 2),
    ],
)
def test_a_dictionary_page_reads_only_the_definitions_it_shows(
    submitter, knee_versions, name, args, query, definitions
):
    """The pages list versions by a few small columns; they read no workbook, and only the
    definitions of the versions they show (each version's definition and workbook were read)."""
    client = logged_in(submitter)
    with _reads_of_versions() as reads:
        assert client.get(reverse(name, args=args), query).status_code == 200
    assert (reads.workbooks, reads.definitions) == (0, definitions)


def _spoken(element: html.HtmlElement) -> str:
    """An element's text as assistive technology reads it: without its aria-hidden parts."""
    copy = deepcopy(element)
    for hidden in copy.xpath('.//*[@aria-hidden="true"]'):
        hidden.drop_tree()
    return " ".join(copy.text_content().split())


def test_added_and_removed_codes_and_rules_are_named_in_words(submitter, db):
    """The comparison told added from removed only by a coloured plus or minus badge, which a screen
    reader reads as "plus" and "minus" at best."""
    services.import_workbook(knee_workbook("3.0"), "k.xlsx")

    def codes(rows):
        rows.append(["ZIJDE", "B", "Beide"])

    def rules(rows):
        rows[1][4] = "Nieuwe omschrijving"

    services.import_workbook(
        knee_workbook("3.1", Referentietabellen=codes, Validaties=rules), "k.xlsx"
    )
    client = logged_in(submitter)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(
        reverse("portal:dictionary_compare", args=["KNIE"]), {"van": "3.0", "naar": "3.1"}
    )
    badges = html.fromstring(page.content).xpath('//span[contains(@class, "badge--")]')
    assert sorted(_spoken(badge) for badge in badges) == ["added", "added B", "removed"]


def test_the_operator_imports_a_workbook_through_the_page(operator):
    upload = SimpleUploadedFile("KNIE_3.0.xlsx", knee_workbook())
    response = logged_in(operator).post(reverse("portal:dictionary_import"), {"workbook": upload})
    assert response.status_code == 302
    assert DictionaryVersion.objects.filter(sub_delivery__code="KNIE").exists()


def _misspelt_identifying(rows):
    rows[0][rows[0].index("Identificerend")] = "Identificeren"


def test_what_an_import_ignored_is_shown_when_it_is_published(operator):
    """A misspelt column Identificerend was ignored without a word, and every field was then
    forwarded without pseudonymisation (a review): the page says what was ignored, and that
    no field is identifying."""
    upload = SimpleUploadedFile(
        "KNIE_3.0.xlsx", knee_workbook(Bestandsinhoud=_misspelt_identifying)
    )
    page = logged_in(operator).post(
        reverse("portal:dictionary_import"), {"workbook": upload}, follow=True
    )
    text = html.fromstring(page.content).text_content()
    assert "Data dictionary KNIE 3.0 is gepubliceerd." in text
    assert "Let op: Bestandsinhoud, rij 1: onbekende kolom 'Identificeren' genegeerd." in text
    assert (
        "Let op: Bestandsinhoud, kolom Identificerend: geen enkel veld is identificerend: een "
        "veld dat een patiënt identificeert, wordt bij het doorsturen dan niet gepseudonimiseerd."
    ) in text
    clean = SimpleUploadedFile("KNIE_3.1.xlsx", knee_workbook("3.1"))
    page = logged_in(operator).post(
        reverse("portal:dictionary_import"), {"workbook": clean}, follow=True
    )
    assert "Let op" not in html.fromstring(page.content).text_content()


def test_a_refused_import_lists_every_problem_on_the_page(operator):
    def broken(rows):
        rows[3][3] = "getal"
        rows[4][10] = "KANT"

    upload = SimpleUploadedFile("bad.xlsx", knee_workbook(Bestandsinhoud=broken))
    page = logged_in(operator).post(reverse("portal:dictionary_import"), {"workbook": upload})
    text = page.content.decode()
    assert "Bestandsinhoud, rij 4, kolom Datatype" in text
    assert "Bestandsinhoud, rij 5, kolom Referentietabel" in text
    assert not DictionaryVersion.objects.exists()


def test_a_file_that_is_no_workbook_is_refused_in_a_sentence_of_its_own(operator):
    upload = SimpleUploadedFile("KNIE_3.0.xlsx", b"OperatieID,PatientCode\r\n")
    page = logged_in(operator).post(reverse("portal:dictionary_import"), {"workbook": upload})
    assert "Dit is geen Excel-werkmap (.xlsx)" in page.content.decode()
    assert not DictionaryVersion.objects.exists()


def test_a_version_that_takes_away_coming_deadlines_is_published_only_when_confirmed(operator):
    """A version whose schedule makes fewer deadlines than the one before silently emptied
    every institution's Verwacht and reminders (an acceptance review): refused, naming the
    deadlines, until the operator ticks Publish anyway."""
    import datetime as dt

    from django.utils import timezone

    from datahub.schedule import services as schedule

    client = logged_in(operator)
    client.post(
        reverse("portal:dictionary_import"),
        {"workbook": SimpleUploadedFile("KNIE_3.0.xlsx", knee_workbook())},
    )
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    def yearly_from_next_month(rows):
        for row in rows:
            if row[0] == "Geldig vanaf":
                row[1] = first.isoformat()
            if row[0] == "Aanleverfrequentie":
                row[1] = "jaar"

    def post(**extra):
        workbook = knee_workbook("3.1", Aanleverspecificaties_algemeen=yearly_from_next_month)
        upload = SimpleUploadedFile("KNIE_3.1.xlsx", workbook)
        return client.post(reverse("portal:dictionary_import"), {"workbook": upload, **extra})

    coming = schedule.schedules(
        [DictionaryVersion.objects.get().sub_delivery_id], schedule.horizon(today)
    )
    assert len([d for d in next(iter(coming.values())) if d.deadline >= today]) >= 12
    refused = post()
    text = refused.content.decode()
    assert "Aanleverschema: deze versie neemt " in text
    assert " deadline(s) weg die in de komende 366 dagen vallen: " in text
    lapsing = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=14)
    assert f"{lapsing:%d-%m-%Y}" in text  # the month from ``first`` on lapses
    assert 'name="lapse_confirmed"' in text
    assert not DictionaryVersion.objects.filter(version="3.1").exists()

    published = post(lapse_confirmed="on")
    assert published.status_code == 302
    assert DictionaryVersion.objects.filter(version="3.1").exists()


def test_a_version_that_only_moves_deadlines_later_is_published_without_a_question(operator):
    """Its last months' deadlines move beyond the horizon; their periods remain (a review)."""
    import datetime as dt

    from django.utils import timezone

    client = logged_in(operator)
    client.post(
        reverse("portal:dictionary_import"),
        {"workbook": SimpleUploadedFile("KNIE_3.0.xlsx", knee_workbook())},
    )
    first = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    def later_deadlines(rows):
        for row in rows:
            if row[0] == "Geldig vanaf":
                row[1] = first.isoformat()
            if row[0] == "Deadline dagen na periode":
                row[1] = 60

    workbook = knee_workbook("3.1", Aanleverspecificaties_algemeen=later_deadlines)
    response = client.post(
        reverse("portal:dictionary_import"),
        {"workbook": SimpleUploadedFile("KNIE_3.1.xlsx", workbook)},
    )
    assert response.status_code == 302
    assert DictionaryVersion.objects.filter(version="3.1").exists()


def test_the_publish_anyway_box_is_only_offered_after_a_lapse_refusal(operator):
    page = logged_in(operator).get(reverse("portal:dictionary_import"))
    assert 'name="lapse_confirmed"' not in page.content.decode()


def test_only_the_operator_may_import(local_admin):
    upload = SimpleUploadedFile("KNIE_3.0.xlsx", knee_workbook())
    response = logged_in(local_admin).post(
        reverse("portal:dictionary_import"), {"workbook": upload}
    )
    assert response.status_code == 403
    assert not DictionaryVersion.objects.exists()


def test_the_operator_records_participation_and_method_and_it_is_audited(
    operator, institution, cataract
):
    client = logged_in(operator)
    sub = cataract.sub_delivery
    response = client.post(
        reverse("portal:participation"),
        {
            "form": "participation",
            "institution": institution.pk,
            "sub_delivery": sub.pk,
            "since": "2020-01-01",
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("portal:participation"),
        {
            "form": "method",
            "institution": institution.pk,
            "registry": sub.registry.pk,
            "method": "Webportaal",
        },
    )
    client.post(
        reverse("portal:participation"),
        {
            "form": "method",
            "institution": institution.pk,
            "registry": sub.registry.pk,
            "method": "API",
        },
    )
    assert (
        Participation.objects.for_institution(institution).get().since.isoformat() == "2020-01-01"
    )
    assert RegistryMethod.objects.for_institution(institution).get().method == "API"
    changes = AuditEvent.objects.filter(institution=institution).order_by("id")
    assert [e.action for e in changes] == [Action.CREATE, Action.CREATE, Action.CHANGE]
    assert changes.last().detail == {"registry": "Cataract", "from": "Webportaal", "to": "API"}


def test_a_method_the_dictionary_does_not_allow_is_refused(operator, institution, db):
    services.import_workbook(knee_workbook(), "k.xlsx")
    from datahub.dictionaries.models import Registry

    registry = Registry.objects.get(stream="Orthopedie")
    response = logged_in(operator).post(
        reverse("portal:participation"),
        {
            "form": "method",
            "institution": institution.pk,
            "registry": registry.pk,
            "method": "FHIR",
        },
    )
    assert response.status_code == 200
    assert not RegistryMethod.objects.unscoped().exists()


def test_a_local_admin_cannot_change_participation(local_admin, institution, cataract):
    response = logged_in(local_admin).post(
        reverse("portal:participation"),
        {
            "form": "participation",
            "institution": institution.pk,
            "sub_delivery": cataract.sub_delivery.pk,
            "since": "2020-01-01",
        },
    )
    assert response.status_code == 403
    assert not Participation.objects.unscoped().exists()
    with pytest.raises(services.ParticipationError):
        services.set_participation(
            actor=local_admin,
            institution=institution,
            sub_delivery=cataract.sub_delivery,
            since=__import__("datetime").date(2020, 1, 1),
        )


def test_every_role_may_read_the_dictionaries(clinician, processor_user, operator, cataract):
    for user in (clinician, processor_user, operator):
        assert logged_in(user).get(reverse("portal:dictionaries")).status_code == 200


def test_the_stored_workbook_is_kept_as_imported(cataract):
    original = (FIXTURES / "CAT_1.4.xlsx").read_bytes()
    assert bytes(cataract.workbook) == original
    assert io.BytesIO(bytes(cataract.workbook)).read(2) == b"PK"


def test_every_label_of_the_participation_page_names_its_own_field(operator, cataract):
    import re

    page = logged_in(operator).get(reverse("portal:participation")).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert f'id="{target}"' in page, target
    assert 'for="participation_institution"' in page and 'for="method_institution"' in page


def test_the_participation_page_shows_one_institution_or_the_first_rows_of_all(
    operator, institution, other_institution, cataract, monkeypatch
):
    from datahub.portal.views import hub

    monkeypatch.setattr(hub, "SHOWN", 1)
    sub = cataract.sub_delivery
    client = logged_in(operator)
    for who, year in ((institution, "2020"), (other_institution, "2021")):
        response = client.post(
            reverse("portal:participation"),
            {"form": "participation", "institution": who.pk, "sub_delivery": sub.pk,
             "since": f"{year}-01-01"},
        )  # fmt: skip
        # back at the page of the institution just changed
        assert response.url == f"{reverse('portal:participation')}?institution={who.pk}"
    everything = client.get(reverse("portal:participation")).content.decode()
    assert "De eerste 1 van 2 regels" in everything
    ours = client.get(reverse("portal:participation"), {"institution": institution.pk})
    text = ours.content.decode()
    assert "01-01-2020" in text and "01-01-2021" not in text
    assert "De eerste" not in text
    # the forms that change start at the institution shown
    for form in ("participation", "method"):
        select = re.search(f'<select name="institution"[^>]*id="{form}_institution".*?</select>',
                           text, re.S).group(0)  # fmt: skip
        assert f'<option value="{institution.pk}" selected' in select
    theirs = client.get(reverse("portal:participation"), {"institution": other_institution.pk})
    assert "01-01-2021" in theirs.content.decode()
    unknown = client.get(reverse("portal:participation"), {"institution": "x"})
    assert unknown.status_code == 200 and "De eerste 1 van 2 regels" in unknown.content.decode()


def test_dates_and_method_names_in_descriptions_follow_the_reader(operator, institution, cataract):
    import datetime as dt

    from datahub.dictionaries import services

    sub = cataract.sub_delivery
    services.set_participation(
        actor=operator, institution=institution, sub_delivery=sub, since=dt.date(2020, 1, 31)
    )
    services.set_method(
        actor=operator, institution=institution, registry=sub.registry, method="Webportaal"
    )
    texts = {e.message: e.description for e in AuditEvent.objects.exclude(message=None)}
    assert texts["participation {code} {since}–{until}"] == "participation CAT 2020-01-31–"
    assert texts["delivery method {stream}: {old} → {method}"].endswith(": - → Web portal")
    dutch = {e.text for e in AuditEvent.objects.exclude(message=None)}
    assert "deelname CAT 31-01-2020–" in dutch
    assert "aanlevermethode Cataract: - → Webportaal" in dutch


def test_one_decimal_is_singular(submitter):
    services.import_workbook((FIXTURES / "MMYPROMS_2.1.xlsx").read_bytes(), "MMYPROMS_2.1.xlsx")
    client = logged_in(submitter)
    url = reverse("portal:dictionary", args=["MMYPROMS", "2.1"])
    assert "(max. 1 decimaal)" in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert "(max. 1 decimal)" in client.get(url).content.decode()


def test_a_comparison_shows_the_deadlines_one_version_has_and_the_other_not(submitter, db):
    """Two versions of Cataract differ only in their sheet Aanleverschema (and validity)."""
    import datetime as dt
    from dataclasses import replace

    from datahub.validation import ScheduleEntry, load_dictionary, write_workbook

    services.import_workbook((FIXTURES / "CAT_1.4.xlsx").read_bytes(), "CAT_1.4.xlsx")
    base = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
    kept, dropped = base.schedule[0], base.schedule[-1]
    newer = replace(
        base.with_general(version="1.5", valid_from=dt.date(2022, 1, 1)),
        schedule=(*base.schedule[:-1], ScheduleEntry("TOTAAL", dt.date(2023, 2, 10))),
    )
    buffer = io.BytesIO()
    write_workbook(newer, buffer)
    services.import_workbook(buffer.getvalue(), "CAT_1.5.xlsx")
    page = text_of(
        logged_in(submitter).get(
            reverse("portal:dictionary_compare", args=["CAT"]), {"van": "1.4", "naar": "1.5"}
        )
    )
    assert "+ toegevoegd TOTAAL 10-02-2023" in page
    assert f"− verwijderd {dropped.period} {dropped.deadline:%d-%m-%Y}" in page
    assert f"{kept.period} {kept.deadline:%d-%m-%Y}" not in page


@pytest.mark.parametrize(
    ("language", "value", "text"),
    [("nl", 50.0, "50 %"), ("nl", 12.5, "12,5 %"), ("en", 12.5, "12.5 %"), ("nl", 0.0, "0 %")],
)
def test_a_rejection_threshold_is_written_as_people_write_it(language, value, text):
    from django.utils import translation

    from datahub.dictionaries.labels import threshold_text

    with translation.override(language):
        assert threshold_text(value) == text
