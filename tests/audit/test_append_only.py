"""The audit log can only be appended to: not through the ORM, and not through SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from datahub.audit.models import Action, AppendOnlyError, AuditEvent
from datahub.audit.services import record


def test_a_stored_event_cannot_be_changed_or_deleted_through_the_orm(submitter):
    event = record(Action.LOGIN, actor=submitter, institution=None)
    event.description = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(description="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_base_manager_cannot_delete_events(submitter):
    """Django deletes related rows through a model's base manager: it must check too."""
    event = record(Action.LOGIN, actor=submitter, institution=None)
    with pytest.raises((AppendOnlyError, DatabaseError)), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_refuses_an_update_in_sql(submitter):
    event = record(Action.LOGIN, actor=submitter, institution=None)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET description = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).description == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite guards deletes in the ORM")
def test_postgresql_refuses_a_delete_in_sql(submitter):
    event = record(Action.LOGIN, actor=submitter, institution=None)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_event_records_who_for_which_institution_what_and_from_where(rf, submitter, institution):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user = submitter
    request.institution = institution
    event = record(Action.VIEW, request=request, obj=institution, description="d")
    assert (event.actor, event.actor_label) == (submitter, submitter.email)
    assert event.institution == institution
    assert event.ip_address == "10.1.2.3"
    assert (event.object_type, event.object_id) == ("institutions.Institution", str(institution.pk))
    assert event.timestamp is not None
