"""The codes FHIR R4 requires of the elements the hub reads, which fhir.resources does not check.

fhir.resources checks that a ``code`` is a code's form, not that it is in the value set the
element's *required* binding names: ``Procedure.status: "klaar"`` passes it. The hub checks
those of the elements its records are made of and read through: the record's status, and the
Patient's gender and the Observation's status that a field reads through ``resolve()``. Other
required bindings (a HumanName's ``use``, ...) are not checked: the hub reads nothing of them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from datahub.fhir.outcome import Issue, error

#: (resource type, element) → the value set of its required binding and its codes (FHIR R4).
REQUIRED: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("Procedure", "status"): (
        "EventStatus",
        (
            "preparation",
            "in-progress",
            "not-done",
            "on-hold",
            "stopped",
            "completed",
            "entered-in-error",
            "unknown",
        ),
    ),
    ("Observation", "status"): (
        "ObservationStatus",
        (
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        ),
    ),
    ("Patient", "gender"): ("AdministrativeGender", ("male", "female", "other", "unknown")),
}


def binding_issues(path: str, resource: dict[str, Any]) -> list[Issue]:
    """An issue per element of ``resource`` (and of the resources it contains) whose code is
    not in the value set FHIR R4 requires for it."""
    found = _issues(path, resource)
    contained = resource.get("contained")
    if isinstance(contained, list):
        for index, inner in enumerate(contained):
            if isinstance(inner, dict):
                found += _issues(f"{path}.contained[{index}]", inner)
    return found


def _issues(path: str, resource: dict[str, Any]) -> list[Issue]:
    found = []
    for (kind, element), (value_set, codes) in REQUIRED.items():
        value = resource.get(element)
        if resource.get("resourceType") == kind and isinstance(value, str) and value not in codes:
            message = _(
                "This is not a code of %(value_set)s, which FHIR R4 requires here: use one "
                "of %(codes)s."
            ) % {"value_set": value_set, "codes": ", ".join(codes)}
            found.append(error("code-invalid", message, f"{path}.{element}"))
    return found
