"""Writing dictionaries back to the workbook format: load -> write -> load is lossless."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from datahub.validation import DataDictionary, load_dictionary, write_workbook


@pytest.mark.parametrize("name", ["cat", "iknl", "proms", "hip"])
def test_load_write_load_gives_an_equal_dictionary(name: str, request, tmp_path: Path) -> None:
    dictionary: DataDictionary = request.getfixturevalue(name)
    path = tmp_path / "out.xlsx"
    write_workbook(dictionary, path)
    assert load_dictionary(path) == dictionary
    stream = io.BytesIO()
    write_workbook(dictionary, stream)
    assert load_dictionary(stream.getvalue()) == dictionary


def test_the_written_workbook_has_the_spec_sheets_and_text_versions(cat: DataDictionary) -> None:
    stream = io.BytesIO()
    write_workbook(cat, stream)
    stream.seek(0)
    workbook = CalamineWorkbook.from_filelike(stream)
    assert workbook.sheet_names == [
        "Aanleverspecificaties algemeen",
        "Bestandsinhoud",
        "Validaties",
        "Referentietabellen",
        "Voorbeeld bestandsinhoud",
        "Aanleverschema",
    ]
    general = dict(workbook.get_sheet_by_name("Aanleverspecificaties algemeen").to_python()[1:])
    assert general["Versie"] == "1.4"


def test_values_a_number_cell_would_change_are_written_as_text(hip, tmp_path: Path) -> None:
    """An Afkeurpercentage of 0.5 was written as a number and then refused when read back; a
    limit of 20 digits came back as 100000000000000000000 and -0 as 0."""
    from dataclasses import replace

    fields = tuple(
        replace(f, minimum="-0", maximum="99999999999999999999") if f.name == "Pijnscore" else f
        for f in hip.fields
    )
    general = replace(hip.general, rejection_percentage=0.5)
    dictionary = replace(hip, general=general, fields=fields)
    path = tmp_path / "HEUP_3.xlsx"
    write_workbook(dictionary, path)
    assert load_dictionary(path) == dictionary


def test_control_characters_and_escape_like_text_survive_the_round_trip(hip) -> None:
    """A control character (read from Excel's _x0001_) made writing fail, and text that looks
    like such an escape (L_x0031_) came back as L1."""
    from dataclasses import replace

    fields = tuple(
        replace(f, description="Patiënt\x01nummer _x0041_x0042_ letterlijk") if f.order == 1 else f
        for f in hip.fields
    )
    dictionary = replace(hip, fields=fields)
    buffer = io.BytesIO()
    write_workbook(dictionary, buffer)
    assert load_dictionary(buffer.getvalue()) == dictionary


def test_limits_with_leading_zeros_and_huge_orders_survive_the_round_trip(hip) -> None:
    """A limit 010 came back as 10 (the 015 message with it), a Volgorde past 2**53 changed."""
    from dataclasses import replace

    fields = tuple(
        replace(f, minimum="00", maximum="010")
        if f.name == "Pijnscore"
        else replace(f, order=10**22)
        if f.name == "Opmerking"
        else f
        for f in hip.fields
    )
    dictionary = replace(hip, fields=fields)
    buffer = io.BytesIO()
    write_workbook(dictionary, buffer)
    again = load_dictionary(buffer.getvalue())
    assert again == dictionary
    assert (again.field("Pijnscore").minimum, again.field("Opmerking").order) == ("00", 10**22)
