"""The garbage collector's pauses of the engine and the FHIR endpoint, which threads of one
server overlap: counted, so that the collector stays off while any runs and is on after all."""

from __future__ import annotations

import gc
import threading

from datahub.validation import collector_paused


def test_overlapping_pauses_keep_the_collector_off_until_the_last_ends():
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_pauses_in_many_threads_leave_the_collector_on():
    start = threading.Barrier(8)

    def pause_often() -> None:
        start.wait()
        for _ in range(2000):
            with collector_paused():
                pass

    threads = [threading.Thread(target=pause_often) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_a_pause_ends_also_when_its_block_fails():
    try:
        with collector_paused():
            raise ValueError("the file could not be read")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
