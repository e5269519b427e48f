"""The one query engine: a SQLite schema that answers every question a command asks of
the database file, at every size.

The JSON file stays the only truth. The index holds what questions are asked about:
for each claim, what listings filter and sort on and the terms ``similar`` finds it by;
for each link its claim, source and relation; for each source its folded names and
aliases (a digest of each for a confidential source); the IDs that merged records had;
and any record filed under an ID not its own. Record bodies are read from the file.

Where the schema lives:

- **A large file** (``MIN_BYTES`` and more): a SQLite file in the user's cache folder,
  in WAL mode. It remembers the file's identity (device, inode, size, modification and
  change times in nanoseconds) and is trusted only while the file still has exactly
  that identity: edited by hand, checked out by git, replaced by a backup, and it is
  rebuilt from the file before it is trusted again. Record bodies are then read from the
  file by binary search (``claimtrack.store.layout``). Deleting it is always safe.
- **A small file**, or one the cache cannot vouch for (not laid out by claimtrack, a
  busy lock, no cache folder, ``CLAIMTRACK_INDEX=never``): the same schema in memory,
  filled from the parsed file.

Only commands holding the database lock write to the cache, so two writers never race
on it. A writing command changes the rows of the records it changes in its own
transaction, so that its queries see its own changes; the transaction commits only
after the file is renamed into place, together with the file's new identity. In WAL
mode readers never block that writer, nor it them: a reader keeps the index as it was
when it started, which describes the file it opened.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from claimtrack.model import STATUSES
from claimtrack.store.files import private_file, private_folder, user_cache_folder
from claimtrack.store.filter import TAG_MARK, ClaimFilter
from claimtrack.store.kept import CLAIM_COUNTS, DANGLING, EVENT_COUNTS, LINK_COUNTS
from claimtrack.store.rows import (
    HIDDEN,
    claim_row,
    event_row,
    hidden_name,
    insert_sources,
    insert_words,
    link_row,
    note_merged_misfiled,
    upsert_words,
    with_words,
)
from claimtrack.store.terms import claim_terms

if TYPE_CHECKING:
    import sqlite3

    from claimtrack.store.layout import Blocks, Layout

# sqlite3, hashlib and the layout code are imported where used.

INDEX_ENV = "CLAIMTRACK_INDEX"
# Below this (about 300 claims) filling the schema in memory costs less than opening a
# cache would (benchmarks/run.py; docs/storage.md has the figures).
MIN_BYTES = 500_000
FORMAT = "12"  # bump when the tables below or what an index vouches for change: rebuilt
# Pages of 16 KB, not SQLite's 4 KB: a new index (29 MB at 10,000 claims) is written in a
# quarter of the writes to its scratch file, the log and the cache, and copied into the
# cache with half the CPU (docs/performance.md). A cache made with other pages keeps
# working; ``copy_index`` gives it these when it can.
PAGE_SIZE = 16384
# What JSON must escape in a record ID; binary search compares IDs written as they are.
_NOT_PLAIN = re.compile(r'["\\\x00-\x1f]')

TABLES_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE claims (
    id TEXT PRIMARY KEY, created TEXT, updated TEXT, status TEXT, story TEXT,
    text TEXT, folded TEXT, tags TEXT, story_key TEXT, tag_keys TEXT
) WITHOUT ROWID;
CREATE TABLE links (
    id TEXT PRIMARY KEY, claim TEXT, source TEXT, relation TEXT
) WITHOUT ROWID;
CREATE TABLE sources (id TEXT PRIMARY KEY, names TEXT) WITHOUT ROWID;
CREATE TABLE names (name TEXT, source TEXT);
CREATE TABLE merged (old TEXT, tbl TEXT, holder TEXT);
CREATE TABLE misfiled (tbl TEXT, key TEXT, rid TEXT);
CREATE TABLE events (
    key TEXT PRIMARY KEY, at TEXT, id TEXT, target TEXT, kind TEXT, source TEXT, secret INTEGER
) WITHOUT ROWID
"""
WORDS_SQL = """
CREATE TABLE claim_numbers (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE claim_words USING fts5(terms, tokenize = 'ascii', detail = 'none')
"""
# ``merged``: each ID a claim or source that was merged into another had (its
# ``merged`` field), and which record holds it. ``misfiled``: each record whose ``id``
# is not the key it is filed under (``rid``: the ``repr`` of its ``id``), in file order.
# ``claim_words``: the full-text table ``similar`` finds candidates in, each claim's
# terms (``store.terms.claim_terms``) as one line, under a number of its own (FTS5
# numbers its rows; ``claim_numbers`` maps them to claim IDs). The ``ascii`` tokenizer
# splits only at ASCII spaces and punctuation, so it finds exactly the terms
# ``claim_terms`` made (all letters and digits, any script); ``detail = none``: a term's
# claims, no positions. ``events``: each event's time and ID (``log``'s order), what it
# changed, and what ``log`` withholds by (``rows.event_row``).
# The lookup indexes of each table's rows (``merged`` is filled with claims and sources).
_MERGED = (
    "CREATE INDEX IF NOT EXISTS merged_old ON merged (tbl, old)",
    "CREATE INDEX IF NOT EXISTS merged_holder ON merged (holder)",
)
INDEXES: dict[str, tuple[str, ...]] = {
    "claims": (
        "CREATE INDEX IF NOT EXISTS claims_created ON claims (created, id)",
        "CREATE INDEX IF NOT EXISTS claims_story ON claims (story, created, id)",
        "CREATE INDEX IF NOT EXISTS claims_story_key ON claims (story_key, created, id)",
        "CREATE INDEX IF NOT EXISTS claims_status ON claims (status, created, id)",
        *_MERGED,
        *CLAIM_COUNTS,  # counted once here, then kept by triggers (``store.kept``)
    ),
    "links": (
        "CREATE INDEX IF NOT EXISTS links_claim ON links (claim)",
        # Covers ``stats``' counts per source and relation (``store.counts``).
        "CREATE INDEX IF NOT EXISTS links_source ON links (source, relation, claim)",
        *LINK_COUNTS,
    ),
    "events": (
        "CREATE INDEX IF NOT EXISTS events_at ON events (at, id)",
        # ``log``'s links citing a source: only link events cite one (at 10,000 claims
        # 25,000 of 65,000 events), the others are left out
        "CREATE INDEX IF NOT EXISTS events_source ON events (source) WHERE source IS NOT NULL",
        # ``log``'s confidential sources: a few rows, not a scan of every event
        "CREATE INDEX IF NOT EXISTS events_secret ON events (target) WHERE secret = 1",
        *EVENT_COUNTS,
    ),
    "sources": (
        "CREATE INDEX IF NOT EXISTS names_name ON names (name)",
        "CREATE INDEX IF NOT EXISTS names_source ON names (source)",
        *_MERGED,
    ),
}

