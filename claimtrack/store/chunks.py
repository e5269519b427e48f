"""Which records an outside change touched, found without parsing the whole file.

When the cache is built (``store.build``), each table's block of lines is cut into
runs of whole lines of about ``CHUNK_BYTES`` ("chunks"), and the index keeps, for each,
the ID its run starts at and a digest of its bytes (table ``chunks``). After the file
changed outside claimtrack (a ``git pull``, an editor, a restored backup), ``changed``
finds each chunk's run again by binary search on its first ID, digests it, and parses
only the runs whose bytes are not the ones noted: a pull that brings a few claims
re-reads a few runs, not the file. Git's index does the same with a file's content
hash, per file rather than per run of lines.

Why it is safe:

- A run whose digest matches holds, byte for byte, lines that were checked when it was
  noted, with IDs in [its first ID, the next chunk's first ID). A run that does not
  match is checked now, line by line, as a full scan checks it (``layout.parse_lines``),
  and its IDs must lie in that range too. The runs tile each block in order, so the
  whole block is still one record per line in ID order.
- A writing command marks the chunk of every record it changes as unknown (``dirty``,
  in the same transaction as the record's rows), so a digest that matches always
  describes rows that are current.
- Digests are SHA-256, cut to 16 bytes: a run that matches by accident is not a risk
  at any size a desk reaches.

When the runs that changed hold more than ``REBUILD_SHARE`` of the file, or anything
does not add up, ``changed`` returns None and the index is built anew.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from claimtrack.store.layout import NotOurLayout, body, line_at_or_after, parse_lines

if TYPE_CHECKING:
    import mmap
    import sqlite3

    from claimtrack.store.layout import Blocks

# About 150 history events, or 50 claims, per run: re-reading one costs a fraction of a
# millisecond, and 100,000 claims make about 8,000 rows.
CHUNK_BYTES = 64 << 10
# Above this share of the tables' bytes re-read, a whole new index costs less.
REBUILD_SHARE = 0.5
# Above this many records, ``dirty`` finds their chunks in Python: one query, not one each.
_FEW = 64

CHUNKS_SQL = (
    "CREATE TABLE chunks (tbl TEXT, lo TEXT, digest BLOB, PRIMARY KEY (tbl, lo)) WITHOUT ROWID"
)

# Each table's key column in the index.
_KEYS = {"claims": "id", "links": "id", "sources": "id", "events": "key"}

# Per table: record key -> the record as the file has it now, or None where it is gone.
Changes = dict[str, dict[str, Any | None]]
# Rows of ``chunks``: (table, first ID, digest).
Rows = list[tuple[str, str, bytes]]


def digest(data: bytes | memoryview) -> bytes:
    import hashlib  # not at start-up: loading OpenSSL costs a few milliseconds

    return hashlib.sha256(data).digest()[:16]


def cut(raw: bytes, start: int, end: int, first: str = "") -> list[tuple[str, int]]:
    """The runs of whole lines of about ``CHUNK_BYTES`` that [start, end) is cut into:
    (the ID the run starts at, where it starts); the first run is named ``first``."""
    starts = [(first, start)]
    position = start + CHUNK_BYTES
    while position < end:
        newline = raw.find(b"\n", position, end)
        if newline < 0 or newline + 1 >= end:
            break
        line = newline + 1
        starts.append((raw[line + 1 : raw.find(b'"', line + 1)].decode(), line))
        position = line + CHUNK_BYTES
    return starts


def _rows(table: str, raw: bytes, starts: list[tuple[str, int]], end: int) -> Rows:
    view = memoryview(raw)
    bounds = [offset for _, offset in starts[1:]] + [end]
    return [
        (table, lo, digest(view[offset:stop]))
        for (lo, offset), stop in zip(starts, bounds, strict=True)
    ]


def note(connection: sqlite3.Connection, raw: bytes, blocks: Blocks, tables: Iterable[str]) -> None:
    """Note every chunk of these tables (in a new index, checked by a full scan)."""
    rows: Rows = []
    for table in tables:
        start, end = body(blocks, table)
        rows += _rows(table, raw, cut(raw, start, end), end)
    connection.executemany("INSERT INTO chunks VALUES (?, ?, ?)", rows)


def dirty(connection: sqlite3.Connection, table: str, keys: Iterable[str]) -> None:
    """Mark the chunks holding these records as unknown: a command changed them."""
    keys = list(keys)
    if len(keys) < _FEW:
        connection.executemany(
            "UPDATE chunks SET digest = NULL WHERE tbl = ?1 AND lo = "
            "(SELECT max(lo) FROM chunks WHERE tbl = ?1 AND lo <= ?2)",
            [(table, key) for key in keys],
        )
        return
    # Many (an import's): each key's chunk found by bisection over the chunks' first
    # IDs, each chunk marked once. (Python orders str by code point, as SQLite orders
    # UTF-8 text by its bytes.)
    from bisect import bisect_right

    starts = [
        lo
        for (lo,) in connection.execute("SELECT lo FROM chunks WHERE tbl = ? ORDER BY lo", (table,))
    ]
    held = {bisect_right(starts, key) - 1 for key in keys}
    connection.executemany(
        "UPDATE chunks SET digest = NULL WHERE tbl = ? AND lo = ?",
        [(table, starts[number]) for number in sorted(held) if number >= 0],
    )


def changed(
    connection: sqlite3.Connection, raw: bytes, blocks: Blocks, tables: Iterable[str]
) -> tuple[Changes, Rows, list[tuple[str, str]]] | None:
    """What the file now holds that the index does not: per table, the records of every
    chunk whose bytes changed (None for a record gone), the chunk rows to note for them
    and the chunk rows they replace. None when a whole new index is the better course:
    no chunks noted, too much changed, or the lines are no longer as ``dump`` lays them
    out (the full scan then says what is wrong)."""
    noted: dict[str, list[tuple[str, bytes | None]]] = {}
    for table, lo, known in connection.execute(
        "SELECT tbl, lo, digest FROM chunks ORDER BY tbl, lo"
    ):
        noted.setdefault(table, []).append((lo, known))
    total = sum(end - start for start, end in (body(blocks, t) for t in _KEYS))
    budget = total * REBUILD_SHARE
    changes: Changes = {}
    new: Rows = []
    old: list[tuple[str, str]] = []
    view = memoryview(raw)
    try:
        for table in tables:
            chunks = noted.get(table)
            if not chunks or chunks[0][0] != "":
                return None
            start, end = body(blocks, table)
            offsets = [start] + [
                line_at_or_after(raw, start, end, lo.encode()) for lo, _ in chunks[1:]
            ]
            offsets.append(end)
            for number, (lo, known) in enumerate(chunks):
                first, stop = offsets[number], offsets[number + 1]
                if stop < first:
                    return None
                if known is not None and known == digest(view[first:stop]):
                    continue
                budget -= stop - first
                if budget < 0:
                    return None
                following = chunks[number + 1][0] if number + 1 < len(chunks) else None
                records = read_run(table, raw, first, stop, stop == end, lo, following)
                gone = _indexed(connection, table, lo, following).difference(records)
                changes.setdefault(table, {}).update(records)
                changes[table].update(dict.fromkeys(gone))
                old.append((table, lo))
                new += _rows(table, raw, cut(raw, first, stop, lo), stop)
    except NotOurLayout:
        return None
    return changes, new, old


def read_run(
    table: str, raw: bytes, first: int, stop: int, final: bool, lo: str, following: str | None
) -> dict[str, Any]:
    """The records of one run of lines, checked as a full scan checks them, and their IDs
    in [lo, following)."""
    if first == stop:
        return {}
    data = raw[first:stop]
    if not final:
        if not data.endswith(b",\n"):
            raise NotOurLayout(f"table {table!r}: a run of lines ends mid-line")
        data = data[:-1]
    parsed = parse_lines(table, data, final)
    keys = list(parsed)
    if keys[0] < lo or (following is not None and keys[-1] >= following):
        raise NotOurLayout(f"table {table!r}: lines out of order")
    return parsed


def _indexed(
    connection: sqlite3.Connection, table: str, lo: str, following: str | None
) -> set[str]:
    column = _KEYS[table]
    if following is None:
        rows = connection.execute(f"SELECT {column} FROM {table} WHERE {column} >= ?", (lo,))
    else:
        rows = connection.execute(
            f"SELECT {column} FROM {table} WHERE {column} >= ? AND {column} < ?", (lo, following)
        )
    return {key for (key,) in rows}


def replace(connection: sqlite3.Connection, new: Rows, old: list[tuple[str, str]]) -> None:
    """Put the re-read chunks' rows in place of the ones they replace."""
    connection.executemany("DELETE FROM chunks WHERE tbl = ? AND lo = ?", old)
    connection.executemany("INSERT INTO chunks VALUES (?, ?, ?)", new)


def renote(connection: sqlite3.Connection, data: bytes | mmap.mmap, blocks: Blocks) -> None:
    """Digest again, from ``data`` (the file just written, laid out in ``blocks``), every
    run a write marked unknown (``dirty``), so that the next refresh after an outside
    change re-reads only what that change touched; a run grown past twice
    ``CHUNK_BYTES`` is cut anew."""
    new: Rows = []
    unknown = connection.execute("SELECT tbl, lo FROM chunks WHERE digest IS NULL").fetchall()
    for table, lo in unknown:
        start, end = body(blocks, table)
        following = connection.execute(
            "SELECT min(lo) FROM chunks WHERE tbl = ? AND lo > ?", (table, lo)
        ).fetchone()[0]
        first = start if lo == "" else line_at_or_after(data, start, end, lo.encode())
        stop = end if following is None else line_at_or_after(data, start, end, following.encode())
        run = data[first:stop]
        new += _rows(table, run, cut(run, 0, len(run), lo), len(run))
    replace(connection, new, unknown)
