"""File names per the convention
``{instellingscode}_{onderdeel}_{code}_{versie}_{volgnummer}_{aanmaakdatum}_{PROD|TEST}.{ext}``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from ._messages import technical_message

# A dictionary's version, as its import accepts it and as it is part of file names and
# addresses: digits, letters, dots and hyphens (1.4, 2024.1, 1.4-beta)
VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.-]{0,19}")

#: The file types every channel accepts (a registry may accept fewer: ``Bestandsformaten``).
FILE_FORMATS = ("csv", "xml")

_NAME_RE = re.compile(
    r"^(?P<institution>[^_]+)_(?P<unit>[^_]+)_(?P<code>[^_]+)_(?P<version>[^_]+)_"
    r"(?P<sequence>[^_]+)_(?P<created>[^_]+)_(?P<environment>[^_.]+)\.(?P<extension>[^.]+)$"
)


@dataclass(frozen=True, slots=True)
class FileName:
    """The parts of a conventional file name.

    Example::

        >>> parts, _ = parse_file_name("11111111_0_CAT_1.4_2_20201214_TEST.xml")
        >>> parts.build(), parts.sequence, parts.test
        ('11111111_0_CAT_1.4_2_20201214_TEST.xml', 2, True)
    """

    institution: str
    unit: int
    code: str
    version: str
    sequence: int
    created: dt.date
    test: bool
    extension: str

    def build(self) -> str:
        """The file name these parts make."""
        env = "TEST" if self.test else "PROD"
        return (
            f"{self.institution}_{self.unit}_{self.code}_{self.version}_{self.sequence}_"
            f"{self.created:%Y%m%d}_{env}.{self.extension}"
        )


@dataclass(frozen=True, slots=True)
class FileNameProblem:
    """Why a name does not follow the convention (a ``T05`` finding).

    Example::

        >>> _, problems = parse_file_name("11111111_0_CAT_1.4_1_20201214_PROD.txt")
        >>> problems[0].code, problems[0].en.endswith("extension must be .csv or .xml")
        ('T05', True)
    """

    code: str
    nl: str
    en: str


def parse_file_name(name: str) -> tuple[FileName | None, list[FileNameProblem]]:
    """Split a file name into its parts, or say why it does not follow the convention.

    Example::

        >>> parts, problems = parse_file_name("11111111_0_CAT_1.4_1_20201214_PROD.csv")
        >>> parts.code, parts.version, parts.test, problems
        ('CAT', '1.4', False, [])
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    match = _NAME_RE.match(base)
    if not match:
        return None, [
            _problem(
                base,
                "vorm {instelling}_{onderdeel}_{code}_{versie}_"
                "{volgnummer}_{JJJJMMDD}_{PROD|TEST}.{csv|xml}",
                "form {institution}_{unit}_{code}_{version}_{sequence}_"
                "{YYYYMMDD}_{PROD|TEST}.{csv|xml}",
            )
        ]
    parts = match.groupdict()
    problems = [_problem(base, nl, en) for key, ok, nl, en in _PART_CHECKS if not ok(parts[key])]
    if problems:
        return None, problems
    created = _date(parts["created"])
    assert created is not None
    return FileName(
        institution=parts["institution"],
        unit=int(parts["unit"]),
        code=parts["code"],
        version=parts["version"],
        sequence=int(parts["sequence"]),
        created=created,
        test=parts["environment"] == "TEST",
        extension=parts["extension"].lower(),
    ), []


def valid_parts(name: str) -> dict[str, str]:
    """The parts of a name in the convention's shape that are right by themselves (as
    written), also when others are not; empty for a name of another shape. A name that is
    nearly right (an impossible date, ``.txt``) still gives what it can.

    Example::

        >>> valid_parts("11111111_0_CAT_1.4_7_20261131_PROD.txt")["sequence"]
        '7'
        >>> sorted(set(_PART_NAMES) - set(valid_parts("11111111_0_CAT_1.4_7_20261131_PROD.txt")))
        ['created', 'extension']
    """
    match = _NAME_RE.match(name.replace("\\", "/").rsplit("/", 1)[-1])
    if not match:
        return {}
    parts = match.groupdict()
    return {key: parts[key] for key, ok, _nl, _en in _PART_CHECKS if ok(parts[key])}


#: Each part of the name: whether it is right, and why not (in Dutch and English).
_PART_CHECKS: tuple[tuple[str, Callable[[str], object], str, str], ...] = (
    (
        "institution",
        lambda text: re.fullmatch(r"[0-9]{8}", text),
        "instellingscode is geen 8 cijfers",
        "institution code is not 8 digits",
    ),
    (
        "unit",
        lambda text: re.fullmatch(r"[0-9]{1,18}", text),
        "onderdeel is geen getal (van hoogstens 18 cijfers)",
        "unit is not a number (of at most 18 digits)",
    ),
    (
        "code",
        lambda text: re.fullmatch(r"[A-Z0-9]{2,12}", text),
        "code is ongeldig",
        "code is invalid",
    ),
    ("version", VERSION_RE.fullmatch, "versie is ongeldig", "version is invalid"),
    (
        "sequence",
        lambda text: re.fullmatch(r"[0-9]{1,18}", text),
        "volgnummer is geen getal (van hoogstens 18 cijfers)",
        "sequence is not a number (of at most 18 digits)",
    ),
    (
        "created",
        lambda text: _date(text) is not None,
        "aanmaakdatum is geen geldige datum",
        "creation date is not a valid date",
    ),
    (
        "environment",
        lambda text: text in ("PROD", "TEST"),
        "moet eindigen op PROD of TEST",
        "must end in PROD or TEST",
    ),
    (
        "extension",
        lambda text: text.lower() in FILE_FORMATS,
        "extensie moet .csv of .xml zijn",
        "extension must be .csv or .xml",
    ),
)
_PART_NAMES = tuple(check[0] for check in _PART_CHECKS)


def _date(text: str) -> dt.date | None:
    if not re.fullmatch(r"[0-9]{8}", text):
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _problem(name: str, nl: str, en: str) -> FileNameProblem:
    return FileNameProblem(
        code="T05",
        nl=technical_message("T05", "name", "nl", naam=name, reden=nl),
        en=technical_message("T05", "name", "en", naam=name, reden=en),
    )
