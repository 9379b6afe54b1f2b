"""Filters of the hub's log (``settings.LOGGING``)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class DenialsWithoutTraceback(logging.Filter):
    """A refused request (403) is logged in one line, without the traceback of its
    ``PermissionDenied``: refusals are ordinary (and each is in the audit log with who and
    why), and hundreds of tracebacks would hide the errors that need a person."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
