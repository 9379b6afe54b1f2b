"""Managing the people of an institution. Only a local administrator of that institution may.

Every function checks the acting person's rights itself (a view cannot forget) and writes the
audit log. Refusals raise :class:`PeopleError` with a message for the user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.accounts.invitations import (
    send_invitation,
    send_role_notice,
    send_second_factor_notice,
)
from datahub.accounts.second_factor import remove_second_factor
from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.institutions.models import Institution, Membership, ProcessorMembership, Role


class PeopleError(Exception):
    """A refused change to the people of an institution; ``str()`` is the user's message."""


def require_local_admin(actor: Any, institution: Institution) -> Membership:
    membership = (
        Membership.objects.for_institution(institution)
        .filter(user=actor, is_active=True, role=Role.LOCAL_ADMIN)
        .first()
    )
    if membership is None:
        raise PeopleError(_("Only a local administrator of this institution may do this."))
    return membership


def people_of(institution: Institution) -> Any:
    return (
        Membership.objects.for_institution(institution)
        .select_related("user")
        .order_by("-is_active", "user__email")
    )


def membership_of(institution: Institution, membership_id: int) -> Membership | None:
    """One membership of this institution, or None: ids of other institutions are not found."""
    return (
        Membership.objects.for_institution(institution)
        .select_related("user")
        .filter(pk=membership_id)
        .first()
    )


def _has_a_role() -> PeopleError:
    return PeopleError(
        _(
            "This person already has a role at this institution: change it on their page under "
            "Users."
        )
    )


@transaction.atomic
def add_person(
    *,
    actor: Any,
    institution: Institution,
    email: str,
    full_name: str,
    role: str,
    request: HttpRequest | None = None,
) -> Membership:
    """Give a person a role at the institution, creating his account if he has none yet."""
    require_local_admin(actor, institution)
    return give_role(
        actor=actor,
        institution=institution,
        email=email,
        full_name=full_name,
        role=role,
        request=request,
    )


def give_role(
    *,
    actor: Any,
    institution: Institution,
    email: str,
    full_name: str,
    role: str,
    request: HttpRequest | None = None,
) -> Membership:
    """The work of :func:`add_person` once the actor's rights are checked: the role, a new
    account with its invitation (or a notice to an existing one) and the audit event.

    It checks no rights: only services that checked them call it (``add_person``, and the hub
    operator's ``onboarding.add_institution`` for an institution's first local administrator),
    inside their transaction.
    """
    _check_role(role)
    email = email.strip().lower()
    try:
        user, created_account = account_for(email, full_name)
    except IntegrityError:  # another administrator added the address just now
        raise _has_a_role() from None
    if not created_account:
        _require_usable(user)
    existing = Membership.objects.for_institution(institution).filter(user=user).first()
    if existing is not None:
        if not existing.is_active:
            raise PeopleError(
                _("This person has a deactivated role at this institution: reactivate it.")
            )
        raise _has_a_role()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, institution=institution, role=role)
    except IntegrityError:
        raise _has_a_role() from None
    # robust: a mail server that refuses must not undo (or hide) the role just given; the
    # person can still choose a password with "Wachtwoord vergeten?"
    # An account without a password (invited, never logged in; its link may be void since
    # the role it was for was deactivated) gets an invitation: a notice would tell him to log
    # in as he is used to, which he cannot.
    if created_account or not user.has_usable_password():
        transaction.on_commit(lambda: send_invitation(user, institution, actor), robust=True)
    else:
        _notify_role(actor, membership)
    record(
        Action.CREATE,
        actor=actor,
        institution=institution,
        obj=membership,
        description=gettext_noop("{email}: {role}"),
        values={"email": email, "role": Role(role).label},
        request=request,
        detail={"email": email, "role": role, "new_account": created_account},
    )
    return membership


def account_for(email: str, full_name: str) -> tuple[Any, bool]:
    """The account of ``email`` (lower case), created without a password if there is none;
    and whether it was created. Raises ``IntegrityError`` when another request created it
    at the same moment (each caller says so in its own words)."""
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    with transaction.atomic():
        return user_model.objects.create_user(email=email, full_name=full_name.strip()), True


def _notify_role(actor: Any, membership: Membership) -> None:
    """Tell a person who has an account of a role given, changed or given back, once the
    change is committed: otherwise it goes unnoticed while the institution's audit log shows
    his logins (and a mail server that refuses must not undo the change)."""
    user, institution, label = membership.user, membership.institution, Role(membership.role).label
    transaction.on_commit(lambda: send_role_notice(user, institution, actor, label), robust=True)


