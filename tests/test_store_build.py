"""A whole new index (``store.build.build_anew``, its rows made by ``store.bulk``) holds
exactly the rows the one definition of each row (``store.rows``, through ``Index.fill``)
makes of the same records, and refuses every record a command would refuse."""

from __future__ import annotations

import copy
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from claimtrack.errors import DatabaseError
from claimtrack.store import build
from claimtrack.store.fileformat import Data, dump, parse, shape_problem
from claimtrack.store.index import (
    CHECKED_TABLES,
    PAGE_SIZE,
    Index,
    copy_index,
    create_tables,
    index_path,
)
from claimtrack.store.layout import Scan
from claimtrack.store.timeline import make_rows
from tests.helpers import Cli
from tests.test_kept_counts import FRESH
from tests.test_store_refresh import TABLES, WORDS, hide_source, misfile_and_merge

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth


def tables(connection: sqlite3.Connection) -> dict[str, list[Any]]:
    found = {
        table: connection.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        for table, order in TABLES.items()
    }
    found["words"] = connection.execute(WORDS).fetchall()
    return found


def rebuilt(db: Path, *, anew: bool = True) -> bool:
    """Whether a first command builds the cache of the file (``build.rebuild``), from
    no cache at all (``anew``, else in the cache as it is); False where it refuses the
    file."""
    if anew:
        Index.discard(db)
    index = Index.cache_for(db)
    assert index is not None
    try:
        return build.rebuild(index, write=False)
    finally:
        index.close()


def made(db: Path) -> dict[str, list[Any]]:
    """The tables of the cache of the file, its history's rows made as the first
    ``log`` makes them (``timeline.make_rows``): a new index leaves them pending."""
    index = Index.cache_for(db)
    assert index is not None
    try:
        assert index.attach(write=False)
        assert index.layout is not None
        assert index.pending == {"events"}  # none yet
        assert make_rows(index, index.layout, db)
        assert index.pending == set()
    finally:
        index.close()
    connection = sqlite3.connect(index_path(db))
    try:
        return tables(connection)
    finally:
        connection.close()


def built_anew(db: Path) -> dict[str, list[Any]]:
    """The tables of the cache a first command builds of the file, then the first
    ``log``."""
    assert rebuilt(db)
    return made(db)


def filled(data: Data) -> dict[str, list[Any]]:
    """The tables ``Index.fill`` makes of the records, as in memory for a small file."""
    index = Index.in_memory()
    try:
        index.fill({table: data[table].items() for table in CHECKED_TABLES})
        index.fill_words(data["claims"].items())
        index.ready(CHECKED_TABLES)
        return tables(index.connection)
    finally:
        index.close()


def varied(claims: int) -> Data:
    """Synthetic worked claims, with what the rows treat apart: a misfiled record and
    merged IDs, a confidential source, accents and scripts, numbers, a missing story,
    link events, values of another type than the usual."""
    data = synth.build(claims, seed=7)
    misfile_and_merge(data, 3)
    hide_source(data, 1)
    keys = sorted(data["claims"])
    first, second = data["claims"][keys[0]], data["claims"][keys[1]]
    first.update(text="Petrović said «ДВЕНАДЦАТЬ» Ärzte", quote="İstanbul ﬁles", story=None)
    first["notes"] = [{"text": "written as 1e400 and 2E+308", "n": 2.5e300}]
    first["quantities"] = [{"text": "at least 12", "value": 12, "qualifier": "at least"}]
    second.update(tags=["Ünïcode", "x"], status=None, created=7, story="Story-Ä")
    source_key = sorted(data["sources"])[2]
    data["sources"][source_key].update(aliases=["Agence", "AGENCE FP"], merged=["old0001"])
    link_key = sorted(data["links"])[0]
    data["links"][link_key]["position"] = 3
    events = [data["events"][k] for k in sorted(data["events"])]
    kinds = {event["kind"] for event in events}
    assert {"claim", "link"} <= kinds, kinds  # the synthetic history has both
    link_events = [e for e in events if e["kind"] == "link"]
    link_events[0]["after"] = {**(link_events[0].get("after") or {}), "source": 17}
    link_events[1].update(after={"relation": "supports"}, before=None)  # no source
    # ``after or before``: an empty state is passed over, one without the field is not
    link_events[2].update(after={}, before={"source": "src-before"})
    link_events[3].update(after={"relation": "x"}, before={"source": "src-before"})
    link_events[4].update(after=None, before={"source": "src-gone"})
    link_events[5].update(after={}, before={})
    edits = [e for e in events if e["kind"] == "claim"]
    for event, after, before in (
        (edits[0], {}, {"confidential": True}),
        (edits[1], {"name": "X"}, {"confidential": True}),
        (edits[2], {"confidential": 1}, None),
        (edits[3], None, {"confidential": True}),
    ):
        event.update(kind="source", after=after, before=before)
    return data


