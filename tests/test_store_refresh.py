"""After an outside change the cache re-reads only the runs of lines that changed
(``store.chunks``), and ends exactly where a cache built anew from the file would."""

from __future__ import annotations

import copy
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtrack.store import build, chunks
from claimtrack.store.fileformat import Data, dump, parse
from claimtrack.store.index import Index, index_path
from claimtrack.store.layout import NotOurLayout, find_blocks
from tests.helpers import Cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

# What each table of the index is compared by; ``chunks`` and ``meta`` describe how the
# index was made, not the file, and are checked by what they do.
TABLES = {
    "claims": "id",
    "links": "id",
    "sources": "id",
    "names": "name, source",
    "merged": "tbl, old, holder",
    "misfiled": "tbl, key, rid",
    "events": "key",
    # What ``stats`` counts from, kept by triggers as rows change (``store.kept``).
    "claim_statuss": "key",
    "claim_storys": "key",
    "claim_tagss": "key",
    "source_relations": "source, relation",
    "source_claims": "source",
    "tallies": "name",
}
WORDS = (
    "SELECT claim_numbers.id, claim_words.terms FROM claim_numbers "
    "JOIN claim_words ON claim_words.rowid = claim_numbers.n ORDER BY 1"
)


def contents(db: Path) -> dict[str, list[Any]]:
    """The cache's tables, the history's rows made first if they are not yet (the
    first ``log`` makes them, ``index.HISTORY_ROWS``), so that they are compared too."""
    Cli(db)("log", "-n", "1")
    connection = sqlite3.connect(index_path(db))
    try:
        found = {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in TABLES.items()
        }
        found["words"] = connection.execute(WORDS).fetchall()
    finally:
        connection.close()
    return found


def write_outside(db: Path, data: Data) -> None:
    """What `git pull` does: the file written anew in the layout claimtrack writes, and
    renamed into place."""
    scratch = db.with_name("pulled.json")
    scratch.write_bytes(dump(data))
    os.replace(scratch, db)


class Builds:
    """Counts whole new builds, and the records a refresh put in the index."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.anew = 0
        self.put = 0
        real_anew, real_put = build.build_anew, Index.put

        def anew(*args: Any, **kwargs: Any) -> None:
            self.anew += 1
            real_anew(*args, **kwargs)

        def put(index: Index, table: str, changes: Any) -> None:
            self.put += len(changes)
            real_put(index, table, changes)

        monkeypatch.setattr(build, "build_anew", anew)
        monkeypatch.setattr(Index, "put", put)


def fresh(db: Path) -> dict[str, list[Any]]:
    """The index a build from nothing makes of the file as it is."""
    Index.discard(db)
    Cli(db)("list", "-n", "1")
    return contents(db)


@pytest.fixture
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of a few lines, so that a small file has many."""
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 700)


def _claim_ids(data: Data) -> list[str]:
    return sorted(data["claims"])


def edit_text(data: Data, pick: int) -> None:
    claim = data["claims"][_claim_ids(data)[pick % len(data["claims"])]]
    claim["text"] = "Changed outside: " + claim["text"]
    claim["tags"] = [*claim["tags"], "pulled"]
    claim["status"] = "false" if claim["status"] != "false" else "verified"


def remove_claim(data: Data, pick: int) -> None:
    key = _claim_ids(data)[pick % len(data["claims"])]
    del data["claims"][key]
    for link_id in [k for k, link in data["links"].items() if link["claim"] == key]:
        del data["links"][link_id]


def add_claim(data: Data, pick: int) -> None:
    """A claim under an ID that sorts anywhere: first, last, beside an existing one."""
    template = data["claims"][_claim_ids(data)[pick % len(data["claims"])]]
    key = ["0000000000000000", "zzzzzzzzzzzzzzzz", template["id"][:-1] + "~"][pick % 3]
    data["claims"][key] = {**copy.deepcopy(template), "id": key, "text": f"New claim {pick}"}


def relink(data: Data, pick: int) -> None:
    keys = sorted(data["links"])
    link = data["links"][keys[pick % len(keys)]]
    link["relation"] = "disputes" if link["relation"] != "disputes" else "supports"


def rename_source(data: Data, pick: int) -> None:
    keys = sorted(data["sources"])
    source = data["sources"][keys[pick % len(keys)]]
    source["name"] = f"Renamed Outlet {pick}"
    source["aliases"] = [*source.get("aliases", []), f"RO{pick}"]


