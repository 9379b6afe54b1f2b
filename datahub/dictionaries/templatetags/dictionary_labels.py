"""Template filters for a data dictionary's values in the reader's language:
``{{ general.frequency|frequency_label }}``, ``datatype_label``, ``level_label``,
``method_label`` (see ``dictionaries.labels``)."""

from __future__ import annotations

from django import template

from datahub.dictionaries import labels

register = template.Library()


@register.filter
def frequency_label(value: str) -> str:
    return labels.label(labels.FREQUENCIES, value)


@register.filter
def datatype_label(value: str) -> str:
    return labels.label(labels.DATATYPES, value)


@register.filter
def level_label(value: str) -> str:
    return labels.label(labels.LEVELS, value)


@register.filter
def method_label(value: str) -> str:
    return labels.label(labels.METHODS, value)
