"""The hub operator onboards processors (verwerkers): the organisation and its people, who then
make their processor's API tokens themselves.

As in ``onboarding``, every function checks that the actor is the hub's operator, writes the
audit log (for the processor, not for an institution) and refuses with
:class:`~datahub.institutions.onboarding.OnboardingError`. A processor's code never changes
once it is made: it is the key of its pseudonym secret (``DATAHUB_PSEUDONYM_SECRETS``) and is
written in its packages' manifests and in the audit log; its registrations, authorisations,
packages and tokens refer to the processor itself.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from datahub.accounts.invitations import send_invitation, send_processor_notice
from datahub.audit.models import Action
from datahub.audit.services import record
from datahub.forwarding.models import ProcessorRegistration
from datahub.institutions import services
from datahub.institutions.models import Processor, ProcessorMembership, processor_code_validator
from datahub.institutions.onboarding import OnboardingError, require_operator


def processors_overview() -> QuerySet[Processor]:
    """Every processor with its number of active people and its open registrations (as
    ``open_registrations``, with their registry), in two queries."""
    active = Q(memberships__is_active=True, memberships__user__is_active=True)
    registrations = (
        ProcessorRegistration.objects.filter(withdrawn_at__isnull=True)
        .select_related("registry")
        .order_by("registry__stream")
    )
    return (
        Processor.objects.annotate(active_people=Count("memberships", filter=active))
        .prefetch_related(Prefetch("registrations", registrations, to_attr="open_registrations"))
        .order_by("name", "code")
    )


def people_of(processor: Processor) -> QuerySet[ProcessorMembership]:
    return (
        ProcessorMembership.objects.filter(processor=processor)
        .select_related("user")
        .order_by("-is_active", "user__email")
    )


def person_of(processor: Processor, membership_id: int) -> ProcessorMembership | None:
    """One person of this processor, or None: ids of another processor's people are not found."""
    return people_of(processor).filter(pk=membership_id).first()


@transaction.atomic
def add_processor(
    *, actor: Any, code: str, name: str, request: HttpRequest | None = None
) -> Processor:
    """Create a processor. Its ``code`` (lower-case letters, digits, dashes) cannot change."""
    require_operator(actor)
    code = code.strip()
    try:
        processor_code_validator(code)
    except ValidationError as exc:
        raise OnboardingError(exc.messages[0]) from None
    if Processor.objects.filter(code__iexact=code).exists():
        raise OnboardingError(_("A processor with this code already exists."))
    try:
        with transaction.atomic():
            processor = Processor.objects.create(code=code, name=name.strip())
    except IntegrityError:  # (the form says so first; here also when two add it at once)
        raise OnboardingError(_("A processor with this code already exists.")) from None
    record(
        Action.CREATE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=processor,
        description=gettext_noop("processor {name} ({code})"),
        values={"name": processor.name, "code": code},
        request=request,
        detail={"code": code, "name": processor.name},
    )
    return processor


@transaction.atomic
def change_processor(
    *, actor: Any, processor: Processor, name: str, request: HttpRequest | None = None
) -> Processor:
    """Change a processor's name; its code stays (see the module's docstring)."""
    require_operator(actor)
    processor = Processor.objects.select_for_update().get(pk=processor.pk)
    old, new = processor.name, name.strip()
    if old == new:
        return processor  # nothing changes: nothing to log
    processor.name = new
    processor.save(update_fields=["name"])
    record(
        Action.CHANGE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=processor,
        description=gettext_noop("processor {code}: name changed"),
        values={"code": processor.code},
        request=request,
        detail={"from": {"name": old}, "to": {"name": new}},
    )
    return processor


