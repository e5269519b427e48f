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
    from claimtrack.store.index import Index
    from claimtrack.store.layout import Layout


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
