"""``datahub validate``: check a delivery file offline, with the same report as the portal.

Exit codes: 0 no record errors and not rejected (warnings allowed), 1 record errors or
rejected, 2 the command could not run (bad arguments, unreadable dictionary, missing file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ._engine import validate_file
from ._messages import LANGS
from ._period import parse_period
from ._problems import DictionaryError
from ._report import Report
from ._workbook import load_dictionary, load_stored_dictionary

PROGRESS_MIN_BYTES = 5 * 1024 * 1024
_LABELS = {
    "nl": {
        "file": "Bestand",
        "dictionary": "Data dictionary",
        "status": "Status",
        "records": "Records",
        "counts": "{total} totaal, {processed} verwerkt, {not_processed} niet verwerkt",
        "errors": "Fouten",
        "warnings": "Waarschuwingen",
        "none": "Geen bevindingen.",
        "columns": ("Record", "Regel", "Niveau", "Code", "Veld", "Waarde", "Omschrijving"),
    },
    "en": {
        "file": "File",
        "dictionary": "Data dictionary",
        "status": "Status",
        "records": "Records",
        "counts": "{total} total, {processed} processed, {not_processed} not processed",
        "errors": "Errors",
        "warnings": "Warnings",
        "none": "No findings.",
        "columns": ("Record", "Line", "Level", "Code", "Field", "Value", "Message"),
    },
}


class _UsageError(Exception):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="datahub validate",
        description="Validate a CSV or XML delivery file against a data dictionary.",
    )
    parser.add_argument(
        "--dictionary",
        required=True,
        help="data dictionary workbook (.xlsx) or stored form (.json)",
    )
    parser.add_argument("--period", help="delivery period, e.g. 2020, 2020H1, 2020K3, 2020M07")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    parser.add_argument("--lang", choices=LANGS, default="nl")
    parser.add_argument("file", help="the delivery file (.csv or .xml)")
    return parser


def main(argv: list[str]) -> int:
    """Run ``datahub validate`` with ``argv``; return the exit code.

    Example::

        >>> main(["--dictionary", "missing.xlsx", "missing.csv"])
        2
    """
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        _parser().print_usage(sys.stderr)
        print(f"datahub validate: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.period is not None:
        try:
            parse_period(args.period)
        except ValueError:
            return _fail(
                f"onbekende periode {args.period!r} (bijv. 2020, 2020H1, 2020K3, 2020M07, TOTAAL)"
            )
    dictionary_path = Path(args.dictionary)
    if not dictionary_path.is_file():
        return _fail(f"data dictionary niet gevonden: {dictionary_path}")
    try:
        if dictionary_path.suffix.lower() == ".json":
            dictionary = load_stored_dictionary(dictionary_path)
        else:
            dictionary = load_dictionary(dictionary_path)
    except DictionaryError as error:
        return _fail(
            f"data dictionary {dictionary_path} kan niet worden gebruikt:\n" + error.text(args.lang)
        )
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"bestand niet gevonden: {path}")
    try:
        report = validate_file(
            dictionary, path, period=args.period, lang=args.lang, progress=_progress(path)
        )
    except OSError as error:
        return _fail(f"bestand kan niet worden gelezen: {path} ({error.strerror})")
    _write(report, args.format, args.lang)
    return 1 if report.rejected or report.errors else 0


def _fail(message: str) -> int:
    print(f"datahub validate: {message}", file=sys.stderr)
    return 2


def _write(report: Report, fmt: str, lang: str) -> None:
    if fmt == "json":
        sys.stdout.write(report.to_json() + "\n")
    elif fmt == "csv":
        sys.stdout.flush()
        sys.stdout.buffer.write(report.to_csv())
        sys.stdout.buffer.flush()
    else:
        write_text(report, sys.stdout, lang)


def write_text(report: Report, out: TextIO, lang: str = "nl") -> None:
    """A readable summary followed by the findings table."""
    labels = _LABELS[lang]
    counts = str(labels["counts"]).format(
        total=report.total, processed=report.processed, not_processed=report.not_processed
    )
    summary = [
        (labels["file"], report.file or "-"),
        (labels["dictionary"], f"{report.code} {report.version}"),
        (labels["status"], report.status),
        (labels["records"], counts),
        (labels["errors"], str(report.errors)),
        (labels["warnings"], str(report.warnings)),
    ]
    width = max(len(str(label)) for label, _ in summary) + 1
    for label, value in summary:
        out.write(f"{str(label) + ':':<{width}} {value}\n")
    out.write("\n")
    if not report.findings:
        out.write(f"{labels['none']}\n")
        return
    rows = [
        [
            "" if f.record is None else str(f.record),
            "" if f.line is None else str(f.line),
            f.level,
            f.code,
            f.field or "",
            _short(f.value),
            f.message.replace("\n", " "),
        ]
        for f in report.findings
    ]
    header = list(labels["columns"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _short(value: str | None, limit: int = 30) -> str:
    if value is None:
        return ""
    text = value.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _progress(path: Path) -> Callable[[int, int | None], None] | None:
    if not sys.stderr.isatty() or path.stat().st_size < PROGRESS_MIN_BYTES:
        return None
    state = {"shown": -1}

    def show(done: int, total: int | None) -> None:
        if not total:
            return
        percent = min(100, done * 100 // total)
        if percent == state["shown"]:
            return
        state["shown"] = percent
        bar = "#" * (percent // 4)
        end = "\n" if percent == 100 else ""
        sys.stderr.write(f"\r[{bar:<25}] {percent:3d}%{end}")
        sys.stderr.flush()

    return show
