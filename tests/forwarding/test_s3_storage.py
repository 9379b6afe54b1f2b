"""The hub's files in S3-compatible object storage (``DATAHUB_FILE_STORAGE=s3``), against moto's
in-process S3: a delivery's whole way (upload page, processing, report, forwarding, the
processor's download, retention) with every file in the bucket, and nothing readable there."""

from __future__ import annotations

import datetime as dt
import io

import boto3
import polars as pl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from moto import mock_aws
from storages.backends.s3 import S3Storage

from datahub.deliveries import files
from datahub.deliveries.models import Delivery, Status, StoredFile
from datahub.file_storage import file_storage
from datahub.forwarding.models import Package
from datahub.forwarding.retention import purge, purge_unrecorded_files
from tests.conftest import logged_in
from tests.deliveries.test_upload_page import FIELDS, NAME
from tests.forwarding.conftest import API, bearer, patient_rows

BUCKET = "datahub-files"
REGION = "eu-central-1"
S3_ENVIRONMENT = {
    "DATAHUB_FILE_STORAGE": "s3",
    "DATAHUB_S3_BUCKET": BUCKET,
    "DATAHUB_S3_PREFIX": "/hub/",
    "DATAHUB_S3_REGION": REGION,
    "DATAHUB_S3_ACCESS_KEY_ID": "test-key-id",
    "DATAHUB_S3_SECRET_ACCESS_KEY": "test-secret",
}


@pytest.fixture
def bucket(settings, monkeypatch):
    """The settings' storage as ``DATAHUB_FILE_STORAGE=s3`` makes it, on moto's S3; the
    bucket's client to look inside."""
    for name, value in S3_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        settings.STORAGES = {**settings.STORAGES, "default": file_storage()}
        yield client


def _objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_a_delivery_goes_its_whole_way_with_every_file_in_the_bucket(
    bucket, authorised, institution, submitter, processor, token_of,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    assert isinstance(default_storage, S3Storage)
    data = patient_rows(3, **{"2": {"Geslacht": "7"}})
    with django_capture_on_commit_callbacks(execute=True):
        page = logged_in(submitter).post(
            reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, data))
        )
    assert "Het bestand is succesvol aangeleverd." in page.content.decode()
    delivery = Delivery.objects.for_institution(institution).get()
    assert (delivery.status, delivery.records_processed, delivery.error_count) == (
        Status.ERRORS,
        2,
        1,
    )
    report = logged_in(submitter).get(reverse("portal:delivery_export", args=[delivery.pk]))
    assert report.status_code == 200 and b"Geslacht" in b"".join(report)

    package = Package.objects.for_institution(institution).get()
    stored = [delivery.file, package.csv_file, package.parquet_file]
    objects = _objects(bucket)
    assert set(objects) == {f"hub/{s.storage_name}" for s in stored}
    for content in objects.values():  # only ciphertext reaches the bucket
        assert content.startswith(files.MAGIC)
        for plain in (b"PAT0001", b"PatientCode", b"OperatieID"):
            assert plain not in content
    with files.open_plaintext(delivery.file) as plain:
        assert plain.read() == data

    processor_api = Client(**bearer(token_of(processor)))
    download = processor_api.get(f"{API}/packages/{package.pk}/download", {"format": "csv"})
    assert download.status_code == 200
    frame = pl.read_csv(io.BytesIO(b"".join(download.streaming_content)), infer_schema=False)
    assert frame.height == 2 and "PAT0001" not in frame["PatientCode"].to_list()

    StoredFile.objects.filter(pk=delivery.file_id).update(retain_until=dt.date(2020, 1, 1))
    assert purge().raw_files == 1
    assert f"hub/{delivery.file.storage_name}" not in _objects(bucket)
    assert len(_objects(bucket)) == 2  # the package's files stay until it expires


