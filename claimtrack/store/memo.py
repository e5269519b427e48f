"""Results worked out from a table's bytes, remembered in the cache for the next command.

Some answers take a walk over a whole table and depend on nothing else: whether the
history's hash chain holds (``integrity.chain``) is a function of the events' lines
and of the timestamps taken of the chain. Walking 65,000 events to hash each one took
a second of ``check`` at 10,000 claims, for the same answer as last time. The answer
is kept under the SHA-256 of the very bytes it was worked out from (the table's lines
as the file holds them, read from the file the command opened, and a ``salt`` naming
everything else it depends on, and its version): a key that any change to those bytes
changes, so a result is never used for another history than its own. An event edited,
removed, reordered or slipped in changes the key, and the walk runs again.

Only the last result of each name is kept, in the cache's ``meta`` table. It is written
in a connection and transaction of its own, only while nobody holds the database lock
(a writer holds it for its whole command; nothing waits), so a reading command can
leave it too. Like the rest of the cache it lives in the user's private cache folder;
deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from claimtrack.errors import DatabaseError
from claimtrack.store.files import locked

if TYPE_CHECKING:
    from claimtrack.store.index import Index
    from claimtrack.store.layout import Layout


def digest(layout: Layout, table: str, salt: bytes) -> str:
    """SHA-256 (hex) of ``salt`` followed by the table's lines as the file holds them."""
    start, end = layout.body(table)
    hashed = hashlib.sha256(salt)
    with memoryview(layout.map) as whole, whole[start:end] as lines:
        hashed.update(lines)
    return hashed.hexdigest()


def _slot(name: str) -> str:
    return f"memo:{name}"


def recall(index: Index, name: str, key: str) -> bytes | None:
    """The result last kept under ``name``, if it was kept for ``key``; None otherwise."""
    import sqlite3

    try:
        row = index.connection.execute(
            "SELECT value FROM meta WHERE key = ?", (_slot(name),)
        ).fetchone()
    except sqlite3.Error:
        return None
    if row is None or not isinstance(row[0], str):
        return None
    noted_key, _, value = row[0].partition(" ")
    return value.encode() if noted_key == key else None


def keep(index: Index, db_path: Path, name: str, key: str, value: bytes) -> None:
    """Keep ``value`` (UTF-8 text, no newline needed) under ``name`` for ``key``, if the
    database lock is free now: never waits, and a cache that cannot be written is left
    as it is (the result is worked out again next time)."""
    import sqlite3

    if index.path is None:
        return
    with contextlib.suppress(DatabaseError, OSError, sqlite3.Error, UnicodeDecodeError):
        text = f"{key} {value.decode()}"
        with locked(db_path, timeout=0):
            connection = sqlite3.connect(index.path, isolation_level=None, timeout=0)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_slot(name), text))
                connection.execute("COMMIT")
            finally:
                connection.close()
