"""The storage contract: the store on its own, below ``Database`` and the CLI.

One engine answers every question (``store.index``), but its schema lives in memory (a
small file, or ``CLAIMTRACK_INDEX=never``) or in the cache folder, built as the command
opens the file, found current from an earlier command, or found stale and rebuilt. Most
tests run once in each configuration, through the ``kind`` fixture (taskchampion's
storage/test.rs: every backend held to the same tests); every answer is checked against
the value it should be, so the configurations cannot agree on a wrong one. A writing
block sees its own changes and saves them, or nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import os
import re
import sqlite3
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtrack.errors import NotFound, ValidationError
from claimtrack.model import RELATIONS, STATUSES, fold
from claimtrack.store import build, snapshot
from claimtrack.store.counts import ClaimCounts
from claimtrack.store.fileformat import Data, dump, empty_data, parse
from claimtrack.store.filter import ClaimFilter
from claimtrack.store.index import Index, index_path
from claimtrack.store.snapshot import SORT_KEYS, Snapshot, index_to_disk, open_snapshot

# Where the schema is: in memory; in the cache, built as the file is opened, current
# from an earlier command, or stale (the file changed since) and rebuilt.
Kind = str
KINDS: dict[str, str] = {
    "memory": "never",
    "cache-built": "always",
    "cache-current": "always",
    "cache-stale": "always",
}

# Records with the fields the store reads; it checks no other.


def claim(
    key: str, text: str, day: str, status: str = "unverified", tags: Any = (), **more: Any
) -> dict[str, Any]:
    moment = f"2024-{day}T09:00:00.000000Z"
    base = {"id": key, "text": text, "status": status, "tags": list(tags), "quote": None}
    return base | {"story": None, "created": moment, "updated": moment, **more}


def source(key: str, name: str, *aliases: str) -> dict[str, Any]:
    return {"id": key, "name": name, "kind": "unknown", "aliases": list(aliases)}


def link(key: str, claim_id: str, source_id: str, relation: str = "said-by") -> dict[str, Any]:
    return {"id": key, "claim": claim_id, "source": source_id, "relation": relation}


def event(key: str, day: str, target: str, action: str = "add") -> dict[str, Any]:
    return {
        "id": key,
        "at": f"2024-{day}T00:00:00.000000Z",
        "actor": "tester",
        "change": key,
        "action": action,
        "kind": "source" if target.startswith("s") else "claim",
        "target": target,
        "before": None,
        "after": None,
    }


def sample() -> Data:
    """Four claims (two created at the same moment), four sources named with odd case
    and spacing, five links (two from one claim to one source) and three events."""
    data = empty_data()
    for record in [
        claim("c1a", "Police held 12", "01-05", tags=["police", "serbia"], story="protests"),
        claim("c1b", "The ministry denied it", "02-10", "checking", ["ministry"], quote="We DENY"),
        claim("c2a", "Turnout was 58 percent", "03-15", "verified", ["election", "serbia"]),
        claim("c2b", "Prices rose by a third", "03-15", "false", story="budget"),
        source("s1", "Associated Press", "AP"),
        source("s2", "Ana  PETROVIĆ"),
        source("s3", "Interior Ministry", "MUP"),
        source("s4", "Petrović Research"),
        link("l1", "c1a", "s1", "reported-by"),
        link("l2", "c1a", "s2"),
        link("l3", "c1b", "s3"),
        link("l4", "c2a", "s1", "supports"),
        link("l5", "c2a", "s1", "reported-by"),
        event("e1", "01-05", "c1a"),
        event("e2", "01-01", "s1"),
        event("e3", "03-20", "c2a", "status"),
    ]:
        table = {"c": "claims", "s": "sources", "l": "links", "e": "events"}[record["id"][0]]
        data[table][record["id"]] = record
    data["claims"]["c2a"] |= {"story": "vote", "updated": "2024-04-01T00:00:00.000000Z"}
    return data


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "claims.json"
    path.write_bytes(dump(sample()))
    return path


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Kind:
    monkeypatch.setenv("CLAIMTRACK_INDEX", KINDS[request.param])
    return str(request.param)


def prepare(path: Path, kind: Kind) -> None:
    """Leave the cache as ``kind`` wants it before the file is opened."""
    from claimtrack.store.index import index_path

    if kind == "cache-built":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index_path(path)}{suffix}").unlink(missing_ok=True)
    elif kind in ("cache-current", "cache-stale"):
        with open_snapshot(path) as snap:
            assert snap.cached
        if kind == "cache-stale":  # the file's identity changes, its bytes do not
            stamp = path.stat().st_mtime_ns + 5_000_000_000
            os.utime(path, ns=(stamp, stamp))


@contextlib.contextmanager
def opened(path: Path, kind: Kind, *, write: bool = False) -> Iterator[Snapshot]:
    prepare(path, kind)
    with open_snapshot(path, write=write) as snap:
        # A quiet fallback to memory would compare nothing.
        assert snap.cached is (kind != "memory")
        yield snap


class Lookup:
    """What ``ClaimFilter.prepare`` asks for a source: here the reference is its ID."""

    def get_source(self, ref: str) -> dict[str, str]:
        return {"id": ref}


def ids(records: Any) -> list[str]:
    return [record["id"] for record in records]


@pytest.fixture
def indexed_once(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache built, and never again in this test: it must be kept current."""
    monkeypatch.setenv("CLAIMTRACK_INDEX", "always")
    with opened(db, "cache-built"):
        pass

    def rebuild(index: Index, *, write: bool) -> bool:
        raise AssertionError("the index was stale: built again from the file")

    monkeypatch.setattr(build, "rebuild", rebuild)


