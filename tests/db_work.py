"""The work the database does, counted in SQLite's virtual-machine steps.

Unlike wall time it is the same on every run, so a test can say that a page's or a task's work
does not grow with rows it does not need (``assert work[1] < 2 * work[0]`` after ten times as
many). PostgreSQL has no such counter: these tests run on SQLite only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import connection

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the work is counted in SQLite's VM steps"
)


@contextlib.contextmanager
def counted() -> Iterator[list[int]]:
    """``with counted() as work:`` … ``work[0]``: the VM steps inside the block."""
    connection.ensure_connection()
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    connection.connection.set_progress_handler(tick, 1)
    try:
        yield steps
    finally:
        connection.connection.set_progress_handler(None, 0)
