"""The records of a file that is only counted are those the reader's tokenizer reads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datahub.validation import _record_count
from datahub.validation._csv import tokenize
from datahub.validation._record_count import RecordCounter


def tokenized(text: str) -> int:
    return sum(not record.empty for record in tokenize(text, 1))


def counted(data: bytes, cuts: list[int], separator: bytes = b",") -> int:
    counter = RecordCounter(separator)
    start = 0
    for cut in sorted({min(c, len(data)) for c in cuts}):
        counter.feed(data[start:cut])
        start = cut
    counter.feed(data[start:])
    return counter.total()


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet='ab,"\n\r \t', max_size=40),
    st.lists(st.integers(min_value=0, max_value=40), max_size=4),
)
def test_the_count_is_the_tokenizers_however_the_file_is_cut_into_blocks(
    text: str, cuts: list[int]
) -> None:
    assert counted(text.encode(), cuts) == tokenized(text)


@pytest.mark.parametrize(
    ("data", "records"),
    [
        (b'a"b,"c\nd\ne\n', 3),  # a quote inside a plain value opens nothing after it either
        (b'"a"b,"c\nd"\n', 2),  # text after a quoted value: the record ends with its line
        (b'"a\nb"\n"c\n', 2),  # a quote never closed: its line alone
        (b'1,"a\n\nb"\n  \n2\n', 2),  # empty lines inside a quoted value are in it
    ],
)
def test_broken_quoting_ends_the_record_at_its_line(data: bytes, records: int) -> None:
    assert tokenized(data.decode()) == records
    assert [counted(data, [cut]) for cut in range(len(data) + 1)] == [records] * (len(data) + 1)


def test_another_separator_is_the_start_of_a_value() -> None:
    data = b'1;"a\nb";x\n2;12"\n3 "inch"\n'
    assert counted(data, [], b";") == 3
    assert counted(data, [], b",") == tokenized(data.decode()) == 4  # with commas: four lines


def test_a_quote_open_past_the_longest_record_is_read_as_never_closed(monkeypatch) -> None:
    monkeypatch.setattr(_record_count, "MAX_CARRIED", 10)
    data = b'1,"a\n' + b"b\n" * 20 + b'"\n'
    assert counted(data, list(range(0, len(data), 4))) == 22  # each line a record
    monkeypatch.setattr(_record_count, "MAX_CARRIED", 1000)
    assert counted(data, list(range(0, len(data), 4))) == 1


def test_a_long_line_is_not_carried_whole_from_block_to_block() -> None:
    """A line of a GB without a line end was carried and searched again with every block:
    145 s and 3 GB for a file of 1 GiB (a review)."""
    counter = RecordCounter(b";")
    for block in (b"1;" + b"x" * 100_000, *[b"x" * 100_000] * 20, b';"a\nb"\n  ', b" " * 50_000):
        counter.feed(block)
        assert len(counter._open) <= 1024
    counter.feed(b"\n2\n")
    assert counter.total() == 2


@pytest.mark.parametrize("size", [1, 3, 4, 7, 1000])
@pytest.mark.parametrize(
    "data",
    [b'a"b' + b"x" * 30 + b"\n2\n", b",".join(b'"%c"' % c for c in b"abcdefgh") + b"\n2\n"],
)
def test_a_record_longer_than_is_carried_is_counted_once(monkeypatch, data, size) -> None:
    """It was counted again for every part of its line past the limit (a review)."""
    monkeypatch.setattr(_record_count, "MAX_CARRIED", 10)
    assert counted(data, list(range(size, len(data), size))) == tokenized(data.decode()) == 2


def test_runs_of_closed_lines_are_charged_to_the_budget(monkeypatch) -> None:
    """Lines with closed quotes between lines without took a Python step each, unbounded."""
    monkeypatch.setattr(_record_count, "WALK_BUDGET", 20)
    counter = RecordCounter(b";")
    counter.feed(b'1;"a;b"\n2;x\n' * 100)
    assert counter.total() == 200
    assert counter.budget <= 0


def test_a_line_of_tabs_in_a_file_separated_by_tabs_is_a_record() -> None:
    assert counted(b"1\t2\n\t\n3\t4\n", [], b"\t") == 3
    assert counted(b"1,2\n\t\n3,4\n", []) == 2  # (elsewhere a tab is a blank)
