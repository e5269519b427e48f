"""The first ``log`` making the history's rows (``timeline.make_rows``) beside other
processes: one paused or killed in the middle of making them (after the rows are
inserted, before they are committed), another ``log`` at the same moment, and a writer
waiting for the lock meanwhile. Each process is stopped at a known point by a barrier
(it waits for a line on its standard input), never by a sleep."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimtrack.store.fileformat import parse
from claimtrack.store.index import Index, index_path
from claimtrack.store.timeline import make_rows
from tests.helpers import Cli
from tests.test_history_rows import stage, unindexed
from tests.test_store_build import filled, tables

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

# A ``claimtrack log`` that stops once it has inserted the history's rows, before
# anything of them is committed, says so, and goes on when it reads a line.
PAUSED_LOG = """
import sys
from claimtrack.store import bulk

real = bulk.history_rows

def paused(connection, layout):
    real(connection, layout)
    print("inserted", flush=True)
    sys.stdin.readline()

bulk.history_rows = paused
sys.argv = ["claimtrack", "--db", sys.argv[1], "log", "-n", "12", "--format", "jsonl"]
from claimtrack.launch import main
main()
"""


@pytest.fixture
def desk(tmp_path: Path) -> Cli:
    db = tmp_path / "claims.json"
    synth.write(db, 60, seed=11)
    return Cli(db)


@contextlib.contextmanager
def paused_log(db: Path) -> Iterator[subprocess.Popen[str]]:
    """A ``log`` making the rows, stopped with them inserted and the lock held."""
    maker = subprocess.Popen(
        [sys.executable, "-c", PAUSED_LOG, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert maker.stdout is not None
        assert maker.stdout.readline().strip() == "inserted"
        yield maker
    finally:
        if maker.poll() is None:
            maker.kill()
        maker.wait()


def events_in(db: Path) -> int:
    return len(parse(db.read_bytes(), db)["events"])


def test_a_log_killed_while_making_the_rows_leaves_the_cache_as_it_was(
    desk: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = desk.db_path
    desk("list", "-n", "1")
    with paused_log(db) as maker:
        os.kill(maker.pid, signal.SIGKILL)
        maker.wait()
    assert stage(db) == ("pending", 0)  # nothing of the killed command's rows
    expected = unindexed(desk, monkeypatch, "log", "-n", "12", "--format", "jsonl")
    assert desk("log", "-n", "12", "--format", "jsonl").stdout == expected
    assert stage(db) == ("made", events_in(db))
    claim = desk.add("Added after the kill")
    desk("edit", claim, "--text", "Edited after the kill")
    expected = unindexed(desk, monkeypatch, "log", "-n", "12", "--format", "jsonl")
    assert desk("log", "-n", "12", "--format", "jsonl").stdout == expected
    with contextlib.closing(sqlite3.connect(index_path(db))) as connection:
        assert tables(connection) == filled(parse(db.read_bytes(), db))


def test_a_second_log_meanwhile_reads_the_file_and_makes_no_rows_of_its_own(
    desk: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one ``log`` makes the rows, another reads the history from the file (the
    lock is busy); a reader whose view of the cache predates the first one's rows
    does not make them again once the lock is free (SQLite refuses its write)."""
    db = desk.db_path
    desk("list", "-n", "1")
    expected = unindexed(desk, monkeypatch, "log", "-n", "12", "--format", "jsonl")
    reader = Index.cache_for(db)
    assert reader is not None
    try:
        assert reader.attach(write=False)
        assert reader.layout is not None and reader.pending == {"events"}
        with paused_log(db) as maker:
            assert desk("log", "-n", "12", "--format", "jsonl").stdout == expected
            assert stage(db) == ("pending", 0)
            assert not make_rows(reader, reader.layout, db)  # the lock is busy
            assert maker.stdin is not None
            maker.stdin.write("\n")
            maker.stdin.close()
            assert maker.stdout is not None
            assert maker.stdout.read() == expected
            assert maker.wait() == 0
        assert stage(db) == ("made", events_in(db))
        assert not make_rows(reader, reader.layout, db)  # its view is of before them
        assert reader.pending == {"events"}
        assert reader.connection.in_transaction
    finally:
        reader.close()
    assert stage(db) == ("made", events_in(db))
    assert desk("log", "-n", "12", "--format", "jsonl").stdout == expected


def test_a_writer_waiting_for_the_lock_keeps_the_rows_made_meanwhile(
    desk: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ``add`` started while a ``log`` makes the rows takes the lock after it (it
    waits for it, or starts after it): its events get their rows, as every write's do
    once the rows are made."""
    db = desk.db_path
    desk("list", "-n", "1")
    with paused_log(db) as maker:
        writer = subprocess.Popen(
            ["claimtrack", "--db", str(db), "add", "Written while the rows were made", "-q"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert maker.stdin is not None
        maker.stdin.write("\n")
        maker.stdin.close()
        assert maker.wait() == 0
        out, _ = writer.communicate()
        assert writer.returncode == 0
    claim = out.strip()
    data = parse(db.read_bytes(), db)
    assert claim in data["claims"]
    assert stage(db) == ("made", len(data["events"]))
    with contextlib.closing(sqlite3.connect(index_path(db))) as connection:
        assert tables(connection) == filled(data)
    expected = unindexed(desk, monkeypatch, "log", "-n", "12", "--format", "jsonl")
    shown = desk("log", "-n", "12", "--format", "jsonl").stdout
    assert shown == expected
    assert any(json.loads(line)["target"] == claim for line in shown.splitlines())