Identity = tuple[int, int, int, int, int]
# Records by table, each a (key, record) pair: what ``Index.fill`` reads.
Records = Mapping[str, Iterable[tuple[str, Any]]]


def identity(stat: os.stat_result) -> Identity:
    """What the index remembers of the file, as git's index does. claimtrack's own writes
    rename a new file into place (a new inode); an editor or `git checkout` changes the
    size or the times. Not caught: an outside write in place, of the same size, within
    one tick of the file system's clock after the index was updated."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


# How far apart two changes to a file may be and still leave it the same modification
# time, where the file system keeps whole seconds (FAT keeps two): an index stamped that
# close after the file's modification time cannot tell the file from one edited in the
# same tick, to the same size (git's "racy clean" problem), and is not trusted.
COARSE_TICK_NS = 2_000_000_000


def racy(current: Identity, stamped_ns: int) -> bool:
    """Whether an index that saw the file at ``stamped_ns`` (by the file system's
    clock, before reading or writing it: ``Index.vouch``) may have missed a change
    to the file it describes. On a file system with whole-second times that is any
    stamp within ``COARSE_TICK_NS`` of the modification time. With nanosecond times the
    identity itself (modification and change times to the nanosecond) tells any later
    write, so the wall clock is not asked: a clock set back (or ahead) of the file
    system's must not make a current index look stale."""
    mtime_ns = current[3]
    if mtime_ns % 1_000_000_000:
        return False
    return stamped_ns - mtime_ns < COARSE_TICK_NS


