"""The local administrator reads his institution's log; its viewing is logged too."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html

from datahub.audit.models import Action, AuditEvent
from datahub.audit.services import record
from datahub.institutions.models import Membership, Role
from tests.conftest import logged_in, make_member
from tests.work import page_work, sqlite_only


def test_the_log_shows_the_institutions_events_and_its_peoples_logins(
    local_admin, submitter, institution, other_institution, outsider
):
    record(Action.CHANGE, actor=local_admin, institution=institution, description="ours")
    record(Action.CHANGE, actor=outsider, institution=other_institution, description="theirs")
    record(Action.LOGIN, actor=submitter, institution=None)
    record(Action.LOGIN, actor=outsider, institution=None, description="outsider-login")
    page = logged_in(local_admin).get(reverse("portal:audit_log")).content.decode()
    assert "ours" in page
    assert "theirs" not in page
    assert submitter.email in page
    assert "outsider-login" not in page


def test_viewing_the_log_is_logged(local_admin, institution):
    logged_in(local_admin).get(reverse("portal:audit_log"))
    event = AuditEvent.objects.get(action=Action.VIEW)
    assert event.institution == institution
    assert event.description == "audit log"


def test_the_log_can_be_filtered_by_action(local_admin, institution):
    record(Action.EXPORT, actor=local_admin, institution=institution, description="an-export")
    record(Action.CHANGE, actor=local_admin, institution=institution, description="a-change")
    page = logged_in(local_admin).get(reverse("portal:audit_log"), {"action": "export"})
    text = page.content.decode()
    assert "an-export" in text and "a-change" not in text


def test_the_log_is_paged(local_admin, institution):
    for n in range(60):
        record(Action.CHANGE, actor=local_admin, institution=institution, description=f"e{n}")
    client = logged_in(local_admin)
    first = client.get(reverse("portal:audit_log")).content.decode()
    assert "Pagina 1 van 2" in first
    second = client.get(reverse("portal:audit_log"), {"page": 2}).content.decode()
    assert "e0<" in second
    assert '<a href="?page=1"><span class="visually-hidden">Pagina </span>1</a>' in second


def test_page_numbers_show_both_ends_and_the_pages_around_the_current_one():
    from django.core.paginator import Paginator

    from datahub.portal.templatetags.pages import page_numbers

    pages = Paginator(range(200), 10)
    assert page_numbers(pages.page(10)) == [1, "…", 8, 9, 10, 11, 12, "…", 20]
    assert page_numbers(pages.page(1)) == [1, 2, 3, "…", 20]
    assert page_numbers(Paginator(range(30), 10).page(2)) == [1, 2, 3]


def test_the_object_is_named_in_the_readers_language(local_admin, institution, submitter):
    membership = Membership.objects.for_institution(institution).get(user=submitter)
    record(Action.CHANGE, actor=local_admin, institution=institution, obj=membership)
    client = logged_in(local_admin)
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert f"Lidmaatschap {membership.pk}" in page
    # the label stays in the address only, as the object type filter's value
    assert "institutions.Membership" not in html.fromstring(page).text_content()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert f"Membership {membership.pk}" in page


def test_descriptions_are_shown_in_the_readers_language(local_admin, submitter):
    """A role change is stored in English with its template; each reader sees it in his
    language, the role names too."""
    membership = Membership.objects.unscoped().get(user=submitter)
    client = logged_in(local_admin)
    client.post(
        reverse("portal:person_edit", args=[membership.pk]),
        {"action": "role", "role": Role.LOCAL_ADMIN},
    )
    event = AuditEvent.objects.get(action=Action.CHANGE)
    assert event.description == f"{submitter.email}: Submitter → Local administrator"
    assert event.message == "{email}: {old} → {role}"
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert f"{submitter.email}: Aanleveraar → Lokaal beheerder" in page
    assert "logboek" in page  # this viewing itself, in Dutch
    assert "Submitter" not in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert f"{submitter.email}: Submitter → Local administrator" in page
    assert "Aanleveraar" not in page


def test_a_refusal_is_logged_with_its_values_and_shown_translated(local_admin, institution):
    client = logged_in(local_admin)
    assert client.get(reverse("portal:delivery", args=[999_999])).status_code == 404
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.description == "delivery 999999 is not of this institution"
    assert event.values == {"id": 999_999}
    page = client.get(reverse("portal:audit_log")).content.decode()
    assert "aanlevering 999999 is niet van deze zorginstelling" in page
    assert "(/aanleveringen/999999/)" in page  # which page was refused


def test_a_description_whose_translation_does_not_fit_its_values_is_shown_as_stored(
    local_admin, institution
):
    """Rows written before a template changed keep being readable."""
    event = record(
        Action.CHANGE,
        actor=local_admin,
        institution=institution,
        description="delivery {id} is not of this institution",
        values={"other": 1},
    )
    assert event.message is None  # the template did not fit: only the text is kept
    AuditEvent.objects.create(
        action=Action.CHANGE,
        institution=institution,
        description="stored text",
        message="delivery {id} is not of this institution",
        values={"other": 1},
    )
    page = logged_in(local_admin).get(reverse("portal:audit_log")).content.decode()
    assert "stored text" in page


def test_a_long_description_is_cut_to_the_column(institution):
    event = record(Action.CHANGE, institution=institution, description="x" * 400)
    assert len(event.description) == 300


# --- what reading the log costs ------------------------------------------------------------


@sqlite_only
def test_the_log_does_not_read_other_hospitals_logins(local_admin, other_institution):
    """Logins have no institution: those of another hospital's people must not be read (or
    counted, or sorted) to find an institution's page."""
    theirs = [
        make_member(f"b{k}@b.example", other_institution, Role.SUBMITTER, enrolled=False)
        for k in range(20)
    ]
    client, url, work = logged_in(local_admin), reverse("portal:audit_log"), []
    for n in (2_000, 20_000):
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=theirs[i % 20], actor_label="b", action=Action.LOGIN) for i in range(n)
        )
        work.append(page_work(client, url))
    assert work[1] < 2 * work[0], work


def test_the_log_opens_after_a_thousand_people_left(clock, local_admin, institution):
    """The periods of a role are not written into the query one by one (a thousand leavers
    made SQLite refuse it: "Expression tree is too large"); each leaver's logins still show
    only while he had his role."""
    with clock(1):
        leavers = get_user_model().objects.bulk_create(
            get_user_model()(email=f"leaver{k}@a.example") for k in range(1_000)
        )
        roles = Membership.objects.bulk_create(
            Membership(user=user, institution=institution, role=Role.SUBMITTER) for user in leavers
        )
    with clock(2):
        record(Action.LOGIN, actor=leavers[7], institution=None, description="while-here")
    with clock(3):  # as services.set_active leaves it: inactive, and logged
        Membership.objects.for_institution(institution).filter(
            pk__in=[role.pk for role in roles]
        ).update(is_active=False)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=local_admin,
                institution=institution,
                action=Action.CHANGE,
                object_type="institutions.Membership",
                object_id=str(role.pk),
                detail={"email": role.user.email, "active": False},
            )
            for role in roles
        )
    with clock(4):
        record(Action.LOGIN, actor=leavers[7], institution=None, description="after-leaving")
    with clock(5):
        response = logged_in(local_admin).get(reverse("portal:audit_log"), {"action": "login"})
    assert response.status_code == 200
    shown = [e.description for e in response.context["page"] if e.actor_id == leavers[7].pk]
    assert shown == ["while-here"]
