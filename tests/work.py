"""How much work the database does, in SQLite virtual-machine steps.

Wall time follows the machine's load; the steps SQLite's virtual machine takes for the same
queries do not. A page or task whose work grows with rows it does not need fails a test that
measures it at two amounts of such rows (``assert work[1] < 2 * work[0]``). PostgreSQL has no
such counter: these tests run on SQLite only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

#: The measuring tests run on SQLite only.
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="counts SQLite virtual-machine steps"
)

#: Steps are counted in tens (each statement's last, incomplete ten is not counted).
STEP = 10


@contextlib.contextmanager
def counted() -> Iterator[list[int]]:
    """``with counted() as work:`` … ``work[0]``: about the steps taken inside the block."""
    connection.ensure_connection()
    steps = [0]

    def tick() -> int:
        steps[0] += STEP
        return 0  # go on

    connection.connection.set_progress_handler(tick, STEP)
    try:
        yield steps
    finally:
        connection.connection.set_progress_handler(None, 0)


def page_work(client: Client, url: str, **extra: Any) -> int:
    """The steps of a page (its second request: the first fills the caches)."""
    client.get(url, **extra)
    with counted() as work:
        assert client.get(url, **extra).status_code == 200
    return work[0]
