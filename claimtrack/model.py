"""The domain model: claims, sources, links and events as typed JSON records.

Records are plain dicts (TypedDicts) because they go to and from the JSON file and
every output format unchanged; a class per record would only add copying.
"""

# No ``from __future__ import annotations`` here: a TypedDict made from string
# annotations compiles each of them when the class is made, which cost every
# command some milliseconds of start-up (docs/performance.md).

import datetime as _dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict, TypeVar, get_args

from claimtrack.errors import ValidationError

SCHEMA_VERSION = 1

# The closed sets, each declared once as a type; the tuple of its values (in this order:
# help texts, hints and stats list them so) is derived from it.
Status = Literal[
    "unverified",
    "checking",
    "verified",
    "disputed",
    "false",
    "unverifiable",
    "retracted",
]
STATUSES: tuple[Status, ...] = get_args(Status)
DEFAULT_STATUS: Status = "unverified"
# Statuses that are no verdict: the claim is being worked. Every other status is a
# verdict, which a rating words.
WORKING_STATUSES: tuple[Status, ...] = ("unverified", "checking")


def has_verdict(claim: Mapping[str, Any]) -> bool:
    """Whether the claim's status is a verdict (not ``WORKING_STATUSES``)."""
    return claim.get("status") not in WORKING_STATUSES


Relation = Literal["said-by", "reported-by", "supports", "disputes"]
RELATIONS: tuple[Relation, ...] = get_args(Relation)
# Relations that are evidence for or against a claim (not its attribution chain).
EVIDENCE_RELATIONS: frozenset[Relation] = frozenset({"supports", "disputes"})

SourceKind = Literal[
    "person",
    "organisation",
    "publication",
    "document",
    "dataset",
    "unknown",
]
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)

# Large enough for a whole article pasted as a quote, small enough that a mistaken
# `add - < video.mp4` fails loudly instead of bloating the database.
MAX_TEXT = 1_000_000
MAX_SHORT = 10_000
# The largest number a record may hold (a quantity, a link's position): beyond it a
# float no longer keeps every whole number exactly and an integer may not fit the
# 64 bits JSON readers (orjson among them) keep, so what went in would not come out.
MAX_NUMBER = 10**18


def number_fits(value: object) -> bool:
    """Whether ``value`` is a number a record may hold: an int or a finite float (not a
    bool) no further from zero than ``MAX_NUMBER``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return -MAX_NUMBER <= value <= MAX_NUMBER


class Quantity(TypedDict, total=False):
    text: str
    value: float | None
    low: float | None
    high: float | None
    qualifier: str | None
    counted: str | None


class Note(TypedDict):
    at: str
    author: str
    text: str


class Review(TypedDict, total=False):
    """The published fact-check behind a claim's verdict (schema.org ``ClaimReview``;
    Google's Fact Check structured data requires its ``url``): ``url`` is the page
    (``status ... --review-url``, or the review an import read). ``by`` and ``date``
    are set only for another desk's verdict read from its ClaimReview: the reviewing
    organisation's name and the review's ``datePublished``; without ``by`` the verdict
    is this desk's own."""

    url: str
    by: str
    date: str


REVIEW_KEYS = ("url", "by", "date")


class Claim(TypedDict):
    id: str
    text: str
    quote: str | None
    story: str | None
    tags: list[str]
    quantities: list[Quantity]
    status: Status
    rating: str | None
    notes: list[Note]
    created: str
    updated: str
    author: str
    # Absent until a review is recorded (older files have none; no migration needed).
    review: NotRequired[Review]
    # The IDs of the claims merged into this one (``claimtrack merge``), which still find
    # it; absent (or null, once a merge is undone) when there are none.
    merged: NotRequired[list[str] | None]


class Source(TypedDict):
    id: str
    name: str
    kind: SourceKind
    role: str | None
    url: str | None
    aliases: list[str]
    notes: str | None
    confidential: bool
    reason: str | None
    approved_by: str | None
    created: str
    updated: str
    author: str
    # The IDs of the sources merged into this one (``claimtrack source merge``), as for
    # a claim.
    merged: NotRequired[list[str] | None]


