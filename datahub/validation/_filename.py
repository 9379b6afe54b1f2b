"""File names per the convention
``{instellingscode}_{onderdeel}_{code}_{versie}_{volgnummer}_{aanmaakdatum}_{PROD|TEST}.{ext}``.
"""

from __future__ import annotations

import datetime as dt
import re
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
    problems = [
        _problem(base, nl, en)
        for ok, nl, en in (
            (
                re.fullmatch(r"[0-9]{8}", parts["institution"]),
                "instellingscode is geen 8 cijfers",
                "institution code is not 8 digits",
            ),
            (
                re.fullmatch(r"[0-9]+", parts["unit"]),
                "onderdeel is geen getal",
                "unit is not a number",
            ),
            (re.fullmatch(r"[A-Z0-9]{2,12}", parts["code"]), "code is ongeldig", "code is invalid"),
            (
                VERSION_RE.fullmatch(parts["version"]),
                "versie is ongeldig",
                "version is invalid",
            ),
            (
                re.fullmatch(r"[0-9]+", parts["sequence"]),
                "volgnummer is geen getal",
                "sequence is not a number",
            ),
            (
                _date(parts["created"]) is not None,
                "aanmaakdatum is geen geldige datum",
                "creation date is not a valid date",
            ),
            (
                parts["environment"] in ("PROD", "TEST"),
                "moet eindigen op PROD of TEST",
                "must end in PROD or TEST",
            ),
            (
                parts["extension"].lower() in FILE_FORMATS,
                "extensie moet .csv of .xml zijn",
                "extension must be .csv or .xml",
            ),
        )
        if not ok
    ]
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
