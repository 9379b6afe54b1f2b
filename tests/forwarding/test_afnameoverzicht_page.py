"""Afnameoverzicht: per registry method, frequency and processors; per delivery the trail."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from datahub.forwarding.models import Package
from tests.conftest import logged_in
from tests.forwarding.conftest import (
    API,
    authorise,
    bearer,
    deliver,
    finished_deliveries,
    packages_of,
    patient_rows,
)
from tests.html import text_of
from tests.work import counted, sqlite_only

URL = reverse("portal:forwarding")


def test_the_page_shows_method_frequency_and_authorised_processors(authorised, submitter):
    page = logged_in(submitter).get(URL).content.decode()
    assert "Cataract" in page
    assert "Webportaal" in page or "Web portal" in page
    assert "totaal" in page
    assert "IKNL" in page
    assert "01-01-2020" in page


def test_the_page_shows_the_whole_trail_of_a_delivery(
    authorised, institution, submitter, processor, token_of, django_capture_on_commit_callbacks
):
    deliver(institution, submitter, patient_rows(3), capture=django_capture_on_commit_callbacks)
    package = Package.objects.for_institution(institution).get()
    api = Client(**bearer(token_of(processor)))
    b"".join(api.get(f"{API}/packages/{package.pk}/download").streaming_content)
    api.post(f"{API}/packages/{package.pk}/acknowledge")
    package.refresh_from_db()
    page = logged_in(submitter).get(URL).content.decode()
    assert "IKNL" in page and "<td>3</td>" in page
    for moment in (package.created_at, package.fetched_at, package.acknowledged_at):
        assert timezone.localtime(moment).strftime("%d-%m-%Y %H:%M") in page


def test_deliveries_not_forwarded_say_why(
    registered, institution, submitter, django_capture_on_commit_callbacks
):
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    deliver(institution, submitter, b"OperatieID\n", 2, capture=django_capture_on_commit_callbacks)
    client = logged_in(submitter)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    page = client.get(URL).content.decode()
    assert "no processor was authorised" in page
    assert "rejected" in page


def test_a_delivery_an_authorised_processor_has_not_got_yet_says_so(
    authorised, institution, submitter, settings, django_capture_on_commit_callbacks
):
    settings.PSEUDONYM_SECRETS = {}  # the forwarding cannot run (as while the worker is down)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert not Package.objects.for_institution(institution).exists()
    client = logged_in(submitter)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    page = client.get(URL).content.decode()
    assert "Not forwarded yet: the data are being prepared for the authorised processors." in page
    assert "no processor was authorised" not in page


def test_test_deliveries_are_not_listed(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    deliver(
        institution,
        submitter,
        patient_rows(2),
        capture=django_capture_on_commit_callbacks,
        is_test=True,
        file_name="11111111_0_CAT_1.4_1_20261128_TEST.csv",
    )
    page = logged_in(submitter).get(URL).content.decode()
    assert "11111111_0_CAT_1.4_1_20261128_TEST.csv" not in page


def test_an_outsider_sees_none_of_this_institutions_trail(
    authorised, institution, submitter, outsider, django_capture_on_commit_callbacks
):
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    page = logged_in(outsider).get(URL).content.decode()
    assert "IKNL" not in page
    assert "11111111_0_CAT" not in page


def test_the_page_needs_a_constant_number_of_queries(
    authorised,
    institution,
    submitter,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    for sequence in range(1, 5):
        deliver(
            institution,
            submitter,
            patient_rows(2),
            sequence,
            capture=django_capture_on_commit_callbacks,
        )
    client = logged_in(submitter)
    with django_assert_max_num_queries(15):
        assert client.get(URL).status_code == 200


def test_only_the_local_administrator_gets_the_link_to_manage_authorisations(
    authorised, submitter, local_admin
):
    link = reverse("portal:authorisations")
    assert link not in logged_in(submitter).get(URL).content.decode()
    assert link in logged_in(local_admin).get(URL).content.decode()


@sqlite_only
def test_the_page_reads_only_the_packages_of_its_deliveries(
    authorised, cataract, institution, submitter
):
    deliveries = finished_deliveries(institution, cataract, 5_000)
    newest = deliveries[-500:]  # the first page among them
    client, work = logged_in(submitter), []
    for forwarded in (newest, deliveries[:-500]):  # then those of the other pages too
        packages_of(forwarded, authorised)
        client.get(URL)
        with counted() as steps:
            page = client.get(URL)
        assert page.context["page"].object_list[0] == deliveries[-1]
        work.append(steps[0])
    assert work[1] < 1.1 * work[0], work


def test_a_processor_still_waiting_beside_one_served_is_named(
    authorised,
    registered,
    institution,
    submitter,
    other_processor,
    local_admin,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """Of two processors authorised, one got its package and the other's failed: the page
    listed only the package made, so the institution could not see MRDM was still waiting."""
    from datahub.forwarding import packaging

    authorise(institution, other_processor, registered, local_admin)
    real = packaging.build_package

    def failing_for_mrdm(delivery, authorisation):
        if authorisation.processor_id == other_processor.pk:
            raise OSError("disk full")
        return real(delivery, authorisation)

    monkeypatch.setattr(packaging, "build_package", failing_for_mrdm)
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert [p.processor.name for p in Package.objects.for_institution(institution)] == ["IKNL"]
    client = logged_in(submitter)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    page = client.get(URL).content.decode()
    waiting = "Not forwarded yet: the data are being prepared for this processor."
    assert page.count(waiting) == 1
    assert page.index("<td>MRDM</td>") < page.index(waiting)
    monkeypatch.undo()
    packaging.forward_delivery(Package.objects.for_institution(institution).get().delivery_id)
    page = client.get(URL).content.decode()
    assert waiting not in page and "<td>MRDM</td>" in page


def test_a_replaced_package_says_what_replaced_it(
    authorised, institution, submitter, django_capture_on_commit_callbacks
):
    for sequence in (1, 2):  # the same period delivered again
        deliver(
            institution,
            submitter,
            patient_rows(2),
            sequence,
            capture=django_capture_on_commit_callbacks,
        )
    first, second = Package.objects.for_institution(institution).order_by("pk")
    first.refresh_from_db()
    assert first.superseded_by == second
    page = text_of(logged_in(submitter).get(URL))
    explained = "IKNL vervangen door het pakket van een nieuwere aanlevering voor dezelfde periode"
    assert page.count(explained) == 1
    assert page.count("vervangen") == 1


def test_an_expired_package_says_when_and_why_its_files_went(
    authorised, institution, submitter, django_capture_on_commit_callbacks, settings
):
    from datahub.forwarding.retention import purge_packages

    settings.PACKAGE_RETENTION_DAYS = 30
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    package = Package.objects.for_institution(institution).get()
    Package.objects.for_institution(institution).update(expires_at=timezone.now())
    assert purge_packages(timezone.now()) == 1
    package.refresh_from_db()
    deleted = timezone.localtime(package.expired_at).strftime("%d-%m-%Y")
    page = text_of(logged_in(submitter).get(URL))
    assert (
        f"IKNL verlopen de bestanden zijn op {deleted} verwijderd: 30 dagen na de "
        "ontvangstbevestiging of de vervanging, of toen de machtiging of de registratie eindigde"
    ) in page


def test_a_package_under_a_revoked_authorisation_says_it_can_no_longer_be_fetched(
    authorised, institution, submitter, local_admin, django_capture_on_commit_callbacks
):
    from datahub.forwarding import authorisations

    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    assert "ingetrokken" not in text_of(logged_in(submitter).get(URL))
    authorisations.revoke(actor=local_admin, authorisation=authorised)
    revoked = timezone.localtime(timezone.now()).strftime("%d-%m-%Y")
    page = text_of(logged_in(submitter).get(URL))
    assert (
        f"IKNL ingetrokken de machtiging is op {revoked} ingetrokken: de verwerker kan het niet "
        "meer ophalen, en de bestanden worden verwijderd"
    ) in page
