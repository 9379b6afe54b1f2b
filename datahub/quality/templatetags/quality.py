"""Template helpers of the data-quality pages."""

from __future__ import annotations

from types import SimpleNamespace

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from datahub.deliveries.models import Status
from datahub.quality import charts, figures
from datahub.quality.services import Period

register = template.Library()


@register.simple_tag
def period_label(period: Period) -> str:
    return figures.period_label(period)


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """The status badge of the delivery pages (``schedule/_status.html``)."""
    delivery = SimpleNamespace(status=status, get_status_display=Status(status).label)
    return SafeString(render_to_string("schedule/_status.html", {"d": delivery}).strip())


@register.simple_tag
def status_legend(chart_id: str) -> SafeString:
    return charts.legend(chart_id, figures.status_series())


@register.simple_tag
def finding_legend(chart_id: str) -> SafeString:
    return charts.legend(chart_id, figures.finding_series())


@register.simple_tag
def completeness_legend(chart_id: str) -> SafeString:
    return charts.legend(chart_id, figures.completeness_series())


@register.simple_tag
def completeness_percent(share: float | None) -> str:
    """``99,9 %``, rounded down (only a complete field shows ``100,0 %``)."""
    return figures.percent(share)


@register.simple_tag
def percentage(share: float | None) -> str:
    """``12,5 %``; a dash when there were no records."""
    return "—" if share is None else f"{figures.rounded(share * 100, 1)} %"
