"""Reading a FHIR submission within bounds: FHIR JSON only, of limited size, nesting and count.

Decimals are read as :class:`~decimal.Decimal`, so that ``1.50`` stays ``1.50`` (a float would
make it ``1.5``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from datahub.fhir.outcome import FhirRefused, error

#: The most bytes a submission may have: below Django's DATA_UPLOAD_MAX_MEMORY_SIZE, and below
#: what ``datahub serve``'s waitress keeps in memory (``inbuf_overflow``, 9 MiB): a larger body
#: would be spooled to a temporary file in plain text, with the names and BSNs it may hold.
MAX_BYTES = 8 * 2**20
#: The deepest nesting of objects and lists; real resources stay far below it.
MAX_DEPTH = 64
#: The most entries a Bundle may have.
MAX_ENTRIES = 10_000
JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")
BUNDLE_TYPES = ("batch", "transaction", "collection")


def too_large() -> FhirRefused:
    mb = MAX_BYTES // 2**20
    return FhirRefused(
        413, [error("too-costly", _("The submission is larger than %(mb)s MB.") % {"mb": mb})]
    )


def read(body: bytes, content_type: str) -> dict[str, Any]:
    """The submitted resource (a Bundle or one resource) as JSON, or refused with why."""
    media = content_type.split(";", 1)[0].strip().lower()
    if "xml" in media or body.lstrip()[:1] == b"<":
        raise _refused(415, "not-supported", _("The hub accepts FHIR JSON only, not XML."))
    if media not in JSON_TYPES:
        raise _refused(
            415, "not-supported", _("Send FHIR JSON with Content-Type application/fhir+json.")
        )
    if len(body) > MAX_BYTES:
        raise too_large()
    if not body.strip():
        raise _refused(400, "invalid", _("The submission is empty."))
    try:
        root = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep() from None
    except (UnicodeDecodeError, ValueError):
        raise _refused(400, "invalid", _("The submission is not valid JSON (UTF-8).")) from None
    if _depth(root) > MAX_DEPTH:
        raise _too_deep()
    if not isinstance(root, dict) or not isinstance(root.get("resourceType"), str):
        raise _refused(400, "invalid", _("The submission is not a FHIR resource (resourceType)."))
    return root


def entries(root: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The resources of a submission with their paths: a Bundle's entries
    (``Bundle.entry[0].resource``, ...) or the one resource itself (``Procedure``)."""
    kind = root["resourceType"]
    if kind != "Bundle":
        return [(kind, root)]
    if root.get("type") not in BUNDLE_TYPES:
        raise _refused(
            400,
            "not-supported",
            _("A Bundle must be of type batch, transaction or collection."),
            "Bundle.type",
        )
    found = root.get("entry", [])
    if not isinstance(found, list):
        raise _refused(400, "invalid", _("Bundle.entry must be a list."), "Bundle.entry")
    if len(found) > MAX_ENTRIES:
        raise FhirRefused(
            413,
            [
                error(
                    "too-costly",
                    _("The Bundle has more than %(max)s entries.") % {"max": MAX_ENTRIES},
                    "Bundle.entry",
                )
            ],
        )
    result = []
    for index, entry in enumerate(found):
        path = f"Bundle.entry[{index}].resource"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _refused(400, "invalid", _("This entry holds no resource."), path)
        result.append((path, resource))
    return result


def _refused(status: int, code: str, message: str, expression: str | None = None) -> FhirRefused:
    return FhirRefused(status, [error(code, message, expression)])


def _too_deep() -> FhirRefused:
    return _refused(
        400,
        "too-costly",
        _("The submission is nested too deeply (at most %(max)s levels).") % {"max": MAX_DEPTH},
    )


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are no JSON


def _depth(root: Any) -> int:
    """The deepest nesting, counted without recursion and stopping past the maximum: level by
    level, the objects and lists of each (a million of them in a full Bundle)."""
    deepest = 0
    level = [root] if isinstance(root, dict | list) else []
    while level and deepest <= MAX_DEPTH:
        deepest += 1
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            below += [child for child in children if isinstance(child, _CONTAINERS)]
        level = below
    return deepest


_CONTAINERS = (dict, list)