# -- where the schema lives ------------------------------------------------------------------


@pytest.mark.parametrize("write", [False, True])
@pytest.mark.parametrize(("mode", "cached"), [("always", True), ("never", False), ("auto", False)])
def test_a_small_file_is_indexed_in_memory_a_large_one_in_the_cache(
    db: Path, monkeypatch: pytest.MonkeyPatch, mode: str, cached: bool, write: bool
) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", mode)  # "auto": the sample is a few hundred bytes
    with open_snapshot(db, write=write) as snap:
        assert snap.cached is cached


# -- the same answers in every configuration ---------------------------------------------------


def test_records_are_read_by_id_and_by_prefix(db: Path, kind: Kind) -> None:
    with opened(db, kind) as snap:
        assert snap.peek("claims", "c1b") == sample()["claims"]["c1b"]
        assert snap.record("sources", "s2") == sample()["sources"]["s2"]
        assert snap.record("claims", "c9") is None
        with pytest.raises(NotFound):
            snap.peek("links", "l9")
        assert snap.ids_with_prefix("claims", "  C1 ") == ["c1a", "c1b"]  # as ids.resolve
        assert snap.ids_with_prefix("sources", "s9") == []
        assert snap.records("links") == sample()["links"]


def test_sources_are_found_by_folded_name_or_alias(db: Path, kind: Kind) -> None:
    with opened(db, kind) as snap:
        assert snap.sources_named(fold("associated   press")) == ["s1"]
        assert snap.sources_named(fold("Ap")) == ["s1"]
        assert snap.sources_named(fold("ana petrović")) == ["s2"]
        assert snap.sources_named(fold("Petrović")) == []  # a whole name, not a part
        assert snap.sources_naming(fold("PETROVIĆ")) == ["s2", "s4"]
        assert snap.sources_naming("mu") == ["s3"]
        assert snap.sources_naming("") == []


