"""The dictionary model and its stored (JSON) form."""

from __future__ import annotations

import json

import pytest

from datahub.validation import DataDictionary, DictionaryError, load_stored_dictionary


@pytest.mark.parametrize("name", ["cat", "iknl", "proms", "hip"])
def test_the_stored_form_round_trips_exactly_through_json(name: str, request) -> None:
    dictionary: DataDictionary = request.getfixturevalue(name)
    stored = json.loads(json.dumps(dictionary.to_dict()))
    again = DataDictionary.from_dict(stored)
    assert again == dictionary
    assert again.to_dict() == dictionary.to_dict()


def test_a_stored_dictionary_is_checked_like_a_workbook(cat: DataDictionary) -> None:
    data = cat.to_dict()
    data["fields"][3]["datatype"] = "kleur"
    with pytest.raises(DictionaryError) as raised:
        load_stored_dictionary(data)
    assert [p.column for p in raised.value.problems] == ["Datatype"]
    assert "kleur" in raised.value.problems[0].nl


def test_garbage_is_not_a_stored_dictionary() -> None:
    with pytest.raises(DictionaryError) as raised:
        load_stored_dictionary(b"{not json")
    assert "opgeslagen" in str(raised.value)


def test_lookups_by_name(cat: DataDictionary) -> None:
    assert cat.field("VaCCPO").reference_table == "VISUS"
    assert "1.0" in cat.table("VISUS").codes
    with pytest.raises(KeyError):
        cat.field("Bestaat niet")
