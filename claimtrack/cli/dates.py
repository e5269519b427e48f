"""Dates as people type them, resolved when they are typed: ``--date``, ``--since`` and
``--until`` take ISO 8601 and the other forms ``model.check_date`` normalises, and words
("yesterday", "last friday", "3 days ago", "2 March") read by dateparser against the
user's clock and time zone. The command, and so the database, only ever sees ISO 8601:
"yesterday" typed on 5 June is stored as 2024-06-04 and stays that day.

A month is not a day: "May 2024", "last month" or "May" alone (the most recent May) is
"2024-05", a year "2024"; a filter takes all of it and a link stores it so, never a day
dateparser made up (it fills in today's day of the month). "last week" is the day a
week ago. A quarter ("q2 2024") has no such form and is refused, and so is a year
written with two digits ("5 June 24"), whose century dateparser would guess.

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
DATE_HELP = (
    "YYYY-MM-DD; also 20240605, '5 June 2024', 'yesterday', '3 days ago', 'last friday'; "
    "a month 'May 2024' or year '2024'"
)


def typed_date(value: str | None, option: str) -> str | None:
    """``value`` as ISO 8601 (a day, a month, a year, or the moment given); None for
    nothing. Raises ``typer.BadParameter`` (a usage error) naming the accepted forms."""
    if value is None or not value.strip():
        return None
    try:
        return check_date(value, option, partial=True)
    except AmbiguousDate as exc:
        message = exc.message.removeprefix(option + " ")
        raise typer.BadParameter(f"{message}; {exc.hint}", param_hint=f"'{option}'") from None
    except ValidationError:
        pass
    try:
        day = natural_day(value)
    except ValidationError as exc:
        raise typer.BadParameter(f"{exc.message}; {exc.hint}", param_hint=f"'{option}'") from None
    if day is None:
        raise typer.BadParameter(
            f"{value!r} is not a date; use {DATE_FORMS}, or words such as 'yesterday', "
            "'3 days ago', 'last friday', '2 March', 'May 2024'",
            param_hint=f"'{option}'",
        )
    return day


# Plain numbers are not dates ("12" would be the 12th of this month to dateparser).
_NUMBER = re.compile(r"[\d\s.,/-]+")


def natural_day(value: str) -> str | None:
    """The day ("2024-06-05"), month ("2024-05") or year ("2024") an English phrase
    names, as of now in the user's time zone, or None. A phrase without a year means
    the most recent such day or month ("2 March" typed in January is last year's);
    ambiguous numeric dates never reach here (``check_date``). Raises
    ``ValidationError`` for a quarter and for a two-digit year."""
    if _NUMBER.fullmatch(value.strip()):
        return None
    from dateparser.date import DateDataParser

    settings: Any = {
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        # The user's today: local wall time, naive, as dateparser wants it.
        "RELATIVE_BASE": model.utc_now().astimezone().replace(tzinfo=None),
        "DATE_ORDER": "DMY",
    }
    found = DateDataParser(languages=["en"], settings=settings).get_date_data(value)
    moment: dt.datetime | None = found.date_obj
    period: str = found.period
    if moment is None:
        return None
    # "last week" and "2 weeks ago" are a day (7 and 14 days ago); a quarter ("q2
    # 2024") has no ISO 8601 form claimtrack keeps, and dateparser makes up its day.
    if period not in ("day", "week", "month", "year", "time"):
        raise ValidationError(
            f"{value!r} names a {period}, not a day, a month or a year",
            "give the day (YYYY-MM-DD) or the month (YYYY-MM)",
        )
    numbers = re.findall(r"\d+", value)
    two_digit_year = f"{moment.year % 100:02d}"
    taken_by_day = 1 if period == "day" and f"{moment.day:02d}" == two_digit_year else 0
    if str(moment.year) not in numbers and (
        sum(n.zfill(2) == two_digit_year for n in numbers if len(n) <= 2) > taken_by_day
    ):
        raise ValidationError(
            f"{value!r} has a two-digit year", f"write the year in full ({moment.year}?)"
        )
    if period == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    if period == "year":
        return f"{moment.year:04d}"
    return moment.date().isoformat()


def since_callback(value: str | None) -> str | None:
    return typed_date(value, "--since")


def until_callback(value: str | None) -> str | None:
    return typed_date(value, "--until")


def date_callback(value: str | None) -> str | None:
    return typed_date(value, "--date")
