"""One command's view of the database file: the transaction, and every read.

``open_snapshot(path, write=...)`` takes the lock (for a write), opens the file and
yields a ``Snapshot``; when the block ends without an error a writing command's changes
are saved atomically, and an error leaves the file as it was.

A snapshot has two parts, each with one job:

- **Records** come from the file: parsed whole (a small file, or one the cache cannot
  vouch for), or read by ID through the file's layout as they are asked for (a large
  file with a current cache); what this command changes is kept in memory over them.
- **Questions** (a selection of claims and its order, links by claim or source, IDs by
  prefix, sources by name, candidates for ``similar``, counts, structural checks) are
  answered by the one SQLite schema of ``store.index``, in the cache folder or in
  memory. Every change this command makes reaches its rows before the next question,
  so a writing command's questions see its own changes.

Callers ask for records and answers, and never learn where the schema lives.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from claimtrack.errors import DatabaseError, NotFound
from claimtrack.model import Claim, Event, Link, fold
from claimtrack.store.adapter import IdTable, SnapshotDB, SnapshotStorage
from claimtrack.store.collector import paused_gc
from claimtrack.store.fileformat import META, TABLES, Data, dump_to, empty_data, parse
from claimtrack.store.files import (
    atomic_write,
    check_never_there,
    check_regular,
    lock_timeout,
    locked,
    mark_saved,
    real_path,
    remove_stale_temp_files,
)
from claimtrack.store.filter import ClaimFilter
from claimtrack.store.index import Identity, Index, copy_index, identity, plain_ids, wanted
from claimtrack.store.terms import rank

if TYPE_CHECKING:
    from claimtrack.store.counts import ClaimCounts, SourceCounts
    from claimtrack.store.layout import Blocks, Layout
    from claimtrack.store.memo import Memo
    from claimtrack.store.timeline import IndexedHistory

SORT_KEYS = ("created", "updated", "status", "story", "text")

# Up to this many claims (or a tenth of them) a listing reads each claim and its links
# by ID; beyond, it reads every claim and link in one pass.
LOOKUP_LIMIT = 200


class Snapshot:
    """The records of one database file for the length of one command, and the index
    that answers questions about them.

    ``claims``, ``sources``, ``links`` and ``events`` are TinyDB tables over the
    snapshot (``claimtrack.store.adapter``): the domain layer writes through them, and
    each change reaches the index before the next question.
    """

    def __init__(
        self,
        path: Path,
        index: Index,
        data: Data,
        *,
        writable: bool,
        history: bytes | None = None,
    ) -> None:
        self.path = path
        self.writable = writable
        self._index = index
        # Where records are read by ID: the file's layout, when the cache vouches for it;
        # otherwise ``data`` holds every record of the file.
        self._layout: Layout | None = index.layout
        self._storage = SnapshotStorage(data)
        self._tinydb = SnapshotDB(storage=lambda: self._storage)
        self.claims: IdTable = self._tinydb.id_table("claims")
        self.sources: IdTable = self._tinydb.id_table("sources")
        self.links: IdTable = self._tinydb.id_table("links")
        self.events: IdTable = self._tinydb.id_table("events")
        # The tables whose every record is in ``data``; for the others, each record read
        # so far as the file has it (None: looked for and absent), which a save checks
        # the file still holds before splicing around it.
        self._complete: set[str] = set(TABLES) if self._layout is None else set()
        self._originals: dict[str, dict[str, bytes | None]] = {name: {} for name in TABLES}
        # The file's bytes, kept to parse the history from the first time it is asked
        # for (a reading command that never looks at it does not parse it).
        self._history = history
        if history is not None:
            self._complete.discard("events")
        # What this command changed: all of it is saved, and what the index has not
        # heard of yet goes to it before the next question.
        self._touched: dict[str, set[str]] = {name: set() for name in TABLES}
        self._unheard: dict[str, set[str]] = {name: set() for name in TABLES}
        # Records an import hands over already serialised, written as they are (a whole
        # file write); anything that reads the table decodes them first.
        self._packed: dict[str, dict[str, bytes]] = {}
        for table in TABLES:
            id_table = self._tinydb.id_table(table)
            id_table.watcher = functools.partial(self._changed, table)
            if self._layout is not None:
                id_table.loader = functools.partial(self._load, table)
        # A read-only listing of (nearly) every claim: their lines and their links'
        # lines, unparsed, read in one pass.
        self._link_lines: dict[str, list[bytes]] | None = None
        # The file this command wrote, as written (``fstat``): None until it saves.
        self.written: os.stat_result | None = None
        self._claim_lines: dict[str, bytes] | None = None
        # The chain heads (``integrity.chain``) the cache noted for the file as it is, else
        # None; the domain sets them as it appends events, and a save notes them.
        self.chain_heads: list[str] | None = None
        if self._layout is not None and index.chain:
            self.chain_heads = index.chain.split(",")

    @property
    def cached(self) -> bool:
        """Whether the index lives in the cache folder (else in memory): for tests and
        ``db path``; nothing else needs to know."""
        return self._index.db_path is not None

    @property
    def data(self) -> Data:
        if self._packed:
            self._unpack()
        return self._storage.data

    def _changed(self, table: str, record_ids: Iterable[str]) -> None:
        for record_id in record_ids:
            self._touched[table].add(record_id)
            self._unheard[table].add(record_id)

    def _ask(self, *tables: str) -> Index:
        """The index, with rows for every record of these tables and told of every
        change made so far. In memory a table's rows are made the first time a question
        needs them (from ``data``, this command's changes included): ``show`` of a
        small file makes no row of a link."""
        index = self._index
        for table in tables:
            self._fill(table)
        if any(self._unheard.values()):
            data = self._storage.data
            for table, record_ids in self._unheard.items():
                if record_ids and (table in index.filled or table in index.pending):
                    index.put(table, {key: data[table].get(key) for key in record_ids})
                record_ids.clear()
        index.ready(tables)
        return index

    def _fill(self, table: str) -> None:
        """Rows for every record of the table, if it has none yet (in memory)."""
        if table not in self._index.filled and table not in self._index.pending:
            # Not ``records``: an import's packed records stay packed (their rows were
            # made as they were handed over, ``add_serialised``).
            stored = self._storage.data[table]
            records = stored if table in self._complete else self.records(table)
            self._index.fill({table: records.items()})
            self._unheard[table].clear()

    def _with_words(self) -> Index:
        """The index, its full-text table filled (in memory, every claim is in
        ``data``; the packed ones of an import were given with their terms)."""
        index = self._ask("claims")
        if not index.has_words:
            index.fill_words(self._storage.data["claims"].items())
        return index

    def close(self) -> None:
        self._index.close()

    # -- the transaction ----------------------------------------------------------------

    def save(self) -> None:
        """Write this command's changes: spliced into the file where the cache vouches
        for its layout, the whole file otherwise (or for an import's packed records).
        The index learns of the changes in the same transaction, committed after the
        file is in place; nothing changed, nothing is written."""
        changes = self._changes()
        whole = bool(self._packed) or self._layout is None
        if not changes and not self._packed and (self.path.exists() or not whole):
            self._index.rollback()
            return
        self._ask()
        if whole:
            blocks, written = self._write_whole()
        else:
            blocks, written = self._splice(changes)
        self.written = written
        mark_saved(self.path)
        current = _ours(self.path, written)
        heads = ",".join(self.chain_heads) if self.chain_heads else None
        # A file holding an ID that JSON escapes: binary search could not find it.
        plain = not whole or all(
            plain_ids(records) for records in (*self._storage.data.values(), *self._packed.values())
        )
        if current is None or not plain:  # replaced by another program meanwhile
            self._index.forget()  # vouch for nothing
            self._index.commit()
        elif self._index.db_path is not None:
            self._index.renote(blocks, current)
            # Seen when written, before the rename (the temporary file's own time).
            self._index.vouch(blocks, current, written.st_mtime_ns, heads)
            if changes.get("events"):  # for a result kept for the history (store.memo)
                from claimtrack.store.memo import note_added

                note_added(self._index.connection, changes["events"])
            self._index.commit()
        elif wanted(current[2]):  # grown large, or indexed in memory for want of a cache
            self._ask(*TABLES)
            seen = written.st_mtime_ns
            _to_cache(self.path, self._with_words(), blocks, current, seen, heads)

    def _changes(self) -> dict[str, dict[str, bytes | None]]:
        """Per table, the new line of each record this command changed (None: deleted),
        where it differs from what the file holds."""
        changes: dict[str, dict[str, bytes | None]] = {}
        data = self._storage.data
        for table, record_ids in self._touched.items():
            for record_id in record_ids:
                record = data[table].get(record_id)
                new = None if record is None else orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
                if self._layout is None or new != self._as_read(table, record_id):
                    changes.setdefault(table, {})[record_id] = new
        return changes

    def _as_read(self, table: str, record_id: str) -> bytes | None:
        """A record's line as this command first read it from the file (or the file has
        it, where the whole table was read at once)."""
        assert self._layout is not None
        originals = self._originals[table]
        if record_id in originals:
            return originals[record_id]
        return self._layout.get(table, record_id)

    def _write_whole(self) -> tuple[Blocks, os.stat_result]:
        for table in TABLES:  # every record, to write them all (an import's packed ones
            self._read_table(table)  # as they are: decoding them would double the memory)
        data, packed = self._storage.data, self._packed
        blocks: Blocks = {}
        written: list[os.stat_result] = []

        def write(fd: int) -> None:
            # Buffered: a raw write may take only part of a piece; the buffer writes the rest.
            with open(fd, "wb", closefd=False) as handle:
                blocks.update(dump_to(handle.write, data, packed))
            written.append(os.fstat(fd))

        atomic_write(self.path, write)
        return blocks, written[0]

    def _splice(self, changes: dict[str, dict[str, bytes | None]]) -> tuple[Blocks, os.stat_result]:
        from claimtrack.store.layout import ChangedUnderneath, splice

        layout = self._layout
        assert layout is not None
        # What each changed line held when it was read: the splice checks the file still
        # holds it before copying around it.
        expected = {
            table: {key: self._as_read(table, key) for key in edits}
            for table, edits in changes.items()
        }
        blocks: Blocks = {}
        written: list[os.stat_result] = []

        def write(fd: int) -> None:
            blocks.update(splice(layout, changes, fd, expected))
            written.append(os.fstat(fd))

        try:
            atomic_write(self.path, write)
        except ChangedUnderneath as exc:
            self._index.forget()
            self._index.commit()
            raise DatabaseError(
                f"database file {self.path} changed while claimtrack was writing it ({exc}); "
                "nothing was written",
                "run the command again",
            ) from None
        return blocks, written[0]

    def add_serialised(self, table: str, records: dict[str, bytes]) -> None:
        """Add records given as their JSON (keys sorted, as the file stores them) to be
        written as they are, in a whole-file write (a large import). The caller has
        checked them and hands the dict over: it is kept, not copied. The index learns
        of them now. Raises ``ValueError`` if an ID is taken."""
        assert self.writable
        stored = self._storage.data[table]
        packed = self._packed.get(table, {})
        clash = next(
            (k for k in records if k in stored or k in packed or self._in_file(table, k)), None
        )
        if clash is not None:
            raise ValueError(f"record {clash} is there already")
        if self._index.db_path is None and wanted(sum(map(len, records.values()))):
            index_to_disk(self._index)
        if table == "events" and "events" not in self._index.filled:  # in memory
            self._index.pending.add("events")  # made by the first log, as a new index's
        self._fill(table)
        if table == "claims" and not self._index.has_words:
            self._fill("claims")  # so that the packed claims' terms go in with them
            self._index.fill_words(self._storage.data["claims"].items())
        # A history's keys come at random: in key order its rows are appended, not scattered.
        keys = sorted(records) if table == "events" else records
        if table == "events" and table in self._index.pending:  # fill: only if misfiled
            from claimtrack.store.bulk import identified

            self._index.fill({table: identified(records, keys)})
        else:
            self._index.fill({table: ((key, orjson.loads(records[key])) for key in keys)})
        if packed:
            packed.update(records)
        elif records:
            self._packed[table] = records

    def _in_file(self, table: str, record_id: str) -> bool:
        if table in self._complete:
            return False  # ``data`` has every record there is
        return self._load(table, record_id)

    def _unpack(self) -> None:
        packed, self._packed = self._packed, {}
        for table, records in packed.items():
            stored = self._storage.data[table]
            for record_id, body in records.items():
                stored[record_id] = orjson.loads(body)
                self._touched[table].add(record_id)
        self._storage.dirty = True

    # -- records ------------------------------------------------------------------------

    def _load(self, table: str, record_id: str) -> bool:
        """Read one record from the file into the snapshot; True if it exists."""
        if table not in self._complete and table == "events" and self._layout is None:
            self.records("events")
        originals = self._originals[table]
        if table in self._complete or record_id in originals:
            return record_id in self.data[table]
        assert self._layout is not None
        body = self._layout.get(table, record_id)
        originals[record_id] = body
        if body is not None:
            self.data[table][record_id] = orjson.loads(body)
        return body is not None

    def records(self, table: str) -> dict[str, Any]:
        """The table's records by ID (the whole table read once), without copying: for
        scans of every record."""
        self._read_table(table)
        return self.data[table]

    def _read_table(self, table: str) -> None:  # every record the file holds, once
        if table not in self._complete:
            records = self._storage.data[table]
            if self._layout is None:  # the history, parsed the first time it is asked for
                from claimtrack.store.fileformat import without_tables

                assert self._history is not None
                others = frozenset(TABLES) - {"events"}  # parsed already
                history = without_tables(self._history, others) or self._history
                loaded = parse(history, self.path)["events"]
                self._history = None
            else:
                originals = self._originals[table]
                loaded = self._layout.table(table)
                for key in originals:  # what this command read or changed stays
                    loaded.pop(key, None)
            for key in self._touched[table]:
                loaded.pop(key, None)
            records.update(loaded)
            self._complete.add(table)

    def record(self, table: str, record_id: str) -> Any | None:
        """One record as this command sees it (not copied), or None."""
        self._load(table, record_id)
        return self.data[table].get(record_id)

    def peek(self, table: str, record_id: str) -> Any:
        """A record for a listing of many: read and not kept where that saves memory.
        Raises ``NotFound`` if it is not there."""
        found = self.data[table].get(record_id)
        if found is not None:
            return found
        layout = self._layout
        read = layout is not None and table not in self._complete
        if read and record_id not in self._originals[table]:
            assert layout is not None
            body = layout.get(table, record_id)
            if body is not None:
                return orjson.loads(body)
        found = self.record(table, record_id)
        if found is None:
            raise NotFound(f"{table} record {record_id} is not in the file")
        return found

    def chain_events(self) -> Iterator[tuple[Any, ...]] | None:
        """The history read lightly (``bulk.chain_events``), else None: read it whole."""
        if self._layout is None or self._history_changed():
            return None
        from claimtrack.store.bulk import chain_events

        return chain_events(self._layout)

    def _history_changed(self) -> bool:
        """Whether the history this command sees may differ from the file's lines: read
        whole into memory, changed, or handed over packed (an import's)."""
        return (
            "events" in self._complete or bool(self._touched["events"]) or "events" in self._packed
        )

    def ids_with_prefix(self, table: str, prefix: str) -> list[str]:
        """IDs of claims, sources or links that start with ``prefix`` (as
        ``ids.resolve`` reads it: stripped, lower case), sorted."""
        return self._ask(table).ids_with_prefix(table, prefix)

    def merged_with_prefix(self, table: str, prefix: str) -> dict[str, str]:
        """IDs that claims or sources merged into others had, starting with ``prefix``
        -> the ID of the record each was merged into."""
        return self._ask(table).merged_with_prefix(table, prefix)

    # -- sources by name ----------------------------------------------------------------

    def sources_named(self, folded: str) -> list[str]:
        """IDs of the sources with this folded name or alias, sorted."""
        return self._ask("sources").sources_named(folded)

    def sources_naming(self, part: str) -> list[str]:
        """IDs of the sources whose folded name or alias contains ``part``, sorted. The
        index keeps nothing of a confidential source's names but digests, so those
        sources are checked against their records here."""
        public, hidden = self._ask("sources").sources_naming(part)
        for source_id in hidden:
            source = self.record("sources", source_id)
            names = (source["name"], *source.get("aliases", [])) if source else ()
            if any(part in fold(name) for name in names):
                public.append(source_id)
        return sorted(public)

    # -- links ----------------------------------------------------------------------------

    def links_of(self, field: str, record_id: str) -> list[Link]:
        """The links whose ``field`` ("claim" or "source") is ``record_id``, as this
        command sees them now (its own changes included), in ID order."""
        found = self._ask("links").link_ids(field, record_id)
        return [cast(Link, self.peek("links", link_id)) for link_id in found]

    def claim_links(self, claim_id: str) -> list[Link]:
        """A claim's links, in ID order."""
        if self._link_lines is not None:  # parsed afresh each time, kept by nobody
            found = self._link_lines.get(claim_id)
            # One parse for all of a claim's links, not one each.
            return orjson.loads(b"[" + b",".join(found) + b"]") if found else []
        return self.links_of("claim", claim_id)

    def source_links(self, source_id: str) -> list[Link]:
        """The links citing a source, in ID order."""
        return self.links_of("source", source_id)

    def links_citing_any(self, source_ids: set[str]) -> set[str]:
        """IDs of the links to any of these sources."""
        return self._ask("links").links_citing_any(source_ids)

    def citing_count(self, source_id: str) -> int:
        """How many claims a source's links point to."""
        return self._ask("links").citing_count(source_id)

    def _group_links(self) -> None:
        """For a read-only command about to show (nearly) every claim of a large file:
        every claim's links found at once, each parsed only when it is shown."""
        assert self._layout is not None and not self.writable
        grouped: dict[str, list[bytes]] = {}
        try:
            with contextlib.closing(self._index.link_claims()) as rows:
                for (line_id, body), (link_id, claim_id) in zip(
                    self._layout.lines("links"), rows, strict=True
                ):
                    if line_id != link_id:
                        raise ValueError(line_id)
                    grouped.setdefault(claim_id, []).append(body)
        except ValueError:
            raise DatabaseError(
                f"{self.path}: its index does not match its links",
                "run the command again: the index is rebuilt when the file changes",
            ) from None
        self._link_lines = grouped
        self.records("sources")  # every source in one parse, not one lookup each

    # -- selections -------------------------------------------------------------------------

    def select(
        self,
        flt: ClaimFilter,
        *,
        sort: str = "created",
        reverse: bool = False,
        limit: int | None = None,
    ) -> tuple[Iterator[Claim], int]:
        """The first ``limit`` claims ``flt`` (prepared) selects, newest first by default
        (``reverse`` flips any order; ``index.Index.select`` gives the orders), and how
        many it selects in all. The claims are read as the caller takes them, so that a
        listing of 100,000 claims never holds them all."""
        _check_sort(sort)
        newest_first = sort in ("created", "updated")
        found, total = self._ask("claims", "links").select(
            flt, sort, newest_first != reverse, limit
        )
        # Reading a claim and its links by ID costs about ten times what reading it in a
        # pass over the whole file does: a pass is for listings of a tenth or more.
        if (
            self._layout is not None
            and not self.writable
            and len(found) > max(LOOKUP_LIMIT, self._index.claim_count() // 10)
        ):
            if self._link_lines is None:
                self._group_links()
            if self._claim_lines is None:
                self._claim_lines = self._layout.line_map("claims")
            lines = self._claim_lines
            return (orjson.loads(lines[claim_id]) for claim_id in found), total
        return (cast(Claim, self.peek("claims", claim_id)) for claim_id in found), total

    def facts(self, flt: ClaimFilter, top: int | None = None) -> tuple[ClaimCounts, SourceCounts]:
        """What ``stats`` counts of the claims ``flt`` (prepared) selects, and of their
        links per source (``store.counts``; ``top``: only the sources that can be among
        that many are sure to be counted by relation): counted by the index, no record
        read."""
        from claimtrack.store.counts import claim_counts, source_counts

        index = self._ask("claims", "links")
        return claim_counts(index, flt), source_counts(index, flt, top)

    def similar_candidates(self, terms: Sequence[str], flt: ClaimFilter, limit: int) -> list[str]:
        """IDs of up to ``limit`` claims that ``flt`` (prepared) selects and that hold any
        of ``terms`` (``store.terms``), best first (``terms.rank``): what ``similar``
        scores. The claims holding each term come from the index's full-text table
        (SQLite FTS5); no claim is read."""
        index = self._with_words()
        if flt.source_id is not None:
            self._ask("links")
        holders = {term: index.claims_with_term(term) for term in set(terms)}
        allowed = None
        if flt.where() != ("", []):  # a filter: the claims it selects
            allowed = set(index.select(flt, "created", True, None)[0])
        return rank(holders, index.claim_count(), allowed, limit)

    # -- history ----------------------------------------------------------------------------

    def indexed_history(self) -> IndexedHistory | None:
        """The history read by ID through the cache (``store.timeline``), for a reading
        command over a file the cache vouches for; None otherwise (scan it)."""
        if self._layout is None or self.writable or "events" in self._complete:
            return None
        from claimtrack.store.timeline import IndexedHistory, make_rows

        if "events" in self._index.pending and not make_rows(self._index, self._layout, self.path):
            return None  # the lock is busy: scan
        return IndexedHistory(self._ask("events", "sources"), self._layout)

    def event_list(self) -> list[Event]:
        """Every event, oldest first."""
        return sorted(self.records("events").values(), key=lambda e: (e["at"], e["id"]))

    def scan_events(
        self, needle: re.Pattern[bytes] | None = None
    ) -> Iterator[tuple[Event, Event | bytes]]:
        """Every event in ID order and what to keep of it: the event itself, or (where
        the file is read a piece at a time) its JSON. ``needle`` may pass over events
        whose JSON it is not found in."""
        if self._layout is not None and not self.writable and "events" not in self._complete:
            for _, body in self._layout.lines("events"):
                if needle is None or needle.search(body):
                    yield orjson.loads(body), body
            return
        for event in self.records("events").values():
            yield event, event

    def event_batches(self) -> Iterator[list[tuple[str, bytes]]] | None:
        """Every event's (ID, JSON as its line holds it) in ID order, in batches
        (``Layout.batches``), where the file holds the history as this command sees it
        (read through the cache, no event changed yet); else None (``records``)."""
        if self._layout is None or self._history_changed():
            return None
        from claimtrack.store.layout import WALK_CHUNK

        return self._layout.batches("events", WALK_CHUNK)

    def line_batches(self, table: str) -> Iterator[tuple[int, bytes]] | None:
        """The table's lines in batches with their offsets (``Layout.placed_batches``)."""
        if self._layout is None or self.writable or table in self._complete:
            return None
        return self._layout.placed_batches(table)

    def reader(self) -> Callable[[int, int], bytes]:
        assert self._layout is not None  # reads where ``line_batches`` gave offsets
        return self._layout.read

    # -- integrity ------------------------------------------------------------------------

    def structural_problems(self) -> list[str]:
        """What makes the database inconsistent, one line each (``Index.problems``):
        what ``check`` reports."""
        return self._ask(*TABLES).problems()

    def memo(self) -> Memo | None:
        """The results kept for the history as the file holds it (``store.memo``); None
        where nothing is kept: no cache vouches for the file, or this command may change
        it."""
        if self._layout is None or self.writable or self._touched["events"]:
            return None
        from claimtrack.store.memo import Memo

        return Memo(self._index, self._layout, self.path)


def _check_sort(sort: str) -> None:
    from claimtrack.errors import ValidationError

    if sort not in SORT_KEYS:
        raise ValidationError(f"cannot sort by {sort!r}", "choose one of: " + ", ".join(SORT_KEYS))


# -- opening ------------------------------------------------------------------------------


@contextlib.contextmanager
def open_snapshot(path: Path, *, write: bool = False, create: bool = False) -> Iterator[Snapshot]:
    """The database file at ``path`` for one command, saved at the end of the block if
    ``write`` (holding the lock throughout).

    A symbolic link is followed: the file it names is read, locked and written. A
    write creates the file only where no database has been (``create=True``, for
    ``init`` and ``demo``, creates it regardless): a missing file that was there is an
    error, so that a write in the moment `git` or a sync client replaces the file never
    leaves a new database holding one claim in its place.

    Raises ``DatabaseError`` for a file that cannot be read, parsed or locked, one that
    is not a regular file, and a missing one that was there.
    """
    path = real_path(path)
    check_regular(path)
    with paused_gc():
        if not write:
            snapshot = _opened(path, writable=False)
            try:
                yield snapshot
            finally:
                snapshot.close()
            return
        from claimtrack.store.gitwatch import GitWatch  # for writes only

        with locked(path):
            git = GitWatch.of(path, lock_timeout())
            git.before_reading()  # a pull's result, never the file git is replacing
            remove_stale_temp_files(path)
            if not create and not path.exists():
                check_never_there(path)
            snapshot = _opened(path, writable=True)
            try:
                yield snapshot
                git.before_saving()
                snapshot.save()
            finally:
                snapshot.close()
            git.after_saving(snapshot.written)


def _opened(path: Path, *, writable: bool) -> Snapshot:
    """A snapshot over the cache where it vouches for the file (built now if stale and
    the lock is ours or free), over the file parsed and indexed in memory otherwise."""
    import sqlite3

    from claimtrack.store.build import rebuild

    cache = _cache(path, writable=writable)
    if cache is not None:
        try:
            if cache.attach(write=writable):
                return Snapshot(path, cache, _meta_only(cache), writable=writable)
            if writable:
                built = rebuild(cache, write=True)
            else:
                with locked(path, timeout=0):
                    built = rebuild(cache, write=False)
            if built:
                return Snapshot(path, cache, _meta_only(cache), writable=writable)
        except (DatabaseError, OSError, sqlite3.Error):
            pass  # busy, read-only or damaged: index the file in memory instead
        cache.close()
    return _parsed(path, writable=writable)


def _cache(path: Path, *, writable: bool) -> Index | None:
    """The cache for ``path``; a damaged one is deleted and made anew by a command that
    holds the lock (a reader only uses it as it is)."""
    import sqlite3

    if not path.exists():
        return None
    cache = Index.cache_for(path)
    if cache is None and writable and wanted(path.stat().st_size):
        with contextlib.suppress(OSError, sqlite3.Error, RuntimeError, KeyError):
            from claimtrack.store.index import index_path

            if index_path(path).exists():
                Index.discard(path)
                cache = Index.cache_for(path)
    return cache


def _parsed(path: Path, *, writable: bool) -> Snapshot:
    """The file parsed whole, to be indexed in memory as questions need. A reading
    command leaves the history unparsed until it is asked for."""
    from claimtrack.store.fileformat import read_bytes, without_tables

    raw = read_bytes(path)
    history = None
    if raw is None:
        data = empty_data()
    else:
        partial = None if writable else without_tables(raw, frozenset({"events"}))
        data = parse(raw if partial is None else partial, path)
        history = None if partial is None else raw
    return Snapshot(path, Index.in_memory(), data, writable=writable, history=history)


def _meta_only(index: Index) -> Data:
    """The snapshot a command over the cache starts from: the file's _meta, no records."""
    assert index.layout is not None
    data: Data = {META: {key: orjson.loads(body) for key, body in index.layout.lines(META)}}
    for table in TABLES:
        data[table] = {}
    return data


def _ours(path: Path, written: os.stat_result) -> Identity | None:
    """The identity of the file at ``path`` if it is still the one claimtrack just wrote
    (``written``, taken from its descriptor before the rename): an editor, sync client
    or `git` that replaced it in between must not have the index vouch for its file."""
    try:
        now = path.stat()
    except OSError:
        return None
    same = (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
        written.st_dev,
        written.st_ino,
        written.st_size,
        written.st_mtime_ns,
    )
    return identity(now) if same else None


def index_to_disk(index: Index) -> None:
    """Move an index in memory to SQLite's private temporary file ("", deleted on close):
    of an import's rows only 16 MB of pages stay in memory (the default 2 MB filled slower)."""
    import sqlite3

    disk = sqlite3.connect("", isolation_level=None)
    disk.execute("PRAGMA cache_size = -16384")
    index.commit()  # only this command's connection has seen it: nothing is published
    index.connection.backup(disk)
    index.connection.close()
    index.connection = disk
    disk.execute("BEGIN")


def _to_cache(
    path: Path, index: Index, blocks: Blocks, current: Identity, seen: int, heads: str | None
) -> None:
    """After a whole-file write from memory (a small file grown large, an import, a file
    the cache could not vouch for), copy the index in memory to the cache, which then
    vouches for the new file: cheaper than the build the next command would make.
    Readers of the cache keep the index as it was until the copy is done (WAL)."""
    import sqlite3

    cache = _cache(path, writable=True)
    if cache is None:
        return
    try:
        index.commit()
        copy_index(index.connection, cache.connection)
        cache.connection.execute("BEGIN IMMEDIATE")
        cache.pending = set(index.pending)  # an import's history: rows left to ``log``
        cache.vouch(blocks, current, seen, heads)
        cache.commit()
    except sqlite3.Error:
        pass  # left stale: the next command rebuilds it from the file
    finally:
        cache.close()
