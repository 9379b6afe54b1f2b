"""Codes, levels and messages (Dutch, with an English translation) of every check."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
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
        # before "encoding": its pattern would take this message too
        "ansi": (
            "Regel {line} is geen geldige UTF-8 (byte {offset}, in Windows-1252 het teken"
            " '{teken}'): lever het bestand aan in UTF-8",
            "Line {line} is not valid UTF-8 (byte {offset}, in Windows-1252 the character"
            " '{teken}'): deliver the file in UTF-8",
        ),
        "cut": (
            "Regel {line} eindigt midden in een teken (byte {offset}): het bestand lijkt"
            " afgebroken, lever het volledige bestand aan",
            "Line {line} ends in the middle of a character (byte {offset}): the file seems"
            " cut off, deliver the whole file",
        ),
        "encoding": (
            "Regel {line} is geen geldige UTF-8 (byte {offset})",
            "Line {line} is not valid UTF-8 (byte {offset})",
        ),
        "line": ("Regel {line} is geen geldige UTF-8", "Line {line} is not valid UTF-8"),
        "unicode": (
            "Record {record}: {veld} bevat tekens die geen geldige Unicode zijn",
            "Record {record}: {veld} holds characters that are not valid Unicode",
        ),
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
        "separator": (
            # (no Excel format to name: with Dutch regional settings every CSV format of
            # Excel writes semicolons, and decimal commas)
            "De kolommen van de kopregel zijn gescheiden door {teken} in plaats van door"
            " komma's: lever het bestand aan met komma's als scheidingsteken en een punt in"
            " decimale getallen",
            "The header's columns are separated by {teken} instead of commas: deliver the"
            " file with commas as separator and a point in decimal numbers",
        ),
        "unknown": ("Kolom {kolom} is onbekend", "Column {kolom} is unknown"),
        "too_many": (
            "De kopregel heeft {aantal} kolommen, meer dan een werkblad kan bevatten ({max});"
            " de records zijn niet gelezen",
            "The header has {aantal} columns, more than a worksheet can hold ({max}); the"
            " records were not read",
        ),
        "unnamed": (
            "Kolommen zonder naam in de kopregel: {aantal}",
            "Columns without a name in the header: {aantal}",
        ),
        "spaced": (
            "Kolom '{kolom}' heeft spaties voor of na de naam, verwacht {verwacht}",
            "Column '{kolom}' has spaces before or after its name, expected {verwacht}",
        ),
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
        "field": (
            "Regel {line} heeft 1 veld, verwacht {verwacht}",
            "Line {line} has 1 field, expected {verwacht}",
        ),
        "quoting": (
            "Regel {line} heeft ongeldige aanhalingstekens",
            "Line {line} has broken quoting",
        ),
        "unterminated": (
            "Regel {line}: aanhalingsteken wordt niet gesloten",
            "Line {line}: a quote is never closed",
        ),
        "crcrlf": (
            "Regel {line} eindigt op CR CR LF (zoals Pythons csv-module schrijft in tekstmodus"
            " op Windows): lever het bestand aan met LF- of CRLF-regeleinden",
            "Line {line} ends with CR CR LF (as Python's csv module writes in text mode on"
            " Windows): deliver the file with LF or CRLF line endings",
        ),
        "cr": (
            "Regel {line} eindigt op alleen een CR-teken (oude Mac-regeleinden, zoals Excel ze"
            " schrijft bij 'CSV (Macintosh)'): lever het bestand aan met LF- of"
            " CRLF-regeleinden",
            "Line {line} ends with a lone CR (old Mac line endings, as Excel writes them for"
            " 'CSV (Macintosh)'): deliver the file with LF or CRLF line endings",
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
        "format": (
            "Bestanden met de extensie .{extensie} worden niet geaccepteerd (wel: {formaten})",
            "Files with the extension .{extensie} are not accepted (accepted: {formaten})",
        ),
        "no_extension": (
            "Een bestand zonder extensie wordt niet geaccepteerd (wel: {formaten})",
            "A file without an extension is not accepted (accepted: {formaten})",
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
            "Meer dan {max} technische fouten; de controle is gestopt (de aantallen tellen "
            "alleen de records tot hier)",
            "More than {max} technical errors; checking stopped (the counts cover only the "
            "records up to here)",
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
        >>> technical_message("T08", "mismatch", "en", kenmerk="Versie", bestand="1.3",
        ...                   verwacht="1.4")
        'Version in the file (1.3) does not match the delivery (1.4)'
    """
    nl, en = TECHNICAL[code][key]
    if lang != "en":
        return nl.format(**values)
    # the engine's own Dutch words and reasons, as translate_message reads them back
    english = {k: _translated_value(k, v) if isinstance(v, str) else v for k, v in values.items()}
    return en.format(**english)


