"""The local administrator manages the people of his own institution, and only those."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from datahub.audit.models import Action, AuditEvent
from datahub.institutions.models import Membership, Role
from tests.conftest import PASSWORD, logged_in, make_member


def test_the_people_page_lists_only_the_own_institution(local_admin, submitter, outsider):
    page = logged_in(local_admin).get(reverse("portal:people")).content.decode()
    assert submitter.email in page
    assert local_admin.email in page
    assert outsider.email not in page


def test_adding_a_new_person_creates_the_account_and_sends_an_invitation(
    local_admin, institution, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(local_admin).post(
            reverse("portal:person_add"),
            {"full_name": "Nieuwe Collega", "email": "New@A.example", "role": Role.SUBMITTER},
        )
    assert response.status_code == 302
    membership = Membership.objects.for_institution(institution).get(user__email="new@a.example")
    assert membership.role == Role.SUBMITTER
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@a.example"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert event.institution == institution and event.actor == local_admin


def test_adding_someone_who_already_has_a_role_is_refused_with_a_message(local_admin, submitter):
    response = logged_in(local_admin).post(
        reverse("portal:person_add"),
        {"full_name": "Alice", "email": submitter.email, "role": Role.LOCAL_ADMIN},
    )
    assert response.status_code == 200
    assert (
        "heeft al een rol bij deze zorginstelling: wijzig die op de pagina van deze persoon onder"
        " Gebruikers."
    ) in response.content.decode()
    assert Membership.objects.unscoped().get(user=submitter).role == Role.SUBMITTER


def test_disabled_processor_and_hub_accounts_are_refused_alike(
    local_admin, institution, processor_user
):
    """Trying addresses does not tell a local administrator which accounts the hub disabled,
    or which belong to a processor or to the hub: the page answers each with the same words."""
    from tests.conftest import make_user

    disabled = make_user("gone@b.example", is_active=False)
    operator = make_user("ops@datahub.example", is_hub_operator=True)
    client = logged_in(local_admin)
    answers = set()
    for user in (disabled, processor_user, operator):
        page = client.post(
            reverse("portal:person_add"),
            {"full_name": "X", "email": user.email, "role": Role.SUBMITTER},
        ).content.decode()
        found = re.findall(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', page, re.S)
        assert found, page
        answers.add(" ".join(found))
    assert len(answers) == 1
    assert "kan geen rol bij een zorginstelling krijgen" in answers.pop()
    assert not Membership.objects.for_institution(institution).exclude(user=local_admin).exists()


def test_a_person_of_another_institution_can_be_given_a_role_here_too(
    local_admin, outsider, institution
):
    logged_in(local_admin).post(
        reverse("portal:person_add"),
        {"full_name": "Charlie", "email": outsider.email, "role": Role.SUBMITTER},
    )
    assert Membership.objects.for_institution(institution).filter(user=outsider).exists()
    assert get_user_model().objects.filter(email=outsider.email).count() == 1


def test_changing_a_role_is_saved_and_logged(local_admin, submitter):
    membership = Membership.objects.unscoped().get(user=submitter)
    response = logged_in(local_admin).post(
        reverse("portal:person_edit", args=[membership.pk]),
        {"action": "role", "role": Role.LOCAL_ADMIN},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.LOCAL_ADMIN
    event = AuditEvent.objects.get(action=Action.CHANGE)
    assert event.detail == {
        "email": submitter.email,
        "from": "aanleveraar",
        "to": "lokaal_beheerder",
    }


def test_a_deactivated_person_loses_access_to_the_institution(local_admin, submitter):
    membership = Membership.objects.unscoped().get(user=submitter)
    logged_in(local_admin).post(
        reverse("portal:person_edit", args=[membership.pk]), {"action": "deactivate"}
    )
    membership.refresh_from_db()
    assert not membership.is_active
    assert logged_in(submitter).get(reverse("portal:overview")).status_code == 403


def test_the_last_local_administrator_cannot_demote_or_deactivate_himself(local_admin):
    membership = Membership.objects.unscoped().get(user=local_admin)
    client = logged_in(local_admin)
    url = reverse("portal:person_edit", args=[membership.pk])
    response = client.post(url, {"action": "role", "role": Role.SUBMITTER})
    assert "minimaal één lokaal beheerder" in response.content.decode()
    response = client.post(url, {"action": "deactivate"})
    assert "niet deactiveren" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active and membership.role == Role.LOCAL_ADMIN


def test_an_administrator_who_cannot_log_in_does_not_count_as_the_other_one(
    local_admin, institution, django_capture_on_commit_callbacks
):
    client = logged_in(local_admin)
    with django_capture_on_commit_callbacks(execute=True):  # invited, no password of his own yet
        client.post(
            reverse("portal:person_add"),
            {"full_name": "Nog niet", "email": "pending@a.example", "role": Role.LOCAL_ADMIN},
        )
    disabled = make_member("disabled@a.example", institution, Role.LOCAL_ADMIN, is_active=False)
    assert not disabled.is_active
    membership = Membership.objects.unscoped().get(user=local_admin)
    url = reverse("portal:person_edit", args=[membership.pk])
    response = client.post(url, {"action": "role", "role": Role.SUBMITTER})
    assert "minimaal één lokaal beheerder" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.LOCAL_ADMIN
    make_member("able@a.example", institution, Role.LOCAL_ADMIN)  # one who can log in
    client.post(url, {"action": "role", "role": Role.SUBMITTER})
    membership.refresh_from_db()
    assert membership.role == Role.SUBMITTER


def test_switching_to_an_institution_that_is_no_number_changes_nothing(submitter):
    client = logged_in(submitter)
    for chosen in ("abc", "1" * 40, "", "\u00b2", "1\u0661"):
        response = client.post(reverse("portal:switch_institution"), {"institution": chosen})
        assert response.status_code == 302


def test_a_submitter_cannot_post_changes_to_people(submitter, local_admin):
    membership = Membership.objects.unscoped().get(user=local_admin)
    response = logged_in(submitter).post(
        reverse("portal:person_edit", args=[membership.pk]), {"action": "deactivate"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_active


def test_an_unknown_role_is_a_form_error(local_admin):
    response = logged_in(local_admin).post(
        reverse("portal:person_add"), {"full_name": "X", "email": "x@a.example", "role": "god"}
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email="x@a.example").exists()


def test_a_form_drawn_for_one_institution_does_not_act_on_another_after_a_switch(
    local_admin, institution, other_institution
):
    """Two tabs: the people page of A is open, the other tab switches to B; the form of A,
    posted now, must not add the person to B."""
    Membership.objects.create(
        user=local_admin, institution=other_institution, role=Role.LOCAL_ADMIN
    )
    client = logged_in(local_admin)
    page = client.get(reverse("portal:person_add")).content.decode()
    assert f'name="instelling" value="{institution.pk}"' in page
    client.post(reverse("portal:switch_institution"), {"institution": other_institution.pk})
    response = client.post(
        reverse("portal:person_add"),
        {
            "instelling": institution.pk,
            "email": "nieuw@b.example",
            "full_name": "Nieuw",
            "role": Role.SUBMITTER,
        },
        follow=True,
    )
    assert "U bent intussen naar een andere zorginstelling overgestapt" in response.content.decode()
    assert not Membership.objects.unscoped().filter(user__email="nieuw@b.example").exists()
    response = client.post(
        reverse("portal:person_add"),
        {
            "instelling": other_institution.pk,
            "email": "nieuw@b.example",
            "full_name": "Nieuw",
            "role": Role.SUBMITTER,
        },
    )
    assert (
        Membership.objects.for_institution(other_institution)
        .filter(user__email="nieuw@b.example")
        .exists()
    )


def test_an_administrator_who_gives_up_the_role_goes_to_the_start_page(local_admin, institution):
    from tests.conftest import PASSWORD

    other = make_member("tweede@a.example", institution, Role.LOCAL_ADMIN)
    other.set_password(PASSWORD)
    other.save()
    membership = Membership.objects.for_institution(institution).get(user=local_admin)
    client = logged_in(local_admin)
    response = client.post(
        reverse("portal:person_edit", args=[membership.pk]), {"role": Role.SUBMITTER}
    )
    assert response.url == reverse("portal:home")
    assert not AuditEvent.objects.filter(action=Action.DENIED).exists()


def test_no_change_logs_nothing_and_demoting_the_last_other_admin_is_refused(
    local_admin, submitter, institution
):
    from tests.conftest import PASSWORD

    client = logged_in(local_admin)
    mine = Membership.objects.for_institution(institution).get(user=submitter)
    before = AuditEvent.objects.filter(action=Action.CHANGE).count()
    client.post(reverse("portal:person_edit", args=[mine.pk]), {"role": mine.role})
    client.post(reverse("portal:person_edit", args=[mine.pk]), {"action": "activate"})
    assert AuditEvent.objects.filter(action=Action.CHANGE).count() == before
    # another administrator may not demote or deactivate the last one who can log in
    other = make_member("tweede@a.example", institution, Role.LOCAL_ADMIN)
    other.set_password(PASSWORD)
    other.save()
    admin = Membership.objects.for_institution(institution).get(user=local_admin)
    second = logged_in(other)
    second.post(reverse("portal:person_edit", args=[admin.pk]), {"action": "deactivate"})
    page = second.post(
        reverse(
            "portal:person_edit",
            args=[Membership.objects.for_institution(institution).get(user=other).pk],
        ),
        {"role": Role.SUBMITTER},
    ).content.decode()
    assert "minimaal één lokaal beheerder" in page
    assert Membership.objects.for_institution(institution).get(user=other).role == Role.LOCAL_ADMIN


def test_a_deactivated_person_is_pointed_to_reactivation_not_told_he_has_a_role(
    local_admin, submitter, institution
):
    mine = Membership.objects.for_institution(institution).get(user=submitter)
    client = logged_in(local_admin)
    client.post(reverse("portal:person_edit", args=[mine.pk]), {"action": "deactivate"})
    page = client.post(
        reverse("portal:person_add"),
        {"email": submitter.email, "full_name": "X", "role": Role.SUBMITTER},
    ).content.decode()
    assert "gedeactiveerde rol" in page


def test_reactivating_a_person_whose_account_is_now_a_processors_is_refused(
    local_admin, submitter, institution, db
):
    from datahub.institutions.models import Processor, ProcessorMembership

    mine = Membership.objects.for_institution(institution).get(user=submitter)
    client = logged_in(local_admin)
    client.post(reverse("portal:person_edit", args=[mine.pk]), {"action": "deactivate"})
    processor = Processor.objects.create(code="iknl", name="IKNL")
    ProcessorMembership.objects.create(user=submitter, processor=processor)
    page = client.post(
        reverse("portal:person_edit", args=[mine.pk]), {"action": "activate"}
    ).content.decode()
    assert "kan geen rol bij een zorginstelling krijgen" in page
    mine.refresh_from_db()
    assert not mine.is_active


def test_a_refused_deactivation_keeps_the_role_shown_and_adds_no_stray_error(local_admin):
    membership = Membership.objects.unscoped().get(user=local_admin)
    response = logged_in(local_admin).post(
        reverse("portal:person_edit", args=[membership.pk]), {"action": "deactivate"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "U kunt uzelf niet deactiveren." in page
    assert "Dit veld is verplicht." not in page
    assert f'<option value="{Role.LOCAL_ADMIN}" selected>' in page
    membership.refresh_from_db()
    assert membership.is_active and membership.role == Role.LOCAL_ADMIN


def _invite(client, email: str, callbacks) -> str:
    """Invite ``email`` as a submitter; the path of the link in the mail."""
    with callbacks(execute=True):
        client.post(
            reverse("portal:person_add"),
            {"full_name": "Uitgenodigd", "email": email, "role": Role.SUBMITTER},
        )
    return _last_link()


def _last_link() -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert found is not None
    return found.group(1)


def _choose_password(link: str) -> bool:
    """Follow an invitation link and choose a password; whether that worked."""
    invitee = Client()
    form = invitee.get(link)
    if form.status_code != 302:
        return False
    password = "Een-heel-sterk-wachtwoord-2026"
    done = invitee.post(form["Location"], {"password1": password, "password2": password})
    return done.status_code == 302


def test_an_invitation_stops_working_when_the_role_is_deactivated(
    local_admin, institution, django_capture_on_commit_callbacks
):
    client = logged_in(local_admin)
    link = _invite(client, "later@a.example", django_capture_on_commit_callbacks)
    membership = Membership.objects.for_institution(institution).get(user__email="later@a.example")
    url = reverse("portal:person_edit", args=[membership.pk])
    assert "nog geen wachtwoord gekozen (uitgenodigd)" in client.get(url).content.decode()
    client.post(url, {"action": "deactivate"})
    assert not _choose_password(link)
    assert "opnieuw activeren stuurt een nieuwe uitnodiging" in client.get(url).content.decode()
    person = get_user_model().objects.get(email="later@a.example")
    assert not person.has_usable_password()
    # reactivated: a new invitation, whose link works (the old one still does not)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "activate"})
    fresh = _last_link()
    assert fresh != link and mail.outbox[-1].to == ["later@a.example"]
    assert not _choose_password(link)
    assert _choose_password(fresh)
    person.refresh_from_db()
    assert person.has_usable_password()


def test_an_invitation_still_works_while_another_institution_gives_a_role(
    local_admin, institution, other_institution, django_capture_on_commit_callbacks
):
    link = _invite(logged_in(local_admin), "both@a.example", django_capture_on_commit_callbacks)
    person = get_user_model().objects.get(email="both@a.example")
    Membership.objects.create(user=person, institution=other_institution, role=Role.SUBMITTER)
    membership = Membership.objects.for_institution(institution).get(user=person)
    logged_in(local_admin).post(
        reverse("portal:person_edit", args=[membership.pk]), {"action": "deactivate"}
    )
    assert _choose_password(link)


def test_a_person_who_has_an_account_is_told_of_the_role_given(
    local_admin, outsider, institution, django_capture_on_commit_callbacks
):
    outsider.language = "en"
    outsider.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(local_admin).post(
            reverse("portal:person_add"),
            {"full_name": "Charlie", "email": outsider.email, "role": Role.LOCAL_ADMIN},
        )
    [notice] = mail.outbox
    assert notice.to == [outsider.email]
    assert notice.subject == f"A role at {institution.name} in the Datahub"
    assert f"the role Local administrator at {institution.name}" in notice.body
    assert "/accounts/password/reset/key/" not in notice.body  # his password stays his own
    assert "audit log shows your logins" in notice.body


def test_a_person_is_told_when_his_role_is_changed_or_given_back(
    local_admin, submitter, institution, django_capture_on_commit_callbacks
):
    """A silent promotion, or a role given back after a deactivation, went unnoticed while
    the institution's audit log showed the person's logins again (a security review)."""
    client = logged_in(local_admin)
    url = reverse("portal:person_edit", args=[mine_pk := _membership_pk(submitter, institution)])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "role", "role": Role.LOCAL_ADMIN})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "deactivate"})
    assert len(mail.outbox) == 1  # a deactivation tells nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "activate"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "activate"})  # (no change: no mail)
    assert [m.to for m in mail.outbox] == [[submitter.email]] * 2
    for notice in mail.outbox:
        assert f"de rol Lokaal beheerder gegeven bij {institution.name}" in notice.body
    assert Membership.objects.unscoped().get(pk=mine_pk).is_active


def _membership_pk(user, institution) -> int:
    return Membership.objects.for_institution(institution).get(user=user).pk


def test_an_invited_person_whose_link_went_void_is_invited_again_by_another_institution(
    local_admin, institution, other_institution, django_capture_on_commit_callbacks
):
    """Invited at A, deactivated there before choosing a password (the link is void); then
    given a role at B: he gets a working link, not a notice to log in as he is used to."""
    from tests.conftest import make_member

    client = logged_in(local_admin)
    link = _invite(client, "moved@a.example", django_capture_on_commit_callbacks)
    mine = Membership.objects.for_institution(institution).get(user__email="moved@a.example")
    client.post(reverse("portal:person_edit", args=[mine.pk]), {"action": "deactivate"})
    assert not _choose_password(link)
    admin_b = make_member("admin@b.example", other_institution, Role.LOCAL_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(admin_b).post(
            reverse("portal:person_add"),
            {"full_name": "Verhuisd", "email": "moved@a.example", "role": Role.SUBMITTER},
        )
    assert mail.outbox[-1].to == ["moved@a.example"]
    assert _choose_password(_last_link())


def test_the_people_page_shows_fifty_people_a_page_active_first(local_admin, institution):
    """Deactivated people are never removed: the list is paged, the active people first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_user

    client, url = logged_in(local_admin), reverse("portal:people")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    people = [make_user(f"p{n:02d}@a.example") for n in range(60)]
    Membership.objects.bulk_create(
        Membership(user=u, institution=institution, role=Role.SUBMITTER, is_active=n >= 20)
        for n, u in enumerate(people)
    )
    assert queries() == few
    first = client.get(url).content.decode()
    emails = re.findall(r"<td>([^<]+@a\.example)</td>", first)
    assert len(emails) == 50 and 'rel="next"' in first
    assert emails[:2] == ["bob@a.example", "p20@a.example"]  # active ones, by address
    rest = re.findall(r"<td>([^<]+@a\.example)</td>", client.get(url + "?page=2").content.decode())
    assert rest == [f"p{n:02d}@a.example" for n in range(9, 20)]  # deactivated last


