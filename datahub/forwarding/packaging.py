"""Building the packages of a finished delivery: one per processor authorised at that moment.

A package holds the processed records (those without a record error) with every identifying
field pseudonymised for its processor, as CSV and as Parquet, encrypted at rest like delivered
files, and a small JSON manifest. Building is idempotent: a package per delivery and processor is
unique, so a task that runs twice (or two at once) leaves one package per processor.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import files
from datahub.deliveries.models import ENGINE_STATUS_LABEL, Delivery, Status, StoredFile
from datahub.forwarding import authorisations
from datahub.forwarding.models import Authorisation, Package
from datahub.forwarding.pseudonyms import MissingSecret, Pseudonymiser, secret_for
from datahub.institutions.models import Processor
from datahub.timestamps import utc_text
from datahub.validation import Report, iter_valid_records

logger = logging.getLogger(__name__)

BATCH = 50_000


def retention_days() -> int:
    """Days a package stays after acknowledgement (or after being superseded)."""
    return int(getattr(settings, "PACKAGE_RETENTION_DAYS", 30))


#: Finished and not rejected.
FORWARDABLE = frozenset({Status.PROCESSED, Status.WARNINGS, Status.ERRORS})


def is_forwardable(delivery: Delivery) -> bool:
    """Finished production deliveries that were not rejected and still have their file."""
    return (
        delivery.status in FORWARDABLE
        and not delivery.is_test
        and delivery.file is not None
        and delivery.file.deleted_at is None
    )


def forward_delivery(delivery_id: int) -> list[Package]:
    """Build (or find) the package of every processor authorised when the delivery finished.

    "When it finished" rather than "now", so that a forwarding run late (recovery) gives the
    same packages as one on time; a revocation since then still stops it. When every package
    due is there, the delivery's forwarding is done (``forwarding_done_at``).
    """
    delivery = (
        Delivery.objects.unscoped()
        .select_related("institution", "sub_delivery__registry", "dictionary_version", "file")
        .get(pk=delivery_id)
    )
    if not is_forwardable(delivery):
        return []
    finished = delivery.processed_at or timezone.now()
    active = list(
        authorisations.active_authorisations(
            delivery.institution, delivery.sub_delivery.registry_id, finished
        )
    )
    packages, lapsed = [], 0
    for authorisation in active:
        try:
            package = _build_or_log(delivery, authorisation)
        except AuthorisationLapsed:  # revoked while its package was built: none is due
            lapsed += 1
            continue
        if package is not None:
            packages.append(package)
    if len(packages) + lapsed == len(active):  # (the first time: a run again changes nothing)
        Delivery.objects.for_institution(delivery.institution).filter(
            pk=delivery.pk, forwarding_done_at__isnull=True
        ).update(forwarding_done_at=timezone.now())
    return packages


def _build_or_log(delivery: Delivery, authorisation: Authorisation) -> Package | None:
    """The package, or None after logging why not: one processor's failure (no secret, a file
    that cannot be read) must not keep the others from their package."""
    code = authorisation.processor.code
    try:
        return build_package(delivery, authorisation)
    except AuthorisationLapsed:
        logger.info("not forwarding delivery %s to %s: authorisation revoked", delivery.pk, code)
        raise
    except MissingSecret:
        logger.error(
            "not forwarding delivery %s to %s: no pseudonym secret configured", delivery.pk, code
        )
    except Exception:
        logger.exception("forwarding delivery %s to %s failed", delivery.pk, code)
    return None


def never_forwarded() -> Q:
    """Deliveries that are not forwarded (as :func:`is_forwardable`): test and rejected ones,
    and those whose file is gone."""
    return (
        Q(is_test=True)
        | ~Q(status__in=FORWARDABLE)
        | Q(file__isnull=True)
        | Q(file__deleted_at__isnull=False)
    )


def pending(until: dt.datetime) -> QuerySet[Delivery]:
    """Deliveries finished by ``until`` whose forwarding is not done, read through their own
    index (``delivery_forwarding_due``): however many were forwarded before, they cost nothing."""
    return (
        Delivery.objects.unscoped()
        .filter(forwarding_done_at__isnull=True, processed_at__lte=until)
        .order_by("processed_at", "pk")
    )


def finished_on() -> TruncDate:
    """A delivery's local day of finishing, for :func:`misses_a_package` (``finished_on``)."""
    return TruncDate("processed_at", tzinfo=timezone.get_current_timezone())


