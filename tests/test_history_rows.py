"""A new index leaves the history's rows to the first ``log`` that asks for them
(``index.HISTORY_ROWS``, ``timeline.make_rows``): no other command reads them, and they
were a third of the build. Until then every command keeps what they depend on (runs of
lines, misfiled events); once made, they are the rows ``Index.fill`` makes of the
history as the file holds it, whatever was written, imported or pulled meanwhile."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimtrack.store.fileformat import dump, parse
from claimtrack.store.index import MIN_BYTES, Index, index_path
from claimtrack.store.layout import Layout
from claimtrack.store.timeline import make_rows
from tests.helpers import Cli, hold_lock
from tests.test_store_build import filled, made, tables
from tests.test_store_refresh import write_outside

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth


def stage(db: Path) -> tuple[str | None, int]:
    """What the cache notes of the history's rows, and how many it holds."""
    with contextlib.closing(sqlite3.connect(index_path(db))) as connection:
        noted = connection.execute("SELECT value FROM meta WHERE key = 'history'").fetchone()
        count = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    return (noted[0] if noted else None), count


def unindexed(cli: Cli, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """The output of a command with no index at all (the file parsed)."""
    monkeypatch.setenv("CLAIMTRACK_INDEX", "never")
    try:
        return str(cli(*args).stdout)
    finally:
        monkeypatch.setenv("CLAIMTRACK_INDEX", "always")


@contextlib.contextmanager
def reading(desk: Cli) -> Iterator[tuple[Index, Layout]]:
    """The desk's cache, built, opened as a reading command opens it."""
    desk("list", "-n", "1")
    reader = Index.cache_for(desk.db_path)
    assert reader is not None
    try:
        assert reader.attach(write=False)
        assert reader.layout is not None
        yield reader, reader.layout
    finally:
        reader.close()


@pytest.fixture
def desk(tmp_path: Path) -> Cli:
    db = tmp_path / "claims.json"
    synth.write(db, 60, seed=8)
    return Cli(db)


def test_only_log_makes_the_historys_rows(desk: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    claim = desk.jsonl("list", "-n", "1")[0]["id"]
    for command, code in (
        (["show", claim], 0),
        (["stats"], 0),
        (["similar", "refugees court"], 0),
        (["check", "--format", "jsonl"], 1),  # synthetic claims have open problems
        (["log", claim], 0),  # one record's history is read from the file
        (["edit", claim, "--text", "Edited before any log"], 0),
    ):
        desk(*command, code=code)
        assert stage(desk.db_path) == ("pending", 0), command
    shown = desk("log", "-n", "15", "--format", "jsonl").stdout
    events = len(parse(desk.db_path.read_bytes(), desk.db_path)["events"])
    assert stage(desk.db_path) == ("made", events)
    assert shown == unindexed(desk, monkeypatch, "log", "-n", "15", "--format", "jsonl")
    assert desk("log", "-n", "15", "--format", "jsonl").stdout == shown


@pytest.mark.parametrize("logged", [False, True])
def test_the_rows_are_the_historys_after_writes_imports_and_pulls(
    desk: Cli, tmp_path: Path, logged: bool
) -> None:
    """Writes, an import and a `git pull` of events, with the rows made before them
    (each keeps them) or not (each keeps only what they depend on)."""
    db = desk.db_path
    desk("list", "-n", "1")
    if logged:
        desk("log", "-n", "1")
    claim = desk.add("A claim added to the desk", "--said-by", "A New Source")
    desk("edit", claim, "--text", "A claim edited on the desk")
    desk("source", "add", "A Confidential Person", "--confidential", "-q")
    synth.write(tmp_path / "other.json", 5, seed=3)
    Cli(tmp_path / "other.json")("export", "-o", str(tmp_path / "other-export.json"))
    desk("import", str(tmp_path / "other-export.json"))
    data = parse(db.read_bytes(), db)
    first = sorted(data["events"])[0]
    data["events"][first]["at"] = "2019-01-01T00:00:00Z"  # changed outside, then pulled
    del data["events"][sorted(data["events"])[-1]]
    write_outside(db, data)
    desk("list", "-n", "1")
    assert stage(db)[0] == ("made" if logged else "pending")
    if logged:
        with contextlib.closing(sqlite3.connect(index_path(db))) as connection:
            assert tables(connection) == filled(parse(db.read_bytes(), db))
    else:
        assert made(db) == filled(parse(db.read_bytes(), db))


def test_a_misfiled_event_is_reported_before_the_rows_are_made(desk: Cli) -> None:
    data = parse(desk.db_path.read_bytes(), desk.db_path)
    key = sorted(data["events"])[3]
    data["events"][key]["id"] = "someoneelse00001"
    desk.db_path.write_bytes(dump(data))
    found = desk("check", "--format", "jsonl", code=1).stdout
    assert f"events: record '{key}' has id 'someoneelse00001'" in found
    assert stage(desk.db_path) == ("pending", 0)


def test_log_with_the_lock_busy_reads_the_history_from_the_file(
    desk: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the rows never waits for the lock: a long write elsewhere leaves them
    pending, and ``log`` reads the history from the file, as it would without them."""
    desk("list", "-n", "1")
    holder = hold_lock(desk.db_path, ["claimtrack", "add", "x"])
    try:
        shown = desk("log", "-n", "12", "--format", "jsonl").stdout
        assert stage(desk.db_path) == ("pending", 0)
    finally:
        holder.kill()
        holder.wait()
    assert shown == unindexed(desk, monkeypatch, "log", "-n", "12", "--format", "jsonl")
    assert desk("log", "-n", "12", "--format", "jsonl").stdout == shown
    assert stage(desk.db_path)[0] == "made"


def test_rows_are_not_made_over_a_view_a_writer_has_moved_on_from(desk: Cli) -> None:
    """A reader that opened the cache before a write committed must not make rows of
    the file it reads into the cache that vouches for the new one: SQLite refuses the
    write, and the reader keeps its own view."""
    with reading(desk) as (reader, layout):
        before = reader.connection.execute("SELECT count(*) FROM claims").fetchone()
        desk.add("Written while the reader reads")
        assert not make_rows(reader, layout, desk.db_path)
        assert reader.pending == {"events"}
        assert reader.connection.in_transaction  # its view, as it was
        assert reader.connection.execute("SELECT count(*) FROM claims").fetchone() == before
    assert stage(desk.db_path) == ("pending", 0)
    after = parse(desk.db_path.read_bytes(), desk.db_path)
    assert made(desk.db_path) == filled(after)


def test_a_cache_of_the_older_format_is_built_anew_without_the_rows(desk: Cli) -> None:
    desk("log", "-n", "1")
    with contextlib.closing(sqlite3.connect(index_path(desk.db_path))) as connection:
        connection.execute("UPDATE meta SET value = '11' WHERE key = 'format'")
        connection.commit()
    desk("list", "-n", "1")
    assert stage(desk.db_path) == ("pending", 0)


def test_an_import_that_makes_a_file_large_leaves_its_historys_rows_to_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small file is indexed in memory; an import that makes it large enough for a
    cache copies that index there, the history's rows left to the first ``log`` as a
    new index leaves them (at 10,000 claims they were a fifth of the import)."""
    monkeypatch.setenv("CLAIMTRACK_INDEX", "auto")
    db = tmp_path / "claims.json"
    synth.write(db, 3, seed=2)
    assert db.stat().st_size < MIN_BYTES
    synth.write(tmp_path / "other.json", 200, seed=5)
    Cli(tmp_path / "other.json")("export", "-o", str(tmp_path / "other-export.json"))
    Cli(db)("import", str(tmp_path / "other-export.json"))
    assert db.stat().st_size >= MIN_BYTES
    data = parse(db.read_bytes(), db)
    assert stage(db) == ("pending", 0)
    assert made(db) == filled(data)
    assert stage(db) == ("made", len(data["events"]))


class FailingCommit:
    """A connection whose COMMIT fails, as on a full disk."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error")
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_rows_whose_commit_fails_are_left_pending_and_the_view_kept(desk: Cli) -> None:
    with reading(desk) as (reader, layout):
        real = reader.connection
        reader.connection = FailingCommit(real)  # type: ignore[assignment]
        assert not make_rows(reader, layout, desk.db_path)
        assert reader.pending == {"events"} and "events" not in reader.filled
        assert real.in_transaction
        assert real.execute("SELECT count(*) FROM events").fetchone() == (0,)
        reader.connection = real
    assert stage(desk.db_path) == ("pending", 0)
    desk("log", "-n", "1")
    assert stage(desk.db_path)[0] == "made"
