"""Page numbers for the portal's pagination."""

from __future__ import annotations

from django import template
from django.core.paginator import Page

register = template.Library()


@register.filter
def page_numbers(page: Page) -> list[int | str]:
    """The numbers to show around the current page: the first and last, two on each side of
    the current one, and ``Paginator.ELLIPSIS`` for the gaps (1 … 4 5 6 7 8 … 20)."""
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return list(numbers)
