"""The chain heads a write names, found without parsing the history as dicts: tallied
by a whole new index as it reads the history (``bulk.fill``, noted in its meta), and
read lightly by the first write after a refresh that changed history lines
(``Snapshot.chain_events``). Either gives exactly what ``chain.append_links`` gives,
or nothing (then the write reads the history as before): never other heads.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtrack.integrity import chain
from claimtrack.store import bulk
from claimtrack.store.fileformat import Data, dump, empty_data, parse
from claimtrack.store.heads import event_hash, tallied_heads, tally
from claimtrack.store.index import create_tables, index_path
from claimtrack.store.layout import Layout, Scan
from claimtrack.store.snapshot import Snapshot
from tests.helpers import Cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

Heads = list[str] | None


# -- the two light readings, below the CLI -------------------------------------------------


def built_heads(data: Data) -> Heads:
    """The heads a whole new index notes for the file ``data`` (``bulk.fill``)."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    create_tables(connection)
    connection.execute("BEGIN")
    try:
        return bulk.fill(connection, Scan(dump(data)), Path("claims.json"))
    finally:
        connection.close()


def light_heads(path: Path, data: Data) -> Heads:
    """The heads a write finds by reading the file's history lightly."""
    raw = dump(data)
    path.write_bytes(raw)
    fd = os.open(path, os.O_RDONLY)
    layout = Layout(fd, Scan(raw).blocks)
    try:
        events = data["events"]
        found = tally(bulk.chain_events(layout))
        return tallied_heads(found, lambda key: event_hash(events[key]))
    finally:
        layout.close()
        os.close(fd)


def assert_as_appended(path: Path, data: Data, *, known: bool) -> None:
    """Both readings give ``append_links``' heads, or (where ``known`` is False) may
    leave them unknown; where the chain holds, those are ``next_links``' heads too."""
    events = data["events"]
    heads, start = chain.append_links(events)
    read = chain.read_chain(events)
    if not chain.verify(read):
        assert (heads, start) == chain.next_links(read)
    for found in (built_heads(data), light_heads(path, data)):
        if known:
            assert found is not None
        if found is not None:
            assert start is None
            assert found == heads


def history(*events: dict[str, Any]) -> Data:
    data = empty_data()
    for event in events:
        data["events"][event["id"]] = event
    return data


def event(number: int, prev: Any = ..., order: int | None = None, **fields: Any) -> dict[str, Any]:
    """An event as claimtrack writes one; ``prev``: its link (``...``: none); ``order``:
    when it was written (default: ``number``)."""
    at = number if order is None else order
    made: dict[str, Any] = {
        "id": f"ev{number:05d}",
        "at": f"2025-03-04T10:{at // 60 % 60:02d}:{at % 60:02d}Z",
        "actor": "tester",
        "change": f"ch{number:05d}",
        "kind": "claim",
        "action": "add",
        "target": f"cl{number:05d}",
        "before": None,
        "after": {"text": f"Claim number {number}"},
    }
    made.update(fields)
    if prev is not ...:
        made["prev"] = prev
    return made


def test_a_linear_chain_has_its_newest_event_as_head(tmp_path: Path) -> None:
    events = [event(0, [])]
    for number in range(1, 6):
        events.append(event(number, [event_hash(events[-1])]))
    data = history(*events)
    assert built_heads(data) == [event_hash(events[-1])]
    assert_as_appended(tmp_path / "claims.json", data, known=True)


def test_two_heads_of_a_merge_without_the_driver_are_both_found(tmp_path: Path) -> None:
    base = event(0, [])
    ours = event(1, [event_hash(base)])
    theirs = event(2, [event_hash(base)], actor="colleague")
    data = history(base, ours, theirs)
    assert built_heads(data) == sorted([event_hash(ours), event_hash(theirs)])
    assert_as_appended(tmp_path / "claims.json", data, known=True)


