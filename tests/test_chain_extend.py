"""A kept verdict that the hash chain holds, carried over the events written since
(``integrity.chain.extend``, ``store.memo.Memo.added``): ``check`` after a write reads
the events it added, not the history, and says exactly what walking the chain says.

Tampering is done as a person would: by editing the database file's text, keeping it
laid out as claimtrack writes it (one record per line, in ID order), so that the cache
still vouches for it and the carried verdict is put to the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtrack import ids
from claimtrack.cli import app
from claimtrack.integrity import chain, timestamps
from claimtrack.store.index import index_path
from tests.helpers import Cli

WALK = chain.read_chain  # the walk, kept before any test forbids it


def events_of(db_path: Path) -> dict[str, Any]:
    return dict(json.loads(db_path.read_text(encoding="utf-8"))["events"])


def walked(db_path: Path) -> list[str]:
    """What walking the whole chain finds (``read_chain``, ``verify`` and the stamped
    heads), as ``check`` words its problems."""
    folder = timestamps.folder_of(db_path)
    stamped = [
        (t.subject, t.imprint, t.time, t.file)
        for t in timestamps.read_index(folder)
        if t.kind == "chain"
    ]
    read = WALK(events_of(db_path))
    breaks = chain.verify(read) + chain.check_stamped(read, stamped)
    return [f"history: {b.message}" for b in sorted(breaks, key=lambda b: (b.at, b.event))]


def checked(cli: Cli) -> list[str]:
    """The chain's problems as ``check`` reports them."""
    result = cli.runner.invoke(app, ["--db", str(cli.db_path), "check", "--format", "jsonl"])
    assert result.exit_code in (0, 1), result.output
    found = map(json.loads, result.stdout.splitlines())
    return [p["message"] for p in found if p["code"] == "chain"]


def forbid_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(events: Any) -> Any:
        raise AssertionError("the chain was walked")

    monkeypatch.setattr(chain, "read_chain", refused)


# -- the file, edited as a person would ---------------------------------------------------


def _event_lines(lines: list[str]) -> tuple[int, int]:
    """[first, end) of the events' lines in the file's lines."""
    first = lines.index('"events": {') + 1
    end = first
    while lines[end].startswith('"'):
        end += 1
    return first, end


def _line(event: dict[str, Any]) -> str:
    body = orjson.dumps(event, option=orjson.OPT_SORT_KEYS).decode()
    return f'"{event["id"]}": {body}'


def _write_events(db_path: Path, lines: list[str], events: list[str]) -> None:
    first, end = _event_lines(lines)
    events = sorted(events)
    joined = [line.removesuffix(",") + "," for line in events[:-1]] + [events[-1]]
    db_path.write_text("\n".join([*lines[:first], *joined, *lines[end:]]), encoding="utf-8")


def edit_events(db_path: Path, change: Any) -> None:
    """Rewrite the events' lines as ``change`` (event lines without commas -> new ones)
    says, in ID order, the rest of the file as it was."""
    lines = db_path.read_text(encoding="utf-8").split("\n")
    first, end = _event_lines(lines)
    _write_events(db_path, lines, change([line.removesuffix(",") for line in lines[first:end]]))


def by_time(db_path: Path) -> list[dict[str, Any]]:
    return sorted(events_of(db_path).values(), key=lambda e: (e["at"], e["id"]))


def slip_in(db_path: Path, **fields: Any) -> str:
    """Add an event by hand (its line in ID order); its ID."""
    event = {
        "id": ids.new_id(),
        "at": by_time(db_path)[-1]["at"],
        "actor": "someone",
        "change": ids.new_id(),
        "action": "edit",
        "kind": "claim",
        "target": ids.new_id(),
        "before": None,
        "after": {"text": "slipped in"},
        **fields,
    }
    event = {k: v for k, v in event.items() if v is not ...}
    edit_events(db_path, lambda lines: [*lines, _line(event)])
    return str(event["id"])


def heads(db_path: Path) -> list[str]:
    return WALK(events_of(db_path)).heads


def kept_rows(db_path: Path) -> tuple[str, str]:
    """The verdict ``check`` kept in the cache and its list of events written since."""
    with contextlib.closing(sqlite3.connect(index_path(db_path))) as connection:
        rows = dict(connection.execute("SELECT key, value FROM meta WHERE key LIKE 'memo:%'"))
    return rows["memo:chain"], rows.get("memo:chain:added", "")


