"""Reading rendered pages in tests."""

from __future__ import annotations

from django.http import HttpResponse
from lxml import html


def language_at(response: HttpResponse, text: str) -> str | None:
    """The language (``lang``) that applies to the first element whose own text holds
    ``text``: its own, or that of its nearest ancestor with one."""
    document = html.fromstring(response.content)
    node = next(e for e in document.iter() if isinstance(e.tag, str) and text in (e.text or ""))
    return next((e.get("lang") for e in [node, *node.iterancestors()] if e.get("lang")), None)


def text_of(response: HttpResponse) -> str:
    """The text of the page's ``main``: its pieces of text between tags joined by one space
    (so a sentence, or a term and its value, can be asserted whatever the markup)."""
    main = html.fromstring(response.content).get_element_by_id("content")
    return " ".join(" ".join(main.itertext()).split())