def test_imported_history_is_not_counted(tmp_path: Path) -> None:
    """Events an import brought in, with links of their own database's chain, are listed
    by the import's ``batch`` event and left out."""
    start = event(0, [])
    foreign = event(5, ["a" * 64], actor="elsewhere")
    batch = event(
        6, [event_hash(start)], kind="batch", action="import", after={"events": [foreign["id"]]}
    )
    data = history(start, foreign, batch)
    assert built_heads(data) == [event_hash(batch)]
    assert_as_appended(tmp_path / "claims.json", data, known=True)


def test_a_chain_not_started_or_rewritten_is_left_to_the_whole_read(tmp_path: Path) -> None:
    """Where the heads are not found by counting (no event linked yet: the write starts
    the chain over the older events; a ``rewrite`` event), none are noted."""
    older = history(event(0), event(1))
    assert built_heads(older) is None
    assert chain.append_links(older["events"])[1] is not None  # the write starts it
    start = event(0, [])
    rewrite = event(1, [event_hash(start)], kind="change", action="rewrite", after={})
    rewritten = history(start, rewrite)
    assert built_heads(rewritten) is None
    assert light_heads(tmp_path / "claims.json", rewritten) is None


def test_a_broken_chain_gives_the_heads_append_links_gives(tmp_path: Path) -> None:
    events = [event(0, [])]
    for number in range(1, 5):
        events.append(event(number, [event_hash(events[-1])]))
    events[2]["after"] = {"text": "Edited by hand"}
    assert_as_appended(tmp_path / "claims.json", history(*events), known=True)
    del events[3]  # the event after the edited one, removed
    assert_as_appended(tmp_path / "claims.json", history(*events), known=False)


def test_a_hash_with_twenty_digits_in_a_row_does_not_stop_the_build(tmp_path: Path) -> None:
    """About one hash in 700 has twenty decimal digits in a row in its hex: a text,
    not a number too wide to read exactly, so the index is still built (it once
    refused the batch, and every command then parsed the whole file)."""
    start = event(0, [])
    linked = event(1, ["ab12345678901234567890" + "c" * 42])  # a link to nothing: broken
    data = history(start, linked)
    assert built_heads(data) == [event_hash(linked)]
    assert_as_appended(tmp_path / "claims.json", data, known=True)


# Each step adds one event to a history (or changes one already there).
STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "link",
                "link",
                "link",
                "fork",
                "join",
                "older",
                "batch",
                "rewrite",
                "start",
                "edit",
                "remove",
                "damaged",
                "skew",
                "misfiled",
            ]
        ),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=25,
)


def _grow(events: dict[str, dict[str, Any]], step: str, pick: int, order: int) -> None:
    """One step of a history: ``events`` by key; ``order``: the step's number (its
    event's time), its ID a number out of that order."""
    number = order * 7919 % 10_007
    keys = sorted(events)
    chained = [events[k] for k in keys if "prev" in events[k]]
    heads = chain.read_chain(events).heads if chained else []
    some = events[keys[pick % len(keys)]] if keys else None
    made: dict[str, Any] | None = None
    if step == "link":
        made = event(number, heads[:1], order=order)
    elif step == "fork" and chained:
        made = event(number, [event_hash(chained[pick % len(chained)])], order=order)
    elif step == "join":
        made = event(number, heads, order=order)
    elif step == "older":
        made = event(number, order=order)
    elif step == "batch":
        listed = [k for k in keys[pick % 3 :: 3]] + [f"gone{pick}"]
        made = event(
            number, heads[:1], order, kind="batch", action="import", after={"events": listed}
        )
    elif step == "rewrite":
        made = event(number, heads[:1], order, kind="change", action="rewrite", after={})
    elif step == "start":
        made = event(number, [], order, kind="change", action="chain", after={"events": 0})
    elif step == "edit" and some is not None:
        some["after"] = {"text": f"Edited {pick}"}
    elif step == "remove" and some is not None:
        del events[some["id"] if some["id"] in events else keys[pick % len(keys)]]
    elif step == "damaged":
        made = event(number, [None, 1, "x", [1], ["a" * 64, 2]][pick % 5], order=order)
    elif step == "skew":
        made = event(number, heads[:1], at="2025-03-04T09:00:00Z")
    elif step == "misfiled":
        made = event(number, heads[:1], order=order)
        events[f"zz{number:05d}"] = made
        return
    if made is not None:
        events[made["id"]] = made


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_history_gives_append_links_heads_or_none(tmp_path: Path, steps: list[Any]) -> None:
    events: dict[str, dict[str, Any]] = {}
    for order, (step, pick) in enumerate(steps):
        _grow(events, step, pick, order)
    data = empty_data()
    data["events"] = dict(sorted(events.items()))
    plain = {step for step, _ in steps} <= {"link", "fork", "join", "older"}
    # A plain history's chain started with its first linked event: its heads are known.
    known = plain and any("prev" in e for e in events.values())
    assert_as_appended(tmp_path / "claims.json", data, known=known)


