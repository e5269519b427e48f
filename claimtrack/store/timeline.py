"""The history through the index: what ``log`` asks of it without reading it all.

The index keeps a row for each event (``rows.event_row``): its time and ID, the record
it changed, its kind, the source a link event cites and whether a source event shows
its source confidential. ``log -n 20`` then reads the twenty newest events by ID from
the file (binary search over the history's lines, ``layout``), and learns what to
withhold from the rows and from the few confidential sources' records, instead of
reading every event of the file (the history is most of its bytes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from claimtrack.store.rows import HIDDEN

if TYPE_CHECKING:
    from pathlib import Path

    from claimtrack.store.index import Index
    from claimtrack.store.layout import Layout


def make_rows(index: Index, layout: Layout, db_path: Path) -> bool:
    """Make the history's rows in a cache built without them (``index.HISTORY_ROWS``),
    for a reading command over the file ``layout`` maps, which the cache vouches for:
    True once they are made and committed, the command still reading the index as it
    was. Holds the database lock meanwhile, if it is free now (never waits): no
    writer can then change the cache between this command's view of it and the rows'
    commit, and one that did before finds the view stale (SQLite refuses the write).
    False, with nothing changed and the view kept, where the lock is busy or the write
    refused: the command then reads the history from the file."""
    import sqlite3

    from claimtrack.errors import DatabaseError
    from claimtrack.store.bulk import history_rows
    from claimtrack.store.files import locked
    from claimtrack.store.index import HISTORY_ROWS
    from claimtrack.store.layout import NotOurLayout

    connection = index.connection
    try:
        with locked(db_path, timeout=0):
            connection.execute("SAVEPOINT history_rows")  # within the command's view
            try:
                history_rows(connection, layout)  # the view made a write, if still current
                index.history_made()
                connection.execute("RELEASE history_rows")
            except (sqlite3.Error, NotOurLayout):
                connection.execute("ROLLBACK TO history_rows")  # the view stays
                connection.execute("RELEASE history_rows")
                index.note_stage({HISTORY_ROWS: "pending"})
                return False
            try:
                connection.execute("COMMIT")
            except sqlite3.Error:  # the disk full, say: nothing made, as above
                index.rollback()
                index.note_stage({HISTORY_ROWS: "pending"})
                return False
            finally:  # the same view again: no one else writes while the lock is held
                if not connection.in_transaction:
                    connection.execute("BEGIN")
                    connection.execute("SELECT 1 FROM meta").fetchall()
    except (DatabaseError, OSError, sqlite3.Error):
        return False
    return True


class IndexedHistory:
    """The history of a file the cache vouches for, read by ID (``Snapshot.indexed_history``)."""

    def __init__(self, index: Index, layout: Layout) -> None:
        self._connection = index.connection
        self._layout = layout

    def newest(self, limit: int) -> tuple[list[tuple[str, str, bytes]], int]:
        """The ``limit`` newest events, oldest first, as (time, ID, JSON), by the order
        ``log`` shows (time, then ID); and how many events there are in all."""
        rows = self._connection.execute(
            "SELECT at, id, key FROM events ORDER BY at DESC, id DESC LIMIT ?", (limit,)
        ).fetchall()
        chosen = []
        for at, event_id, key in reversed(rows):
            body = self._layout.get("events", key)
            if body is None:  # the index vouches for this file: it cannot be
                raise LookupError(key)
            chosen.append((at, event_id, body))
        kept = self._connection.execute("SELECT n FROM tallies WHERE name = 'events'")
        total = (
            kept.fetchone() or self._connection.execute("SELECT count(*) FROM events").fetchone()
        )
        return chosen, int(total[0])

    def confidential_sources(self) -> dict[str, Any]:
        """The records of the sources that are confidential now, by ID: few, each read by
        its ID (the index keeps no name of theirs, ``rows.insert_sources``)."""
        rows = self._connection.execute("SELECT id FROM sources WHERE names = ?", (HIDDEN,))
        found: dict[str, Any] = {}
        for (source_id,) in rows.fetchall():
            body = self._layout.get("sources", source_id)
            if body is not None:
                found[source_id] = orjson.loads(body)
        return found

    def secret_in_history(self) -> set[str]:
        """The sources some event shows confidential (deleted ones included)."""
        rows = self._connection.execute("SELECT DISTINCT target FROM events WHERE secret = 1")
        return {row[0] for row in rows}

    def links_citing(self, sources: set[str]) -> set[str]:
        """The links some event shows citing one of ``sources`` (deleted ones included)."""
        found: set[str] = set()
        for source_id in sources:
            rows = self._connection.execute(
                "SELECT target FROM events WHERE source = ? AND kind = 'link'", (source_id,)
            )
            found.update(row[0] for row in rows)
        return found
