"""What a processor does with its packages: list them, download them, acknowledge receipt.

A processor only ever reaches its own packages (``Package.objects.for_processor``). A package
whose authorisation was revoked, whose registration the hub's operator withdrew, or that expired
or was superseded, can no longer be fetched.
Every download and acknowledgement, and every refusal, is audited.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import files
from datahub.forwarding.errors import (
    AuthorisationRevoked,
    FilesUnavailable,
    FileUnreadable,
    ForwardingError,
    PackageNotFound,
    PackageWithdrawn,
)
from datahub.forwarding.models import Package, ProcessorToken, fetchable, still_registered
from datahub.forwarding.packaging import retention_days
from datahub.institutions.models import Processor

logger = logging.getLogger(__name__)

Format = Literal["csv", "parquet"]
FORMATS: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def available_packages(
    processor: Processor,
    *,
    registry: str | None = None,
    since: dt.datetime | None = None,
    after: int | None = None,
) -> QuerySet[Package]:
    """The processor's packages that may be fetched, in the order they became visible
    (``Package.sequence``); those after the number ``after`` and made available after
    ``since``."""
    packages = (
        Package.objects.for_processor(processor)
        .filter(fetchable())
        .select_related("delivery__sub_delivery__registry", "institution")
        .order_by("sequence")
    )
    if registry:
        packages = packages.filter(delivery__sub_delivery__registry__stream__iexact=registry)
    if after is not None:
        packages = packages.filter(sequence__gt=after)
    if since is not None:
        packages = packages.filter(created_at__gt=since)
    return packages


def package_for(processor: Processor, package_id: int, request: HttpRequest | None) -> Package:
    """The processor's own package that it may still fetch; refusals are audited."""
    package = (
        Package.objects.for_processor(processor)
        .select_related("authorisation", "csv_file", "parquet_file", "institution")
        .annotate(registered=still_registered())
        .filter(pk=package_id)
        .first()
    )
    if package is None:
        _refused(
            request, processor, gettext_noop("package {id} is not of this processor"), id=package_id
        )
        raise PackageNotFound(_("There is no package %(id)s for you.") % {"id": package_id})
    withdrawn = _why_withdrawn(package)
    if withdrawn is not None:
        refusal, why, values = withdrawn
        _refused(request, processor, why, package, id=package_id, **values)
        raise refusal
    return package


def _why_withdrawn(
    package: Package,
) -> tuple[PackageWithdrawn, str, dict[str, Any]] | None:
    """Why a package may no longer be fetched: the refusal for the processor, and the audit
    log's description (a template) and its values; None while it may."""
    if package.authorisation.revoked_at is not None:
        return (
            AuthorisationRevoked(
                _("The institution has revoked your authorisation for this registry.")
            ),
            gettext_noop("package {id}: the authorisation was revoked"),
            {},
        )
    if not getattr(package, "registered", False):  # (annotated by package_for)
        return (
            AuthorisationRevoked(
                _("The hub's operator has withdrawn your registration for this registry.")
            ),
            gettext_noop("package {id}: the registration was withdrawn"),
            {},
        )
    if package.expired_at is not None:
        return (
            PackageWithdrawn(_("This package has expired and its files were deleted.")),
            gettext_noop("package {id}: expired, its files deleted"),
            {},
        )
    if package.superseded_by_id is not None:
        return (
            PackageWithdrawn(
                _("This package was replaced by package %(id)s.") % {"id": package.superseded_by_id}
            ),
            gettext_noop("package {id}: replaced by package {new}"),
            {"new": package.superseded_by_id},
        )
    return None