def plant(db_path: Path, rows: tuple[str, str], *written: str) -> None:
    """Put a kept verdict back in the cache, its list naming ``written`` too (as if the
    cache had missed every change to the file but the writes): the list is only where
    to look, never trusted."""
    Cli(db_path)("list", "-n", "1")  # the cache made to describe the file, edited or not
    verdict, listed = rows
    if listed and written:
        key, _, keys = listed.partition(" ")
        listed = f"{key} " + json.dumps([*json.loads(keys), *written])
    with contextlib.closing(sqlite3.connect(index_path(db_path))) as connection:
        connection.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("memo:chain", verdict), ("memo:chain:added", listed)],
        )
        connection.commit()


def note_written(db_path: Path, *keys: str) -> None:
    """Add keys to the cache's list of events written since the kept verdict, as a
    writing command would."""
    plant(db_path, kept_rows(db_path), *keys)


def kept(db_path: Path) -> dict[str, Any]:
    return dict(json.loads(kept_rows(db_path)[0].partition(" ")[2]))


# -- the carried verdict ------------------------------------------------------------------


def test_check_after_an_add_reads_only_the_events_added(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = cli.add("The river rose 3 metres")
    cli.add("The dam held")
    assert checked(cli) == []  # walked, and kept
    cli.add("A third claim")
    cli("status", claim, "verified")
    forbid_walks(monkeypatch)
    assert checked(cli) == []
    newest = by_time(db_path)[-1]
    assert kept(db_path)["heads"] == [chain.event_hash(newest)]
    cli.add("A fourth claim")
    assert checked(cli) == []  # and carried again from the carried verdict


def test_an_old_event_edited_is_found_right_after_a_kept_verdict_and_an_add(
    cli: Cli, db_path: Path
) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    assert checked(cli) == []
    oldest = by_time(db_path)[0]
    edit_events(
        db_path,
        lambda lines: [line.replace("rose 3 metres", "rose 4 metres") for line in lines],
    )
    cli.add("A third claim")  # a write of claimtrack's own after the edit
    found = checked(cli)
    assert found == walked(db_path)
    assert any(f"event {oldest['id']} does not match" in message for message in found), found


def _drop_oldest(db_path: Path) -> None:
    oldest = by_time(db_path)[0]["id"]
    edit_events(db_path, lambda lines: [x for x in lines if not x.startswith(f'"{oldest}"')])


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda db: edit_events(
                db, lambda lines: [x.replace("rose 3", "rose 4") for x in lines]
            ),
            id="edited",
        ),
        pytest.param(_drop_oldest, id="removed"),
        pytest.param(lambda db: _reorder(Cli(db), db, 0), id="reordered"),
    ],
)
def test_tampering_with_old_events_is_found_though_the_cache_missed_it(
    cli: Cli, db_path: Path, tamper: Any
) -> None:
    """The verdict kept before the edit is put back after it and a write, its list
    naming the write's events (as if the cache had missed the edit): with their lines
    taken out, the history is not the one the verdict was kept for."""
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    assert checked(cli) == []
    rows = kept_rows(db_path)
    tamper(db_path)
    before = set(events_of(db_path))
    cli.add("A third claim")
    plant(db_path, rows, *(set(events_of(db_path)) - before))
    found = checked(cli)
    assert found == walked(db_path)
    assert found != []


def test_an_edit_the_list_of_written_events_names_is_still_found(cli: Cli, db_path: Path) -> None:
    """The list names an edited old event (as if the edit had been a write): taken out,
    it is parsed as an added event, which links to no head."""
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    assert checked(cli) == []
    oldest = by_time(db_path)[0]
    edit_events(db_path, lambda lines: [x.replace("rose 3", "rose 4") for x in lines])
    note_written(db_path, oldest["id"])
    found = checked(cli)
    assert any(f"event {oldest['id']} does not match" in message for message in found), found


def test_an_added_event_linked_at_the_head_by_hand_is_carried_like_a_write(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.add("The river rose 3 metres")
    assert checked(cli) == []
    added = slip_in(db_path, prev=heads(db_path))
    note_written(db_path, added)
    forbid_walks(monkeypatch)
    assert checked(cli) == []


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(lambda db: ..., id="no link"),
        pytest.param(lambda db: [], id="empty link"),
        pytest.param(lambda db: ["ab" * 32], id="a hash nobody has"),
        pytest.param(lambda db: [chain.event_hash(by_time(db)[0])], id="an older event"),
        pytest.param(lambda db: "not a list", id="damaged link"),
    ],
)
def test_an_added_event_not_linked_at_a_head_is_walked(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch, link: Any
) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    assert checked(cli) == []
    added = slip_in(db_path, prev=link(db_path))
    note_written(db_path, added)
    walks: list[int] = []

    def counted(events: Any) -> Any:
        walks.append(1)
        return WALK(events)

    monkeypatch.setattr(chain, "read_chain", counted)
    assert checked(cli) == walked(db_path)
    assert walks == [1]