# -- the first write, through the CLI ------------------------------------------------------


def forbid_reading_the_history(monkeypatch: pytest.MonkeyPatch, *, lightly: bool) -> None:
    """The history is not parsed as dicts, whole, to find the heads; nor read at all,
    unless ``lightly`` (``Snapshot.chain_events``)."""

    def refused(*args: Any) -> Any:
        raise AssertionError("the history was read whole to find the chain heads")

    real = Snapshot.records

    def records(self: Snapshot, table: str) -> dict[str, Any]:
        if table == "events":
            refused()
        return real(self, table)

    monkeypatch.setattr(chain, "append_links", refused)
    monkeypatch.setattr(chain, "read_chain", refused)
    monkeypatch.setattr(Snapshot, "records", records)
    if not lightly:
        monkeypatch.setattr(Snapshot, "chain_events", refused)


def ends_of(db: Path) -> list[str]:
    """Where the chain of the file ``db`` ends: what the next write should name."""
    heads, start = chain.next_links(chain.read_chain(parse(db.read_bytes(), db)["events"]))
    assert start is None
    return heads


def first_of_next_write(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, text: str, *, lightly: bool = False
) -> dict[str, Any]:
    """The first event the next ``add`` writes, which the history was not read for
    (unless ``lightly``: then read as ``Snapshot.chain_events`` reads it)."""
    db = cli.db_path
    before = set(parse(db.read_bytes(), db)["events"])
    with monkeypatch.context() as patched:
        forbid_reading_the_history(patched, lightly=lightly)
        cli.add(text)
    added = [e for k, e in parse(db.read_bytes(), db)["events"].items() if k not in before]
    return min(added, key=lambda e: (e["at"], e["id"]))


def drop_cache(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(index_path(db)) + suffix).unlink(missing_ok=True)


@pytest.mark.parametrize("built_by", ["a read", "the write"])
def test_the_first_write_after_a_new_cache_names_the_heads_it_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_by: str
) -> None:
    db = tmp_path / "claims.json"
    synth.write(db, 30, seed=3)
    cli = Cli(db)
    cli.add("The chain starts with this write")
    cli.add("And goes on with this one")
    drop_cache(db)
    if built_by == "a read":
        cli("list", "-n", "1")
    ends = ends_of(db)
    assert first_of_next_write(cli, monkeypatch, "The first write on a new cache")["prev"] == ends
    assert len(cli("log", "--verify").stdout.split()) == 1


