"""Receiving a delivered file: the checks of "Controleren" and the submission of "Aanleveren".

Both the upload page and the API call :func:`check` and :func:`submit`; every problem is
reported per field with a message for the user, and nothing is stored unless all is well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.deliveries import files, uploads
from datahub.deliveries.models import (
    MAX_NAME,
    Channel,
    Delivery,
    SequenceCounter,
    StoredFile,
    UploadSession,
)
from datahub.dictionaries import labels
from datahub.dictionaries.models import DictionaryVersion, Participation, SubDelivery
from datahub.dictionaries.services import current_version, method_of
from datahub.institutions.models import Institution, Unit
from datahub.validation import (
    FILE_FORMATS,
    content_mismatch,
    parse_file_name,
    parse_period,
    valid_parts,
)

#: Field names of the upload form and the API; problems are keyed by them ("" = the file).
FIELDS = (
    "institution_code",
    "unit",
    "code",
    "version",
    "is_test",
    "creation_date",
    "sequence_number",
    "period",
)
EXTENSIONS = FILE_FORMATS
#: The highest sequence number: the column is a 32-bit integer on PostgreSQL.
MAX_SEQUENCE = 2_147_483_647

logger = logging.getLogger(__name__)


@dataclass
class Metadata:
    """What a delivery says about itself (from the file name, or filled in by hand)."""

    file_name: str
    institution_code: str = ""
    unit: int | None = None
    code: str = ""
    version: str = ""
    is_test: bool = False
    creation_date: dt.date | None = None
    sequence_number: int | None = None
    period: str = ""

    @property
    def extension(self) -> str:
        return self.file_name.rsplit(".", 1)[-1].lower() if "." in self.file_name else ""

    @property
    def environment(self) -> str:
        return "TEST" if self.is_test else "PROD"

    def built_name(self) -> str:
        """The conventional file name these fields make (shown when the name was not)."""
        created = f"{self.creation_date:%Y%m%d}" if self.creation_date else ""
        return (
            f"{self.institution_code}_{self.unit}_{self.code}_{self.version}_"
            f"{self.sequence_number}_{created}_{self.environment}.{self.extension}"
        )


@dataclass
class CheckResult:
    metadata: Metadata
    problems: dict[str, list[str]] = field(default_factory=dict)
    sub_delivery: SubDelivery | None = None
    version: DictionaryVersion | None = None
    unit: Unit | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, name: str, message: str) -> None:
        self.problems.setdefault(name, []).append(message)

    @property
    def needs_period(self) -> bool:
        return self.version is None or self.version.frequency != "totaal"


class DeliveryRefused(Exception):
    """Nothing was stored; ``problems`` holds the messages per field."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(m for messages in problems.values() for m in messages))


class StorageUnavailable(DeliveryRefused):
    """The hub's storage failed while the file was stored: nothing was delivered, and the
    sender should try again later (an API answers 503)."""

    status = 503

    def __init__(self) -> None:
        super().__init__({"": [uploads.storage_failed_message()]})


def landed_before(
    institution: Institution,
    metadata: Metadata,
    chunks: Iterable[bytes],
    problems: dict[str, list[str]],
) -> Delivery | None:
    """For a delivery refused for its sequence number: the delivery already accepted with that
    number, of exactly the same file (SHA-256) with the same fields (sub-delivery, version,
    unit, environment, creation date, period: the period is not in the file name, so the same
    file for another period is no retry). A retry whose first answer was lost (the API), or a
    form sent twice by a double click (the upload page without JavaScript), is answered with it.

    The other checks may refuse the retry by now (the version expired at midnight, the
    participation ended): what landed is still the answer to what was sent."""
    if (
        "sequence_number" not in problems
        or not metadata.sequence_number
        or metadata.unit is None
        or metadata.creation_date is None
    ):
        return None
    digest = hashlib.sha256()
    for piece in chunks:
        digest.update(piece)
    return (
        Delivery.objects.for_institution(institution)
        .filter(
            sub_delivery__code=metadata.code,
            dictionary_version__version=metadata.version,
            unit__number=metadata.unit,
            is_test=metadata.is_test,
            creation_date=metadata.creation_date,
            period=metadata.period,  # as the checks wrote it (2026K2, TOTAAL), as stored
            sequence_number=metadata.sequence_number,
            file_name=display_name(metadata),
            file__sha256=digest.hexdigest(),
        )
        .first()
    )