def open_download(package: Package, fmt: Format, request: HttpRequest | None) -> io.BufferedReader:
    """The decrypted file of the package; notes the first fetch and audits the download."""
    stored = package.csv_file if fmt == "csv" else package.parquet_file
    if stored is None or stored.deleted_at is not None:
        raise PackageWithdrawn(_("This package has expired and its files were deleted."))
    stream = _opened(package, stored, fmt)
    Package.objects.for_processor(package.processor_id).filter(
        pk=package.pk, fetched_at__isnull=True
    ).update(fetched_at=timezone.now())
    record(
        Action.DOWNLOAD,
        actor=_actor(request),
        institution=package.institution,
        processor=package.processor,
        obj=package,
        request=request,
        description=gettext_noop("package {id} downloaded as {format}"),
        values={"id": package.pk, "format": fmt},
        detail={"delivery": package.delivery_id, "format": fmt, "token": _token(request)},
    )
    return stream


def _opened(package: Package, stored: Any, fmt: str) -> io.BufferedReader:
    """The package's file, its first block already decrypted: a file that does not decrypt
    (the wrong key, damaged) or is missing is refused before the download is noted; a storage
    out of reach is an outage, to try again."""
    try:
        stream = files.open_plaintext(stored)
        stream.peek(1)
    except (files.FileIntegrityError, FileNotFoundError) as exc:
        logger.error("package %s (%s) cannot be read: %r", package.pk, fmt, exc)
        raise FileUnreadable(
            _(
                "The package's file cannot be read; nothing was fetched. Contact the DHD "
                "Servicedesk: the cause is in the hub's log."
            )
        ) from None
    except files.STORAGE_OUTAGES:
        logger.exception("opening package %s (%s) failed", package.pk, fmt)
        raise FilesUnavailable(
            _(
                "The hub could not read the package's file just now. Try again in a few "
                "minutes; if it keeps failing, contact the DHD Servicedesk."
            )
        ) from None
    return stream


def acknowledge(package: Package, request: HttpRequest | None) -> Package:
    """Receipt confirmed: the package expires after the retention period from now on."""
    if package.fetched_at is None:
        raise ForwardingError(_("Download the package before you acknowledge receipt."))
    if package.acknowledged_at is None:
        now = timezone.now()
        changed = (
            Package.objects.for_processor(package.processor_id)
            .filter(pk=package.pk, acknowledged_at__isnull=True)
            .update(acknowledged_at=now, expires_at=now + dt.timedelta(days=retention_days()))
        )
        package.refresh_from_db()
        if not changed:  # acknowledged at the same moment by another request: audited there
            return package
        record(
            Action.CHANGE,
            actor=_actor(request),
            institution=package.institution,
            processor=package.processor,
            obj=package,
            request=request,
            description=gettext_noop("receipt of package {id} acknowledged"),
            values={"id": package.pk},
            detail={"delivery": package.delivery_id, "token": _token(request)},
        )
    return package


def _refused(
    request: HttpRequest | None,
    processor: Processor,
    reason: str,
    package: Any = None,
    **values: Any,
) -> None:
    record(
        Action.DENIED,
        actor=_actor(request),
        institution=getattr(package, "institution", None),
        processor=processor,
        obj=package,
        request=request,
        description=reason,
        values=values,
        detail={"path": request.path, "token": _token(request)} if request is not None else {},
    )


@dataclass(frozen=True)
class ProcessorTokenActor:
    """Who acted, for the audit log, when a processor's system called with a token: the
    institution's log names the processor, not an empty person."""

    token: ProcessorToken
    pk: None = None

    def __str__(self) -> str:
        return f"{self.token.processor.name}: API token {self.token.prefix} ({self.token.name})"


def _actor(request: HttpRequest | None) -> ProcessorTokenActor | None:
    """The token that made the call; None for a page (the person logged in is the actor)."""
    token = getattr(request, "auth", None)
    return ProcessorTokenActor(token) if isinstance(token, ProcessorToken) else None


def _token(request: HttpRequest | None) -> str:
    """Which token made the call (its visible prefix), for the audit log."""
    return str(getattr(getattr(request, "auth", None), "prefix", ""))
