"""Results worked out from the history's bytes, remembered in the cache for the next command.

Some answers take a walk over the whole history and depend on nothing else: whether the
history's hash chain holds (``integrity.chain``) is a function of the events' lines
and of the timestamps taken of the chain. Walking 65,000 events to hash each one took
a second of ``check`` at 10,000 claims, for the same answer as last time. The answer
is kept under the SHA-256 of the very bytes it was worked out from (the table's lines
as the file holds them, read from the file the command opened, and a ``salt`` naming
everything else it depends on, and its version): a key that any change to those bytes
changes, so a result is never used for another history than its own. An event edited,
removed, reordered or slipped in changes the key, and the walk runs again.

**Events added since.** Every write adds events, so the key changes with every write.
For a result kept as *extendable*, the cache also keeps the list of the events written
since (``note_added``: each writing command adds the keys of the history's lines it
wrote, in the transaction that makes the cache describe its file), so that the next
command can ask what was added (``Memo.added``). The list only says where to look. What
makes the answer sure is the bytes: with exactly those lines taken out, the history's
lines (after the same ``salt``) must hash to the key the result was kept under, and
each line taken out must be one record (``"ID": {...}``) between lines of smaller and
greater IDs. Then the history is the one the result was worked out from with only
those events added, each as it is parsed here; whoever asked decides whether its
result still holds over them. (Event IDs are random, so added events sit anywhere in
the table, not at its end.) An event edited, removed or reordered by hand, a change
that came by `git pull`, anything the list does not name makes the hash differ, and
``added`` answers None: walk again.

Only the last result of each name is kept, in the cache's ``meta`` table, the list of
events written since beside it, tied to its key. It is written in a connection and
transaction of its own, only while nobody holds the database lock (a writer holds it
for its whole command; nothing waits), so a reading command can leave it too. Like the
rest of the cache it lives in the user's private cache folder; deleting it is always
safe.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from claimtrack.errors import DatabaseError
from claimtrack.store.files import locked

if TYPE_CHECKING:
    import sqlite3

    from claimtrack.store.index import Index
    from claimtrack.store.layout import Layout, Span

# The table the results are worked out from.
HISTORY = "events"
# Beyond this many events added since, reading each by ID costs about what the walk
# does: the list is dropped (``added`` answers None).
ADDED_LIMIT = 5000


def digest(layout: Layout, table: str, salt: bytes) -> str:
    """SHA-256 (hex) of ``salt`` followed by the table's lines as the file holds them."""
    start, end = layout.body(table)
    hashed = hashlib.sha256(salt)
    layout.hash_range(hashed, start, end)
    return hashed.hexdigest()


class Kept(NamedTuple):
    """The result last kept under a name: its key, its value, and the keys of the
    history's lines written since (None: the result is not extendable, or too many)."""

    key: str
    value: bytes
    added: tuple[str, ...] | None


def _slot(name: str) -> str:
    return f"memo:{name}"


def _added_slot(name: str) -> str:
    return f"memo:{name}:added"


class Memo:
    """The results of one history (the ``events`` table of the file ``layout`` maps,
    which ``index`` vouches for), for one reading command."""

    def __init__(self, index: Index, layout: Layout, db_path: Path) -> None:
        self.index = index
        self.layout = layout
        self.db_path = db_path

    def key(self, salt: bytes) -> str:
        """What a result worked out from the history and ``salt`` is kept under."""
        return digest(self.layout, HISTORY, salt)

    def last(self, name: str) -> Kept | None:
        """The result last kept under ``name``, whatever history it was kept for."""
        import sqlite3

        try:
            rows = dict(
                self.index.connection.execute(
                    "SELECT key, value FROM meta WHERE key IN (?, ?)",
                    (_slot(name), _added_slot(name)),
                ).fetchall()
            )
        except sqlite3.Error:
            return None
        row = rows.get(_slot(name))
        if not isinstance(row, str) or " " not in row:
            return None
        key, _, value = row.partition(" ")
        return Kept(key, value.encode(), _listed(rows.get(_added_slot(name)), key))

    def keep(self, name: str, key: str, value: bytes, *, extendable: bool = False) -> None:
        """Keep ``value`` (UTF-8 text, no newline needed) under ``name`` for ``key``, if
        the database lock is free now: never waits, and a cache that cannot be written
        is left as it is (the result is worked out again next time). ``extendable``:
        start the list of events written since (``note_added``), for ``added``."""
        import sqlite3

        if self.index.path is None:
            return
        with contextlib.suppress(DatabaseError, OSError, sqlite3.Error, UnicodeDecodeError):
            listed = f"{key} []" if extendable else ""
            rows = [(_slot(name), f"{key} {value.decode()}"), (_added_slot(name), listed)]
            with locked(self.db_path, timeout=0):
                connection = sqlite3.connect(self.index.path, isolation_level=None, timeout=0)
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)
                    connection.execute("COMMIT")
                finally:
                    connection.close()

    def added(self, kept: Kept, salt: bytes) -> dict[str, Any] | None:
        """The events added to the history since ``kept`` was kept (key -> event, in ID
        order), when the history is exactly the one it was kept for with only them
        added and ``salt`` is the same (see the module docstring); None otherwise, or
        when none or too many were added."""
        import orjson

        keys = sorted(set(kept.added or ()))
        if not keys:
            return None
        lines = _taken_out(self.layout, keys, salt, kept.key)
        if lines is None:
            return None
        events: dict[str, Any] = {}
        for key, body in lines:
            try:
                events[key] = orjson.loads(body)
            except orjson.JSONDecodeError:
                return None
        return events