def test_links_are_found_by_claim_and_by_source(db: Path, kind: Kind) -> None:
    with opened(db, kind) as snap:
        assert ids(snap.links_of("claim", "c1a")) == ["l1", "l2"]
        assert ids(snap.links_of("source", "s1")) == ["l1", "l4", "l5"]
        assert sorted(ids(snap.claim_links("c2a"))) == ["l4", "l5"]
        assert sorted(ids(snap.source_links("s3"))) == ["l3"]
        assert snap.claim_links("c2b") == snap.source_links("s4") == []
        assert snap.links_citing_any({"s2", "s3"}) == {"l2", "l3"}
        assert (snap.citing_count("s1"), snap.citing_count("s4")) == (2, 0)  # claims, not links


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["c2b", "c2a", "c1b", "c1a"]),  # newest first; the same moment by ID
        ({"statuses": ["Verified", "false"]}, ["c2b", "c2a"]),
        ({"tags": [" SERBIA"]}, ["c2a", "c1a"]),
        ({"tags": ["serbia", "police"]}, ["c1a"]),  # every tag given
        ({"stories": ["vote", "protests"]}, ["c2a", "c1a"]),
        ({"source": "s1"}, ["c2a", "c1a"]),
        ({"source": "s1", "relation": "supports"}, ["c2a"]),
        ({"source": "s2", "relation": "supports"}, []),
        ({"search": "deny"}, ["c1b"]),  # in the quote
        ({"search": "58 PERCENT"}, ["c2a"]),
        ({"since": "2024-02-10"}, ["c2b", "c2a", "c1b"]),  # whole days, inclusive
        ({"until": "2024-02-10"}, ["c1b", "c1a"]),
        ({"since": "2024-02-01", "until": "2024-03-14"}, ["c1b"]),
        ({"tags": ["serbia"], "statuses": ["verified"], "since": "2024-03-01"}, ["c2a"]),
    ],
)
def test_select_applies_each_filter_field(
    db: Path, kind: Kind, options: dict[str, Any], expected: list[str]
) -> None:
    with opened(db, kind) as snap:
        found, total = snap.select(ClaimFilter(**options).prepare(Lookup()))
        assert (ids(found), total) == (expected, len(expected))


@pytest.mark.parametrize(
    ("sort", "reverse", "limit", "expected"),
    [
        ("created", True, None, ["c1a", "c1b", "c2a", "c2b"]),
        ("updated", False, None, ["c2a", "c2b", "c1b", "c1a"]),
        # Statuses in the workflow's order, not the alphabet's.
        ("status", False, None, ["c1a", "c1b", "c2a", "c2b"]),
        ("story", True, None, ["c2a", "c1a", "c2b", "c1b"]),  # no story sorts first
        ("text", False, 3, ["c1a", "c2b", "c1b"]),
        ("created", False, 0, []),
    ],
)
def test_select_sorts_reverses_and_limits_but_counts_every_claim(
    db: Path, kind: Kind, sort: str, reverse: bool, limit: int | None, expected: list[str]
) -> None:
    with opened(db, kind) as snap:
        found, total = snap.select(ClaimFilter(), sort=sort, reverse=reverse, limit=limit)
        assert (ids(found), total) == (expected, 4)
        with pytest.raises(ValidationError):
            snap.select(ClaimFilter(), sort="author")


def test_facts_count_the_selected_claims_and_their_sources(db: Path, kind: Kind) -> None:
    with opened(db, kind) as snap:
        claims, sources = snap.facts(ClaimFilter(stories=["vote", "protests"]).prepare(Lookup()))
        # serbia is on both claims; between election and police (one claim each) the
        # newer claim's tag comes first, and within a claim the tags' order.
        assert claims == ClaimCounts(
            2,
            {"verified": 1, "unverified": 1},
            [("vote", 1), ("protests", 1)],
            [("serbia", 2), ("election", 1), ("police", 1)],
        )
        # s1 reports both claims and supports one: two claims in all, each counted once.
        assert sources == {
            "s1": {"claims": 2, "reported-by": 2, "supports": 1},
            "s2": {"claims": 1, "said-by": 1},
        }
        only_vote = ClaimFilter(stories=["vote"]).prepare(Lookup())
        assert snap.facts(only_vote)[1] == {"s1": {"claims": 1, "reported-by": 1, "supports": 1}}
        # c2a and c2b were made at the same moment: the higher ID counts as newer.
        everything = snap.facts(ClaimFilter())[0]
        stories = [("budget", 1), ("vote", 1), ("(no story)", 1), ("protests", 1)]
        assert everything.by_story == stories
        tags = [("serbia", 2), ("election", 1), ("ministry", 1), ("police", 1)]
        assert everything.by_tag == tags


def counted_one_by_one(newest_first: list[dict[str, Any]]) -> ClaimCounts:
    """What ``facts`` must count, counted claim by claim, newest first."""
    by_story = Counter(claim["story"] or "(no story)" for claim in newest_first)
    by_tag = Counter(tag for claim in newest_first for tag in claim["tags"])
    return ClaimCounts(
        len(newest_first),
        dict(Counter(claim["status"] for claim in newest_first)),
        by_story.most_common(),
        by_tag.most_common(),
    )


