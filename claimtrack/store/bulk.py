"""The rows of every record of a file, for a new index (``build.build_anew``).

A whole new index reads every record: at 10,000 claims about 100,000 of them, two
thirds history events, which hold most of the file's bytes in their ``before`` and
``after`` states. ``Index.fill`` takes records as dicts, each a tree of Python objects,
checked (``fileformat.shape_problem``) and read field by field (``rows``). Here each
table's lines are decoded by msgspec into classes holding only the fields a row or a
check reads, of the types ``shape_problem`` asks for: the rest of each record is
checked as JSON and skipped, never made into objects, and a field of the wrong type
stops the decode. Each record is then made into its rows in one loop per table, with
the one definition of a claim's row and terms (``rows``, ``terms``); the rows are the
ones ``Index.fill`` makes of the same records (``tests/test_store_build.py`` holds the
two to each other; docs/performance.md has what this saves).

What msgspec skips it checks less strictly than orjson, which every command reads
records with: a skipped string is not checked to be UTF-8, and a skipped number too
large for a float is not refused. So a batch that is not ASCII is decoded as UTF-8
first, and one that may hold such a number (an exponent of three digits or more) is
parsed by orjson first: the index never vouches for a record a command could not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from claimtrack.store.fileformat import (
    IN_TEXT,
    check_claim_numbers,
    check_link_numbers,
    twenty_digit_number,
)
from claimtrack.store.heads import Light, Tally, event_hash, tallied_heads
from claimtrack.store.layout import NotOurLayout
from claimtrack.store.rows import claim_row, event_row, insert_sources, insert_words, scalar
from claimtrack.store.terms import claim_terms

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from claimtrack.store.layout import Layout, Scan

Noted = list[tuple[str, str, str]]
_NULL = msgspec.Raw(b"null")


# ``gc=False``: decoded JSON holds no cycles, so the garbage collector need not track
# the records a build decodes (100,000 at 10,000 claims).
class _Claim(msgspec.Struct, gc=False):
    """What a claim's row, terms and checks read (``rows.claim_row``,
    ``terms.claim_terms``, ``fileformat``); absent and null alike, as ``dict.get``."""

    id: str
    text: str
    created: Any = None
    updated: Any = None
    status: Any = None
    story: Any = None
    quote: Any = None
    tags: Any = None
    quantities: Any = None
    merged: list[str] | None = None


class _Link(msgspec.Struct, gc=False):
    id: str
    claim: str
    source: str
    relation: str
    position: Any = 0
    merged: list[str] | None = None


class _State(msgspec.Struct, gc=False):
    """What ``log`` withholds by in an event's state (``rows.event_row``): the source a
    link's cites, whether a source's is confidential; UNSET where it has no such field.
    Its other fields are checked as JSON and skipped."""

    source: Any = msgspec.UNSET
    confidential: Any = msgspec.UNSET


class _Event(msgspec.Struct, gc=False):
    """An event's text fields, and its states: each an object or null, as
    ``fileformat.shape_problem`` asks, read only for what ``_State`` holds."""

    id: str
    kind: str
    target: str
    at: str
    actor: str
    change: str
    action: str
    before: _State | None = None
    after: _State | None = None
    merged: list[str] | None = None
    prev: Any = ...  # none: ``...`` (``heads.Light``)


class _Linked(msgspec.Struct):
    """What the history's hash chain reads of an event for its heads
    (``integrity.chain.tally``); ``prev`` is ``...`` where the event has none."""

    id: str
    at: str
    kind: str
    action: str
    prev: Any = ...
    after: msgspec.Raw = _NULL


# Digits to "0", the exponent's letter to "e", a sign to "+", the rest to spaces: a
# number with an exponent of three digits or more (the least that overflows a float,
# as twenty digits or more are refused, as ``fileformat.has_twenty_digits`` does) then
# holds "0e000" or "0e+000". So do IDs and words with such a run of digits ("x3e100"),
# told apart by what comes before the digits: a JSON number never follows a letter or
# a quote (``fileformat.IN_TEXT``).
_NUMBERS = bytes(
    48 if 48 <= b <= 57 else 101 if b in b"eE" else 43 if b in b"+-" else 32 for b in range(256)
)


def _may_overflow(data: bytes, translated: bytes) -> bool:
    """Whether ``data`` (``translated`` by ``_NUMBERS``) may hold a number too large for
    a float, which orjson refuses and msgspec skips."""
    for pattern in (b"0e000", b"0e+000"):
        found = translated.find(pattern)
        while found >= 0:
            start = found
            while start > 0 and translated[start - 1] == 48:
                start -= 1
            if start == 0 or data[start - 1] not in IN_TEXT:
                return True
            found = translated.find(pattern, found + 1)
    return False


class _Identified(msgspec.Struct, gc=False):
    id: Any = None


_decode_id = msgspec.json.Decoder(_Identified).decode


def identified(
    records: Mapping[str, bytes], keys: Iterable[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(key, {"id": its record's ID})`` for records given as the lines orjson wrote
    (an import's, ``Snapshot.add_serialised``): what ``Index.fill`` reads of a table
    whose rows wait (``Index.pending``), to note a misfiled one. msgspec reads the ID
    and skips the rest without making it into objects."""
    for key in keys:
        yield key, {"id": _decode_id(records[key]).id}


