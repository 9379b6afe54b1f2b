"""Tokens made before tokens expired get one year from the migration: none stops at once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from datahub.api.models import ApiToken
from datahub.forwarding.models import ProcessorToken

BEFORE = [("api", "0001_initial"), ("forwarding", "0005_package_institution_delivery_index")]
AFTER = [
    ("api", "0003_apitoken_expires_at_required"),
    ("forwarding", "0007_processortoken_expires_at_required"),
]
MIGRATED_AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_tokens_expire_a_year_after_the_migration(institution, processor):
    try:
        old = _migrate(BEFORE)
        made_long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        old.get_model("api", "ApiToken").objects.create(
            institution_id=institution.pk, name="EPD", prefix="dh_old", token_hash="a" * 64
        )
        old.get_model("forwarding", "ProcessorToken").objects.create(
            processor_id=processor.pk, name="etl", prefix="dhp_old", digest="b" * 64
        )
        for model in ("api.ApiToken", "forwarding.ProcessorToken"):
            old.get_model(model).objects.update(created_at=made_long_ago)
        with time_machine.travel(MIGRATED_AT, tick=False):
            _migrate(AFTER)
    finally:  # the schema of the later tests
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    year_later = MIGRATED_AT + dt.timedelta(days=365)
    assert ApiToken.objects.for_institution(institution).get().expires_at == year_later
    assert ProcessorToken.objects.get().expires_at == year_later
