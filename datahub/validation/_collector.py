"""Python's cyclic garbage collector paused while many objects are built that all stay alive
(a report's findings, a parsed FHIR Bundle): it would otherwise scan them again and again.

The collector is one switch for the whole process, and a server reads several files or
submissions at once in its threads: the pauses are counted, the first one switches it off and
the last one to end switches it back on (if it was on). Two pauses that each remember the state
they found would leave it off for good when they overlap in the wrong order.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off while the block runs (and while any other pause runs).

    Example::

        >>> with collector_paused():
        ...     with collector_paused():
        ...         pass
        ...     gc.isenabled()
        False
        >>> gc.isenabled()
        True
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
