"""The hash chain walked from the file's lines (``read_chain`` of ``EventLines``, what
``check``, ``log --verify``, ``seal`` and ``prove`` walk where the cache vouches for the
file) finds exactly what the walk over every event parsed whole found before it
(``tests/chain_reference.py``, the old code word for word): the same breaks with the
same words, heads, hashes, links for the next event, what a kept verdict carries and
what a token covers, on histories built as a desk builds them and tampered with as a
person would (``tests/test_chain_extend.py``'s steps), the lines read in pieces of
every size.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtrack.integrity import chain, timestamps
from claimtrack.store import layout
from tests import chain_reference as reference
from tests.helpers import Cli
from tests.test_chain_extend import (
    TAMPERING,
    WHOLE,
    _batch,
    _edit_old,
    _remove,
    _reorder,
    _rewrite,
    _slipped,
    _status,
    _tamper_last,
    _token,
    _write,
    checked,
    edit_events,
    heads,
)


def _stamped(db_path: Path) -> list[tuple[str, str, str, str]]:
    return [
        (t.subject, t.imprint, t.time, t.file)
        for t in timestamps.read_index(timestamps.folder_of(db_path))
        if t.kind == "chain"
    ]


@contextlib.contextmanager
def _lines(db_path: Path) -> Iterator[chain.EventLines | None]:
    """The file's event lines as the store reads them, or None where the file is not
    laid out one record a line (then only the parsed walk applies)."""
    raw = db_path.read_bytes()
    try:
        blocks = layout.find_blocks(raw)
    except layout.NotOurLayout:
        yield None
        return
    fd = os.open(db_path, os.O_RDONLY)
    opened = layout.Layout(fd, blocks)
    try:
        yield chain.EventLines(opened.batches("events"))
    finally:
        opened.close()
        os.close(fd)


def _said(read: Any, breaks: list[Any], stamped: list[Any], holding: Any) -> dict[str, Any]:
    """Everything a walk's result tells a command, in plain values."""
    everything = sorted([*breaks, *stamped], key=lambda b: (b.at, b.event))
    held = None if holding is None else (holding.heads, holding.foreign, holding.vouched)
    return {
        "breaks": [(b.event, b.at, b.message) for b in everything],
        "heads": read.heads,
        "by_hash": read.by_hash,
        "dangling": read.dangling,
        "hashes": read.hashes,
        "chained": [
            (e.id, e.at) if isinstance(e, tuple) else (e["id"], e["at"]) for e in read.chained
        ],
        "older": [(e.id, e.at) if isinstance(e, tuple) else (e["id"], e["at"]) for e in read.older],
        "covered": {h: read.covered(h) for h in [*read.by_hash, "ab" * 32]},
        "held": held,
    }


def _named(event: Any) -> tuple[str, str]:
    """An event's (ID, time), from an ``Entry`` or an event parsed whole."""
    return (event.id, event.at) if isinstance(event, tuple) else (event["id"], event["at"])


def _next(read: Any, module: Any) -> Any:
    """``next_links`` of a chain, or the error it raises (as the old walk did)."""
    try:
        return module.next_links(read)
    except Exception as exc:  # the same failure from both is the same answer
        return type(exc).__name__


def compare(db_path: Path) -> list[str]:
    """Walk the chain of the file at ``db_path`` the old way, from the parsed events
    and from the file's lines; assert they say the same. The breaks, as ``check``
    words them."""
    events = orjson.loads(db_path.read_bytes())["events"]
    stamped = _stamped(db_path)
    old = reference.read_chain(events)
    expected = _said(
        old,
        reference.verify(old),
        reference.check_stamped(old, stamped),
        reference.holding(events, old) if not reference.verify(old) else None,
    )
    with _lines(db_path) as lines:
        walks = [chain.read_chain(events)] + ([] if lines is None else [chain.read_chain(lines)])
    for new in walks:
        breaks = chain.verify(new)
        said = _said(new, breaks, chain.check_stamped(new, stamped), chain.holding(new))
        if breaks:
            said["held"] = None
        assert said == expected
        assert _next(new, chain) == _next(old, reference)
    return [f"history: {message}" for _, _, message in expected["breaks"]]


