"""A data dictionary's values (Dutch in the workbook) in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from datahub.dictionaries.models import Method

FREQUENCIES = {
    "maand": _("monthly"),
    "kwartaal": _("quarterly"),
    "halfjaar": _("half-yearly"),
    "jaar": _("yearly"),
    "totaal": _("complete dataset"),
}
DATATYPES = {
    "tekst": _("text"),
    "geheel getal": _("integer"),
    "decimaal": _("decimal number"),
    "datum": _("date"),
    "datumtijd": _("date and time"),
    "code": _("code"),
}
#: How a value of a datatype is written when the dictionary gives no ``Formaat`` of its own.
WRITTEN_AS = {
    "datum": _("YYYY-MM-DD"),
    "datumtijd": _("YYYY-MM-DDThh:mm:ss"),
    "decimaal": _("decimal point: 1.5"),
}
#: The levels of findings, as the report shows them.
LEVELS = {"afkeur": _("Rejection"), "fout": _("Record error"), "waarschuwing": _("Warning")}
METHODS = dict(Method.choices)


def label(labels: Mapping[str, object], value: str) -> str:
    """``value``'s label (the value itself when it has none)."""
    return str(labels.get(value, value))


def threshold_text(percentage: float) -> str:
    """A rejection threshold (``Afkeurpercentage``) as people write it: ``50 %``, ``12,5 %``
    in Dutch (no decimals it does not have; the percent sign after a space, as the dashboards
    write shares)."""
    return f"{number_format(Decimal(f'{percentage:g}'))} %"
