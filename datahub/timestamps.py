"""The one form of a moment in the API and in a package's manifest: ISO 8601 in UTC with ``Z``,
to the microsecond, always six digits (``2026-12-01T13:03:50.532000Z``).

To the microsecond because the database holds moments so, and a processor pages its packages
with ``since`` = the last ``made_available_at``: cut to the millisecond (Django's JSON encoder)
that package came back again and again. Always six digits and always ``Z`` so that clients
comparing or parsing the text meet one form.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def utc_text(moment: dt.datetime) -> str:
    """``moment`` (aware) in the API's form.

    Example::

        >>> utc_text(dt.datetime(2026, 12, 1, 14, 3, 50, tzinfo=dt.timezone(dt.timedelta(hours=1))))
        '2026-12-01T13:03:50.000000Z'
    """
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def normalised(text: str) -> str:
    """A moment written in another ISO 8601 form (``…+00:00``, as packages' manifests made
    before this form held it) in the API's form; a text that is no moment as it is."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return utc_text(moment) if moment.tzinfo is not None else text


#: A moment field of an API schema, given in the API's form.
UtcMoment = Annotated[
    dt.datetime,
    PlainSerializer(utc_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 in UTC, to the microsecond: 2026-12-01T13:03:50.532000Z.",
        }
    ),
]