def test_the_first_write_after_a_merge_without_the_driver_joins_both_heads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "claims.json"
    synth.write(db, 30, seed=4)
    cli = Cli(db)
    cli.add("The chain starts with this write")
    base = db.read_bytes()
    cli.add("Ours: the dam held")
    ours = parse(db.read_bytes(), db)
    db.write_bytes(base)
    cli.add("Theirs: the bridge closed")
    theirs = parse(db.read_bytes(), db)
    for table in ("claims", "events"):  # what a line-by-line merge of the two gives
        ours[table].update(theirs[table])
    pulled = tmp_path / "pulled.json"
    pulled.write_bytes(dump(ours))
    os.replace(pulled, db)
    ends = ends_of(db)
    assert len(ends) == 2
    assert first_of_next_write(cli, monkeypatch, "After the merge", lightly=True)["prev"] == ends
    assert len(cli("log", "--verify").stdout.split()) == 1


def test_the_first_write_after_a_pull_that_brought_events_reads_them_lightly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A colleague's writes arrive by ``git pull`` (the file replaced, its history grown):
    the cache is refreshed, and the heads are found from a light reading."""
    db = tmp_path / "claims.json"
    synth.write(db, 30, seed=5)
    cli = Cli(db)
    cli.add("The chain starts with this write")
    cli("list", "-n", "1")
    theirs = tmp_path / "colleague" / "claims.json"
    theirs.parent.mkdir()
    shutil.copy(db, theirs)
    colleague = Cli(theirs)
    colleague.add("A colleague's claim")
    colleague.add("And another")
    pulled = tmp_path / "pulled.json"
    shutil.copy(theirs, pulled)
    os.replace(pulled, db)
    cli("list", "-n", "1")  # refreshed: the history's lines changed
    ends = ends_of(db)
    assert first_of_next_write(cli, monkeypatch, "After the pull", lightly=True)["prev"] == ends
    assert len(cli("log", "--verify").stdout.split()) == 1


def rewritten_history(db: Path) -> None:
    """A file whose chain holds a ``rewrite`` event, which counting leaves to a whole
    read (``heads.tallied_heads``)."""
    start = event(0, [])
    added = event(1, [event_hash(start)])
    rewrite = event(2, [event_hash(added)], kind="change", action="rewrite", after={})
    db.write_bytes(dump(history(start, added, rewrite)))


@pytest.mark.parametrize("history_is", ["not chained yet", "rewritten"])
def test_where_counting_cannot_tell_the_first_write_reads_lines_not_dicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, history_is: str
) -> None:
    """Where the heads are not found by counting, the write reads the history's lines
    a few megabytes at a time (``chain.EventLines``), as ``check`` walks it, never the
    history parsed whole as dicts (2.8 GB at 100,000 claims): with the same result."""
    db = tmp_path / "claims.json"
    if history_is == "rewritten":
        rewritten_history(db)
    else:
        synth.write(db, 30, seed=6)  # a history older than the chain
    cli = Cli(db)
    cli("list", "-n", "1")  # the cache vouches for the file as it is
    expected = chain.next_links(chain.read_chain(parse(db.read_bytes(), db)["events"]))
    real_read_chain, walked = chain.read_chain, []

    def from_lines(events: Any) -> chain.Chain:
        assert isinstance(events, chain.EventLines), "the history was read whole as dicts"
        walked.append(events)
        return real_read_chain(events)

    before_events = list(parse(db.read_bytes(), db)["events"].values())
    before = {e["id"] for e in before_events}
    with monkeypatch.context() as patched:
        forbid_reading_the_history(patched, lightly=True)
        patched.setattr(chain, "read_chain", from_lines)
        cli.add("The first write that must read the history")
    assert len(walked) == 1
    added = sorted(
        (e for k, e in parse(db.read_bytes(), db)["events"].items() if k not in before),
        key=lambda e: (e["at"], e["id"]),
    )
    heads, start = expected
    assert added[0]["prev"] == heads
    if history_is == "not chained yet":
        assert start is not None and added[0]["action"] == chain.CHAIN_START
        assert added[0]["after"] == start
        assert len(cli("log", "--verify").stdout.split()) == 1  # the chain holds
    else:
        assert start is None and heads == [event_hash(max(before_events, key=lambda e: e["at"]))]