@pytest.mark.parametrize("outage", ["unreachable", "access denied"])
def test_an_outage_of_the_bucket_uses_no_attempt_and_the_delivery_waits_for_it(
    bucket, cataract, institution, submitter, monkeypatch, outage
):
    """The object storage down is the hub's failure, not the file's: no attempt is used, so
    three recoveries during an outage do not reject a valid file with T00; once the storage is
    back the delivery is processed."""
    from botocore.client import BaseClient
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    from datahub.deliveries import intake, processing
    from tests.deliveries.conftest import cat_csv, metadata

    data = cat_csv(2)  # queued, not processed: its task runs on commit, which never comes here
    delivery = intake.submit(
        metadata(1), [data], size=len(data), institution=institution, channel="Webportaal",
        actor=submitter,
    )  # fmt: skip

    def down(client, operation, params):
        if outage == "unreachable":
            raise EndpointConnectionError(endpoint_url="https://s3.eu-central-1.amazonaws.com")
        refused = {"Error": {"Code": "AccessDenied"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
        raise ClientError(refused, operation)  # type: ignore[arg-type]

    monkeypatch.setattr(BaseClient, "_make_api_call", down)
    for _recovery in range(processing.MAX_ATTEMPTS + 1):
        with pytest.raises((BotoCoreError, ClientError)):
            processing.process(delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.RECEIVED, 0)
    monkeypatch.undo()
    assert processing.process(delivery.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.records_total) == (Status.PROCESSED, 2)


def test_a_bucket_out_of_reach_refuses_a_delivery_with_a_clear_message_and_stores_nothing(
    bucket, cataract, institution, local_admin, operator, monkeypatch
):
    from botocore.client import BaseClient
    from botocore.exceptions import EndpointConnectionError

    from datahub.api import tokens
    from datahub.dictionaries import services
    from datahub.dictionaries.models import Method
    from tests.api.conftest import upload

    services.set_method(
        actor=operator,
        institution=institution,
        registry=cataract.sub_delivery.registry,
        method=Method.API,
    )
    token = tokens.issue(actor=local_admin, institution=institution, name="EPD")[1]

    def down(client, operation, params):
        raise EndpointConnectionError(endpoint_url="https://s3.eu-central-1.amazonaws.com")

    monkeypatch.setattr(BaseClient, "_make_api_call", down)
    answer = upload(token)
    assert answer.status_code == 503
    assert "niets aangeleverd" in answer.json()["problems"]["file"][0]
    assert not Delivery.objects.for_institution(institution).exists()
    assert not StoredFile.objects.exists()
    monkeypatch.undo()
    assert _objects(bucket) == {}


def test_a_download_while_the_bucket_is_out_of_reach_answers_503_and_notes_nothing(
    bucket, authorised, institution, submitter, processor, token_of, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from botocore.client import BaseClient
    from botocore.exceptions import EndpointConnectionError

    from datahub.audit.models import Action, AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(submitter).post(
            reverse("portal:upload"), dict(FIELDS, file=SimpleUploadedFile(NAME, patient_rows(2)))
        )
    package = Package.objects.for_institution(institution).get()
    processor_api = Client(**bearer(token_of(processor)))
    url = f"{API}/packages/{package.pk}/download"

    def down(client, operation, params):
        raise EndpointConnectionError(endpoint_url="https://s3.eu-central-1.amazonaws.com")

    monkeypatch.setattr(BaseClient, "_make_api_call", down)
    answer = processor_api.get(url, {"format": "csv"})
    assert answer.status_code == 503
    assert "Probeer het over een paar minuten opnieuw" in answer.json()["detail"]
    package.refresh_from_db()
    assert package.fetched_at is None
    assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()

    monkeypatch.undo()
    download = processor_api.get(url, {"format": "csv"})
    assert download.status_code == 200 and b"".join(download.streaming_content)
    package.refresh_from_db()
    assert package.fetched_at is not None


def test_bytes_in_the_bucket_without_a_record_are_removed_a_day_later(bucket, db):
    left = default_storage.save(
        files.storage_name_for(timezone.localdate()), io.BytesIO(b"a killed worker's file")
    )
    assert _objects(bucket) == {f"hub/{left}": b"a killed worker's file"}
    assert purge_unrecorded_files(timezone.now()) == 0  # it may still be on its way to its row
    assert purge_unrecorded_files(timezone.now() + dt.timedelta(days=2)) == 1
    assert _objects(bucket) == {}


def test_the_storage_is_local_disk_unless_s3_is_chosen_and_s3_needs_its_bucket(monkeypatch):
    for name in S3_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    assert file_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    monkeypatch.setenv("DATAHUB_FILE_STORAGE", "s3")
    with pytest.raises(ImproperlyConfigured, match="DATAHUB_S3_BUCKET"):
        file_storage()
    monkeypatch.setenv("DATAHUB_S3_BUCKET", BUCKET)
    options = file_storage()["OPTIONS"]
    assert options["bucket_name"] == BUCKET
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert options["access_key"] is None  # boto3's own chain (AWS_* variables, a role)
    monkeypatch.setenv("DATAHUB_FILE_STORAGE", "ftp")
    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        file_storage()
