"""The ``datahub`` command.

``datahub validate`` runs the validation engine without Django, so a hospital can check a file
offline. Every other sub-command is a Django management command of the hub (``serve``, ``worker``,
``demo``, ``demo-code``, ``migrate``, ...); ``datahub help`` lists them.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "validate":
        try:
            from datahub.validation.cli import main as validate_main
        except KeyboardInterrupt:  # Ctrl-C while loading
            print("datahub validate: afgebroken (interrupted)", file=sys.stderr)
            return 130
        return validate_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datahub.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Management commands are named with underscores; accept the dashed spelling too.
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    try:
        execute_from_command_line(["datahub", *args])
    except ImproperlyConfigured as exc:  # a setting missing or wrong: say which, no traceback
        print(f"datahub: {exc} (see .env.example and docs/deployment.md)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
