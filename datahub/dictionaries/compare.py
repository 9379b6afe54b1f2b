"""What changed between two versions of a data dictionary (pure Python, no Django)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from datahub.validation import (
    DataDictionary,
    FieldSpec,
    GeneralSpecs,
    Rule,
    ScheduleEntry,
    workbook_names,
)

# Field attributes compared between versions, in the order the comparison page shows them.
_FIELD_ATTRIBUTES = [f.name for f in fields(FieldSpec) if f.name not in ("order", "fhirpath")]
# General specs compared (the code is the same and the version differs anyway); the validity
# too: which version applies when is what a reader of two versions wants to know first.
_GENERAL_ATTRIBUTES = [
    f.name for f in fields(GeneralSpecs) if f.name not in ("code", "version", "fhir_resource")
]
_GENERAL_NAMES, _FIELD_NAMES = workbook_names()


@dataclass(frozen=True)
class FieldChange:
    name: str
    changes: list[tuple[str, object, object]]


@dataclass(frozen=True)
class CodeChange:
    table: str
    added: list[str]
    removed: list[str]


@dataclass
class Comparison:
    general_changes: list[tuple[str, object, object]] = field(default_factory=list)
    added_fields: list[FieldSpec] = field(default_factory=list)
    removed_fields: list[FieldSpec] = field(default_factory=list)
    changed_fields: list[FieldChange] = field(default_factory=list)
    code_changes: list[CodeChange] = field(default_factory=list)
    added_rules: list[str] = field(default_factory=list)
    removed_rules: list[str] = field(default_factory=list)
    #: Rows of the sheet ``Aanleverschema``: ``2022M02 10-02-2022``, by deadline.
    added_deadlines: list[str] = field(default_factory=list)
    removed_deadlines: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.general_changes,
                self.added_fields,
                self.removed_fields,
                self.changed_fields,
                self.code_changes,
                self.added_rules,
                self.removed_rules,
                self.added_deadlines,
                self.removed_deadlines,
            )
        )


def compare(old: DataDictionary, new: DataDictionary) -> Comparison:
    """General specs changed, fields added/removed/changed, reference codes added/removed,
    rules added/removed (a rule whose level or message changed is removed and added), and the
    deadlines of the delivery schedule added/removed; each property by its name in the
    workbook."""
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    result = Comparison(
        general_changes=_changes(old.general, new.general, _GENERAL_ATTRIBUTES, _GENERAL_NAMES),
        added_fields=[f for name, f in new_fields.items() if name not in old_fields],
        removed_fields=[f for name, f in old_fields.items() if name not in new_fields],
    )
    for name, new_field in new_fields.items():
        if name in old_fields:
            changes = _changes(old_fields[name], new_field, _FIELD_ATTRIBUTES, _FIELD_NAMES)
            if changes:
                result.changed_fields.append(FieldChange(name, changes))
    result.code_changes = _code_changes(old, new)
    old_rules = {_rule_key(r) for r in old.rules}
    new_rules = {_rule_key(r) for r in new.rules}
    result.added_rules = sorted(new_rules - old_rules)
    result.removed_rules = sorted(old_rules - new_rules)
    old_schedule, new_schedule = set(old.schedule), set(new.schedule)
    result.added_deadlines = _deadlines(new_schedule - old_schedule)
    result.removed_deadlines = _deadlines(old_schedule - new_schedule)
    return result


def _deadlines(entries: set[ScheduleEntry]) -> list[str]:
    ordered = sorted(entries, key=lambda e: (e.deadline, e.period))
    return [f"{e.period} {e.deadline:%d-%m-%Y}" for e in ordered]


def _changes(
    old: object, new: object, attributes: list[str], names: dict[str, str]
) -> list[tuple[str, object, object]]:
    return [
        (names[attribute], _shown(getattr(old, attribute)), _shown(getattr(new, attribute)))
        for attribute in attributes
        if getattr(old, attribute) != getattr(new, attribute)
    ]


def _shown(value: object) -> object:
    """A property's value as the page shows it (dates as the portal writes them)."""
    if isinstance(value, dt.date):
        return f"{value:%d-%m-%Y}"
    return ", ".join(value) if isinstance(value, tuple) else value


def _codes(dictionary: DataDictionary) -> dict[str, set[str]]:
    return {
        table.name: {entry.code for entry in table.entries} for table in dictionary.reference_tables
    }


def _code_changes(old: DataDictionary, new: DataDictionary) -> list[CodeChange]:
    old_codes, new_codes = _codes(old), _codes(new)
    changes = []
    for table in sorted(set(old_codes) | set(new_codes)):
        before, after = old_codes.get(table, set()), new_codes.get(table, set())
        if before != after:
            changes.append(CodeChange(table, sorted(after - before), sorted(before - after)))
    return changes


def _rule_key(rule: Rule) -> str:
    return f"{rule.code} · {rule.field}: {rule.expression} ({rule.level}) — {rule.message}"