@pytest.mark.parametrize("claims", [1, 60])
def test_a_build_anew_holds_the_rows_fill_makes(tmp_path: Path, claims: int) -> None:
    data = varied(claims) if claims > 1 else synth.build(claims, seed=3)
    db = tmp_path / "claims.json"
    db.write_bytes(dump(data))
    assert built_anew(db) == filled(parse(db.read_bytes(), db))


def test_a_build_anew_keeps_the_counts_a_fresh_count_makes(tmp_path: Path) -> None:
    data = varied(60)
    claim = sorted(data["claims"])[5]
    del data["claims"][claim]  # its links point at nothing
    db = tmp_path / "claims.json"
    db.write_bytes(dump(data))
    built_anew(db)
    connection = sqlite3.connect(index_path(db))
    try:
        for kept, fresh in FRESH.items():
            assert sorted(connection.execute(kept), key=repr) == sorted(
                connection.execute(fresh), key=repr
            ), kept
        dangling = connection.execute("SELECT n FROM tallies WHERE name = 'dangling'")
        assert dangling.fetchone()[0] > 0
    finally:
        connection.close()


def test_a_build_anew_of_the_demo_holds_the_rows_fill_makes(cli: Cli, db_path: Path) -> None:
    cli("demo")
    cli("source", "add", "Anonymous official", "--confidential", "-q")
    raw = db_path.read_bytes()
    assert built_anew(db_path) == filled(parse(raw, db_path))


