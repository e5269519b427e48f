"""Unit tests of ``claimtrack.history``: reading the history, undo and redo, below the CLI.

Each command is one ``Database.open(..., write=True)`` block (one change); the clock is
frozen (``tests.clock``) so the times the history records are known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from claimtrack import history
from claimtrack.confidential import WITHHELD
from claimtrack.db import Database
from claimtrack.errors import ClaimtrackError, NotFound
from claimtrack.model import local_time
from tests.clock import freeze

Command = Callable[[], Any]


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    freeze(monkeypatch)
    return tmp_path / "claims.json"


@contextmanager
def writing(path: Path) -> Iterator[Database]:
    with Database.open(path, write=True) as db:
        yield db


def reading(path: Path) -> Any:
    return Database.open(path)


def undo(path: Path) -> list[tuple[str, str, str]]:
    with writing(path) as db:
        return history.revert(db, history.next_undo(db), "undo")


def redo(path: Path) -> list[tuple[str, str, str]]:
    with writing(path) as db:
        return history.revert(db, history.next_redo(db), "redo")


def claim_of(path: Path, claim_id: str) -> dict[str, Any] | None:
    with reading(path) as db:
        found = db.store.record("claims", claim_id)
        return None if found is None else dict(found)


def test_changes_group_one_command_and_describe_it(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("The river rose 3 metres", said_by=["Water Board"])
    with reading(path) as db:
        (change,) = history.changes(db)
    # A change is named by its last event: here the said-by link the add made.
    assert change.action == "link"
    assert change.actor == "tester"
    assert change.at.startswith("2025-03-04T10:00:00.")
    assert {e["kind"] for e in change.events} == {"claim", "source", "link"}
    assert change.describe() == (
        f"link by tester at {local_time(change.at)} (1 claim, 1 link, 1 source)"
    )
    assert change.reverses is None
    assert claim["id"] in {e["target"] for e in change.events}


def test_nothing_to_undo_or_redo_in_a_new_database(path: Path) -> None:
    with writing(path) as db:
        with pytest.raises(ClaimtrackError, match="nothing to undo"):
            history.next_undo(db)
        with pytest.raises(ClaimtrackError, match="nothing to redo"):
            history.next_redo(db)


def test_undo_an_add_removes_the_records_and_redo_brings_them_back(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Prices fell", said_by=["Statistics Office"])
    done = undo(path)
    assert sorted(what for what, _, _ in done) == ["removed", "removed", "removed"]
    assert claim_of(path, claim["id"]) is None
    with reading(path) as db:
        assert db.source_list() == []
        assert db.links_of_claim(claim["id"]) == []
    redone = redo(path)
    assert sorted(what for what, _, _ in redone) == ["restored", "restored", "restored"]
    restored = claim_of(path, claim["id"])
    assert restored is not None and restored["text"] == "Prices fell"
    with reading(path) as db:
        assert [s["name"] for s in db.source_list()] == ["Statistics Office"]
        assert len(db.links_of_claim(claim["id"])) == 1


def test_undo_a_removal_restores_the_claim_and_its_links(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Ten schools closed", said_by=["Mayor"])
    with writing(path) as db:
        db.remove_claims([claim["id"]])
    assert claim_of(path, claim["id"]) is None
    done = undo(path)
    assert {(what, kind) for what, kind, _ in done} == {("restored", "claim"), ("restored", "link")}
    assert claim_of(path, claim["id"]) is not None
    with reading(path) as db:
        assert [link["relation"] for link in db.links_of_claim(claim["id"])] == ["said-by"]


def test_undo_an_edit_puts_back_the_old_values(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Old text", tags=["a"])
    with writing(path) as db:
        db.edit_claim(claim["id"], text="New text", add_tags=["b"])
    with writing(path) as db:
        db.set_status(claim["id"], "false", rating="Pants on fire")
    assert undo(path) == [("changed back", "claim", claim["id"])]
    after_status_undo = claim_of(path, claim["id"])
    assert after_status_undo is not None
    assert (after_status_undo["status"], after_status_undo["rating"]) == ("unverified", None)
    assert after_status_undo["text"] == "New text"
    undo(path)
    edited_back = claim_of(path, claim["id"])
    assert edited_back is not None
    assert (edited_back["text"], edited_back["tags"]) == ("Old text", ["a"])


def test_undo_of_a_note_keeps_a_note_added_later(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim")
    with writing(path) as db:
        db.add_note(claim["id"], "first")
    with writing(path) as db:
        db.add_note(claim["id"], "second")
    with reading(path) as db:
        first_note = next(c for c in history.changes(db) if c.action == "note")
    with writing(path) as db:
        history.revert(db, first_note, "undo")
    kept = claim_of(path, claim["id"])
    assert kept is not None
    assert [n["text"] for n in kept["notes"]] == ["second"]


def test_undo_a_link_and_an_unlink(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim")
        db.add_source("Agency")
    with writing(path) as db:
        db.link(claim["id"], "Agency", "reported-by", url="https://example.org/a")
    assert [k for _, k, _ in undo(path)] == ["link"]
    with reading(path) as db:
        assert db.links_of_claim(claim["id"]) == []
    redo(path)
    with writing(path) as db:
        db.unlink(claim["id"], "Agency")
    with reading(path) as db:
        assert db.links_of_claim(claim["id"]) == []
    undo(path)
    with reading(path) as db:
        (link,) = db.links_of_claim(claim["id"])
    assert (link["relation"], link["url"]) == ("reported-by", "https://example.org/a")


def test_undo_skips_undone_changes_and_redo_ends_at_a_new_change(path: Path) -> None:
    with writing(path) as db:
        first = db.add_claim("First")
    with writing(path) as db:
        second = db.add_claim("Second")
    undo(path)
    undo(path)
    assert claim_of(path, first["id"]) is None and claim_of(path, second["id"]) is None
    with reading(path) as db, pytest.raises(ClaimtrackError, match="nothing to undo"):
        history.next_undo(db)
    redo(path)  # redoes the last undo: the first claim
    assert claim_of(path, first["id"]) is not None
    assert claim_of(path, second["id"]) is None
    with writing(path) as db:
        db.add_claim("Third")
    with reading(path) as db:
        with pytest.raises(ClaimtrackError, match="nothing to redo"):
            history.next_redo(db)
        assert history.next_undo(db).action == "add"


def test_undo_after_redo_reverts_the_redone_change_again(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Only")
    undo(path)
    redo(path)
    with reading(path) as db:
        all_changes = history.changes(db)
        target = history.next_undo(db)
        assert [c.action for c in all_changes] == ["add", "undo", "redo"]
        # ``redo`` names the change it puts back: the one the undo it reverts undid.
        assert history.restored_by(db, all_changes[1]).id == all_changes[0].id
    assert target.id == all_changes[0].id
    undo(path)
    assert claim_of(path, claim["id"]) is None


def test_undo_refuses_when_the_record_changed_away(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim")
    with writing(path) as db:
        db.add_note(claim["id"], "a note")
    with writing(path) as db:
        db.remove_claims([claim["id"]])
    with reading(path) as db:
        note_change = next(c for c in history.changes(db) if c.action == "note")
    with writing(path) as db, pytest.raises(ClaimtrackError, match="no longer exists"):
        history.revert(db, note_change, "undo")


def test_read_history_of_one_record_and_the_newest(path: Path) -> None:
    with writing(path) as db:
        one = db.add_claim("One")
    with writing(path) as db:
        two = db.add_claim("Two")
    with writing(path) as db:
        db.add_note(one["id"], "checked with the desk")
    with reading(path) as db:
        everything = history.read_history(db, reveal=False)
        assert everything.total == 3
        of_one = history.read_history(db, one["id"], reveal=False)
        newest = history.read_history(db, newest=1, reveal=False)
        views = list(of_one.views())
    assert of_one.total == 2
    assert [e["target"] for e in of_one.events()] == [one["id"], one["id"]]
    assert [v["summary"] for v in views] == [
        "note added: checked with the desk",
        "added claim: One",
    ]
    assert newest.total == 3
    assert [e["action"] for e in newest.events()] == ["note"]
    assert two["id"] not in {e["target"] for e in of_one.events()}


def test_read_history_withholds_a_confidential_source_and_its_links(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim")
        source = db.add_source(
            "Secret Person", confidential=True, reason="risk", approved_by="Editor"
        )
        db.link(claim["id"], source["id"], "said-by", quote="her own words")
    with reading(path) as db:
        hidden = history.read_history(db, reveal=False)
        shown = history.read_history(db, reveal=True)
    link_id = next(e["target"] for e in hidden.events() if e["kind"] == "link")
    assert hidden.protected == {source["id"], link_id}
    by_kind = {e["kind"]: e["after"] or {} for e in hidden.events()}
    assert by_kind["source"]["name"] == WITHHELD
    assert by_kind["source"]["confidential"] is True
    assert by_kind["link"]["quote"] == WITHHELD
    assert by_kind["link"]["relation"] == "said-by"
    assert by_kind["claim"]["text"] == "A claim"
    revealed = {e["kind"]: e["after"] or {} for e in shown.events()}
    assert revealed["source"]["name"] == "Secret Person"
    assert revealed["link"]["quote"] == "her own words"


def test_summarise_each_kind_of_event() -> None:
    base = {"id": "e", "at": "", "actor": "a", "change": "c" * 16, "action": "edit"}
    claim = {**base, "kind": "claim", "target": "x" * 16}
    assert history.summarise({**claim, "before": None, "after": {"text": "Hi"}}) == (
        "added claim: Hi"
    )
    assert history.summarise({**claim, "before": {"text": "Hi"}, "after": None}) == (
        "deleted claim: Hi"
    )
    assert history.summarise(
        {**claim, "before": {"status": "unverified"}, "after": {"status": "checking"}}
    ) == ("status: unverified \u2192 checking")
    assert history.summarise(
        {**claim, "before": {"tags": ["a"]}, "after": {"tags": ["b"], "updated": "t"}}
    ) == ("tag removed: a; tag added: b")
    link = {
        **base,
        "kind": "link",
        "target": "l" * 16,
        "before": None,
        "after": {"source": "s" * 16, "claim": "k" * 16, "relation": "said-by"},
    }
    assert history.summarise(link) == "linked source sssssss as said-by to claim kkkkkkk"
    assert history.summarise(link, lambda _: "Agency") == (
        "linked Agency as said-by to claim kkkkkkk"
    )
    undo_marker = {**base, "kind": "change", "action": "undo", "target": "u" * 16}
    assert history.summarise({**undo_marker, "before": None, "after": None}) == (
        "undo: reverted change uuuuuuu"
    )
    batch = {**base, "kind": "batch", "target": "b", "before": None}
    assert history.summarise({**batch, "after": {"claims": ["1", "2"], "sources": ["3"]}}) == (
        "imported 2 claims, 1 source"
    )


def test_require_known_finds_deleted_records_and_changes(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Gone soon")
    with writing(path) as db:
        db.remove_claims([claim["id"]])
    with reading(path) as db:
        assert history.require_known(db, claim["id"][:6]) == claim["id"]
        change = history.changes(db)[0].id
        assert history.require_known(db, change) == change
        with pytest.raises(NotFound, match="no claim, source, link or change matches 'zzzz'"):
            history.require_known(db, "zzzz")


def test_verdict_times_is_when_the_status_was_set(path: Path) -> None:
    with writing(path) as db:
        judged = db.add_claim("Judged")
        open_claim = db.add_claim("Still open")
    with writing(path) as db:
        db.set_status(judged["id"], "false")
    with reading(path) as db:
        status_change = history.changes(db)[-1]
    with writing(path) as db:
        db.add_note(judged["id"], "a later note does not move the verdict")
    with reading(path) as db:
        times = history.verdict_times(db)
        added_at = next(
            e["at"] for e in history.changes(db)[0].events if e["target"] == open_claim["id"]
        )
    # The claim added as unverified took its status when added; the judged one when set.
    assert times[judged["id"]] == status_change.at
    assert times[open_claim["id"]] == added_at
    assert added_at.startswith("2025-03-04T10:00:00.")
    undo(path)  # the note
    undo(path)  # the status: set back to unverified by the undo
    with reading(path) as db:
        undo_at = next(e["at"] for e in history.changes(db)[-1].events if e["kind"] == "claim")
        assert history.verdict_times(db)[judged["id"]] == undo_at


def test_verdict_times_leaves_out_a_status_the_history_does_not_show(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Imported later")
        kept = db.add_claim("Untouched")
    with writing(path) as db:
        # An import's update: the record changes, no event says so.
        db.put_record("claim", {**db.claim_by_id(claim["id"]), "status": "verified"})
    with reading(path) as db:
        times = history.verdict_times(db)
    assert claim["id"] not in times
    assert kept["id"] in times


def test_an_unlinked_confidential_link_stays_withheld(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim")
        source = db.add_source("Secret Person", confidential=True)
        link = db.link(claim["id"], source["id"], "said-by", quote="her own words")
    with writing(path) as db:
        db.unlink(claim["id"], source["id"])
    with reading(path) as db:
        found = history.read_history(db, reveal=False)
    assert link["id"] in found.protected
    quotes = [(e["before"] or e["after"] or {}).get("quote") for e in found.events()]
    assert quotes.count(WITHHELD) == 2
    assert "her own words" not in quotes


def test_undo_puts_back_a_removed_item_and_keeps_a_later_one(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim", tags=["a", "b"])
    with writing(path) as db:
        db.edit_claim(claim["id"], remove_tags=["a"])
    with writing(path) as db:
        db.edit_claim(claim["id"], add_tags=["c"])
    with reading(path) as db:
        removal = history.changes(db)[1]
    with writing(path) as db:
        assert history.revert(db, removal, "undo") == [("changed back", "claim", claim["id"])]
    kept = claim_of(path, claim["id"])
    assert kept is not None
    assert kept["tags"] == ["b", "c", "a"]


def test_require_known_finds_a_record_no_event_names(path: Path) -> None:
    with writing(path) as db:
        claim = db.add_claim("Recorded")
    with writing(path) as db:
        copy = {**db.claim_by_id(claim["id"]), "id": "q" * 16}
        db.add_record("claim", copy)  # as an import adds a record: no event of its own
    with reading(path) as db:
        assert history.require_known(db, "qqqqq") == "q" * 16


def _newest_of_every_length(path: Path) -> list[tuple[list[Any], int, set[str]]]:
    with reading(path) as db:
        total = history.read_history(db, newest=0, reveal=False).total
        return [
            (list(found.events()), found.total, found.protected)
            for n in range(total + 2)
            for found in [history.read_history(db, newest=n, reveal=False)]
        ]


def test_the_newest_events_come_from_the_index_as_a_scan_would_give_them(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with writing(path) as db:
        claim = db.add_claim("A claim")
        secret = db.add_source("Secret Person", confidential=True)
        gone = db.add_source("Gone Person", confidential=True)
        db.add_source("Open Person")
        db.link(claim["id"], secret["id"], "said-by", quote="her own words")
        db.link(claim["id"], gone["id"], "supports", quote="his own words")
        db.link(claim["id"], "Open Person", "reported-by")
    with writing(path) as db:
        db.unlink(claim["id"], secret["id"])  # a link that only the history holds
    with writing(path) as db:
        db.remove_source(gone["id"])  # a confidential source only the history holds
    for note in ("called", "emailed", "met"):
        with writing(path) as db:
            db.add_note(claim["id"], note)
    monkeypatch.setenv("CLAIMTRACK_INDEX", "never")  # parsed whole, every event scanned
    scanned = _newest_of_every_length(path)
    monkeypatch.setenv("CLAIMTRACK_INDEX", "always")

    def no_scan(*args: object) -> None:
        raise AssertionError("the whole history was read")

    monkeypatch.setattr("claimtrack.store.snapshot.Snapshot.scan_events", no_scan)
    indexed = _newest_of_every_length(path)
    assert indexed == scanned
    newest, total, protected = indexed[-1]
    assert total == len(newest) > 10
    assert {secret["id"], gone["id"]} <= protected
    quotes = [(e["before"] or e["after"] or {}).get("quote") for e in newest]
    assert "her own words" not in quotes
    assert "his own words" not in quotes
