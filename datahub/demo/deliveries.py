"""Demo deliveries: years of history for the demo institutions, so every page shows something.

Every delivery goes through the real intake (``intake.submit``: checks, encrypted file, audit)
and the real processing; only then are its dates moved into the past, because the intake
rightly refuses a creation date that is not today's. The plan follows each sub-delivery's
schedule: one delivery before each passed deadline, with some deadlines skipped (missing),
some rejected, some with errors or warnings, some corrected by a redelivery, and test
deliveries. Idempotent: an institution that already has deliveries is left alone.

Cataract's sample dictionary has deadlines up to 2022 only; the demo publishes version 1.5
with a monthly ``TOTAAL`` deadline on the 10th (until the end of next year), so that
"Komende aanleveringen" always has something due within a month, and with the demo's FHIRPath
for the fields the registry's version leaves unmapped (``fhir``), so that the eye clinic,
which delivers Cataract through FHIR, sends complete operations.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from typing import Any

from django.utils import timezone

from datahub.deliveries import entry, files, intake, processing
from datahub.deliveries.models import Delivery, SequenceCounter, Status, StoredFile
from datahub.demo import fhir
from datahub.dictionaries import services as dictionaries
from datahub.dictionaries.models import DictionaryVersion, Method, Participation, SubDelivery
from datahub.institutions.models import Institution, Membership, Role
from datahub.schedule import services as schedule
from datahub.schedule.services import Deadline
from datahub.validation import ScheduleEntry, write_workbook

#: Per institution and sub-delivery: what happens at the n-th most recent passed deadline
#: (0 = the last one). Unnamed deadlines get one delivery processed without findings.
PLANS: dict[str, dict[str, dict[int, str]]] = {
    "11111111": {
        "CAT": {0: "errors", 1: "skip", 3: "rejected", 5: "corrected", 6: "test"},
        "MMYIKNL": {0: "rejected", 1: "warnings", 2: "corrected", 4: "skip", 5: "test"},
        "MMYPROMS": {0: "skip", 1: "errors"},
    },
    "44444444": {
        "CAT": {0: "warnings", 1: "rejected", 2: "corrected", 4: "skip"},
        "MMYIKNL": {0: "errors", 3: "skip", 4: "test"},
        "MMYPROMS": {0: "skip", 1: "skip", 2: "rejected"},
    },
    # through FHIR (``fhir``): a few months only (it joined recently)
    "33333333": {"CAT": {1: "errors", 2: "warnings"}},
}
#: How many passed deadlines of each sub-delivery get a delivery at all (older ones: none, so
#: the oldest show as missing only where the plan says so). Keeps the demo quick to load.
HISTORY = 14
RECORDS = 6


def load_deliveries(operator: Any) -> list[Institution]:
    """Create the demo deliveries of each demo institution that has none yet; those
    institutions."""
    _publish_monthly_cataract(operator)
    loaded = []
    for institution in Institution.objects.filter(agb_code__in=PLANS):
        if Delivery.objects.for_institution(institution).exists():
            continue
        if _load_institution(institution, operator):
            loaded.append(institution)
    return loaded


def _publish_monthly_cataract(operator: Any) -> None:
    if dictionaries.find_version("CAT", "1.5") or not dictionaries.find_version("CAT", "1.4"):
        return
    base = dictionaries.find_version("CAT", "1.4")
    assert base is not None
    last_year = timezone.localdate().year + 1
    deadlines = [
        ScheduleEntry("TOTAAL", dt.date(year, month, 10))
        for year in range(2022, last_year + 1)
        for month in range(1, 13)
        if (year, month) >= (2022, 2)
    ]
    dictionary = replace(
        fhir.with_fhirpaths(base.dictionary).with_general(
            version="1.5", valid_from=dt.date(2022, 1, 1)
        ),
        schedule=tuple(deadlines),
    )
    buffer = io.BytesIO()
    write_workbook(dictionary, buffer)
    dictionaries.import_workbook(buffer.getvalue(), "CAT_1.5.xlsx", actor=operator)


def _load_institution(institution: Institution, operator: Any) -> int:
    actor = _submitter(institution) or operator
    today = timezone.localdate()
    created = 0
    participations = Participation.objects.for_institution(institution).select_related(
        "sub_delivery__registry"
    )
    for participation in participations:
        sub_delivery = participation.sub_delivery
        created += _load_sub_delivery(institution, participation, actor, today)
        if dictionaries.method_of(institution, sub_delivery.registry) == Method.ENTRY:
            _keep_entered_records(institution, sub_delivery)
    return created


def _load_sub_delivery(
    institution: Institution, participation: Participation, actor: Any, today: dt.date
) -> int:
    """One delivery (or none, or two) before each of the last ``HISTORY`` passed deadlines."""
    sub_delivery = participation.sub_delivery
    plan = PLANS.get(institution.agb_code, {}).get(sub_delivery.code, {})
    plans = schedule.schedules([sub_delivery.pk], schedule.horizon(today))
    passed = [
        e
        for e in reversed(plans.get(sub_delivery.pk, []))
        if e.deadline < today and schedule.covers(participation, e)
    ]
    created = 0
    # oldest first: sequence numbers rise with the dates, as a hospital's would
    for index, due in reversed(list(enumerate(passed[:HISTORY]))):
        for kind, on, is_test in _steps(plan.get(index, "ok"), due):
            _deliver(institution, sub_delivery, due, kind, on, is_test, actor)
            created += 1
    return created


def _keep_entered_records(institution: Institution, sub_delivery: SubDelivery) -> None:
    """An institution that enters a registry by hand keeps its dataset in the invoerportaal:
    the records of its latest production delivery, each marked delivered in it. Without them
    its clinician's first delivery would replace that dataset with his one new record."""
    latest = (
        Delivery.objects.for_institution(institution)
        .filter(sub_delivery=sub_delivery, is_test=False, file__isnull=False)
        .exclude(status=Status.REJECTED)
        .select_related("file")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    clinician = (
        Membership.objects.for_institution(institution)
        .filter(role=Role.CLINICIAN, is_active=True)
        .select_related("user")
        .first()
    )
    if latest is None or latest.file is None or clinician is None:
        return
    with files.open_plaintext(latest.file) as stream:
        rows = list(csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig")))
    kept = [
        entry.save_draft(institution, sub_delivery, row, actor=clinician.user)[0].pk for row in rows
    ]
    entry.drafts_of(institution, sub_delivery).filter(pk__in=kept).update(
        delivered_in=latest, delivered_at=latest.submitted_at, created_at=latest.submitted_at
    )


def _steps(what: str, entry: Deadline) -> list[tuple[str, dt.date, bool]]:
    """The deliveries (kind, date, test?) that make ``what`` happen before ``entry``."""
    early = entry.deadline - dt.timedelta(days=9)
    late = entry.deadline - dt.timedelta(days=3)
    if entry.opens_after is not None:  # TOTAAL: stay inside this deadline's window
        early = max(early, entry.opens_after + dt.timedelta(days=1))
        late = max(late, early)
    steps = {
        "ok": [("ok", late, False)],
        "skip": [],
        "errors": [("errors", late, False)],
        "warnings": [("warnings", late, False)],
        "rejected": [("rejected", late, False)],
        "corrected": [("errors", early, False), ("ok", late, False)],
        "test": [("errors", early, True), ("ok", late, False)],
    }
    return steps[what]


def _submitter(institution: Institution) -> Any:
    member = (
        Membership.objects.for_institution(institution)
        .filter(role=Role.SUBMITTER, is_active=True)
        .select_related("user")
        .first()
    )
    return member.user if member else None


def _deliver(
    institution: Institution,
    sub_delivery: SubDelivery,
    entry: Deadline,
    kind: str,
    on: dt.date,
    is_test: bool,
    actor: Any,
) -> Delivery:
    today = timezone.localdate()
    version = dictionaries.current_version(sub_delivery, today)
    assert version is not None, f"no valid version of {sub_delivery.code}"
    unit = institution.units.order_by("number").first()
    assert unit is not None
    sequence = _next_sequence(institution, unit, sub_delivery)
    environment = "TEST" if is_test else "PROD"
    stem = f"{institution.agb_code}_{unit.number}_{sub_delivery.code}_{version.version}_{sequence}"
    period = "" if entry.period == schedule.TOTAAL else entry.period
    channel = dictionaries.method_of(institution, sub_delivery.registry) or "Webportaal"
    if channel == Method.FHIR:  # the institution's system sends the records as FHIR resources
        delivery = fhir.deliver(
            institution,
            sub_delivery.code,
            version.version,
            unit=unit.number,
            period=period,
            sequence=sequence,
            records=demo_records(version, entry.period, on, seed=sequence),
            kind=kind,
            is_test=is_test,
        )
    else:
        content = demo_csv(version, entry.period, kind, on, seed=sequence)
        metadata = intake.Metadata(
            file_name=f"{stem}_{today:%Y%m%d}_{environment}.csv",
            institution_code=institution.agb_code,
            unit=unit.number,
            code=sub_delivery.code,
            version=version.version,
            is_test=is_test,
            creation_date=today,
            sequence_number=sequence,
            period=period,
        )
        delivery = intake.submit(
            metadata,
            [content],
            size=len(content),
            institution=institution,
            channel=channel,
            actor=actor,
        )
    processing.process(delivery.pk)
    moment = timezone.make_aware(dt.datetime.combine(on, dt.time(10, sequence % 50)))
    name = f"{stem}_{on:%Y%m%d}_{environment}.csv"
    Delivery.objects.for_institution(institution).filter(pk=delivery.pk).update(
        submitted_at=moment,
        processed_at=moment + dt.timedelta(minutes=2),
        creation_date=on,
        file_name=name,
    )
    # the name the file came with says the same creation date
    if delivery.file_id is not None:
        StoredFile.objects.filter(pk=delivery.file_id).update(original_name=name)
    delivery.refresh_from_db()
    return delivery


def _next_sequence(institution: Institution, unit: Any, sub_delivery: SubDelivery) -> int:
    counter = (
        SequenceCounter.objects.for_institution(institution)
        .filter(unit=unit, sub_delivery=sub_delivery)
        .first()
    )
    return (counter.last if counter else 0) + 1


# --- file contents ----------------------------------------------------------------------------


def demo_csv(version: DictionaryVersion, period: str, kind: str, on: dt.date, seed: int) -> bytes:
    """A CSV file for ``version`` whose processing ends in ``kind``.

    ``ok``: no findings; ``warnings``: a value outside the period (or a late check-up);
    ``errors``: one record without its required patient code; ``rejected``: a wrong header
    (a technical error rejects the whole file).
    """
    dictionary = version.dictionary
    names = list(dictionary.field_names)
    rows = demo_records(version, period, on, seed)
    if kind == "warnings":
        rows[0] = _with_warning(dictionary.general.code, rows[0], _span(period, on)[1])
    if kind == "errors":
        rows[1]["PatientCode"] = ""
    if kind == "rejected":
        names[0] = names[0] + "X"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in dictionary.field_names])
    return buffer.getvalue().encode("utf-8")