def hide_source(data: Data, pick: int) -> None:
    keys = sorted(data["sources"])
    data["sources"][keys[pick % len(keys)]]["confidential"] = True


def drop_events(data: Data, pick: int) -> None:
    keys = sorted(data["events"])
    for key in keys[pick % len(keys) :][:5]:
        del data["events"][key]


def misfile_and_merge(data: Data, pick: int) -> None:
    """A record filed under another key, and one that holds a merged record's ID."""
    ids = _claim_ids(data)
    moved = data["claims"].pop(ids[pick % len(ids)])
    data["claims"][moved["id"] + "x"] = moved
    holder = data["claims"][ids[(pick + 1) % len(ids)]]
    holder["merged"] = [*holder.get("merged", []), "mergedaway00001"]


CHANGES: list[Callable[[Data, int], None]] = [
    edit_text,
    remove_claim,
    add_claim,
    relink,
    rename_source,
    hide_source,
    drop_events,
    misfile_and_merge,
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return dump(synth.build(40, seed=11))


# The fixtures are meant to hold across examples: the environment, and runs of few lines.
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(CHANGES), st.integers(min_value=0, max_value=10_000)),
        min_size=1,
        max_size=4,
    ),
    logged=st.booleans(),
)
def test_a_refreshed_index_is_the_index_built_anew(
    base: bytes,
    tmp_path_factory: pytest.TempPathFactory,
    small_runs: None,
    steps: Any,
    logged: bool,
) -> None:
    """With the history's rows made before the change (by ``log``: the refresh keeps
    them) or not (it makes none)."""
    db = tmp_path_factory.mktemp("refresh") / "claims.json"
    db.write_bytes(base)
    cli = Cli(db)
    cli("log" if logged else "list", "-n", "1")  # the cache, built
    data = parse(base, db)
    for change, pick in steps:
        change(data, pick)
    write_outside(db, data)
    cli("list", "-n", "1")  # refreshed
    refreshed = contents(db)
    # Nothing changed since: the refreshed index vouches for the file as it is.
    listed = cli("list", "--all", "--format", "jsonl").stdout
    assert refreshed == fresh(db)
    assert cli("list", "--all", "--format", "jsonl").stdout == listed


def test_one_claim_changed_outside_rereads_a_run_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "claims.json"
    synth.write(db, 300, seed=4)
    cli = Cli(db)
    cli("list", "-n", "1")
    data = parse(db.read_bytes(), db)
    edit_text(data, 7)
    write_outside(db, data)
    builds = Builds(monkeypatch)
    found = cli.jsonl("list", "--search", "Changed outside")
    assert [claim["id"] for claim in found] == [_claim_ids(data)[7]]
    records = sum(len(data[t]) for t in ("claims", "links", "sources", "events"))
    assert builds.anew == 0
    assert 0 < builds.put < records / 20  # a run of lines, not the file's 4,000 records


def test_a_change_to_most_of_the_file_builds_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "claims.json"
    synth.write(db, 100, seed=4)
    Cli(db)("list", "-n", "1")
    data = parse(db.read_bytes(), db)
    for claim in data["claims"].values():
        claim["text"] = "x " + claim["text"]
    for event in data["events"].values():
        event["at"] = "2020-01-01T00:00:00Z"
    write_outside(db, data)
    builds = Builds(monkeypatch)
    Cli(db)("list", "-n", "1")
    assert (builds.anew, builds.put) == (1, 0)
    assert contents(db) == fresh(db)


def test_a_record_claimtrack_changed_then_put_back_outside_is_read_again(
    tmp_path: Path, small_runs: None
) -> None:
    """A claim edited by claimtrack, then its old line restored by `git checkout`: the
    run's digest is the one noted before the edit, so the edit must have marked it."""
    db = tmp_path / "claims.json"
    synth.write(db, 40, seed=5)
    cli = Cli(db)
    claim = cli.jsonl("list", "-n", "1")[0]
    before = db.read_bytes()
    cli("edit", claim["id"], "--text", "Edited by claimtrack")
    assert cli.json("show", claim["id"])["text"] == "Edited by claimtrack"
    scratch = tmp_path / "restored.json"
    scratch.write_bytes(before)
    os.replace(scratch, db)
    assert cli.json("show", claim["id"])["text"] == claim["text"]
    assert cli.jsonl("list", "--search", "Edited by claimtrack") == []
    assert contents(db) == fresh(db)


