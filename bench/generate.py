"""Generate realistic Cataract (CAT 1.4) delivery files with a known share of injected errors.

Usage::

    .venv/bin/python bench/generate.py --records 1000000 --error-rate 0.01 out.csv
    .venv/bin/python bench/generate.py --records 100000 out.xml    # the same records as XML

Deterministic for a given ``--seed``. Every kind of finding is injected in equal shares
(see ``KINDS``); the counts are printed as JSON so that a test or benchmark can check them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

FIELDS = (
    "OperatieID", "PatientCode", "Geboortejaar", "Geslacht", "Operatiedatum", "ODS",
    "EersteTweedeOog", "Comorbiditeit", "VaCCPre", "Streefrefractie", "Techniek", "Anesthesie",
    "IOLType", "PerOpComplicatie", "ControleDatum", "VaCCPO", "SEPO", "PostOpComplicatie",
    "Opmerking",
)  # fmt: skip
VISUS = ("0.05", "0.1", "0.16", "0.2", "0.25", "0.32", "0.4", "0.5", "0.63", "0.8", "1.0", "1.25")
REMARKS = (
    "Tweede oog, eerder elders geopereerd",
    'Patient noemt "wazig zien", controle vervroegd',
    "Moeizame pupilverwijding\nextra controle",
)
# kind -> what the engine reports for it
KINDS = {
    "001": "001_RefTab",  # code not in the reference table
    "002": "002",  # required field empty
    "004": "004",  # impossible date
    "005": "005",  # exact copy of an earlier record (both copies reported)
    "006": "006",  # too many decimals
    "007": "007",  # text longer than Lengte
    "008": "008",  # same OperatieID, other content (both records reported)
    "015": "015_X_Y_EQ",  # number outside [Minimum, Maximum]
    "003": "003_Y_EQ",  # rule: birth year after the operation year
    "010": "010_COND",  # rule: IOLType missing while Techniek is not 3
    "020": "020_TERMIJN",  # rule (warning): control more than 90 days after the operation
}
START = dt.date(2020, 1, 1)
DATES = [(START + dt.timedelta(days=i)).isoformat() for i in range(366 + 120)]


def _quote(value: str) -> str:
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _record(rng: random.Random, number: int) -> list[str]:
    day = rng.randrange(366)
    technique = rng.choice("1111111123")
    controlled = rng.random() < 0.7
    return [
        str(11_000_000 + number),
        str(1_100_000_000 + rng.randrange(400_000)),
        str(rng.randrange(1930, 1991)),
        rng.choice("1229"),
        DATES[day],
        rng.choice(("OD", "OS")),
        rng.choice("12"),
        rng.choice("000012348"),
        rng.choice(VISUS),
        f"{rng.randrange(-400, 101) / 100:.2f}",
        technique,
        rng.choice("1112234"),
        "" if technique == "3" else rng.choice("1123"),
        rng.choice("00000128"),
        DATES[day + rng.randrange(7, 60)] if controlled else "",
        rng.choice(VISUS) if controlled else "",
        f"{rng.randrange(-200, 51) / 100:.2f}" if controlled else "",
        rng.choice("000128") if controlled else "",
        rng.choice(REMARKS) if rng.random() < 0.02 else "",
    ]


def _inject(kind: str, row: list[str], rng: random.Random, previous: list[str] | None) -> None:
    index = {name: i for i, name in enumerate(FIELDS)}
    if kind == "001":
        row[index["Geslacht"]] = "3"
    elif kind == "002":
        row[index["ODS"]] = ""
    elif kind == "004":
        row[index["Operatiedatum"]] = "2020-02-30"
    elif kind == "005" and previous is not None:
        row[:] = previous
    elif kind == "006":
        row[index["Streefrefractie"]] = "-0.125"
    elif kind == "007":
        row[index["Opmerking"]] = "x" * 201
    elif kind == "008" and previous is not None:
        row[index["OperatieID"]] = previous[index["OperatieID"]]
    elif kind == "015":
        row[index["Geboortejaar"]] = "1890"
    elif kind == "003":
        row[index["Geboortejaar"]] = "2021"
    elif kind == "010":
        row[index["Techniek"]], row[index["IOLType"]] = "1", ""
    elif kind == "020":
        row[index["ControleDatum"]] = DATES[
            min(len(DATES) - 1, DATES.index(row[index["Operatiedatum"]]) + 100)
        ]
        row[index["VaCCPO"]] = row[index["VaCCPO"]] or "0.8"


def _xml_record(row: list[str]) -> str:
    """A record in the XML layout; empty fields are left out."""
    fields = "".join(f"<{n}>{escape(v)}</{n}>" for n, v in zip(FIELDS, row, strict=True) if v)
    return f"  <record>{fields}</record>"


def generate(path: Path, records: int, *, error_rate: float = 0.01, seed: int = 42) -> Counter[str]:
    """Write ``records`` Cataract records to ``path`` (XML if its name ends in ``.xml``, the
    same records for the same seed); return the injected kinds' counts."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    injected: Counter[str] = Counter()
    previous: list[str] | None = None
    xml = path.suffix.lower() == ".xml"
    with path.open("w", encoding="utf-8", newline="") as out:
        if xml:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\r\n<CAT versie="1.4">\r\n')
        else:
            out.write(",".join(FIELDS) + "\r\n")
        lines: list[str] = []
        for number in range(1, records + 1):
            row = _record(rng, number)
            if previous is not None and rng.random() < error_rate:
                kind = kinds[rng.randrange(len(kinds))]
                _inject(kind, row, rng, previous)
                injected[kind] += 1
            lines.append(_xml_record(row) if xml else ",".join(_quote(v) for v in row))
            previous = row
            if len(lines) >= 50_000:
                out.write("\r\n".join(lines) + "\r\n")
                lines = []
        if lines:
            out.write("\r\n".join(lines) + "\r\n")
        if xml:
            out.write("</CAT>\r\n")
    return injected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--error-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    counts = generate(args.output, args.records, error_rate=args.error_rate, seed=args.seed)
    print(json.dumps({"records": args.records, "injected": dict(sorted(counts.items()))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