def misses_a_package(processor_id: int | None = None) -> Exists:
    """For a delivery (the outer query, annotated with :func:`finished_on`): an
    authorisation in force when it finished (of the processor ``processor_id``, else of any)
    whose processor has no package of it (``authorisations.in_force``, as
    ``forward_delivery``)."""
    granted = Authorisation.objects.unscoped().filter(institution=OuterRef("institution"))
    if processor_id is not None:
        granted = granted.filter(processor_id=processor_id)
    due = authorisations.in_force(
        granted,
        OuterRef("sub_delivery__registry_id"),
        OuterRef("processed_at"),
        OuterRef("finished_on"),
    )
    made = Package.objects.unscoped().filter(
        delivery=OuterRef(OuterRef("pk")), processor=OuterRef("processor")
    )
    return Exists(due.filter(~Exists(made)))


def unforwarded(until: dt.datetime) -> list[int]:
    """Of the deliveries finished by ``until`` whose forwarding is not done, the production
    ones that miss a package they should have (their task was lost or failed), oldest first.

    The others are marked done first, in one query: test and rejected deliveries, those missing
    nothing, and those whose file is gone (nothing can be made of it any more). What remains
    not done is what to forward.
    """
    candidates = pending(until).annotate(
        finished_on=finished_on(),
        misses=misses_a_package(),
    )
    done = candidates.filter(never_forwarded() | Q(misses=False))
    Delivery.objects.unscoped().filter(pk__in=done.values("pk")).update(
        forwarding_done_at=timezone.now()
    )
    return list(pending(until).values_list("pk", flat=True))


def recover(grace_minutes: int = 15) -> int:
    """Forward every delivery that still misses a package it should have; the number.

    However long ago it finished: a delivery whose forwarding failed (its task lost, a
    processor's secret missing, the workers down over a weekend) is forwarded once the cause is
    gone, as long as its file is kept. Deliveries finished in the last ``grace_minutes`` are
    left to their own task, which may still be running on a large file.
    """
    missing = unforwarded(timezone.now() - dt.timedelta(minutes=grace_minutes))
    for delivery_id in missing:
        try:
            forward_delivery(delivery_id)
        except Exception:  # one broken delivery must not stop the recovery of the others
            logger.exception("recovering the forwarding of delivery %s failed", delivery_id)
    return len(missing)


class AuthorisationLapsed(Exception):
    """The authorisation was revoked, or its processor's registration withdrawn, while the
    package was being built: no package, no ``forward`` in the audit log."""


def build_package(delivery: Delivery, authorisation: Authorisation) -> Package:
    """The package of ``delivery`` for the authorisation's processor (built once).

    Building a large delivery's files takes a while: the authorisation is read again under its
    row lock before the package is made, so a revocation that committed meanwhile stops it
    (:class:`AuthorisationLapsed`), and one that comes later waits for the package and then
    withdraws it like every earlier one."""
    processor = authorisation.processor
    existing = Package.objects.for_processor(processor).filter(delivery=delivery).first()
    if existing is not None:
        return existing
    pseudonymise = Pseudonymiser(secret_for(processor.code), delivery.institution.agb_code)
    csv_file, parquet_file, count = _store_files(delivery, pseudonymise)
    manifest = _manifest(delivery, processor.code, count, csv_file, parquet_file)
    try:
        with transaction.atomic():
            # Packages of one processor, institution and registry are built one at a time:
            # two same-period deliveries forwarded at once would otherwise each miss the
            # other's uncommitted package, and both stay current (PostgreSQL; SQLite
            # serialises writes anyway).
            lock = Authorisation.objects.for_institution(delivery.institution)
            lock = lock.select_for_update(of=("self",)).filter(pk=authorisation.pk)
            # (only its row: not the processor and registry)
            if not _still_in_force(lock, authorisation, delivery):
                raise AuthorisationLapsed(authorisation.pk)
            sequence, made_available = _next_place(processor)
            package = Package.objects.create(
                delivery=delivery,
                institution=delivery.institution,
                processor=processor,
                authorisation=authorisation,
                manifest=manifest,
                record_count=count,
                csv_file=csv_file,
                parquet_file=parquet_file,
                sequence=sequence,
                created_at=made_available,
            )
            _supersede(package, delivery)
    except AuthorisationLapsed:
        files.delete(csv_file)
        files.delete(parquet_file)
        raise
    except IntegrityError:
        # Another run built it at the same moment: keep theirs, drop our files.
        files.delete(csv_file)
        files.delete(parquet_file)
        return Package.objects.for_processor(processor).get(delivery=delivery)
    record(
        Action.FORWARD,
        institution=delivery.institution,
        processor=processor,
        obj=package,
        description=gettext_noop("package of delivery {delivery} for {processor}: {count} records"),
        values={"delivery": delivery.pk, "processor": processor.code, "count": count},
        detail={"delivery": delivery.pk, "records": count},
    )
    return package


