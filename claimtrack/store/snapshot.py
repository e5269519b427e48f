"""One command's view of the database file: the transaction, and every read.

``open_snapshot(path, write=...)`` takes the lock (for a write), reads the file and
yields a ``Snapshot``; when the block ends without an error a writing command's changes
are saved atomically, and an error leaves the file as it was.

There are two implementations of the one reading interface, and only this module
chooses between them:

- ``Snapshot``: the whole file parsed into memory (a small file, or no usable index).
- ``IndexedSnapshot``: a large file with a current sidecar index. It starts empty and
  reads records from the file as they are asked for (by ID, by prefix, a claim's links);
  anything that scans a whole table loads that table first, so every method sees the
  same records either way, only sooner. A read-only one lets the index answer counts,
  joins and whole listings by itself; a writing one saves by splicing the records that
  changed into the file.

Callers ask for records, a selection of claims, links by claim or source, counts or the
history, and never learn which implementation answered.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from claimtrack.errors import DatabaseError, NotFound
from claimtrack.model import STATUSES, Claim, Event, Link, Relation, Status, fold
from claimtrack.store.adapter import IdTable, SnapshotDB, SnapshotStorage
from claimtrack.store.collector import paused_gc
from claimtrack.store.fileformat import META, TABLES, Data, dump_to, read_file
from claimtrack.store.files import (
    atomic_write,
    lock_timeout,
    locked,
    mark_saved,
    remove_stale_temp_files,
    was_saved,
)
from claimtrack.store.filter import ClaimFilter
from claimtrack.store.gitwatch import GitWatch
from claimtrack.store.index import FileIndex, Identity, identity
from claimtrack.store.structure import structural_problems
from claimtrack.store.terms import claim_terms, rank

if TYPE_CHECKING:
    from claimtrack.store.layout import Blocks

SORT_KEYS = ("created", "updated", "status", "story", "text")

# Up to this many claims (or a tenth of them) a listing reads each claim and its links
# by ID; beyond, it reads every claim and link in one pass.
LOOKUP_LIMIT = 200

# What ``stats`` counts of a claim: (ID, status, story, tags); of a link: (claim,
# source, relation).
Fact = tuple[str, Status, str | None, list[str]]
LinkFact = tuple[str, str, Relation]


class Snapshot:
    """The records of one database file for the length of one command, parsed whole.

    ``claims``, ``sources``, ``links`` and ``events`` are TinyDB tables over the
    snapshot (``claimtrack.store.adapter``): the domain layer writes through them.
    """

    def __init__(self, path: Path, data: Data, *, writable: bool) -> None:
        self.path = path
        self.writable = writable
        self._storage = SnapshotStorage(data)
        self._tinydb = SnapshotDB(storage=lambda: self._storage)
        self.claims: IdTable = self._tinydb.id_table("claims")
        self.sources: IdTable = self._tinydb.id_table("sources")
        self.links: IdTable = self._tinydb.id_table("links")
        self.events: IdTable = self._tinydb.id_table("events")
        # Records an import hands over already serialised, written as they are (a whole
        # file write); anything that reads the table decodes them first.
        self._packed: dict[str, dict[str, bytes]] = {}
        self._names: tuple[int, dict[str, list[str]]] | None = None
        # Links grouped by claim and by source, for the links table as it was (its
        # ``version``) when they were grouped.
        self._by_claim: dict[str, list[Link]] | None = None
        self._by_source: dict[str, list[Link]] | None = None
        self._grouped_at = -1
        # The file this command wrote, as written (``fstat``): None until it saves.
        self.written: os.stat_result | None = None

    # -- the transaction ----------------------------------------------------------------

    @property
    def data(self) -> Data:
        if self._packed:
            self._unpack()
        return self._storage.data

    def save(self) -> None:
        """Write the whole file (a piece at a time), then index it from the records
        still in memory: cheaper than the parse the next command would make."""
        if not (self._storage.dirty or self._packed or not self.path.exists()):
            return
        data, packed = self._storage.data, self._packed
        blocks: dict[str, tuple[int, int]] = {}

        written: list[os.stat_result] = []

        def write(fd: int) -> None:
            # Buffered: a raw write may take only part of a piece; the buffer writes the rest.
            with open(fd, "wb", closefd=False) as handle:
                blocks.update(dump_to(handle.write, data, packed))
            written.append(os.fstat(fd))

        atomic_write(self.path, write)
        self.written = written[0]
        mark_saved(self.path)
        current = _ours(self.path, written[0])
        if current is not None:
            _refresh_index(self.path, data, packed, blocks, current)

    def add_serialised(self, table: str, records: dict[str, bytes]) -> None:
        """Add records given as their JSON (keys sorted, as the file stores them) to be
        written as they are, for a whole-file write of a large import. The caller has
        checked them and hands the dict over: it is kept, not copied. Raises
        ``ValueError`` if an ID is taken."""
        assert self.writable and type(self) is Snapshot
        stored = self._storage.data[table]
        packed = self._packed.get(table, {})
        clash = next((k for k in records if k in stored or k in packed), None)
        if clash is not None:
            raise ValueError(f"record {clash} is there already")
        if packed:
            packed.update(records)
        elif records:
            self._packed[table] = records

    def _unpack(self) -> None:
        packed, self._packed = self._packed, {}
        for table, records in packed.items():
            stored = self._storage.data[table]
            for record_id, body in records.items():
                stored[record_id] = orjson.loads(body)
            self._tinydb.id_table(table).touch()
        self._storage.dirty = True

    # -- records ------------------------------------------------------------------------

    def records(self, table: str) -> dict[str, Any]:
        """The table's records by ID, without copying: for read-only scans."""
        return self.data.get(table, {})

    def record(self, table: str, record_id: str) -> Any | None:
        """One record as this command sees it (not copied), or None."""
        return self.data[table].get(record_id)

    def peek(self, table: str, record_id: str) -> Any:
        """A record for a listing of many: read and not kept where that saves memory.
        Raises ``NotFound`` if it is not there."""
        found = self.record(table, record_id)
        if found is None:
            raise NotFound(f"{table} record {record_id} is not in the file")
        return found

    def ids_with_prefix(self, table: str, prefix: str) -> list[str]:
        """IDs of the table's records that start with ``prefix`` (as ``ids.resolve``
        reads it: stripped, lower case), sorted."""
        wanted = prefix.strip().lower()
        return sorted(k for k in self.records(table) if k.startswith(wanted))

    # -- sources by name ----------------------------------------------------------------

    def name_map(self) -> dict[str, list[str]]:
        """Folded name and alias -> IDs of the sources it names (in the order of the
        sources table), worked out again when the sources change."""
        version = self.sources.version
        if self._names is None or self._names[0] != version:
            names: dict[str, list[str]] = {}
            for source_id, source in self.records("sources").items():
                for name in {fold(n) for n in (source["name"], *source.get("aliases", []))}:
                    names.setdefault(name, []).append(source_id)
            self._names = (version, names)
        return self._names[1]

    def sources_named(self, folded: str) -> list[str]:
        """IDs of the sources with this folded name or alias, sorted."""
        return sorted(self.name_map().get(folded, []))

    def sources_naming(self, part: str) -> list[str]:
        """IDs of the sources whose folded name or alias contains ``part``, sorted."""
        if not part:
            return []
        return sorted({i for name, found in self.name_map().items() if part in name for i in found})

    # -- links ----------------------------------------------------------------------------

    def _regroup(self) -> None:
        if self._grouped_at != self.links.version:
            self._by_claim = self._by_source = None
            self._grouped_at = self.links.version

    def claim_links(self, claim_id: str) -> list[Link]:
        """A claim's links, in no particular order (the caller sorts)."""
        self._regroup()
        if self._by_claim is None:
            self._by_claim = _grouped(self.records("links").values(), "claim")
        return self._by_claim.get(claim_id, [])

    def source_links(self, source_id: str) -> list[Link]:
        """The links citing a source, in no particular order."""
        self._regroup()
        if self._by_source is None:
            self._by_source = _grouped(self.records("links").values(), "source")
        return self._by_source.get(source_id, [])

    def links_of(self, field: str, record_id: str) -> list[Link]:
        """The links whose ``field`` ("claim" or "source") is ``record_id``, as this
        command sees them now (its own changes included), in ID order."""
        return [v for v in self.records("links").values() if v[field] == record_id]

    def links_citing_any(self, source_ids: set[str]) -> set[str]:
        """IDs of the links to any of these sources."""
        return {k for k, v in self.records("links").items() if v["source"] in source_ids}

    def citing_count(self, source_id: str) -> int:
        """How many claims a source's links point to."""
        return len({link["claim"] for link in self.source_links(source_id)})

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
        (``reverse`` flips any order), and how many it selects in all."""
        chosen = self._selected(flt, sort, reverse)
        return iter(chosen if limit is None else chosen[:limit]), len(chosen)

    def _selected(self, flt: ClaimFilter, sort: str, reverse: bool) -> list[Claim]:
        _check_sort(sort)
        chosen = [c for c in self.records("claims").values() if flt.matches(c, self.claim_links)]
        newest_first = sort in ("created", "updated")
        chosen.sort(
            key=lambda c: (_sort_key(c, sort), c["created"], c["id"]),
            reverse=newest_first != reverse,
        )
        return chosen

    def facts(self, flt: ClaimFilter) -> tuple[list[Fact], Iterator[LinkFact]]:
        """What ``stats`` counts of the claims ``flt`` selects (newest first), and of
        their links."""
        claims = self._selected(flt, "created", False)
        facts = [(c["id"], c["status"], c.get("story"), c["tags"]) for c in claims]
        links = (
            (c["id"], link["source"], link["relation"])
            for c in claims
            for link in self.claim_links(c["id"])
        )
        return facts, links

    def similar_candidates(self, terms: Sequence[str], flt: ClaimFilter, limit: int) -> list[str]:
        """IDs of up to ``limit`` claims that ``flt`` (prepared) selects and that hold any
        of ``terms`` (``store.terms``), best first (``terms.rank``): what ``similar``
        scores. Here every claim's terms are worked out in one pass."""
        wanted = set(terms)
        holders: dict[str, list[str]] = {term: [] for term in wanted}
        claims = self.records("claims")
        for claim_id, claim in claims.items():
            for term in claim_terms(claim):
                if term in wanted:
                    holders[term].append(claim_id)
        found = {i for ids in holders.values() for i in ids}
        allowed = {i for i in found if flt.matches(claims[i], self.claim_links)}
        return rank(holders, len(claims), allowed, limit)

    # -- history ----------------------------------------------------------------------------

    def event_list(self) -> list[Event]:
        """Every event, oldest first."""
        return sorted(self.records("events").values(), key=lambda e: (e["at"], e["id"]))

    def scan_events(
        self, needle: re.Pattern[bytes] | None = None
    ) -> Iterator[tuple[Event, Event | bytes]]:
        """Every event in ID order and what to keep of it: the event itself, or (where
        the file is read a piece at a time) its JSON. ``needle`` may pass over events
        whose JSON it is not found in."""
        for event in self.records("events").values():
            yield event, event

    def stream(self, table: str) -> Iterator[Any]:
        """Every record of the table in ID order, each parsed as it is wanted."""
        records = self.records(table)
        for key in sorted(records):
            yield records[key]

    # -- integrity ------------------------------------------------------------------------

    def structural_problems(self) -> list[str]:
        """What makes the database inconsistent (``store.structure``)."""
        return structural_problems(self.data)


