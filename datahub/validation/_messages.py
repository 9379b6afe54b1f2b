"""Codes, levels and messages (Dutch, with an English translation) of every check."""

from __future__ import annotations

from typing import Any

# code -> (level, nl template, en template). Templates use str.format names.
CHECKS: dict[str, tuple[str, str, str]] = {
    "001_RefTab": (
        "fout",
        "{veld} bevat waarde {waarde}, deze komt niet voor in de referentielijst",
        "{veld} contains value {waarde}, which is not in the reference list",
    ),
    "002": ("fout", "{veld} is verplicht maar niet gevuld", "{veld} is required but empty"),
    "004": (
        "fout",
        "{veld} bevat waarde {waarde}, dit is geen geldige {datatype}",
        "{veld} contains value {waarde}, which is not a valid {datatype}",
    ),
    "005": (
        "fout",
        "Rij komt meerdere malen voor in het bestand.",
        "Row occurs more than once in the file.",
    ),
    "006": (
        "fout",
        "{veld} bevat waarde {waarde}, deze voldoet niet aan het formaat {formaat}",
        "{veld} contains value {waarde}, which does not match the format {formaat}",
    ),
    "007": (
        "fout",
        "{veld} bevat waarde {waarde}, deze is langer dan {lengte} tekens",
        "{veld} contains value {waarde}, which is longer than {lengte} characters",
    ),
    "008": (
        "fout",
        "De sleutel {sleutel} komt meerdere malen voor met verschillende inhoud",
        "The key {sleutel} occurs more than once with different content",
    ),
    "009": (
        "waarschuwing",
        "{veld} bevat waarde {waarde}, deze valt buiten de periode {periode}",
        "{veld} contains value {waarde}, which lies outside the period {periode}",
    ),
    "015_X_Y_EQ": (
        "fout",
        "{veld} bevat een waarde buiten de afgesproken limiet [{min}, {max}].",
        "{veld} contains a value outside the agreed limit [{min}, {max}].",
    ),
}

TECHNICAL_LEVEL = "afkeur"

# Technical (file-level) findings: code -> {key: (nl, en)}.
TECHNICAL: dict[str, dict[str, tuple[str, str]]] = {
    "T01": {
        "encoding": (
            "Regel {line} is geen geldige UTF-8 (byte {offset})",
            "Line {line} is not valid UTF-8 (byte {offset})",
        ),
        "line": ("Regel {line} is geen geldige UTF-8", "Line {line} is not valid UTF-8"),
        "declared": (
            "Het bestand is gecodeerd als {codering}; alleen UTF-8 is toegestaan",
            "The file is encoded as {codering}; only UTF-8 is allowed",
        ),
    },
    "T02": {
        "missing_header": (
            "Het bestand heeft geen kopregel",
            "The file has no header row",
        ),
        "missing": ("Kolom {kolom} ontbreekt in de kopregel", "Column {kolom} is missing"),
        "unknown": ("Kolom {kolom} is onbekend", "Column {kolom} is unknown"),
        "duplicate": (
            "Kolom {kolom} komt meerdere malen voor in de kopregel",
            "Column {kolom} occurs more than once in the header",
        ),
        "misspelt": (
            "Kolom {kolom} is verkeerd gespeld, verwacht {verwacht}",
            "Column {kolom} is misspelt, expected {verwacht}",
        ),
    },
    "T03": {"empty": ("Regel {line} is leeg", "Line {line} is empty")},
    "T04": {
        "fields": (
            "Regel {line} heeft {aantal} velden, verwacht {verwacht}",
            "Line {line} has {aantal} fields, expected {verwacht}",
        ),
        "quoting": (
            "Regel {line} heeft ongeldige aanhalingstekens",
            "Line {line} has broken quoting",
        ),
        "unterminated": (
            "Regel {line}: aanhalingsteken wordt niet gesloten",
            "Line {line}: a quote is never closed",
        ),
        "too_long": (
            "Regel {line} is te lang (meer dan {max} bytes)",
            "Line {line} is too long (more than {max} bytes)",
        ),
    },
    "T05": {
        "name": (
            "Bestandsnaam {naam} voldoet niet aan de conventie: {reden}",
            "File name {naam} does not follow the convention: {reden}",
        ),
        "extension": (
            "De extensie .{extensie} past niet bij de inhoud ({inhoud})",
            "The extension .{extensie} does not match the content ({inhoud})",
        ),
    },
    "T06": {
        "xml": ("XML-fout op regel {line}: {reden}", "XML error on line {line}: {reden}"),
        "dtd": (
            "XML-bestand bevat een DOCTYPE/DTD; dat is niet toegestaan",
            "The XML file contains a DOCTYPE/DTD, which is not allowed",
        ),
    },
    "T07": {"empty": ("Het bestand bevat geen records", "The file contains no records")},
    "T08": {
        "mismatch": (
            "{kenmerk} in het bestand ({bestand}) komt niet overeen met de aanlevering "
            "({verwacht})",
            "{kenmerk} in the file ({bestand}) does not match the delivery ({verwacht})",
        ),
    },
    "T99": {
        "limit": (
            "Meer dan {max} technische fouten; de controle is gestopt",
            "More than {max} technical errors; checking stopped",
        ),
    },
}

DATATYPE_NAMES = {
    "tekst": ("tekst", "text"),
    "geheel getal": ("geheel getal", "integer"),
    "decimaal": ("decimaal getal", "decimal number"),
    "datum": ("datum", "date"),
    "datumtijd": ("datumtijd", "datetime"),
    "code": ("code", "code"),
}

LANGS = ("nl", "en")


def check_template(code: str, lang: str) -> str:
    """The message template of a per-field check in ``lang``."""
    _, nl, en = CHECKS[code]
    return en if lang == "en" else nl


def check_level(code: str) -> str:
    """The level of a per-field check."""
    return CHECKS[code][0]


def technical_message(code: str, key: str, lang: str, **values: Any) -> str:
    """The formatted message of a technical finding.

    Example::

        >>> technical_message("T03", "empty", "en", line=7)
        'Line 7 is empty'
    """
    nl, en = TECHNICAL[code][key]
    return (en if lang == "en" else nl).format(**values)


def datatype_name(datatype: str, lang: str) -> str:
    """The readable name of a datatype in ``lang``."""
    nl, en = DATATYPE_NAMES.get(datatype, (datatype, datatype))
    return en if lang == "en" else nl
