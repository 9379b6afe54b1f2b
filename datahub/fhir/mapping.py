"""From FHIR resources to records: the resources checked with fhir.resources (its R4B models
read R4 JSON), each field's FHIRPath evaluated with fhirpathpy on each resource of the data
dictionary's ``FHIR resource`` type; ``resolve()`` reaches the other resources of the submission
(``references``).

A value is the FHIRPath's first result as text in the dictionary's formats: a ``datum`` field
takes the date of a dateTime as written (``2026-05-01T23:30:00+02:00`` → ``2026-05-01``), a
``datumtijd`` field drops seconds' fractions and the zone, a code is as given, a decimal keeps
its digits. A field without FHIRPath, or whose FHIRPath finds nothing, is empty.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Set
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pydantic
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class
from fhirpathpy import compile as compile_fhirpath
from fhirpathpy.models import models as fhirpath_models

from datahub.fhir.bindings import binding_issues
from datahub.fhir.diagnostics import model_message
from datahub.fhir.outcome import FhirRefused, Issue, error
from datahub.fhir.references import References
from datahub.validation import DataDictionary, FieldSpec

Evaluate = Callable[..., list[Any]]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class Extracted:
    """One record: where its resource is in the submission, and its text per field."""

    path: str
    values: dict[str, str | None]


def model_issues(path: str, resource: dict[str, Any]) -> list[Issue]:
    """What fhir.resources finds wrong in a resource (none: it is valid FHIR), per element, and
    the codes of the elements the hub reads that are not in their required value set
    (``bindings``)."""
    kind = resource["resourceType"]
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        message = _("%(type)s is not a FHIR R4 resource type.") % {"type": kind}
        return [error("invalid", message, f"{path}.resourceType")]
    try:
        model.model_validate(resource)
    except pydantic.ValidationError as exc:
        found = [_model_issue(path, problem) for problem in exc.errors()]
    except Exception:  # the library fails on some shapes (an unknown contained type)
        return [error("invalid", _("This resource could not be read as FHIR R4."), path)]
    else:
        found = []
    return found + binding_issues(path, resource)


def _model_issue(path: str, problem: Any) -> Issue:
    location = list(problem.get("loc", ()))
    if location[-1:] == ["root"]:  # fhir_core's name for the element itself, not a child
        location.pop()
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)
    return error("invalid", model_message(problem), f"{path}{where}")


def compile_fields(
    dictionary: DataDictionary, references: References | None = None
) -> dict[str, Evaluate]:
    """The FHIRPath of every field that has one, compiled with the R4 model (so that choice
    elements resolve: ``performed.ofType(dateTime)`` reads ``performedDateTime``) and with
    ``resolve()`` reaching the resources of ``references``' submission (``references.py``):
    ``subject.resolve().birthDate`` reads the birth date of the Patient the operation is of."""
    resolve = (references if references is not None else References()).resolve
    options = {"userInvocationTable": {"resolve": {"fn": resolve}}}
    compiled = {}
    for spec in dictionary.fields:
        if spec.fhirpath:
            try:
                compiled[spec.name] = compile_fhirpath(
                    spec.fhirpath, fhirpath_models["r4"], options
                )
            except Exception:
                raise _bad_fhirpath(spec) from None
    return compiled


def values_of(
    dictionary: DataDictionary, compiled: dict[str, Evaluate], resource: dict[str, Any]
) -> dict[str, str | None]:
    """The record of one resource: each field's value as text, ``None`` when empty."""
    return {
        spec.name: _value(spec, compiled.get(spec.name), resource) for spec in dictionary.fields
    }


@dataclass(frozen=True)
class Evaluated:
    """A record as read from its resource before the privacy filter: its text per field, and
    per field the entries of the submission its FHIRPath reached through ``resolve()``."""

    values: dict[str, str | None]
    reached: dict[str, set[int]]


def evaluated(
    dictionary: DataDictionary,
    compiled: dict[str, Evaluate],
    resource: dict[str, Any],
    references: References,
) -> Evaluated:
    """:func:`values_of`, with the entries each field reached (``compiled`` resolves through
    ``references``)."""
    values: dict[str, str | None] = {}
    reached: dict[str, set[int]] = {}
    try:
        for spec in dictionary.fields:
            found: set[int] = set()
            reached[spec.name] = found
            references.reaching(found)
            values[spec.name] = _value(spec, compiled.get(spec.name), resource)
    finally:
        references.reaching(None)
    return Evaluated(values, reached)