def test_facts_count_every_source_of_every_claim_and_no_link_to_a_missing_one(
    tmp_path: Path, kind: Kind
) -> None:
    data = sample()
    everything = {
        "s1": {"claims": 2, "reported-by": 2, "supports": 1},
        "s2": {"claims": 1, "said-by": 1},
        "s3": {"claims": 1, "said-by": 1},
    }
    path = tmp_path / "claims.json"
    path.write_bytes(dump(data))
    with opened(path, kind) as snap:
        assert snap.facts(ClaimFilter())[1] == everything
    # A link to a claim that is not there (a bad merge) backs nothing.
    data["links"]["l6"] = link("l6", "c9z", "s4")
    data["links"]["l7"] = link("l7", "c9y", "s1", "supports")
    path.write_bytes(dump(data))
    with opened(path, kind) as snap:
        assert snap.facts(ClaimFilter())[1] == everything
        checking = ClaimFilter(statuses=["checking"])
        assert snap.facts(checking)[1] == {"s3": {"claims": 1, "said-by": 1}}


def test_history_is_listed_oldest_first_and_scanned_in_id_order(db: Path, kind: Kind) -> None:
    needle = re.compile(rb'"target":"c2a"')
    with opened(db, kind) as snap:
        assert ids(snap.event_list()) == ["e2", "e1", "e3"]
        scanned = list(snap.scan_events())
        assert ids(found for found, _ in scanned) == ["e1", "e2", "e3"]
        for found, kept in [*scanned, *snap.scan_events(needle)]:
            assert (orjson.loads(kept) if isinstance(kept, bytes) else kept) == found
        # The needle may pass over others, never over an event it is in.
        assert "e3" in ids(found for found, _ in snap.scan_events(needle))


def test_line_batches_give_each_line_where_the_file_holds_it(db: Path, kind: Kind) -> None:
    """A reading command through the cache gets every line of a table in ID order, a
    batch at a time with its offset, and reads any span again; a database parsed whole,
    or open for writing (its records may differ from the file's), gets none."""
    raw = db.read_bytes()
    with opened(db, kind) as snap:
        batches = snap.line_batches("claims")
        if kind == "memory":
            assert batches is None
            return
        assert batches is not None
        lines = []
        for offset, batch in batches:
            assert raw[offset : offset + len(batch)] == batch
            assert snap.reader()(offset, len(batch)) == batch
            lines += batch.split(b"\n")
        assert [line.split(b'"')[1].decode() for line in lines] == ["c1a", "c1b", "c2a", "c2b"]
    with opened(db, kind, write=True) as snap:
        assert snap.line_batches("claims") is None


def test_links_to_nothing_are_reported_alike(db: Path, kind: Kind) -> None:
    data = sample()
    for record in link("l6", "c1a", "nobody"), link("l7", "gone", "lost"), link("l8", "gone", "s1"):
        data["links"][record["id"]] = record
    db.write_bytes(dump(data))
    with opened(db, kind) as snap:
        assert snap.structural_problems() == [
            "links: l6 points at missing source 'nobody'",
            "links: l7 points at missing claim 'gone'",
            "links: l7 points at missing source 'lost'",
            "links: l8 points at missing claim 'gone'",
        ]


def test_a_record_filed_under_another_id_is_reported(db: Path, kind: Kind) -> None:
    data = sample()
    data["claims"]["c1b"]["id"] = "c1x"
    data["events"]["e2"]["id"] = "e9"  # (an ID that is not text is a damaged record)
    data["links"]["l6"] = link("l6", "gone", "s1")
    db.write_bytes(dump(data))
    with opened(db, kind) as snap:
        assert snap.structural_problems() == [
            "claims: record 'c1b' has id 'c1x'",
            "events: record 'e2' has id 'e9'",
            "links: l6 points at missing claim 'gone'",
        ]


# -- writing ------------------------------------------------------------------------------------


def edited(snap: Snapshot, table: str, key: str, **fields: Any) -> dict[str, Any]:
    """The record read as ``Database`` reads it before a change, with ``fields`` changed."""
    record = snap.record(table, key)
    assert record is not None
    return {**record, **fields}


