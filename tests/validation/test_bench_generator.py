"""The benchmark's generator injects every kind of error, and the engine finds each one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.generate import KINDS, generate
from datahub.validation import DataDictionary, Report, iter_valid_records, validate_file


def test_every_injected_kind_is_found(tmp_path: Path, cat: DataDictionary) -> None:
    path = tmp_path / "cat.csv"
    injected = generate(path, 3000, error_rate=0.2, seed=7)
    assert set(injected) == set(KINDS)
    report = validate_file(cat, path)
    found = Counter(f.code for f in report.findings)
    for kind, count in injected.items():
        # A copy (005) or key clash (008) reports both records; consecutive injections can
        # share a group, so at least one extra finding per injection is guaranteed.
        assert found[KINDS[kind]] >= count, (kind, found[KINDS[kind]], count)
    assert found["005"] > injected["005"] and found["008"] > injected["008"]
    assert report.total == 3000
    assert not [f for f in report.findings if f.code.startswith("T")]


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert generate(first, 500, seed=3) == generate(second, 500, seed=3)
    assert first.read_bytes() == second.read_bytes()


def test_the_same_records_as_xml_give_the_same_findings(
    tmp_path: Path, cat: DataDictionary
) -> None:
    csv, xml = tmp_path / "cat.csv", tmp_path / "cat.xml"
    assert generate(csv, 2000, error_rate=0.2, seed=5) == generate(
        xml, 2000, error_rate=0.2, seed=5
    )
    from_csv, from_xml = validate_file(cat, csv), validate_file(cat, xml)

    def content(report: Report) -> list[tuple[object, ...]]:  # all but the line numbers
        return [(f.record, f.level, f.code, f.field, f.value, f.message, f.keys)
                for f in report.findings]  # fmt: skip

    assert len(from_xml.findings) > 400
    assert content(from_xml) == content(from_csv)
    assert (from_xml.status, from_xml.total, from_xml.errors) == (
        from_csv.status, from_csv.total, from_csv.errors,
    )  # fmt: skip
    # and every other record's values, remarks with quotes and newlines too
    valid_csv = list(iter_valid_records(cat, csv, from_csv))
    assert list(iter_valid_records(cat, xml, from_xml)) == valid_csv
    remarks = {r["Opmerking"] for r in valid_csv}
    assert any("\n" in (r or "") for r in remarks) and any('"' in (r or "") for r in remarks)
