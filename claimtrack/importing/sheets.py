"""What spreadsheets do to a sheet claimtrack wrote, read back as the user meant it.

A CSV or TSV handed to a colleague comes back from LibreOffice Calc, Excel, pandas or
DuckDB. Those programs change the file's form without changing what it says, and each
change here is undone, or recognised as no edit:

- **The dialect** (``rows``): ``,`` ``;`` or tab between cells, Excel's ``sep=;`` first
  line, CRLF line ends. A TSV comes in two conventions: claimtrack's own (no quoting;
  tab, newline, CR and backslash written ``\\t \\n \\r \\\\``, as Miller and
  PostgreSQL's COPY write it) and the spreadsheets' (quoted as CSV is, with a tab
  between cells: Calc and Excel). ``tsv_is_quoted`` tells them apart.
- **Renderings** (``same_cell``): a cell a spreadsheet retyped is the same value shown
  its way, not an edit: ``0042`` shown ``42``, ``1,200`` shown ``1200``, ``2024-03-05``
  shown ``3/5/2024``, ``05.03.2024`` or ``05/03/24``, ``True`` shown ``TRUE``.
- **Times** (``sheet_time``): an ``updated`` cell rewritten ``2024-02-26 14:00:07+00``
  (pandas, DuckDB, PostgreSQL) or ``2/26/2024 14:00:07`` (Excel) is still the moment the
  sheet was exported, which decides whether the database changed a field after it.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Iterator

from claimtrack.errors import ClaimtrackError
from claimtrack.exporting.formats import tsv_unescape

SEPARATORS = (",", ";", "\t")
# Excel writes (and reads) a first line naming the separator: "sep=;".
_SEP_LINE = re.compile(r"sep=(.)(?:\r\n|\n|\r|\Z)", re.IGNORECASE)


def rows(text: str, *, tsv: bool = False) -> Iterator[list[str]]:
    """The rows of a sheet's text (decoded, without its BOM), cells as the user typed
    them. ``tsv``: tab-separated; claimtrack's escapes or CSV quoting, whichever the
    file uses (``tsv_is_quoted``). Otherwise CSV (quoted), its separator the ``sep=``
    line's, else the one of ``,`` ``;`` and tab that occurs most in the first row. A line break
    inside a quoted cell is a newline, whether written LF or CRLF; a lone CR, a form
    feed, NEL and U+2028 are kept as they are."""
    found = _SEP_LINE.match(text)
    if found:
        text = text[found.end() :]
        delimiter = found.group(1)
    elif tsv:
        delimiter = "\t"
    else:
        header = text.lstrip("\r\n").split("\n", 1)[0]
        delimiter = max(SEPARATORS, key=header.count)
    if tsv and delimiter == "\t" and not tsv_is_quoted(text):
        return _escaped_rows(text)
    return _quoted_rows(text, delimiter)


def _quoted_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    # newline="": the csv module sees every line break as written (a CR inside a
    # quoted cell stays one); only CRLF pairs inside cells are a Windows line break.
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [c.replace("\r\n", "\n") if "\r\n" in c else c for c in cells]


def _escaped_rows(text: str) -> Iterator[list[str]]:
    # Only LF (or CRLF) ends a row: str.splitlines would also break at a form feed,
    # NEL, U+2028 and other characters a claim may hold.
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if line.strip():
            yield [tsv_unescape(cell) for cell in line.split("\t")]


def tsv_is_quoted(text: str) -> bool:
    """Whether a tab-separated text is quoted as CSV is (Calc's and Excel's TSV) rather
    than written with escapes (claimtrack's, Miller's, PostgreSQL's). It is quoted when
    it parses as strict CSV with tabs and either its header's cells are quoted (Calc's
    "quote all text cells"; claimtrack's headings never are) or a quoted cell holds
    what only CSV quoting needs: a tab, a line break or a doubled quote. A cell that is
    merely wrapped in quotes, as a claim may be, says nothing: such a file is read with
    escapes, as claimtrack wrote it."""
    if '"' not in text:
        return False
    header = text.lstrip("\r\n").split("\n", 1)[0]
    if header.startswith('"'):
        return _strict_csv(text)
    for cell in _QUOTED_CELL.finditer(text):
        inside = cell.group(1)
        if '""' in inside or "\t" in inside or "\n" in inside or "\r" in inside:
            return _strict_csv(text)
    return False


# A cell in quotes as CSV writes one: from a row's start or a tab, to a tab or a row's
# end, doubled quotes inside (one pass over the text, no backtracking between cells).
_QUOTED_CELL = re.compile(r'(?:^|(?<=\t))"((?:[^"]|"")*)"(?=\t|\r?\n|\Z)', re.MULTILINE)


def _strict_csv(text: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter="\t", strict=True):
            pass
    except csv.Error:
        return False
    return True


# -- values a spreadsheet shows its own way -------------------------------------------------

_LEADING_ZEROS = re.compile(r"[+-]?0+\d*(\.\d+)?")
_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_ISO_DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
# A day as spreadsheets show one: 3/5/2024, 03/05/24, 5.3.2024, 2024/3/5.
_SHOWN_DAY = re.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})")
_BOOLEANS = {"true", "false"}


def same_cell(stored: str | None, cell: str | None) -> bool:
    """Whether ``cell`` is only a spreadsheet's rendering of ``stored`` (both cleaned
    text): the same number without its leading zeros or thousands commas (``0042`` and
    ``42``, ``1,200`` and ``1200``, ``2.50`` and ``2.5``), the same ISO day in a
    spreadsheet's date form (``2024-03-05`` and ``3/5/2024``, ``05/03/2024``,
    ``5.3.24``: month or day first, as the spreadsheet's locale writes it), or
    ``true``/``false`` in other capitals (``True`` and ``TRUE``). Only a whole cell
    counts: text with a number inside is compared as it is."""
    if stored is None or cell is None or stored == cell:
        return stored == cell
    if stored.lower() in _BOOLEANS:
        return stored.lower() == cell.lower()
    if _NUMBER.fullmatch(stored) and _NUMBER.fullmatch(cell):
        return _number(stored) == _number(cell) and (
            _LEADING_ZEROS.fullmatch(stored) is not None
            or "," in stored
            or "." in stored
            or stored.startswith("+")
        )
    day = _ISO_DAY.fullmatch(stored)
    if day is not None:
        return _iso_day(day) in _shown_days(cell)
    return False


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _iso_day(found: re.Match[str]) -> _dt.date | None:
    try:
        return _dt.date(*map(int, found.groups()))
    except ValueError:
        return None


def _shown_days(cell: str) -> set[_dt.date]:
    """Every day ``cell`` can be, read as spreadsheets write days (year first, month
    first or day first; a two-digit year in 1970-2069, as Calc and Excel read one)."""
    found = _SHOWN_DAY.fullmatch(cell)
    if found is None:
        return set()
    a, b, c = found.groups()
    if len(a) == 4:
        orders = [(a, b, c)]
    elif len(c) in (2, 4):
        orders = [(c, a, b), (c, b, a)]
    else:
        return set()
    days = set()
    for year, month, day in orders:
        number = int(year)
        if len(year) == 2:
            number += 2000 if number < 70 else 1900
        try:
            days.add(_dt.date(number, int(month), int(day)))
        except ValueError:
            continue
    return days


# -- times ----------------------------------------------------------------------------------


class UnreadableTime(ClaimtrackError):
    pass


def sheet_time(value: str, name: str) -> str:
    """An exported timestamp as a spreadsheet may have rewritten it, in the database's
    form (``model.now``: UTC, microseconds, ``Z``). ISO 8601 in any of its spellings
    (``T`` or a space; ``Z``, ``+00``, ``+01:00`` or no offset; with or without a
    fraction) is read by the standard library; another form by python-dateutil, when
    it names one moment (``2/26/2024 14:00:07``; ``03/05/2024 10:00`` could be two
    days and is refused). Without an offset the time is UTC, as claimtrack wrote it.
    Raises ``UnreadableTime``.

    A spreadsheet may show fewer digits than were written (Excel drops the fraction,
    some formats the seconds): the time returned is the last moment the shown one can
    stand for, so that the change that gave the claim this ``updated`` never looks
    later than the sheet."""
    text = value.strip()
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        moment = _parsed(text, name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    moment += _dt.timedelta(microseconds=_unshown(text))
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_CLOCK = re.compile(r"\d{1,2}:\d\d(?::\d\d(?:[.,](\d{1,6}))?)?")


def _unshown(text: str) -> int:
    """The microseconds a time written as ``text`` may have had and not shown."""
    clock = _CLOCK.search(text)
    if clock is None:
        return 24 * 3600 * 1_000_000 - 1  # a day alone: any time of it
    if clock.group().count(":") == 1:
        return 60 * 1_000_000 - 1
    fraction = clock.group(1) or ""
    return int(10 ** (6 - len(fraction))) - 1


def _parsed(text: str, name: str) -> _dt.datetime:
    from dateutil import parser

    # A fixed default: a part the text lacks is never taken from today.
    default = _dt.datetime(1, 1, 1)
    try:
        month_first: _dt.datetime = parser.parse(text, dayfirst=False, default=default)
        day_first: _dt.datetime = parser.parse(text, dayfirst=True, default=default)
        if month_first.year == 1:
            raise ValueError("no year")
    except (ValueError, OverflowError):
        raise UnreadableTime(
            f"{name} {text!r} is not a time",
            "keep the column as exported, or delete it to apply the sheet's edits as they are",
        ) from None
    if month_first != day_first:
        raise UnreadableTime(
            f"{name} {text!r} could be two days ({month_first:%d %B} or {day_first:%d %B})",
            "format the column as YYYY-MM-DD HH:MM:SS in the spreadsheet, or delete it",
        )
    return month_first