@transaction.atomic
def add_processor_person(
    *,
    actor: Any,
    processor: Processor,
    email: str,
    full_name: str,
    request: HttpRequest | None = None,
) -> ProcessorMembership:
    """Let a person work for ``processor``, creating his account (and inviting him once it is
    committed) if he has none, or telling an existing account by e-mail."""
    require_operator(actor)
    email = email.strip().lower()
    try:
        user, created_account = services.account_for(email, full_name)
    except IntegrityError:  # someone added the address just now
        raise OnboardingError(_("This person already works for this processor.")) from None
    if not created_account:
        existing = ProcessorMembership.objects.filter(user=user, processor=processor).first()
        if existing is not None and not existing.is_active:
            raise OnboardingError(
                _("This person has been deactivated at this processor: reactivate him.")
            )
        if existing is not None:
            raise OnboardingError(_("This person already works for this processor."))
        _require_usable(user, processor)
    try:
        with transaction.atomic():
            membership = ProcessorMembership.objects.create(user=user, processor=processor)
    except IntegrityError:
        raise OnboardingError(_("This person already works for this processor.")) from None
    # robust: a mail server that refuses must not undo (or hide) the access just given. An
    # account without a password (invited, never logged in; its link may be void) is invited.
    if created_account or not user.has_usable_password():
        transaction.on_commit(lambda: send_invitation(user, processor, actor), robust=True)
    else:
        _notify(actor, membership)
    record(
        Action.CREATE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=membership,
        description=gettext_noop("{email}: person of processor {code}"),
        values={"email": email, "code": processor.code},
        request=request,
        detail={"email": email, "new_account": created_account},
    )
    return membership


@transaction.atomic
def set_person_active(
    *,
    actor: Any,
    membership: ProcessorMembership,
    active: bool,
    request: HttpRequest | None = None,
) -> ProcessorMembership:
    """Deactivate (or reactivate) a person's access to his processor's pages. The tokens he
    made keep working (a processor's system must not stop the day he leaves); its token list
    shows that their maker has no role any more."""
    require_operator(actor)
    membership = (
        ProcessorMembership.objects.select_for_update(of=("self",))
        .select_related("user", "processor")
        .get(pk=membership.pk)
    )
    if membership.is_active == active:
        return membership  # nothing changes: nothing to log
    user, processor = membership.user, membership.processor
    if active:
        _require_usable(user, processor)  # as when he was added
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    if not user.has_usable_password():  # invited, and never chose a password
        if active:  # a new link: the person may have lost or never had the first
            transaction.on_commit(lambda: send_invitation(user, processor, actor), robust=True)
        elif not ProcessorMembership.objects.filter(user=user, is_active=True).exists():
            services.void_invitation(user)
    elif active:
        _notify(actor, membership)
    record(
        Action.CHANGE,
        actor=actor,
        institution=None,
        processor=processor,
        obj=membership,
        description=(
            gettext_noop("{email}: activated") if active else gettext_noop("{email}: deactivated")
        ),
        values={"email": user.email},
        request=request,
        detail={"email": user.email, "active": active},
    )
    return membership


def _notify(actor: Any, membership: ProcessorMembership) -> None:
    """Tell a person who has an account, once committed, that he works for the processor."""
    user, processor = membership.user, membership.processor
    transaction.on_commit(lambda: send_processor_notice(user, processor, actor), robust=True)


def _require_usable(user: Any, processor: Processor) -> None:
    """An account that may work for ``processor``: enabled, not of an institution or the hub
    (``services.belongs_to_institution_or_hub``), and not active at another processor (a
    person's pages show one processor)."""
    if not user.is_active:
        raise OnboardingError(_("This account has been disabled."))
    if services.belongs_to_institution_or_hub(user):
        raise OnboardingError(
            _("This account belongs to an institution or the hub; it cannot work for a processor.")
        )
    elsewhere = (
        ProcessorMembership.objects.filter(user=user, is_active=True)
        .exclude(processor=processor)
        .select_related("processor")
        .first()
    )
    if elsewhere is not None:
        raise OnboardingError(
            _("This person works for %(processor)s; deactivate him there first.")
            % {"processor": elsewhere.processor.name}
        )