def test_records_an_import_added_then_taken_away_outside_are_gone(
    tmp_path: Path, small_runs: None
) -> None:
    """An import, then the file from before it restored (`git checkout`, a backup): the
    imported records' runs are as noted before the import, so the import must have
    marked them as `put` does."""
    db = tmp_path / "claims.json"
    synth.write(db, 40, seed=5)
    other = tmp_path / "other.json"
    synth.write(tmp_path / "desk.json", 20, seed=9)  # over a hundred events
    Cli(tmp_path / "desk.json")("export", "-o", str(other))
    cli = Cli(db)
    before = cli("list", "--all", "--format", "jsonl").stdout
    restored = db.read_bytes()
    cli("import", str(other))
    assert len(cli.jsonl("list", "--all")) == 60
    scratch = tmp_path / "restored.json"
    scratch.write_bytes(restored)
    os.replace(scratch, db)
    assert cli("list", "--all", "--format", "jsonl").stdout == before
    assert contents(db) == fresh(db)


def test_an_index_of_an_older_format_is_built_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "claims.json"
    synth.write(db, 30, seed=6)
    Cli(db)("list", "-n", "1")
    connection = sqlite3.connect(index_path(db))
    with connection:
        connection.execute("UPDATE meta SET value = '8' WHERE key = 'format'")
    connection.close()
    builds = Builds(monkeypatch)
    Cli(db)("list", "-n", "1")
    assert builds.anew == 1


def test_lines_put_out_of_order_outside_are_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_runs: None
) -> None:
    """Two claims' lines swapped (so binary search would miss them): the refresh does
    not vouch for the file, the command parses it, and every claim is still found."""
    db = tmp_path / "claims.json"
    synth.write(db, 40, seed=7)
    cli = Cli(db)
    every = {claim["id"] for claim in cli.jsonl("list", "--all")}
    raw = db.read_bytes()
    start = raw.index(b'"claims": {\n') + len(b'"claims": {\n')
    first_end = raw.index(b"\n", start)
    second_end = raw.index(b"\n", first_end + 1)
    first, second = raw[start:first_end], raw[first_end + 1 : second_end]
    swapped = raw[:start] + second + b"\n" + first + raw[second_end:]
    scratch = tmp_path / "swapped.json"
    scratch.write_bytes(swapped)
    os.replace(scratch, db)
    builds = Builds(monkeypatch)
    assert {claim["id"] for claim in cli.jsonl("list", "--all")} == every
    for claim_id in every:
        assert cli.json("show", claim_id)["id"] == claim_id
    assert builds.put == 0  # nothing of the swapped file went into the index


@pytest.mark.parametrize(
    ("lo", "following", "fits"),
    [("b", "d", True), ("c", "d", False), ("b", "c", False), ("", None, True), ("d", None, False)],
)
def test_a_run_reread_must_hold_only_ids_of_its_range(
    lo: str, following: str | None, fits: bool
) -> None:
    """A run's lines sorted among themselves may still belong elsewhere: binary search
    over lines put out of order can end anywhere, so the range is checked too."""
    raw = b'"b": {"id":"b"},\n"c": {"id":"c"},\n'
    if fits:
        assert list(chunks.read_run("claims", raw, 0, len(raw), False, lo, following)) == ["b", "c"]
    else:
        with pytest.raises(NotOurLayout):
            chunks.read_run("claims", raw, 0, len(raw), False, lo, following)


RECORDS = st.dictionaries(
    st.text("abcdef0123456789", min_size=1, max_size=6),
    st.fixed_dictionaries({"text": st.text(max_size=8)}),
    max_size=4,
)