# -- the carried verdict is the walk's, whatever happens ------------------------------


def _write(cli: Cli, db_path: Path, pick: int) -> None:
    cli.add(f"Claim number {pick}")


def _status(cli: Cli, db_path: Path, pick: int) -> None:
    claims = sorted(json.loads(db_path.read_text(encoding="utf-8"))["claims"])
    cli("status", claims[pick % len(claims)], ["verified", "false", "checking"][pick % 3])


def _edit_old(cli: Cli, db_path: Path, pick: int) -> None:
    target = by_time(db_path)[pick % len(events_of(db_path))]["id"]
    edit_events(
        db_path,
        lambda lines: [
            line.replace('"actor":"', '"actor":"x', 1) if line.startswith(f'"{target}"') else line
            for line in lines
        ],
    )


def _tamper_last(cli: Cli, db_path: Path, pick: int) -> None:
    _edit_old(cli, db_path, len(events_of(db_path)) - 1)


def _remove(cli: Cli, db_path: Path, pick: int) -> None:
    if len(events_of(db_path)) > 1:
        target = by_time(db_path)[pick % len(events_of(db_path))]["id"]
        edit_events(db_path, lambda lines: [x for x in lines if not x.startswith(f'"{target}"')])


def _reorder(cli: Cli, db_path: Path, pick: int) -> None:
    events = by_time(db_path)
    if len(events) > 1:
        a, b = events[pick % (len(events) - 1)], events[pick % (len(events) - 1) + 1]
        marks = [f'"at":"{a["at"]}"', f'"at":"{b["at"]}"']
        text = db_path.read_text(encoding="utf-8")
        text = text.replace(marks[0], "\0").replace(marks[1], marks[0]).replace("\0", marks[1])
        db_path.write_text(text, encoding="utf-8")


def _slipped(name: str, link: Any, **fields: Any) -> Any:
    def change(cli: Cli, db_path: Path, pick: int) -> list[str]:
        return [slip_in(db_path, prev=link(db_path, pick), **fields)]

    change.__name__ = name
    return change


def _any_older(db_path: Path, pick: int) -> list[str]:
    events = [e for e in by_time(db_path) if "prev" in e]
    return [chain.event_hash(events[pick % len(events)])] if events else []


def _before_newest(db_path: Path, pick: int) -> list[str]:
    """What the newest event links to: an event slipped in there makes a fork."""
    links = [e.get("prev") for e in by_time(db_path) if "prev" in e]
    return list(links[-1]) if links and isinstance(links[-1], list) else []


def _batch(cli: Cli, db_path: Path, pick: int) -> list[str]:
    """An import's ``batch`` event, slipped in at the head, that lists the newest
    event (or one nobody has) as brought in from elsewhere."""
    listed = by_time(db_path)[-1]["id"] if pick % 2 else ids.new_id()
    after = {"events": [listed], "file": "other.json"}
    return [slip_in(db_path, prev=heads(db_path), kind="batch", action="import", after=after)]


def _rewrite(cli: Cli, db_path: Path, pick: int) -> list[str]:
    """A source added, then a ``rewrite`` event slipped in at the head that vouches
    for its event under another hash (or under its own)."""
    known = set(events_of(db_path))
    cli("source", "add", f"Source {pick}")
    [added] = [e for key, e in events_of(db_path).items() if key not in known]
    now = chain.event_hash(added)
    pair = ["cd" * 32, now] if pick % 2 else [now, now]
    after = {"rewritten": {added["id"]: pair}}
    rewrite = slip_in(db_path, prev=heads(db_path), kind="change", action="rewrite", after=after)
    return [added["id"], rewrite]


def _token(cli: Cli, db_path: Path, pick: int) -> None:
    """Store (or change) a chain token's entry by hand: of the newest event, or of an
    event with a hash it does not have."""
    newest = by_time(db_path)[-1]
    imprint = chain.event_hash(newest) if pick % 2 else "ab" * 32
    folder = timestamps.folder_of(db_path)
    folder.mkdir(exist_ok=True)
    entry = {
        "file": f"t{pick}.tsr",
        "ca": f"t{pick}.pem",
        "kind": "chain",
        "subject": newest["id"],
        "imprint": imprint,
        "tsa": "https://tsa.test",
        "time": "2025-03-04T10:00:00Z",
        "serial": str(pick),
    }
    (folder / "index.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")


