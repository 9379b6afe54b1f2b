"""Two requests changing the same thing at once: one changes it and is audited, the other
changes nothing (a review acknowledged one package from 8 threads: 2 audit events)."""

from __future__ import annotations

import pytest

from datahub.audit.models import Action, AuditEvent
from datahub.forwarding import fetching, tokens
from datahub.forwarding.errors import ForwardingError
from datahub.forwarding.models import ProcessorToken
from tests.forwarding.conftest import API
from tests.forwarding.test_processor_api import api, package  # noqa: F401  (fixtures)


def test_a_package_acknowledged_by_two_requests_at_once_is_audited_once(
    api,  # noqa: F811
    package,  # noqa: F811
    monkeypatch,
):
    api.get(f"{API}/packages/{package.pk}/download")
    days = fetching.retention_days
    raced = []

    def the_other_request_first() -> int:
        # this request has read the package as not acknowledged; another one acknowledges it
        if not raced:
            raced.append(None)
            raced[0] = api.post(f"{API}/packages/{package.pk}/acknowledge").status_code
        return days()

    monkeypatch.setattr(fetching, "retention_days", the_other_request_first)
    response = api.post(f"{API}/packages/{package.pk}/acknowledge")
    assert raced == [200] and response.status_code == 200
    package.refresh_from_db()
    assert response.json()["acknowledged_at"] is not None
    acknowledged = AuditEvent.objects.filter(action=Action.CHANGE, object_id=str(package.pk))
    assert acknowledged.count() == 1


def test_a_token_revoked_by_two_requests_at_once_is_audited_once(processor, monkeypatch):
    token, _ = tokens.create_token(actor=None, processor=processor, name="etl")
    stale = ProcessorToken.objects.get(pk=token.pk)  # read before the other revocation
    tokens.revoke_token(actor=None, processor=processor, token_id=token.pk)

    class _ReadBefore:
        def filter(self, **_: object) -> _ReadBefore:
            return self

        def first(self) -> ProcessorToken:
            return stale

    monkeypatch.setattr(tokens, "tokens_of", lambda _: _ReadBefore())
    with pytest.raises(ForwardingError, match=r"already revoked|al ingetrokken"):
        tokens.revoke_token(actor=None, processor=processor, token_id=token.pk)
    revoked = AuditEvent.objects.filter(action=Action.CHANGE, object_id=str(token.pk))
    assert revoked.count() == 1
