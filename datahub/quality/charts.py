"""Charts as inline SVG, drawn on the server: no script, no library, no CDN (the hub runs offline).

Each chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; every bar has a
``<title>`` with its label and number, and the page shows a table with the same numbers. Colour
is never the only carrier: each series also has its own pattern (solid, stripes, dots), and the
legend names them. The colours are the portal's status colours (``datahub.css``), all at least
3:1 against white (WCAG 1.4.11).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

#: The portal's colours (``datahub.css``).
COLOURS = {
    "ok": "#1d6b2f",
    "warn": "#8a4b00",
    "error": "#a4001b",
    "rejected": "#a4001b",
    "muted": "#4a4a4a",
    "blue": "#154273",
}
#: How each kind of series is drawn besides its colour: no two kinds look alike in grey.
PATTERNS = {
    "ok": "solid",
    "warn": "stripes",
    "error": "cross",
    "rejected": "dots",
    "muted": "solid",
    "blue": "bars",
}

WIDTH = 720
BAR_AREA = 220
TOP = 12
LEFT = 56
LABELS = 70


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    kind: str  # a key of COLOURS


def _fill(chart_id: str, kind: str) -> str:
    return COLOURS[kind] if PATTERNS[kind] == "solid" else f"url(#{chart_id}-{kind})"


def _defs(chart_id: str, kinds: Sequence[str]) -> SafeString:
    parts = []
    for kind in dict.fromkeys(kinds):
        pattern = PATTERNS[kind]
        if pattern == "solid":
            continue
        marks = {
            "stripes": '<path d="M0 8 L8 0" stroke="#fff" stroke-width="2"/>',
            "cross": '<path d="M0 8 L8 0 M0 0 L8 8" stroke="#fff" stroke-width="1.5"/>',
            "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
            "bars": '<path d="M0 4 L8 4" stroke="#fff" stroke-width="2"/>',
        }[pattern]
        parts.append(
            format_html(
                '<pattern id="{}-{}" width="8" height="8" patternUnits="userSpaceOnUse">'
                '<rect width="8" height="8" fill="{}"/>{}</pattern>',
                chart_id,
                kind,
                COLOURS[kind],
                mark_safe(marks),  # noqa: S308  (constant markup above)
            )
        )
    return format_html("<defs>{}</defs>", mark_safe("".join(parts)))  # noqa: S308


def nice_max(value: float) -> float:
    """A round upper end for an axis: 1, 2, 2.5 or 5 times a power of ten, at least ``value``.

    Example::

        >>> nice_max(7), nice_max(0.33), nice_max(0)
        (10.0, 0.5, 1.0)
    """
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def _frame(
    chart_id: str, title: str, desc: str, height: int, body: SafeString, kinds: Sequence[str]
) -> SafeString:
    return format_html(
        '<svg class="chart" id="{id}" role="img" viewBox="0 0 {w} {h}" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{defs}{body}</svg>",
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc=desc,
        defs=_defs(chart_id, kinds),
        body=body,
    )


def _axis(top: float, fmt: Callable[[float], str], height: int) -> SafeString:
    """Horizontal grid lines with their values at 0, ½ and the top."""
    lines = []
    for fraction in (0, 0.5, 1):
        y = TOP + height * (1 - fraction)
        lines.append(
            format_html(
                '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart__tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH,
                y,
                y,
                LEFT - 6,
                y + 4,
                fmt(top * fraction),
            )
        )
    return mark_safe("".join(lines))  # noqa: S308  (each part escaped by format_html)


def _category_labels(labels: Sequence[str], step: float) -> SafeString:
    rotate = len(labels) > 8
    y = TOP + BAR_AREA + 16
    parts = []
    for index, label in enumerate(labels):
        x = LEFT + step * index + step / 2
        if rotate:
            parts.append(
                format_html(
                    '<text class="chart__label" x="{x}" y="{y}" text-anchor="end" '
                    'transform="rotate(-45 {x} {y})">{label}</text>',
                    x=round(x, 1),
                    y=y,
                    label=label,
                )
            )
        else:
            parts.append(
                format_html(
                    '<text class="chart__label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(x, 1),
                    y,
                    label,
                )
            )
    return mark_safe("".join(parts))  # noqa: S308


def stacked_bars(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[int]],
    fmt: Callable[[float], str],
) -> SafeString:
    """One bar per category, stacked by series (``values[category][series]``)."""
    top = nice_max(max((sum(row) for row in values), default=0))
    step = (WIDTH - LEFT) / max(len(categories), 1)
    width = min(step * 0.7, 48)
    bars = []
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = LEFT + step * index + (step - width) / 2
        base = 0
        for item, value in zip(series, row, strict=True):
            if not value:
                continue
            y = TOP + BAR_AREA * (1 - (base + value) / top)
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" class="chart__bar">'
                    "<title>{}: {} {}</title></rect>",
                    round(x, 1),
                    round(y, 1),
                    round(width, 1),
                    round(BAR_AREA * value / top, 1),
                    _fill(chart_id, item.kind),
                    category,
                    item.label,
                    fmt(value),
                )
            )
            base += value
    body = mark_safe(  # noqa: S308  (escaped parts)
        _axis(top, fmt, BAR_AREA) + "".join(bars) + _category_labels(categories, step)
    )
    height = TOP + BAR_AREA + LABELS + (20 if len(categories) > 8 else 0)
    return _frame(chart_id, title, desc, height, body, [s.kind for s in series])


def grouped_bars(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float | None]],
    fmt: Callable[[float], str],
) -> SafeString:
    """Bars side by side per category (``values[category][series]``; None: no bar)."""
    top = nice_max(max((v for row in values for v in row if v is not None), default=0))
    step = (WIDTH - LEFT) / max(len(categories), 1)
    group = min(step * 0.8, 24 * len(series))
    width = group / max(len(series), 1)
    bars = []
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x0 = LEFT + step * index + (step - group) / 2
        for position, (item, value) in enumerate(zip(series, row, strict=True)):
            if value is None:
                continue
            height = BAR_AREA * value / top
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" class="chart__bar">'
                    "<title>{}: {} {}</title></rect>",
                    round(x0 + width * position, 1),
                    round(TOP + BAR_AREA - height, 1),
                    round(width * 0.9, 1),
                    round(height, 1),
                    _fill(chart_id, item.kind),
                    category,
                    item.label,
                    fmt(value),
                )
            )
    body = mark_safe(  # noqa: S308
        _axis(top, fmt, BAR_AREA) + "".join(bars) + _category_labels(categories, step)
    )
    height = TOP + BAR_AREA + LABELS + (20 if len(categories) > 8 else 0)
    return _frame(chart_id, title, desc, height, body, [s.kind for s in series])


def horizontal_bars(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    fmt: Callable[[float], str],
    top: float | None = None,
) -> SafeString:
    """One row per label, its bar stacked by series, the total at its end; ``top`` is the
    value of a full bar (default: the largest total)."""
    row_height = 26
    # room for the longest name: up to 9 units a character at the labels' 12 px (capitals,
    # digits and "_", as in codes like 020_TERMIJN, are the widest)
    name_width = min(320, max(60, 9 * max((len(label) for label in labels), default=0))) + 8
    top = top or max((sum(row) for row in values), default=0) or 1
    room = WIDTH - name_width - 60
    rows = []
    for index, (label, row) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row_height * index
        x = float(name_width)
        parts = [
            format_html(
                '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>',
                name_width - 8,
                y + 16,
                label,
            )
        ]
        for item, value in zip(series, row, strict=True):
            if not value:
                continue
            width = room * value / top
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="18" fill="{}" class="chart__bar">'
                    "<title>{}: {} {}</title></rect>",
                    round(x, 1),
                    y + 2,
                    round(width, 1),
                    _fill(chart_id, item.kind),
                    label,
                    item.label,
                    fmt(value),
                )
            )
            x += width
        parts.append(
            format_html(
                '<text class="chart__value" x="{}" y="{}">{}</text>',
                round(x + 6, 1),
                y + 16,
                fmt(sum(row)),
            )
        )
        rows.append(mark_safe("".join(parts)))  # noqa: S308
    height = TOP * 2 + row_height * max(len(labels), 1)
    body = format_html_join("", "{}", ((r,) for r in rows))
    return _frame(chart_id, title, desc, height, body, [s.kind for s in series])


def legend(chart_id: str, series: Sequence[Series]) -> SafeString:
    """The series' names beside a swatch of their colour and pattern (the chart's defs)."""
    items = format_html_join(
        "",
        '<li><svg class="chart-legend__swatch" viewBox="0 0 16 16" aria-hidden="true" '
        'focusable="false"><rect width="16" height="16" fill="{}"/></svg>{}</li>',
        ((_fill(chart_id, s.kind), s.label) for s in series),
    )
    return format_html('<ul class="chart-legend">{}</ul>', items)