def metadata_from_name(file_name: str) -> Metadata:
    """Fill the fields from a conventional file name (as far as it follows the convention)."""
    parts, _problems = parse_file_name(file_name)
    metadata = Metadata(file_name=file_name)
    if parts is not None:
        metadata.institution_code = parts.institution
        metadata.unit = parts.unit
        metadata.code = parts.code
        metadata.version = parts.version
        metadata.is_test = parts.test
        metadata.creation_date = parts.created
        metadata.sequence_number = parts.sequence
    else:  # what is right of a name that is nearly so (an impossible date, .txt)
        valid = valid_parts(file_name)
        metadata.institution_code = valid.get("institution", "")
        metadata.unit = int(valid["unit"]) if "unit" in valid else None
        metadata.code = valid.get("code", "")
        metadata.version = valid.get("version", "")
        metadata.sequence_number = int(valid["sequence"]) if "sequence" in valid else None
        if "created" in valid:
            metadata.creation_date = dt.datetime.strptime(valid["created"], "%Y%m%d").date()
        metadata.is_test = says_test(file_name)
    return metadata


def name_problems(file_name: str) -> list[str]:
    """Why a name does not follow the convention, in the current language (none if it does)."""
    english = engine_lang() == "en"
    return [p.en if english else p.nl for p in parse_file_name(file_name)[1]]


def engine_lang() -> str:
    """The validation engine's language (``nl`` or ``en``) for the person's own."""
    return "en" if (translation.get_language() or "").startswith("en") else "nl"


def only_unit(institution: Institution) -> int | None:
    """The number of the institution's unit if it has just one (it need not be said)."""
    units = list(Unit.objects.for_institution(institution).values_list("number", flat=True)[:2])
    return units[0] if len(units) == 1 else None


def with_defaults(metadata: Metadata, institution: Institution, today: dt.date) -> Metadata:
    """Fill what follows from what is known, where the name did not say: the unit of an
    institution that has only one, and the version of the registry in force today."""
    if metadata.unit is None:
        metadata.unit = only_unit(institution)
    if not metadata.version and metadata.code and "\x00" not in metadata.code:
        sub_delivery = SubDelivery.objects.filter(code=metadata.code.strip().upper()).first()
        version = current_version(sub_delivery, today) if sub_delivery else None
        metadata.version = version.version if version else ""
    return metadata


def names_impossible_date(file_name: str) -> bool:
    """Whether the name is in the convention's shape but its creation date is no date.

    Example::

        >>> names_impossible_date("11111111_0_CAT_1.4_7_20261131_PROD.csv")
        True
        >>> names_impossible_date("11111111_0_CAT_1.4_7_20261130_PROD.csv")
        False
        >>> names_impossible_date("export.csv")
        False
    """
    parts = valid_parts(file_name)
    return bool(parts) and "created" not in parts


def follows_convention(file_name: str) -> bool:
    """Whether the name follows the file name convention (so that it fills the fields)."""
    return parse_file_name(file_name)[0] is not None


def says_test(file_name: str) -> bool:
    """Whether the name ends in ``_TEST`` before its extension (in any case): such a file is a
    test delivery, whatever else its name says, and is never forwarded (spec §3).

    Example::

        >>> says_test("export_2026H1_test.csv"), says_test("11111111_0_CAT_1.4_1_20261129_PROD.csv")
        (True, False)
    """
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return stem.upper().endswith("_TEST")


def check(
    metadata: Metadata, institution: Institution, channel: str, *, today: dt.date | None = None
) -> CheckResult:
    """Every check of "Controleren" (spec §4); problems per field, none means acceptable."""
    today = today or timezone.localdate()
    result = CheckResult(metadata)
    _check_file_name(result)
    _check_institution(result, institution)
    _check_sub_delivery(result, institution, channel, today)
    _check_version(result, today)
    _check_creation_date(result, today)
    _check_sequence(result, institution)
    _check_period(result, today)
    return result


def check_channel(
    metadata: Metadata, institution: Institution, channel: str, *, today: dt.date | None = None
) -> CheckResult:
    """Only whether the institution may deliver ``metadata.code`` through ``channel``: the
    sub-delivery exists, the institution takes part in it, and delivers its registry through
    that channel. A refusal here is the one that matters (FHIR asks it before the rest)."""
    result = CheckResult(metadata)
    _check_sub_delivery(result, institution, channel, today or timezone.localdate())
    return result


