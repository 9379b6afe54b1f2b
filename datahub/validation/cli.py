"""``datahub validate``: check a delivery file offline, with the same report as the portal.

Exit codes: 0 no record errors and not rejected (warnings allowed), 1 record errors or
rejected, 2 the command could not run (bad arguments, unreadable dictionary, missing file).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from ._dictionary import DataDictionary
from ._engine import validate_file
from ._filename import FILE_FORMATS
from ._messages import LANGS, visible
from ._period import parse_period
from ._problems import DictionaryError
from ._report import (
    AFGEKEURD,
    CSV_LEVELS,
    MET_FOUTEN,
    MET_WAARSCHUWINGEN,
    VERWERKT,
    Finding,
    Report,
)
from ._technical import technical_finding
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
        "completeness": "Volledigheid per veld",
        "completeness_columns": ("Veld", "Verplicht", "Records met een waarde", "Aandeel"),
        "yes": "ja",
        "no": "nee",
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
        "completeness": "Completeness per field",
        "completeness_columns": ("Field", "Required", "Records with a value", "Share"),
        "yes": "yes",
        "no": "no",
    },
}
# The words of the portal (and, in Dutch, of the CSV export) for levels and statuses.
_LEVELS = {
    "nl": CSV_LEVELS,
    "en": {"fout": "Record error", "waarschuwing": "Warning", "afkeur": "Rejection"},
}
_STATUSES = {
    "nl": {},
    "en": {
        VERWERKT: "Processed",
        MET_WAARSCHUWINGEN: "Processed with warnings",
        MET_FOUTEN: "Processed with errors",
        AFGEKEURD: "Rejected",
    },
}


# The command's own messages (the report's language follows --lang too).
_MESSAGES = {
    "period": (
        "onbekende periode {period!r} (bijv. 2020, 2020H1, 2020K3, 2020M07, TOTAAL)",
        "unknown period {period!r} (e.g. 2020, 2020H1, 2020K3, 2020M07, TOTAAL)",
    ),
    "no_dictionary": ("data dictionary niet gevonden: {path}", "data dictionary not found: {path}"),
    "bad_dictionary": (
        "data dictionary {path} kan niet worden gebruikt:",
        "data dictionary {path} cannot be used:",
    ),
    "no_file": ("bestand niet gevonden: {path}", "file not found: {path}"),
    "directory": ("{path} is een map, geen bestand", "{path} is a directory, not a file"),
    "unreadable": (
        "bestand kan niet worden gelezen: {path} ({reason})",
        "file cannot be read: {path} ({reason})",
    ),
    "interrupted": ("afgebroken", "interrupted"),
}
INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C


def message(key: str, lang: str, **values: object) -> str:
    """One of the command's own messages in ``lang``."""
    nl, en = _MESSAGES[key]
    return (en if lang == "en" else nl).format(**values)


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
    _tolerant_output()
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        _parser().print_usage(sys.stderr)
        print(f"datahub validate: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C: a message, not a traceback
        return _fail(message("interrupted", args.lang), INTERRUPTED)


def _tolerant_output() -> None:
    """A terminal that cannot show a character (an ASCII locale, ``∞`` in a message) shows a
    replacement instead of ending the command with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _run(args: argparse.Namespace) -> int:
    lang = args.lang
    if args.period is not None:
        try:
            parse_period(args.period)
        except ValueError:
            return _fail(message("period", lang, period=args.period))
    dictionary_path = Path(args.dictionary)
    if not dictionary_path.is_file():
        return _fail(message("no_dictionary", lang, path=dictionary_path))
    try:
        if dictionary_path.suffix.lower() == ".json":
            dictionary = load_stored_dictionary(dictionary_path)
        else:
            dictionary = load_dictionary(dictionary_path)
    except DictionaryError as error:
        heading = message("bad_dictionary", lang, path=dictionary_path)
        return _fail(heading + "\n" + error.text(lang))
    path = Path(args.file)
    if path.is_dir():
        return _fail(message("directory", lang, path=path))
    if not path.exists():  # (a named pipe or a shell's <(...) is read too)
        return _fail(message("no_file", lang, path=path))
    progress = _progress(path)
    try:
        report = validate_file(dictionary, path, period=args.period, lang=lang, progress=progress)
    except OSError as error:
        return _fail(message("unreadable", lang, path=path, reason=error.strerror))
    finally:
        if progress is not None:
            progress.finish()
    report = report.with_technical(_format_problems(path, dictionary, lang))
    code = 1 if report.rejected or report.errors else 0
    try:
        _write(report, args.format, lang, dictionary)
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _format_problems(path: Path, dictionary: DataDictionary, lang: str) -> list[Finding]:
    """``T05`` when the portal would not accept the file's type: an extension other than
    ``.csv`` or ``.xml``, or one the registry's ``Bestandsformaten`` leave out."""
    extension = path.suffix.lower().lstrip(".")
    if dictionary.general.accepts(extension):
        return []
    shown = ", ".join(f".{f}" for f in dictionary.general.formats or FILE_FORMATS)
    if not extension:
        return [technical_finding("T05", "no_extension", lang, formaten=shown)]
    return [technical_finding("T05", "format", lang, extensie=extension, formaten=shown)]


def _fail(text: str, code: int = 2) -> int:
    print(f"datahub validate: {text}", file=sys.stderr)
    return code


def _write(report: Report, fmt: str, lang: str, dictionary: DataDictionary) -> None:
    if fmt in ("json", "csv"):  # files in UTF-8, whatever the terminal's encoding
        sys.stdout.flush()
        if fmt == "json":
            report.write_json(sys.stdout.buffer)
            sys.stdout.buffer.write(b"\n")
        else:
            report.write_csv(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        write_text(report, sys.stdout, lang, dictionary)


def write_text(
    report: Report, out: TextIO, lang: str = "nl", dictionary: DataDictionary | None = None
) -> None:
    """A readable summary, the completeness per field (with ``dictionary``, which says which
    fields are required; as on the portal's data-quality page) and the findings table (with the
    report fields, as in the portal's report and the CSV export)."""
    labels = _LABELS[lang]
    counts = str(labels["counts"]).format(
        total=report.total, processed=report.processed, not_processed=report.not_processed
    )
    statuses, levels = _STATUSES[lang], _LEVELS[lang]
    summary = [
        (labels["file"], report.file or "-"),
        (labels["dictionary"], f"{report.code} {report.version}"),
        (labels["status"], statuses.get(report.status, report.status)),
        (labels["records"], counts),
        (labels["errors"], str(report.errors)),
        (labels["warnings"], str(report.warnings)),
    ]
    width = max(len(str(label)) for label, _ in summary) + 1
    for label, value in summary:
        out.write(f"{str(label) + ':':<{width}} {visible(value)}\n")
    out.write("\n")
    if dictionary is not None:
        _write_completeness(report, dictionary, out, lang)
    if not report.findings:
        out.write(f"{labels['none']}\n")
        return
    keys = report.report_fields
    rows = [
        [
            "" if f.record is None else str(f.record),
            "" if f.line is None else str(f.line),
            *(_short((f.keys or {}).get(k)) for k in keys),
            levels.get(f.level, f.level),
            f.code,
            visible(f.field or ""),
            _short(f.value),
            visible(f.message.replace("\n", " ")),
        ]
        for f in report.findings
    ]
    columns = list(labels["columns"])
    header = [*columns[:2], *keys, *columns[2:]]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _write_completeness(report: Report, dictionary: DataDictionary, out: TextIO, lang: str) -> None:
    """Per field the records with a value and their share, rounded down as on the portal (only
    a complete field shows 100.0 %). Nothing for a file rejected as a file (its records were not
    all read: ``filled`` is None) or without records."""
    if report.filled is None or not report.total:
        return
    labels = _LABELS[lang]
    rows = [
        [
            visible(spec.name),
            str(labels["yes"] if spec.required else labels["no"]),
            str(report.filled.get(spec.name, 0)),
            _percent(report.filled.get(spec.name, 0), report.total, lang),
        ]
        for spec in dictionary.fields
    ]
    header = list(labels["completeness_columns"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out.write(f"{labels['completeness']}:\n")
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(widths[i]) for i, cell in enumerate(row[2:], start=2)]
        out.write("  ".join(cells).rstrip() + "\n")
    out.write("\n")


def _percent(part: int, whole: int, lang: str) -> str:
    """``99,9 %`` (``99.9 %`` in English), rounded down like the portal's completeness."""
    tenths = part * 1000 // whole
    return f"{tenths // 10}{',' if lang == 'nl' else '.'}{tenths % 10} %"


def _short(value: str | None, limit: int = 30) -> str:
    """A value for the table: its characters one cannot see written as escapes (a CR or an
    escape sequence in a value would steer the terminal), cut at ``limit``."""
    if value is None:
        return ""
    text = visible(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _ProgressBar:
    """A progress bar on stderr; ``finish`` ends its line, also when checking stopped early."""

    def __init__(self) -> None:
        self.shown = -1

    def __call__(self, done: int, total: int | None) -> None:
        if not total:
            return
        percent = min(100, done * 100 // total)
        if percent == self.shown:
            return
        self.shown = percent
        bar = "#" * (percent // 4)
        sys.stderr.write(f"\r[{bar:<25}] {percent:3d}%")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.shown >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _progress(path: Path) -> _ProgressBar | None:
    if not sys.stderr.isatty() or path.stat().st_size < PROGRESS_MIN_BYTES:
        return None
    return _ProgressBar()