# What ``verify`` found when it fetched an archived link's page again (``claimtrack.evidence``).
VerifyResult = Literal["unchanged", "changed", "quote-missing", "gone", "unreachable"]
VERIFY_RESULTS: tuple[VerifyResult, ...] = get_args(VerifyResult)


class Archive(TypedDict):
    """A link's snapshot (``claimtrack archive``): the page as fetched, kept in the
    evidence folder beside the database under its SHA-256."""

    at: str  # when it was fetched (UTC, ``now``'s format)
    requested: str  # the link's URL when it was fetched
    url: str  # the final URL, after redirects
    status: int  # the HTTP status of the final response
    sha256: str  # of the addresses and the body: names <sha256>.warc.gz and <sha256>.txt
    text_sha256: str  # of the page's main text, normalised: what ``verify`` compares
    wayback: str | None  # the Internet Archive's public copy, when one was asked for


class Verification(TypedDict):
    """What the last ``claimtrack verify`` found, and since when (a result is recorded
    when it differs from the one before, so a daily run changes nothing on a quiet day)."""

    result: VerifyResult
    since: str  # when verify first found this result (UTC)
    status: int | None  # the HTTP status it got, None when nothing answered
    # When verify last looked, whatever it found (UTC); absent in older files.
    checked: NotRequired[str]
    # Figures on the snapshot that are no longer on the page ("13%"), for a result
    # "changed": check's page-changed rule reads them. Absent when none.
    numbers_gone: NotRequired[list[str]]


class Link(TypedDict):
    id: str
    claim: str
    source: str
    relation: Relation
    position: int
    url: str | None
    quote: str | None
    date: str | None
    note: str | None
    created: str
    author: str
    # Absent or None until the link is archived or verified (claimtrack.evidence).
    archive: NotRequired[Archive | None]
    verify: NotRequired[Verification | None]


class Event(TypedDict):
    id: str
    at: str
    actor: str
    change: str
    action: str
    kind: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # The hashes of the event(s) before it in the history's chain (``integrity.chain``);
    # absent in events older than the chain.
    prev: NotRequired[list[str]]


def utc_now() -> _dt.datetime:
    """The one clock claimtrack reads: the current moment, timezone-aware, in UTC.

    Every timestamp a command stores (``now``) and every date typed in words
    ("yesterday", resolved in ``cli/dates.py``) comes from here, so a test freezes the
    whole program's idea of today by replacing this one function (``tests/clock.py``)."""
    return _dt.datetime.now(_dt.UTC)