def change(snap: Snapshot) -> None:
    """One change of each kind: a claim replaced, one added, a link deleted (read first,
    as ``Database`` does), a source renamed."""
    snap.claims.replace_record(edited(snap, "claims", "c1a", status="verified"))
    snap.claims.insert_record(claim("c1c", "A new claim", "05-01", tags=["serbia"]))
    assert snap.record("links", "l3") is not None
    snap.links.delete_records(["l3"])
    snap.sources.replace_record(edited(snap, "sources", "s3", name="Interior, the"))


def changed() -> Data:
    data = sample()
    data["claims"]["c1a"]["status"] = "verified"
    data["claims"]["c1c"] = claim("c1c", "A new claim", "05-01", tags=["serbia"])
    del data["links"]["l3"]
    data["sources"]["s3"]["name"] = "Interior, the"
    return data


def test_a_writing_block_saves_its_changes_as_dump_lays_them_out(db: Path, kind: Kind) -> None:
    with opened(db, kind, write=True) as snap:
        change(snap)
    assert db.read_bytes() == dump(changed())
    with opened(db, kind) as snap:
        assert snap.records("claims") == changed()["claims"]
        assert snap.sources_named("interior, the") == ["s3"]


def test_an_error_in_a_writing_block_leaves_the_file_byte_for_byte(db: Path, kind: Kind) -> None:
    before = db.read_bytes()
    with pytest.raises(RuntimeError), opened(db, kind, write=True) as snap:
        change(snap)
        raise RuntimeError("the command failed")
    assert db.read_bytes() == before
    with opened(db, kind) as snap:
        assert ids(snap.select(ClaimFilter(statuses=["verified"]))[0]) == ["c2a"]


@pytest.mark.parametrize(
    ("mode", "rewritten"),
    [("cache-current", {"c1a", "c1c", "l3", "s3"}), ("memory", {"c1a", "c1c", "l3", "s3", "c2b"})],
)
def test_the_cached_writer_splices_only_the_lines_that_changed(
    db: Path, monkeypatch: pytest.MonkeyPatch, mode: str, rewritten: set[str]
) -> None:
    # c2b's keys out of order: a splice copies its line as it is, a whole write sorts them.
    c2b = sample()["claims"]["c2b"]
    in_order = orjson.dumps(c2b, option=orjson.OPT_SORT_KEYS)
    db.write_bytes(db.read_bytes().replace(in_order, orjson.dumps(dict(reversed(c2b.items())))))
    monkeypatch.setenv("CLAIMTRACK_INDEX", KINDS[mode])
    before = set(db.read_bytes().splitlines())
    with opened(db, mode, write=True) as snap:
        change(snap)
    after = set(db.read_bytes().splitlines())
    assert {line.split(b'"')[1].decode() for line in before ^ after} == rewritten
    assert parse(db.read_bytes(), db) == changed()


@pytest.mark.usefixtures("indexed_once")
@pytest.mark.parametrize("packed", [False, True])
def test_a_later_reader_sees_the_changes_in_a_current_cache(db: Path, packed: bool) -> None:
    with open_snapshot(db, write=True) as snap:
        assert snap.cached
        change(snap)
        if packed:  # a whole-file write (an import's records), not a splice
            snap.add_serialised("events", {"e9": orjson.dumps(event("e9", "05-01", "c1c"))})
    with opened(db, "cache-current") as snap:
        assert ids(snap.select(ClaimFilter(tags=["serbia"]))[0]) == ["c1c", "c2a", "c1a"]
        assert ids(snap.select(ClaimFilter(statuses=["verified"]))[0]) == ["c2a", "c1a"]
        assert snap.facts(ClaimFilter(tags=["police"]))[0].claims == 1
        assert snap.ids_with_prefix("claims", "c1") == ["c1a", "c1b", "c1c"]
        assert snap.sources_named("interior, the") == ["s3"]
        assert snap.sources_named("interior ministry") == []
        assert (snap.citing_count("s3"), snap.links_citing_any({"s3"})) == (0, set())
        assert snap.claim_links("c1b") == []


