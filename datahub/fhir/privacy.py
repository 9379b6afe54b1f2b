"""What the hub may not receive, found and dropped before anything is read or stored.

The one list of it (``docs/fhir.md`` repeats it):

- a **BSN** (the Dutch citizen service number): every identifier whose ``system`` is one of
  :data:`BSN_SYSTEMS`, wherever it is (a Patient's identifier, a reference's identifier, a
  contained resource);
- by FHIR data type, in every resource (also a contained one, or one in a nested Bundle):
  every element of type ``HumanName``, ``Address``, ``ContactPoint`` or ``ContactDetail``
  (:data:`DROPPED_TYPES`), wherever it is — a Patient's ``name``, an Organization's
  ``contact.name``, a Location's ``address``, a PractitionerRole's ``telecom``, an extension's
  ``valueAddress`` (patient-birthPlace), ``valueHumanName`` or ``valueContactPoint``;
- of the resources that describe a person (:data:`PERSONAL_ELEMENTS`: Patient, Person,
  RelatedPerson, Practitioner), also their ``photo`` (and a Patient's ``contact``, which holds
  the names, addresses and telecom of his relations, and their relationship);
- the ``display`` of every reference (``Patient/12``, ``urn:uuid:…``, ``#contained``, or a
  display alone): for a reference to a person it is his name, and what it refers to cannot
  always be told.

A naming system's address is compared as the web compares it: scheme and host in any case, with
or without ``https``, a trailing ``/`` and the ``urn:oid:`` prefix, so that a BSN written
``HTTP://FHIR.NL/fhir/NamingSystem/BSN`` is one too.

An element's type is read from the R4 models of fhir.resources (the same ones that check the
resources, ``mapping.model_issues``): the filter walks the JSON along the model of each
resource (``contained``, ``Bundle.entry.resource``: the model of its ``resourceType``), and
each model's table of element → type is derived once from its class (:func:`_elements`). An
element the model does not know is walked without a type (the BSN and ``display`` rules still
apply); such a resource is not valid FHIR R4 and the submission is refused after the filter.

The elements are dropped and each one is reported by its path, never its value. The service
refuses the submission outright if a field of the data dictionary would take its value from a
BSN (``service``): dropping it would leave a record without its patient.
"""

from __future__ import annotations

import functools
import importlib
import re
import typing
import unicodedata
from typing import Any, NamedTuple

from fhir.resources.R4B import get_fhir_model_class

BSN_SYSTEMS = frozenset(
    {
        "http://fhir.nl/fhir/NamingSystem/bsn",
        "urn:oid:2.16.840.1.113883.2.4.6.3",  # the OID of the same naming system
    }
)

#: The FHIR data types that name, locate or reach a person (or an organisation's contact
#: person): every element of one of them is dropped, in every resource.
DROPPED_TYPES = frozenset({"HumanName", "Address", "ContactPoint", "ContactDetail"})

#: Per resource that describes a person, what else is dropped from it: his photo (an
#: Attachment, elsewhere a document), and a Patient's ``contact`` (his relations).
PERSONAL_ELEMENTS: dict[str, frozenset[str]] = {
    "Patient": frozenset({"photo", "contact"}),
    "Person": frozenset({"photo"}),
    "RelatedPerson": frozenset({"photo"}),
    "Practitioner": frozenset({"photo"}),
}


def is_bsn(node: Any) -> bool:
    """Whether ``node`` is an identifier in the BSN's naming system (however its address is
    written).

    Example::

        >>> [is_bsn({"system": s}) for s in ("HTTPS://fhir.nl/fhir/NamingSystem/BSN/",
        ...     "URN:OID:2.16.840.1.113883.2.4.6.3", "urn:registry:patient")]
        [True, True, False]
    """
    if not isinstance(node, dict):
        return False
    system = node.get("system")
    # (a missing or empty system is no BSN's: skip making its key, for every object walked)
    return bool(system) and _system_key(system) in _BSN_KEYS


def _system_key(system: Any) -> str:
    """A naming system's address without what does not tell one from another."""
    text = str(system or "")
    return _text_key(text) if len(text) <= _CACHED_SYSTEM else _key_of(text)


#: The longest address whose key is kept (a submission names few systems, each many times).
_CACHED_SYSTEM = 256


def _key_of(text: str) -> str:
    return re.sub(r"^(?:https?://|urn:oid:)", "", text.strip().casefold().rstrip("/"))


_text_key = functools.lru_cache(maxsize=1024)(_key_of)


#: The systems above as :func:`_system_key` reads them.
_BSN_KEYS = frozenset(map(_system_key, BSN_SYSTEMS))


_NON_DIGITS = re.compile(r"[^0-9]+")