@given(claims=RECORDS, events=RECORDS, links=RECORDS, sources=RECORDS)
def test_each_tables_braces_are_found_whichever_are_empty(
    claims: dict[str, Any], events: dict[str, Any], links: dict[str, Any], sources: dict[str, Any]
) -> None:
    """The scan finds the tables before the history from the start and the ones after
    it from the end; either way each pair of braces holds exactly its table."""
    data: Data = {"_meta": {"schema": {"version": 1}}, "claims": claims, "events": events}
    data |= {"links": links, "sources": sources}
    raw = dump(data)
    blocks = find_blocks(raw)
    assert list(blocks) == sorted(data)
    for table, (opening, closing) in blocks.items():
        assert orjson.loads(raw[opening : closing + 1]) == data[table]
    damaged = [raw[:-1], raw + b"\n", raw.replace(b',\n"links": {', b',\n"links":{')]
    if not events:  # the history's braces are found from the table after it
        damaged.append(raw.replace(b'"events": {}', b'"events": {X'))
    for wrong in damaged:
        with pytest.raises(NotOurLayout):
            find_blocks(wrong)


def test_after_claimtracks_own_writes_a_touch_rereads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_runs: None
) -> None:
    """A write digests again the runs it changed (``chunks.renote``): an outside change
    that changes nothing (a `touch`, a checkout of the same bytes) re-reads no run."""
    db = tmp_path / "claims.json"
    synth.write(db, 40, seed=12)
    cli = Cli(db)
    claim = cli.add("Written by claimtrack", "--said-by", "A New Source")
    cli("edit", claim, "--text", "Edited by claimtrack")
    cli("status", claim, "checking")
    connection = sqlite3.connect(index_path(db))
    unknown = connection.execute("SELECT count(*) FROM chunks WHERE digest IS NULL").fetchone()
    connection.close()
    assert unknown == (0,)
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 1_000_000_000))
    builds = Builds(monkeypatch)
    assert cli.json("show", claim)["text"] == "Edited by claimtrack"
    assert (builds.anew, builds.put) == (0, 0)
    assert contents(db) == fresh(db)


@pytest.mark.parametrize("history_changed", [False, True])
def test_the_chain_heads_outlive_an_outside_change_that_leaves_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, history_changed: bool
) -> None:
    """A write names the chain's heads as the cache noted them; after an outside change
    that left every history line as it was they still hold, so the write does not read
    the history to find them. One that changed the history reads it."""
    from claimtrack.integrity import chain

    db = tmp_path / "claims.json"
    synth.write(db, 40, seed=8)
    unchained = sorted(parse(db.read_bytes(), db)["events"])
    cli = Cli(db)
    cli.add("The chain starts with this write")
    data = parse(db.read_bytes(), db)
    edit_text(data, 3)
    if history_changed:
        # Events from before the chain started (IDs are random: the first keys of the
        # whole history may be the chain's own events, which would break it).
        for key in unchained[:5]:
            del data["events"][key]
    write_outside(db, data)
    cli("list", "-n", "1")  # refreshed
    reads: list[int] = []
    real = chain.append_links

    def counted(events: Any) -> Any:
        reads.append(1)
        return real(events)

    monkeypatch.setattr(chain, "append_links", counted)
    before = parse(db.read_bytes(), db)["events"]
    ends = chain.next_links(chain.read_chain(before))[0]
    cli.add("A second write after the pull")
    # One that changed the history: the heads are found by reading its events lightly
    # (``Snapshot.chain_events``), not as dicts; either way where the chain ends.
    assert reads == []
    added = [e for k, e in parse(db.read_bytes(), db)["events"].items() if k not in before]
    assert min(added, key=lambda e: (e["at"], e["id"]))["prev"] == ends
    if not history_changed:
        cli("log", "--verify")  # the second write joined the chain where it ends


@pytest.mark.parametrize("count", [3, 300])
def test_a_write_marks_the_chunk_each_record_falls_in(count: int) -> None:
    """Few records are marked one query each, many by bisection: both mark the chunk
    that starts at or before each key, and no other."""
    import random

    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute(chunks.CHUNKS_SQL)
    rng = random.Random(count)
    letters = "0123456789abcdefghjkmnpqrstvwxyz"
    starts = ["", *sorted({"".join(rng.choices(letters, k=4)) for _ in range(2000)})]
    connection.executemany(
        "INSERT INTO chunks VALUES ('events', ?, x'00')", [(start,) for start in starts]
    )
    keys = ["".join(rng.choices(letters, k=4)) for _ in range(count)]
    chunks.dirty(connection, "events", keys)
    marked = {lo for (lo,) in connection.execute("SELECT lo FROM chunks WHERE digest IS NULL")}
    assert marked == {max(start for start in starts if start <= key) for key in keys}
