"""A workbook's sheets, read by calamine in a child process with limits on memory and time.

calamine (Rust) holds a sheet as a dense table up to its last cell, and when that table does not
fit in memory it aborts the whole process: no exception, no message, a web worker or the CLI
gone. The scan (``_xlsx_scan``) refuses a sheet spanning too many cells before it is read, but
it reads the XML with patterns of its own, and every way in which calamine counts otherwise
(a review found five more: a zip with two directories, a cell outside a row, a "<" in an
attribute...) aborted the process again. So calamine reads in a child process: a sheet it
cannot hold ends the child, not the caller, and the workbook is refused.

The child reads a copy of the workbook made of the parts the scan read (so that both read the
same parts, whatever else the file holds), only the sheets asked for, and gives each as rows
of cells, merged ranges filled in (:func:`unmerged`) and each row cut after its last cell with
content (:func:`trimmed`), as JSON. This file runs as a script in the child (``python -P``,
by path: it imports nothing of the package).
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

MEMORY = 3 * 2**30  # the child's address space
SECONDS = 120  # the child's processor time
Cell = Any


class ReadFailed(Exception):
    """The child ended without reading the workbook: ``too_big``, a sheet it could not hold
    (or read in time); else it could not run (the message says why)."""

    def __init__(self, message: str, *, too_big: bool = False) -> None:
        super().__init__(message)
        self.too_big = too_big


class Overlapping(Exception):
    """A sheet's merged ranges overlap (Excel saves no such sheet)."""


def read_sheets(
    path: str, folded: set[str], used: dict[str, set[int]]
) -> tuple[list[str], dict[str, Any]]:
    """The workbook's sheet names, and for each sheet whose name, case and surrounding spaces
    aside, is one of ``folded``: its cells, or why it could not be read (``{"error": ...}`` or
    ``{"overlap": True}``). ``used``: the columns with content of each sheet by its name (see
    :func:`trimmed`); a sheet without is not cut.

    Raises :class:`ReadFailed` when the child ended without an answer, ``ValueError`` when
    the workbook itself cannot be read."""
    request = json.dumps(
        {"folded": sorted(folded), "used": {n: sorted(c) for n, c in used.items()}}
    )
    try:
        done = subprocess.run(  # noqa: S603 (this interpreter, this file, a path of ours)
            [sys.executable or "python3", "-P", __file__, path],
            input=request.encode(),
            capture_output=True,
            timeout=SECONDS + 60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReadFailed("timeout", too_big=True) from None
    except (OSError, TypeError, ValueError) as error:  # (no interpreter to start)
        raise ReadFailed(str(error)) from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # Rust's message of a failed allocation, a Python error, else the last line
        line = next((n for n in lines if "memory allocation" in n or "Error" in n), "")
        line = (line or (lines[-1] if lines else "")).strip()[:300]
        # out of memory (an allocation that failed, or the kernel's kill) or of time: the
        # sheet; any other end is the child's own (a crash, a stop from outside)
        too_big = (
            "memory allocation" in line
            or "MemoryError" in line
            or done.returncode in (-signal.SIGKILL, -signal.SIGXCPU)
        )
        raise ReadFailed(line or f"exit {done.returncode}", too_big=too_big)
    try:
        answer = json.loads(done.stdout, object_hook=_decoded)
        if "error" in answer:
            raise ValueError(answer["error"])
        return list(answer["names"]), dict(answer["sheets"])
    except (TypeError, KeyError, json.JSONDecodeError) as error:
        raise ReadFailed(f"unexpected answer ({error})") from None


def unmerged(
    cells: list[list[Cell]], ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]] | None
) -> list[list[Cell]]:
    """``cells`` with each cell merged down a column holding the value of the range's top
    cell, as the workbook shows it (a table's name merged over its codes). Cells merged
    across columns stay empty: a header merged over two columns is one column.

    Example::

        >>> unmerged([["T", "1"], ["", "2"], ["", "3"]], [((0, 0), (1, 0))])
        [['T', '1'], ['T', '2'], ['', '3']]
    """
    budget = sum(map(len, cells))  # (ranges that do not overlap cover no more cells)
    for (top, left), (bottom, _right) in ranges or ():
        if top >= len(cells) or left >= len(cells[top]):
            continue
        budget -= min(bottom, len(cells) - 1) - top
        if budget < 0:  # 200,000 copies of one range over 10,000 rows took 69 s
            raise Overlapping
        value = cells[top][left]
        for row in cells[top + 1 : bottom + 1]:
            if left < len(row):
                row[left] = value
    return cells


def trimmed(cells: list[list[Cell]], used: Iterable[int]) -> list[list[Cell]]:
    """Each row of ``cells`` without the empty cells after its last cell with content.

    The reader gives a sheet as a dense table up to its last cell: one cell far away (within
    the scan's limit) made every row thousands of cells long, and walking them all took half
    a minute for a workbook of 11 KB. ``used`` are the columns (from 1) where the scan found
    content; a row is only cut where what is cut off is empty.

    Example::

        >>> trimmed([["a", "", "", ""], ["", "", "", "x"], ["", "", "", ""]], {1, 4})
        [['a'], ['', '', '', 'x'], []]
    """
    columns = sorted(used, reverse=True)
    rows = []
    for row in cells:
        end = next((c for c in columns if c <= len(row) and row[c - 1] != ""), 0)
        tail = row[end:]
        rows.append(row[:end] if tail.count("") == len(tail) else row)
    return rows


def _encoded(value: object) -> object:
    """A cell value JSON cannot hold, tagged (dates and times)."""
    for kind in (dt.datetime, dt.date, dt.time):
        if isinstance(value, kind):
            return {"$": kind.__name__, "v": value.isoformat()}
    if isinstance(value, dt.timedelta):  # (exactly: a float of seconds is not)
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    raise TypeError(f"unexpected cell value {type(value).__name__}")


def _decoded(item: dict[str, Any]) -> object:
    kind = item.get("$")
    if kind == "datetime":
        return dt.datetime.fromisoformat(item["v"])
    if kind == "date":
        return dt.date.fromisoformat(item["v"])
    if kind == "time":
        return dt.time.fromisoformat(item["v"])
    if kind == "timedelta":
        days, seconds, microseconds = item["v"]
        return dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)
    return item


def _child(path: str, request: dict[str, Any]) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(path)
    except Exception as error:  # (the caller refuses the workbook with this)
        return {"error": str(error)}
    folded, used = set(request["folded"]), request["used"]
    names = list(workbook.sheet_names)
    sheets = {n: _sheet(workbook, n, used.get(n)) for n in names if n.strip().casefold() in folded}
    return {"names": names, "sheets": sheets}


def _sheet(workbook: Any, name: str, used: list[int] | None) -> dict[str, Any]:
    """One sheet's cells, or why it cannot be read (its dense table is dropped on return)."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        cells = unmerged(sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges)
        return {"cells": cells if used is None else trimmed(cells, used)}
    except Overlapping:
        return {"overlap": True}
    except Exception as error:  # (the caller reports it as the sheet's problem)
        return {"error": str(error)}


def _main() -> None:
    import resource

    for kind, most in ((resource.RLIMIT_AS, MEMORY), (resource.RLIMIT_CPU, SECONDS)):
        hard = resource.getrlimit(kind)[1]  # (a lower limit of the machine stays)
        limit = most if hard == resource.RLIM_INFINITY else min(most, hard)
        resource.setrlimit(kind, (limit, hard))
    request = json.loads(sys.stdin.buffer.read())
    json.dump(_child(sys.argv[1], request), sys.stdout, default=_encoded)


if __name__ == "__main__":
    _main()