def test_a_write_is_seen_by_later_reads_in_the_same_block(db: Path, kind: Kind) -> None:
    with opened(db, kind, write=True) as snap:
        # Asked once before the change, so that anything worked out and kept goes stale.
        assert snap.claim_links("c2b") == snap.source_links("s4") == []
        assert ids(snap.links_of("claim", "c1a")) == ["l1", "l2"]
        assert (snap.citing_count("s4"), snap.citing_count("s1")) == (0, 2)
        assert snap.sources_named("interior ministry") == ["s3"]
        assert snap.sources_naming(fold("petrović")) == ["s2", "s4"]
        snap.links.insert_record(link("l2a", "c2b", "s4", "disputes"))
        snap.links.delete_records(["l1"])
        snap.sources.replace_record(edited(snap, "sources", "s3", name="MoI", aliases=[]))
        snap.sources.replace_record(edited(snap, "sources", "s4", name="Research Unit"))
        assert ids(snap.claim_links("c2b")) == ids(snap.source_links("s4")) == ["l2a"]
        assert ids(snap.links_of("claim", "c1a")) == ["l2"]
        assert ids(snap.links_of("source", "s4")) == ["l2a"]
        assert (snap.citing_count("s4"), snap.citing_count("s1")) == (1, 1)
        assert snap.links_citing_any({"s4", "s2"}) == {"l2", "l2a"}
        assert snap.ids_with_prefix("links", "l") == ["l2", "l2a", "l3", "l4", "l5"]
        assert snap.sources_named("interior ministry") == snap.sources_named("mup") == []
        assert snap.sources_named("moi") == ["s3"]
        assert snap.sources_naming(fold("petrović")) == ["s2"]


def test_select_in_a_writing_block_sees_the_blocks_own_changes(db: Path, kind: Kind) -> None:
    with opened(db, kind, write=True) as snap:
        change(snap)
        snap.record("claims", "c2b")
        snap.claims.delete_records(["c2b"])
        assert ids(snap.select(ClaimFilter(statuses=["verified"]))[0]) == ["c2a", "c1a"]
        assert ids(snap.select(ClaimFilter())[0]) == ["c1c", "c2a", "c1b", "c1a"]


def test_peek_of_a_record_deleted_in_the_block_finds_nothing(db: Path, kind: Kind) -> None:
    with opened(db, kind, write=True) as snap:
        assert snap.record("claims", "c1b") is not None
        snap.claims.delete_records(["c1b"])
        with pytest.raises(NotFound):
            snap.peek("claims", "c1b")


def test_deleting_a_record_not_read_yet_deletes_it(db: Path, kind: Kind) -> None:
    with opened(db, kind, write=True) as snap:
        snap.claims.delete_records(["c2b"])
    with open_snapshot(db) as snap:
        assert "c2b" not in snap.records("claims")


