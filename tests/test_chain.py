"""The history's hash chain (``claimtrack.integrity.chain``): each event names the hash of
the one before it; ``log --verify`` and ``check`` name the event that no longer matches.

Tampering is done as a person would: by editing the database file's text.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimtrack.git.driver import merge_versions
from claimtrack.integrity import chain
from claimtrack.store.files import locked
from claimtrack.store.index import index_path
from tests.helpers import Cli


def events_of(db_path: Path) -> dict[str, Any]:
    return dict(json.loads(db_path.read_text(encoding="utf-8"))["events"])


def edit_event_line(db_path: Path, marker: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` on the one event line holding ``marker``; its ID."""
    lines = db_path.read_text(encoding="utf-8").split("\n")
    events_start = next(i for i, line in enumerate(lines) if line.startswith('"events"'))
    hits = [i for i in range(events_start, len(lines)) if marker in lines[i] and old in lines[i]]
    assert len(hits) == 1, hits
    lines[hits[0]] = lines[hits[0]].replace(old, new)
    db_path.write_text("\n".join(lines), encoding="utf-8")
    return lines[hits[0]].split('"')[1]


def test_each_event_names_the_hash_of_the_event_before_it(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    first, second = sorted(events_of(db_path).values(), key=lambda e: e["at"])
    assert first["prev"] == []
    line = json.dumps(first, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert second["prev"] == [hashlib.sha256(line.encode()).hexdigest()]


def test_log_verify_prints_the_head_of_a_chain_that_holds(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    newest = max(events_of(db_path).values(), key=lambda e: e["at"])
    result = cli("log", "--verify")
    assert result.stdout.split() == [chain.event_hash(newest)]
    assert "The chain holds: 2 event(s)." in result.stderr


def test_an_event_edited_by_hand_is_named_by_log_verify_and_check(cli: Cli, db_path: Path) -> None:
    claim = cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli("status", claim, "verified")
    edited = edit_event_line(db_path, '"action":"add"', "rose 3 metres", "rose 4 metres")
    result = cli("log", "--verify", code=1)
    assert f"event {edited} does not match the hash" in result.stderr
    found = cli("check", "--format", "jsonl", code=1).stdout.splitlines()
    problems = [p for p in map(json.loads, found) if p["code"] == "chain"]
    assert [edited in p["message"] for p in problems] == [True]


def test_the_edited_event_is_still_named_after_later_changes(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    edited = edit_event_line(db_path, '"action":"add"', "rose 3 metres", "rose 4 metres")
    cli.add("A third claim")
    assert f"event {edited} does not match" in cli("log", "--verify", code=1).stderr


def test_an_event_removed_by_hand_is_caught_at_the_event_before_it(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli.add("A third claim")
    data = json.loads(db_path.read_text(encoding="utf-8"))
    ordered = sorted(data["events"].values(), key=lambda e: e["at"])
    del data["events"][ordered[1]["id"]]
    db_path.write_text(json.dumps(data), encoding="utf-8")
    result = cli("log", "--verify", code=1)
    assert f"event {ordered[0]['id']} does not match the hash event {ordered[2]['id']}" in (
        result.stderr.replace("\n", " ")
    )
    assert "or an event between them was removed" in result.stderr


def test_an_event_slipped_in_without_a_link_is_named(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    data = json.loads(db_path.read_text(encoding="utf-8"))
    newest = max(data["events"].values(), key=lambda e: e["at"])
    forged = {**newest, "id": "zzzzzzzzzzzzzzzz", "at": "2999-01-01T00:00:00.000000Z"}
    del forged["prev"]
    data["events"][forged["id"]] = forged
    db_path.write_text(json.dumps(data), encoding="utf-8")
    assert "event zzzzzzzzzzzzzzzz carries no link" in cli("log", "--verify", code=1).stderr


def test_an_older_database_starts_its_chain_with_one_event_covering_the_old_ones(
    cli: Cli, db_path: Path
) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    data = json.loads(db_path.read_text(encoding="utf-8"))
    for event in data["events"].values():  # as a claimtrack older than the chain wrote it
        del event["prev"]
    db_path.write_text(json.dumps(data), encoding="utf-8")
    before = cli("log", "--verify")
    assert before.stdout == "" and "has not started: 2 event(s) older than it" in before.stderr
    cli.add("A third claim")
    start = [e for e in events_of(db_path).values() if e["action"] == "chain"]
    assert len(start) == 1 and start[0]["prev"] == [] and start[0]["after"]["events"] == 2
    assert "2 of them older than the chain" in cli("log", "--verify").stderr
    # An older event changed afterwards no longer matches what the chain event recorded.
    edit_event_line(db_path, '"action":"add"', "rose 3 metres", "rose 5 metres")
    result = cli("log", "--verify", code=1)
    assert (
        f"event {start[0]['id']} (the chain's start) recorded 2 events before it" in result.stderr
    )


def test_the_merge_driver_joins_both_branches_heads(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    base = db_path.read_bytes()
    cli.add("Ours: the dam held")
    ours = db_path.read_bytes()
    db_path.write_bytes(base)
    cli.add("Theirs: the bridge closed")
    theirs = db_path.read_bytes()
    heads = [chain.read_chain(json.loads(side)["events"]).heads[0] for side in (ours, theirs)]
    merged, _ = merge_versions(base, ours, theirs, "tester", (db_path, db_path, db_path))
    db_path.write_bytes(merged)
    joins = [e for e in events_of(db_path).values() if len(e["prev"]) == 2]
    assert [sorted(j["prev"]) for j in joins] == [sorted(heads)]
    assert len(cli("log", "--verify").stdout.split()) == 1


def test_a_write_takes_the_head_from_the_cache_while_it_vouches_for_the_file(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests write through the cache (``CLAIMTRACK_INDEX=always``): a save notes the
    head there, and the next write need not read the history to find it."""
    cli.add("The river rose 3 metres")

    def unread(events: object) -> None:
        raise AssertionError("the history was read to find the head")

    with monkeypatch.context() as patched:
        patched.setattr(chain, "append_links", unread)
        cli.add("The dam held")
    # Changed by another program (a claim's line, not the history's): the write that
    # refreshes the cache keeps the note, and does not read the history either.
    db_path.write_text(db_path.read_text(encoding="utf-8").replace("dam held", "dam broke", 1))
    with monkeypatch.context() as patched:
        patched.setattr(chain, "append_links", unread)
        cli.add("A third claim")
    assert len(cli("log", "--verify").stdout.split()) == 1


def test_two_heads_left_by_a_merge_without_the_driver_are_joined_by_the_next_change(
    cli: Cli, db_path: Path
) -> None:
    cli.add("The river rose 3 metres")
    base = db_path.read_bytes()
    cli.add("Ours: the dam held")
    ours = json.loads(db_path.read_bytes())
    db_path.write_bytes(base)
    cli.add("Theirs: the bridge closed")
    theirs = json.loads(db_path.read_bytes())
    for table in ("claims", "events"):  # what a line-by-line merge of the two gives
        ours[table].update(theirs[table])
    db_path.write_text(json.dumps(ours), encoding="utf-8")
    assert len(cli("log", "--verify").stdout.split()) == 2
    cli.add("After the merge")
    newest = max(events_of(db_path).values(), key=lambda e: e["at"])
    assert len(newest["prev"]) == 2
    assert len(cli("log", "--verify").stdout.split()) == 1


@pytest.mark.parametrize("rewritten", [{"a": [1]}, {"a": "x"}, ["x"], "x", {"a": ["b", "c", "d"]}])
def test_a_rewrite_event_damaged_by_hand_is_a_break_not_a_crash(
    cli: Cli, db_path: Path, rewritten: object
) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli.add("Crews worked through the night")
    middle = sorted(events_of(db_path).values(), key=lambda e: e["at"])[1]
    damaged = {
        **middle,
        "kind": "change",
        "action": "rewrite",
        "target": "database",
        "before": None,
        "after": {"rewritten": rewritten},
    }
    line = json.dumps(damaged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = db_path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, row in enumerate(text) if row.startswith(f'"{middle["id"]}": '))
    comma = "," if text[at].endswith(",") else ""
    text[at] = f'"{middle["id"]}": {line}{comma}'
    db_path.write_text("\n".join(text), encoding="utf-8")
    result = cli("log", "--verify", code=1)
    assert f"event {middle['id']} does not match the hash" in result.stderr
    assert "internal error" not in result.stderr
    assert "sealed source states" in cli("log").stdout + cli("log").stderr


def test_a_link_that_is_not_a_list_of_hashes_is_named_as_damaged(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    newest = max(events_of(db_path).values(), key=lambda e: e["at"])
    link = json.dumps(newest["prev"], separators=(",", ":"))
    edited = edit_event_line(db_path, f'"id":"{newest["id"]}"', f'"prev":{link}', '"prev":"x"')
    result = cli("log", "--verify", code=1)
    assert f"event {edited} has a damaged link to the event before it" in result.stderr


# -- check keeps its walk's result for the history as it is (``store.memo``) -------------


def counting_walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time the chain is walked."""
    walks: list[int] = []
    original = chain.read_chain

    def counted(events: Any) -> Any:
        walks.append(1)
        return original(events)

    monkeypatch.setattr(chain, "read_chain", counted)
    return walks


def chain_problems(cli: Cli, code: int) -> list[str]:
    found = cli("check", "--format", "jsonl", code=code).stdout.splitlines()
    return [p["message"] for p in map(json.loads, found) if p["code"] == "chain"]


def kept_row(db_path: Path) -> tuple[str, str] | None:
    """The result ``check`` kept in the cache: (key, value), or None."""
    with contextlib.closing(sqlite3.connect(index_path(db_path))) as connection:
        row = connection.execute("SELECT value FROM meta WHERE key = 'memo:chain'").fetchone()
    if row is None:
        return None
    key, _, value = str(row[0]).partition(" ")
    return key, value


def plant(db_path: Path, key: str, value: str) -> None:
    with contextlib.closing(sqlite3.connect(index_path(db_path))) as connection:
        connection.execute(
            "INSERT OR REPLACE INTO meta VALUES ('memo:chain', ?)", (f"{key} {value}",)
        )
        connection.commit()


def test_check_walks_an_unchanged_history_once(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = cli.add("The river rose 3 metres")
    cli.add("The dam held")
    walks = counting_walks(monkeypatch)
    first = cli("check", "--format", "jsonl", code=1).stdout
    assert walks == [1]
    assert kept_row(db_path) is not None
    assert cli("check", "--format", "jsonl", code=1).stdout == first
    assert walks == [1]  # the kept result, for the same bytes
    cli("status", claim, "verified")  # claimtrack's own write: events added at the head
    cli("check", code=1)
    assert walks == [1]  # the kept result carried over them (tests/test_chain_extend.py)
    edit_event_line(db_path, '"action":"status"', '"verified"', '"false"')
    cli("check", code=1)
    assert walks == [1, 1]  # an event changed: walked again


def test_a_broken_chain_is_reported_the_same_from_the_kept_result(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli("status", claim, "verified")
    edited = edit_event_line(db_path, '"action":"add"', "rose 3 metres", "rose 4 metres")
    walks = counting_walks(monkeypatch)
    walked = cli("check", "--format", "jsonl", code=1).stdout
    kept = cli("check", "--format", "jsonl", code=1).stdout
    assert walks == [1]
    assert kept == walked
    assert f"event {edited} does not match" in kept


def edit_middle(db_path: Path) -> str:
    return edit_event_line(db_path, '"text":"The dam held"', "dam held", "dam broke")


def remove_middle(db_path: Path) -> str:
    """Remove the second event's line (the file stays laid out as claimtrack writes it);
    the chain names the event before it."""
    ordered = sorted(events_of(db_path).values(), key=lambda e: (e["at"], e["id"]))
    lines = db_path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f'"{ordered[1]["id"]}": '))
    if not lines.pop(at).endswith(","):  # the table's last line: the one before it is now
        lines[at - 1] = lines[at - 1].removesuffix(",")
    db_path.write_text("\n".join(lines), encoding="utf-8")
    return str(ordered[0]["id"])


def reorder(db_path: Path) -> str:
    """Swap the times of the first two events, as if they had happened the other way
    round; the chain names the one whose bytes its successor no longer matches."""
    first, second = sorted(events_of(db_path).values(), key=lambda e: (e["at"], e["id"]))[:2]
    text = db_path.read_text(encoding="utf-8")
    marks = [f'"at":"{first["at"]}"', f'"at":"{second["at"]}"']
    text = text.replace(marks[0], "\0").replace(marks[1], marks[0]).replace("\0", marks[1])
    db_path.write_text(text, encoding="utf-8")
    return str(first["id"])


@pytest.mark.parametrize("tamper", [edit_middle, remove_middle, reorder])
def test_a_result_kept_for_other_bytes_never_hides_tampering(
    cli: Cli, db_path: Path, tamper: Any
) -> None:
    """The kept result of a chain that held is planted back after the edit (as if the
    cache had missed the file's change): its key names other bytes, so the chain is
    walked and the edit found."""
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli.add("A third claim")
    assert chain_problems(cli, code=1) == []
    held = kept_row(db_path)
    assert held is not None and json.loads(held[1])["breaks"] == []
    named = tamper(db_path)
    cli("stats")  # the cache is rebuilt for the edited file; then the old result is planted
    plant(db_path, *held)
    problems = chain_problems(cli, code=1)
    assert any(f"event {named} " in message for message in problems), problems


@pytest.mark.parametrize("index", ["always", "never"])
@pytest.mark.parametrize("tamper", [edit_middle, remove_middle, reorder])
def test_check_finds_tampering_with_and_without_the_cache(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: Any, index: str
) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", index)
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli.add("A third claim")
    assert chain_problems(cli, code=1) == []
    named = tamper(db_path)
    for _ in range(2):  # walked, then (with the cache) kept
        problems = chain_problems(cli, code=1)
        assert any(f"event {named} " in message for message in problems), problems


def test_a_damaged_kept_result_is_walked_again(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli.add("A third claim")
    edited = edit_middle(db_path)
    walks = counting_walks(monkeypatch)
    chain_problems(cli, code=1)
    held = kept_row(db_path)
    assert held is not None
    for damaged in ("{not json", '[["a","b"]]', '{"a":1}', "[[1,2,3]]"):
        plant(db_path, held[0], damaged)
        assert any(f"event {edited} " in m for m in chain_problems(cli, code=1))
    assert len(walks) == 5


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026"]),
            st.text(max_size=3),
        ),
        max_size=40,
    )
)
def test_events_by_time_are_in_time_then_id_order(pairs: list[tuple[str, str]]) -> None:
    events = [{"at": at, "id": event_id, "n": n} for n, (at, event_id) in enumerate(pairs)]
    expected = sorted(events, key=lambda e: (e["at"], e["id"]))
    assert [e["n"] for e in chain.by_time(events)] == [e["n"] for e in expected]


def test_check_keeps_nothing_and_waits_for_nobody_while_a_writer_holds_the_lock(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.add("The river rose 3 metres")
    monkeypatch.setenv("CLAIMTRACK_LOCK_TIMEOUT", "30")
    started = time.monotonic()
    with locked(db_path):  # as a writing command holds it for its whole run
        cli("check", code=1)
    assert time.monotonic() - started < 10
    assert kept_row(db_path) is None
    cli("check", code=1)
    assert kept_row(db_path) is not None
