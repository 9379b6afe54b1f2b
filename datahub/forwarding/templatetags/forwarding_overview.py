"""Template filters of the Afnameoverzicht."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def waiting_for(waiting: dict[int, list[str]], delivery: Any) -> list[str]:
    """The processors ``delivery`` still waits for (``overview.awaiting_forwarding``)."""
    return waiting.get(delivery.pk, [])
