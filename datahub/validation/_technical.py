"""Collecting technical (file-level) findings, with a limit so garbage cannot flood a report."""

from __future__ import annotations

from typing import Any

from ._messages import TECHNICAL_LEVEL, technical_message
from ._report import Finding

MAX_TECHNICAL = 1000


def technical_finding(code: str, key: str, lang: str = "nl", **values: Any) -> Finding:
    """A file-level finding with the spec's code and message, for callers (``T05``, ``T08``).

    Example::

        >>> f = technical_finding("T08", "mismatch", kenmerk="Versie", bestand="1.3",
        ...                       verwacht="1.4")
        >>> f.code, f.level, f.message
        ('T08', 'afkeur', 'Versie in het bestand (1.3) komt niet overeen met de aanlevering (1.4)')
    """
    line = values.pop("line", None)
    message = technical_message(code, key, lang, line=line, **values)
    return Finding(None, line, TECHNICAL_LEVEL, code, None, None, message)


class TooManyProblems(Exception):
    """Raised when more than :data:`MAX_TECHNICAL` technical findings were collected."""


class TechnicalSink:
    """Technical findings of one file, in the order found."""

    def __init__(self, lang: str = "nl", limit: int = MAX_TECHNICAL) -> None:
        self.lang = lang
        self.limit = limit
        self.findings: list[Finding] = []
        self.unread = False  # the reader gave up on the file's records (no "no records", T07)

    def add(self, code: str, key: str, *, line: int | None = None, **values: Any) -> None:
        """Add a finding; raise :class:`TooManyProblems` past the limit."""
        if len(self.findings) >= self.limit:
            self.findings.append(
                Finding(
                    None,
                    line,
                    TECHNICAL_LEVEL,
                    "T99",
                    None,
                    None,
                    technical_message("T99", "limit", self.lang, max=self.limit),
                )
            )
            raise TooManyProblems
        message = technical_message(code, key, self.lang, line=line, **values)
        self.findings.append(Finding(None, line, TECHNICAL_LEVEL, code, None, None, message))

    def __bool__(self) -> bool:
        return bool(self.findings)