def _check_file_name(result: CheckResult) -> None:
    name = result.metadata.file_name
    if not name:
        result.add("", _("Choose a file first."))
        return
    if name != name.replace("\\", "/").rsplit("/", 1)[-1] or name in (".", ".."):
        result.add("", _("The file name may not contain a path."))
        return
    if len(name) > MAX_NAME:
        result.add(
            "",
            _("The file name may be at most %(limit_value)d characters long.")
            % {"limit_value": MAX_NAME},
        )
        return
    # control and format characters (DEL, U+0085, a right-to-left override that makes a name
    # read as another) have no place in a name shown to people and processors
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        result.add("", _("The file name contains characters that are not allowed."))
    if result.metadata.extension not in EXTENSIONS:
        result.add("", _("The file must be a .csv or .xml file."))
    parts, problems = parse_file_name(name)
    if parts is not None and not problems:
        _check_name_matches_fields(result, parts)
    elif says_test(name) and not result.metadata.is_test:
        result.add("is_test", _("The file name ends in _TEST: this is a test delivery."))


def _check_name_matches_fields(result: CheckResult, parts: Any) -> None:
    m = result.metadata
    pairs = {
        "institution_code": (parts.institution, m.institution_code),
        "unit": (parts.unit, m.unit),
        "code": (parts.code, m.code),
        "version": (parts.version, m.version),
        "is_test": (parts.test, m.is_test),
        "creation_date": (parts.created, m.creation_date),
        "sequence_number": (parts.sequence, m.sequence_number),
    }
    for name, (in_name, chosen) in pairs.items():
        if in_name != chosen:
            shown = ("TEST" if in_name else "PROD") if name == "is_test" else in_name
            result.add(name, _("The file name says %(value)s.") % {"value": shown})


def _check_institution(result: CheckResult, institution: Institution) -> None:
    m = result.metadata
    if m.institution_code != institution.agb_code:
        result.add("institution_code", _("This is not the code of your institution."))
    if m.unit is None:
        result.add("unit", _("Fill in the institution unit."))
        return
    result.unit = institution.units.filter(number=m.unit).first()
    if result.unit is None:
        result.add("unit", _("Your institution has no unit %(unit)s.") % {"unit": m.unit})


def _check_sub_delivery(
    result: CheckResult, institution: Institution, channel: str, today: dt.date
) -> None:
    code = result.metadata.code
    if not code:
        result.add("code", _("Fill in the code of the registry (e.g. CAT)."))
        return
    sub_delivery = SubDelivery.objects.select_related("registry").filter(code=code).first()
    if sub_delivery is None:
        result.add("code", _("There is no registry with code %(code)s.") % {"code": code})
        return
    result.sub_delivery = sub_delivery
    participation = (
        Participation.objects.for_institution(institution).filter(sub_delivery=sub_delivery).first()
    )
    if participation is None or not (
        participation.is_active_on(today) or _took_part_in(participation, result.metadata.period)
    ):
        result.add("code", _("Your institution does not take part in %(code)s.") % {"code": code})
        return
    method = method_of(institution, sub_delivery.registry)
    if method != channel:
        result.add(
            "code",
            _("Your institution delivers %(stream)s through %(method)s, not through %(channel)s.")
            % {
                "stream": sub_delivery.registry.stream,
                "method": labels.label(labels.METHODS, method) if method else "—",
                "channel": _channel_label(channel),
            },
        )


def _took_part_in(participation: Participation, period: str) -> bool:
    """Whether the institution took part during a dated ``period`` (the schedule expects its
    delivery, also after the participation ended)."""
    try:
        span = parse_period(period)
    except ValueError:
        return False
    return span is not None and participation.overlaps(*span)


def _check_version(result: CheckResult, today: dt.date) -> None:
    if result.sub_delivery is None:
        return
    if not result.metadata.version:
        result.add("version", _("Fill in the version of the data dictionary (e.g. 1.4)."))
        return
    version = result.sub_delivery.versions.filter(version=result.metadata.version).first()
    if version is None:
        result.add("version", _("Version %(v)s does not exist.") % {"v": result.metadata.version})
        return
    result.version = version
    if not version.is_valid_on(today):
        result.add("version", _("Version %(v)s is not valid today.") % {"v": version.version})
    general = version.dictionary.general
    extension = result.metadata.extension
    if extension in EXTENSIONS and not general.accepts(extension):  # (others: refused before)
        formats = ", ".join(general.formats)
        result.add("", _("This registry accepts only files of type: %(f)s.") % {"f": formats})


def _check_creation_date(result: CheckResult, today: dt.date) -> None:
    created = result.metadata.creation_date
    if created is None:
        result.add("creation_date", _("Fill in a valid creation date."))
    elif created > today:
        result.add("creation_date", _("The creation date lies in the future."))