def datatype_name(datatype: str, lang: str) -> str:
    """The readable name of a datatype in ``lang``."""
    nl, en = DATATYPE_NAMES.get(datatype, (datatype, datatype))
    return en if lang == "en" else nl


# What a file is when it is no CSV or XML (T05 "extension"), in Dutch and English.
CONTENTS = {
    "zip": ("een Excel-werkmap of zip-bestand", "an Excel workbook or zip file"),
    "office": ("een oud Excel- of Office-bestand", "an old Excel or Office file"),
    "pdf": ("een PDF-bestand", "a PDF file"),
    "image": ("een afbeelding", "an image"),
    "gzip": ("een gzip-bestand", "a gzip file"),
    "7z": ("een 7-Zip-bestand", "a 7-Zip file"),
    "rar": ("een RAR-bestand", "a RAR file"),
    "spss": ("een SPSS-bestand", "an SPSS file"),
    "binary": ("binaire gegevens, geen tekst", "binary data, not text"),
    "xml": ("XML", "XML"),
    "not_xml": ("geen XML", "not XML"),
}

# Dutch words that stored messages carry as values, with their English translation.
_VALUE_WORDS: dict[str, dict[str, str]] = {
    "datatype": dict(DATATYPE_NAMES.values()),
    "kenmerk": {"Registratie": "Registry", "Versie": "Version"},
    "inhoud": dict(CONTENTS.values()),
}
_DECIMALS = re.compile(r"(\d+) decimalen|(1) decimaal")
# The engine's own Dutch reasons of an XML error (T06); lxml's reasons are English already.
_REASONS = (
    (re.compile(r"tekst buiten een record"), "text outside a record"),
    (re.compile(r"record staat op de verkeerde plaats"), "record in the wrong place"),
    # the reasons the XML reader gives of its own (and for libxml2's messages: _xml._LIBXML2)
    (
        re.compile(r"onbekend attribuut (.+?) op element (.+)"),
        r"unknown attribute \1 on element \2",
    ),
    (re.compile(r"tekst in een record buiten een veld"), "text in a record outside a field"),
    (
        re.compile(
            r"het bestand houdt halverwege op, midden in een element of waarde \(is het bij het"
            r" opslaan of versturen afgebroken\?\)"
        ),
        "the file stops halfway, in the middle of an element or a value (was it cut off when"
        " saved or sent?)",
    ),
    (
        re.compile(r"element (\S+) komt meer dan eens voor in het record"),
        r"element \1 occurs more than once in the record",
    ),
    (
        re.compile(r"element (\S+) staat niet op zijn plaats: hoort vóór (\S+)"),
        r"element \1 is out of order: it belongs before \2",
    ),
    (
        re.compile(r"element (\S+) bevat elementen; een veld bevat alleen tekst"),
        r"element \1 contains elements; a field holds text only",
    ),
    (
        re.compile(r"in element (\S+) ontbreekt een element \(verwacht: (.*)\)", re.DOTALL),
        r"element \1 misses an element (expected: \2)",
    ),
    (re.compile(r"tekst in element (\S+) buiten een veld"), r"text in element \1 outside a field"),
    (
        re.compile(r"de waarde van element (\S+) is ongeldig voor zijn type"),
        r"the value of element \1 is not valid for its type",
    ),
    (
        re.compile(
            r"een waarde of de tekst tussen twee elementen is langer dan 10\.000\.000 bytes "
            r"\(10 MB\), de grens voor één waarde in een XML-bestand"
        ),
        "a value or the text between two elements is longer than 10,000,000 bytes (10 MB), the"
        " limit for one value in an XML file",
    ),
    (
        re.compile(r"de elementen zijn te diep genest \(meer dan (\d+) niveaus\)"),
        r"the elements are nested too deeply (more than \1 levels)",
    ),
    (
        re.compile(
            r"entiteiten worden te vaak uitgebreid; entiteiten en een DTD zijn niet toegestaan"
        ),
        "entities expand too much; entities and a DTD are not allowed",
    ),
    (
        re.compile(r"het bestand is leeg of bevat geen XML-element"),
        "the file is empty or contains no XML element",
    ),
    (re.compile(r"onbekende entiteit (&\S+;)"), r"undefined entity \1"),
    (
        re.compile(r"eindtag (</\S+>) past niet bij begintag (<\S+>) \(regel (\d+)\)"),
        r"end tag \1 does not match start tag \2 (line \3)",
    ),
    (
        re.compile(r"het bestand houdt op voordat element (\S+) \(regel (\d+)\) is gesloten"),
        r"the file ends before element \1 (line \2) is closed",
    ),
    (
        re.compile(r"inhoud na het einde van het root-element"),
        "content after the end of the root element",
    ),
    (
        re.compile(r"een & dat geen entiteit begint \(schrijf &amp;\)"),
        "an & that starts no entity (write &amp;)",
    ),
    (
        re.compile(r"een < dat geen element begint \(schrijf &lt;\)"),
        "a < that starts no element (write &lt;)",
    ),
    (re.compile(r"ongeldig teken \(code (\d+)\)"), r"invalid character (code \1)"),
    (re.compile(r"een naam is te lang"), "a name is too long"),
    (
        re.compile(r"het bestand is geen goed gevormde XML \((.*)\)", re.DOTALL),
        r"the file is not well-formed XML (\1)",
    ),
    (
        re.compile(r"het record past niet in het schema \((.*)\)", re.DOTALL),
        r"the record does not fit the schema (\1)",
    ),
    (re.compile(r"onbekend attribuut (.*)", re.DOTALL), r"unknown attribute \1"),
    (re.compile(r"onbekend element (.*)", re.DOTALL), r"unknown element \1"),
    (
        re.compile(
            r"na het record op deze regel volgt (\d+) MiB zonder een volgend record: heten de "
            r"elementen anders, of is een record te groot\?"
        ),
        r"\1 MiB without a record follow the record on this line: are the elements named "
        r"otherwise, or is a record too large?",
    ),
    (
        re.compile(
            r"geen record in de eerste (\d+) MiB: heten de elementen anders, of is een record "
            r"te groot\?"
        ),
        r"no record in the first \1 MiB: are the elements named otherwise, or is a record "
        r"too large?",
    ),
    (
        re.compile(r"root element (.*) \(verwacht (.*)\)", re.DOTALL),
        r"root element \1 (expected \2)",
    ),
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def translate_message(code: str, message: str, lang: str) -> str:
    """A stored (Dutch) message of a built-in check or technical finding in ``lang``.

    Reports are stored as text, in Dutch; this reads the values back out of the Dutch template
    and puts them into the English one. Messages of a dictionary's own rules (written by the
    registry, in Dutch only) and text that matches no template are returned unchanged.

    Example::

        >>> translate_message("004", "Gewicht bevat waarde 8,5, dit is geen geldige "
        ...                   "decimaal getal", "en")
        'Gewicht contains value 8,5, which is not a valid decimal number'
        >>> translate_message("010_COND", "IOLType is verplicht", "en")
        'IOLType is verplicht'
    """
    if lang != "en":
        return message
    for pattern, english in _templates(code):
        match = pattern.fullmatch(message)
        if match is not None:
            values = {k: _translated_value(k, v) for k, v in match.groupdict().items()}
            return english.format(**values)
    return message


@cache
def _templates(code: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """For ``code``: each Dutch template as a pattern capturing its values, and the English
    template."""
    pairs = [CHECKS[code][1:]] if code in CHECKS else list(TECHNICAL.get(code, {}).values())
    return tuple((_pattern(nl), en) for nl, en in pairs)


def _pattern(template: str) -> re.Pattern[str]:
    """The template as a pattern. The delivered value (``{waarde}``) may hold any text, also
    the template's own words ("…, dit is geen geldige …"): it takes all it can, and the values
    the dictionary gives (a length, a datatype, a format) the least."""
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        greedy = "" if match.group(1) == "waarde" else "?"
        parts.append(f"(?P<{match.group(1)}>.*{greedy})")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.DOTALL)


def decimals_shown(decimals: int, lang: str) -> str:
    """``Decimalen`` as a format's messages name it.

    Example::

        >>> decimals_shown(1, "nl"), decimals_shown(2, "en")
        ('1 decimaal', '2 decimals')
    """
    if lang == "en":
        return f"{decimals} decimal" + ("" if decimals == 1 else "s")
    return f"{decimals} " + ("decimaal" if decimals == 1 else "decimalen")


def visible(text: str) -> str:
    r"""``text`` with the characters one cannot see (control and format characters, spaces
    other than the plain one) written as escapes: a column name ``Taal\r`` or one with a
    non-breaking space does not read as ``Taal``, and a value cannot steer a terminal.

    Example::

        >>> print(visible("Taal\r"), visible("a\u00a0b"), visible("\x1b[31mrood"))
        Taal\r a\xa0b \x1b[31mrood
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii") if _unseen(char) else char for char in text
    )


def _unseen(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Zl", "Zp") or (category == "Zs" and char != " ")


def _translated_value(name: str, value: str) -> str:
    if name in _VALUE_WORDS:
        return _VALUE_WORDS[name].get(value, value)
    if name == "formaat":
        match = _DECIMALS.fullmatch(value)
        if match is None:
            return value
        return "1 decimal" if match.group(2) else f"{match.group(1)} decimals"
    if name == "reden":
        for pattern, english in _REASONS:
            if pattern.fullmatch(value):
                return pattern.sub(english, value)
    return value
