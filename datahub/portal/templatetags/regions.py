"""A box that scrolls sideways on a narrow screen (a wide table, a chart), reachable by keyboard.

A box whose content is wider than the screen must be focusable, or a keyboard user cannot scroll
it (axe's ``scrollable-region-focusable``); focusable, it is a named region, so that a screen
reader says what it reaches. Its name must differ from the section around it, which is named by
its heading (two landmarks of one name: axe's ``landmark-unique``), so it adds what it holds::

    {% load regions %}
    {% translate "Audit log" as caption %}
    {% table_region caption %}<table><caption>{{ caption }}</caption>…</table>{% endtable_region %}
    {% chart_region heading %}{{ chart }}{% endchart_region %}

give ``<div class="scroll-region" tabindex="0" role="region" aria-label="Audit log: table">``
(Dutch "Logboek: tabel") around the table, and ``… aria-label="…: chart"`` around the chart.
"""

from __future__ import annotations

import html

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeData
from django.utils.translation import gettext

register = template.Library()

KINDS = {
    "table": ("scroll-region", lambda name: gettext("%(name)s: table") % {"name": name}),
    "chart": (
        "scroll-region scroll-region--chart",
        lambda name: gettext("%(name)s: chart") % {"name": name},
    ),
}


class ScrollRegionNode(template.Node):
    def __init__(self, kind: str, name: FilterExpression, nodelist: NodeList) -> None:
        self.kind = kind
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        css_class, label = KINDS[self.kind]
        # the name as text: a name made safe already (``blocktranslate … asvar``) holds its
        # escapes, which the attribute would escape again ("Zorg &amp;amp; Co")
        value = self.name.resolve(context)
        name = html.unescape(str(value)) if isinstance(value, SafeData) else str(value)
        return format_html(
            '<div class="{}" tabindex="0" role="region" aria-label="{}">{}</div>',
            css_class,
            label(name),
            self.nodelist.render(context),
        )


def _region(kind: str, parser: Parser, token: Token) -> ScrollRegionNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument: the name of its content")
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return ScrollRegionNode(kind, parser.compile_filter(bits[1]), nodelist)


@register.tag
def table_region(parser: Parser, token: Token) -> ScrollRegionNode:
    """A wide table's scroll box, named "<name>: table" (``name``: its caption)."""
    return _region("table", parser, token)


@register.tag
def chart_region(parser: Parser, token: Token) -> ScrollRegionNode:
    """A chart's scroll box, named "<name>: chart" (``name``: its heading)."""
    return _region("chart", parser, token)
