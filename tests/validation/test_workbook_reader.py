"""Reading dictionary workbooks: the samples, Excel cell types, lenient names, warnings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from datahub.validation import DataDictionary, load_dictionary

from .helpers import hip_sheets, write_sheets


def test_the_cataract_sample_is_read_with_proper_types(cat: DataDictionary) -> None:
    g = cat.general
    assert (g.code, g.version, g.frequency) == ("CAT", "1.4", "totaal")
    assert g.valid_from == dt.date(2020, 1, 1) and g.valid_to is None
    assert g.rejection_percentage == 50.0
    assert g.formats == ("csv", "xml")
    assert g.methods == ("Webportaal", "API", "FHIR", "Invoerportaal")
    assert g.report_fields == ("OperatieID", "Operatiedatum", "PatientCode", "ODS")
    assert cat.field_names[:3] == ("OperatieID", "PatientCode", "Geboortejaar")
    vaccpre = cat.field("VaCCPre")
    assert (vaccpre.decimals, vaccpre.minimum, vaccpre.maximum) == (3, "0", "3")
    assert cat.field("Streefrefractie").minimum == "-10"
    assert cat.field("PatientCode").identifying is True
    assert len(cat.rules) == 6 and cat.rules[4].level == "waarschuwing"
    assert cat.examples[0][2] == "1948"
    assert cat.schedule[0].deadline == dt.date(2020, 4, 10)


def test_the_myeloma_samples_read_numbers_as_integers(iknl: DataDictionary, proms) -> None:
    assert iknl.general.deadline_days == 32
    assert iknl.general.rejection_percentage is None
    assert iknl.general.key_fields == ("PatientCode", "Behandellijn")
    assert iknl.examples[0][6] == "1"
    assert proms.rules == ()
    assert proms.field("Taal").format == "[a-z]{2}"


def test_sheet_and_column_names_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    sheets = hip_sheets()
    renamed = {
        (title.upper() if len(title) > 25 else f" {title.upper()} "): rows
        for title, rows in sheets.items()
    }
    renamed[" BESTANDSINHOUD "][0] = [f" {c.lower()} " for c in sheets["Bestandsinhoud"][0]]
    dictionary = load_dictionary(write_sheets(tmp_path / "x.xlsx", renamed))
    assert dictionary.general.code == "HEUP"
    assert dictionary.field("Gewicht").decimals == 1


def test_unknown_sheets_columns_and_properties_become_warnings(tmp_path: Path) -> None:
    sheets = hip_sheets()
    sheets["Toelichting"] = [["iets"]]
    sheets["Bestandsinhoud"][0].append("Kleur")
    sheets["Aanleverspecificaties algemeen"].append(["Contactpersoon", "Jan"])
    dictionary = load_dictionary(write_sheets(tmp_path / "x.xlsx", sheets))
    assert [w.message("nl") for w in dictionary.warnings] == [
        "Bestandsinhoud, rij 1: onbekende kolom 'Kleur' genegeerd",
        "Onbekend tabblad 'Toelichting' genegeerd",
        f"Aanleverspecificaties algemeen, rij {len(sheets['Aanleverspecificaties algemeen'])}, "
        "kolom Kenmerk: onbekend kenmerk 'Contactpersoon' genegeerd",
    ]
    assert (
        dictionary.warnings[0].message("en")
        == "Bestandsinhoud, row 1: unknown column 'Kleur' ignored"
    )
    # kept in the stored form, also as stored before they were located
    stored = dictionary.to_dict()
    assert DataDictionary.from_dict(stored).warnings == dictionary.warnings
    legacy = DataDictionary.from_dict(stored | {"warnings": ["onbekend tabblad 'X' genegeerd"]})
    assert [w.message("en") for w in legacy.warnings] == ["Onbekend tabblad 'X' genegeerd"]


def test_excel_dates_and_numbers_are_understood(tmp_path: Path) -> None:
    sheets = hip_sheets()
    general = sheets["Aanleverspecificaties algemeen"]
    general[6][1] = dt.datetime(2021, 2, 1)
    general[5][1] = 3.5
    sheets["Aanleverschema"][1][1] = dt.date(2021, 5, 15)
    sheets["Voorbeeld bestandsinhoud"][1][1] = dt.datetime(2021, 3, 2)
    sheets["Voorbeeld bestandsinhoud"][1][3] = dt.datetime(2021, 3, 2, 10, 15)
    dictionary = load_dictionary(write_sheets(tmp_path / "x.xlsx", sheets))
    assert dictionary.general.valid_from == dt.date(2021, 2, 1)
    assert dictionary.general.version == "3.5"
    assert dictionary.schedule[0].deadline == dt.date(2021, 5, 15)
    assert dictionary.examples[0][1] == "2021-03-02"
    assert dictionary.examples[0][3] == "2021-03-02T10:15:00"


def test_a_workbook_can_be_read_from_bytes_and_streams(hip_path: Path, hip) -> None:
    assert load_dictionary(hip_path.read_bytes()) == hip
    with hip_path.open("rb") as stream:
        assert load_dictionary(stream) == hip


def test_a_cell_merged_down_a_column_counts_for_every_row_it_covers(tmp_path: Path) -> None:
    """A table's name merged over its codes, as a registry may lay out its workbook; a
    header merged over two columns stays one column."""
    from openpyxl import load_workbook

    sheets = hip_sheets()
    for row in sheets["Referentietabellen"][2:4]:  # ZIJDE only on its first row
        row[0] = None
    sheets["Referentietabellen"][0].append(None)
    path = write_sheets(tmp_path / "x.xlsx", sheets)
    workbook = load_workbook(path)
    workbook["Referentietabellen"].merge_cells("A2:A4")
    workbook["Referentietabellen"].merge_cells("C1:D1")
    workbook.save(path)
    dictionary = load_dictionary(path)
    assert dictionary.table("ZIJDE").codes == ("L", "R", "B")
    assert dictionary.table("DOSIS").codes == ("0.5", "1.0", "2")
