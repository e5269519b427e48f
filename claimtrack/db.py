"""The claims database: every read and change of claims, sources and links.

``Database.open(path, write=True)`` takes the lock, parses the file once, lets TinyDB
work on the in-memory snapshot and saves it atomically when the block ends without an
error; an error leaves the file as it was. Every change is recorded as an event.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from claimtrack import ids
from claimtrack.errors import Ambiguous, ClaimtrackError, DatabaseError, NotFound, ValidationError
from claimtrack.model import (
    DEFAULT_STATUS,
    MAX_SHORT,
    Claim,
    Event,
    Link,
    Note,
    Quantity,
    Source,
    check_date,
    check_kind,
    check_relation,
    check_status,
    clean_optional,
    clean_tag,
    clean_text,
    fold,
    later,
    now,
)
from claimtrack.store.adapter import IdTable, SnapshotDB, SnapshotStorage
from claimtrack.store.collector import paused_gc
from claimtrack.store.fileformat import META, TABLES, Data, dump_to, read_file
from claimtrack.store.files import atomic_write, locked, remove_stale_temp_files
from claimtrack.store.index import FileIndex, identity

if TYPE_CHECKING:
    from claimtrack.store.layout import Blocks

USER_ENV = "CLAIMTRACK_USER"


def current_user() -> str:
    """Who is making the change: $CLAIMTRACK_USER, else git's user.name, else the login."""
    from_env = os.environ.get(USER_ENV, "").strip()
    if from_env:
        return from_env
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        result = subprocess.run(
            ["git", "config", "user.name"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
        name = result.stdout.strip()
        if result.returncode == 0 and name:
            return name
    try:
        import getpass  # not at the top: it loads termios, and only writes need a name

        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _public_name(source: Mapping[str, Any]) -> str:
    # Error messages must not reveal a confidential source's identity either.
    if source.get("confidential"):
        return f"Confidential source {ids.short(source['id'])}"
    return str(source["name"])


class Database:
    """The records of one database file for the length of one command.

    Opened with an up-to-date index (``claimtrack.store.index``) the snapshot starts empty and
    records are read from the file as they are asked for: by ID, by prefix, a claim's
    links. Anything that scans a whole table (``_raw``) loads that whole table first, so
    every method sees the same records either way, only sooner.
    """

    def __init__(
        self, path: Path, data: Data, *, writable: bool, index: FileIndex | None = None
    ) -> None:
        self.path = path
        self.writable = writable
        self._storage = SnapshotStorage(data)
        self._tinydb = SnapshotDB(storage=lambda: self._storage)
        self.claims: IdTable = self._tinydb.id_table("claims")
        self.sources: IdTable = self._tinydb.id_table("sources")
        self.links: IdTable = self._tinydb.id_table("links")
        self.events: IdTable = self._tinydb.id_table("events")
        self._actor: str | None = None
        self._change: str | None = None
        self._last_at = ""
        self._name_index: dict[str, str] | None = None
        self.index = index
        # With an index: the tables loaded whole, and each record read so far as it was
        # in the file (None: looked for and absent). A save writes what differs.
        self._complete: set[str] = set() if index is not None else {*TABLES, META}
        self._originals: dict[str, dict[str, bytes | None]] = {name: {} for name in TABLES}
        self._claim_lines: dict[str, bytes] | None = None
        # Records an import hands over already serialised, written as they are (a whole
        # file write); anything that reads the table decodes them first.
        self._packed: dict[str, dict[str, bytes]] = {}

    # -- opening and saving -------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def open(
        cls, path: Path, *, write: bool = False, history: bool = True, indexed: bool = False
    ) -> Iterator[Database]:
        """``history=False`` lets a reading command skip parsing the events table;
        ``indexed=True`` lets a command that asks for records by ID (not one that
        scans tables) use the index of a large file."""
        with paused_gc():
            if not write:
                index = _reading_index(path) if indexed else None
                if index is not None:
                    try:
                        yield cls(path, _meta_only(index), writable=False, index=index)
                    finally:
                        index.close()
                    return
                skip = frozenset() if history else frozenset({"events"})
                yield cls(path, read_file(path, skip=skip), writable=False)
                return
            with locked(path):
                remove_stale_temp_files(path)
                index = _writing_index(path) if indexed else None
                if index is not None:
                    try:
                        db = cls(path, _meta_only(index), writable=True, index=index)
                        yield db
                        db._save_changes()
                    finally:
                        index.close()
                    return
                db = cls(path, read_file(path), writable=True)
                yield db
                if db._storage.dirty or db._packed or not path.exists():
                    db._save_whole()

    def _save_whole(self) -> None:
        """Write the whole file (a piece at a time), then index it from the records
        still in memory: cheaper than the parse the next command would make."""
        data, packed = self._storage.data, self._packed
        blocks: dict[str, tuple[int, int]] = {}

        def write(fd: int) -> None:
            # Buffered: a raw write may take only part of a piece; the buffer writes the rest.
            with open(fd, "wb", closefd=False) as handle:
                blocks.update(dump_to(handle.write, data, packed))

        atomic_write(self.path, write)
        _refresh_index(self.path, data, packed, blocks)

    def _save_changes(self) -> None:
        """Splice the records that differ from the file into it, then note them in the
        index: the index is only ever changed after the file is safely written."""
        assert self.index is not None and self.index.layout is not None
        layout = self.index.layout
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

        from claimtrack.store.layout import splice

        blocks: Blocks = {}

        def write(fd: int) -> None:
            blocks.update(splice(layout, changes, fd))

        atomic_write(self.path, write)
        try:
            written = identity(self.path.stat())
        except OSError:
            return  # the index stays as it was, stale, and is rebuilt next time
        changed = {
            table: {key: self.data[table].get(key) for key in changes.get(table, {})}
            for table in ("claims", "links", "sources")
        }
        with contextlib.suppress(sqlite3.Error):
            self.index.apply(
                changed["claims"], changed["links"], changed["sources"], blocks, written
            )

    # -- reading records through the index ------------------------------------------------

    @property
    def narrow(self) -> bool:
        """Whether records are being read as asked for (a large file with an index)."""
        return self.index is not None

    @property
    def answering_index(self) -> FileIndex | None:
        """The index, when it can answer for the file by itself (counts, joins, whole
        listings): on a read-only database, where nothing this command does can make
        the records in memory differ from the file the index describes."""
        return None if self.writable else self.index

    def structural_problems(self) -> list[str]:
        """What makes the database inconsistent: records filed under another ID, links
        to nothing (``merge.structural_problems``)."""
        index = self.answering_index
        if index is not None:
            # An index exists only for a file whose records are filed under their own
            # IDs; the links it can check by itself.
            return [
                f"links: {link} points at missing {column} {value!r}"
                for link, column, value in index.dangling_links()
            ]
        from claimtrack.interchange.merge import structural_problems

        return structural_problems(self.data)

    def loaded(self, table: str) -> bool:
        """Whether the whole table is in memory (always, without an index)."""
        return table in self._complete

    def _load(self, table: str, record_id: str) -> bool:
        """Read one record from the file into the snapshot; True if it exists."""
        originals = self._originals[table]
        if table in self._complete or record_id in originals:
            return record_id in self.data[table]
        assert self.index is not None and self.index.layout is not None
        body = self.index.layout.get(table, record_id)
        originals[record_id] = body
        if body is not None:
            self.data[table][record_id] = orjson.loads(body)
        return body is not None

    def _load_table(self, table: str) -> None:
        if table in self._complete:
            return
        assert self.index is not None and self.index.layout is not None
        originals = self._originals[table]
        records = self.data[table]
        for record_id, record in self.index.layout.table(table).items():
            if record_id not in originals:  # what this command read or changed stays
                records[record_id] = record
        self._complete.add(table)

    def _candidates(self, table: str, found: Iterable[str]) -> list[str]:
        """IDs the index found, as this command sees them, plus records it added."""
        records = self.data[table]
        originals = self._originals[table]
        chosen = {key for key in found if key not in originals or key in records}
        chosen.update(records)
        return sorted(chosen)

    def links_of_claim(self, claim_id: str) -> list[Link]:
        return self._links_by("claim", claim_id)

    def links_of_source(self, source_id: str) -> list[Link]:
        return self._links_by("source", source_id)

    def _links_by(self, field: str, record_id: str) -> list[Link]:
        if self.narrow and "links" not in self._complete:
            assert self.index is not None
            found = self.index.link_ids(field, record_id)
            for link_id in found:
                self._load("links", link_id)
            loaded = self.data["links"]
            if not self.writable:  # what the index found is all there is
                records: Iterable[Link] = (loaded[i] for i in found if i in loaded)
            else:  # every link in memory: this command may have added or changed some
                records = loaded.values()
        else:
            records = self.link_list()
        return [link for link in records if link[field] == record_id]  # type: ignore[literal-required]

    def source_by_id(self, source_id: str) -> Source | None:
        self._load("sources", source_id)
        return cast("Source | None", self.data["sources"].get(source_id))

    def _by_name(self, folded: str) -> str | None:
        """The source with this (folded) name or alias."""
        if self.index is None or "sources" in self._complete:
            return self._names().get(folded)
        for source_id in self.index.source_ids_named(folded):
            self._load("sources", source_id)
        found = [
            source_id
            for source_id, source in self.data["sources"].items()
            if folded in map(fold, (source["name"], *source.get("aliases", [])))
        ]
        return min(found) if found else None

    def claim_lines(self) -> dict[str, bytes]:
        """About to read (nearly) every claim of a read-only database: keep their lines
        unparsed, to parse each claim as it is wanted, without keeping it."""
        assert self.index is not None and self.index.layout is not None and not self.writable
        if self._claim_lines is None:
            self._claim_lines = self.index.layout.line_map("claims")
        return self._claim_lines

    def link_lines_by_claim(self) -> dict[str, list[bytes]]:
        """Every link's line, unparsed, under its claim: for a read-only database about
        to show (nearly) every claim. The index says whose each link is; its rows and the
        file's lines are both in ID order, so they are walked side by side."""
        assert self.index is not None and self.index.layout is not None and not self.writable
        grouped: dict[str, list[bytes]] = {}
        rows = self.index.link_claims()
        try:
            for (line_id, body), (link_id, claim_id) in zip(
                self.index.layout.lines("links"), rows, strict=True
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

    def peek(self, table: str, record_id: str) -> Any:
        """A record read from the file and not kept: for listings of many claims."""
        if self.index is None or table in self._complete or record_id in self.data[table]:
            return self._raw(table)[record_id]
        assert self.index.layout is not None
        body = self.index.layout.get(table, record_id)
        if body is None:
            raise NotFound(f"{table} record {record_id} is in the index but not in the file")
        return orjson.loads(body)

    def peek_claim(self, claim_id: str) -> Claim:
        return cast(Claim, self.peek("claims", claim_id))

    def has_claim(self, claim_id: str) -> bool:
        return self._load("claims", claim_id)

    def claim_by_id(self, claim_id: str) -> Claim:
        self._load("claims", claim_id)
        return cast(Claim, self.data["claims"][claim_id])

    @property
    def data(self) -> Data:
        if self._packed:
            self._unpack()
        return self._storage.data

    def _insert_packed(self, table: str, records: dict[str, bytes]) -> None:
        """Add records given as their JSON (keys sorted, as the file stores them) to be
        written as they are, for a whole-file write of a large import. The caller has
        checked them and hands the dict over: it is kept, not copied."""
        assert self.writable and self.index is None
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
        self._storage.dirty = True

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def _raw(self, table: str) -> dict[str, Any]:
        """The table's records by ID, without copying: for fast read-only scans."""
        if table not in self._complete:
            self._load_table(table)
        return self.data.get(table, {})

    # -- history --------------------------------------------------------------------------

    @property
    def actor(self) -> str:
        if self._actor is None:
            self._actor = current_user()
        return self._actor

    def _now(self) -> str:
        # Strictly increasing within one command so that events and links keep their order.
        stamp = now()
        if stamp <= self._last_at:
            stamp = later(self._last_at)
        self._last_at = stamp
        return stamp

    def new_change_id(self) -> str:
        """The ID shared by every event of this command (one change, for log and undo)."""
        if self._change is None:
            self._change = ids.new_id()
        return self._change

    def _record(
        self,
        action: str,
        kind: str,
        target: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        if not self.writable:
            raise ClaimtrackError("internal error: change on a read-only database")
        change = self.new_change_id()
        if before is not None and after is not None:
            # An edit keeps only the fields it changed: enough to show and to undo it.
            changed = [k for k in {*before, *after} if before.get(k) != after.get(k)]
            before = {k: before.get(k) for k in changed}
            after = {k: after.get(k) for k in changed}
        event: Event = {
            "id": ids.new_id(),
            "at": self._now(),
            "actor": self.actor,
            "change": change,
            "action": action,
            "kind": kind,
            "target": target,
            "before": dict(before) if before is not None else None,
            "after": dict(after) if after is not None else None,
        }
        self.events.insert_record(event)

    def event_list(self) -> list[Event]:
        return sorted(self._raw("events").values(), key=lambda e: (e["at"], e["id"]))

    # -- claims ---------------------------------------------------------------------------

    def claim_ids(self) -> Iterable[str]:
        return self._raw("claims").keys()

    def claim_list(self) -> list[Claim]:
        return list(self._raw("claims").values())

    def get_claim(self, prefix: str) -> Claim:
        if self.index is not None and "claims" not in self._complete:
            found = self._candidates("claims", self.index.ids_with_prefix("claims", prefix))
            claim_id = ids.resolve(prefix, found, "claim")
            return cast(Claim, dict(self.claim_by_id(claim_id)))
        claim_id = ids.resolve(prefix, self.claim_ids(), "claim")
        return cast(Claim, dict(self._raw("claims")[claim_id]))

    def add_claim(
        self,
        text: str,
        *,
        quote: str | None = None,
        story: str | None = None,
        tags: Iterable[str] = (),
        status: str = DEFAULT_STATUS,
        rating: str | None = None,
        quantities: Iterable[Quantity] = (),
        said_by: Iterable[str] = (),
        reported_by: Iterable[str] = (),
        note: str | None = None,
    ) -> Claim:
        at = self._now()
        claim: Claim = {
            "id": ids.new_id(),
            "text": clean_text(text, "claim text"),
            "quote": clean_optional(quote, "quote", limit=len(text) + 1_000_000),
            "story": _clean_story(story),
            "tags": _clean_tags(tags),
            "quantities": list(quantities),
            "status": check_status(status),
            "rating": clean_optional(rating, "rating"),
            "notes": [],
            "created": at,
            "updated": at,
            "author": self.actor,
        }
        if note is not None:
            claim["notes"].append(self._note(note))
        self.claims.insert_record(claim)
        self._record("add", "claim", claim["id"], None, claim)
        for relation, names in (("said-by", said_by), ("reported-by", reported_by)):
            for name in names:
                source = self.ensure_source(name)
                self.link(claim["id"], source["id"], relation)
        return claim

    def _note(self, text: str) -> Note:
        return {"at": self._now(), "author": self.actor, "text": clean_text(text, "note")}

    def _update_claim(self, before: Claim, after: Claim, action: str) -> Claim:
        if after == before:
            return before
        after["updated"] = self._now()
        self.claims.replace_record(after)
        self._record(action, "claim", after["id"], before, after)
        return after

    def edit_claim(
        self,
        prefix: str,
        *,
        text: str | None = None,
        quote: str | None = None,
        story: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        rating: str | None = None,
        status: str | None = None,
    ) -> Claim:
        before = self.get_claim(prefix)
        after = cast(Claim, dict(before))
        if text is not None:
            after["text"] = clean_text(text, "claim text")
        if quote is not None:
            after["quote"] = clean_optional(quote, "quote", limit=1_000_000)
        if story is not None:
            after["story"] = _clean_story(story)
        if rating is not None:
            after["rating"] = clean_optional(rating, "rating")
        if status is not None:
            after["status"] = check_status(status)
        removed = set(_clean_tags(remove_tags))
        missing = removed.difference(before["tags"])
        if missing:
            raise ValidationError(
                f"claim {ids.short(before['id'])} has no tag {sorted(missing)[0]!r}"
            )
        tags = [t for t in before["tags"] if t not in removed]
        tags += [t for t in _clean_tags(add_tags) if t not in tags]
        after["tags"] = tags
        return self._update_claim(before, after, "edit")

    def set_status(
        self, prefix: str, status: str, *, note: str | None = None, rating: str | None = None
    ) -> Claim:
        before = self.get_claim(prefix)
        after = cast(Claim, dict(before))
        after["status"] = check_status(status)
        if rating is not None:
            after["rating"] = clean_optional(rating, "rating")
        if note is not None:
            after["notes"] = [*before["notes"], self._note(note)]
        return self._update_claim(before, after, "status")

    def add_note(self, prefix: str, text: str) -> Claim:
        before = self.get_claim(prefix)
        after = cast(Claim, dict(before))
        after["notes"] = [*before["notes"], self._note(text)]
        return self._update_claim(before, after, "note")

    def remove_claims(self, prefixes: Iterable[str]) -> list[Claim]:
        claims: dict[str, Claim] = {}
        for prefix in prefixes:
            claim = self.get_claim(prefix)
            claims[claim["id"]] = claim
        doomed = [link for claim_id in claims for link in self.links_of_claim(claim_id)]
        for link in doomed:
            self._record("unlink", "link", link["id"], link, None)
        self.links.delete_records([link["id"] for link in doomed])
        for claim in claims.values():
            self._record("rm", "claim", claim["id"], claim, None)
        self.claims.delete_records(claims)
        return list(claims.values())

    # -- sources --------------------------------------------------------------------------

    def source_list(self) -> list[Source]:
        return list(self._raw("sources").values())

    def _names(self) -> dict[str, str]:
        """Folded name and alias -> source ID, built once per command."""
        if self._name_index is None:
            index: dict[str, str] = {}
            for source in self._raw("sources").values():
                for name in (source["name"], *source.get("aliases", [])):
                    index.setdefault(fold(name), source["id"])
            self._name_index = index
        return self._name_index

    def find_source(self, name: str) -> Source | None:
        source_id = self._by_name(fold(name))
        if source_id is None:
            return None
        return cast(Source, dict(self.data["sources"][source_id]))

    def get_source(self, ref: str) -> Source:
        """A source by exact name or alias (any case), else by ID prefix."""
        found = self.find_source(ref)
        if found is not None:
            return found
        if self.index is not None and "sources" not in self._complete:
            known = self._candidates("sources", self.index.ids_with_prefix("sources", ref))
        else:
            known = list(self._raw("sources"))
        try:
            source_id = ids.resolve(ref, known, "source")
        except NotFound:
            source_id = self._match_name_part(ref)
        self._load("sources", source_id)
        return cast(Source, dict(self.data["sources"][source_id]))

    def _match_name_part(self, ref: str) -> str:
        """The one source whose name or alias contains ``ref`` ("Petrovic")."""
        needle = fold(ref)
        if self.index is not None and "sources" not in self._complete:
            for source_id in self.index.source_ids_naming(needle) if needle else []:
                self._load("sources", source_id)
            records = self.data["sources"]
            found = sorted(
                source_id
                for source_id, source in records.items()
                if needle
                and any(needle in fold(n) for n in (source["name"], *source.get("aliases", [])))
            )
        else:
            records = self._raw("sources")
            found = sorted(
                {
                    source_id
                    for name, source_id in self._names().items()
                    if needle and needle in name
                }
            )
        if len(found) == 1:
            return found[0]
        if not found:
            raise NotFound(
                f"no source matches {ref!r}",
                "'claimtrack source list' shows sources; --create makes a new one",
            )
        names = ", ".join(_public_name(records[i]) for i in found[:8])
        raise Ambiguous(
            f"{ref!r} matches {len(found)} sources: {names}", "use the full name or the ID"
        )

    def ensure_source(self, name: str) -> Source:
        found = self.find_source(name)
        if found is not None:
            return found
        return self.add_source(name)

    def _check_names_free(self, names: Iterable[str], own_id: str | None) -> None:
        for name in names:
            holder = self._by_name(fold(name))
            if holder is not None and holder != own_id:
                other = self.data["sources"][holder]
                raise ValidationError(
                    f"{name!r} already names source {ids.short(holder)} ({other['name']})",
                    "use that source, or give this one a different name",
                )

    def add_source(
        self,
        name: str,
        *,
        kind: str = "unknown",
        role: str | None = None,
        url: str | None = None,
        aliases: Iterable[str] = (),
        notes: str | None = None,
        confidential: bool = False,
        reason: str | None = None,
        approved_by: str | None = None,
    ) -> Source:
        at = self._now()
        source: Source = {
            "id": ids.new_id(),
            "name": clean_text(name, "source name", limit=MAX_SHORT),
            "kind": check_kind(kind),
            "role": clean_optional(role, "role"),
            "url": clean_optional(url, "url"),
            "aliases": _clean_aliases(aliases),
            "notes": clean_optional(notes, "notes", limit=1_000_000),
            "confidential": confidential,
            "reason": clean_optional(reason, "reason"),
            "approved_by": clean_optional(approved_by, "approved-by"),
            "created": at,
            "updated": at,
            "author": self.actor,
        }
        self._check_names_free([source["name"], *source["aliases"]], None)
        self.sources.insert_record(source)
        self._name_index = None
        self._record("add", "source", source["id"], None, source)
        return source

    def edit_source(
        self,
        ref: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        role: str | None = None,
        url: str | None = None,
        add_aliases: Iterable[str] = (),
        remove_aliases: Iterable[str] = (),
        notes: str | None = None,
        confidential: bool | None = None,
        reason: str | None = None,
        approved_by: str | None = None,
    ) -> Source:
        before = self.get_source(ref)
        after = cast(Source, dict(before))
        if name is not None:
            after["name"] = clean_text(name, "source name", limit=MAX_SHORT)
        if kind is not None:
            after["kind"] = check_kind(kind)
        if role is not None:
            after["role"] = clean_optional(role, "role")
        if url is not None:
            after["url"] = clean_optional(url, "url")
        if notes is not None:
            after["notes"] = clean_optional(notes, "notes", limit=1_000_000)
        if confidential is not None:
            after["confidential"] = confidential
        if reason is not None:
            after["reason"] = clean_optional(reason, "reason")
        if approved_by is not None:
            after["approved_by"] = clean_optional(approved_by, "approved-by")
        dropped = {fold(a) for a in remove_aliases}
        aliases = [a for a in before["aliases"] if fold(a) not in dropped]
        aliases += [a for a in _clean_aliases(add_aliases) if fold(a) not in map(fold, aliases)]
        after["aliases"] = aliases
        self._check_names_free([after["name"], *after["aliases"]], before["id"])
        if after == before:
            return before
        after["updated"] = self._now()
        self.sources.replace_record(after)
        self._name_index = None
        self._record("edit", "source", after["id"], before, after)
        return after

    def remove_source(self, ref: str) -> tuple[Source, list[Link]]:
        source = self.get_source(ref)
        doomed = self.links_of_source(source["id"])
        for link in doomed:
            self._record("unlink", "link", link["id"], link, None)
        self.links.delete_records([link["id"] for link in doomed])
        self._record("rm", "source", source["id"], source, None)
        self.sources.delete_records([source["id"]])
        self._name_index = None
        return source, doomed

    # -- links ----------------------------------------------------------------------------

    def link_list(self) -> list[Link]:
        return list(self._raw("links").values())

    def link(
        self,
        claim_ref: str,
        source_ref: str,
        relation: str,
        *,
        url: str | None = None,
        quote: str | None = None,
        date: str | None = None,
        note: str | None = None,
    ) -> Link:
        """Link a claim to a source; linking again updates the given fields."""
        claim = self.get_claim(claim_ref)
        source = self.get_source(source_ref)
        relation = check_relation(relation)
        fields = {
            "url": clean_optional(url, "url"),
            "quote": clean_optional(quote, "quote", limit=1_000_000),
            "date": check_date(date),
            "note": clean_optional(note, "note", limit=1_000_000),
        }
        siblings = [
            link for link in self.links_of_claim(claim["id"]) if link["relation"] == relation
        ]
        for existing in siblings:
            if existing["source"] == source["id"]:
                updated = cast(Link, dict(existing))
                for key, value in fields.items():
                    if value is not None:
                        updated[key] = value  # type: ignore[literal-required]
                if updated != existing:
                    self.links.replace_record(updated)
                    self._record("link", "link", updated["id"], existing, updated)
                return updated
        link: Link = {
            "id": ids.new_id(),
            "claim": claim["id"],
            "source": source["id"],
            "relation": relation,
            "position": max((s["position"] for s in siblings), default=-1) + 1,
            "url": fields["url"],
            "quote": fields["quote"],
            "date": fields["date"],
            "note": fields["note"],
            "created": self._now(),
            "author": self.actor,
        }
        self.links.insert_record(link)
        self._record("link", "link", link["id"], None, link)
        return link

    def unlink(self, claim_ref: str, source_ref: str, relation: str | None = None) -> list[Link]:
        claim = self.get_claim(claim_ref)
        source = self.get_source(source_ref)
        wanted = check_relation(relation) if relation else None
        doomed = [
            link
            for link in self.links_of_claim(claim["id"])
            if link["source"] == source["id"] and (wanted is None or link["relation"] == wanted)
        ]
        if not doomed:
            how = f" as {wanted}" if wanted else ""
            raise NotFound(
                f"claim {ids.short(claim['id'])} is not linked to {source['name']!r}{how}"
            )
        for link in doomed:
            self._record("unlink", "link", link["id"], link, None)
        self.links.delete_records([link["id"] for link in doomed])
        return doomed


def _meta_only(index: FileIndex) -> Data:
    """The snapshot an indexed command starts from: the file's _meta, no records."""
    assert index.layout is not None
    data: Data = {META: {key: orjson.loads(body) for key, body in index.layout.lines(META)}}
    for table in TABLES:
        data[table] = {}
    return data


def _refresh_index(
    path: Path, data: Data, packed: Mapping[str, Mapping[str, bytes]], blocks: Blocks
) -> None:
    """After a whole-file write (import, undo, ...) the index no longer matches the
    file; rebuild it now from the records in memory, which costs a fraction of the
    parse the next command would otherwise make. Called holding the lock."""
    index = FileIndex.connect(path)  # None for a small file: it has no index
    if index is None:
        return
    import sqlite3

    try:
        index.write_from(data, packed, blocks, identity(path.stat()))
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


def _clean_story(story: str | None) -> str | None:
    value = clean_optional(story, "story", limit=200)
    if value is not None and any(c.isspace() for c in value):
        raise ValidationError(
            f"story {story!r} contains spaces", "a story is a slug such as 'serbia-russians'"
        )
    return value


def _clean_tags(tags: Iterable[str]) -> list[str]:
    result: list[str] = []
    for tag in tags:
        for part in tag.split(","):
            if part.strip():
                cleaned = clean_tag(part)
                if cleaned not in result:
                    result.append(cleaned)
    return result


def _clean_aliases(aliases: Iterable[str]) -> list[str]:
    result: list[str] = []
    for alias in aliases:
        cleaned = clean_text(alias, "alias", limit=MAX_SHORT)
        if fold(cleaned) not in map(fold, result):
            result.append(cleaned)
    return result
