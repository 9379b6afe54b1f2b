"""Forms of the portal pages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from datahub.accounts.models import User
from datahub.audit.models import Action, object_type_label
from datahub.dictionaries.models import Method, Registry, SubDelivery
from datahub.institutions import onboarding
from datahub.institutions.audit_log import AuditFilter
from datahub.institutions.models import (
    Institution,
    Processor,
    Role,
    Unit,
    agb_code_validator,
    processor_code_validator,
)
from datahub.schedule.forms import DATE


class AddPersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ChangePersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AuditFilterForm(forms.Form):
    """The log page's filters (GET, in the URL); a value that is not valid filters nothing.

    The choices of person and kind of object are those the institution's log can name, so an
    id of anyone else is not valid (and the log is scoped to the institution anyway).
    """

    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("All actions")), *Action.choices], required=False
    )
    persoon = forms.TypedChoiceField(
        label=_("Person"), required=False, coerce=int, empty_value=None
    )
    email = forms.CharField(label=_("E-mail address contains"), required=False, max_length=254)
    soort = forms.ChoiceField(label=_("Object type"), required=False)
    nummer = forms.CharField(label=_("Object number"), required=False, max_length=64)
    van = forms.DateField(label=_("From"), required=False, widget=DATE)
    tot = forms.DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, data: Any, people: Iterable[User], object_types: Iterable[str]) -> None:
        super().__init__(data)
        self.fields["persoon"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            *((p.pk, f"{p.email} ({p.full_name})" if p.full_name else p.email) for p in people),
        ]
        self.fields["soort"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *((kind, object_type_label(kind)) for kind in object_types),
        ]

    def value(self, name: str) -> Any:
        """The cleaned value; None when the field is not valid (a bad filter filters nothing)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name)

    def chosen(self) -> AuditFilter:
        return AuditFilter(
            action=self.value("action") or "",
            actor=self.value("persoon"),
            email=self.value("email") or "",
            object_type=self.value("soort") or "",
            object_id=self.value("nummer") or "",
            since=self.value("van"),
            until=self.value("tot"),
        )


class DictionaryUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Data dictionary workbook (.xlsx)"),
        help_text=_("The registry's workbook in the Datahub format."),
    )
    lapse_confirmed = forms.BooleanField(
        label=_("Publish anyway"),
        help_text=_("Publish even though deadlines still to come lapse with this version."),
        required=False,
    )


def _institution_field(**options: Any) -> forms.ModelChoiceField[Institution]:
    """A choice of institution, by AGB code (``empty_label`` "Choose…" unless given)."""
    options.setdefault("empty_label", _("Choose…"))
    return forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.order_by("agb_code"), **options
    )


class InstitutionFilterForm(forms.Form):
    institution = _institution_field(required=False, empty_label=_("All institutions"))


class ParticipationForm(forms.Form):
    institution = _institution_field()
    sub_delivery = forms.ModelChoiceField(
        label=_("Sub-delivery"),
        queryset=SubDelivery.objects.select_related("registry").order_by("code"),
        empty_label=_("Choose…"),
    )
    since = forms.DateField(label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MethodForm(forms.Form):
    institution = _institution_field()
    registry = forms.ModelChoiceField(
        label=_("Registry"), queryset=Registry.objects.all(), empty_label=_("Choose…")
    )
    method = forms.ChoiceField(label=_("Delivery method"), choices=Method.choices)


#: A unit's number: what file names carry, so digits only (and no larger than the column holds).
UNIT_NUMBER_MAX = 999_999_999
_UNIT_LINE = re.compile(r"^(\d{1,9})\s+(\S.{0,199})$")


class InstitutionForm(forms.Form):
    """The name and contact address of an institution (also: the start of adding one)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    contact_email = forms.EmailField(
        label=_("Contact e-mail address"),
        max_length=254,
        help_text=_("Receives the institution's reminders and notices about its deliveries."),
    )


class AddInstitutionForm(InstitutionForm):
    field_order = ["name", "agb_code", "contact_email"]

    agb_code = forms.CharField(
        label=_("AGB code"),
        max_length=8,
        validators=[agb_code_validator],
        help_text=_("8 digits; it cannot be changed later."),
    )
    unit_name = forms.CharField(
        label=_("Name of unit 0"), max_length=200, help_text=_("The main location, for example.")
    )
    other_units = forms.CharField(
        label=_("Other units"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. One unit per line: its number and its name, e.g. “1 Locatie Zuid”."),
    )
    admin_name = forms.CharField(label=_("Name of the first local administrator"), max_length=200)
    admin_email = forms.EmailField(
        label=_("E-mail address of the first local administrator"),
        max_length=254,
        help_text=_("Receives an e-mail with a link to choose a password."),
    )

    def clean_agb_code(self) -> str:
        code: str = self.cleaned_data["agb_code"].strip()
        if Institution.objects.filter(agb_code=code).exists():
            raise forms.ValidationError(_("An institution with this AGB code already exists."))
        return code

    def clean_other_units(self) -> list[tuple[int, str]]:
        units: list[tuple[int, str]] = []
        for line_number, line in enumerate(self.cleaned_data["other_units"].splitlines(), 1):
            if not line.strip():
                continue
            found = _UNIT_LINE.match(line.strip())
            if found is None:
                raise forms.ValidationError(
                    _("Line %(line)d: write a unit number and its name, e.g. “1 Locatie Zuid”.")
                    % {"line": line_number}
                )
            number = int(found.group(1))
            if number == 0 or number in (n for n, _name in units):
                raise forms.ValidationError(
                    _("Unit number %(number)d is given more than once.") % {"number": number}
                )
            units.append((number, found.group(2).strip()))
        return units

    def units(self) -> list[tuple[int, str]]:
        """Unit 0 and the other units, once the form is valid."""
        return [(0, self.cleaned_data["unit_name"]), *self.cleaned_data["other_units"]]


class AddUnitForm(forms.Form):
    number = forms.IntegerField(label=_("Unit number"), min_value=0, max_value=UNIT_NUMBER_MAX)
    name = forms.CharField(label=_("Name of the unit"), max_length=200)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.institution = institution

    def clean_number(self) -> int:
        number: int = self.cleaned_data["number"]
        if Unit.objects.for_institution(self.institution).filter(number=number).exists():
            raise forms.ValidationError(_("This institution already has a unit with this number."))
        return number


class RegistryContactForm(forms.Form):
    """A contact person for one of the registries the institution takes part in."""

    registry = forms.ModelChoiceField(
        label=_("Registry"), queryset=Registry.objects.none(), empty_label=_("Choose…")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["registry"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = onboarding.registries_of(institution)


class ProcessorForm(forms.Form):
    """The name of a processor (also: the start of adding one)."""

    name = forms.CharField(label=_("Name"), max_length=200)


class AddProcessorForm(ProcessorForm):
    field_order = ["code", "name"]

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        validators=[processor_code_validator],
        help_text=_(
            "Lower-case letters, digits and dashes, e.g. “iknl”; it cannot be changed later. "
            "The processor's pseudonym secret is set under this code."
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if Processor.objects.filter(code__iexact=code).exists():
            raise forms.ValidationError(_("A processor with this code already exists."))
        return code


class AddProcessorPersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_(
            "A new person receives an e-mail with a link to choose a password; "
            "a person who has an account is told by e-mail."
        ),
    )