def bsn_key(value: str) -> str:
    """A value's digits, as a BSN is compared: every other character dropped (``999 990 019``,
    ``999-99-0019``, ``NL999990019``), and an 8-digit number with its leading zero (a BSN
    of 8 digits is the same as with a ``0`` before it); ``""`` when it has no digits.

    Example::

        >>> [bsn_key(v) for v in ("999 990 019", "99-999-0019", "12345678", "0012345678", "OD")]
        ['999990019', '999990019', '012345678', '012345678', '']
    """
    if value.isascii():  # (the common case, at once: its decimal characters are 0-9)
        digits = _NON_DIGITS.sub("", value)
    else:
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
        if is_bsn(item) and isinstance(item.get("value"), str):
            key = bsn_key(item["value"])
            # a number that can be a BSN (9 digits, at most two of them leading zeros): a
            # stray "1" in the BSN's system is dropped with it, but refuses no field holding 1
            if len(key) == 9 and len(key.lstrip("0")) >= 7:
                found.add(key)
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
        >>> location = {"resourceType": "Location", "name": "OK 3", "address": {"city": "Goes"}}
        >>> strip(location, "Location"), location
        (['Location.address'], {'resourceType': 'Location', 'name': 'OK 3'})
    """
    return stripped(resource, path).dropped


class Stripped(NamedTuple):
    """What :func:`stripped` did to a resource: the dropped elements' paths, and whether it
    changed at all (also by an empty list or object it left out, which names no element)."""

    dropped: list[str]
    changed: bool


def stripped(resource: dict[str, Any], path: str) -> Stripped:
    """:func:`strip`, telling also whether ``resource`` changed (a resource that did not is
    what it was before the filter: what was read from it then still holds).

    Example::

        >>> stripped({"resourceType": "Observation", "note": []}, "Observation")
        Stripped(dropped=[], changed=True)
        >>> stripped({"resourceType": "Observation", "status": "final"}, "Observation")
        Stripped(dropped=[], changed=False)
    """
    dropped: list[str] = []
    changed = _strip(resource, path, dropped, _RESOURCE)
    return Stripped(dropped, changed)


#: The type of an element that holds a resource (``contained``, ``Bundle.entry.resource``): its
#: model is that of the resource's own ``resourceType``.
_RESOURCE = "Resource"
#: What the filter knows of an element: its FHIR type's name, and the model of its content (a
#: complex type's or backbone element's class, :data:`_RESOURCE`, or ``None`` for a primitive).
Element = tuple[str, "type | str | None"]


def _strip(node: dict[str, Any], path: str, dropped: list[str], model: type | str | None) -> bool:
    """Strip ``node`` in place; whether anything in it changed."""
    changed = False
    kind = node.get("resourceType")
    personal = PERSONAL_ELEMENTS.get(kind, frozenset()) if isinstance(kind, str) else frozenset()
    if model == _RESOURCE:
        model = _resource_model(kind)
    elements = _elements(model) if isinstance(model, type) else {}
    for key in list(node):
        here = f"{path}.{key}"
        value = node[key]
        element = elements.get(key)
        if (
            key in personal
            or (element is not None and element[0] in DROPPED_TYPES)
            or (key == "display" and is_reference(node))
            or is_bsn(value)
        ):
            del node[key]
            dropped.append(here)
            changed = True
            continue
        inner = element[1] if element is not None else None
        if isinstance(value, list):
            kept, altered = _strip_list(value, here, dropped, inner)
            changed = changed or altered
            if kept:
                node[key] = kept
            else:  # FHIR has no empty lists
                del node[key]
                changed = True
        elif isinstance(value, dict):
            changed = _strip(value, here, dropped, inner) or changed
            if not value:  # nor empty objects
                del node[key]
                changed = True
    return changed


def _strip_list(
    items: list[Any], path: str, dropped: list[str], model: type | str | None
) -> tuple[list[Any], bool]:
    """The items of a list that are kept (each stripped in place); whether any changed."""
    kept = []
    changed = False
    for index, item in enumerate(items):
        here = f"{path}[{index}]"
        if is_bsn(item):
            dropped.append(here)
            changed = True
            continue
        if isinstance(item, dict):
            changed = _strip(item, here, dropped, model) or changed
            if not item:
                changed = True
                continue
        kept.append(item)
    return kept, changed


def _resource_model(kind: Any) -> type | None:
    """The fhir.resources (R4B, which reads R4) model of a resource type; ``None`` for one
    FHIR does not have (the submission is refused for it after the filter)."""
    if not isinstance(kind, str):
        return None
    try:
        return get_fhir_model_class(kind)
    except (KeyError, ValueError):
        return None


@functools.cache
def _elements(model: type) -> dict[str, Element]:
    """Each element of ``model`` (by its JSON name: ``address``, ``valueAddress``,
    ``_birthDate``) with its FHIR type and the model of its content, read once from the
    fhir.resources class: its fields' annotations name their type (``AddressType``,
    ``PatientContactType``, ``ResourceType``), which points at its model class."""
    elements: dict[str, Element] = {}
    for name, field in getattr(model, "model_fields", {}).items():
        element = _element(field.annotation)
        if element is not None:
            elements[field.alias or name] = element
    return elements


def _element(annotation: Any) -> Element | None:
    """The FHIR type of a field's annotation (``Optional[List[abc.AddressType]]`` →
    ``("Address", Address)``); ``None`` for a primitive (``str``, ``bool``, a date)."""
    stack = [annotation]
    while stack:
        item = stack.pop()
        klass = getattr(item, "_model_klass", None)
        if isinstance(klass, str) and isinstance(item, type):
            kind = item.__name__.removesuffix("Type")
            if kind == _RESOURCE:
                return kind, _RESOURCE
            module, _dot, attribute = klass.rpartition(".")
            return kind, getattr(importlib.import_module(module), attribute, None)
        stack.extend(typing.get_args(item))
    return None


def is_reference(node: dict[str, Any]) -> bool:
    """Whether ``node``, which has a ``display``, is a reference rather than a coding (whose
    display is the meaning of its code, e.g. "Rechteroog")."""
    return "code" not in node and "system" not in node