def _still_in_force(
    locked: QuerySet[Authorisation], authorisation: Authorisation, delivery: Delivery
) -> bool:
    """Whether the authorisation (its row locked by ``locked``) is still in force for the
    delivery as :func:`forward_delivery` found it: not revoked, its processor registered for the
    registry when the delivery finished and still (not withdrawn and registered again since)."""
    list(locked.values_list("pk"))  # takes the lock (only its row); then reads what committed
    finished = delivery.processed_at or timezone.now()
    day = timezone.localdate(finished)
    rows = Authorisation.objects.for_institution(delivery.institution).filter(pk=authorisation.pk)
    return authorisations.in_force(rows, authorisation.registry_id, finished, day).exists()


def _next_place(processor: Processor) -> tuple[int, dt.datetime]:
    """The number (``Package.sequence``) and the moment (``created_at``) of the processor's next
    package, in a transaction; both later than those of every package it has.

    The processor's row stays locked until that transaction commits, so the processor's
    packages become visible in the order of their numbers and moments, and a client paging on
    either (``after``, ``since`` in the API) never passes one that commits later. The moment is
    at least a microsecond after the last one's even when this worker's clock is behind the one
    that made it. ``NO KEY UPDATE``: the lock neither waits for nor keeps out the key-share
    locks that inserting a package takes on its processor (PostgreSQL; SQLite serialises writes
    anyway).
    """
    lock = Processor.objects.select_for_update(no_key=True).filter(pk=processor.pk)
    list(lock.values_list("pk"))
    packages = Package.objects.for_processor(processor).order_by("-sequence")
    last = packages.values_list("sequence", "created_at").first()
    now = timezone.now()
    if last is None:
        return 1, now
    return last[0] + 1, max(now, last[1] + dt.timedelta(microseconds=1))


def package_stem(delivery: Delivery) -> str:
    return delivery.file_name.rsplit(".", 1)[0]


def pseudonymised_fields(dictionary: Any) -> set[str]:
    """The fields replaced by a per-processor pseudonym.

    Every field marked identifying, and every text key field (e.g. an operation number the
    hospital issues): left as delivered, such a key would let two processors link their data
    and lead back into the hospital's own records. Date and code key fields stay as they are.
    """
    keys = set(dictionary.general.key_fields)
    return {
        f.name
        for f in dictionary.fields
        if f.identifying or (f.name in keys and f.datatype == "tekst")
    }


def _store_files(
    delivery: Delivery, pseudonymise: Pseudonymiser
) -> tuple[StoredFile, StoredFile, int]:
    dictionary = delivery.dictionary_version.dictionary
    names = list(dictionary.field_names)
    identifying = pseudonymised_fields(dictionary)
    stem = package_stem(delivery)
    with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        csv_path, parquet_path = Path(tmp) / "package.csv", Path(tmp) / "package.parquet"
        with _valid_records(delivery) as records:
            count = write_csv(records, names, identifying, pseudonymise, csv_path)
        pl.scan_csv(csv_path, infer_schema=False).sink_parquet(parquet_path)
        csv_file = files.store(_read(csv_path), f"{stem}.csv")
        parquet_file = files.store(_read(parquet_path), f"{stem}.parquet")
    return csv_file, parquet_file, count


@contextmanager
def _valid_records(delivery: Delivery) -> Iterator[Iterator[dict[str, str | None]]]:
    """The delivery's records without record errors, read again from its encrypted file."""
    assert delivery.file is not None
    dictionary = delivery.dictionary_version.dictionary
    with files.open_plaintext(delivery.file) as stream:
        yield iter_valid_records(
            dictionary, stream, _stored_report(delivery), file_name=delivery.file_name
        )


