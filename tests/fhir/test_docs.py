"""docs/fhir.md's table of refusals says what the endpoint answers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.fhir.conftest import issues, post, procedure


def _refusals() -> list[tuple[str, str, str]]:
    """(status, code, when) per row of the table of refusals."""
    text = (settings.BASE_DIR / "docs" / "fhir.md").read_text(encoding="utf-8")
    table = text.split("**Refused**", 1)[1].split("\n\n", 2)[1]
    return re.findall(r"^\| `(\d{3})` \| `([a-z-]+)` \| (.*) \|$", table, re.MULTILINE)


@pytest.mark.parametrize(
    "query", [{"unit": "abc"}, {"creation_date": "gisteren"}, {"is_test": "ja"}]
)
def test_an_unreadable_query_parameter_is_refused_as_the_table_says(fhir_cataract, token, query):
    """The code said ``invalid``, the table ``processing`` (a review): ``invalid`` it is, as
    FHIR's IssueType names content that is not valid."""
    response = post(token, procedure(1), **query)
    (issue,) = issues(response)
    rows = [
        when
        for status, code, when in _refusals()
        if (int(status), code) == (response.status_code, issue["code"])
    ]
    assert any("query parameter could not be read" in when for when in rows), rows
    assert issue["diagnostics"].startswith(f"{next(iter(query))}: ")
