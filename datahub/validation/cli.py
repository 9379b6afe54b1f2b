"""`datahub validate`: the engine is being built (issue 4)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    print("datahub validate: not available yet", file=sys.stderr)
    return 2