@pytest.mark.usefixtures("indexed_once")
def test_serialised_records_are_written_as_they_are_and_read_back(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = orjson.dumps(claim("c9", "From an import", "06-01"), option=orjson.OPT_SORT_KEYS)
    with open_snapshot(db, write=True) as snap:  # a whole write: the index made from memory
        snap.add_serialised("claims", {"c9": body})
        with pytest.raises(ValueError, match="c1a"):
            snap.add_serialised("claims", {"c1a": b"{}"})
    assert b'"c9": ' + body in db.read_bytes().splitlines()
    for kind in ("memory", "cache-current"):  # the cache as the whole write left it
        monkeypatch.setenv("CLAIMTRACK_INDEX", KINDS[kind])
        with opened(db, kind) as snap:
            assert snap.peek("claims", "c9")["text"] == "From an import"
            assert ids(snap.select(ClaimFilter(), limit=1)[0]) == ["c9"]
    monkeypatch.setenv("CLAIMTRACK_INDEX", "always")
    with open_snapshot(db, write=True) as snap:  # and in the block that adds them
        snap.add_serialised("links", {"l9": orjson.dumps(link("l9", "c9", "s4"))})
        assert ids(snap.source_links("s4")) == ["l9"]


def test_serialised_records_are_written_without_decoding_them(tmp_path: Path) -> None:
    # An import hands over 100,000 claims packed; decoding them all to write the file
    # held a second, larger copy of the database (and took half a second at 10,000).
    bodies = {
        f"c{n:05d}": orjson.dumps(
            claim(f"c{n:05d}", f"Imported claim number {n}", "06-01", tags=["a", "b"]),
            option=orjson.OPT_SORT_KEYS,
        )
        for n in range(20000)
    }
    size = sum(map(len, bodies.values()))
    path = tmp_path / "db.json"
    try:
        with open_snapshot(path, write=True, create=True) as snap:
            snap.add_serialised("claims", bodies)
            tracemalloc.start()  # what the save allocates, from here
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size  # pieces of a megabyte or two written, no record decoded
    assert (
        parse(path.read_bytes(), path)["claims"]["c19999"]["text"] == "Imported claim number 19999"
    )


def test_an_import_worth_a_cache_is_indexed_on_disk_not_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rows of 100,000 imported claims are a quarter of a gigabyte: in SQLite's
    # temporary file, only the pages in use are held in memory.
    moved: list[Index] = []
    monkeypatch.setattr(snapshot, "index_to_disk", functools.partial(_moved, moved))
    monkeypatch.setenv("CLAIMTRACK_INDEX", "auto")
    few = {"c1": orjson.dumps(claim("c1", "A claim", "06-01"), option=orjson.OPT_SORT_KEYS)}
    many = {
        f"d{n:05d}": orjson.dumps(
            claim(f"d{n:05d}", f"Imported claim {n} " * 20, "06-02"), option=orjson.OPT_SORT_KEYS
        )
        for n in range(2000)
    }
    path = tmp_path / "db.json"
    with open_snapshot(path, write=True, create=True) as snap:
        snap.add_serialised("claims", few)
        assert moved == []  # a few records: the index stays in memory
        snap.add_serialised("claims", many)
        assert len(moved) == 1
        assert moved[0].connection.execute("PRAGMA journal_mode").fetchone()[0] != "memory"
        assert ids(snap.select(ClaimFilter(), limit=3)[0]) == ["d01999", "d01998", "d01997"]
        assert snap.sources_named("nobody") == []
    with open_snapshot(path) as snap:  # the cache the save made from it
        assert snap.cached
        assert len(ids(snap.select(ClaimFilter())[0])) == 2001


def _moved(moved: list[Index], index: Index) -> None:
    moved.append(index)
    index_to_disk(index)


# -- one filter, the same in memory and in the cache ---------------------------------------------


def test_a_blank_tag_selects_nothing(db: Path, kind: Kind) -> None:
    with opened(db, kind) as snap:
        assert ids(snap.select(ClaimFilter(tags=[" "]).prepare(Lookup()))[0]) == []


WORDS = ["police", "ministry", "vote", "Straße", "percent"]
TAG_SETS = [[], ["police"], ["police", "vote"], ["ministry"], ["police-vote"]]
TIMES = ["00:00:00.000000", "09:00:00.000000", "23:59:59.999999"]  # a day's first, last moment


def varied_data() -> Data:
    """Forty claims that between them have every status, tag set, story and relation, some
    created on the first or last moment of a day (where --since and --until bound)."""
    data = empty_data()
    for number, status in zip(range(40), itertools.cycle(STATUSES), strict=False):
        key, day = f"c{number:02d}", f"{1 + number % 6:02d}-{1 + number % 28:02d}"
        text = f"{WORDS[number % 5].title()} claim {number}"
        data["claims"][key] = claim(key, text, day, status, TAG_SETS[number % 5]) | {
            "story": [None, "s-1", "s-2"][number % 3],
            "quote": WORDS[number * 3 % 5] if number % 2 else None,
            "created": f"2024-{day}T{TIMES[number // 2 % 3]}Z",
            "updated": f"2024-07-{1 + number * 7 % 16:02d}T00:00:00.000000Z",
        }
        for step in range(number % 4):
            relation = RELATIONS[(number // 3 + step) % 4]
            record = link(f"{key}-{step}", key, f"s{(number + step) % 3}", relation)
            data["links"][record["id"]] = record
    return data


def days_at(time: str) -> list[str]:
    """Days on which a claim was created at this time: --since and --until fall on them."""
    created = [claim["created"] for claim in varied_data()["claims"].values()]
    return sorted({moment[:10] for moment in created if time in moment})


@pytest.fixture
def varied(tmp_path: Path) -> Path:
    path = tmp_path / "varied.json"
    path.write_bytes(dump(varied_data()))
    return path


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flt=st.builds(
        ClaimFilter,
        statuses=st.lists(st.sampled_from(STATUSES), max_size=2),
        tags=st.lists(st.sampled_from(["police", "VOTE ", "police-vote"]), max_size=2),
        stories=st.lists(st.sampled_from(["s-1", "s-2"]), max_size=1),
        source=st.none() | st.sampled_from(["s0", "s1", "s2"]),
        relation=st.none() | st.sampled_from(RELATIONS),
        search=st.none() | st.sampled_from(["", "POLICE", "strasse", "Claim 1", "ministry"]),
        since=st.none() | st.sampled_from(days_at(TIMES[0])),
        until=st.none() | st.sampled_from(days_at(TIMES[2])),
    ),
    sort=st.sampled_from(SORT_KEYS),
    reverse=st.booleans(),
    limit=st.none() | st.integers(0, 5),
)
def test_memory_and_cache_select_the_same_claims_in_the_same_order(
    varied: Path, flt: ClaimFilter, sort: str, reverse: bool, limit: int | None
) -> None:
    if flt.source is None:
        flt.relation = None  # prepare refuses a relation without a source
    answers = []
    for mode in ("never", "always"):
        os.environ["CLAIMTRACK_INDEX"] = mode  # the fixture's monkeypatch puts it back
        with open_snapshot(varied) as snap:
            assert snap.cached is (mode == "always")
            prepared = dataclasses.replace(flt).prepare(Lookup())
            found, total = snap.select(prepared, sort=sort, reverse=reverse, limit=limit)
            counted = snap.facts(prepared)[0]
            assert counted == counted_one_by_one(list(snap.select(prepared)[0]))
            answers.append((ids(found), total, counted))
    assert answers[0] == answers[1]


# -- the cache's transaction -------------------------------------------------------------------


@pytest.mark.usefixtures("indexed_once")
def test_a_writers_changes_reach_other_commands_once_the_file_is_in_place(db: Path) -> None:
    verified = ClaimFilter(statuses=["verified"])
    with open_snapshot(db, write=True) as writer:
        writer.claims.replace_record(edited(writer, "claims", "c1a", status="verified"))
        assert writer.cached and ids(writer.select(verified)[0]) == ["c2a", "c1a"]
        with open_snapshot(db) as reader:  # another command, meanwhile: not kept waiting
            assert reader.cached and ids(reader.select(verified)[0]) == ["c2a"]
    with open_snapshot(db) as reader:
        assert reader.cached and ids(reader.select(verified)[0]) == ["c2a", "c1a"]


@pytest.mark.usefixtures("indexed_once")
def test_a_write_that_cannot_replace_the_file_leaves_the_cache_as_it_was(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimtrack.errors import DatabaseError
    from claimtrack.store import files

    def refuse(source: str, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises((DatabaseError, OSError)), open_snapshot(db, write=True) as writer:
        writer.claims.replace_record(edited(writer, "claims", "c1a", status="verified"))
    monkeypatch.undo()
    monkeypatch.setenv("CLAIMTRACK_INDEX", "always")
    with open_snapshot(db) as reader:  # current (no rebuild) and as the file is
        assert reader.cached
        assert ids(reader.select(ClaimFilter(statuses=["verified"]))[0]) == ["c2a"]


@pytest.mark.usefixtures("indexed_once")
def test_a_history_handed_over_while_its_rows_wait_is_read_for_its_ids_only(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import's events, handed over while the history's rows wait for the first
    ``log`` (``Index.pending``), are not parsed whole: their IDs are all the fill reads,
    and one filed under another ID is noted as misfiled all the same."""
    bodies = {
        "e9": orjson.dumps(event("e9", "05-01", "c1c"), option=orjson.OPT_SORT_KEYS),
        "e10": orjson.dumps(event("e8", "05-02", "c1c"), option=orjson.OPT_SORT_KEYS),
    }
    parsed: list[bytes] = []
    loads = orjson.loads

    def counted(data: Any) -> Any:
        parsed.append(bytes(data))
        return loads(data)

    with open_snapshot(db, write=True) as snap:
        monkeypatch.setattr(orjson, "loads", counted)
        snap.add_serialised("events", dict(bodies))
        monkeypatch.setattr(orjson, "loads", loads)
        assert not set(bodies.values()) & set(parsed)
    with contextlib.closing(sqlite3.connect(index_path(db))) as connection:
        noted = connection.execute("SELECT tbl, key, rid FROM misfiled").fetchall()
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert noted == [("events", "e10", "'e8'")]