def demo_records(
    version: DictionaryVersion, period: str, on: dt.date, seed: int
) -> list[dict[str, str]]:
    """The records of a delivery without findings (text per field)."""
    start, end = _span(period, on)
    code = version.dictionary.general.code
    return [_record(code, n + seed * 100, start, end) for n in range(RECORDS)]


def _span(period: str, on: dt.date) -> tuple[dt.date, dt.date]:
    bounds = schedule.bounds(period)
    if bounds is not None:
        return bounds
    return on - dt.timedelta(days=150), on - dt.timedelta(days=100)


def _record(code: str, n: int, start: dt.date, end: dt.date) -> dict[str, str]:
    day = start + dt.timedelta(days=n % max((end - start).days - 30, 1))
    if code == "CAT":
        return {
            "OperatieID": str(30000000 + n),
            "PatientCode": str(5000000000 + n),
            "Geboortejaar": str(1935 + n % 40),
            "Geslacht": str(1 + n % 2),
            "Operatiedatum": day.isoformat(),
            "ODS": ("OD", "OS")[n % 2],
            "EersteTweedeOog": "1",
            "Comorbiditeit": "0",
            "VaCCPre": "0.4",
            "Streefrefractie": "-0.25",
            "Techniek": "1",
            "Anesthesie": "1",
            "IOLType": "1",
            "PerOpComplicatie": "0",
            "ControleDatum": (day + dt.timedelta(days=28)).isoformat(),
            "VaCCPO": "0.8",
            "SEPO": "-0.5",
            "PostOpComplicatie": "0",
        }
    if code == "MMYIKNL":
        return {
            "PatientCode": f"P{n:07d}",
            "Geboortejaar": str(1940 + n % 30),
            "Geslacht": str(1 + n % 2),
            "Diagnosedatum": day.isoformat(),
            "ISS": str(1 + n % 3),
            "MProteine": "IGG",
            "Behandellijn": "1",
            "StartBehandeling": (day + dt.timedelta(days=14)).isoformat(),
            "Respons": "VGPR",
            "Stamceltransplantatie": "J",
        }
    return {
        "PatientCode": f"P{n:07d}",
        "Vragenlijst": "QLQC30",
        "Meetmoment": "T0",
        "Afnamedatum": day.isoformat(),
        "Totaalscore": "66.7",
        "Taal": "nl",
    }


def _with_warning(code: str, row: dict[str, str], end: dt.date) -> dict[str, str]:
    after = (end + dt.timedelta(days=20)).isoformat()
    if code == "CAT":
        operated = dt.date.fromisoformat(row["Operatiedatum"])
        return row | {"ControleDatum": (operated + dt.timedelta(days=120)).isoformat()}
    if code == "MMYIKNL":
        return row | {"StartBehandeling": after}
    return row | {"Afnamedatum": after}
