"""The rows of every record of a file, for a new index (``build.build_anew``).

A whole new index reads every record: at 10,000 claims about 100,000 of them, two
thirds history events. Each is checked as a command reads it (``fileformat``:
``shape_problem`` and the numbers a table holds) and turned into its rows (``rows``).
Here both happen in one loop per table, each field read once, with no layer of
generators between the parse and SQLite: the same rows as ``Index.fill`` makes of the
same records (``tests/test_store_build.py`` holds the two to each other), in about
half the Python time. A record that fails a check stops the build with
``NotOurLayout`` (or ``DatabaseError`` for a number), as ``build.checked`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from claimtrack.store.fileformat import check_claim_numbers, check_link_numbers, shape_problem
from claimtrack.store.layout import NotOurLayout
from claimtrack.store.rows import (
    claim_row,
    insert_sources,
    insert_words,
    note_merged_misfiled,
    scalar,
)
from claimtrack.store.terms import claim_terms

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from claimtrack.store.layout import Scan

Pairs = Iterable[tuple[str, Any]]
Noted = list[tuple[str, str, str]]

# The text fields of an event (``fileformat._TEXT_FIELDS``), read in one call: id,
# kind and target first, which the row holds.
_EVENT_TEXT = ("id", "kind", "target", "at", "actor", "change", "action")
_EVENT_FIELDS = itemgetter(*_EVENT_TEXT)
_ALL_TEXT = (str,) * len(_EVENT_TEXT)
_FOUR_TEXTS = (str,) * 4  # a link's row: its key, claim, source and relation


def _damaged(key: str) -> NotOurLayout:
    return NotOurLayout(f"record {key!r} is damaged")


def _note(table: str, key: str, record: dict[str, Any], merged: Noted, misfiled: Noted) -> None:
    """A record that names merged IDs or is filed under another ID: its ``merged`` is
    checked in full (``shape_problem``) and its rows of ``merged`` and ``misfiled``
    noted."""
    if "merged" in record and shape_problem(table, record) is not None:
        raise _damaged(key)
    note_merged_misfiled(table, key, record, merged, misfiled)


def claim_rows(
    records: Pairs, path: Path, words: list[tuple[str, str]], merged: Noted, misfiled: Noted
) -> Iterator[tuple[Any, ...]]:
    """Each claim's row (``rows.claim_row``); its terms noted in ``words``."""
    for key, claim in records:
        record_id = claim.get("id")
        if type(record_id) is not str or type(claim.get("text")) is not str:
            raise _damaged(key)
        if record_id != key or "merged" in claim:
            _note("claims", key, claim, merged, misfiled)
        if claim.get("quantities"):
            check_claim_numbers(key, claim, path)
        words.append((key, " ".join(claim_terms(claim))))
        yield claim_row(key, claim)


def link_rows(
    records: Pairs, path: Path, merged: Noted, misfiled: Noted
) -> Iterator[tuple[Any, ...]]:
    """Each link's row (``rows.link_row``: all text, once checked)."""
    for key, link in records:
        row = (key, link.get("claim"), link.get("source"), link.get("relation"))
        record_id = link.get("id")
        if type(record_id) is not str or tuple(map(type, row)) != _FOUR_TEXTS:
            raise _damaged(key)
        if record_id != key or "merged" in link:
            _note("links", key, link, merged, misfiled)
        if "position" in link:
            check_link_numbers(key, link, path)
        yield row


def event_rows(records: Pairs, merged: Noted, misfiled: Noted) -> Iterator[tuple[Any, ...]]:
    """Each event's row (``rows.event_row``): its text fields read in one call, as the
    row is made only of them and the source of a link's state."""
    for key, event in records:
        try:
            texts = _EVENT_FIELDS(event)
        except KeyError:
            raise _damaged(key) from None
        if tuple(map(type, texts)) != _ALL_TEXT:
            raise _damaged(key)
        after, before = event.get("after"), event.get("before")
        if not (after is None or type(after) is dict) or not (
            before is None or type(before) is dict
        ):
            raise _damaged(key)
        record_id, kind, target, at = texts[:4]
        if record_id != key or "merged" in event:
            _note("events", key, event, merged, misfiled)
        source = None
        secret = 0
        if kind == "link":
            source = scalar((after or before or {}).get("source"))
        elif kind == "source":
            secret = int(bool((after or before or {}).get("confidential")))
        yield key, at, record_id, target, kind, source, secret


def source_records(records: Pairs, merged: Noted, misfiled: Noted) -> dict[str, Any]:
    """The sources, checked, for ``rows.insert_sources``."""
    sources: dict[str, Any] = {}
    for key, source in records:
        record_id = source.get("id")
        if type(record_id) is not str or type(source.get("name")) is not str:
            raise _damaged(key)
        if record_id != key or "merged" in source:
            _note("sources", key, source, merged, misfiled)
        sources[key] = source
    return sources


def fill(connection: sqlite3.Connection, scan: Scan, path: Path) -> None:
    """Every record's rows in a new index's empty tables, in the open transaction;
    ``Index.ready`` makes the lookup indexes after them."""
    merged: Noted = []
    misfiled: Noted = []
    words: list[tuple[str, str]] = []
    connection.executemany(
        "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        claim_rows(scan.records("claims"), path, words, merged, misfiled),
    )
    insert_words(connection, words)
    del words
    connection.executemany(
        "INSERT INTO links VALUES (?, ?, ?, ?)",
        link_rows(scan.records("links"), path, merged, misfiled),
    )
    insert_sources(connection, source_records(scan.records("sources"), merged, misfiled))
    connection.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
        event_rows(scan.records("events"), merged, misfiled),
    )
    connection.executemany("INSERT INTO merged VALUES (?, ?, ?)", merged)
    connection.executemany("INSERT INTO misfiled VALUES (?, ?, ?)", misfiled)
