"""Dates as people type them, resolved when they are typed: ``--date``, ``--since`` and
``--until`` take ISO 8601 and the other forms ``model.check_date`` normalises, and words
("yesterday", "last friday", "3 days ago", "2 March") read by dateparser against the
user's clock and time zone. The command, and so the database, only ever sees ISO 8601:
"yesterday" typed on 5 June is stored as 2024-06-04 and stays that day.

dateparser takes a fifth of a second to import, so it is imported only for a value that
is not already a date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import typer

from claimtrack import model
from claimtrack.errors import ValidationError
from claimtrack.model import DATE_FORMS, AmbiguousDate, check_date

# For --help: what a date option accepts, in one line.
DATE_HELP = "YYYY-MM-DD; also 20240605, '5 June 2024', 'yesterday', '3 days ago', 'last friday'"


def typed_date(value: str | None, option: str) -> str | None:
    """``value`` as ISO 8601 (a day, or the moment given); None for nothing. Raises
    ``typer.BadParameter`` (a usage error) naming the accepted forms."""
    if value is None or not value.strip():
        return None
    try:
        return check_date(value, option)
    except AmbiguousDate as exc:
        message = exc.message.removeprefix(option + " ")
        raise typer.BadParameter(f"{message}; {exc.hint}", param_hint=f"'{option}'") from None
    except ValidationError:
        pass
    day = natural_day(value)
    if day is None:
        raise typer.BadParameter(
            f"{value!r} is not a date; use {DATE_FORMS}, or words such as 'yesterday', "
            "'3 days ago', 'last friday', '2 March'",
            param_hint=f"'{option}'",
        )
    return day.isoformat()


# Plain numbers are not dates ("12" would be the 12th of this month to dateparser).
_NUMBER = re.compile(r"[\d\s.,/-]+")


def natural_day(value: str) -> dt.date | None:
    """The day an English phrase names, as of now in the user's time zone, or None.
    A phrase without a year means the most recent such day ("2 March" typed in January
    is last year's); ambiguous numeric dates never reach here (``check_date``)."""
    if _NUMBER.fullmatch(value.strip()):
        return None
    import dateparser

    settings: Any = {
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        # The user's today: local wall time, naive, as dateparser wants it.
        "RELATIVE_BASE": model.utc_now().astimezone().replace(tzinfo=None),
        "DATE_ORDER": "DMY",
    }
    found = dateparser.parse(value, languages=["en"], settings=settings)
    return found.date() if found is not None else None


def since_callback(value: str | None) -> str | None:
    return typed_date(value, "--since")


def until_callback(value: str | None) -> str | None:
    return typed_date(value, "--until")


def date_callback(value: str | None) -> str | None:
    return typed_date(value, "--date")