def _decoder(kind: type[msgspec.Struct]) -> Callable[[bytes], dict[str, Any]]:
    decoder = msgspec.json.Decoder(dict[str, kind])  # type: ignore[valid-type]

    def decode(data: bytes) -> dict[str, Any]:
        try:
            if not data.isascii():
                data.decode()  # UTF-8 throughout, skipped strings too
            translated = data.translate(_NUMBERS)
            if twenty_digit_number(data, translated):
                # orjson and msgspec would read an integer wider than 64 bits as a
                # float or exactly; the whole-file parse refuses it (``layout``).
                raise NotOurLayout("a number of 20 digits or more")
            if _may_overflow(data, translated):
                orjson.loads(data)  # a number that may be too large: orjson says
            parsed: dict[str, Any] = decoder.decode(data)
        except (
            msgspec.DecodeError,
            orjson.JSONDecodeError,
            UnicodeDecodeError,
            RecursionError,
        ) as exc:
            raise NotOurLayout(f"a record is damaged: {exc}") from None
        return parsed

    return decode


def _note(
    table: str, key: str, record_id: str, olds: list[str] | None, merged: Noted, misfiled: Noted
) -> None:
    """A record's rows of ``merged`` (``olds``: a claim's or source's merged IDs) and
    ``misfiled``, as ``rows.note_merged_misfiled`` makes them."""
    if record_id != key:
        misfiled.append((table, key, repr(record_id)))
    if olds:
        merged.extend((old, table, key) for old in olds)


def claim_rows(
    records: Iterable[tuple[str, _Claim]],
    path: Path,
    words: list[tuple[str, str]],
    merged: Noted,
    misfiled: Noted,
) -> Iterator[tuple[Any, ...]]:
    """Each claim's row (``rows.claim_row``); its terms noted in ``words``."""
    for key, claim in records:
        record = msgspec.structs.asdict(claim)
        if claim.id != key or claim.merged:
            _note("claims", key, claim.id, claim.merged, merged, misfiled)
        if claim.quantities:
            check_claim_numbers(key, record, path)
        words.append((key, " ".join(claim_terms(record))))
        yield claim_row(key, record)


def link_rows(
    records: Iterable[tuple[str, _Link]], path: Path, misfiled: Noted
) -> Iterator[tuple[Any, ...]]:
    """Each link's row (``rows.link_row``: all text, once decoded)."""
    for key, link in records:
        if link.id != key:
            _note("links", key, link.id, None, [], misfiled)
        if link.position != 0 or type(link.position) is not int:
            check_link_numbers(key, {"position": link.position}, path)
        yield key, link.claim, link.source, link.relation


def _state(raw: msgspec.Raw) -> dict[str, Any] | None:
    """An event's state: an object or null, else the record is damaged."""
    state = orjson.loads(memoryview(raw)) if raw is not _NULL else None
    if state is not None and type(state) is not dict:
        raise NotOurLayout("an event's state is neither an object nor null")
    return state


def _state_field(event: _Event, field: str) -> Any:
    """The field of the state ``rows.event_row`` reads (``after or before or {}``),
    None where that state has none. UNSET where it depends on whether ``after`` is an
    empty object, which its fields cannot tell: it holds neither field, and ``before``
    holds this one."""
    after, before = event.after, event.before
    if after is not None:
        value = getattr(after, field)
        if value is not msgspec.UNSET:
            return value
    earlier = msgspec.UNSET if before is None else getattr(before, field)
    if earlier is msgspec.UNSET or earlier is None:
        return None
    return earlier if after is None else msgspec.UNSET


def tally_events(
    records: Iterable[tuple[str, _Event]],
    misfiled: Noted,
    record: Callable[[str], Any],
    found: Tally,
) -> None:
    """Count what the chain's heads read of each event (``heads.Tally``) in ``found``,
    and note the events filed under another ID: what a new index learns of the history
    (its rows wait for ``history_rows``)."""
    add, chained = found.add, found.chained.append
    for key, event in records:
        kind = event.kind
        prev = event.prev
        if type(prev) is list and len(prev) == 1 and type(prev[0]) is str and kind != "batch":
            if kind == "change":
                add((key, event.id, event.at, kind, event.action, prev, None))
            else:  # nearly every event: counted as ``Tally.add`` counts it, in fewer steps
                chained((event.at, event.id, key, prev))
        elif prev is not ... or kind == "batch":
            # a ``batch`` event's list of imported events: its ``after``, parsed whole
            after = record(key).get("after") if kind == "batch" else None
            add((key, event.id, event.at, kind, event.action, prev, after))
        if event.id != key:
            _note("events", key, event.id, None, [], misfiled)


