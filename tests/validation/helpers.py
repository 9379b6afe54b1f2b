"""Shared helpers: sample rows, CSV building, a made-up registry's workbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from datahub.validation import DataDictionary, Report, validate_file

FIXTURES = Path(__file__).resolve().parents[2] / "datahub" / "fixtures" / "dictionaries"

CAT_ROW: dict[str, str] = {
    "OperatieID": "11000523",
    "PatientCode": "1100055508",
    "Geboortejaar": "1948",
    "Geslacht": "2",
    "Operatiedatum": "2020-11-01",
    "ODS": "OD",
    "EersteTweedeOog": "1",
    "Comorbiditeit": "0",
    "VaCCPre": "0.4",
    "Streefrefractie": "-0.25",
    "Techniek": "1",
    "Anesthesie": "1",
    "IOLType": "1",
    "PerOpComplicatie": "0",
    "ControleDatum": "2020-11-29",
    "VaCCPO": "0.8",
    "SEPO": "-0.5",
    "PostOpComplicatie": "0",
    "Opmerking": "",
}

HIP_ROW: dict[str, str] = {
    "PatientID": "P00001",
    "Opnamedatum": "2021-03-02",
    "Ontslagdatum": "2021-03-06",
    "Tijdstip": "2021-03-02T10:15:00",
    "Zijde": "L",
    "Gewicht": "72.5",
    "Pijnscore": "3",
    "Dosis": "0.5",
    "Opmerking": "",
}


def cat_row(number: int = 1, **changes: str) -> dict[str, str]:
    """A valid Cataract record with a unique OperatieID, with ``changes`` applied."""
    row = dict(CAT_ROW, OperatieID=str(11000000 + number))
    row.update(changes)
    return row


def hip_row(number: int = 1, **changes: str) -> dict[str, str]:
    """A valid record of the made-up hip registry."""
    row = dict(HIP_ROW, PatientID=f"P{number:05d}")
    row.update(changes)
    return row


def quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_bytes(
    names: Sequence[str], rows: Iterable[Mapping[str, str]], *, newline: str = "\n"
) -> bytes:
    """A CSV file (header + rows) as bytes."""
    lines = [",".join(names)]
    lines += [",".join(quote(row.get(n, "")) for n in names) for row in rows]
    return (newline.join(lines) + newline).encode("utf-8")


def validate_rows(
    dictionary: DataDictionary, rows: Iterable[Mapping[str, str]], **options: Any
) -> Report:
    """Validate ``rows`` as a CSV file."""
    data = csv_bytes(dictionary.field_names, rows)
    return validate_file(dictionary, data, file_name="test.csv", **options)


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


def found(report: Report, code: str) -> list[tuple[int | None, str | None]]:
    """(record, field) of every finding with ``code``."""
    return [(f.record, f.field) for f in report.findings if f.code == code]


# -- the made-up registry ---------------------------------------------------------------------

HIP_SHEETS: dict[str, list[list[Any]]] = {
    "Aanleverspecificaties algemeen": [
        ["Kenmerk", "Waarde"],
        ["Code", "HEUP"],
        ["Naam", "Heupprothese registratie"],
        ["Aanleverstroom", "Orthopedie"],
        ["Deelaanlevering", "Heup"],
        ["Versie", 3],
        ["Geldig vanaf", "2021-01-01"],
        ["Geldig tot", "2030-12-31"],
        ["Aanleverfrequentie", "kwartaal"],
        ["Deadline dagen na periode", 45],
        ["Bestandsformaten", "csv, xml"],
        ["Aanlevermethoden", "Webportaal, API"],
        ["Sleutelvelden", "PatientID, Zijde"],
        ["Rapportvelden", "PatientID, Opnamedatum, Zijde"],
        ["Periodeveld", "Opnamedatum"],
        ["Afkeurpercentage", 30],
        ["FHIR resource", "Procedure"],
    ],
    "Bestandsinhoud": [
        [
            "Volgorde",
            "Veldnaam",
            "Omschrijving",
            "Datatype",
            "Verplicht",
            "Lengte",
            "Decimalen",
            "Formaat",
            "Minimum",
            "Maximum",
            "Referentietabel",
            "Identificerend",
            "FHIRPath",
        ],
        [
            1,
            "PatientID",
            "Patientnummer",
            "tekst",
            "ja",
            6,
            None,
            "P[0-9]{5}",
            None,
            None,
            None,
            "ja",
            "subject.identifier.value",
        ],
        [
            2,
            "Opnamedatum",
            "Datum opname",
            "datum",
            "ja",
            None,
            None,
            None,
            "2000-01-01",
            None,
            None,
            "nee",
            None,
        ],
        [
            3,
            "Ontslagdatum",
            "Datum ontslag",
            "datum",
            "nee",
            None,
            None,
            None,
            None,
            None,
            None,
            "nee",
            None,
        ],
        [
            4,
            "Tijdstip",
            "Start operatie",
            "datumtijd",
            "nee",
            None,
            None,
            None,
            None,
            None,
            None,
            "nee",
            None,
        ],
        [
            5,
            "Zijde",
            "Links of rechts",
            "code",
            "ja",
            None,
            None,
            None,
            None,
            None,
            "ZIJDE",
            "nee",
            None,
        ],
        [
            6,
            "Gewicht",
            "Gewicht in kg",
            "decimaal",
            "ja",
            None,
            1,
            None,
            20,
            300,
            None,
            "nee",
            None,
        ],
        [
            7,
            "Pijnscore",
            "Pijn 0-10",
            "geheel getal",
            "nee",
            None,
            None,
            None,
            0,
            10,
            None,
            "nee",
            None,
        ],
        [
            8,
            "Dosis",
            "Dosis in mg",
            "decimaal",
            "nee",
            None,
            2,
            None,
            None,
            None,
            "DOSIS",
            "nee",
            None,
        ],
        [
            9,
            "Opmerking",
            "Vrije tekst",
            "tekst",
            "nee",
            20,
            None,
            None,
            None,
            None,
            None,
            "nee",
            None,
        ],
    ],
    "Validaties": [
        ["Foutcode", "Veld", "Controle", "Niveau", "Omschrijving"],
        [
            "H01",
            "Ontslagdatum",
            "DATEDIFF(Ontslagdatum, Opnamedatum) >= 0",
            "fout",
            "Ontslagdatum {waarde} ligt voor de opnamedatum {Opnamedatum}",
        ],
        [
            "H02",
            "Pijnscore",
            "Pijnscore < 8 OR Opmerking IS NOT NULL",
            "waarschuwing",
            "Pijnscore {waarde} zonder toelichting",
        ],
        [
            "H03",
            "Gewicht",
            "Gewicht < 250",
            "afkeur",
            "Gewicht {waarde} is onmogelijk; de aanlevering wordt afgekeurd",
        ],
        [
            "H04",
            "Zijde",
            "UPPER(Zijde) IN ('L', 'R') AND LENGTH(PatientID) = 6",
            "fout",
            "Zijde {waarde} past niet bij patient {PatientID}",
        ],
    ],
    "Referentietabellen": [
        ["Tabel", "Code", "Omschrijving"],
        ["ZIJDE", "L", "Links"],
        ["ZIJDE", "R", "Rechts"],
        ["ZIJDE", "B", "Beide"],
        ["DOSIS", "0.5", "Laag"],
        ["DOSIS", "1.0", "Normaal"],
        ["DOSIS", "2", "Hoog"],
    ],
    "Voorbeeld bestandsinhoud": [
        list(HIP_ROW),
        list(HIP_ROW.values()),
        ["P00002", "2021-04-01", None, None, "R", 80, 9, None, "veel pijn na val"],
    ],
    "Aanleverschema": [
        ["Periode", "Deadline"],
        ["2021K1", "2021-05-15"],
    ],
}


def write_sheets(path: Path, sheets: Mapping[str, list[list[Any]]]) -> Path:
    """Write ``sheets`` (title -> rows) as an .xlsx workbook with openpyxl."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def hip_sheets() -> dict[str, list[list[Any]]]:
    """A deep copy of the made-up registry's sheets, to mutate in a test."""
    return {title: [list(row) for row in rows] for title, rows in HIP_SHEETS.items()}
