"""Forms of the portal pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from datahub.accounts.models import User
from datahub.audit.models import Action, object_type_label
from datahub.dictionaries.models import Method, Registry, SubDelivery
from datahub.institutions.audit_log import AuditFilter
from datahub.institutions.models import Institution, Role


class AddPersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ChangePersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