def _no_token(cli: Cli, db_path: Path, pick: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(timestamps.folder_of(db_path) / "index.jsonl")


def _check(cli: Cli, db_path: Path, pick: int) -> None:
    pass  # every step is followed by a check: two in a row


# What keeps the chain whole: claimtrack's writes, a check, events linked at a head by
# hand, a token of the newest event (or none).
WHOLE = [
    _write,
    _status,
    _check,
    _slipped("linked at the heads", lambda db, pick: heads(db)),
    _slipped("linked at one head", lambda db, pick: heads(db)[:1]),
    _slipped("a fork", _before_newest),  # two events after one
    _no_token,
]
# Everything else: each step may break the chain, for good.
TAMPERING = [
    _edit_old,
    _tamper_last,
    _remove,
    _reorder,
    _slipped("no link", lambda db, pick: ...),
    _slipped("linked to nothing", lambda db, pick: ["ab" * 32]),
    _slipped("linked to an older event", _any_older),
    _slipped("chain start", lambda db, pick: heads(db), action="chain", kind="change"),
    _batch,
    _rewrite,
    _token,  # of the newest event's hash, or of a hash it does not have
]


def _steps(changes: list[Any], most: int, least: int = 0) -> Any:
    step = st.tuples(st.sampled_from(changes), st.integers(0, 1000), st.booleans())
    return st.lists(step, min_size=least, max_size=most)


def run_steps(db_path: Path, steps: list[tuple[Any, int, bool]]) -> None:
    """Each step, then ``check``, which must say what the walk says. Before each
    ``check`` the last verdict that held is put back in the cache, its list of events
    written since naming what the writes wrote since (and, where a step says so, the
    events it slipped in by hand), as if the cache had missed every other change."""
    cli = Cli(db_path)
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    assert checked(cli) == walked(db_path) == []
    rows, noted = kept_rows(db_path), list[str]()
    for change, pick, note in steps:
        known = set(events_of(db_path))
        slipped = change(cli, db_path, pick) or []
        noted += slipped if note else []  # as if a writer had written them
        if change in (_write, _status):
            noted += sorted(set(events_of(db_path)) - known)
        plant(db_path, rows, *noted)
        assert checked(cli) == walked(db_path), change
        if kept_rows(db_path)[1]:  # it held: the next verdict is carried from this one
            rows, noted = kept_rows(db_path), []


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda change: change.__name__)
@pytest.mark.parametrize("pick", [0, 1])
def test_each_tampering_is_judged_as_the_walk_judges_it(
    db_path: Path, tamper: Any, pick: int
) -> None:
    run_steps(db_path, [(_write, 0, True), (tamper, pick, True), (_write, 1, True)])


@pytest.mark.slow
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=_steps(WHOLE, 3),
    tampering=_steps(TAMPERING, 1, 1),
    after=_steps(WHOLE, 2),
)
def test_the_carried_verdict_is_always_the_walks(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[tuple[Any, int, bool]],
    tampering: list[tuple[Any, int, bool]],
    after: list[tuple[Any, int, bool]],
) -> None:
    """Writes and edits that keep the chain whole, one that may break it, more that
    keep it whole (``run_steps``)."""
    run_steps(tmp_path_factory.mktemp("extend") / "claims.json", [*before, *tampering, *after])


def test_an_event_an_import_listed_is_not_carried_as_our_own(db_path: Path) -> None:
    """An import's ``batch`` event lists an event nobody has yet; one with that ID
    added later is the other database's, not a link of this chain: an event linked to
    it breaks the chain, and the carried verdict says so too."""
    brought = ids.new_id()

    def listing(cli: Cli, db_path: Path, pick: int) -> list[str]:
        after = {"events": [brought], "file": "other.json"}
        return [slip_in(db_path, prev=heads(db_path), kind="batch", action="import", after=after)]

    def bringing(cli: Cli, db_path: Path, pick: int) -> list[str]:
        return [slip_in(db_path, id=brought, prev=heads(db_path))]

    def following(cli: Cli, db_path: Path, pick: int) -> list[str]:
        return [slip_in(db_path, prev=[chain.event_hash(events_of(db_path)[brought])])]

    run_steps(db_path, [(listing, 0, True), (bringing, 0, True), (following, 0, True)])
    assert walked(db_path) != []
