"""Institution data cannot be queried without saying for which institution."""

from __future__ import annotations

import pytest

from datahub.institutions.models import Membership, Unit
from datahub.institutions.scoping import ScopeError


def test_a_plain_query_of_institution_data_is_refused(institution):
    with pytest.raises(ScopeError):
        list(Unit.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.filter(role="aanleveraar").count()


def test_a_scoped_query_sees_only_that_institution(institution, other_institution):
    assert {u.institution_id for u in Unit.objects.for_institution(institution)} == {institution.pk}
    assert Unit.objects.for_institution(other_institution).count() == 1


def test_related_managers_are_scoped_by_the_object_they_start_from(institution, other_institution):
    assert sorted(u.number for u in institution.units.all()) == [0, 1]


def test_a_scope_needs_an_institution(db):
    with pytest.raises(ScopeError):
        Unit.objects.for_institution(None)


def test_crossing_institutions_must_be_said_out_loud(institution, other_institution):
    assert Unit.objects.unscoped().count() == 3