def now() -> str:
    """UTC timestamp with microseconds: sortable as text, precise enough to order edits."""
    return utc_now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def later(stamp: str) -> str:
    """The microsecond after ``stamp`` (format of ``now``): keeps one command's events in
    order even when the clock does not move between them."""
    moment = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (moment + _dt.timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def nfc(text: str) -> str:
    """``text`` in Unicode normalisation form C: "Petrović" typed composed or decomposed
    (as macOS file names and some keyboards give it) is stored as the same characters.
    Every cleaner below stores text so.

    Bytes that were not text in the locale's encoding (an argument typed in UTF-8 under
    ``LC_ALL=C``; Python keeps them as lone surrogates, which no file can hold) are read
    as UTF-8 where they are that, else as U+FFFD."""
    if text.isascii():
        return text
    if re.search(_SURROGATE, text):
        # Escaped bytes (U+DC80-U+DCFF) back to bytes; any other surrogate, which no
        # decoder made, is replaced.
        text = re.sub(_SURROGATE, _unescape, text)
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return unicodedata.normalize("NFC", text)


_SURROGATE = "[\ud800-\udfff]"  # compiled by ``re`` when first needed, as the dates' below


def _unescape(match: re.Match[str]) -> str:
    return match.group() if "\udc80" <= match.group() <= "\udcff" else "\ufffd"


def clean_text(value: str, field: str, *, limit: int = MAX_TEXT) -> str:
    """``value`` stripped and in NFC. Raises ``ValidationError`` when it is empty or
    longer than ``limit`` characters."""
    text = nfc(value).strip()
    if not text:
        raise ValidationError(f"{field} is empty")
    if len(text) > limit:
        raise ValidationError(f"{field} is {len(text):,} characters long; the limit is {limit:,}")
    return text


def clean_optional(value: str | None, field: str, *, limit: int = MAX_SHORT) -> str | None:
    if value is None:
        return None
    text = nfc(value).strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValidationError(f"{field} is {len(text):,} characters long; the limit is {limit:,}")
    return text


_TAG_BREAKS = r"[\s,]"


def clean_tag(tag: str) -> str:
    text = nfc(tag).strip().lower()
    if not text or re.search(_TAG_BREAKS, text):
        raise ValidationError(f"invalid tag {tag!r}", "tags are single words such as 'serbia'")
    return clean_text(text, "tag", limit=200)


_Choice = TypeVar("_Choice", bound=str)


def one_of(value: str, choices: tuple[_Choice, ...]) -> _Choice | None:
    """The member of a closed set that ``value`` names, typed as that set; else None."""
    for choice in choices:
        if choice == value:
            return choice
    return None


def check_status(status: str) -> Status:
    value = one_of(status.strip().lower(), STATUSES)
    if value is None:
        raise ValidationError(f"unknown status {status!r}", "choose one of: " + ", ".join(STATUSES))
    return value


def check_relation(relation: str) -> Relation:
    value = one_of(relation.strip().lower(), RELATIONS)
    if value is None:
        raise ValidationError(
            f"unknown relation {relation!r}", "choose one of: " + ", ".join(RELATIONS)
        )
    return value


def check_review_url(value: str, field: str = "review URL") -> str:
    """An absolute http(s) URL, as ClaimReview's ``url`` must be (Google's Fact Check
    structured data: "the URL of the page hosting the fact check"). Raises
    ``ValidationError`` otherwise."""
    text = value.strip()
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or any(c.isspace() for c in text):
        raise ValidationError(
            f"{field} {value!r} is not a web address",
            "give the published fact-check's page, e.g. https://desk.example/checks/123",
        )
    if len(text) > MAX_SHORT:
        raise ValidationError(f"{field} is longer than {MAX_SHORT} characters")
    return text


def check_review(value: object, field: str = "review") -> Review | None:
    """A stored or imported ``review`` (``Review``): an object with a ``url`` and, for
    another desk's verdict, ``by`` and ``date``, all text; None for none. Raises
    ``ValidationError`` for anything else."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(REVIEW_KEYS):
        raise ValidationError(f"{field} is not an object with {', '.join(REVIEW_KEYS)}")
    for key in REVIEW_KEYS:
        if value.get(key) is not None and not isinstance(value.get(key), str):
            raise ValidationError(f"{field} {key} is not text")
    review: Review = {}
    if value.get("url"):
        review["url"] = check_review_url(value["url"], f"{field} url")
    if value.get("by"):
        review["by"] = clean_text(value["by"], f"{field} by", limit=MAX_SHORT)
    date = check_date(value.get("date"), f"{field} date")
    if date:
        review["date"] = date
    return review or None


def check_kind(kind: str) -> SourceKind:
    wanted = kind.strip().lower()
    if wanted == "organization":
        wanted = "organisation"
    value = one_of(wanted, SOURCE_KINDS)
    if value is None:
        raise ValidationError(
            f"unknown source kind {kind!r}", "choose one of: " + ", ".join(SOURCE_KINDS)
        )
    return value


# What every date option and field accepts, for help texts and errors.
DATE_FORMS = (
    "YYYY-MM-DD (2024-06-05), also 20240605, 2024/06/05, 5 June 2024, June 5, 2024 "
    "and 13/06/2024 where day and month cannot be confused; a moment as "
    "YYYY-MM-DDTHH:MM[:SS] with an offset or Z"
)
# Where a date may be partial (a link's date, a filter): a month or a year alone.
PARTIAL_DATE_FORMS = "a month as YYYY-MM or May 2024, a year as YYYY"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# The date forms' patterns, compiled by ``re`` (and kept in its cache) when a date is
# first read, not when this module is imported: most commands read none.
_YEAR_FIRST = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_YEAR_LAST = r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"
_DAY_MONTH = r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})"
_MONTH_DAY = r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
_YEAR_MONTH = r"(\d{4})[-/.](\d{1,2})"
_MONTH_YEAR_NUMBERS = r"(\d{1,2})[-/.](\d{4})"
_MONTH_YEAR = r"([a-z]+)\.?,?\s+(\d{4})"
_YEAR = r"\d{4}"


class AmbiguousDate(ValidationError):
    """A date that reads as two days ("05/06/2024": 5 June or 6 May)."""


def check_date(value: str | None, field: str = "date", *, partial: bool = False) -> str | None:
    """A date as ISO 8601: ``YYYY-MM-DD``, or a moment ``YYYY-MM-DDTHH:MM:SS`` (with its
    offset, ``Z`` for UTC, when one was given); None for nothing. A form that can mean
    one day only is normalised (``DATE_FORMS``): "20240605", "2024/6/5", "5 June 2024"
    and "June 5, 2024" are all "2024-06-05". With ``partial`` (where a date may name a
    month or a year: a link's date, a filter's bound), "May 2024", "2024-5" and
    "05/2024" are "2024-05" and "2024" is "2024": never a guessed day. Without it, a
    month or a year alone is refused with a message that says a day is needed.
    Raises ``AmbiguousDate`` for "05/06/2024" (day and month both 12 or less, and
    different) and ``ValidationError`` for anything else. Words such as "yesterday"
    are the command line's to resolve, when typed."""
    if value is None or not value.strip():
        return None
    text = " ".join(value.strip().split())
    day = _day(text.lower(), value, field)
    if day is not None:
        return day.isoformat()
    month = _month(text.lower(), value, field)
    if month is not None:
        if not partial:
            raise ValidationError(
                f"{field} {value!r} is a month or a year, not a day",
                "give the day, as " + DATE_FORMS.partition(",")[0],
            )
        return month
    if "T" in text or " " in text or ":" in text:
        try:
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return moment.isoformat().replace("+00:00", "Z")
    forms = DATE_FORMS + ("; " + PARTIAL_DATE_FORMS if partial else "")
    raise ValidationError(f"{field} {value!r} is not a date", "use " + forms)


def _month(text: str, value: str, field: str) -> str | None:
    """The month ("2024-05") or year ("2024") ``text`` names alone, else None."""
    if re.fullmatch(_YEAR, text):
        year, month = int(text), None
    elif found := re.fullmatch(_YEAR_MONTH, text):
        year, month = int(found[1]), int(found[2])
    elif found := re.fullmatch(_MONTH_YEAR_NUMBERS, text):
        month, year = int(found[1]), int(found[2])
    elif (found := re.fullmatch(_MONTH_YEAR, text)) and found[1] in _MONTHS:
        month, year = _MONTHS[found[1]], int(found[2])
    else:
        return None
    if not 1 <= year <= 9999 or (month is not None and not 1 <= month <= 12):
        raise ValidationError(f"{field} {value!r} is not a date", "use " + DATE_FORMS)
    return f"{year:04d}" if month is None else f"{year:04d}-{month:02d}"


def _day(text: str, value: str, field: str) -> _dt.date | None:
    """The one day ``text`` names in a form ``check_date`` normalises, else None."""
    try:
        if re.fullmatch(r"\d{8}", text):
            return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if found := re.fullmatch(_YEAR_FIRST, text):
            return _dt.date(*map(int, found.groups()))
        if found := re.fullmatch(_YEAR_LAST, text):
            first, second, year = map(int, found.groups())
            if first <= 12 and second <= 12 and first != second:
                raise AmbiguousDate(
                    f"{field} {value!r} is ambiguous: day {first} of month {second}, or "
                    f"day {second} of month {first}?",
                    f"write it as {year}-{second:02d}-{first:02d} "
                    f"or {year}-{first:02d}-{second:02d}",
                )
            day, month = (first, second) if first > 12 or second <= 12 else (second, first)
            return _dt.date(year, month, day)
        if found := re.fullmatch(_DAY_MONTH, text):
            day_text, month_name, year_text = found.groups()
        elif found := re.fullmatch(_MONTH_DAY, text):
            month_name, day_text, year_text = found.groups()
        else:
            return None
        if month_name not in _MONTHS:
            return None
        return _dt.date(int(year_text), _MONTHS[month_name], int(day_text))
    except ValueError:
        raise ValidationError(f"{field} {value!r} is not a date", "use " + DATE_FORMS) from None


def local_time(stamp: str, *, seconds: bool = True) -> str:
    """A stored UTC timestamp (``now``'s format) as the user's local time with its zone:
    "2024-06-05 16:30:12 PDT" under ``TZ=America/Los_Angeles``, "... UTC" where the
    clock is UTC. A stamp that is not one is returned as it is."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    try:
        local = moment.astimezone()
    except (OverflowError, ValueError):
        # A moment whose local time is beyond the calendar (the last hours of 9999 east
        # of UTC, the first of year 1 west of it): shown in UTC, as it is stored.
        local = moment.astimezone(_dt.UTC)
    # isoformat, not strftime, which writes year 1 as "1" on glibc.
    shown = local.replace(tzinfo=None).isoformat(" ", "seconds" if seconds else "minutes")
    return f"{shown} {local.tzname() or local.strftime('%z')}"


def day_bound(value: str | None, field: str, *, end: bool) -> str | None:
    """The first (or, with ``end``, last) microsecond of a calendar day in the user's
    time zone, as a UTC stamp comparable with stored ones (``now``'s format): "--until
    2024-06-05" under ``TZ=America/Los_Angeles`` ends at 2024-06-06T06:59:59.999999Z.
    A month or a year (``check_date``'s ``partial``) is all of it: "--since 2024-05"
    starts on 1 May, "--until 2024-05" ends on 31 May. A moment without an offset is
    local time too. A bound beyond the calendar's ends (year 1, year 9999, in a zone
    where it crosses them) is the calendar's end. Raises ``ValidationError`` as
    ``check_date`` does."""
    text = check_date(value, field, partial=True)
    if text is None:
        return None
    if len(text) <= 10:
        first, last = _days_of(text)
        moment = _dt.datetime.combine(last if end else first, _dt.time.max if end else _dt.time.min)
    else:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    try:
        if moment.tzinfo is None:
            moment = moment.astimezone()  # local time, as the user's clock shows it
        moment = moment.astimezone(_dt.UTC)
    except (OverflowError, ValueError):
        # Local midnight of 1 January of year 1 east of UTC is in year 0 in UTC, and
        # the end of 9999 west of it in year 10000: neither exists, the bound is open.
        moment = _dt.datetime.max if end else _dt.datetime.min
    # isoformat, not strftime: strftime writes year 1 as "1" on glibc, which would sort
    # after "2024" in the stored stamps' string order.
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _days_of(text: str) -> tuple[_dt.date, _dt.date]:
    """The first and last day of a day, a month ("2024-05") or a year ("2024")."""
    if len(text) == 10:
        day = _dt.date.fromisoformat(text)
        return day, day
    year = int(text[:4])
    if len(text) == 4:
        return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    month = int(text[5:7])
    first = _dt.date(year, month, 1)
    following = _dt.date(year + 1, 1, 1) if month == 12 else _dt.date(year, month + 1, 1)
    return first, following - _dt.timedelta(days=1)


# Letters that carry their mark inside them (no decomposition), as people type them
# without it: "Đoković" is found as "Dokovic", "Łódź" as "Lodz", Turkish dotless i as i.
_BARE_LETTERS = str.maketrans(
    {"\u0111": "d", "\u0127": "h", "\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u0167": "t"}
)


def _diacritic(char: str) -> bool:
    """Whether ``char`` is a combining accent of the Latin, Greek and Cyrillic scripts
    (the Combining Diacritical Marks blocks). Other scripts' combining marks, such as
    Devanagari's vowel signs, are letters of the word and stay."""
    code = ord(char)
    return (
        0x0300 <= code <= 0x036F
        or 0x1AB0 <= code <= 0x1AFF
        or 0x1DC0 <= code <= 0x1DFF
        or 0x20D0 <= code <= 0x20FF
        or 0xFE20 <= code <= 0xFE2F
    )


def fold(text: str) -> str:
    """``text`` as every lookup and search compares it: Unicode compatibility forms
    (NFKC: "ﬁ", full-width letters), case as Unicode folds it (``casefold``: "ß" is
    "ss", final sigma is sigma; Turkish dotted "İ" is "i"), Latin, Greek and Cyrillic
    accents and runs of white space ignored: "PETROVIĆ", "petrovic" and "Petrović"
    fold alike. One rule for source names and aliases, ``--search``, ``--tag`` and
    ``--story``, in the store's index (SQLite's FTS5 ``unicode61`` tokenizer, which
    Datasette uses on the SQLite export, ignores accents too)."""
    if text.isascii():
        return " ".join(text.casefold().split())
    text = nfc(text)
    # NFKC_Casefold in effect (Unicode's recommendation, UAX #31): normalise, fold,
    # decompose again (folding can produce decomposable characters), drop the accents.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = "".join(c for c in folded if not _diacritic(c))
    folded = unicodedata.normalize("NFC", folded).translate(_BARE_LETTERS)
    return " ".join(folded.split())


# -- quantities as people read them ------------------------------------------------

# Numbers written as words, once for the extractor's pattern (``claimtrack.extract``,
# which values them with ``text2num``) and for ``add``'s quick look for a quantity.
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million|billion"
)
# Words that make an amount without a number word of their own: "dozens", "a third",
# "half a dozen", "tens of thousands" (whose "thousands" ``NUMBER_WORDS`` misses).
AMOUNT_WORDS = "hundreds|thousands|millions|billions|dozens?|third|quarter|half"


def describe_quantity(quantity: Mapping[str, Any]) -> str:
    """A quantity in one line a person reads: the words as written, the value as people
    write numbers (``plain_number``), a range with both ends, the qualifier and what is
    counted: "at least a dozen = 12 (at least) of entry bans", "tens of thousands =
    10,000 to 99,999 (approximately) of Russians", "$60 billion = 60,000,000,000"."""
    parts = [str(quantity.get("text", ""))]
    value = quantity.get("value")
    low, high = quantity.get("low"), quantity.get("high")
    if value is not None:
        parts.append(f"= {plain_number(value)}")
    elif low is not None and high is not None:
        parts.append(f"= {plain_number(low)} to {plain_number(high)}")
    elif low is not None:
        parts.append(f"= {plain_number(low)} or more")
    elif high is not None:
        parts.append(f"= up to {plain_number(high)}")
    if quantity.get("qualifier"):
        parts.append(f"({quantity['qualifier']})")
    if quantity.get("counted"):
        parts.append(f"of {quantity['counted']}")
    return " ".join(parts)


def plain_number(value: Any) -> str:
    """A number as people write it, never in scientific notation: thousands separated
    by commas (60,000,000,000; 4,200,000), fractions to at most four decimals (0.3333,
    2.5). A value that is not a number is returned as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            value = int(value)
        else:
            return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:,}"
