"""Workbooks the tests build: a registry the code has never seen, and broken variants of it."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook


def knee_sheets(version: str = "3.0") -> dict[str, list[list[Any]]]:
    """A made-up knee registry: other fields, types, rules and a monthly schedule."""
    return {
        "Aanleverspecificaties algemeen": [
            ["Kenmerk", "Waarde"],
            ["Code", "KNIE"],
            ["Naam", "Knieregistratie"],
            ["Aanleverstroom", "Orthopedie"],
            ["Deelaanlevering", "Knie"],
            ["Versie", version],
            ["Geldig vanaf", "2024-01-01"],
            ["Geldig tot", ""],
            ["Aanleverfrequentie", "maand"],
            ["Deadline dagen na periode", 14],
            ["Bestandsformaten", "csv"],
            ["Aanlevermethoden", "Webportaal, API"],
            ["Sleutelvelden", "IngreepNr"],
            ["Rapportvelden", "IngreepNr, Ingreepdatum"],
            ["Periodeveld", "Ingreepdatum"],
            ["Afkeurpercentage", 20],
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
            ],
            [
                1,
                "IngreepNr",
                "Nummer van de ingreep",
                "tekst",
                "ja",
                12,
                None,
                "K[0-9]+",
                None,
                None,
                None,
                "nee",
            ],
            [2, "Patient", "Patientnummer", "tekst", "ja", 20, None, None, None, None, None, "ja"],
            [3, "Ingreepdatum", "Datum", "datum", "ja", None, None, None, None, None, None, "nee"],
            [
                4,
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
            ],
            [5, "BMI", "Body mass index", "decimaal", "nee", None, 1, None, 10, 70, None, "nee"],
        ],
        "Validaties": [
            ["Foutcode", "Veld", "Controle", "Niveau", "Omschrijving"],
            ["K01", "BMI", "BMI < 60", "waarschuwing", "BMI {waarde} is erg hoog"],
        ],
        "Referentietabellen": [
            ["Tabel", "Code", "Omschrijving"],
            ["ZIJDE", "L", "Links"],
            ["ZIJDE", "R", "Rechts"],
        ],
        "Voorbeeld bestandsinhoud": [
            ["IngreepNr", "Patient", "Ingreepdatum", "Zijde", "BMI"],
            ["K1", "P1", "2024-02-03", "L", "27.5"],
        ],
    }


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def knee_workbook(version: str = "3.0", **changes: Any) -> bytes:
    sheets = knee_sheets(version)
    for sheet, edit in changes.items():
        edit(sheets[sheet.replace("_", " ")])
    return workbook_bytes(sheets)
