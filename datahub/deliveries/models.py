"""Deliveries, their stored files and their findings.

A delivery's state lives in its own row: the processing task claims it with a conditional
update, renews a heartbeat while it works, and writes the result in one transaction, so a task
run twice gives one result and a delivery whose worker died is noticed and processed again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.institutions.scoping import InstitutionScopedManager


class Status(models.TextChoices):
    RECEIVED = "aangeleverd", _("Delivered")
    PROCESSING = "in_verwerking", _("Processing")
    PROCESSED = "verwerkt", _("Processed")
    WARNINGS = "verwerkt_met_waarschuwingen", _("Processed with warnings")
    ERRORS = "verwerkt_met_fouten", _("Processed with errors")
    REJECTED = "afgekeurd", _("Rejected")


#: The longest file name the hub keeps (a delivery's, a stored file's, an upload's).
MAX_NAME = 255

#: The engine's status text → ours.
ENGINE_STATUS = {
    "Verwerkt": Status.PROCESSED,
    "Verwerkt met waarschuwingen": Status.WARNINGS,
    "Verwerkt met fouten": Status.ERRORS,
    "Afgekeurd": Status.REJECTED,
}
FINISHED = frozenset(ENGINE_STATUS.values())
#: Our status → the engine's status text (the reports' ``status``).
ENGINE_STATUS_LABEL = {ours: engine for engine, ours in ENGINE_STATUS.items()}
ENGINE_STATUS_LABEL.update({Status.RECEIVED: "Aangeleverd", Status.PROCESSING: "In verwerking"})
#: Finished with findings: shown under "Afgekeurde en foutieve aanleveringen".
WITH_FINDINGS = frozenset({Status.WARNINGS, Status.ERRORS, Status.REJECTED})


class Channel(models.TextChoices):
    PORTAL = "Webportaal", _("Web portal")
    API = "API", _("API")
    FHIR = "FHIR", _("FHIR")
    ENTRY = "Invoerportaal", _("Entry portal")


class StoredFile(models.Model):
    """A delivered file, encrypted at rest in the default storage. Deleted after retention."""

    storage_name = models.CharField(max_length=300, unique=True)
    original_name = models.CharField(_("file name"), max_length=MAX_NAME)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    retain_until = models.DateField(_("kept until"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.original_name


class Delivery(models.Model):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    unit = models.ForeignKey(
        "institutions.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    sub_delivery = models.ForeignKey(
        "dictionaries.SubDelivery",
        verbose_name=_("sub-delivery"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    dictionary_version = models.ForeignKey(
        "dictionaries.DictionaryVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    is_test = models.BooleanField(_("test"), default=False)
    period = models.CharField(_("period"), max_length=10)
    sequence_number = models.PositiveIntegerField(_("sequence number"))
    creation_date = models.DateField(_("creation date"))
    file_name = models.CharField(_("file name"), max_length=MAX_NAME)
    file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("delivery date"), auto_now_add=True, db_index=True)

    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.RECEIVED
    )
    records_total = models.PositiveIntegerField(null=True, blank=True)
    records_processed = models.PositiveIntegerField(_("records processed"), null=True, blank=True)
    records_not_processed = models.PositiveIntegerField(
        _("records not processed"), null=True, blank=True
    )
    error_count = models.PositiveIntegerField(_("errors"), null=True, blank=True)
    warning_count = models.PositiveIntegerField(_("warnings"), null=True, blank=True)
    #: When its processing was last queued: recovery re-queues only what waited too long.
    queued_at = models.DateTimeField(null=True, blank=True)
    #: Set while a worker holds the delivery; a stale heartbeat means the worker died.
    claim_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: Bytes of the file read so far while processing (the engine reports its progress so).
    progress_bytes = models.PositiveBigIntegerField(default=0)
    #: Claims taken (the current one included); a worker being stopped gives its claim back
    #: uncounted, so only crashes and errors use up the processing's attempts.
    attempts = models.PositiveSmallIntegerField(default=0)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    #: When a worker took the e-mail about the result to send it: a claim without
    #: ``notified_at`` that is old was left by a worker stopped while sending.
    notify_claimed_at = models.DateTimeField(null=True, blank=True)
    #: The addresses (lower case) the e-mail reached while it is being sent, so that a worker
    #: taking over a stale claim does not send it to them again; emptied once sent.
    notified_to = models.JSONField(default=list, blank=True)
    #: When the e-mail about the result was sent (or found needless); recovery sends the rest.
    notified_at = models.DateTimeField(null=True, blank=True)
    error_records = models.JSONField(default=list, blank=True)
    #: Per field name, how many of ``records_total`` records had a value (the engine's
    #: ``Report.filled``): counts and field names only, never a value. Null when there are no
    #: counts: processed before the hub counted them, or rejected as a file (technical error).
    filled_counts = models.JSONField(null=True, blank=True)
    #: When forwarding had nothing left to do: every package due was made, none was due (a test
    #: or rejected delivery, no processor authorised), or the file was gone. Recovery reads only
    #: finished deliveries without it, through an index of just those.
    forwarding_done_at = models.DateTimeField(null=True, blank=True)

    objects = InstitutionScopedManager["Delivery"]()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "unit", "sub_delivery", "sequence_number"],
                name="delivery_sequence_unique",
            )
        ]
        indexes = [
            models.Index(fields=["institution", "-submitted_at"]),
            # The latest delivery of an institution's period (ties: the later id) is its first
            # entry: "most recent" lists, and the operator's status reads one per institution.
            models.Index(fields=["institution", "sub_delivery", "period", "-submitted_at", "-id"]),
            # Aanleverstatus per periode: one period of a sub-delivery across institutions.
            models.Index(fields=["sub_delivery", "period", "institution"]),
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(
                fields=["processed_at"],
                condition=models.Q(forwarding_done_at__isnull=True),
                name="delivery_forwarding_due",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def progress_percent(self) -> int:
        size = self.file.size if self.file_id and self.file else 0
        return min(100, self.progress_bytes * 100 // size) if size else 0

    @property
    def has_findings(self) -> bool:
        return self.status in WITH_FINDINGS


class Finding(models.Model):
    """One row of a delivery's processing report (verwerkingsverslag)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveIntegerField()
    record = models.PositiveIntegerField(null=True, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    level = models.CharField(max_length=15)
    code = models.CharField(max_length=40)
    field = models.CharField(max_length=100, blank=True)
    value = models.TextField(blank=True, null=True)  # noqa: DJ001  (empty ≠ not applicable)
    message = models.TextField()
    keys = models.JSONField(default=dict)

    class Meta:
        ordering = ["delivery", "position"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "position"], name="finding_position_unique")
        ]
        indexes = [
            models.Index(fields=["delivery", "code", "position"]),
            models.Index(fields=["delivery", "level", "position"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} record {self.record}"

    def as_report_dict(self) -> dict[str, Any]:
        """The finding in the engine's JSON shape."""
        return {
            "record": self.record,
            "line": self.line,
            "level": self.level,
            "code": self.code,
            "field": self.field or None,
            "value": self.value,
            "message": self.message,
            "keys": self.keys,
        }


class SequenceCounter(models.Model):
    """The highest sequence number used per institution, unit and sub-delivery.

    Raised with a conditional update, so two racing uploads cannot both take a number, nor a
    lower one after a higher one.
    """

    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE)
    unit = models.ForeignKey("institutions.Unit", on_delete=models.CASCADE)
    sub_delivery = models.ForeignKey("dictionaries.SubDelivery", on_delete=models.CASCADE)
    last = models.PositiveIntegerField(default=0)

    objects = InstitutionScopedManager["SequenceCounter"]()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "unit", "sub_delivery"], name="sequence_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.unit_id}/{self.sub_delivery_id}: {self.last}"