def test_forgot_password_gives_no_voided_invitation_back(
    local_admin, institution, django_capture_on_commit_callbacks
):
    """A person invited, never in, whose role was deactivated (the invitation voided), could
    choose a password by "Wachtwoord vergeten" instead (a review): he is told by mail that his
    address has no access, and the page says what it says to anyone."""
    client = logged_in(local_admin)
    _invite(client, "later@a.example", django_capture_on_commit_callbacks)
    membership = Membership.objects.for_institution(institution).get(user__email="later@a.example")
    url = reverse("portal:person_edit", args=[membership.pk])
    client.post(url, {"action": "deactivate"})
    sent = len(mail.outbox)
    known = Client().post(reverse("account_reset_password"), {"email": "later@a.example"})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@a.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == sent + 1  # (none to the unknown address: sign-up is closed)
    notice = mail.outbox[sent]
    assert notice.to == ["later@a.example"]
    assert notice.subject == "Voor uw adres kan geen wachtwoord worden gekozen"
    assert "/accounts/password/reset/key/" not in notice.body
    assert "Vraag de lokale beheerder van uw zorginstelling" in notice.body
    # invited again: the same page sends a link that works
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "activate"})
    Client().post(reverse("account_reset_password"), {"email": "later@a.example"})
    assert _choose_password(_last_link())