def sequence_too_high() -> str:
    """The message for a sequence number above ``MAX_SEQUENCE`` (also the forms' and API's)."""
    return _("The sequence number can be at most %(limit_value)s.") % {"limit_value": MAX_SEQUENCE}


def _check_sequence(result: CheckResult, institution: Institution) -> None:
    number = result.metadata.sequence_number
    if number is None or number < 1:
        result.add("sequence_number", _("Fill in a sequence number of 1 or more."))
        return
    if number > MAX_SEQUENCE:
        result.add("sequence_number", sequence_too_high())
        return
    if result.unit is None or result.sub_delivery is None:
        return
    last = last_sequence(institution, result.unit, result.sub_delivery)
    if number <= last:
        result.add(
            "sequence_number",
            _("The sequence number must be higher than %(last)s, the highest used so far.")
            % {"last": last},
        )


def last_sequence(institution: Institution, unit: Unit, sub_delivery: SubDelivery) -> int:
    counter = (
        SequenceCounter.objects.for_institution(institution)
        .filter(unit=unit, sub_delivery=sub_delivery)
        .first()
    )
    return counter.last if counter else 0


#: A period of each frequency, for the message that asks for one (MMYIKNL, half-yearly, was
#: given a quarter as its example).
_PERIOD_EXAMPLES = {"maand": "2020M01", "kwartaal": "2020K1", "halfjaar": "2020H1", "jaar": "2020"}


def _check_period(result: CheckResult, today: dt.date) -> None:
    period = result.metadata.period.strip().upper()
    if result.version is None:
        return
    if result.version.frequency == "totaal":
        if period not in ("", "TOTAAL"):  # not silently replaced: the sender meant something
            result.add(
                "period",
                _(
                    "%(code)s is always delivered as the complete dataset (TOTAAL), without a "
                    "period: leave the period empty or fill in TOTAAL."
                )
                % {"code": result.metadata.code},
            )
            return
        result.metadata.period = "TOTAAL"
        return
    if not period or period == "TOTAAL":
        example = _PERIOD_EXAMPLES.get(result.version.frequency, "2020K1")
        if period:  # the sender chose TOTAAL for a sub-delivery delivered per period
            message = _(
                "%(code)s is not delivered as the complete dataset (TOTAAL) but per period: fill "
                "in the period this delivery covers, e.g. %(example)s."
            ) % {"code": result.metadata.code, "example": example}
        else:
            message = _("Fill in the period this delivery covers, e.g. %(example)s.") % {
                "example": example
            }
        result.add("period", message)
        return
    try:
        bounds = parse_period(period)
    except ValueError:
        result.add(
            "period",
            _("%(p)s is not a period such as 2020, 2020H1, 2020K1 or 2020M01.") % {"p": period},
        )
        return
    if bounds is not None and bounds[0] > today:
        result.add("period", _("The period %(p)s has not started yet.") % {"p": period})
        return
    result.metadata.period = period


# --- submission ------------------------------------------------------------------------------


