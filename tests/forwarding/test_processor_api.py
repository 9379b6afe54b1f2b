"""The processor API: list, download, acknowledge; and everything a processor may not do."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
import time_machine
from django.conf import settings
from django.test import Client

from datahub.audit.models import Action, AuditEvent
from datahub.forwarding import authorisations
from datahub.forwarding.models import Package, ProcessorRegistration
from tests.forwarding.conftest import API, authorise, bearer, deliver, patient_rows


@pytest.fixture
def package(authorised, institution, submitter, django_capture_on_commit_callbacks) -> Package:
    deliver(institution, submitter, patient_rows(3), capture=django_capture_on_commit_callbacks)
    return Package.objects.for_institution(institution).get()


@pytest.fixture
def api(processor, token_of) -> Client:
    client = Client(**bearer(token_of(processor)))
    return client


@pytest.mark.parametrize("fault", ["another key", "file gone"])
def test_a_package_file_that_cannot_be_read_is_refused_before_the_fetch_is_noted(
    api, package, settings, fault
):
    """A wrong key (rotated, or a second server started with another) answered a plain-text
    500 after noting the package as fetched, so acknowledging it let the purge delete it (a
    review). Now a JSON 500, and nothing noted."""
    from django.core.files.storage import default_storage

    if fault == "another key":
        settings.FILE_ENCRYPTION_KEY = bytes(32)
    else:
        default_storage.delete(package.csv_file.storage_name)
    response = api.get(f"{API}/packages/{package.pk}/download", {"format": "csv"})
    assert response.status_code == 500
    assert "kan niet worden gelezen" in response.json()["detail"]
    package.refresh_from_db()
    assert package.fetched_at is None
    assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()
    assert api.post(f"{API}/packages/{package.pk}/acknowledge").status_code == 409


def test_a_processor_lists_its_available_packages(api, package):
    response = api.get(f"{API}/packages")
    assert response.status_code == 200
    [item] = response.json()
    assert item["id"] == package.pk
    assert item["registry"] == "Cataract" or item["registry"] == package.manifest["registry"]
    assert item["record_count"] == 3 and item["fetched_at"] is None


def test_the_list_filters_on_registry_and_since(api, package):
    assert api.get(f"{API}/packages", {"registry": "NoSuchRegistry"}).json() == []
    later = package.created_at.isoformat()
    assert api.get(f"{API}/packages", {"since": later}).json() == []
    registry = package.manifest["registry"]
    assert len(api.get(f"{API}/packages", {"registry": registry}).json()) == 1


def _made_at(package: Package, moment: dt.datetime) -> None:
    """Date ``package`` as made at ``moment``, under a registration open since the day before
    (a registration covers only the packages made while it was open)."""
    ProcessorRegistration.objects.filter(processor=package.processor).update(
        registered_at=moment - dt.timedelta(days=1)
    )
    Package.objects.for_processor(package.processor).filter(pk=package.pk).update(created_at=moment)


def test_since_the_last_made_available_at_gives_nothing_again(api, package):
    # made_available_at to the microsecond: cut to the millisecond, the package came back on
    # every call, and a client paging until an empty page never stopped
    made = dt.datetime(2026, 11, 28, 9, 30, 0, 123456, tzinfo=dt.UTC)
    _made_at(package, made)
    [item] = api.get(f"{API}/packages").json()
    assert item["made_available_at"] == "2026-11-28T09:30:00.123456Z"
    assert api.get(f"{API}/packages", {"since": item["made_available_at"]}).json() == []


def test_a_package_shows_its_manifest(api, package):
    body = api.get(f"{API}/packages/{package.pk}").json()
    assert body["manifest"]["record_count"] == 3
    assert set(body["manifest"]["files"]) == {"csv", "parquet"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_processor_downloads_a_package_and_the_fetch_is_recorded(api, package, fmt):
    response = api.get(f"{API}/packages/{package.pk}/download", {"format": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    frame = (
        pl.read_csv(io.BytesIO(content)) if fmt == "csv" else pl.read_parquet(io.BytesIO(content))
    )
    assert frame.height == 3
    assert response["X-Content-SHA256"] == package.manifest["files"][fmt]["sha256"]
    package.refresh_from_db()
    assert package.fetched_at is not None
    event = AuditEvent.objects.get(action=Action.DOWNLOAD)
    assert event.processor == package.processor and event.institution == package.institution


def test_acknowledging_receipt_sets_the_expiry(api, package):
    api.get(f"{API}/packages/{package.pk}/download")
    response = api.post(f"{API}/packages/{package.pk}/acknowledge")
    assert response.status_code == 200
    package.refresh_from_db()
    assert package.acknowledged_at is not None
    assert (package.expires_at - package.acknowledged_at).days == 30
    assert AuditEvent.objects.filter(action=Action.CHANGE, processor=package.processor).exists()


def test_acknowledging_twice_changes_nothing_the_second_time(api, package):
    api.get(f"{API}/packages/{package.pk}/download")
    first = api.post(f"{API}/packages/{package.pk}/acknowledge").json()
    second = api.post(f"{API}/packages/{package.pk}/acknowledge").json()
    assert first["acknowledged_at"] == second["acknowledged_at"]


def test_a_package_cannot_be_acknowledged_before_it_was_downloaded(api, package):
    response = api.post(f"{API}/packages/{package.pk}/acknowledge")
    assert response.status_code == 409
    assert "Download" in response.json()["detail"] or response.json()["detail"]
    package.refresh_from_db()
    assert package.acknowledged_at is None


def test_another_processors_package_is_not_found_and_the_attempt_is_audited(
    package, other_processor, token_of
):
    other = Client(**bearer(token_of(other_processor)))
    for response in (
        other.get(f"{API}/packages/{package.pk}"),
        other.get(f"{API}/packages/{package.pk}/download"),
        other.post(f"{API}/packages/{package.pk}/acknowledge"),
    ):
        assert response.status_code == 404
        assert "detail" in response.json()
    assert other.get(f"{API}/packages").json() == []
    package.refresh_from_db()
    assert package.fetched_at is None and package.acknowledged_at is None
    assert AuditEvent.objects.filter(action=Action.DENIED, processor=other_processor).count() == 3


def test_a_forged_package_id_is_not_found(api, package):
    response = api.get(f"{API}/packages/{package.pk + 999}/download")
    assert response.status_code == 404
    assert api.get(f"{API}/packages/abc").status_code == 422


def test_after_revocation_the_processor_can_fetch_nothing(api, package, authorised, local_admin):
    authorisations.revoke(actor=local_admin, authorisation=authorised)
    assert api.get(f"{API}/packages").json() == []
    response = api.get(f"{API}/packages/{package.pk}/download")
    assert response.status_code == 403
    assert "machtiging" in response.json()["detail"]  # Dutch, the hub's language
    assert api.post(f"{API}/packages/{package.pk}/acknowledge").status_code == 403
    package.refresh_from_db()
    assert package.fetched_at is None


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("dhp_not-a-real-token"), {"HTTP_AUTHORIZATION": "Basic eDp5"}],
    ids=["none", "unknown", "basic"],
)
def test_calls_without_a_valid_token_are_refused(package, headers):
    client = Client(**headers)
    assert client.get(f"{API}/packages").status_code == 401
    assert client.get(f"{API}/packages/{package.pk}/download").status_code == 401


def test_a_revoked_token_is_refused(package, processor):
    from datahub.forwarding import tokens

    token, plain = tokens.create_token(actor=None, processor=processor, name="old")
    tokens.revoke_token(actor=None, processor=processor, token_id=token.pk)
    assert Client(**bearer(plain)).get(f"{API}/packages").status_code == 401
    # the refusal is logged, for the processor, with the token's prefix only (never its secret)
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.processor == processor and event.institution is None
    assert event.description == f"revoked API token {token.prefix!r}"
    assert plain not in str(event.detail) + event.description


def test_calls_with_unknown_tokens_are_logged_once_a_minute_per_address(package):
    for _ in range(3):
        assert Client(**bearer("dhp_made-up-secret")).get(f"{API}/packages").status_code == 401
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.processor is None and event.description == "unknown API token 'dhp_made-up'"
    assert event.detail == {"path": f"{API}/packages"}


def test_a_superseded_package_is_gone_with_a_pointer_to_the_new_one(
    api, package, institution, submitter, django_capture_on_commit_callbacks
):
    deliver(institution, submitter, patient_rows(2), 2, capture=django_capture_on_commit_callbacks)
    response = api.get(f"{API}/packages/{package.pk}/download")
    assert response.status_code == 410
    [current] = api.get(f"{API}/packages").json()
    assert str(current["id"]) in response.json()["detail"]


def test_each_processor_sees_only_its_own_packages_in_the_list(
    package,
    institution,
    registered,
    other_processor,
    token_of,
    submitter,
    django_capture_on_commit_callbacks,
):
    authorise(institution, other_processor, registered)
    deliver(institution, submitter, patient_rows(2), 2, capture=django_capture_on_commit_callbacks)
    mine = Client(**bearer(token_of(other_processor))).get(f"{API}/packages").json()
    assert [p["id"] for p in mine] == [Package.objects.for_processor(other_processor).get().pk]


def test_a_nul_character_in_the_query_is_refused_in_json(api, package):
    response = api.get(f"{API}/packages", {"registry": "Cat\x00"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_the_institutions_log_names_the_processor_that_downloaded(
    api, package, processor, local_admin
):
    from django.urls import reverse

    from tests.conftest import logged_in

    api.get(f"{API}/packages/{package.pk}/download")
    api.post(f"{API}/packages/{package.pk}/acknowledge")
    for event in AuditEvent.objects.filter(action__in=[Action.DOWNLOAD, Action.CHANGE]):
        assert event.actor_label.startswith(f"{processor.name}: API token ")
    page = logged_in(local_admin).get(reverse("portal:audit_log"), {"action": "download"})
    row = page.content.decode().split("<tbody>")[1].split("</tr>")[0]
    assert f"{processor.name}: API token" in row


def test_after_the_operator_withdraws_the_registration_the_processor_can_fetch_nothing(
    api, package, processor, operator
):
    """A withdrawn registration stopped new packages, but those not yet fetched stayed
    downloadable for ever (unacknowledged packages never expire; a reliability review)."""
    from datahub.forwarding.retention import purge

    registration = authorisations.registrations().get(processor=processor)
    authorisations.withdraw_registration(actor=operator, registration=registration)
    assert api.get(f"{API}/packages").json() == []
    response = api.get(f"{API}/packages/{package.pk}/download")
    assert response.status_code == 403
    assert "registratie" in response.json()["detail"]
    assert AuditEvent.objects.filter(
        action=Action.DENIED, description__contains="registration was withdrawn"
    ).exists()
    assert purge().packages == 1  # its files are deleted, as under a revoked authorisation
    package.refresh_from_db()
    assert package.fetched_at is None and package.expired_at is not None


def test_registering_again_does_not_give_back_the_packages_of_the_withdrawn_registration(
    api,
    package,
    processor,
    operator,
    registered,
    institution,
    submitter,
    django_capture_on_commit_callbacks,
):
    """The withdrawal's question says unfetched packages are deleted; before the purge ran, a
    new registration made them listed and downloadable again (a security review). As with a
    new authorisation, a new registration covers only the packages made under it."""
    from django.urls import reverse

    from tests.conftest import logged_in

    operator_client = logged_in(operator)
    registration = authorisations.registrations().get(processor=processor)
    withdraw = reverse("portal:processor_registration_withdraw", args=[registration.pk])
    assert operator_client.post(withdraw).status_code == 302
    again = {"processor": processor.pk, "registry": registered.pk}
    assert operator_client.post(reverse("portal:processor_registrations"), again).status_code == 302
    assert api.get(f"{API}/packages").json() == []
    assert api.get(f"{API}/packages/{package.pk}/download").status_code == 403
    from datahub.forwarding.retention import purge

    assert purge().packages == 1  # deleted as the question said
    deliver(institution, submitter, patient_rows(2), 2, capture=django_capture_on_commit_callbacks)
    [new] = api.get(f"{API}/packages").json()  # what is made under the new one is offered
    assert new["id"] != package.pk
    assert api.get(f"{API}/packages/{new['id']}/download").status_code == 200


EXPIRED_NL = (
    "Het API-token is verlopen: maak een nieuw token op de pagina Verwerker van het portaal."
)


@pytest.fixture
def short_lived(processor, processor_user):
    """A token of IKNL made for 90 days, and its secret."""
    from datahub.forwarding import tokens

    return tokens.create_token(actor=processor_user, processor=processor, name="etl", valid_days=90)


def test_a_token_works_until_its_expiry_and_is_refused_from_then_on(package, short_lived):
    token, plain = short_lived
    client = Client(**bearer(plain))
    with time_machine.travel(token.expires_at - dt.timedelta(seconds=1), tick=False):
        assert client.get(f"{API}/packages").status_code == 200
    with time_machine.travel(token.expires_at, tick=False):
        response = client.get(f"{API}/packages")
        download = client.get(f"{API}/packages/{package.pk}/download")
    assert response.status_code == 401 and download.status_code == 401
    assert response.json() == {"detail": EXPIRED_NL}
    assert response["WWW-Authenticate"] == 'Bearer realm="Datahub"'
    package.refresh_from_db()
    assert package.fetched_at is None


def test_an_expired_token_says_so_in_english_on_request(package, short_lived):
    token, plain = short_lived
    client = Client(**bearer(plain))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(token.expires_at, tick=False):
        response = client.get(f"{API}/packages")
    assert response.json()["detail"] == (
        "The API token has expired: make a new token on the page Processor of the portal."
    )


def test_an_expired_token_is_audited_once_a_minute_like_a_revoked_one(
    package, short_lived, processor
):
    token, plain = short_lived
    later = token.expires_at + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        for _ in range(3):
            assert Client(**bearer(plain)).get(f"{API}/packages").status_code == 401
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.processor == processor and event.institution is None
    assert event.description == f"expired API token {token.prefix!r}"
    assert plain not in str(event.detail) + event.description
    with time_machine.travel(later + dt.timedelta(seconds=61), tick=False):
        assert Client(**bearer(plain)).get(f"{API}/packages").status_code == 401
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == 2


def test_a_revoked_token_past_its_expiry_is_refused_as_revoked(package, short_lived, processor):
    from datahub.forwarding import tokens

    token, plain = short_lived
    tokens.revoke_token(actor=None, processor=processor, token_id=token.pk)
    with time_machine.travel(token.expires_at, tick=False):
        response = Client(**bearer(plain)).get(f"{API}/packages")
    assert response.json() == {"detail": "Het API-token is onbekend of ingetrokken."}
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.description == f"revoked API token {token.prefix!r}"


def test_every_moment_is_in_one_form_utc_z_to_the_microsecond(api, package):
    """Package times dropped their fraction when it was 0; the manifest's delivered_at ended in
    +00:00 (a review). Also the manifest of a package made before, as it is stored."""
    whole = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    _made_at(package, whole)
    body = api.get(f"{API}/packages/{package.pk}").json()
    assert body["made_available_at"] == "2026-11-28T09:30:00.000000Z"
    submitted = package.delivery.submitted_at.astimezone(dt.UTC)
    expected = submitted.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert body["manifest"]["delivered_at"] == expected
    assert package.manifest["delivered_at"] == expected  # as stored with a new package
    old = {**package.manifest, "delivered_at": submitted.isoformat()}  # …+00:00
    Package.objects.for_processor(package.processor).filter(pk=package.pk).update(manifest=old)
    body = api.get(f"{API}/packages/{package.pk}").json()
    assert body["manifest"]["delivered_at"] == expected