# Each a damage a command refuses when it reads the file (``fileformat.shape_problem``
# or a number too large to keep), in a record of each table.
DAMAGES = {
    "claim text not text": ("claims", lambda r: r.update(text=["a"])),
    "claim id missing": ("claims", lambda r: r.pop("id")),
    "claim merged not IDs": ("claims", lambda r: r.update(merged=[1])),
    "claim number too large": ("claims", lambda r: r.update(quantities=[{"value": 1e300}])),
    "link source null": ("links", lambda r: r.update(source=None)),
    "link relation a number": ("links", lambda r: r.update(relation=2)),
    "link position a float": ("links", lambda r: r.update(position=1.5)),
    "source name missing": ("sources", lambda r: r.pop("name")),
    "source merged not a list": ("sources", lambda r: r.update(merged="x")),
    "event at a number": ("events", lambda r: r.update(at=5)),
    "event target missing": ("events", lambda r: r.pop("target")),
    "event before a list": ("events", lambda r: r.update(before=[])),
    "event merged not IDs": ("events", lambda r: r.update(merged=[None])),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_build_anew_refuses_what_a_command_refuses(tmp_path: Path, damage: str) -> None:
    table, change = DAMAGES[damage]
    data = copy.deepcopy(synth.build(8, seed=5))
    record = data[table][sorted(data[table])[-1]]
    change(record)
    numbers = damage.endswith(("too large", "a float"))
    assert (shape_problem(table, record) is None) == numbers
    db = tmp_path / "claims.json"
    db.write_bytes(dump(data))
    assert not rebuilt(db)


# Damage in what a full build checks only as JSON (``store.bulk``: a note, the state of
# an edit): written into the file's bytes where a mark is.
BYTE_DAMAGES = {
    "a note not UTF-8": ("claims", b'"MARK"', b'"\xff\xfe"'),
    "a note's number too large for a float": ("claims", b'"MARK"', b"1e400"),
    "a state's number too large for a float": ("events", b'"MARK"', b"-2E+999"),
    "a state not UTF-8": ("events", b'"MARK"', b'"\xc3"'),
    "a state not an object": ("events", b'{"mark":"MARK"}', b'["MARK"]'),
    "a state nested too deeply": ("events", b'"MARK"', b"[" * 1100 + b"]" * 1100),
    "a note's integer of 24 digits": ("claims", b'"MARK"', b"123456789012345678901234"),
}


@pytest.mark.parametrize("damage", sorted(BYTE_DAMAGES))
def test_a_build_anew_refuses_damage_in_what_it_skips(tmp_path: Path, damage: str) -> None:
    table, mark, written = BYTE_DAMAGES[damage]
    data = synth.build(8, seed=5)
    edits = [k for k in sorted(data["events"]) if data["events"][k]["kind"] == "claim"]
    if table == "claims":
        data["claims"][sorted(data["claims"])[2]]["notes"] = [{"text": "MARK"}]
    else:
        data["events"][edits[1]]["after"] = {"mark": "MARK"}
    db = tmp_path / "claims.json"
    raw = dump(data)
    assert raw.count(mark) == 1
    db.write_bytes(raw.replace(mark, written))
    with pytest.raises(DatabaseError):
        parse(db.read_bytes(), db)  # as a command without the index refuses it
    assert not rebuilt(db)


def old_cache(db: Path) -> None:
    """A cache as claimtrack made it before ``PAGE_SIZE``: 4 KB pages, WAL mode."""
    path = index_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA page_size = 4096")
    connection.execute("PRAGMA journal_mode = WAL")
    create_tables(connection)
    connection.close()


def pages(db: Path) -> tuple[int, str]:
    connection = sqlite3.connect(index_path(db))
    try:
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        return size, connection.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        connection.close()


def test_a_new_cache_has_the_larger_pages(tmp_path: Path) -> None:
    db = tmp_path / "claims.json"
    db.write_bytes(dump(synth.build(20, seed=4)))
    assert rebuilt(db, anew=False)
    assert pages(db) == (PAGE_SIZE, "wal")
    assert PAGE_SIZE != 4096


def test_a_cache_with_smaller_pages_takes_the_larger_ones_when_no_one_reads_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "claims.json"
    db.write_bytes(dump(synth.build(20, seed=4)))
    old_cache(db)
    assert pages(db) == (4096, "wal")
    assert rebuilt(db, anew=False)
    assert pages(db) == (PAGE_SIZE, "wal")
    assert made(db) == filled(parse(db.read_bytes(), db))


def test_a_cache_with_smaller_pages_is_built_with_them_while_read(tmp_path: Path) -> None:
    """A reader holds the cache open: it cannot leave WAL mode, so the new index is
    copied in with the cache's own pages, and the reader keeps the index it had."""
    db = tmp_path / "claims.json"
    db.write_bytes(dump(synth.build(20, seed=4)))
    old_cache(db)
    reader = sqlite3.connect(index_path(db), isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM claims").fetchone() == (0,)
        assert rebuilt(db, anew=False)
        assert reader.execute("SELECT count(*) FROM claims").fetchone() == (0,)
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM claims").fetchone() == (20,)
    finally:
        reader.close()
    assert pages(db) == (4096, "wal")
    assert made(db) == filled(parse(db.read_bytes(), db))


@pytest.mark.parametrize("read", [False, True])
def test_an_index_in_memory_goes_into_a_cache_with_smaller_pages(
    tmp_path: Path, read: bool
) -> None:
    """A copy from memory (a whole-file write's) gives an older cache its pages where no
    one reads it; with a reader it fails, and the cache stays as it was."""
    db = tmp_path / "claims.json"
    data = synth.build(20, seed=4)
    db.write_bytes(dump(data))
    old_cache(db)
    source = Index.in_memory()
    source.fill({table: data[table].items() for table in CHECKED_TABLES})
    source.commit()
    cache = sqlite3.connect(index_path(db), isolation_level=None)
    reader = sqlite3.connect(index_path(db)) if read else None
    try:
        if reader is not None:
            reader.execute("SELECT 1 FROM meta").fetchall()
            with pytest.raises(sqlite3.Error):
                copy_index(source.connection, cache)
        else:
            copy_index(source.connection, cache)
    finally:
        if reader is not None:
            reader.close()
        cache.close()
        source.close()
    expected = (4096, 0) if read else (PAGE_SIZE, 20)
    connection = sqlite3.connect(index_path(db))
    try:
        found = connection.execute("PRAGMA page_size").fetchone()[0]
        assert (found, connection.execute("SELECT count(*) FROM claims").fetchone()[0]) == (
            expected
        )
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_a_scan_finds_each_record_by_its_id() -> None:
    """``Scan.record``: what a full build parses whole where its decoder cannot tell."""
    data = synth.build(3, seed=2)
    scan = Scan(dump(data))
    for table in CHECKED_TABLES:
        assert len(data[table]) > 1
        for key, record in data[table].items():
            assert scan.record(table, key) == record
