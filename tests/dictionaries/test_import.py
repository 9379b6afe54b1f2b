"""Importing data dictionaries: the samples, a never-seen registry, and every refusal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from datahub.audit.models import Action, AuditEvent
from datahub.dictionaries import services
from datahub.dictionaries.models import DictionaryVersion, Registry, SubDelivery
from datahub.validation import load_dictionary
from tests.dictionaries.workbooks import knee_sheets, knee_workbook, workbook_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "datahub" / "fixtures" / "dictionaries"
SAMPLES = ["CAT_1.4.xlsx", "MMYIKNL_2.1.xlsx", "MMYPROMS_2.1.xlsx"]


@pytest.mark.parametrize("name", SAMPLES)
def test_each_sample_dictionary_imports(db, name):
    version = services.import_workbook((FIXTURES / name).read_bytes(), name)
    assert f"{version.sub_delivery.code}_{version.version}.xlsx" == name
    assert version.dictionary.fields


def test_the_two_mmy_sub_deliveries_share_one_registry(db):
    for name in SAMPLES[1:]:
        services.import_workbook((FIXTURES / name).read_bytes(), name)
    registry = Registry.objects.get(stream="MMY")
    assert sorted(registry.sub_deliveries.values_list("code", flat=True)) == ["MMYIKNL", "MMYPROMS"]


def test_a_registry_the_code_has_never_seen_imports_and_is_audited(operator):
    version = services.import_workbook(knee_workbook(), "KNIE_3.0.xlsx", actor=operator)
    assert version.sub_delivery.registry.stream == "Orthopedie"
    assert version.frequency == "maand"
    assert [f.name for f in version.dictionary.fields] == [
        "IngreepNr",
        "Patient",
        "Ingreepdatum",
        "Zijde",
        "BMI",
    ]
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert event.actor == operator
    assert event.object_id == str(version.pk)


def test_a_published_version_is_immutable_and_cannot_be_imported_twice(db):
    version = services.import_workbook(knee_workbook(), "k.xlsx")
    with pytest.raises(ValueError, match="immutable"):
        version.save()
    with pytest.raises(services.ImportRefused, match="bestaat al"):
        services.import_workbook(knee_workbook(), "k.xlsx")
    assert DictionaryVersion.objects.count() == 1


def test_a_new_version_is_a_new_row(db):
    services.import_workbook(knee_workbook("3.0"), "k.xlsx")
    services.import_workbook(knee_workbook("3.1"), "k.xlsx")
    assert list(
        SubDelivery.objects.get(code="KNIE")
        .versions.order_by("version")
        .values_list("version", flat=True)
    ) == ["3.0", "3.1"]


def _refusal(data: bytes) -> list[str]:
    with pytest.raises(services.ImportRefused) as refused:
        services.import_workbook(data, "x.xlsx")
    return refused.value.messages("nl")


def _edit(sheet: str, row: int, column: int, value: object):
    def edit(rows: list[list[object]]) -> None:
        rows[row][column] = value

    return {sheet.replace(" ", "_"): edit}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (_edit("Bestandsinhoud", 3, 3, "getal"), "Bestandsinhoud, rij 4, kolom Datatype"),
        (_edit("Bestandsinhoud", 4, 10, "KANT"), "Bestandsinhoud, rij 5, kolom Referentietabel"),
        (_edit("Validaties", 1, 2, "BMI <<< 60"), "Validaties, rij 2, kolom Controle"),
        (_edit("Validaties", 1, 2, "Lengte < 60"), "Validaties, rij 2, kolom Controle"),
        (_edit("Bestandsinhoud", 2, 1, "IngreepNr"), "Bestandsinhoud, rij 3, kolom Veldnaam"),
        (_edit("Voorbeeld bestandsinhoud", 1, 3, "X"), "Voorbeeld bestandsinhoud, rij 2"),
        (
            _edit("Aanleverspecificaties algemeen", 14, 1, "IngreepNr, Onbekend"),
            "Aanleverspecificaties algemeen, rij 15",
        ),
    ],
    ids=[
        "unknown-datatype",
        "missing-reference-table",
        "unparsable-rule",
        "rule-with-unknown-field",
        "duplicate-field",
        "failing-example",
        "unknown-report-field",
    ],
)
def test_a_broken_dictionary_is_refused_naming_sheet_row_and_column(db, change, where):
    messages = _refusal(knee_workbook(**change))
    assert any(m.startswith(where) for m in messages), messages
    assert DictionaryVersion.objects.count() == 0
    assert Registry.objects.count() == 0


def test_a_missing_sheet_is_refused(db):
    sheets = knee_sheets()
    del sheets["Bestandsinhoud"]
    messages = _refusal(workbook_bytes(sheets))
    assert any("Bestandsinhoud" in m for m in messages)


@pytest.mark.parametrize(
    "data",
    [
        b"not a workbook at all",
        b"PK\x03\x04broken zip",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
    ],
    ids=["text", "broken-zip", "encrypted-ole"],
)
def test_a_file_that_is_not_a_usable_workbook_is_refused_clearly(db, data):
    messages = _refusal(data)
    assert messages
    assert DictionaryVersion.objects.count() == 0


def test_a_huge_file_is_refused_before_it_is_opened(db, monkeypatch):
    monkeypatch.setattr(services, "MAX_WORKBOOK_BYTES", 1000)
    assert "groter dan" in _refusal(knee_workbook())[0]


def test_export_round_trips_to_the_same_dictionary(db):
    for name in SAMPLES:
        version = services.import_workbook((FIXTURES / name).read_bytes(), name)
        again = load_dictionary(services.export_workbook(version))
        assert again.to_dict() == version.dictionary.to_dict()


def test_the_cli_imports_and_refuses_with_every_problem(db, tmp_path):
    good = tmp_path / "KNIE_3.0.xlsx"
    good.write_bytes(knee_workbook())
    call_command("import_dictionary", str(good))
    assert DictionaryVersion.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(knee_workbook("4.0", **_edit("Bestandsinhoud", 3, 3, "getal")))
    with pytest.raises(CommandError, match="Bestandsinhoud, row 4, column Datatype"):
        call_command("import_dictionary", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_dictionary", str(tmp_path / "missing.xlsx"))


def test_the_cli_names_what_it_ignored(db, tmp_path):
    def misspelt(rows):
        rows[0][rows[0].index("Identificerend")] = "Identificeren"

    path = tmp_path / "KNIE_3.0.xlsx"
    path.write_bytes(knee_workbook(Bestandsinhoud=misspelt))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_dictionary", str(path), stdout=out, stderr=err)
    assert out.getvalue().startswith("Imported KNIE 3.0")
    assert err.getvalue().splitlines() == [
        "Warning: Bestandsinhoud, row 1: unknown column 'Identificeren' ignored",
        "Warning: Bestandsinhoud, column Identificerend: no field is identifying: a field that "
        "identifies a patient is then not pseudonymised when the data are forwarded",
    ]


def test_a_version_without_geldig_vanaf_is_refused_with_a_message(db):
    def drop_valid_from(rows: list[list[object]]) -> None:
        rows[:] = [row for row in rows if row[0] != "Geldig vanaf"]

    messages = _refusal(knee_workbook("3.0", Aanleverspecificaties_algemeen=drop_valid_from))
    assert messages == [
        "Aanleverspecificaties algemeen: Geldig vanaf ontbreekt; de hub moet weten vanaf wanneer "
        "deze versie mag worden aangeleverd."
    ]
    assert not DictionaryVersion.objects.exists()


def _general(name: str, value: object):
    def edit(rows: list[list[object]]) -> None:
        for row in rows:
            if row[0] == name:
                row[1] = value

    return {"Aanleverspecificaties_algemeen": edit}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("Aanleverstroom", "", "Aanleverspecificaties algemeen: Aanleverstroom ontbreekt"),
        ("Naam", " ", "Aanleverspecificaties algemeen: Naam ontbreekt"),
        ("Deelaanlevering", "", "Aanleverspecificaties algemeen: Deelaanlevering ontbreekt"),
        ("Aanleverfrequentie", "", "Aanleverfrequentie ontbreekt; zonder frequentie wordt nooit"),
        ("Geldig vanaf", "0999-01-01", "Geldig vanaf: 0999-01-01 ligt niet tussen 1900 en 9998"),
        ("Geldig tot", "9999-12-31", "Geldig tot: 9999-12-31 ligt niet tussen 1900 en 9998"),
        ("Deadline dagen na periode", 3_000_000, "mag niet meer dan 3650 zijn"),
    ],
)
def test_what_the_hub_needs_of_a_workbook_is_refused_when_missing_or_absurd(
    db, name, value, message
):
    """A stream-less workbook merged unrelated registries into one (a processor of one would
    get the other's data); absurd dates and deadlines made the schedule pages a 500."""
    messages = _refusal(knee_workbook("3.0", **_general(name, value)))
    assert any(message in m for m in messages), messages
    assert not DictionaryVersion.objects.exists() and not Registry.objects.exists()


@pytest.mark.parametrize("expression", [" OR ".join(["BMI = 1"] * 200), "NULL OR BMI < 60"])
def test_a_rule_the_engine_could_not_use_is_refused_or_imported_not_a_crash(db, expression):
    from tests.dictionaries.workbooks import knee_workbook

    def rule(rows):
        rows[1][2] = expression

    workbook = knee_workbook(Validaties=rule)
    if expression.startswith("NULL"):  # never fires: imported
        assert services.import_workbook(workbook, "KNIE_3.0.xlsx").version == "3.0"
    else:
        with pytest.raises(services.ImportRefused, match="te lang of te diep genest"):
            services.import_workbook(workbook, "KNIE_3.0.xlsx")


def test_the_cli_publishes_a_version_that_takes_away_deadlines_only_when_told(db, tmp_path):
    """A version ending the schedule (valid from tomorrow, deadlines made only by an
    Aanleverschema of the past) lapses the monthly deadlines to come."""
    import datetime as dt

    from django.utils import timezone

    first = tmp_path / "KNIE_3.0.xlsx"
    first.write_bytes(knee_workbook())
    call_command("import_dictionary", str(first))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    def totaal_from_tomorrow(rows):
        for row in rows:
            if row[0] == "Geldig vanaf":
                row[1] = tomorrow.isoformat()
            if row[0] == "Aanleverfrequentie":
                row[1] = "totaal"

    sheets = knee_sheets("3.1")
    totaal_from_tomorrow(sheets["Aanleverspecificaties algemeen"])
    sheets["Aanleverschema"] = [["Periode", "Deadline"], ["TOTAAL", "2024-03-01"]]
    second = tmp_path / "KNIE_3.1.xlsx"
    second.write_bytes(workbook_bytes(sheets))
    with pytest.raises(CommandError, match=r"takes away \d+ deadline") as refused:
        call_command("import_dictionary", str(second))
    assert "--publish-anyway" in str(refused.value)
    assert DictionaryVersion.objects.count() == 1
    call_command("import_dictionary", str(second), "--publish-anyway")
    assert DictionaryVersion.objects.count() == 2