class UploadSession(models.Model):
    """A large file arriving in chunks (resumable); encrypted on arrival, never kept in plain."""

    id = models.UUIDField(primary_key=True)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=MAX_NAME)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    nonce_prefix = models.BinaryField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # the last chunk received

    objects = InstitutionScopedManager["UploadSession"]()

    def __str__(self) -> str:
        return f"{self.file_name} {self.received}/{self.size}"

    @property
    def complete(self) -> bool:
        return self.received == self.size


class EntryDraft(models.Model):
    """A record entered by hand in the invoerportaal: one record of the institution's dataset
    of its sub-delivery.

    "Aanleveren" delivers the whole dataset (``TOTAAL``: the newest delivery is the complete
    dataset) and marks its records delivered (``delivered_in``, ``delivered_at``); they stay,
    editable and deletable, until deleted (or purged: ``forwarding.retention``). The record's
    values are patient data: they are kept only encrypted (``sealed``, see
    ``deliveries.entry``). The counts of the last check are no patient data: the batch list
    shows them without decrypting.
    """

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    sub_delivery = models.ForeignKey(
        "dictionaries.SubDelivery", on_delete=models.PROTECT, related_name="+"
    )
    #: The version the record was entered and last checked with.
    dictionary_version = models.ForeignKey(
        "dictionaries.DictionaryVersion", on_delete=models.PROTECT, related_name="+"
    )
    sealed = models.BinaryField()
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)
    #: The last production delivery that contained the record (its unit and period are the
    #: record's dataset from then on); None: never delivered.
    delivered_in = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = InstitutionScopedManager["EntryDraft"]()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["institution", "sub_delivery", "created_at"])]

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.sub_delivery_id}"

    @property
    def is_new(self) -> bool:
        """Never delivered."""
        return self.delivered_at is None

    @property
    def changed_since_delivery(self) -> bool:
        return self.delivered_at is not None and self.changed_at > self.delivered_at