@transaction.atomic
def change_role(
    *, actor: Any, membership: Membership, role: str, request: HttpRequest | None = None
) -> Membership:
    institution = membership.institution
    require_local_admin(actor, institution)
    _check_role(role)
    _lock_local_admins(institution)
    membership.refresh_from_db()
    old = membership.role
    if old == role:
        return membership  # nothing changes: nothing to log
    if old == Role.LOCAL_ADMIN and membership.is_active and role != Role.LOCAL_ADMIN:
        _require_other_local_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    if membership.is_active and membership.user.has_usable_password():  # (else: invited)
        _notify_role(actor, membership)
    record(
        Action.CHANGE,
        actor=actor,
        institution=institution,
        obj=membership,
        description=gettext_noop("{email}: {old} → {role}"),
        values={"email": membership.user.email, "old": Role(old).label, "role": Role(role).label},
        request=request,
        detail={"email": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def set_active(
    *, actor: Any, membership: Membership, active: bool, request: HttpRequest | None = None
) -> Membership:
    """Deactivate (or reactivate) a person's access to this institution."""
    institution = membership.institution
    require_local_admin(actor, institution)
    if not active and membership.user_id == actor.pk:
        raise PeopleError(_("You cannot deactivate yourself."))
    _lock_local_admins(institution)
    membership.refresh_from_db()
    if membership.is_active == active:
        return membership  # nothing changes: nothing to log
    if active:
        _require_usable(membership.user)  # as when the role was given
    elif membership.role == Role.LOCAL_ADMIN:
        _require_other_local_admin(membership)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    user = membership.user
    if not user.has_usable_password():  # invited, and never chose a password
        if active:  # a new link: the person may have lost or never had the first
            transaction.on_commit(lambda: send_invitation(user, institution, actor), robust=True)
        elif not Membership.objects.unscoped().filter(user=user, is_active=True).exists():
            void_invitation(user)
    elif active:
        _notify_role(actor, membership)
    record(
        Action.CHANGE,
        actor=actor,
        institution=institution,
        obj=membership,
        description=(
            gettext_noop("{email}: activated") if active else gettext_noop("{email}: deactivated")
        ),
        values={"email": membership.user.email},
        request=request,
        detail={"email": membership.user.email, "active": active},
    )
    return membership


@transaction.atomic
def reset_second_factor(
    *, actor: Any, membership: Membership, request: HttpRequest | None = None
) -> None:
    """Remove the authenticator app and recovery codes of a person of this institution, who
    lost his phone: at his next login, after his password, he sets up the app again. He is
    told by e-mail (a reset he did not ask for must not go unnoticed)."""
    institution = membership.institution
    require_local_admin(actor, institution)
    if membership.user_id == actor.pk:
        raise PeopleError(_("Your own second factor you change under Two-step verification."))
    user = membership.user
    if not remove_second_factor(user):
        raise PeopleError(_("This person has not set up a second factor yet."))
    transaction.on_commit(lambda: send_second_factor_notice(user, institution, actor), robust=True)
    record(
        Action.SECOND_FACTOR_REMOVED,
        actor=actor,
        institution=institution,
        obj=membership,
        description=gettext_noop("{email}: second factor reset"),
        values={"email": user.email},
        request=request,
        detail={"email": user.email},
    )


def void_invitation(user: Any) -> None:
    """The link of an invitation no longer sets a password: it is signed with the (unusable)
    password, which is replaced. A person whose last role (at an institution or a processor)
    is deactivated must not be able to get in with the mail he got before."""
    user.set_unusable_password()
    user.save(update_fields=["password"])


# The one rule on whose side an account is: it works either for institutions, or for a
# processor or the hub, never for both. The hub's and the processors' work is recorded for
# their own organisation; a role at an institution would put it in that institution's sight
# (its people's account events are in its audit log), and the audit log leaves the account
# events of processors' and the hub's accounts out of every institution's log.


def has_access(user: Any) -> bool:
    """Whether ``user`` may work in the hub: an active role at an institution or a processor,
    or an account of the hub's."""
    if user.is_hub_operator or user.is_staff or user.is_superuser:
        return True
    active = Membership.objects.unscoped().filter(user=user, is_active=True)
    return active.exists() or ProcessorMembership.objects.filter(user=user, is_active=True).exists()


def belongs_to_processor_or_hub(user: Any) -> bool:
    """Accounts of processors and of the hub never get a role at an institution."""
    return get_user_model().objects.filter(processor_or_hub_accounts(), pk=user.pk).exists()


def belongs_to_institution_or_hub(user: Any) -> bool:
    """Accounts with a role at an institution (active or not) and the hub's never become a
    processor's person: the other side of :func:`belongs_to_processor_or_hub`."""
    institution_role = Exists(Membership.objects.unscoped().filter(user=OuterRef("pk")))
    return (
        get_user_model().objects.filter(hub_accounts() | Q(institution_role), pk=user.pk).exists()
    )


def processor_or_hub_accounts(path: str = "") -> Q:
    """The accounts of processors and of the hub, as a condition on the user at ``path``
    (``""`` for a user query, ``"actor__"`` for audit events)."""
    user = OuterRef(path.removesuffix("__") if path else "pk")
    return hub_accounts(path) | Q(Exists(ProcessorMembership.objects.filter(user=user)))


def hub_accounts(path: str = "") -> Q:
    """The accounts of the hub (its operators and Django's staff), on the user at ``path``."""
    return (
        Q(**{f"{path}is_hub_operator": True})
        | Q(**{f"{path}is_staff": True})
        | Q(**{f"{path}is_superuser": True})
    )


def _require_usable(user: Any) -> None:
    """An account that may have a role at an institution.

    A disabled account and one of a processor or the hub are refused with the same words: a
    local administrator must not learn, by trying addresses, which accounts the hub has
    disabled or which belong to a processor or to the hub's operators.
    """
    if not user.is_active or belongs_to_processor_or_hub(user):
        raise PeopleError(
            _("This address cannot get a role at an institution; ask the hub operator.")
        )


def _lock_local_admins(institution: Institution) -> None:
    """Two administrators changing roles at once: the second waits for the first, and then
    sees whether a local administrator is left (``_require_other_local_admin``)."""
    list(
        Membership.objects.for_institution(institution)
        .filter(role=Role.LOCAL_ADMIN)
        .select_for_update(of=("self",))  # the roles, not their people's accounts
        .values_list("pk", flat=True)
    )


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise PeopleError(_("Unknown role."))


def _require_other_local_admin(membership: Membership) -> None:
    """Another local administrator who can log in: an active role, an enabled account and a
    password of his own (not an invitation still waiting)."""
    others = (
        Membership.objects.for_institution(membership.institution)
        .filter(role=Role.LOCAL_ADMIN, is_active=True, user__is_active=True)
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise PeopleError(_("An institution keeps at least one local administrator."))
