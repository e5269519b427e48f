"""The counts the index keeps for ``stats`` (``store.counts``): after every kind of
write, and after the file changed outside claimtrack, they equal a fresh count of the
index's rows, and ``stats`` says what it says without an index."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from claimtrack.store.fileformat import dump, parse
from claimtrack.store.index import index_path
from tests.helpers import Cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

NEWEST = "max(coalesce(created, '') || char(0) || id)"
# each kept table, and the query over the rows that counts the same afresh
FRESH = {
    "SELECT status, claims, newest FROM claim_statuss": (
        f"SELECT status, count(*), {NEWEST} FROM claims GROUP BY status"
    ),
    "SELECT story, claims, newest FROM claim_storys": (
        f"SELECT story, count(*), {NEWEST} FROM claims GROUP BY story"
    ),
    "SELECT tags, claims, newest FROM claim_tagss": (
        f"SELECT tags, count(*), {NEWEST} FROM claims GROUP BY tags"
    ),
    "SELECT source, relation, claims FROM source_relations": (
        "SELECT source, relation, count(DISTINCT claim) FROM links GROUP BY source, relation"
    ),
    "SELECT source, claims FROM source_claims": (
        "SELECT source, count(DISTINCT claim) FROM links GROUP BY source"
    ),
    "SELECT n FROM tallies WHERE name = 'dangling'": (
        "SELECT count(*) FROM links WHERE claim NOT IN (SELECT id FROM claims)"
    ),
    "SELECT n FROM tallies WHERE name = 'events'": "SELECT count(*) FROM events",
}


def assert_counts_right(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a reading command (which rebuilds a stale index), the kept counts equal a
    fresh count, and ``stats`` prints the same as with no index at all. A ``log`` first
    makes the history's rows (``index.HISTORY_ROWS``) where they are not yet: the
    writes after it keep their count."""
    indexed = cli("stats", "--format", "json", "--top", "-1").stdout
    cli("log", "-n", "1")
    connection = sqlite3.connect(index_path(cli.db_path))
    try:
        for kept, fresh in FRESH.items():
            assert sorted(connection.execute(kept), key=repr) == sorted(
                connection.execute(fresh), key=repr
            ), kept
    finally:
        connection.close()
    monkeypatch.setenv("CLAIMTRACK_INDEX", "never")
    try:
        assert cli("stats", "--format", "json", "--top", "-1").stdout == indexed
    finally:
        monkeypatch.setenv("CLAIMTRACK_INDEX", "always")


@pytest.fixture
def desk(tmp_path: Path) -> Cli:
    """200 synthetic claims (stories, tags, links, history) and a command line on them."""
    path = tmp_path / "claims.json"
    synth.write(path, 200, seed=7)
    return Cli(path)


def claim_ids(cli: Cli) -> list[str]:
    return sorted(cli("list", "-q").stdout.split())


def test_counts_stay_right_through_every_kind_of_write(
    desk: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert_counts_right(desk, monkeypatch)
    first, second, third, fourth = claim_ids(desk)[:4]
    added = desk.add("Police detained 12 activists", "--said-by", "Ana", "--tag", "new-tag")
    desk.add("Another one", "--story", "story-1", "--reported-by", "Ana", "--tag", "a,b")
    assert_counts_right(desk, monkeypatch)
    # an edit of the newest claim of its story, tags and status moves it out of them
    desk("edit", added, "--story", "story-2", "--add-tag", "police", "-q")
    desk("status", added, "false", "--rating", "False")
    assert_counts_right(desk, monkeypatch)
    desk("link", first, "Ana", "--as", "supports")
    desk("link", first, "Ana", "--as", "said-by")
    desk("unlink", first, "Ana", "--as", "supports")
    assert_counts_right(desk, monkeypatch)
    desk("rm", second, "--yes")
    assert_counts_right(desk, monkeypatch)
    desk("merge", third, fourth, "--yes")
    assert_counts_right(desk, monkeypatch)
    desk("source", "add", "Ana's double")
    desk("link", added, "Ana's double", "--as", "reported-by")
    desk("source", "merge", "Ana", "Ana's double", "--yes")
    assert_counts_right(desk, monkeypatch)
    for _ in range(3):
        desk("undo")
        assert_counts_right(desk, monkeypatch)
    desk("redo")
    assert_counts_right(desk, monkeypatch)


def test_counts_stay_right_through_imports(
    desk: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = Cli(tmp_path / "other.json")
    other.add("A claim from elsewhere", "--said-by", "Ana", "--story", "story-3", "--tag", "x")
    exported = other("export", "--format", "json").stdout
    desk("import", "-", "--format", "json", input=exported)
    assert_counts_right(desk, monkeypatch)
    sheet = "text,said_by,story,tags\nA sheet claim,Ana; Bo,story-3,x\nA second,Bo,,y\n"
    desk("import", "-", "--format", "csv", input=sheet)
    assert_counts_right(desk, monkeypatch)
    desk("undo")
    assert_counts_right(desk, monkeypatch)


def rewrite(path: Path, change: Any) -> None:
    """An outside change: the file parsed, changed and written anew, as a `git pull`
    or an editor would leave it."""
    data = parse(path.read_bytes(), path)
    change(data)
    path.write_bytes(dump(data))


def test_counts_are_right_after_an_outside_change(
    desk: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert_counts_right(desk, monkeypatch)
    first, second = claim_ids(desk)[:2]

    def edit(data: dict[str, Any]) -> None:
        data["claims"][first]["status"] = "retracted"
        data["claims"][first]["tags"] = ["outside"]
        del data["claims"][second]  # its links left pointing at nothing

    rewrite(desk.db_path, edit)
    assert_counts_right(desk, monkeypatch)
    connection = sqlite3.connect(index_path(desk.db_path))
    dangling = connection.execute("SELECT n FROM tallies WHERE name = 'dangling'").fetchone()
    connection.close()
    assert dangling[0] > 0  # stats then counts sources by query, leaving them out
    stats = json.loads(desk("stats", "--format", "json", "--top", "-1").stdout)
    assert stats["claims"] == 199


def test_an_index_built_before_the_kept_counts_is_built_again(
    desk: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = desk("stats", "--format", "json").stdout
    connection = sqlite3.connect(index_path(desk.db_path))
    connection.execute("UPDATE meta SET value = '8' WHERE key = 'format'")
    connection.execute("DROP TABLE claim_storys")
    connection.commit()
    connection.close()
    assert desk("stats", "--format", "json").stdout == before
    shutil.copyfile(index_path(desk.db_path), desk.db_path.with_name("index-copy"))
    connection = sqlite3.connect(desk.db_path.with_name("index-copy"))
    assert connection.execute("SELECT count(*) FROM claim_storys").fetchone()[0] > 0
    connection.close()
