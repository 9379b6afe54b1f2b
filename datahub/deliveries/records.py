"""Records of a channel without files (hand entry, FHIR) delivered as a conventional CSV file.

The invoerportaal and the FHIR endpoint both turn their records into one CSV file by the CSV
rules of the spec, with the name the convention gives it, and submit that through the intake:
sequence number, encrypted storage, processing, report, Overzicht and forwarding are then those
of every uploaded file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Mapping

from django.utils import timezone

from datahub.deliveries import intake
from datahub.deliveries.models import Delivery
from datahub.dictionaries.models import DictionaryVersion, SubDelivery
from datahub.institutions.models import Institution, Unit
from datahub.validation import DataDictionary


def records_csv(dictionary: DataDictionary, records: Iterable[Mapping[str, str | None]]) -> bytes:
    """The records as a file by the CSV rules of the spec (§7): UTF-8, comma-separated, a
    value with a comma or quote in double quotes, the dictionary's header; a missing or empty
    value is an empty cell.

    Example::

        >>> from datahub.validation import DataDictionary, FieldSpec
        >>> d = DataDictionary(fields=(FieldSpec(1, "A"), FieldSpec(2, "B")))
        >>> records_csv(d, [{"A": "x,y", "B": None}])
        b'A,B\\n"x,y",\\n'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(dictionary.field_names)
    for values in records:
        writer.writerow([values.get(name) or "" for name in dictionary.field_names])
    return out.getvalue().encode("utf-8")


def records_metadata(
    institution: Institution,
    sub_delivery: SubDelivery,
    version: DictionaryVersion,
    *,
    unit: int | None,
    period: str,
    is_test: bool,
    sequence_number: int | None = None,
    creation_date: dt.date | None = None,
) -> intake.Metadata:
    """The fields of such a delivery and its conventional CSV name; the sequence number is the
    next free one unless given, the creation date today unless given."""
    number = (  # (0 as given, for the intake to refuse)
        sequence_number
        if sequence_number is not None
        else next_sequence(institution, unit, sub_delivery)
    )
    metadata = intake.Metadata(
        file_name=".csv",
        institution_code=institution.agb_code,
        unit=unit,
        code=sub_delivery.code,
        version=version.version,
        is_test=is_test,
        creation_date=creation_date or timezone.localdate(),
        sequence_number=number,
        period=period.strip().upper(),
    )
    metadata.file_name = metadata.built_name()
    return metadata


def next_sequence(institution: Institution, unit: int | None, sub_delivery: SubDelivery) -> int:
    """The number after the highest used (the intake refuses it should another take it first)."""
    if unit is None:
        return 1  # the intake asks for the unit
    found = Unit.objects.for_institution(institution).filter(number=unit).first()
    return (intake.last_sequence(institution, found, sub_delivery) if found else 0) + 1


def latest_delivery(
    institution: Institution, channel: str, code: str, unit: int, **narrower: object
) -> Delivery | None:
    """The institution's latest delivery through ``channel`` of the sub-delivery and unit
    (narrowed by ``narrower``'s filters), with its file and version: what a repeated
    submission of the same records is compared with."""
    return (
        Delivery.objects.for_institution(institution)
        .filter(channel=channel, sub_delivery__code=code, unit__number=unit, **narrower)
        .select_related("file", "dictionary_version")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def holds(delivery: Delivery, data: bytes) -> bool:
    """Whether ``delivery``'s file is ``data``, byte for byte (by the plaintext's SHA-256)."""
    return delivery.file is not None and delivery.file.sha256 == hashlib.sha256(data).hexdigest()
