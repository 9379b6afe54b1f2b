"""The answer of the FHIR endpoint: an OperationOutcome (FHIR JSON), one issue per point."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse

MEDIA_TYPE = "application/fhir+json"
#: The coding system of a finding's code (``T07``, ``001_RefTab``) in an issue's ``details``.
FINDING_SYSTEM = "urn:datahub:bevinding"


@dataclass(frozen=True)
class Issue:
    """One ``OperationOutcome.issue``: severity ``error``/``warning``/``information``, an
    IssueType ``code`` (``invalid``, ``security``, ``processing``, ...), the hub's words, and
    where it is (a FHIRPath expression) if known."""

    severity: str
    code: str
    diagnostics: str
    expression: str | None = None
    finding: str | None = None

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.finding:
            issue["details"] = {"coding": [{"system": FINDING_SYSTEM, "code": self.finding}]}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirRefused(Exception):
    """The submission is refused with these issues; nothing was stored."""

    def __init__(self, status: int, issues: Iterable[Issue]) -> None:
        self.status = status
        self.issues = list(issues)
        super().__init__("; ".join(issue.diagnostics for issue in self.issues))


def error(code: str, diagnostics: str, expression: str | None = None) -> Issue:
    return Issue("error", code, diagnostics, expression)


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """The OperationOutcome resource (FHIR needs at least one issue)."""
    return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in issues]}


def response(status: int, issues: Iterable[Issue]) -> HttpResponse:
    body = json.dumps(operation_outcome(issues), ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=f"{MEDIA_TYPE}; charset=utf-8")


def issues_from(problems: dict[str, list[str]], code: str) -> list[Issue]:
    """An ``error`` issue of ``code`` per problem of the intake or the API's fields, the field
    named first (``version: ...``); a problem of the whole submission as it is."""
    return [
        error(code, f"{name}: {message}" if name else message)
        for name, messages in problems.items()
        for message in messages
    ]
