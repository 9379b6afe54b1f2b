"""Row locks take only the rows they are for: a model ordered by a related field joins that
table, and PostgreSQL would lock the joined rows too (every package build of a processor
waited for the previous one, whatever the institution; a role change locked accounts)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datahub.institutions import services
from datahub.institutions.models import Membership, Role
from tests.conftest import make_member
from tests.forwarding.conftest import deliver, patient_rows

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks (it locks the database)"
)


def _locks(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]


def _locked_tables(sql: str) -> list[str]:
    found = re.search(r"FOR UPDATE OF (.*)$", sql)
    assert found is not None, sql  # FOR UPDATE without OF: every joined table's rows
    return re.findall(r'"(\w+)"', found.group(1))


def test_building_a_package_locks_only_its_authorisation(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as queries:
        deliver(institution, submitter, patient_rows(3), capture=django_capture_on_commit_callbacks)
    locks = [sql for sql in _locks(queries) if "forwarding_authorisation" in sql]
    assert locks
    assert all(_locked_tables(sql) == ["forwarding_authorisation"] for sql in locks)


def test_a_role_change_locks_only_the_roles(local_admin, institution):
    other = make_member("second@a.example", institution, Role.LOCAL_ADMIN)
    membership = Membership.objects.for_institution(institution).get(user=other)
    with CaptureQueriesContext(connection) as queries:
        services.change_role(actor=local_admin, membership=membership, role=Role.SUBMITTER)
    locks = [sql for sql in _locks(queries) if "institutions_membership" in sql]
    assert locks
    assert all(_locked_tables(sql) == ["institutions_membership"] for sql in locks)
