"""The fields of a delivery, as the upload page and the API receive them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from datahub.deliveries.intake import MAX_SEQUENCE, Metadata
from datahub.deliveries.models import MAX_NAME

YES_NO = [("nee", _("no")), ("ja", _("yes"))]

#: The info text behind each field's info button.
HELP = {
    "institution_code": _("The 8-digit AGB code of your institution."),
    "unit": _("The number of the unit or location of your institution that delivers (0, 1, ...)."),
    "code": _("The code of the sub-delivery, as in the file name (e.g. CAT)."),
    "version": _("The version of the data dictionary the file follows (e.g. 1.4)."),
    "is_test": _(
        "A test delivery is checked fully but never forwarded and never counts as the delivery "
        "of a period."
    ),
    "creation_date": _("The date the file was made; not in the future."),
    "sequence_number": _("Higher than every earlier delivery of this unit and sub-delivery."),
    "period": _("The period the data cover: 2020 (year), 2020H1, 2020K1 or 2020M01."),
}


class DeliveryForm(forms.Form):
    # Filled by the page script from the chosen file; without JavaScript the upload's own name.
    file_name = forms.CharField(
        widget=forms.HiddenInput,
        max_length=MAX_NAME,
        required=False,
        error_messages={
            "max_length": _("The file name may be at most %(limit_value)d characters long."),
            "null_characters_not_allowed": _(
                "The file name contains characters that are not allowed."
            ),
        },
    )
    institution_code = forms.CharField(label=_("Institution code"), max_length=8)
    unit = forms.IntegerField(label=_("Institution unit"), min_value=0)
    code = forms.CharField(label=_("Registry"), max_length=12)
    # "Versienummer" as in the manual; "Version" elsewhere (a dictionary's version) is "Versie".
    version = forms.CharField(label=pgettext_lazy("delivery field", "Version"), max_length=20)
    is_test = forms.ChoiceField(label=_("Is this a test delivery?"), choices=YES_NO)
    creation_date = forms.DateField(
        label=_("Creation date"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sequence_number = forms.IntegerField(
        label=_("Sequence number of the file"),
        min_value=1,
        max_value=MAX_SEQUENCE,
        error_messages={"max_value": _("The sequence number can be at most %(limit_value)s.")},
    )
    period = forms.CharField(label=_("Period"), max_length=10, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, text in HELP.items():
            self.fields[name].help_text = text

    def metadata(self) -> Metadata:
        data = self.cleaned_data
        return Metadata(
            file_name=data["file_name"],
            institution_code=data["institution_code"].strip(),
            unit=data["unit"],
            code=data["code"].strip().upper(),
            version=data["version"].strip(),
            is_test=data["is_test"] == "ja",
            creation_date=data["creation_date"],
            sequence_number=data["sequence_number"],
            period=(data.get("period") or "").strip().upper(),
        )

    @classmethod
    def initial_from(cls, metadata: Metadata) -> dict[str, Any]:
        return {
            "file_name": metadata.file_name,
            "institution_code": metadata.institution_code,
            "unit": metadata.unit,
            "code": metadata.code,
            "version": metadata.version,
            "is_test": "ja" if metadata.is_test else "nee",
            "creation_date": metadata.creation_date,
            "sequence_number": metadata.sequence_number,
            "period": metadata.period,
        }