def _stored_report(delivery: Delivery) -> Report:
    """The parts of the delivery's report that ``iter_valid_records`` reads."""
    return Report(
        file=delivery.file_name,
        code=delivery.sub_delivery.code,
        version=delivery.dictionary_version.version,
        status=ENGINE_STATUS_LABEL[Status(delivery.status)],
        total=delivery.records_total or 0,
        processed=delivery.records_processed or 0,
        not_processed=delivery.records_not_processed or 0,
        errors=delivery.error_count or 0,
        warnings=delivery.warning_count or 0,
        findings=(),
        error_records=frozenset(delivery.error_records or ()),
    )


def write_csv(
    records: Iterable[dict[str, str | None]],
    names: list[str],
    identifying: set[str],
    pseudonymise: Pseudonymiser,
    path: Path,
) -> int:
    """Write the records, pseudonymised, as UTF-8 CSV in batches; the number written."""
    schema = dict.fromkeys(names, pl.String)
    count = 0
    iterator = iter(records)
    with path.open("wb") as out:
        while batch := list(islice(iterator, BATCH)):
            columns = {
                name: [
                    pseudonymise(row[name]) if name in identifying else row[name] for row in batch
                ]
                for name in names
            }
            pl.DataFrame(columns, schema=schema).write_csv(out, include_header=count == 0)
            count += len(batch)
        if count == 0:
            pl.DataFrame(schema=schema).write_csv(out)
    return count


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while piece := source.read(files.CHUNK):
            yield piece


def _manifest(
    delivery: Delivery,
    processor_code: str,
    count: int,
    csv_file: StoredFile,
    parquet_file: StoredFile,
) -> dict[str, Any]:
    dictionary = delivery.dictionary_version.dictionary
    return {
        "institution": delivery.institution.agb_code,
        "institution_name": delivery.institution.name,
        "registry": delivery.sub_delivery.registry.stream,
        "sub_delivery": delivery.sub_delivery.code,
        "version": delivery.dictionary_version.version,
        "period": delivery.period,
        "delivery_id": delivery.pk,
        "delivered_at": utc_text(delivery.submitted_at),
        "processor": processor_code,
        "record_count": count,
        "pseudonymised_fields": sorted(pseudonymised_fields(dictionary)),
        "files": {
            "csv": _file_entry(csv_file),
            "parquet": _file_entry(parquet_file),
        },
    }


def _file_entry(stored: StoredFile) -> dict[str, Any]:
    return {"name": stored.original_name, "size": stored.size, "sha256": stored.sha256}


def _supersede(package: Package, delivery: Delivery) -> None:
    """The package of a period's newest delivery replaces the earlier ones of the same
    institution, unit, sub-delivery and period: a redelivery replaces what it corrects (and
    every ``TOTAAL`` delivery is the whole dataset). Newest by delivery time, then by id."""
    same_period = (
        Package.objects.for_processor(package.processor_id)
        .filter(
            institution=delivery.institution,
            delivery__unit=delivery.unit_id,
            delivery__sub_delivery=delivery.sub_delivery_id,
            delivery__period=delivery.period,
            superseded_by__isnull=True,
        )
        .exclude(pk=package.pk)
    )
    at, pk = delivery.submitted_at, delivery.pk
    later = Q(delivery__submitted_at__gt=at) | Q(delivery__submitted_at=at, delivery_id__gt=pk)
    newer = same_period.filter(later).order_by("-delivery__submitted_at", "-delivery_id").first()
    if newer is not None:  # built out of order: ours is already out of date
        _mark_superseded(Package.objects.for_processor(package.processor_id), [package.pk], newer)
        return
    older = list(same_period.exclude(later).values_list("pk", flat=True))
    _mark_superseded(Package.objects.for_processor(package.processor_id), older, package)


def _mark_superseded(packages: Any, ids: list[int], by: Package) -> None:
    if not ids:
        return
    now = timezone.now()
    limit = now + dt.timedelta(days=retention_days())
    packages.filter(pk__in=ids).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=limit)).update(
        expires_at=limit
    )
    packages.filter(pk__in=ids).update(superseded_by=by, superseded_at=now)
