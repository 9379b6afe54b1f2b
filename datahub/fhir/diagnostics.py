"""The hub's words for what fhir.resources finds wrong in a resource.

fhir.resources checks with pydantic, and reports in English: pydantic's own error types (a
text where a list belongs), its own custom types (``model_field_validation.missing``,
``model_validation_format``) and a ``value_error`` whose English text says which FHIR type a
value is not (``DateTime value string does not match spec regex.``) or that a choice element
was given twice. Every one of them is said here in the request's language (Dutch unless the
language cookie says English); a type not known here gets a general message, never the
library's English.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from datahub.api.errors import PYDANTIC_TYPES, message_of

#: fhir_core's words for a choice element given as more than one type, and for a required one
#: given as none (``_validate_one_of_many``): the list of the element's names is in them.
_CHOICE_TWICE = re.compile(r"Any of one field value is expected from this list \[(.*)\]")
_CHOICE_NONE = re.compile(r"Expect any of field value from this list \[(.*)\]")
#: fhir_core's words for a primitive that is not of its FHIR type (``types.py``).
_PRIMITIVE = re.compile(r"^(Date|DateTime|Instant|Time|Decimal)\b")
#: The patterns of fhir_core's string types that are worth their own words.
_ID_PATTERN = r"^[A-Za-z0-9\-.]+$"
_CODE_PATTERN = r"^[^\s]+(\s[^\s]+)*$"
_STRING_PATTERN = "[ \r\n\t\\S]+"


def model_message(problem: dict[str, Any]) -> str:
    """The hub's words for one of fhir.resources' errors (``ValidationError.errors()``)."""
    kind = str(problem.get("type", ""))
    ctx = problem.get("ctx") or {}
    if kind in ("missing", "model_field_validation.missing"):
        return _("This element is required.")
    if kind == "extra_forbidden":
        return _("This element does not exist in FHIR R4.")
    if kind == "value_error":
        return _value_error(str(ctx.get("error", "")), problem.get("input"))
    if kind == "list_type" and "field" in ctx:  # fhir_core's: a null in a list of elements
        return _("A list of elements may not hold null.")
    if kind == "list_type":
        return _("This must be a list (a JSON array).")
    if kind in ("json_invalid", "dict_type", "model_type", "model_attributes_type"):
        return _("This must be an element (a JSON object), not a single value.")
    if kind == "model_validation_format" and "model_class" in ctx:
        return _("This must be an element of type %(type)s (a JSON object).") % {
            "type": ctx["model_class"]
        }
    if kind == "string_pattern_mismatch":
        return _pattern_message(str(ctx.get("pattern", "")))
    if kind in ("uuid_type", "uuid_parsing"):
        return _("This is not a UUID.")
    if kind in PYDANTIC_TYPES:
        return message_of(problem)
    return _("This element does not have the form FHIR R4 prescribes.")


def _value_error(text: str, given: Any) -> str:
    """A ``value_error`` of fhir_core: a choice element twice or missing, or a primitive that
    is not of its type; any other as a value FHIR R4 does not allow."""
    if twice := _CHOICE_TWICE.search(text):
        names = _names(twice.group(1))
        sent = [name for name in names if isinstance(given, dict) and name in given]
        return _("Give only one of %(names)s: they are one choice element (%(element)s[x]).") % {
            "names": ", ".join(sent or names),
            "element": _common_prefix(names),
        }
    if none := _CHOICE_NONE.search(text):
        return _("One of these elements is required: %(names)s.") % {
            "names": ", ".join(_names(none.group(1)))
        }
    primitive = _PRIMITIVE.match(text)
    kind = primitive.group(1) if primitive else ""
    if kind == "Date":
        return _("This is not a FHIR date: write yyyy, yyyy-mm or yyyy-mm-dd, e.g. 2026-05-01.")
    if kind == "DateTime":
        return _(
            "This is not a FHIR dateTime: write yyyy, yyyy-mm, yyyy-mm-dd or "
            "yyyy-mm-ddThh:mm:ss with a time zone, e.g. 2026-05-01T09:30:00+02:00."
        )
    if kind == "Instant":
        return _(
            "This is not a FHIR instant: write yyyy-mm-ddThh:mm:ss with a time zone, "
            "e.g. 2026-05-01T09:30:00+02:00."
        )
    if kind == "Time":
        return _("This is not a FHIR time: write hh:mm:ss, e.g. 09:30:00.")
    if kind == "Decimal":
        return _("This is not a number.")
    return _("FHIR R4 does not allow this value here.")


def _pattern_message(pattern: str) -> str:
    if pattern == _ID_PATTERN:
        return _("An id may hold only letters, digits, '-' and '.'.")
    if pattern == _CODE_PATTERN:
        return _("A code may not begin or end with a space, nor hold two spaces in a row.")
    if pattern == _STRING_PATTERN:
        return _("This text may not be empty: leave the element out instead.")
    return _("This value does not have the form FHIR R4 prescribes for it.")


def _names(listed: str) -> list[str]:
    """``'performedAge', 'performedDateTime'`` as a list of names."""
    return [name.strip().strip("'\"") for name in listed.split(",") if name.strip()]


def _common_prefix(names: list[str]) -> str:
    """``performed`` of ``performedAge``, ``performedDateTime``, ...: the choice element (up to
    where every name's type starts, with a capital: ``value`` of ``valueDate``, ``valueDateTime``).

    Example::

        >>> _common_prefix(["valueDate", "valueDateTime"]), _common_prefix(["performedAge"])
        ('value', 'performedAge')
    """
    if not names:
        return ""
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    if len(names) > 1:
        while size and not all(size < len(n) and n[size].isupper() for n in names):
            size -= 1
    return first[:size]