def event_rows(
    records: Iterable[tuple[str, _Event]], record: Callable[[str], Any]
) -> Iterator[tuple[Any, ...]]:
    """Each event's row (``rows.event_row``): the source a link's state cites, whether
    a source's is confidential. Where the fields decoded cannot tell (``_state_field``),
    the row is made of the event as ``record`` parses it whole."""
    for key, event in records:
        kind = event.kind
        source = None
        secret = 0
        if kind == "link" or kind == "source":
            value = _state_field(event, "source" if kind == "link" else "confidential")
            if value is msgspec.UNSET:
                yield event_row(key, record(key))
                continue
            if kind == "link":
                source = scalar(value)
            else:
                secret = int(bool(value))
        yield key, event.at, event.id, event.target, kind, source, secret


def history_rows(connection: sqlite3.Connection, layout: Layout) -> None:
    """Every event's row (``event_rows``) in the cache's empty ``events`` table, read
    from the file ``layout`` maps a few megabytes at a time: the second stage of a new
    index (``index.HISTORY_ROWS``). The index vouches for the file, so its lines were
    checked when it was read (``fill``, ``build.refresh``) or written."""
    decode = msgspec.json.Decoder(dict[str, _Event]).decode

    def whole(key: str) -> Any:
        line = layout.get("events", key)
        if line is None:  # the key was read from this very file: it cannot be
            raise NotOurLayout(f"event {key!r} is not where its batch was")
        return orjson.loads(line)

    def rows() -> Iterator[tuple[Any, ...]]:
        for batch in layout.joined_batches("events"):
            try:
                events = decode(b"{" + batch + b"}")
            except msgspec.DecodeError as exc:
                raise NotOurLayout(f"an event is damaged: {exc}") from None
            yield from event_rows(events.items(), whole)

    connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows())


def chain_events(layout: Layout) -> Iterator[Light]:
    """Each event of the file as the chain's heads read it (``integrity.chain.tally``):
    key, ID, time, kind, action, ``prev`` (``...`` where it has none) and, for a
    ``batch`` event, its ``after``; the rest of each event is skipped, never made into
    objects. ``Snapshot.chain_events`` reads the file so where a command reads it
    through its layout and has changed no event yet (otherwise the history in memory
    is the one to count). Raises ``NotOurLayout`` for a line that is not such an
    event."""
    decode = msgspec.json.Decoder(dict[str, _Linked]).decode
    for batch in layout.joined_batches("events"):
        try:
            events = decode(b"{" + batch + b"}")
        except msgspec.DecodeError as exc:
            raise NotOurLayout(f"an event is damaged: {exc}") from None
        for key, event in events.items():
            after = _state(event.after) if event.kind == "batch" else None
            yield key, event.id, event.at, event.kind, event.action, event.prev, after


def source_records(
    records: Iterable[tuple[str, Any]], merged: Noted, misfiled: Noted
) -> dict[str, Any]:
    """The sources, checked (``fileformat.shape_problem``), for ``rows.insert_sources``."""
    from claimtrack.store.fileformat import shape_problem

    sources: dict[str, Any] = {}
    for key, source in records:
        if shape_problem("sources", source) is not None:
            raise NotOurLayout(f"record {key!r} is damaged")
        if source["id"] != key or source.get("merged"):
            _note("sources", key, source["id"], source.get("merged"), merged, misfiled)
        sources[key] = source
    return sources


def fill(connection: sqlite3.Connection, scan: Scan, path: Path) -> list[str] | None:
    """Every record's rows in a new index's empty tables, in the open transaction,
    the history's checked but left to ``history_rows``; ``Index.ready`` makes the
    lookup indexes after them. Returns the history's chain
    heads (``heads.tallied_heads``: None where that cannot tell them). Raises
    ``NotOurLayout`` (or ``DatabaseError`` for a number too large to keep) for what a
    command refuses."""
    found = Tally()
    merged: Noted = []
    misfiled: Noted = []
    words: list[tuple[str, str]] = []
    connection.executemany(
        "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        claim_rows(scan.records("claims", _decoder(_Claim)), path, words, merged, misfiled),
    )
    insert_words(connection, words)
    del words
    connection.executemany(
        "INSERT INTO links VALUES (?, ?, ?, ?)",
        link_rows(scan.records("links", _decoder(_Link)), path, misfiled),
    )
    insert_sources(connection, source_records(scan.records("sources"), merged, misfiled))
    tally_events(
        scan.records("events", _decoder(_Event)),
        misfiled,
        lambda key: scan.record("events", key),
        found,
    )
    connection.executemany("INSERT INTO merged VALUES (?, ?, ?)", merged)
    connection.executemany("INSERT INTO misfiled VALUES (?, ?, ?)", misfiled)
    return tallied_heads(found, lambda key: event_hash(scan.record("events", key)))
