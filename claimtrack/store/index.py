"""A sidecar index beside a large database file, so that commands need not parse it all.

The JSON file stays the only truth. The index is a SQLite file in the user's cache
folder holding, for each claim, the fields that listing filters and sorts on, and for
each link its claim, source and relation; record bodies are read from the JSON file
itself by binary search (``claimtrack.store.layout``). The index remembers the file's identity
(device, inode, size, modification and change times in nanoseconds) and is used only
while the file still has exactly that identity: edited by hand, checked out by git,
replaced by a backup, and it is rebuilt from the file before it is trusted again.
Deleting it is always safe.

Only commands holding the database lock build or change the index, so two writers never
race on it; a reader that finds it stale builds it when the lock is free and otherwise
parses the file as it would without an index.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import stat as stat_module
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from claimtrack.errors import DatabaseError
from claimtrack.model import SCHEMA_VERSION, STATUSES, fold
from claimtrack.store.fileformat import (
    TABLES,
    Data,
    check_claim_numbers,
    check_link_numbers,
    shape_problem,
)
from claimtrack.store.filter import TAG_MARK, ClaimFilter
from claimtrack.store.terms import claim_terms

if TYPE_CHECKING:
    import sqlite3

    from claimtrack.store.layout import Blocks, Layout, Scan

# sqlite3, hashlib and the layout code are imported where used: a small database, which
# needs no index, does not pay for them.

INDEX_ENV = "CLAIMTRACK_INDEX"
# Below this (about 300 claims) parsing the whole file costs no more than the index would.
MIN_BYTES = 500_000
FORMAT = "6"  # bump when the tables below or what an index vouches for change: rebuilt
# What JSON must escape in a record ID; binary search compares IDs written as they are.
_NOT_PLAIN = re.compile(r'["\\\x00-\x1f]')

SCHEMA = """
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
"""
# The full-text table ``similar`` finds candidates in: each claim's terms
# (``store.terms.claim_terms``) as one line, under a number of its own (FTS5 numbers its
# rows; ``claim_numbers`` maps them to claim IDs). The ``ascii`` tokenizer splits only at
# ASCII spaces and punctuation, so it finds exactly the terms ``claim_terms`` made (all
# letters and digits, any script); ``detail = none``: a term's claims, no positions.
WORDS_SCHEMA = """
CREATE TABLE claim_numbers (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE claim_words USING fts5(terms, tokenize = 'ascii', detail = 'none');
"""
INDEXES = """
CREATE INDEX claims_created ON claims (created, id);
CREATE INDEX claims_story ON claims (story, created, id);
CREATE INDEX claims_story_key ON claims (story_key, created, id);
CREATE INDEX claims_status ON claims (status, created, id);
CREATE INDEX links_claim ON links (claim);
CREATE INDEX links_source ON links (source);
CREATE INDEX names_name ON names (name);
CREATE INDEX names_source ON names (source)
"""

Identity = tuple[int, int, int, int, int]
# How long a write waits for readers of the index before leaving it stale (ms).
APPLY_WAIT_MS = 300


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
    """Whether an index stamped at ``stamped_ns`` (wall clock) may have missed a change
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
    """Whether a file of this many bytes is worth an index."""
    if not hasattr(os, "pread"):
        return False  # Windows: the layout code reads with pread; parse the file instead
    chosen = mode()
    return chosen == "always" or (chosen == "auto" and size >= MIN_BYTES)


def index_path(db_path: Path) -> Path:
    """The database's full path, %-escaped into one file name (a digest of it where
    that would be too long): readable in the cache folder, and one per database."""
    from urllib.parse import quote  # loaded already: pathlib imports it

    from platformdirs import user_cache_path

    key = quote(os.path.realpath(db_path), safe="")
    if len(key) > MAX_NAME:
        import hashlib  # not for every command: loading OpenSSL costs 3-6 ms

        key = hashlib.sha256(os.fsencode(os.path.realpath(db_path))).hexdigest()[:32]
    return user_cache_path("claimtrack", appauthor=False) / "index" / f"{key}.sqlite"


# File names may be 255 bytes on most file systems; ".sqlite" and a margin fit beside.
MAX_NAME = 200


def claim_row(record_id: str, claim: Mapping[str, Any]) -> tuple[Any, ...]:
    """The claim's row: what listings sort on and the keys ``ClaimFilter.where`` filters
    on, each as ``ClaimFilter.matches`` compares it (``model.fold``)."""
    text = str(claim.get("text") or "")
    folded = fold(text) + "\n" + fold(str(claim.get("quote") or ""))
    tags = TAG_MARK + TAG_MARK.join(claim.get("tags") or []) + TAG_MARK
    story = claim.get("story")
    tag_keys = TAG_MARK + TAG_MARK.join(fold(str(t)) for t in claim.get("tags") or []) + TAG_MARK
    return (
        record_id,
        claim.get("created"),
        claim.get("updated"),
        claim.get("status"),
        claim.get("story"),
        text,
        folded,
        tags,
        fold(str(story)) if story is not None else None,
        tag_keys,
    )


def source_names(source: Mapping[str, Any]) -> list[str]:
    return [fold(str(n)) for n in (source.get("name") or "", *(source.get("aliases") or []))]


def link_row(record_id: str, link: Mapping[str, Any]) -> tuple[Any, ...]:
    return (record_id, link.get("claim"), link.get("source"), link.get("relation"))


def describe(db_path: Path) -> str | None:
    """Where the index of ``db_path`` is and whether it is current, for ``db path``."""
    try:
        size = db_path.stat().st_size
    except OSError:
        return None
    if mode() == "never":
        return f"none ({INDEX_ENV}=never)"
    if not wanted(size):
        return f"none (the file is under {MIN_BYTES // 1000} KB)"
    path = index_path(db_path)
    if not path.exists():
        return f"{path} (not built yet: the next command builds it)"
    index = FileIndex.connect(db_path)
    if index is None:
        return f"{path} (unreadable: commands parse the file instead)"
    try:
        current = index.attach()
    finally:
        index.close()
    return f"{path} ({'current' if current else 'stale: the next command rebuilds it'})"


SORT_COLUMNS = {"created", "updated", "status", "story", "text"}


class FileIndex:
    """The index of one database file, open for one command."""

    def __init__(self, db_path: Path, connection: sqlite3.Connection) -> None:
        self.db_path = db_path
        self.path = index_path(db_path)
        self.connection = connection
        self.fd = -1
        self.layout: Layout | None = None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def connect(cls, db_path: Path) -> FileIndex | None:
        """The index for ``db_path`` if one should be used (it may still be stale)."""
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
            # written, a damaged index: work from the file alone.
            return None
        return cls(db_path, connection)

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

    def forget(self) -> None:
        """Vouch for no file any more (the next command rebuilds the index): for a
        write that found the file not as the index describes it."""
        import sqlite3

        with contextlib.suppress(sqlite3.Error):
            if self.connection.in_transaction:
                self.connection.rollback()
            self.connection.execute("DELETE FROM meta WHERE key = 'identity'")

    def attach(self) -> bool:
        """Open the file and start a read transaction; True if the index describes it.

        The file descriptor is kept: every later lookup reads this very file, even if a
        writer replaces it meanwhile, and the transaction keeps the index at the same
        moment.
        """
        import sqlite3

        from claimtrack.store.layout import Layout, NotOurLayout

        try:
            if self.fd < 0:
                self.fd = os.open(self.db_path, os.O_RDONLY)
            current = identity(os.fstat(self.fd))
            self.connection.execute("BEGIN")
            meta = dict(self.connection.execute("SELECT key, value FROM meta").fetchall())
        except (OSError, sqlite3.Error):
            return False
        if (
            meta.get("format") != FORMAT
            or meta.get("identity") != _encode(current)
            or racy(current, int(meta.get("stamped", "0")))
        ):
            self.connection.rollback()
            return False
        blocks = {name: (int(a), int(b)) for name, (a, b) in orjson.loads(meta["blocks"]).items()}
        layout = Layout(self.fd, blocks)
        try:
            layout.check()
        except NotOurLayout:
            layout.close()
            self.connection.rollback()
            return False
        self.layout = layout
        return True

    def rebuild(self) -> bool:
        """Build the index from the file (the caller holds the lock). False when the file
        is not laid out one record per line, or fails a check: then the command parses it
        as it would without an index (reporting any damage), and the next write, which
        rewrites the whole file, lays it out so."""
        from claimtrack.store.layout import Layout, NotOurLayout, Scan

        if self.connection.in_transaction:
            self.connection.rollback()
        if self.layout is not None:
            self.layout.close()
            self.layout = None
        if self.fd < 0:
            self.fd = os.open(self.db_path, os.O_RDONLY)
        current = identity(os.fstat(self.fd))
        try:
            scan = Scan(_read_all(self.fd))
            meta = dict(scan.records("_meta"))
            schema = meta.get("schema")
            version = schema.get("version") if isinstance(schema, dict) else None
            if type(version) is not int or version != SCHEMA_VERSION:
                # Older files are migrated by a whole-file write first; a version of
                # true or 1.0 is refused there (``fileformat.parse``), so not vouched
                # for here either.
                return False
            self._write_fresh(scan, current)
        except (NotOurLayout, DatabaseError):
            return False
        self.connection.execute("BEGIN")
        self.layout = Layout(self.fd, scan.blocks)
        return True

    def _write_fresh(self, scan: Scan, current: Identity) -> None:
        """A whole new index from the file: records are parsed a few thousand lines at a
        time and dropped once their rows are written, so a build holds the file's bytes
        and little more. Every record is parsed, the history's too: the index vouches
        for the whole file."""
        for key, event in scan.records("events"):
            _keyed(key, event, "events")  # parsed and checked, not indexed
        path = self.db_path
        words: list[tuple[str, str]] = []
        self._build(
            _claim_rows(scan, path, words),
            _link_rows(scan, path),
            {key: _keyed(key, source, "sources") for key, source in scan.records("sources")},
            scan.blocks,
            current,
            words,
        )

    def write_from(
        self,
        data: Data,
        packed: Mapping[str, Mapping[str, bytes]],
        blocks: Blocks,
        current: Identity,
    ) -> None:
        """A whole new index from records in memory, just written to the file whole by
        ``fileformat.dump_to`` (``packed`` records as JSON, decoded here one at a time)."""
        tables = {
            table: itertools.chain(
                data[table].items(),
                ((key, orjson.loads(body)) for key, body in packed.get(table, {}).items()),
            )
            for table in ("claims", "links", "sources")
        }
        if any(
            _NOT_PLAIN.search("".join(records))
            for table in data
            for records in (data[table], packed.get(table, {}))
        ):
            return  # an ID the file must escape: binary search could not find it; no index
        if any(record.get("id") != key for table in TABLES for key, record in data[table].items()):
            return  # a record under another record's key: only a full parse reports it
        words: list[tuple[str, str]] = []
        self._build(
            (_with_words(k, v, words) for k, v in tables["claims"]),
            (link_row(k, v) for k, v in tables["links"]),
            dict(tables["sources"]),
            blocks,
            current,
            words,
        )

    def _build(
        self,
        claims: Iterable[tuple[Any, ...]],
        links: Iterable[tuple[Any, ...]],
        sources: Mapping[str, Any],
        blocks: Blocks,
        current: Identity,
        words: list[tuple[str, str]],
    ) -> None:
        """Built in a temporary file and renamed into place, so that a reader sees the
        old index or the new one. ``words``: (claim ID, terms) of each claim, filled in
        as ``claims`` is read."""
        import sqlite3

        self.connection.close()
        for leftover in self.path.parent.glob(self.path.name + ".*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()  # from a build that was killed; we hold the lock
        temporary = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        private_file(temporary)
        build = sqlite3.connect(temporary, isolation_level=None)
        try:
            build.execute("PRAGMA journal_mode = OFF")
            build.execute("PRAGMA synchronous = OFF")
            build.executescript(SCHEMA)
            build.executescript(WORDS_SCHEMA)
            build.execute("BEGIN")
            build.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", claims)
            _insert_words(build, words)
            build.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", links)
            _insert_sources(build, sources)
            for statement in INDEXES.strip().split(";\n"):
                build.execute(statement)
            _store_meta(build, blocks, current)
            build.execute("COMMIT")
        finally:
            build.close()
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self.connection = _connect(self.path)

    # -- reading --------------------------------------------------------------------------

    def ids_with_prefix(self, table: str, prefix: str) -> list[str]:
        """IDs of claims, sources or links starting with ``prefix`` (as ``ids.resolve``
        reads it)."""
        assert table in ("claims", "sources", "links")
        wanted_prefix = prefix.strip().lower()
        rows = self.connection.execute(
            f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id",
            (wanted_prefix, wanted_prefix + "\U0010ffff"),
        )
        return [row[0] for row in rows]

    def source_ids_named(self, folded: str) -> list[str]:
        """Sources with this (folded) name or alias; a confidential one is found by the
        digest the index keeps of its names (``hidden_name``)."""
        keys = [folded]
        hidden = self.connection.execute("SELECT value FROM meta WHERE key = 'hidden'")
        if hidden.fetchone() is not None:
            keys.append(hidden_name(folded))
        rows = self.connection.execute(
            f"SELECT source FROM names WHERE name IN ({', '.join('?' * len(keys))})", keys
        )
        return [row[0] for row in rows]

    def source_ids_naming(self, part: str) -> list[str]:
        """Sources that may have ``part`` inside a (folded) name or alias: those that do,
        and every confidential source (the index keeps no part of their names; the
        caller checks them against the file)."""
        if TAG_MARK in part or HIDDEN in part:
            return []
        rows = self.connection.execute(
            "SELECT id FROM sources WHERE instr(names, ?) > 0 OR names = ?", (part, HIDDEN)
        )
        return [row[0] for row in rows]

    def link_claims(self) -> Iterator[tuple[str, str]]:
        """Every link's (ID, claim), in ID order: the order of the file's lines (SQLite
        compares text as UTF-8 bytes, which sort as Python sorts the strings)."""
        yield from self.connection.execute("SELECT id, claim FROM links ORDER BY id")

    def claims_citing(self) -> dict[str, int]:
        """Source ID -> how many claims its links point to."""
        rows = self.connection.execute(
            "SELECT source, COUNT(DISTINCT claim) FROM links GROUP BY source"
        )
        return dict(rows.fetchall())

    def claim_count(self) -> int:
        return int(self.connection.execute("SELECT count(*) FROM claims").fetchone()[0])

    def dangling_links(self) -> list[tuple[str, str, Any]]:
        """(link, "claim" or "source", what it names) for each link that points at a
        missing claim or source, in link ID order, the claim first."""
        missing: list[tuple[str, str, Any]] = []
        for table, column in (("claims", "claim"), ("sources", "source")):
            # A join, not NOT IN: a fifth of the time on 250,000 links.
            query = (
                f"SELECT links.id, links.{column} FROM links LEFT JOIN {table} "
                f"ON {table}.id = links.{column} WHERE {table}.id IS NULL"
            )
            missing += [(link, column, value) for link, value in self.connection.execute(query)]
        return sorted(missing)

    def claims_with_term(self, term: str) -> list[str]:
        """IDs of the claims holding ``term`` (``store.terms``: letters and digits only),
        from the full-text table."""
        rows = self.connection.execute(
            "SELECT claim_numbers.id FROM claim_words JOIN claim_numbers"
            " ON claim_numbers.n = claim_words.rowid WHERE claim_words MATCH ?",
            (f'"{term}"',),
        )
        return [row[0] for row in rows]

    def link_ids(self, column: str, value: str) -> list[str]:
        assert column in ("claim", "source")
        rows = self.connection.execute(f"SELECT id FROM links WHERE {column} = ?", (value,))
        return [row[0] for row in rows]

    def select(
        self, flt: ClaimFilter, sort: str, descending: bool, limit: int | None
    ) -> tuple[list[str], int]:
        """IDs of the matching claims in order (at most ``limit``), and how many match."""
        assert sort in SORT_COLUMNS
        found = flt.where()
        if found is None:
            return [], 0
        clause, args = found
        direction = "DESC" if descending else "ASC"
        if sort == "created":
            key = ""
        elif sort == "status":  # the workflow's order, as ``STATUSES`` gives it
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
        """(ID, status, story, tags) of the matching claims, newest first: what ``stats``
        counts, without reading a claim."""
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

    def link_facts(self) -> Iterator[tuple[str, str, str]]:
        """(claim, source, relation) of every link."""
        yield from self.connection.execute("SELECT claim, source, relation FROM links")

    # -- writing --------------------------------------------------------------------------

    def apply(
        self,
        claims: Mapping[str, Mapping[str, Any] | None],
        links: Mapping[str, Mapping[str, Any] | None],
        sources: Mapping[str, Mapping[str, Any] | None],
        blocks: Blocks,
        current: Identity,
    ) -> None:
        """Record a spliced write: changed claims and links, the file's new identity.

        Called after the file is safely written. A reader that holds the index open (a
        listing whose pager is paused) would keep this waiting for SQLite's lock; the
        wait is short (``APPLY_WAIT_MS``), and if it runs out ``sqlite3.Error`` is raised
        and the index is left describing the old file: the next command rebuilds it.
        """
        connection = self.connection
        if connection.in_transaction:
            connection.rollback()  # the read transaction of this command
        connection.execute(f"PRAGMA busy_timeout = {APPLY_WAIT_MS}")
        connection.execute("BEGIN IMMEDIATE")
        try:
            _upsert(connection, "claims", claims, claim_row, 10)
            _upsert_words(connection, claims)
            _upsert(connection, "links", links, link_row, 4)
            if sources:
                connection.executemany(
                    "DELETE FROM sources WHERE id = ?", [(key,) for key in sources]
                )
                connection.executemany(
                    "DELETE FROM names WHERE source = ?", [(key,) for key in sources]
                )
                _insert_sources(connection, {k: v for k, v in sources.items() if v is not None})
            _store_meta(connection, blocks, current)
            connection.execute("COMMIT")
        except BaseException:
            connection.rollback()
            raise


def _keyed(key: str, record: Any, table: str) -> Any:
    """The record, if it is filed under its own ID and has the shape commands read
    (``fileformat.shape_problem``). An index is built only for a file where each is:
    ``check`` then learns of records filed wrongly from the index's absence (it parses
    the file and reports them), and a damaged record is reported by that parse."""
    from claimtrack.store.layout import NotOurLayout

    if record.get("id") != key:
        raise NotOurLayout(f"record {key!r} has id {record.get('id')!r}")
    if shape_problem(table, record) is not None:
        raise NotOurLayout(f"record {key!r} is damaged")
    return record


def _claim_rows(scan: Scan, path: Path, words: list[tuple[str, str]]) -> Iterator[tuple[Any, ...]]:
    for key, claim in scan.records("claims"):
        check_claim_numbers(key, claim, path)
        yield _with_words(key, _keyed(key, claim, "claims"), words)


def _with_words(
    key: str, claim: Mapping[str, Any], words: list[tuple[str, str]]
) -> tuple[Any, ...]:
    """The claim's row; its terms noted in ``words`` for the full-text table."""
    words.append((key, " ".join(claim_terms(claim))))
    return claim_row(key, claim)


def _insert_words(connection: sqlite3.Connection, words: Iterable[tuple[str, str]]) -> None:
    """Number each claim (after the highest number in use) and put its terms in the
    full-text table under that number."""
    last = connection.execute("SELECT coalesce(max(n), 0) FROM claim_numbers").fetchone()[0]
    numbered = [(last + i, key, terms) for i, (key, terms) in enumerate(words, 1)]
    connection.executemany(
        "INSERT INTO claim_numbers (n, id) VALUES (?, ?)", ((n, k) for n, k, _ in numbered)
    )
    connection.executemany(
        "INSERT INTO claim_words (rowid, terms) VALUES (?, ?)", ((n, t) for n, _, t in numbered)
    )


def _upsert_words(
    connection: sqlite3.Connection, claims: Mapping[str, Mapping[str, Any] | None]
) -> None:
    """A spliced write's changed claims in the full-text table: old terms out, new in."""
    for key in claims:
        found = connection.execute("SELECT n FROM claim_numbers WHERE id = ?", (key,)).fetchone()
        if found is not None:
            connection.execute("DELETE FROM claim_words WHERE rowid = ?", found)
            connection.execute("DELETE FROM claim_numbers WHERE n = ?", found)
    _insert_words(
        connection,
        ((k, " ".join(claim_terms(v))) for k, v in claims.items() if v is not None),
    )


def _link_rows(scan: Scan, path: Path) -> Iterator[tuple[Any, ...]]:
    for key, link in scan.records("links"):
        check_link_numbers(key, link, path)
        yield link_row(key, _keyed(key, link, "links"))


def _owned_privately(stat: os.stat_result) -> bool:
    """Made by this user, and no one else may change it."""
    if not hasattr(os, "geteuid"):
        return True  # Windows: the profile folder's permissions protect the cache
    return stat.st_uid == os.geteuid() and not stat.st_mode & 0o022


def private_folder(folder: Path) -> None:
    """Make ``folder`` (and the cache folder above it) owner-only from the start, or
    refuse it (``PermissionError``) if another user owns it or others may write to it:
    an index planted there would decide what claimtrack shows and writes."""
    for part in (folder.parent, folder):
        try:
            os.mkdir(part, 0o700)
        except FileExistsError:
            pass
        except FileNotFoundError:
            part.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(part, 0o700)
        found = os.lstat(part)
        if not stat_module.S_ISDIR(found.st_mode) or not _owned_privately(found):
            raise PermissionError(f"{part} is not a private folder of this user")
        if found.st_mode & 0o077 and hasattr(os, "geteuid"):
            os.chmod(part, 0o700)  # ours, made readable by an older claimtrack


def private_file(path: Path) -> None:
    """Create ``path`` owner-only (0600) if it is not there, or check that it is this
    user's and nobody else's (``PermissionError``); never through a symbolic link."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        found = os.fstat(fd)
        if not stat_module.S_ISREG(found.st_mode) or not _owned_privately(found):
            raise PermissionError(f"{path} is not a private file of this user")
        if found.st_mode & 0o077 and hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _connect(path: Path) -> sqlite3.Connection:
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def _read_all(fd: int) -> bytes:
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


def _store_meta(connection: sqlite3.Connection, blocks: Blocks, current: Identity) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [
            ("format", FORMAT),
            ("identity", _encode(current)),
            ("blocks", orjson.dumps(blocks).decode()),
            ("stamped", str(time.time_ns())),
        ],
    )


# A confidential source's row in ``sources.names``: its names are not there.
HIDDEN = "\x1e"


def hidden_name(folded: str) -> str:
    """How the index keeps a confidential source's (folded) name or alias: a digest,
    enough to find the source by its exact name and no more (the index lives in the
    cache folder, beside no confidentiality but its permissions)."""
    import hashlib  # only where a confidential source is: OpenSSL costs a few ms

    digest = hashlib.blake2b(folded.encode(), digest_size=16, person=b"claimtrack-name")
    return "#" + digest.hexdigest()


def _insert_sources(connection: sqlite3.Connection, sources: Mapping[str, Any]) -> None:
    rows: list[tuple[str, str]] = []
    names: list[tuple[str, str]] = []
    for key, source in sources.items():
        folded = source_names(source)
        if source.get("confidential"):
            rows.append((key, HIDDEN))
            names.extend((hidden_name(name), key) for name in folded)
        else:
            rows.append((key, TAG_MARK.join(folded)))
            names.extend((name, key) for name in folded)
    connection.executemany("INSERT INTO sources VALUES (?, ?)", rows)
    connection.executemany("INSERT INTO names VALUES (?, ?)", names)
    if any(name == HIDDEN for _, name in rows):
        connection.execute("INSERT OR REPLACE INTO meta VALUES ('hidden', '1')")


def _upsert(
    connection: sqlite3.Connection,
    table: str,
    changes: Mapping[str, Mapping[str, Any] | None],
    row: Any,
    width: int,
) -> None:
    if not changes:
        return
    connection.executemany(f"DELETE FROM {table} WHERE id = ?", [(key,) for key in changes])
    marks = ", ".join("?" * width)
    connection.executemany(
        f"INSERT INTO {table} VALUES ({marks})",
        [row(key, record) for key, record in changes.items() if record is not None],
    )
