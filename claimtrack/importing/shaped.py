"""Records of an export already in the database's shape, told apart without building them.

``claim_record``, ``link_record`` and ``event_record`` (``incoming``) check every field
of a record from another file and build the record the database stores, field by field:
the largest part of importing a large export (an export of 100,000 claims holds a
million records). An export written by ``export`` holds records that are already in
that shape: checking them leaves each field as it was. The tests here say, without
building anything, that a record is such a one: every key the checks keep and no
other, every ID already in lower case, every text already stripped and in NFC and
within its limit, every timestamp in the stored form, nothing withheld. For such a
record the checks would give a record equal to it, field by field the very same
values, so its stored line is the record written as it is (``pack``).

A test says no to anything it is unsure of; that record takes the full checks, which
give the same line, the same warning or the same error as before. The tests are held
to the full checks by ``tests/test_import_shaped.py``.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from claimtrack.confidential import WITHHELD
from claimtrack.model import MAX_NUMBER, MAX_SHORT, MAX_TEXT, RELATIONS, STATUSES
from claimtrack.records import MAX_STORY

# What ``incoming._id`` keeps as it is: an ID already in lower case.
_ID = re.compile(r"[0-9a-z_-]{1,64}").fullmatch
# ``incoming._STAMP``, in ASCII digits.
_STAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z"
).fullmatch
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch
# A story slug in ASCII: no character that ``str.isspace`` calls a space.
_SLUG = re.compile(rf"[\x00-\x08\x0e-\x1b\x21-\x7f]{{1,{MAX_STORY}}}").fullmatch
# A tag in ASCII as ``model.clean_tag`` leaves it: no space, no comma, no capital.
_TAG = re.compile(r"[\x00-\x08\x0e-\x1b\x21-\x2b\x2d-\x40\x5b-\x7f]{1,200}").fullmatch
_SURROGATE = re.compile("[\ud800-\udfff]").search
_RELATIONS = frozenset(RELATIONS)
_STATUSES = frozenset(STATUSES)

_CLAIM_KEYS = frozenset(
    "author created id notes quantities quote rating status story tags text updated".split()
)
_NOTE_KEYS = frozenset(("at", "author", "text"))
_LINK_KEYS = frozenset(
    "author claim created date id note position quote relation source url".split()
)
_EVENT_KEYS = frozenset(
    ("action", "actor", "after", "at", "before", "change", "id", "kind", "target")
)


def _text(value: Any, limit: int) -> bool:
    """``value`` is text that ``incoming.text_field`` keeps as it is: not empty, no
    space to strip at either end, in NFC, at most ``limit`` characters."""
    if type(value) is not str or not value or len(value) > limit:
        return False
    if value.strip() != value:
        return False
    if value.isascii():
        return True
    return unicodedata.is_normalized("NFC", value) and not _SURROGATE(value)


def _one_of(value: Any, choices: frozenset[str]) -> bool:
    return type(value) is str and value in choices


def _optional(value: Any, limit: int) -> bool:
    return value is None or _text(value, limit)


def _number(value: Any) -> bool:
    return value is None or (type(value) in (int, float) and -MAX_NUMBER <= value <= MAX_NUMBER)


def _quantities(value: Any) -> bool:
    if type(value) is not list:
        return False
    return all(
        type(q) is dict
        and _number(q.get("value"))
        and _number(q.get("low"))
        and _number(q.get("high"))
        for q in value
    )


def _tags(value: Any) -> bool:
    if type(value) is not list:
        return False
    if not all(type(tag) is str and _TAG(tag) for tag in value):
        return False
    return len(value) < 2 or len(set(value)) == len(value)


def _notes(value: Any) -> bool:
    if type(value) is not list:
        return False
    for note in value:
        if type(note) is not dict or note.keys() != _NOTE_KEYS:
            return False
        at = note["at"]
        if not (
            type(at) is str
            and _STAMP(at)
            and _text(note["author"], MAX_SHORT)
            and _text(note["text"], MAX_TEXT)
        ):
            return False
    return True


def claim(record: dict[str, Any]) -> bool:
    """``claim_record(record)`` would equal ``record``, value for value."""
    if record.keys() != _CLAIM_KEYS:
        return False
    record_id, created, updated = record["id"], record["created"], record["updated"]
    story = record["story"]
    return bool(
        type(record_id) is str
        and _ID(record_id)
        and type(created) is str
        and _STAMP(created)
        and type(updated) is str
        and _STAMP(updated)
        and _text(record["text"], MAX_TEXT)
        and _optional(record["quote"], MAX_TEXT)
        and (story is None or (type(story) is str and _SLUG(story)))
        and _one_of(record["status"], _STATUSES)
        and _optional(record["rating"], MAX_SHORT)
        and _text(record["author"], MAX_SHORT)
        and _tags(record["tags"])
        and _quantities(record["quantities"])
        and _notes(record["notes"])
    )


def link(record: dict[str, Any]) -> bool:
    """``link_record(record)`` would equal ``record``, value for value, and nothing in
    it is withheld (``confidential.known_link`` keeps it as it is)."""
    if record.keys() != _LINK_KEYS:
        return False
    record_id, claim_id, source_id = record["id"], record["claim"], record["source"]
    position, created, day = record["position"], record["created"], record["date"]
    return bool(
        type(record_id) is str
        and _ID(record_id)
        and type(claim_id) is str
        and _ID(claim_id)
        and type(source_id) is str
        and _ID(source_id)
        and _one_of(record["relation"], _RELATIONS)
        and type(position) is int
        and -MAX_NUMBER <= position <= MAX_NUMBER
        and type(created) is str
        and _STAMP(created)
        and (day is None or (type(day) is str and _day(day)))
        and _optional(record["url"], MAX_SHORT)
        and _optional(record["quote"], MAX_TEXT)
        and _optional(record["note"], MAX_TEXT)
        and _text(record["author"], MAX_SHORT)
        and WITHHELD not in (record["url"], record["quote"], record["note"])
    )


def _day(value: str) -> bool:
    if not _DAY(value):
        return False
    try:
        return _dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def event(record: dict[str, Any]) -> bool:
    """``event_record(record)`` would equal ``record``, value for value: nothing
    withheld in its states (``confidential.known_state`` keeps them as they are)."""
    if record.keys() != _EVENT_KEYS:
        return False
    record_id, actor, change = record["id"], record["actor"], record["change"]
    before, after = record["before"], record["after"]
    return bool(
        type(record_id) is str
        and _ID(record_id)
        and type(actor) is str
        and actor
        and type(change) is str
        and change
        and type(record["at"]) is str
        and type(record["action"]) is str
        and type(record["kind"]) is str
        and type(record["target"]) is str
        and _state(before)
        and _state(after)
    )


def _state(value: Any) -> bool:
    return value is None or (type(value) is dict and WITHHELD not in value.values())


class _Event(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An event's fields as ``event`` takes them (its states are looked at apart)."""

    action: str
    actor: Annotated[str, msgspec.Meta(min_length=1)]
    after: Any
    at: str
    before: Any
    change: Annotated[str, msgspec.Meta(min_length=1)]
    id: Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-z_-]{1,64}\Z")]
    kind: str
    target: str


_EVENTS = list[_Event]


def events(records: list[Any]) -> bool:
    """Every one of a run of records passes ``event``: the same test, faster for a
    whole run, msgspec checking each event's fields in C (docs/performance.md)."""
    try:
        msgspec.convert(records, _EVENTS)
    except msgspec.ValidationError:
        return False
    return all(_state(record["before"]) and _state(record["after"]) for record in records)


# A whole run of a table's records in shape: ``_take`` packs them all as they are.
RUNS: dict[str, Callable[[list[Any]], bool]] = {"events": events}


# Table -> its test; sources (a thousandth of the records) always take the full checks.
SHAPED: dict[str, Callable[[dict[str, Any]], bool]] = {
    "claims": claim,
    "links": link,
    "events": event,
}
