"""FHIRPath's ``resolve()`` within one submission: a reference reaches another resource of the
Bundle or a contained one, and nothing else (fhirpathpy has no ``resolve()`` of its own).

Nothing is ever fetched: a reference that does not point into the submission, or points at more
than one resource, resolves to nothing (an empty field), as FHIRPath says of a reference it cannot
resolve. A reference is looked up as FHIR's rules for references in a Bundle say:

- ``#id``: a resource contained in the resource that holds the reference (``#`` alone: that
  resource itself);
- an absolute reference (``urn:uuid:…``, ``urn:oid:…``, ``https://…/Patient/12``): the entry
  whose ``fullUrl`` it is;
- a relative one (``Patient/12``, also ``Patient/12/_history/3`` for that ``meta.versionId``):
  the entry whose ``fullUrl`` it is against the base of the referring entry's RESTful
  ``fullUrl`` (``https://ehr.example/fhir/Procedure/1`` → ``https://ehr.example/fhir/Patient/12``);
  otherwise (a sender often gives no ``fullUrl``, or a ``urn:uuid:``) the entry of that type and
  ``id``.

The index holds the submission's own objects: the privacy filter drops elements from them in
place, so what ``resolve()`` gives after the filter is the filtered resource.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from fhirpathpy.engine.nodes import ResourceNode

Resource = dict[str, Any]
#: A URI with a scheme (``urn:``, ``https:``), as opposed to a relative ``Type/id``.
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: FHIR's relative reference: ``Type/id``, optionally ``/_history/version``.
_RELATIVE = re.compile(
    r"([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/([A-Za-z0-9\-.]{1,64}))?"
)
#: A RESTful fullUrl: its base, and the ``Type/id`` after it.
_RESTFUL = re.compile(r"(https?://.+/)[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}")


class References:
    """The resources of one submission (a Bundle or one resource) that a reference can reach.

    Example::

        >>> bundle = {"resourceType": "Bundle", "entry": [
        ...     {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Procedure",
        ...         "subject": {"reference": "urn:uuid:2"}}},
        ...     {"fullUrl": "urn:uuid:2", "resource": {"resourceType": "Patient", "id": "p"}}]}
        >>> references = References(bundle)
        >>> subject = bundle["entry"][0]["resource"]["subject"]
        >>> [node.data["id"] for node in references.resolve([subject, {"reference": "Patient/p"}])]
        ['p', 'p']
        >>> references.resolve([{"reference": "https://elders.example/Patient/p"}])
        []
    """

    def __init__(self, root: Resource | None = None) -> None:
        #: per entry: its resource, and the base of its RESTful fullUrl (if it has one)
        self._entries: list[tuple[Resource, str | None]] = []
        self._by_url: dict[str, list[Resource]] = defaultdict(list)
        self._by_id: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        #: id() of every reference object → (that object, the index of its entry): a reference
        #: is resolved against its own entry (its contained resources, its fullUrl's base).
        self._origin: dict[int, tuple[Any, int]] = {}
        for index, (url, resource) in enumerate(_entries(root)):
            restful = _RESTFUL.fullmatch(url or "")
            self._entries.append((resource, restful.group(1) if restful else None))
            if url:
                self._by_url[url].append(resource)
            if isinstance(resource.get("id"), str):
                self._by_id[(resource["resourceType"], resource["id"])].append(resource)
            self._index_references(resource, index)

    def resolve(self, inputs: list[Any]) -> list[ResourceNode]:
        """FHIRPath's ``resolve()``: for each reference (a Reference, or a reference as text) the
        resource it points to in the submission; nothing for one it does not reach."""
        found = []
        for item in inputs:
            if isinstance(item, str):
                target = self._target(item, None)
            elif isinstance(item, dict) and isinstance(item.get("reference"), str):
                origin = self._origin.get(id(item))
                entry = origin[1] if origin is not None and origin[0] is item else None
                target = self._target(item["reference"], entry)
            else:
                target = None
            if target is not None:
                found.append(ResourceNode.create_node(target))
        return found

    def _target(self, reference: str, entry: int | None) -> Resource | None:
        reference = reference.strip()
        if reference.startswith("#"):
            return None if entry is None else _contained(self._entries[entry][0], reference[1:])
        if _ABSOLUTE.match(reference):
            return _only(self._by_url.get(reference, []))
        relative = _RELATIVE.fullmatch(reference)
        if relative is None:
            return None
        kind, ident, version = relative.groups()
        base = self._entries[entry][1] if entry is not None else None
        if base is not None and (at := self._by_url.get(f"{base}{kind}/{ident}")):
            candidates = at
        else:
            candidates = self._by_id.get((kind, ident), [])
        if version is not None:
            candidates = [c for c in candidates if _version(c) in (None, version)]
        return _only(candidates)

    def _index_references(self, resource: Resource, entry: int) -> None:
        stack: list[Any] = [resource]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("reference"), str):
                    self._origin[id(node)] = (node, entry)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def _entries(root: Resource | None) -> list[tuple[str | None, Resource]]:
    """(fullUrl, resource) of each entry of a Bundle (as ``parsing.entries`` has checked them),
    or of the one resource sent."""
    if root is None:
        return []
    if root.get("resourceType") != "Bundle":
        return [(None, root)]
    result = []
    for entry in root.get("entry", []):
        url = entry.get("fullUrl")
        result.append((url.strip() if isinstance(url, str) else None, entry["resource"]))
    return result


def _contained(resource: Resource, ident: str) -> Resource | None:
    if not ident:
        return resource
    contained = resource.get("contained")
    if not isinstance(contained, list):
        return None
    return _only(
        [
            c
            for c in contained
            if isinstance(c, dict)
            and isinstance(c.get("resourceType"), str)
            and c.get("id") == ident
        ]
    )


def _version(resource: Resource) -> str | None:
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, dict) else None
    return version if isinstance(version, str) else None


def _only(candidates: list[Resource]) -> Resource | None:
    """The one resource found; none when there are several (which one is meant cannot be
    told, and a wrong patient's data is worse than an empty field)."""
    return candidates[0] if len(candidates) == 1 else None