def submit(
    metadata: Metadata,
    chunks: Iterable[bytes],
    *,
    size: int,
    institution: Institution,
    channel: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> Delivery:
    """Check again, store the file encrypted, create the delivery and queue its processing.

    A refusal names every problem: those of the file's size and those of every check.
    """
    result = check(metadata, institution, channel)
    size_problem = None
    if size <= 0:
        size_problem = _("The file is empty.")
    elif size > settings.MAX_UPLOAD_BYTES:
        size_problem = uploads.too_large()
    start, chunks = _first_bytes(chunks)
    _refuse_unless_ok(result, size_problem or _content_problem(metadata, start))
    try:
        stored = files.store(chunks, metadata.file_name)
    except files.STORAGE_OUTAGES:
        logger.exception("storing %s failed", metadata.file_name)
        raise StorageUnavailable from None
    return _register(result, institution, channel, actor, stored, request)


def submit_upload(
    metadata: Metadata,
    session: UploadSession,
    *,
    institution: Institution,
    channel: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> Delivery:
    """Submit a file that arrived in chunks (see ``uploads``). A refused delivery keeps the
    upload: the fields can be corrected without sending the file again."""
    result = check(metadata, institution, channel)
    start = uploads.head(session, _HEAD) if session.complete else b""
    _refuse_unless_ok(result, _content_problem(metadata, start))
    try:
        stored = uploads.finish(session)
    except uploads.UploadError as exc:
        raise DeliveryRefused({"": [str(exc)]}) from None
    except files.STORAGE_OUTAGES:
        logger.exception("storing upload %s failed", session.pk)
        raise StorageUnavailable from None
    delivery = _register(result, institution, channel, actor, stored, request)
    uploads.forget(session)
    return delivery


_HEAD = 64  # the bytes that tell what a file is


def _first_bytes(chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first :data:`_HEAD` bytes of ``chunks``, and all of them still to be read."""
    rest = iter(chunks)
    taken: list[bytes] = []
    while sum(map(len, taken)) < _HEAD and (chunk := next(rest, None)) is not None:
        taken.append(chunk)
    return b"".join(taken)[:_HEAD], itertools.chain(taken, rest)


def _content_problem(metadata: Metadata, start: bytes) -> str | None:
    """The engine's ``T05`` when the file's start contradicts its extension (a PDF or a
    workbook named .csv, CSV named .xml): refused here, before it takes a sequence number."""
    if not start:
        return None
    return content_mismatch(metadata.file_name, start, engine_lang())


def _refuse_unless_ok(result: CheckResult, file_problem: str | None) -> None:
    """Refuse with every problem: the file's own first, then those of every check."""
    if file_problem is not None:
        general = [file_problem, *result.problems.pop("", [])]
        result.problems = {"": general, **result.problems}
    if not result.ok:
        raise DeliveryRefused(result.problems)


def _channel_label(channel: str) -> Any:
    """The channel's name, translatable in the audit log."""
    return Channel(channel).label if channel in Channel.values else channel


def _register(
    result: CheckResult,
    institution: Institution,
    channel: str,
    actor: Any,
    stored: StoredFile,
    request: HttpRequest | None,
) -> Delivery:
    try:
        with transaction.atomic():
            delivery = _create(result, institution, channel, actor, stored)
            record(
                Action.CREATE,
                actor=actor,
                institution=institution,
                obj=delivery,
                request=request,
                description=gettext_noop("delivery {file} ({channel})"),
                values={"file": delivery.file_name, "channel": _channel_label(channel)},
                detail={"size": stored.size, "sha256": stored.sha256},
            )
    except BaseException:
        # Refused or failed, whatever the reason: nothing of the delivery may be left behind;
        # but a delivery that was registered after all keeps its file.
        if not Delivery.objects.unscoped().filter(file=stored).exists():
            _discard(stored)
        raise
    return delivery


def _discard(stored: StoredFile) -> None:
    """Delete a stored file that no delivery took: its encrypted bytes and its row."""
    files.delete(stored)
    StoredFile.objects.filter(pk=stored.pk).delete()


def _create(
    result: CheckResult, institution: Institution, channel: str, actor: Any, stored: StoredFile
) -> Delivery:
    from datahub.deliveries.tasks import enqueue_processing

    m = result.metadata
    assert result.unit and result.sub_delivery and result.version and m.sequence_number
    assert m.creation_date is not None
    try:
        with transaction.atomic():
            _take_sequence(institution, result.unit, result.sub_delivery, m.sequence_number)
            delivery = Delivery.objects.create(
                institution=institution,
                unit=result.unit,
                sub_delivery=result.sub_delivery,
                dictionary_version=result.version,
                channel=channel,
                is_test=m.is_test,
                period=m.period,
                sequence_number=m.sequence_number,
                creation_date=m.creation_date,
                file_name=display_name(m),
                file=stored,
                submitted_by=actor if getattr(actor, "pk", None) else None,
            )
            # Robust: should queuing fail (a locked database), the delivery stays registered
            # with its file, and recovery queues it (``processing.needing_processing``).
            transaction.on_commit(lambda: enqueue_processing(delivery.pk), robust=True)
    except IntegrityError:
        raise _sequence_taken() from None
    return delivery


def display_name(m: Metadata) -> str:
    """The name a delivery is stored under: its own if it follows the convention, else the
    name its fields make."""
    parts, problems = parse_file_name(m.file_name)
    return m.file_name if parts is not None and not problems else m.built_name()


def _take_sequence(
    institution: Institution, unit: Unit, sub_delivery: SubDelivery, number: int
) -> None:
    """Raise the counter to ``number`` only if it is higher: atomic against racing uploads."""
    counter, _created = SequenceCounter.objects.for_institution(institution).get_or_create(
        institution=institution, unit=unit, sub_delivery=sub_delivery
    )
    raised = (
        SequenceCounter.objects.for_institution(institution)
        .filter(pk=counter.pk, last__lt=number)
        .update(last=number)
    )
    if not raised:
        raise _sequence_taken()


def _sequence_taken() -> DeliveryRefused:
    return DeliveryRefused(
        {"sequence_number": [_("This sequence number has just been used; choose a higher one.")]}
    )