class IndexedSnapshot(Snapshot):
    """A large file read through its sidecar index: records are read as they are
    asked for; whole tables are loaded the first time something scans them."""

    def __init__(self, path: Path, index: FileIndex, *, writable: bool) -> None:
        super().__init__(path, _meta_only(index), writable=writable)
        self._index = index
        assert index.layout is not None
        self._layout = index.layout
        # The tables loaded whole, and each record read so far as it was in the file
        # (None: looked for and absent). A save writes what differs.
        self._complete: set[str] = set()
        self._originals: dict[str, dict[str, bytes | None]] = {name: {} for name in TABLES}
        # The IDs a table loaded whole found in the file (not in ``_originals``: their
        # bytes were not kept), so that none is taken for a record this command made.
        self._in_file: dict[str, set[str]] = {}
        self._fetched: dict[str, list[Link]] = {}
        self._fetched_at = 0
        for table in TABLES:
            self._tinydb.id_table(table).loader = functools.partial(self._load, table)
        self._link_lines: dict[str, list[bytes]] | None = None
        self._claim_lines: dict[str, bytes] | None = None
        self._citing: dict[str, int] | None = None

    @property
    def _answering(self) -> bool:
        """Whether the index can answer for the file by itself (counts, joins, whole
        listings): on a read-only snapshot, where nothing this command does can make
        the records in memory differ from the file the index describes."""
        return not self.writable

    def save(self) -> None:
        """Splice the records that differ from the file into it, then note them in the
        index: the index is only ever changed after the file is safely written."""
        layout = self._layout
        changes: dict[str, dict[str, bytes | None]] = {}
        for table in TABLES:
            current = self.data[table]
            originals: dict[str, bytes | None] = self._originals[table]
            if table in self._complete:  # read whole: compare with every line of the file
                originals = {**dict(layout.lines(table)), **originals}
            for record_id in {*originals, *current}:
                record = current.get(record_id)
                new = None if record is None else orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
                if new != originals.get(record_id):
                    changes.setdefault(table, {})[record_id] = new
        if not changes:
            return
        import sqlite3

        from claimtrack.store.layout import ChangedUnderneath, splice

        # What each changed line held when it was read: the splice checks the file still
        # holds it before copying around it.
        expected = {
            table: {key: self._originals[table].get(key) for key in edits}
            for table, edits in changes.items()
        }
        for table in self._complete & changes.keys():
            lines = dict(layout.lines(table))
            for key in changes[table]:
                if key not in self._originals[table]:
                    expected[table][key] = lines.get(key)
        blocks: Blocks = {}
        written: list[os.stat_result] = []

        def write(fd: int) -> None:
            blocks.update(splice(layout, changes, fd, expected))
            written.append(os.fstat(fd))

        try:
            atomic_write(self.path, write)
        except ChangedUnderneath as exc:
            self._index.forget()
            raise DatabaseError(
                f"database file {self.path} changed while claimtrack was writing it ({exc}); "
                "nothing was written",
                "run the command again",
            ) from None
        self.written = written[0]
        mark_saved(self.path)
        ours = _ours(self.path, written[0])
        if ours is None:
            self._index.forget()
            return  # replaced by another program meanwhile: the index vouches for nothing
        changed = {
            table: {key: self.data[table].get(key) for key in changes.get(table, {})}
            for table in ("claims", "links", "sources")
        }
        with contextlib.suppress(sqlite3.Error):
            self._index.apply(changed["claims"], changed["links"], changed["sources"], blocks, ours)

    # -- records, read as they are asked for ------------------------------------------------

    def _load(self, table: str, record_id: str) -> bool:
        """Read one record from the file into the snapshot; True if it exists."""
        originals = self._originals[table]
        if table in self._complete or record_id in originals:
            return record_id in self.data[table]
        body = self._layout.get(table, record_id)
        originals[record_id] = body
        if body is not None:
            self.data[table][record_id] = orjson.loads(body)
        return body is not None

    def records(self, table: str) -> dict[str, Any]:
        if table not in self._complete:
            originals = self._originals[table]
            records = self.data[table]
            in_file = self._in_file.setdefault(table, set())
            for record_id, record in self._layout.table(table).items():
                in_file.add(record_id)
                if record_id not in originals:  # what this command read or changed stays
                    records[record_id] = record
            self._complete.add(table)
        return self.data.get(table, {})

    def record(self, table: str, record_id: str) -> Any | None:
        self._load(table, record_id)
        return self.data[table].get(record_id)

    def peek(self, table: str, record_id: str) -> Any:
        if table in self._complete or record_id in self._originals[table]:
            return super().peek(table, record_id)
        body = self._layout.get(table, record_id)
        if body is None:
            raise NotFound(f"{table} record {record_id} is in the index but not in the file")
        return orjson.loads(body)

    def _candidates(self, table: str, found: Iterable[str]) -> list[str]:
        """IDs the index found, as this command sees them, plus records it added."""
        records = self.data[table]
        originals = self._originals[table]
        chosen = {key for key in found if key not in originals or key in records}
        chosen.update(records)
        return sorted(chosen)

    def ids_with_prefix(self, table: str, prefix: str) -> list[str]:
        if table in self._complete:
            return super().ids_with_prefix(table, prefix)
        found = self._index.ids_with_prefix(table, prefix)
        if self._answering:
            return found
        wanted = prefix.strip().lower()
        return [k for k in self._candidates(table, found) if k.startswith(wanted)]

    def sources_named(self, folded: str) -> list[str]:
        if "sources" in self._complete:
            return super().sources_named(folded)
        for source_id in self._index.source_ids_named(folded):
            self._load("sources", source_id)
        return sorted(
            source_id
            for source_id, source in self.data["sources"].items()
            if folded in map(fold, (source["name"], *source.get("aliases", [])))
        )

    def sources_naming(self, part: str) -> list[str]:
        if "sources" in self._complete:
            return super().sources_naming(part)
        for source_id in self._index.source_ids_naming(part) if part else []:
            self._load("sources", source_id)
        return sorted(
            source_id
            for source_id, source in self.data["sources"].items()
            if part and any(part in fold(n) for n in (source["name"], *source.get("aliases", [])))
        )

    # -- links ----------------------------------------------------------------------------

    def links_of(self, field: str, record_id: str) -> list[Link]:
        if "links" in self._complete:
            return super().links_of(field, record_id)
        owner = field + "s"
        if (
            record_id in self.data[owner]
            and record_id not in self._originals[owner]
            and record_id not in self._in_file.get(owner, ())
        ):
            # Made by this command: the file has no link to it, only memory may.
            made = self.data["links"].values()
            return [link for link in made if link[field] == record_id]
        found = self._index.link_ids(field, record_id)
        for link_id in found:
            self._load("links", link_id)
        loaded = self.data["links"]
        if self._answering:  # what the index found is all there is
            records: Iterable[Link] = (loaded[i] for i in found if i in loaded)
        else:  # every link in memory: this command may have added or changed some
            records = loaded.values()
        return [link for link in records if link[field] == record_id]  # type: ignore[literal-required]

    def claim_links(self, claim_id: str) -> list[Link]:
        if self._link_lines is not None:  # parsed afresh each time, kept by nobody
            found = self._link_lines.get(claim_id)
            # One parse for all of a claim's links, not one each.
            return orjson.loads(b"[" + b",".join(found) + b"]") if found else []
        self._regroup()
        if self._by_claim is not None or "claims" in self._complete:
            return super().claim_links(claim_id)
        # Looked up claim by claim; a command that read every claim wants every link.
        if self._fetched_at != self.links.version:
            self._fetched, self._fetched_at = {}, self.links.version
        if claim_id not in self._fetched:
            self._fetched[claim_id] = self.links_of("claim", claim_id)
        return self._fetched[claim_id]

    def source_links(self, source_id: str) -> list[Link]:
        self._regroup()
        if self._by_source is None and "links" not in self._complete:
            return self.links_of("source", source_id)
        return super().source_links(source_id)

    def links_citing_any(self, source_ids: set[str]) -> set[str]:
        if not self._answering:
            return super().links_citing_any(source_ids)
        return {link for source in source_ids for link in self._index.link_ids("source", source)}

    def citing_count(self, source_id: str) -> int:
        if not self._answering:
            return super().citing_count(source_id)
        # Counted by the index for every source at once: `source list` of a large
        # database reads no link.
        if self._citing is None:
            self._citing = self._index.claims_citing()
        return self._citing.get(source_id, 0)

    def _group_links(self) -> None:
        """For a command about to show (nearly) every claim: find every claim's links
        at once, and on a read-only snapshot parse each only when it is shown."""
        if self._answering:
            # A read-only snapshot changes nothing, so the file's lines are its records.
            self._link_lines = self._link_lines_by_claim()
            self.records("sources")  # every source in one parse, not one lookup each
        else:
            self._regroup()
            if self._by_claim is None:
                self._by_claim = _grouped(self.records("links").values(), "claim")

    def _link_lines_by_claim(self) -> dict[str, list[bytes]]:
        """Every link's line, unparsed, under its claim. The index says whose each link
        is; its rows and the file's lines are both in ID order, so they are walked side
        by side."""
        grouped: dict[str, list[bytes]] = {}
        rows = self._index.link_claims()
        try:
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
        return grouped

    # -- selections -------------------------------------------------------------------------

    def select(
        self,
        flt: ClaimFilter,
        *,
        sort: str = "created",
        reverse: bool = False,
        limit: int | None = None,
    ) -> tuple[Iterator[Claim], int]:
        """With an index the filter and the order come from it, and the claims are read
        from the file one at a time as the caller takes them, so that a listing of
        100,000 claims never holds them all; a short page also reads only its own
        claims' links."""
        if not self._answering:  # the index describes the file, not this command's changes
            return super().select(flt, sort=sort, reverse=reverse, limit=limit)
        _check_sort(sort)
        newest_first = sort in ("created", "updated")
        found, total = self._index.select(flt, sort, newest_first != reverse, limit)
        # Reading a claim and its links by ID costs about ten times what reading it in a
        # pass over the whole file does: a pass is for listings of a tenth or more.
        if len(found) > max(LOOKUP_LIMIT, self._index.claim_count() // 10):
            self._group_links()
            if self._claim_lines is None:
                self._claim_lines = self._layout.line_map("claims")
            lines = self._claim_lines
            return (orjson.loads(lines[claim_id]) for claim_id in found), total
        return (cast(Claim, self.peek("claims", claim_id)) for claim_id in found), total

    def facts(self, flt: ClaimFilter) -> tuple[list[Fact], Iterator[LinkFact]]:
        if not self._answering:
            return super().facts(flt)
        # From the index alone: no claim or link is read from the file.
        facts = cast(list[Fact], self._index.facts(flt))
        chosen = {fact[0] for fact in facts}
        links = (cast(LinkFact, k) for k in self._index.link_facts() if k[0] in chosen)
        self.records("sources")  # names of thousands of sources: one pass, not a search each
        return facts, links

    def similar_candidates(self, terms: Sequence[str], flt: ClaimFilter, limit: int) -> list[str]:
        """With an index, the claims holding each term come from its full-text table
        (SQLite FTS5), and no claim is read from the file."""
        if not self._answering:
            return super().similar_candidates(terms, flt, limit)
        holders = {term: self._index.claims_with_term(term) for term in set(terms)}
        allowed = None
        if flt.where() != ("", []):  # a filter: the claims it selects, from the index
            allowed = set(self._index.select(flt, "created", True, None)[0])
        return rank(holders, self._index.claim_count(), allowed, limit)

    # -- history ----------------------------------------------------------------------------

    def scan_events(
        self, needle: re.Pattern[bytes] | None = None
    ) -> Iterator[tuple[Event, Event | bytes]]:
        if not self._answering or "events" in self._complete:
            yield from super().scan_events(needle)
            return
        for _, body in self._layout.lines("events"):
            if needle is None or needle.search(body):
                yield orjson.loads(body), body

    def stream(self, table: str) -> Iterator[Any]:
        if not self._answering or table in self._complete:
            yield from super().stream(table)
            return
        for _, body in self._layout.lines(table):
            yield orjson.loads(body)

    # -- integrity ------------------------------------------------------------------------

    def structural_problems(self) -> list[str]:
        if not self._answering:
            return super().structural_problems()
        # An index exists only for a file whose records are filed under their own IDs;
        # the links it can check by itself.
        return [
            f"links: {link} points at missing {column} {value!r}"
            for link, column, value in self._index.dangling_links()
        ]


# Statuses sort in the workflow's order (unverified, checking, ... retracted), not
# alphabetically; an unknown one last.
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


def _sort_key(claim: Claim, sort: str) -> str | int:
    if sort == "status":
        return _STATUS_RANK.get(claim["status"], len(STATUSES))
    value: str = claim.get(sort) or ""  # type: ignore[assignment]
    return value


def _check_sort(sort: str) -> None:
    from claimtrack.errors import ValidationError

    if sort not in SORT_KEYS:
        raise ValidationError(f"cannot sort by {sort!r}", "choose one of: " + ", ".join(SORT_KEYS))


def _grouped(links: Iterable[Link], field: str) -> dict[str, list[Link]]:
    grouped: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        grouped[link[field]].append(link)  # type: ignore[literal-required]
    return grouped


# -- opening ------------------------------------------------------------------------------


@contextlib.contextmanager
def open_snapshot(
    path: Path,
    *,
    write: bool = False,
    history: bool = True,
    indexed: bool = False,
    create: bool = False,
) -> Iterator[Snapshot]:
    """The database file at ``path`` for one command, saved at the end of the block if
    ``write`` (holding the lock throughout). ``history=False`` lets a reading command
    skip parsing the events table; ``indexed=True`` lets a command that asks for
    records by ID (not one that scans tables) read a large file through its index.

    A symbolic link is followed: the file it names is read, locked and written. A
    write creates the file only where no database has been (``create=True``, for
    ``init`` and ``demo``, creates it regardless): a missing file that was there is an
    error, so that a write in the moment `git` or a sync client replaces the file never
    leaves a new database holding one claim in its place.

    Raises ``DatabaseError`` for a file that cannot be read, parsed or locked, one that
    is not a regular file, and a missing one that was there.
    """
    path = real_path(path)
    _check_regular(path)
    with paused_gc():
        if not write:
            index = _reading_index(path) if indexed else None
            if index is not None:
                try:
                    yield IndexedSnapshot(path, index, writable=False)
                finally:
                    index.close()
                return
            skip = frozenset() if history else frozenset({"events"})
            yield Snapshot(path, read_file(path, skip=skip), writable=False)
            return
        with locked(path):
            git = GitWatch.of(path, lock_timeout())
            git.before_reading()  # a pull's result, never the file git is replacing
            remove_stale_temp_files(path)
            if not create and not path.exists():
                _check_never_there(path)
            index = _writing_index(path) if indexed else None
            if index is not None:
                try:
                    snapshot: Snapshot = IndexedSnapshot(path, index, writable=True)
                    yield snapshot
                    git.before_saving()
                    snapshot.save()
                finally:
                    index.close()
                git.after_saving(snapshot.written)
                return
            snapshot = Snapshot(path, read_file(path), writable=True)
            yield snapshot
            git.before_saving()
            snapshot.save()
            git.after_saving(snapshot.written)


def real_path(path: Path) -> Path:
    """``path`` with symbolic links resolved, so that writers through a link and through
    the real path lock and replace the same file (the link itself stays)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _check_regular(path: Path) -> None:
    """Raise ``DatabaseError`` unless ``path`` is a regular file or missing: reading
    ``/dev/zero`` would never end, and a named pipe would wait for ever."""
    import stat

    from claimtrack.errors import DatabaseError

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseError(f"cannot read database file {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise DatabaseError(f"database path {path} is a directory")
    if not stat.S_ISREG(mode):
        raise DatabaseError(
            f"database path {path} is not a regular file",
            "a claimtrack database is a JSON file; pass its path with --db",
        )


def _check_never_there(path: Path) -> None:
    """Raise ``DatabaseError`` if ``path`` is missing but a database was there: its lock
    file (``files.mark_saved``) or `git` tracking the path say so."""
    from claimtrack.errors import DatabaseError

    if was_saved(path):
        why = f"{path.name}.lock beside it shows a database was saved there"
    elif _git_tracks(path):
        why = "git tracks it (a checkout or pull may be replacing it)"
    else:
        return
    raise DatabaseError(
        f"database file {path} is missing, but {why}; nothing was written",
        "run the command again once the file is back (restore it from git or a backup); "
        f"to start a new database there, use 'claimtrack --db {path} init'",
    )


def _git_tracks(path: Path) -> bool:
    import subprocess

    try:
        found = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0


def describe_cache(path: Path) -> str | None:
    """Where the database's sidecar index is and whether it is current, for
    ``claimtrack db path``; None when it would have none (``index.describe``)."""
    from claimtrack.store.index import describe

    return describe(path)


def _meta_only(index: FileIndex) -> Data:
    """The snapshot an indexed command starts from: the file's _meta, no records."""
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


def _refresh_index(
    path: Path,
    data: Data,
    packed: Mapping[str, Mapping[str, bytes]],
    blocks: Blocks,
    current: Identity,
) -> None:
    """After a whole-file write (import, undo, ...) the index no longer matches the
    file; rebuild it now from the records in memory, which costs a fraction of the
    parse the next command would otherwise make. Called holding the lock."""
    index = FileIndex.connect(path)  # None for a small file: it has no index
    if index is None:
        return
    import sqlite3

    try:
        index.write_from(data, packed, blocks, current)
    except (OSError, sqlite3.Error):
        pass  # left stale: the next command rebuilds it from the file
    finally:
        index.close()


def _reading_index(path: Path) -> FileIndex | None:
    """An index current for the file, built now if stale and nobody is writing."""
    import sqlite3

    index = FileIndex.connect(path)
    if index is None:
        return None
    try:
        # An index is only ever built for a file of the current schema version.
        if index.attach():
            return index
        with locked(path, timeout=0):
            if index.rebuild():
                return index
    except (DatabaseError, OSError, sqlite3.Error):
        pass  # busy, read-only or damaged: parse the file instead, as without an index
    index.close()
    return None


def _writing_index(path: Path) -> FileIndex | None:
    """Like ``_reading_index`` for a command that already holds the lock."""
    import sqlite3

    if not path.exists():
        return None
    index = FileIndex.connect(path)
    if index is None:
        return None
    try:
        if index.attach() or index.rebuild():
            return index
    except (OSError, sqlite3.Error):
        pass
    index.close()
    return None