def values_after(
    dictionary: DataDictionary,
    compiled: dict[str, Evaluate],
    resource: dict[str, Any],
    entry: int,
    before: Evaluated,
    changed: Set[int],
) -> dict[str, str | None]:
    """The record of the resource of ``entry`` after the filter, which ``changed`` those
    entries: as :func:`values_of` gives it, reading again only what the filter may have changed.

    A FHIRPath reads the record's own resource (with its contained ones) and what ``resolve()``
    reaches, nothing else, and changes nothing: a field that reached no entry the filter changed
    has the value it had ``before``. If the record's own resource changed, every field is read
    again."""
    if entry in changed:
        return values_of(dictionary, compiled, resource)
    values: dict[str, str | None] = {}
    for spec in dictionary.fields:
        if before.reached[spec.name].isdisjoint(changed):
            values[spec.name] = before.values[spec.name]
        else:
            values[spec.name] = _value(spec, compiled.get(spec.name), resource)
    return values


def _value(spec: FieldSpec, evaluate: Evaluate | None, resource: dict[str, Any]) -> str | None:
    if evaluate is None:
        return None
    try:
        found = evaluate(resource)
    except Exception:
        raise _bad_fhirpath(spec) from None
    return text_of(found, spec)


def text_of(found: list[Any], spec: FieldSpec) -> str | None:
    """The first result as the dictionary's text (``None`` for nothing or a complex value).

    A moment with a time zone is read on the hub's clock (Dutch time): the same operation sent
    in UTC or with +02:00 gets the same date. A decimal keeps its digits, in plain notation.

    Example::

        >>> text_of(["2026-05-01T23:30:00+02:00"], FieldSpec(1, "D", datatype="datum"))
        '2026-05-01'
        >>> text_of(["2026-04-30T22:30:00Z"], FieldSpec(1, "D", datatype="datum"))
        '2026-05-01'
        >>> text_of(["2026-04-30T22:30:00Z"], FieldSpec(1, "T", datatype="datumtijd"))
        '2026-05-01T00:30:00'
        >>> text_of([Decimal("1.50")], FieldSpec(1, "V", datatype="decimaal")), text_of([], None)
        ('1.50', None)
        >>> text_of([Decimal("1E-7")], FieldSpec(1, "V", datatype="decimaal"))
        '0.0000001'
    """
    if not found:
        return None
    value = found[0]
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Decimal):
        text = _plain(value)
    elif isinstance(value, str | int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        return None  # an element, not a value: the FHIRPath should end at a primitive
    text = " ".join(text.splitlines()).strip()
    if spec.datatype in ("datum", "datumtijd") and _DATETIME.match(text):
        text = _local(text)
    if spec.datatype == "datum" and _DATE.match(text) and len(text) > 10:
        text = text[:10]
    elif spec.datatype == "datumtijd" and _DATETIME.match(text) and len(text) > 19:
        text = text[:19]
    return text or None


def _local(text: str) -> str:
    """A FHIR dateTime with a time zone as the hub's local time (``YYYY-MM-DDThh:mm:ss``);
    without one, not readable, or beyond year 9999 or before year 1 on the hub's clock, as it
    is (the engine judges it).

    Example::

        >>> _local("9999-12-31T23:59:59-14:00"), _local("0001-01-01T00:00:00+14:00")
        ('9999-12-31T23:59:59-14:00', '0001-01-01T00:00:00+14:00')
    """
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    try:
        local = timezone.localtime(moment)
    except OverflowError:  # past the calendar's ends on the hub's clock (9999-12-31T23:00-05:00)
        return text
    return local.replace(tzinfo=None).isoformat(timespec="seconds")


def _plain(value: Decimal) -> str:
    """A decimal's digits without an exponent (``1E-7`` is ``0.0000001``); one too large or
    small to write out stays as it is, for the check to refuse."""
    if value.is_finite() and abs(value.adjusted()) <= 100:
        return format(value, "f")
    return str(value)


def _bad_fhirpath(spec: FieldSpec) -> FhirRefused:
    message = _(
        "The FHIRPath of field %(field)s in the data dictionary cannot be evaluated: "
        "please tell the hub's operator."
    ) % {"field": spec.name}
    return FhirRefused(422, [error("processing", message)])
