"""What the hub may not receive, found and dropped before anything is read or stored.

The one list of it (``docs/fhir.md`` repeats it):

- a **BSN** (the Dutch citizen service number): every identifier whose ``system`` is one of
  :data:`BSN_SYSTEMS`, wherever it is (a Patient's identifier, a reference's identifier, a
  contained resource);
- of the resources that describe a person (:data:`PERSONAL_ELEMENTS`: Patient, Person,
  RelatedPerson, Practitioner), the elements that name or reach him: ``name``, ``address``,
  ``telecom``, ``photo`` (and a Patient's ``contact``, which holds these of his relations);
- the ``display`` of every reference (``Patient/12``, ``urn:uuid:…``, ``#contained``, or a
  display alone): for a reference to a person it is his name, and what it refers to cannot
  always be told.

A naming system's address is compared as the web compares it: scheme and host in any case, with
or without ``https``, a trailing ``/`` and the ``urn:oid:`` prefix, so that a BSN written
``HTTP://FHIR.NL/fhir/NamingSystem/BSN`` is one too.

The elements are dropped and each one is reported by its path, never its value. The service
refuses the submission outright if a field of the data dictionary would take its value from a
BSN (``service``): dropping it would leave a record without its patient.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

BSN_SYSTEMS = frozenset(
    {
        "http://fhir.nl/fhir/NamingSystem/bsn",
        "urn:oid:2.16.840.1.113883.2.4.6.3",  # the OID of the same naming system
    }
)

PERSONAL_ELEMENTS: dict[str, frozenset[str]] = {
    "Patient": frozenset({"name", "address", "telecom", "photo", "contact"}),
    "Person": frozenset({"name", "address", "telecom", "photo"}),
    "RelatedPerson": frozenset({"name", "address", "telecom", "photo"}),
    "Practitioner": frozenset({"name", "address", "telecom", "photo"}),
}


def is_bsn(node: Any) -> bool:
    """Whether ``node`` is an identifier in the BSN's naming system (however its address is
    written).

    Example::

        >>> [is_bsn({"system": s}) for s in ("HTTPS://fhir.nl/fhir/NamingSystem/BSN/",
        ...     "URN:OID:2.16.840.1.113883.2.4.6.3", "urn:registry:patient")]
        [True, True, False]
    """
    return isinstance(node, dict) and _system_key(node.get("system")) in _BSN_KEYS


def _system_key(system: Any) -> str:
    """A naming system's address without what does not tell one from another."""
    key = str(system or "").strip().casefold().rstrip("/")
    return re.sub(r"^(?:https?://|urn:oid:)", "", key)


#: The systems above as :func:`_system_key` reads them.
_BSN_KEYS = frozenset(map(_system_key, BSN_SYSTEMS))


def bsn_key(value: str) -> str:
    """A value's digits, as a BSN is compared: every other character dropped (``999 990 019``,
    ``999-99-0019``, ``NL999990019``), and an 8-digit number with its leading zero (a BSN
    of 8 digits is the same as with a ``0`` before it); ``""`` when it has no digits.

    Example::

        >>> [bsn_key(v) for v in ("999 990 019", "99-999-0019", "12345678", "0012345678", "OD")]
        ['999990019', '999990019', '012345678', '012345678', '']
    """
    digits = "".join(str(unicodedata.decimal(c)) for c in value if c.isdecimal())
    digits = digits.lstrip("0")
    return digits.zfill(9) if digits else ""


def bsn_values(node: Any) -> set[str]:
    """The BSNs anywhere in ``node``, as :func:`bsn_key` reads them (kept in memory only, to
    recognise them in a record however they are written there)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if is_bsn(item) and isinstance(item.get("value"), str) and bsn_key(item["value"]):
            found.add(bsn_key(item["value"]))
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def strip(resource: dict[str, Any], path: str) -> list[str]:
    """Drop from ``resource`` (in place) what the hub may not receive; the dropped elements'
    paths, as the submitter wrote them (indexes before dropping).

    Example::

        >>> patient = {"resourceType": "Patient", "name": [{"family": "Jansen"}], "gender": "male",
        ...     "identifier": [{"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "1"}]}
        >>> strip(patient, "Patient"), patient
        (['Patient.name', 'Patient.identifier[0]'], {'resourceType': 'Patient', 'gender': 'male'})
    """
    dropped: list[str] = []
    _strip(resource, path, dropped)
    return dropped


def _strip(node: dict[str, Any], path: str, dropped: list[str]) -> None:
    kind = node.get("resourceType")
    personal = PERSONAL_ELEMENTS.get(kind, frozenset()) if isinstance(kind, str) else frozenset()
    for key in list(node):
        here = f"{path}.{key}"
        value = node[key]
        if key in personal or (key == "display" and is_reference(node)) or is_bsn(value):
            del node[key]
            dropped.append(here)
        elif isinstance(value, list):
            kept = _strip_list(value, here, dropped)
            if kept:
                node[key] = kept
            else:  # FHIR has no empty lists
                del node[key]
        elif isinstance(value, dict):
            _strip(value, here, dropped)
            if not value:  # nor empty objects
                del node[key]


def _strip_list(items: list[Any], path: str, dropped: list[str]) -> list[Any]:
    kept = []
    for index, item in enumerate(items):
        here = f"{path}[{index}]"
        if is_bsn(item):
            dropped.append(here)
            continue
        if isinstance(item, dict):
            _strip(item, here, dropped)
            if not item:
                continue
        kept.append(item)
    return kept


def is_reference(node: dict[str, Any]) -> bool:
    """Whether ``node``, which has a ``display``, is a reference rather than a coding (whose
    display is the meaning of its code, e.g. "Rechteroog")."""
    return "code" not in node and "system" not in node
