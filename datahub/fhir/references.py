"""FHIRPath's ``resolve()`` within one submission: a reference reaches another resource of the
Bundle or a contained one, and nothing else (fhirpathpy has no ``resolve()`` of its own).

Nothing is ever fetched: a reference that does not point into the submission, or points at more
than one resource, resolves to nothing (an empty field), as FHIRPath says of a reference it cannot
resolve. A reference is looked up as FHIR's rules for references in a Bundle say:

- ``#id``: a resource contained in the resource that holds the reference (``#`` alone: that
  resource itself);
- an absolute reference (``urn:uuid:…``, ``urn:oid:…``, ``https://…/Patient/12``): the entry
  whose ``fullUrl`` it is (``https://…/Patient/12/_history/3``: that entry, if its
  ``meta.versionId`` is ``3``);
- a relative one (``Patient/12``, also ``Patient/12/_history/3``): in an entry with a RESTful
  ``fullUrl``, only the entry whose ``fullUrl`` it is against that base
  (``https://ehr.example/fhir/Procedure/1`` → ``https://ehr.example/fhir/Patient/12``; not a
  ``Patient/12`` of another server); in an entry without one (a sender often gives no
  ``fullUrl``, or a ``urn:uuid:``), the entry of that type and ``id`` among the entries that
  have no RESTful ``fullUrl`` either.

A versioned reference (``…/_history/3``) reaches a resource only if its ``meta.versionId`` is
that version (a resource without one is not reached). A ``#id`` given as text
(``subject.reference.resolve()``) reaches nothing: which resource it is contained in is not
known from the text.

Cost: a RESTful ``fullUrl`` is indexed as (base, type, id), its base once per distinct base,
so looking up a reference builds no string; a ``fullUrl`` or reference longer than
:data:`MAX_URL` refuses the submission; several candidates are ambiguous at once, before any
version is compared; a resource's contained resources are indexed by ``id`` once.

The index holds the submission's own objects: the privacy filter drops elements from them in
place, so what ``resolve()`` gives after the filter is the filtered resource.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from fhirpathpy.engine.nodes import ResourceNode

from datahub.fhir.outcome import FhirRefused, error

Resource = dict[str, Any]
#: The longest ``fullUrl`` or reference taken (real ones are far shorter): a longer one refuses
#: the submission, as its cost would grow with its length.
MAX_URL = 4096
#: A URI with a scheme (``urn:``, ``https:``), as opposed to a relative ``Type/id``.
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_TYPE_ID = r"([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})"
_HISTORY = r"(?:/_history/([A-Za-z0-9\-.]{1,64}))?"
#: FHIR's relative reference: ``Type/id``, optionally ``/_history/version``.
_RELATIVE = re.compile(_TYPE_ID + _HISTORY)
#: A RESTful fullUrl: its base, and the ``Type/id`` after it.
_RESTFUL = re.compile(r"(https?://.+/)" + _TYPE_ID)
#: An absolute RESTful reference: a RESTful URL, optionally ``/_history/version``.
_RESTFUL_REFERENCE = re.compile(r"(https?://.+/)" + _TYPE_ID + _HISTORY)


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
        #: per entry: its resource, and the index of its RESTful fullUrl's base (if it has one)
        self._entries: list[tuple[Resource, int | None]] = []
        #: each distinct base of a RESTful fullUrl, by its index
        self._bases: dict[str, int] = {}
        #: the entries with a RESTful fullUrl by (base, type, id) of that fullUrl
        self._by_rest: dict[tuple[int, str, str], list[Resource]] = defaultdict(list)
        #: the entries with another fullUrl (``urn:uuid:…``) by it
        self._by_url: dict[str, list[Resource]] = defaultdict(list)
        #: the entries without a RESTful fullUrl by (type, id)
        self._by_id: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        #: id() of a resource → its contained resources by id (made when first asked)
        self._contained: dict[int, dict[str, list[Resource]]] = {}
        #: id() of every reference object → (that object, the index of its entry): a reference
        #: is resolved against its own entry (its contained resources, its fullUrl's base).
        self._origin: dict[int, tuple[Any, int]] = {}
        #: id() of each entry's resource → the index of its entry
        self._entry_of: dict[int, int] = {}
        #: while :meth:`reaching` collects them: the entries resolve() has reached
        self._reached: set[int] | None = None
        for index, (path, url, resource) in enumerate(_entries(root)):
            if url is not None and len(url) > MAX_URL:
                raise _too_long(_("The fullUrl of this entry is too long."), path, "fullUrl")
            restful = _RESTFUL.fullmatch(url or "")
            base = None
            if restful is not None:
                base = self._bases.setdefault(restful.group(1), len(self._bases))
                self._by_rest[(base, restful.group(2), restful.group(3))].append(resource)
            else:
                if url:
                    self._by_url[url].append(resource)
                if isinstance(resource.get("id"), str):
                    self._by_id[(resource["resourceType"], resource["id"])].append(resource)
            self._entries.append((resource, base))
            self._entry_of[id(resource)] = index
            self._index_references(resource, index, path)

    def reaching(self, into: set[int] | None) -> None:
        """From now on, add to ``into`` (``None``: to nothing) the entries (their indexes in
        the Bundle, as ``parsing.entries`` gives them) that :meth:`resolve` reaches: the
        entry of each reference it resolves, and of the resource it gives (for a contained
        one: the entry it is contained in).

        Example::

            >>> subject = {"reference": "Patient/p"}
            >>> bundle = {"resourceType": "Bundle", "entry": [
            ...     {"resource": {"resourceType": "Procedure", "subject": subject}},
            ...     {"resource": {"resourceType": "Patient", "id": "p"}}]}
            >>> references, reached = References(bundle), set()
            >>> references.reaching(reached)
            >>> [node.data["id"] for node in references.resolve([subject])], reached
            (['p'], {0, 1})
        """
        self._reached = into

    def filtered(self) -> None:
        """The privacy filter changed the resources (in place): forget what was read of them
        before. The filter may drop a contained resource whole; found through an index made
        before, it would still be reached."""
        self._contained.clear()

    def resolve(self, inputs: list[Any]) -> list[ResourceNode]:
        """FHIRPath's ``resolve()``: for each reference (a Reference, or a reference as text) the
        resource it points to in the submission; nothing for one it does not reach."""
        found = []
        for item in inputs:
            entry = None
            if isinstance(item, str):
                target = self._target(item, None)
            elif isinstance(item, dict) and isinstance(item.get("reference"), str):
                origin = self._origin.get(id(item))
                entry = origin[1] if origin is not None and origin[0] is item else None
                target = self._target(item["reference"], entry)
            else:
                target = None
            if self._reached is not None:
                # the reference's own entry, and the target's: an entry's resource, or one
                # contained in the reference's entry
                reached = (entry, None if target is None else self._entry_of.get(id(target), entry))
                self._reached.update(index for index in reached if index is not None)
            if target is not None:
                found.append(ResourceNode.create_node(target))
        return found

    def _target(self, reference: str, entry: int | None) -> Resource | None:
        if len(reference) > MAX_URL:
            return None
        reference = reference.strip()
        if reference.startswith("#"):  # as text (no entry): contained in what is not known
            return None if entry is None else self._contained_in(entry, reference[1:])
        if _ABSOLUTE.match(reference):
            restful = _RESTFUL_REFERENCE.fullmatch(reference)
            if restful is None:
                return _only(self._by_url.get(reference, []))
            url_base, kind, ident, version = restful.groups()
            base = self._bases.get(url_base)
            found = [] if base is None else self._by_rest.get((base, kind, ident), [])
            return _versioned(found, version)
        relative = _RELATIVE.fullmatch(reference)
        if relative is None:
            return None
        kind, ident, version = relative.groups()
        base = self._entries[entry][1] if entry is not None else None
        if base is not None:  # a RESTful entry's reference: that server's resource, or none
            return _versioned(self._by_rest.get((base, kind, ident), []), version)
        return _versioned(self._by_id.get((kind, ident), []), version)

    def _contained_in(self, entry: int, ident: str) -> Resource | None:
        resource = self._entries[entry][0]
        if not ident:
            return resource
        index = self._contained.get(id(resource))
        if index is None:
            index = defaultdict(list)
            contained = resource.get("contained")
            for item in contained if isinstance(contained, list) else []:
                if (
                    isinstance(item, dict)
                    and isinstance(item.get("resourceType"), str)
                    and isinstance(item.get("id"), str)
                ):
                    index[item["id"]].append(item)
            self._contained[id(resource)] = index
        return _only(index.get(ident, []))

    def _index_references(self, resource: Resource, entry: int, path: str) -> None:
        stack: list[Any] = [resource]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                reference = node.get("reference")
                if isinstance(reference, str):
                    if len(reference) > MAX_URL:
                        message = _("A reference in this resource is too long.")
                        raise _too_long(message, path)
                    self._origin[id(node)] = (node, entry)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def _entries(root: Resource | None) -> list[tuple[str, str | None, Resource]]:
    """(path, fullUrl, resource) of each entry of a Bundle (as ``parsing.entries`` has checked
    them), or of the one resource sent."""
    if root is None:
        return []
    if root.get("resourceType") != "Bundle":
        return [(root["resourceType"], None, root)]
    result = []
    for index, entry in enumerate(root.get("entry", [])):
        url = entry.get("fullUrl")
        path = f"Bundle.entry[{index}].resource"
        result.append((path, url.strip() if isinstance(url, str) else None, entry["resource"]))
    return result


def _too_long(message: str, path: str, element: str | None = None) -> FhirRefused:
    """The submission refused for a fullUrl or reference over :data:`MAX_URL` characters."""
    where = path if element is None else f"{path.removesuffix('.resource')}.{element}"
    text = _("%(message)s At most %(max)s characters are taken.") % {
        "message": message,
        "max": MAX_URL,
    }
    return FhirRefused(400, [error("too-costly", text, where)])


def _version(resource: Resource) -> str | None:
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, dict) else None
    return version if isinstance(version, str) else None


def _versioned(candidates: list[Resource], version: str | None) -> Resource | None:
    """The one candidate, if it is of ``version`` (when one is asked: a resource without
    ``meta.versionId`` is not of it); none when there are several, before any version is
    compared (which one is meant cannot be told)."""
    found = _only(candidates)
    if found is None or (version is not None and _version(found) != version):
        return None
    return found


def _only(candidates: list[Resource]) -> Resource | None:
    """The one resource found; none when there are several (which one is meant cannot be
    told, and a wrong patient's data is worse than an empty field)."""
    return candidates[0] if len(candidates) == 1 else None
