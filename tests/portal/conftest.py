"""A clock for the tests whose events must follow each other in a certain order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
import time_machine
from django.utils import timezone

Clock = Callable[[int], AbstractContextManager[object]]


Clock = Callable[[int], AbstractContextManager[object]]


@pytest.fixture
def clock() -> Clock:
    """``with clock(n):`` runs at n minutes after the test's start, so the order is certain."""
    start = timezone.now()

    def at(minutes: int) -> AbstractContextManager[object]:
        return time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False)

    return at