def _listed(noted: object, key: str) -> tuple[str, ...] | None:
    """The keys a list of events written since (``key`` and a JSON list) names, if it
    was started for ``key``."""
    import orjson

    if not isinstance(noted, str) or not noted.startswith(key + " "):
        return None
    try:
        keys = orjson.loads(noted[len(key) + 1 :])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return None
    return tuple(keys)


def note_added(connection: sqlite3.Connection, keys: Iterable[str]) -> None:
    """For a writing command that wrote these lines of the history, in the transaction
    that makes the cache describe the file it wrote: add their keys to each list of
    events written since a result was kept (``Memo.keep``). A list grown past
    ``ADDED_LIMIT`` is dropped."""
    import orjson

    written = sorted(keys)
    rows = connection.execute(
        "SELECT key, value FROM meta WHERE key LIKE 'memo:%:added' AND value != ''"
    ).fetchall()
    for slot, value in rows:
        key = str(value).partition(" ")[0]
        listed = _listed(value, key)
        if listed is None or len(listed) + len(written) > ADDED_LIMIT:
            noted = ""
        else:
            noted = f"{key} " + orjson.dumps([*listed, *written]).decode()
        connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (slot, noted))


def _taken_out(
    layout: Layout, keys: list[str], salt: bytes, kept_key: str
) -> list[tuple[str, bytes]] | None:
    """The lines of the history with these keys (sorted), (key, record JSON) each, when
    the history's lines without them hash (after ``salt``) to ``kept_key``; None
    otherwise. The lines are joined by ``,\\n``, so the lines left are the runs between
    the ones taken out, joined the same way."""
    start, end = layout.body(HISTORY)
    data = layout.map
    runs: list[tuple[int, int]] = []
    found: list[tuple[str, bytes]] = []
    cursor = start
    for key in keys:
        span = layout.seek(HISTORY, key)
        if not span.found or span.start < cursor:
            return None
        body = _record_line(data, start, end, key, span)
        if body is None:
            return None
        found.append((key, body))
        if span.start > cursor:
            runs.append((cursor, span.start - 2))
        cursor = min(span.end + 2, end)
    if cursor < end:
        runs.append((cursor, end))
    hashed = hashlib.sha256(salt)
    for number, (run_start, run_end) in enumerate(runs):
        if number:
            hashed.update(b",\n")
        layout.hash_range(hashed, run_start, run_end)
    return found if hashed.hexdigest() == kept_key else None


def _record_line(data: Any, start: int, end: int, key: str, span: Span) -> bytes | None:
    """The record JSON of the line ``span`` of the block [start, end), if it is one
    record, ``"KEY": {...}``, joined to its neighbours by ``,\\n``, and its neighbours'
    IDs are smaller and greater than ``key``; None otherwise."""
    encoded = key.encode()
    head = b'"' + encoded + b'": '
    line_start, line_end = span.start, span.end
    if (
        data[line_start : line_start + len(head)] != head
        or data[line_start + len(head) : line_start + len(head) + 1] != b"{"
        or data[line_end - 1 : line_end] != b"}"
    ):
        return None
    if line_start > start:
        if data[line_start - 2 : line_start] != b",\n":
            return None
        newline = data.rfind(b"\n", start, line_start - 1)
        before = start if newline < 0 else newline + 1
        if not data[before + 1 : data.find(b'"', before + 1, line_start)] < encoded:
            return None
    if line_end < end:
        after = line_end + 2
        if data[line_end:after] != b",\n" or data[after : after + 1] != b'"':
            return None
        if not data[after + 1 : data.find(b'"', after + 1, end)] > encoded:
            return None
    return bytes(data[line_start + len(head) : line_end])