def test_a_local_administrator_resets_the_second_factor_of_someone_who_lost_his_phone(
    local_admin, submitter, institution, django_capture_on_commit_callbacks
):
    """Nobody could: a clinician with a new phone and no recovery codes was locked out until
    the database was edited (a review)."""
    from allauth.mfa.models import Authenticator

    client = logged_in(local_admin)
    url = reverse("portal:person_edit", args=[_membership_pk(submitter, institution)])
    assert "Tweestapsverificatie herstellen…" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reset_second_factor"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=submitter).exists()
    notice = mail.outbox[-1]
    assert notice.to == [submitter.email]
    assert "uw authenticator-app en uw herstelcodes werken niet meer" in notice.body
    event = AuditEvent.objects.get(action=Action.SECOND_FACTOR_REMOVED)
    assert event.institution == institution and event.actor == local_admin
    # the password still works; the app is set up again before anything else
    person = Client()
    person.post(reverse("account_login"), {"login": submitter.email, "password": PASSWORD})
    response = person.get(reverse("portal:overview"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    # nothing left to reset: the page no longer offers it, and a forged post is refused
    assert "Tweestapsverificatie herstellen…" not in client.get(url).content.decode()
    page = client.post(url, {"action": "reset_second_factor"}).content.decode()
    assert "Deze persoon heeft nog geen tweede factor ingesteld." in page


def test_nobody_resets_his_own_second_factor_or_one_at_another_institution(
    local_admin, outsider, institution
):
    from allauth.mfa.models import Authenticator

    client = logged_in(local_admin)
    own = reverse("portal:person_edit", args=[_membership_pk(local_admin, institution)])
    assert "Tweestapsverificatie herstellen…" not in client.get(own).content.decode()
    page = client.post(own, {"action": "reset_second_factor"}).content.decode()
    assert "Uw eigen tweede factor wijzigt u onder Tweestapsverificatie." in page
    other = Membership.objects.unscoped().get(user=outsider)
    assert (
        client.post(
            reverse("portal:person_edit", args=[other.pk]), {"action": "reset_second_factor"}
        ).status_code
        == 404
    )
    assert Authenticator.objects.filter(user__in=[local_admin, outsider]).count() == 4


def test_the_operator_resets_anyones_second_factor_with_the_cli(processor_user):
    import io

    import pytest
    from allauth.mfa.models import Authenticator
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("reset_second_factor", processor_user.email.upper(), stdout=out)
    assert f"The second factor of {processor_user.email} has been reset" in out.getvalue()
    assert not Authenticator.objects.filter(user=processor_user).exists()
    assert AuditEvent.objects.filter(action=Action.SECOND_FACTOR_REMOVED).count() == 1
    with pytest.raises(CommandError, match="has not set up a second factor yet"):
        call_command("reset_second_factor", processor_user.email)
    with pytest.raises(CommandError, match="No account has the address"):
        call_command("reset_second_factor", "nobody@x.example")


def test_forgot_password_tells_a_processors_person_to_ask_the_hubs_operators(processor):
    from datahub.institutions.models import ProcessorMembership
    from tests.conftest import make_user

    person = make_user("weg@iknl.example", enrolled=False)
    person.set_unusable_password()
    person.save()
    ProcessorMembership.objects.create(user=person, processor=processor, is_active=False)
    Client().post(reverse("account_reset_password"), {"email": person.email})
    assert "Vraag het beheer van de hub" in mail.outbox[-1].body
    assert "lokale beheerder" not in mail.outbox[-1].body
