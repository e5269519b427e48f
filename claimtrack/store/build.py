"""Making the cache describe the file again after it changed outside claimtrack: by
re-reading only what changed (``refresh``) where the cache was built before, or anew
(``build_anew``). The caller holds the database lock, so no other command writes the
cache meanwhile; readers keep the index as it was until the new one commits (WAL)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from claimtrack.errors import DatabaseError
from claimtrack.model import SCHEMA_VERSION
from claimtrack.store.fileformat import check_claim_numbers, check_link_numbers, shape_problem
from claimtrack.store.files import private_file
from claimtrack.store.index import (
    CHECKED_TABLES,
    FORMAT,
    PAGE_SIZE,
    Identity,
    Index,
    copy_index,
    create_tables,
    identity,
    read_all,
)
from claimtrack.store.layout import NotOurLayout

if TYPE_CHECKING:
    from pathlib import Path

    from claimtrack.store.layout import Scan

# The checks of numbers a record's table has (``fileformat``): a number orjson would
# read inexactly stops the build with a ``DatabaseError``.
_NUMBERS = {"claims": check_claim_numbers, "links": check_link_numbers}


def checked(
    table: str, records: Iterable[tuple[str, Any]], path: Path
) -> Iterator[tuple[str, Any]]:
    """The records, each with the shape commands read (``fileformat.shape_problem``) and
    numbers that can be kept exactly. A damaged one stops the build (``NotOurLayout``,
    ``DatabaseError``): the command then parses the file whole, and that parse reports
    the damage in words."""
    numbers = _NUMBERS.get(table)
    for key, record in records:
        if shape_problem(table, record) is not None:
            raise NotOurLayout(f"record {key!r} is damaged")
        if numbers is not None:
            numbers(key, record, path)
        yield key, record


def rebuild(index: Index, *, write: bool) -> bool:
    """Build the index from the file (the caller holds the lock) and start a
    transaction as ``Index.attach`` does. False when the file is not laid out one record
    per line, or fails a check: then the command parses it and indexes it in memory
    (reporting any damage), and the next write, which rewrites the whole file, lays it
    out so."""
    from claimtrack.store.files import file_system_now
    from claimtrack.store.layout import Layout, Scan

    assert index.db_path is not None
    index.rollback()
    if index.layout is not None:
        index.layout.close()
        index.layout = None
    if index.fd < 0:
        index.fd = os.open(index.db_path, os.O_RDONLY)
    # When the file was seen: before it is read, by the clock that stamps it.
    seen = file_system_now(index.db_path) or time.time_ns()
    current = identity(os.fstat(index.fd))
    path = index.db_path
    try:
        scan = Scan(read_all(index.fd))
        meta = dict(scan.records("_meta"))
        schema = meta.get("schema")
        version = schema.get("version") if isinstance(schema, dict) else None
        if type(version) is not int or version != SCHEMA_VERSION:
            # Older files are migrated by a whole-file write first; a version of true or
            # 1.0 is refused there (``fileformat.parse``), so not vouched for here either.
            return False
        if not refresh(index, scan, current, seen, path):
            # Every record is parsed, the history's too: the index vouches for it.
            build_anew(index, scan, current, seen, path)
    except (NotOurLayout, DatabaseError):
        index.rollback()
        return False
    index.connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    # the moment it describes, and whether it holds the history's rows yet
    index.note_stage(dict(index.connection.execute("SELECT key, value FROM meta").fetchall()))
    index.layout = Layout(index.fd, scan.blocks)
    return True


def refresh(index: Index, scan: Scan, current: Identity, seen: int, path: Path) -> bool:
    """Bring a cache built before up to the file by re-reading only the runs of lines
    that changed (``store.chunks``), in one transaction; False, with nothing done, where
    a whole new index is the better course (none built yet, an older format, too much
    changed, lines not as ``dump`` writes them)."""
    import sqlite3

    from claimtrack.store import chunks

    connection = index.connection
    try:
        connection.execute("BEGIN IMMEDIATE")
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        index.note_stage(meta)  # a history without rows yet gets none for its changes
        outcome = None
        if meta.get("format") == FORMAT:
            outcome = chunks.changed(connection, scan.raw, scan.blocks, CHECKED_TABLES)
        if outcome is None:
            index.rollback()
            return False
        changes, new, old = outcome
        for table, records in changes.items():
            live = ((key, record) for key, record in records.items() if record is not None)
            for _ in checked(table, live, path):
                pass
            index.put(table, records)
        chunks.replace(connection, new, old)
        index.vouch(scan.blocks, current, seen, _kept_heads(meta, changes))
        connection.execute("COMMIT")
    except sqlite3.Error:
        index.rollback()
        return False
    except BaseException:
        index.rollback()
        raise
    return True


def _kept_heads(meta: dict[str, str], changes: Mapping[str, Any]) -> str | None:
    """The history's chain heads noted for the file as it was (``Index.vouch``), where
    its history's lines are all as they were: the next write then names them without
    reading the history (at 10,000 claims that read costs a write 0.4 s)."""
    identity_then, _, heads = meta.get("chain", "").partition(" ")
    if "events" in changes or not heads or identity_then != meta.get("identity"):
        return None
    return heads


def build_anew(index: Index, scan: Scan, current: Identity, seen: int, path: Path) -> None:
    """A whole new index of the file (its history's rows left to the first command that
    asks for them, ``index.HISTORY_ROWS``), built in a scratch file with no journal (a third
    less work than building it in place through the log), then copied into the cache
    page by page (SQLite's backup): readers keep the index as it was until the copy
    commits (WAL), where renaming a new file into place would pull it, and its log,
    from under them."""
    import sqlite3

    from claimtrack.store import bulk, chunks

    assert index.path is not None
    for leftover in index.path.parent.glob(index.path.name + ".*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()  # from a build that was killed; we hold the lock
    scratch = index.path.with_name(index.path.name + f".{os.getpid()}.tmp")
    private_file(scratch)
    build = sqlite3.connect(scratch, isolation_level=None)
    try:
        build.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        build.execute("PRAGMA journal_mode = OFF")
        build.execute("PRAGMA synchronous = OFF")
        create_tables(build)
        builder = Index(build, None)
        builder.has_words = True
        builder.pending = {"events"}  # the history's rows: ``bulk.history_rows``
        build.execute("BEGIN")
        heads = bulk.fill(build, scan, path)
        builder.ready(CHECKED_TABLES)
        chunks.note(build, scan.raw, scan.blocks, CHECKED_TABLES)
        # The chain's heads, tallied as the history was read: the next write names
        # them without reading it again.
        builder.vouch(scan.blocks, current, seen, ",".join(heads) if heads else None)
        build.execute("COMMIT")
        copy_index(build, index.connection)
        index.chain = builder.chain
    finally:
        build.close()
        with contextlib.suppress(OSError):
            scratch.unlink()


def describe_cache(db_path: Path) -> str | None:
    """Where the index of ``db_path`` is and whether it is current, for ``claimtrack db
    path``; None when there is no file."""
    from claimtrack.store.index import INDEX_ENV, MIN_BYTES, index_path, mode, wanted

    try:
        size = db_path.stat().st_size
    except OSError:
        return None
    if mode() == "never":
        return f"in memory ({INDEX_ENV}=never)"
    if not wanted(size):
        return f"in memory (the file is under {MIN_BYTES // 1000} KB)"
    path = index_path(db_path)
    if not path.exists():
        return f"{path} (not built yet: the next command builds it)"
    index = Index.cache_for(db_path)
    if index is None:
        return f"{path} (unreadable: commands index the file in memory instead)"
    try:
        current = index.attach(write=False)
    finally:
        index.close()
    return f"{path} ({'current' if current else 'stale: the next command rebuilds it'})"
