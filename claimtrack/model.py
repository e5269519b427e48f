"""The domain model: claims, sources, links and events as typed JSON records.

Records are plain dicts (TypedDicts) because they go to and from the JSON file and
every output format unchanged; a class per record would only add copying.
"""

from __future__ import annotations

import datetime as _dt
import re
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
    sha256: str  # of the response body: names the files <sha256>.warc.gz and <sha256>.txt
    text_sha256: str  # of the page's main text, normalised: what ``verify`` compares
    wayback: str | None  # the Internet Archive's public copy, when one was asked for


class Verification(TypedDict):
    """What the last ``claimtrack verify`` found, and since when (a result is recorded
    when it differs from the one before, so a daily run changes nothing on a quiet day)."""

    result: VerifyResult
    since: str  # when verify first found this result (UTC)
    status: int | None  # the HTTP status it got, None when nothing answered


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


def now() -> str:
    """UTC timestamp with microseconds: sortable as text, precise enough to order edits."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def later(stamp: str) -> str:
    """The microsecond after ``stamp`` (format of ``now``): keeps one command's events in
    order even when the clock does not move between them."""
    moment = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (moment + _dt.timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean_text(value: str, field: str, *, limit: int = MAX_TEXT) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(f"{field} is empty")
    if len(text) > limit:
        raise ValidationError(f"{field} is {len(text):,} characters long; the limit is {limit:,}")
    return text


def clean_optional(value: str | None, field: str, *, limit: int = MAX_SHORT) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValidationError(f"{field} is {len(text):,} characters long; the limit is {limit:,}")
    return text


_TAG_BREAKS = re.compile(r"[\s,]")


def clean_tag(tag: str) -> str:
    text = tag.strip().lower()
    if not text or _TAG_BREAKS.search(text):
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


def check_date(value: str | None, field: str = "date") -> str | None:
    """Accept an ISO date or date-time; store it as the user wrote it once validated."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{field} {value!r} is not a date", "use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    return text


def fold(name: str) -> str:
    """A name as lookups compare it: case and runs of spaces ignored."""
    return " ".join(name.casefold().split())
