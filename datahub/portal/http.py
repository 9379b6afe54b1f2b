"""The request as portal views see it after the middleware and the access decorators ran."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from datahub.accounts.models import User
    from datahub.institutions.models import Institution, Membership, Processor


class PortalRequest(HttpRequest):
    user: User
    membership: Membership | None
    institution: Institution | None


class InstitutionRequest(PortalRequest):
    """Behind ``member_required``: the person works for ``institution`` in this request."""

    membership: Membership
    institution: Institution


class ProcessorRequest(PortalRequest):
    processor: Processor