@pytest.fixture(params=[layout.CHUNK, 7, 600], ids=["4 MB pieces", "7 bytes", "600 bytes"])
def pieces(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The size of the pieces the file's lines are read in: the whole history at once,
    and pieces shorter than a line, or a few lines, so that lines are cut anywhere."""
    monkeypatch.setattr(layout, "CHUNK", request.param)
    return int(request.param)


def _desk(db_path: Path) -> Cli:
    cli = Cli(db_path)
    cli.add("The river rose 3 metres")
    claim = cli.add("The dam held, said the mayor")
    cli("status", claim, "verified")
    cli("source", "add", "Ana Petrović")
    return cli


def _older(cli: Cli, db_path: Path, pick: int) -> None:
    """A database from before the chain: no event carries a link."""
    edit_events(db_path, lambda lines: [re.sub(r',"prev":\[[^\]]*\]', "", x) for x in lines])


def _older_edited_then_written(cli: Cli, db_path: Path, pick: int) -> None:
    """An older database whose chain a write started, then an older event edited."""
    _older(cli, db_path, pick)
    cli.add("Written after the upgrade")
    _edit_old(cli, db_path, 0)


def _keys_out_of_order(cli: Cli, db_path: Path, pick: int) -> None:
    """An event line written by hand with its keys in another order, and one with a
    character escaped: the same events, not their canonical bytes."""

    def change(lines: list[str]) -> list[str]:
        first, second = lines[pick % len(lines)], lines[(pick + 1) % len(lines)]
        key, _, body = first.partition(": ")
        event = json.loads(body)
        moved = json.dumps(dict(reversed(event.items())), separators=(",", ":"))
        escaped = second.replace("\u0107", "\\u0107").replace('"at":"2', '"at":"\\u0032', 1)
        return [f"{key}: {moved}" if x == first else escaped if x == second else x for x in lines]

    edit_events(db_path, change)


def _misfiled(cli: Cli, db_path: Path, pick: int) -> None:
    """An event line copied by hand under another key: two events share an ID."""

    def change(lines: list[str]) -> list[str]:
        line = lines[pick % len(lines)]
        return [*lines, '"zzzzzzzzzzzzzzzz"' + line[line.index(":") :]]

    edit_events(db_path, change)


SCENARIOS = [
    pytest.param([], id="a chain that holds"),
    pytest.param([_edit_old], id="an event edited"),
    pytest.param([_remove], id="an event removed"),
    pytest.param([_reorder], id="two events reordered"),
    pytest.param([_rewrite], id="a rewrite vouching"),
    pytest.param([_rewrite, _write], id="a rewrite, then a write"),
    pytest.param([_batch], id="an imported batch"),
    pytest.param([_batch, _write], id="an imported batch, then a write"),
    pytest.param([_older], id="an older database"),
    pytest.param([_older, _write], id="an older database, its chain started"),
    pytest.param([_older_edited_then_written], id="an older event edited after the start"),
    pytest.param([_slipped("a fork", lambda db, pick: heads(db)[:1])], id="two heads"),
    pytest.param([_slipped("no link", lambda db, pick: ...)], id="an event without a link"),
    pytest.param([_slipped("damaged", lambda db, pick: "x")], id="a damaged link"),
    pytest.param([_token], id="a token of the head"),
    pytest.param([_token, _write, _tamper_last], id="a stamped head edited"),
    pytest.param([_keys_out_of_order], id="lines not in canonical form"),
    pytest.param([_keys_out_of_order, _write], id="lines not canonical, then a write"),
    pytest.param([_misfiled], id="two events with one ID"),
]


@pytest.mark.parametrize("steps", SCENARIOS)
@pytest.mark.parametrize("pick", [0, 1])
def test_the_walk_over_the_lines_finds_what_the_whole_walk_found(
    db_path: Path, pieces: int, steps: list[Any], pick: int
) -> None:
    cli = _desk(db_path)
    for step in steps:
        step(cli, db_path, pick)
    expected = compare(db_path)
    assert checked(cli) == expected  # ``check``, through the cache and the lines


def test_a_tampered_history_is_still_found(db_path: Path, pieces: int) -> None:
    """The comparison can fail: the walk over the lines names the event edited."""
    cli = _desk(db_path)
    _status(cli, db_path, 0)
    _edit_old(cli, db_path, 2)
    found = compare(db_path)
    assert found and "does not match the hash event" in found[0]
    assert checked(cli) == found


def test_a_line_hashed_as_it_is_only_when_it_is_canonical(db_path: Path) -> None:
    """A line whose keys a person reordered is hashed by its canonical form, as the
    hash is defined: hashing the line's own bytes would call the chain broken."""
    cli = _desk(db_path)
    _keys_out_of_order(cli, db_path, 0)
    with _lines(db_path) as lines:
        assert lines is not None
        read = chain.read_chain(lines)
    events = orjson.loads(db_path.read_bytes())["events"]
    assert read.hashes == {key: chain.event_hash(e) for key, e in events.items()}
    assert chain.verify(read) == []


@pytest.mark.slow
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from([*WHOLE, *TAMPERING, _write, _status]), st.integers(0, 50)),
        max_size=5,
        unique_by=lambda step: step[1],  # each step's claim or source named apart
    ),
    piece=st.sampled_from([5, 300, 4 << 20]),
)
def test_any_history_is_walked_alike(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    steps: list[tuple[Any, int]],
    piece: int,
) -> None:
    """Writes, edits by hand and tokens in any order: both walks agree after each."""
    monkeypatch.setattr(layout, "CHUNK", piece)
    db_path = tmp_path_factory.mktemp("walk") / "claims.json"
    cli = _desk(db_path)
    for step, pick in steps:
        step(cli, db_path, pick)
        assert checked(cli) == compare(db_path), step.__name__