def mode() -> str:
    value = os.environ.get(INDEX_ENV, "auto").strip().lower()
    return value if value in ("auto", "always", "never") else "auto"


def wanted(size: int) -> bool:
    """Whether a file of this many bytes gets its index kept in the cache folder (a
    smaller one gets it in memory)."""
    if not hasattr(os, "pread"):
        return False  # Windows: the layout code reads with pread; parse the file instead
    chosen = mode()
    return chosen == "always" or (chosen == "auto" and size >= MIN_BYTES)


def index_path(db_path: Path) -> Path:
    """The database's full path, %-escaped into one file name (a digest of it where
    that would be too long): readable in the cache folder, and one per database."""
    from urllib.parse import quote  # loaded already: pathlib imports it

    key = quote(os.path.realpath(db_path), safe="")
    if len(key) > MAX_NAME:
        import hashlib  # not for every command: loading OpenSSL costs 3-6 ms

        key = hashlib.sha256(os.fsencode(os.path.realpath(db_path))).hexdigest()[:32]
    return user_cache_folder() / "index" / f"{key}.sqlite"


# File names may be 255 bytes on most file systems; ".sqlite" and a margin fit beside.
MAX_NAME = 200


SORT_COLUMNS = {"created", "updated", "status", "story", "text"}
# The tables whose records a structural check reports when filed under another ID, in
# the order it reports them.
CHECKED_TABLES = ("claims", "sources", "links", "events")
# The ``meta`` key saying whether a cache holds the history's rows ("made") or leaves
# them to the first ``log`` of the newest events, their only reader ("pending"): they
# were a third of a new index's build (``timeline.make_rows``, docs/performance.md).
HISTORY_ROWS = "history"


