"""Template filters for a data dictionary's values in the reader's language:
``{{ general.frequency|frequency_label }}``, ``datatype_label``, ``written_as``, ``level_label``,
``method_label`` (see ``dictionaries.labels``); ``{{ methods|method_for:registry_id }}``; and
``<td{% registry_language %}>`` for the registry's own (Dutch) texts."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.html import format_html

from datahub.dictionaries import labels

register = template.Library()


@register.filter
def frequency_label(value: str) -> str:
    return labels.label(labels.FREQUENCIES, value)


@register.filter
def datatype_label(value: str) -> str:
    return labels.label(labels.DATATYPES, value)


@register.filter
def written_as(value: str) -> str:
    """How a value of the datatype ``value`` is written ("" when any text will do)."""
    return str(labels.WRITTEN_AS.get(value, ""))


@register.filter
def level_label(value: str) -> str:
    return labels.label(labels.LEVELS, value)


@register.filter
def threshold_text(value: float) -> str:
    return labels.threshold_text(value)


@register.filter
def method_label(value: str) -> str:
    return labels.label(labels.METHODS, value)


@register.filter
def method_for(methods: dict[int, str], registry_id: int) -> str:
    """The delivery method of a registry in a ``methods_of`` mapping ("" when none is set)."""
    return methods.get(registry_id, "") if isinstance(methods, dict) else ""


@register.simple_tag
def registry_language() -> str:
    """`` lang="nl"`` on a page in another language, for a text of the workbook (a field's
    description, a rule's message, a code's label, a property's name), which is in Dutch only:
    a screen reader then reads it as Dutch (WCAG 3.1.2). Nothing on a Dutch page."""
    return "" if translation.get_language() == "nl" else format_html(' lang="{}"', "nl")