class Index:
    """The schema for one database file, open for one command: in the cache folder
    (``cache_for``) or in memory (``in_memory``).

    A cache also holds the database file open (``fd``) and, once it vouches for it, the
    file's ``layout``: every record a command reads then comes from this very file, even
    if a writer replaces it meanwhile, and the transaction keeps the index at the same
    moment.
    """

    def __init__(self, connection: sqlite3.Connection, db_path: Path | None) -> None:
        self.connection = connection
        self.db_path = db_path
        self.path = index_path(db_path) if db_path is not None else None
        self.fd = -1
        self.layout: Layout | None = None
        # The history's chain heads as the last save noted them for the file it vouched
        # for (``vouch``), when that is the file as it is now: None otherwise.
        self.chain: str | None = None
        # Whether the full-text table holds every claim's terms. The cache always does;
        # in memory it is filled the first time it is searched (``fill_words``): most
        # commands never search it, and working out terms is a third of a fill.
        self.has_words = db_path is not None
        # The tables whose every record has its rows: in the cache, all; in memory, those
        # a question has needed so far (``fill``).
        self.filled: set[str] = set(CHECKED_TABLES) if db_path is not None else set()
        # The tables whose lookup indexes are made (``ready``): rows are inserted faster
        # before them, as a fill or an import of many records inserts them.
        self.indexed: set[str] = set(self.filled)
        # Tables whose rows are left to the first question that needs them (``HISTORY_ROWS``):
        # changes to their records mark runs of lines and misfiled IDs, but make no rows.
        self.pending: set[str] = set()

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> Index:
        """An empty schema in memory, to ``fill``."""
        import sqlite3

        connection = sqlite3.connect(":memory:", isolation_level=None)
        connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # as the cache it may go to
        create_tables(connection, words=False)
        connection.execute("BEGIN")
        return cls(connection, None)

    @classmethod
    def cache_for(cls, db_path: Path) -> Index | None:
        """The cache for ``db_path`` if the file is worth one and the cache folder is
        usable (the index may still be stale); None otherwise."""
        import sqlite3

        try:
            if not wanted(db_path.stat().st_size):
                return None
            path = index_path(db_path)
            private_folder(path.parent)
            private_file(path)
            connection = _connect(path)
        except (OSError, sqlite3.Error, RuntimeError, KeyError):
            # No cache folder (no home in a container), one another user could have
            # written, a damaged index: index the file in memory.
            return None
        return cls(connection, db_path)

    @staticmethod
    def discard(db_path: Path) -> None:
        """Delete a damaged cache (the caller holds the lock): the next ``cache_for``
        starts a new one."""
        path = index_path(db_path)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(str(path) + suffix)

    def close(self) -> None:
        import sqlite3

        if self.layout is not None:
            self.layout.close()
            self.layout = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        with contextlib.suppress(sqlite3.Error):
            if self.connection.in_transaction:
                self.connection.rollback()
            self.connection.close()

    # -- trust --------------------------------------------------------------------------

    def attach(self, *, write: bool) -> bool:
        """Open the file and start a transaction (a write transaction for a writer,
        which commits in ``commit``); True if the index describes the file."""
        import sqlite3

        from claimtrack.store.layout import Layout, NotOurLayout

        assert self.db_path is not None
        try:
            if self.fd < 0:
                self.fd = os.open(self.db_path, os.O_RDONLY)
            current = identity(os.fstat(self.fd))
            self.connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            meta = dict(self.connection.execute("SELECT key, value FROM meta").fetchall())
        except (OSError, sqlite3.Error):
            self.rollback()
            return False
        if (
            meta.get("format") != FORMAT
            or meta.get("identity") != _encode(current)
            or racy(current, int(meta.get("stamped", "0")))
        ):
            self.rollback()
            return False
        blocks = {name: (int(a), int(b)) for name, (a, b) in orjson.loads(meta["blocks"]).items()}
        layout = Layout(self.fd, blocks)
        try:
            layout.check()
        except NotOurLayout:
            layout.close()
            self.rollback()
            return False
        self.layout = layout
        self.note_stage(meta)
        noted = meta.get("chain", "").split(" ", 1)
        self.chain = noted[1] if noted[0] == meta["identity"] and len(noted) == 2 else None
        return True

    def note_stage(self, meta: Mapping[str, str]) -> None:
        """Whether the cache (``meta``) holds the history's rows yet (``HISTORY_ROWS``)."""
        if meta.get(HISTORY_ROWS) == "pending":
            self.pending = {"events"}
            self.filled.discard("events")
            self.indexed.discard("events")

    def history_made(self) -> None:
        """The history's rows are in (``bulk.history_rows``): index, count and note them."""
        self.pending.discard("events")
        self.filled.add("events")
        self.ready(["events"])
        self.connection.execute("INSERT OR REPLACE INTO meta VALUES (?, 'made')", (HISTORY_ROWS,))

    def vouch(self, blocks: Blocks, current: Identity, seen: int, chain: str | None = None) -> None:
        """Note, in the open transaction, that the index describes the file with this
        identity, laid out in these blocks, as it was at ``seen`` (nanoseconds by the
        file system's clock, taken before the file was read or renamed into place: a
        change made after it may share the file's tick, ``racy``); and ``chain``, the
        history's heads in that file (``Snapshot.chain_heads``), tied to its identity so
        that a writer that does not note them (an older claimtrack) leaves none."""
        identity_text = _encode(current)
        self.chain = chain
        self.connection.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [
                ("format", FORMAT),
                ("identity", identity_text),
                ("blocks", orjson.dumps(blocks).decode()),
                ("stamped", str(seen)),
                ("chain", f"{identity_text} {chain}" if chain else ""),
                (HISTORY_ROWS, "pending" if "events" in self.pending else "made"),
            ],
        )

    def renote(self, blocks: Blocks, current: Identity) -> None:
        """Digest again the runs of lines this command's writes marked unknown
        (``chunks.renote``), from the file just written, while it is still the one with
        identity ``current``; otherwise they stay unknown and the next refresh reads
        them."""
        import mmap

        from claimtrack.store.chunks import renote

        assert self.db_path is not None
        if self.connection.execute("SELECT 1 FROM chunks WHERE digest IS NULL").fetchone() is None:
            return  # nothing marked: no need to open the file
        try:
            fd = os.open(self.db_path, os.O_RDONLY)
        except OSError:
            return
        try:
            if identity(os.fstat(fd)) == current and current[2]:
                with mmap.mmap(fd, current[2], access=mmap.ACCESS_READ) as data:
                    renote(self.connection, data, blocks)
        finally:
            os.close(fd)

    def forget(self) -> None:
        """Vouch for no file any more (the next command rebuilds the index): for a
        write that found the file not as the index describes it."""
        import sqlite3

        with contextlib.suppress(sqlite3.Error):
            self.rollback()
            self.connection.execute("DELETE FROM meta WHERE key = 'identity'")

    def commit(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("COMMIT")

    def rollback(self) -> None:
        import sqlite3

        with contextlib.suppress(sqlite3.Error):
            if self.connection.in_transaction:
                self.connection.rollback()

    # -- rows -----------------------------------------------------------------------------

    def fill(self, records: Records) -> None:
        """Rows for records not in the index yet (per table, (key, record) pairs, each
        read once), in the open transaction; ``ready`` makes the lookup indexes."""
        connection = self.connection
        merged: list[tuple[str, str, str]] = []
        misfiled: list[tuple[str, str, str]] = []
        words: list[tuple[str, str]] = []
        # Records added to a cache (an import's) change runs of lines noted before.
        added: dict[str, list[str]] | None = {} if self.db_path is not None else None

        def noted(table: str) -> Iterator[tuple[str, Any]]:
            for key, record in records.get(table, ()):
                if record.get("id") != key or "merged" in record:
                    note_merged_misfiled(table, key, record, merged, misfiled)
                if added is not None:
                    added.setdefault(table, []).append(key)
                yield key, record

        connection.executemany(
            "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                with_words(key, claim, words) if self.has_words else claim_row(key, claim)
                for key, claim in noted("claims")
            ),
        )
        if words:
            insert_words(connection, words)
        connection.executemany(
            "INSERT INTO links VALUES (?, ?, ?, ?)", (link_row(k, v) for k, v in noted("links"))
        )
        insert_sources(connection, dict(noted("sources")))
        if "events" in self.pending:
            for _ in noted("events"):  # misfiled, changed lines; their rows come later
                pass
        else:
            connection.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event_row(k, v) for k, v in noted("events")),
            )
        connection.executemany("INSERT INTO merged VALUES (?, ?, ?)", merged)
        connection.executemany("INSERT INTO misfiled VALUES (?, ?, ?)", misfiled)
        if added:
            from claimtrack.store.chunks import dirty

            for table, keys in added.items():
                dirty(connection, table, keys)
        self.filled.update(set(records) - self.pending)

    def ready(self, tables: Iterable[str]) -> None:
        """Make the lookup indexes of these tables' rows, where they are not made yet:
        before a question about them."""
        made = [
            table
            for table in dict.fromkeys(tables)
            if table not in self.indexed and table not in self.pending
        ]
        for table in made:
            for statement in INDEXES.get(table, ()):
                self.connection.execute(statement)
            self.indexed.add(table)
        if "claims" in made or "links" in made:
            self.connection.execute(DANGLING)  # kept by both tables' triggers after this

    def fill_words(self, claims: Iterable[tuple[str, Any]]) -> None:
        """Fill the full-text table with the terms of ``claims`` (every claim there is,
        as (key, record) pairs), unless it holds them already."""
        if not self.has_words:
            _create_words(self.connection)
            insert_words(self.connection, ((k, " ".join(claim_terms(v))) for k, v in claims))
            self.has_words = True

    def put(self, table: str, changes: Mapping[str, Any | None]) -> None:
        """The rows of records a command changed (None: deleted), in the open
        transaction."""
        if not changes:
            return
        connection = self.connection
        keys = [(key,) for key in changes]
        live = {key: record for key, record in changes.items() if record is not None}
        if self.db_path is not None:
            from claimtrack.store.chunks import dirty

            dirty(connection, table, changes)  # their lines are no longer as noted
        if table == "claims":
            connection.executemany("DELETE FROM claims WHERE id = ?", keys)
            connection.executemany(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [claim_row(key, claim) for key, claim in live.items()],
            )
            if self.has_words:
                upsert_words(connection, changes)
        elif table == "links":
            connection.executemany("DELETE FROM links WHERE id = ?", keys)
            connection.executemany(
                "INSERT INTO links VALUES (?, ?, ?, ?)", [link_row(k, v) for k, v in live.items()]
            )
        elif table == "events" and table not in self.pending:
            connection.executemany("DELETE FROM events WHERE key = ?", keys)
            connection.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                [event_row(k, v) for k, v in live.items()],
            )
        elif table == "sources":
            connection.executemany("DELETE FROM sources WHERE id = ?", keys)
            connection.executemany("DELETE FROM names WHERE source = ?", keys)
            insert_sources(connection, live)
        merged: list[tuple[str, str, str]] = []
        misfiled: list[tuple[str, str, str]] = []
        for key, record in live.items():
            note_merged_misfiled(table, key, record, merged, misfiled)
        if table in ("claims", "sources"):
            connection.executemany(
                "DELETE FROM merged WHERE holder = ? AND tbl = ?", [(k, table) for k in changes]
            )
            connection.executemany("INSERT INTO merged VALUES (?, ?, ?)", merged)
        if misfiled or self._any_misfiled():
            connection.executemany(
                "DELETE FROM misfiled WHERE tbl = ? AND key = ?", [(table, k) for k in changes]
            )
            connection.executemany("INSERT INTO misfiled VALUES (?, ?, ?)", misfiled)

    def _any_misfiled(self) -> bool:
        return self.connection.execute("SELECT 1 FROM misfiled LIMIT 1").fetchone() is not None

    # -- questions ------------------------------------------------------------------------

    def ids_with_prefix(self, table: str, prefix: str) -> list[str]:
        """IDs of claims, sources or links starting with ``prefix`` (as ``ids.resolve``
        reads it: stripped, lower case), sorted."""
        assert table in ("claims", "sources", "links")
        wanted_prefix = prefix.strip().lower()
        rows = self.connection.execute(
            f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id",
            (wanted_prefix, wanted_prefix + "\U0010ffff"),
        )
        return [row[0] for row in rows]

    def merged_with_prefix(self, table: str, prefix: str) -> dict[str, str]:
        """Merged-away IDs of claims or sources starting with ``prefix`` (as
        ``ids_with_prefix`` reads it) -> the ID of the record that holds each."""
        wanted_prefix = prefix.strip().lower()
        rows = self.connection.execute(
            "SELECT old, holder FROM merged WHERE tbl = ? AND old >= ? AND old < ?"
            " ORDER BY old, holder",
            (table, wanted_prefix, wanted_prefix + "\U0010ffff"),
        )
        return dict(rows.fetchall())

    def sources_named(self, folded: str) -> list[str]:
        """Sources with this (folded) name or alias, sorted; a confidential one is found
        by the digest the index keeps of its names (``hidden_name``)."""
        keys = [folded]
        if self._has_hidden():
            keys.append(hidden_name(folded))
        rows = self.connection.execute(
            f"SELECT DISTINCT source FROM names WHERE name IN ({', '.join('?' * len(keys))})"
            " ORDER BY source",
            keys,
        )
        return [row[0] for row in rows]

    def sources_naming(self, part: str) -> tuple[list[str], list[str]]:
        """Sources with ``part`` inside a (folded) name or alias, sorted; and every
        confidential source, which the index keeps no part of the names of (the caller
        checks them against their records)."""
        if not part or TAG_MARK in part or HIDDEN in part:
            return [], []
        found = self.connection.execute(
            "SELECT id FROM sources WHERE names != ? AND instr(names, ?) > 0 ORDER BY id",
            (HIDDEN, part),
        )
        hidden = self.connection.execute("SELECT id FROM sources WHERE names = ?", (HIDDEN,))
        return [row[0] for row in found], [row[0] for row in hidden]

    def _has_hidden(self) -> bool:
        row = self.connection.execute("SELECT 1 FROM sources WHERE names = ? LIMIT 1", (HIDDEN,))
        return row.fetchone() is not None

    def link_ids(self, column: str, value: str) -> list[str]:
        """IDs of the links whose ``column`` ("claim" or "source") is ``value``, sorted."""
        assert column in ("claim", "source")
        rows = self.connection.execute(
            f"SELECT id FROM links WHERE {column} = ? ORDER BY id", (value,)
        )
        return [row[0] for row in rows]

    def link_claims(self) -> sqlite3.Cursor:
        """Every link's (ID, claim), in ID order: the order of the file's lines (SQLite
        compares text as UTF-8 bytes, which sort as Python sorts the strings). The
        caller closes the cursor when it stops before the end."""
        return self.connection.execute("SELECT id, claim FROM links ORDER BY id")

    def links_citing_any(self, source_ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for source_id in source_ids:
            found.update(self.link_ids("source", source_id))
        return found

    def citing_count(self, source_id: str) -> int:
        """How many claims a source's links point to."""
        row = self.connection.execute(
            "SELECT COUNT(DISTINCT claim) FROM links WHERE source = ?", (source_id,)
        ).fetchone()
        return int(row[0])

    def claim_count(self) -> int:
        return int(self.connection.execute("SELECT count(*) FROM claims").fetchone()[0])

    def problems(self) -> list[str]:
        """What makes the database inconsistent, one line each: records filed under
        another ID (in table order, then file order), then links to a missing claim or
        source (in link ID order, the claim first). What ``check`` and the git merge
        driver report."""
        ranks = " ".join(f"WHEN '{t}' THEN {n}" for n, t in enumerate(CHECKED_TABLES))
        rows = self.connection.execute(
            f"SELECT tbl, key, rid FROM misfiled ORDER BY CASE tbl {ranks} END, rowid"
        )
        problems = [f"{table}: record {key!r} has id {rid}" for table, key, rid in rows]
        missing: list[tuple[str, str, Any]] = []
        for table, column in (("claims", "claim"), ("sources", "source")):
            # A join, not NOT IN: a fifth of the time on 250,000 links.
            query = (
                f"SELECT links.id, links.{column} FROM links LEFT JOIN {table} "
                f"ON {table}.id = links.{column} WHERE {table}.id IS NULL"
            )
            missing += [(link, column, value) for link, value in self.connection.execute(query)]
        problems += [
            f"links: {link} points at missing {column} {value!r}"
            for link, column, value in sorted(missing, key=lambda m: (m[0], m[1]))
        ]
        return problems

    def claims_with_term(self, term: str) -> list[str]:
        """IDs of the claims holding ``term`` (``store.terms``: letters and digits only),
        from the full-text table (``fill_words`` first)."""
        assert self.has_words
        rows = self.connection.execute(
            "SELECT claim_numbers.id FROM claim_words JOIN claim_numbers"
            " ON claim_numbers.n = claim_words.rowid WHERE claim_words MATCH ?",
            (f'"{term}"',),
        )
        return [row[0] for row in rows]

    def select(
        self, flt: ClaimFilter, sort: str, descending: bool, limit: int | None
    ) -> tuple[list[str], int]:
        """IDs of the claims ``flt`` selects in order (at most ``limit``), and how many
        it selects. Ties are broken by creation time, then ID; ``descending`` flips the
        whole order. Statuses sort in the workflow's order (``model.STATUSES``), an
        unknown one last; other columns as text, a missing value as ''."""
        assert sort in SORT_COLUMNS
        found = flt.where()
        if found is None:
            return [], 0
        clause, args = found
        direction = "DESC" if descending else "ASC"
        if sort == "created":
            key = ""
        elif sort == "status":
            ranks = " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(STATUSES))
            key = f"CASE status {ranks} ELSE {len(STATUSES)} END {direction}, "
        else:
            key = f"coalesce({sort}, '') {direction}, "
        order = f"{key}created {direction}, id {direction}"
        total = self.connection.execute(f"SELECT count(*) FROM claims{clause}", args).fetchone()[0]
        rows = self.connection.execute(
            f"SELECT id FROM claims{clause} ORDER BY {order} LIMIT ?",
            [*args, -1 if limit is None else limit],
        )
        return [row[0] for row in rows], int(total)

    def facts(self, flt: ClaimFilter) -> list[tuple[str, str, str | None, list[str]]]:
        """(ID, status, story, tags) of the claims ``flt`` selects, newest first: what
        ``stats`` counts, without reading a claim."""
        found = flt.where()
        if found is None:
            return []
        clause, args = found
        # Read in table order and sorted here: in the index's order every row is a seek.
        rows = self.connection.execute(
            f"SELECT created, id, status, story, tags FROM claims{clause}", args
        ).fetchall()
        rows.sort(key=lambda row: (row[0] or "", row[1]), reverse=True)
        return [
            (i, status, story, [t for t in tags.split(TAG_MARK) if t])
            for _, i, status, story, tags in rows
        ]


def create_tables(connection: sqlite3.Connection, *, words: bool = True) -> None:
    from claimtrack.store.chunks import CHUNKS_SQL

    for statement in (*TABLES_SQL.strip().split(";\n"), CHUNKS_SQL):
        connection.execute(statement)
    if words:
        _create_words(connection)


def _create_words(connection: sqlite3.Connection) -> None:
    for statement in WORDS_SQL.strip().split(";\n"):
        connection.execute(statement)


def _connect(path: Path) -> sqlite3.Connection:
    """The cache, in WAL mode (a reader never waits for the writer, nor the writer for
    readers), with its tables made if it is new. Writers all hold the database lock, so
    SQLite's own wait for a lock (``timeout``) is only ever for a checkpoint's moment."""
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a new file's; else none
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        found = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if not found:
            connection.execute("BEGIN IMMEDIATE")
            create_tables(connection)
            connection.execute("COMMIT")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def copy_index(source: sqlite3.Connection, cache: sqlite3.Connection) -> None:
    """Copy a whole index (``source``, committed) into the cache page by page (SQLite's
    backup), in one transaction of the cache: its readers keep the index as it was
    until the copy commits (WAL). Into a WAL database the pages are copied as they are,
    so both must have the same size: a cache with other pages (4 KB, made before
    ``PAGE_SIZE``) is taken out of WAL mode for the copy, which then gives it the
    copy's pages, where no other command has it open; otherwise a copy from a file
    (``build.build_anew``) is first made again with the cache's pages, and one from
    memory fails (``sqlite3.Error``: the next command builds the cache anew)."""
    import sqlite3

    size = cache.execute("PRAGMA page_size").fetchone()[0]
    if size != source.execute("PRAGMA page_size").fetchone()[0]:
        with contextlib.suppress(sqlite3.Error):  # with a reader, it stays in WAL mode
            cache.execute("PRAGMA journal_mode = DELETE")
        in_file = source.execute("PRAGMA database_list").fetchone()[2] != ""
        if cache.execute("PRAGMA journal_mode").fetchone()[0] == "wal" and in_file:
            source.execute(f"PRAGMA page_size = {size}")
            source.execute("VACUUM")
    try:
        source.backup(cache)
    finally:
        cache.execute("PRAGMA journal_mode = WAL")


def read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks: list[bytes] = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _encode(current: Identity) -> str:
    return ",".join(map(str, current))


def plain_ids(records: Iterable[str]) -> bool:
    """Whether none of these IDs needs escaping in JSON: binary search compares IDs
    written as they are, so a file holding such an ID gets no cache."""
    return not any(_NOT_PLAIN.search(key) for key in records)
