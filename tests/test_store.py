"""The core API and the file it keeps: records, events, atomic and safe storage."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimtrack.db import Database
from claimtrack.errors import Ambiguous, DatabaseError, NotFound, ValidationError
from claimtrack.model import SCHEMA_VERSION
from claimtrack.store.fileformat import dump, empty_data, has_twenty_digits
from tests.helpers import Cli


def add_sample(path: Path) -> str:
    with Database.open(path, write=True) as db:
        claim = db.add_claim(
            "At least a dozen Russians faced entry bans",
            said_by=["pro-democracy Russian activists"],
            reported_by=["Associated Press", "Outlet"],
            tags=["Serbia", "deportation,serbia"],
            story="serbia-russians",
        )
    return claim["id"]


def test_add_claim_creates_sources_links_and_events(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    with Database.open(db_path) as db:
        claim = db.get_claim(claim_id[:7])
        assert claim["tags"] == ["serbia", "deportation"]
        assert claim["status"] == "unverified"
        assert claim["author"] == "tester"
        names = sorted(s["name"] for s in db.source_list())
        assert names == ["Associated Press", "Outlet", "pro-democracy Russian activists"]
        chain = sorted(
            (k["position"], db.get_source(k["source"])["name"])
            for k in db.store.records("links").values()
            if k["relation"] == "reported-by"
        )
        assert chain == [(0, "Associated Press"), (1, "Outlet")]
        actions = [(e["action"], e["kind"]) for e in db.event_list()]
        assert actions.count(("add", "source")) == 3
        assert actions.count(("link", "link")) == 3
        assert actions[0] == ("add", "claim")
        assert len({e["change"] for e in db.event_list()}) == 1  # one command, one change


def test_file_is_sorted_versioned_owner_only_and_keyed_by_id(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    raw = db_path.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert data["_meta"]["schema"]["version"] == SCHEMA_VERSION
    assert claim_id in data["claims"]
    assert raw == dump(data).decode("utf-8")  # stable key order and layout
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


@pytest.mark.parametrize("given", [0o644, 0o640, 0o666])
def test_every_write_leaves_the_file_owner_only_whatever_mode_it_had(
    db_path: Path, given: int
) -> None:
    # git keeps no modes: a clone or pull leaves the database 0644 (issue 26).
    add_sample(db_path)
    os.chmod(db_path, given)
    add_sample(db_path)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_an_old_lock_file_becomes_owner_only(db_path: Path) -> None:
    lock = db_path.with_name(db_path.name + ".lock")
    lock.touch(mode=0o644)
    os.chmod(lock, 0o644)
    add_sample(db_path)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_failed_command_leaves_file_untouched(db_path: Path) -> None:
    add_sample(db_path)
    before = db_path.read_bytes()
    with pytest.raises(ValidationError), Database.open(db_path, write=True) as db:
        db.add_claim("a valid claim")
        db.add_claim("   ")
    assert db_path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b'{"_meta": {"schema": {"version": 1}}, "claims": {"a', "not valid JSON"),
        (b"[1, 2, 3]", "not a claimtrack database"),
        (b'{"claims": {}}', "no schema version"),
        (b'{"_meta": {"schema": {"version": 99}}}', "newer than this"),
        (b'{"_meta": {"schema": {"version": 1}}, "claims": {"x": NaN}}', "not valid JSON"),
        (b'{"_meta": {"schema": {"version": 1}}, "claims": []}', "damaged"),
        (b"\xff\xfe garbage", "not valid JSON"),
    ],
)
def test_unreadable_database_is_never_overwritten(
    db_path: Path, content: bytes, message: str
) -> None:
    db_path.write_bytes(content)
    with pytest.raises(DatabaseError) as error, Database.open(db_path, write=True) as db:
        db.add_claim("must not be written")
    assert message in error.value.message
    assert str(db_path) in error.value.message
    assert db_path.read_bytes() == content


def test_edit_status_note_and_history(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    with Database.open(db_path, write=True) as db:
        db.edit_claim(
            claim_id, text="At least 12 Russians", add_tags=["ban"], remove_tags=["serbia"]
        )
        db.set_status(claim_id, "checking", note="asked the ministry")
        db.add_note(claim_id, "BCSP letter")
    with Database.open(db_path) as db:
        claim = db.get_claim(claim_id)
        assert claim["text"] == "At least 12 Russians"
        assert claim["tags"] == ["deportation", "ban"]
        assert claim["status"] == "checking"
        assert [n["text"] for n in claim["notes"]] == ["asked the ministry", "BCSP letter"]
        assert claim["updated"] > claim["created"]
        edits = [e for e in db.event_list() if e["target"] == claim_id and e["action"] != "add"]
        assert [e["action"] for e in edits] == ["edit", "status", "note"]
        assert edits[0]["before"]["text"] == "At least a dozen Russians faced entry bans"
        assert edits[0]["after"]["text"] == "At least 12 Russians"


def test_edit_without_change_records_nothing(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    with Database.open(db_path, write=True) as db:
        count = len(db.event_list())
        db.edit_claim(claim_id, text="At least a dozen Russians faced entry bans")
        assert len(db.event_list()) == count


def test_invalid_values_are_rejected(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    with Database.open(db_path, write=True) as db:
        with pytest.raises(ValidationError):
            db.set_status(claim_id, "probably")
        with pytest.raises(ValidationError):
            db.add_claim("x", story="two words")
        with pytest.raises(ValidationError):
            db.add_claim("x", tags=["two words"])
        with pytest.raises(ValidationError):
            db.edit_claim(claim_id, remove_tags=["absent"])
        with pytest.raises(ValidationError):
            db.link(claim_id, "Outlet", "endorses")
        with pytest.raises(ValidationError):
            db.link(claim_id, "Outlet", "supports", date="yesterday")
        with pytest.raises(ValidationError):
            db.add_claim("x" * 1_000_001)


def test_sources_match_by_alias_and_case_and_never_duplicate(db_path: Path) -> None:
    with Database.open(db_path, write=True) as db:
        ap = db.add_source("Associated Press", kind="publication", aliases=["AP"])
        claim = db.add_claim("c", said_by=["ap"], reported_by=["ASSOCIATED  press"])
        assert {
            k["source"] for k in db.store.records("links").values() if k["claim"] == claim["id"]
        } == {ap["id"]}
        assert len(db.source_list()) == 1
        with pytest.raises(ValidationError):
            db.add_source("AP")
        db.add_source("Predrag Petrovic", kind="person")
        assert db.get_source("petrovic")["name"] == "Predrag Petrovic"
        db.add_source("Petar Petrovic", kind="person")
        with pytest.raises(Ambiguous):
            db.get_source("petrovic")
        with pytest.raises(NotFound):
            db.get_source("nobody at all")


def test_link_again_updates_and_unlink_removes(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    with Database.open(db_path, write=True) as db:
        db.add_source("BCSP report", kind="document")
        first = db.link(claim_id, "BCSP report", "supports")
        again = db.link(claim_id, "BCSP report", "supports", url="https://example.org/r")
        assert again["id"] == first["id"] and again["url"] == "https://example.org/r"
        assert (
            len([k for k in db.store.records("links").values() if k["relation"] == "supports"]) == 1
        )
        removed = db.unlink(claim_id, "BCSP report")
        assert [k["id"] for k in removed] == [first["id"]]
        with pytest.raises(NotFound):
            db.unlink(claim_id, "BCSP report")


def test_remove_claim_and_source_remove_their_links(db_path: Path) -> None:
    claim_id = add_sample(db_path)
    other = add_sample(db_path)
    with Database.open(db_path, write=True) as db:
        db.remove_claims([claim_id])
        assert all(k["claim"] != claim_id for k in db.store.records("links").values())
        source, links = db.remove_source("Outlet")
        assert source["name"] == "Outlet" and len(links) == 1
        assert all(k["source"] != source["id"] for k in db.store.records("links").values())
        assert [c["id"] for c in db.claim_list()] == [other]


def test_missing_database_reads_as_empty_and_is_not_created_by_reading(db_path: Path) -> None:
    with Database.open(db_path) as db:
        assert db.claim_list() == []
    assert not db_path.exists()


def test_stale_temp_files_are_cleaned_on_next_write(db_path: Path) -> None:
    add_sample(db_path)
    leftover = db_path.parent / f".{db_path.name}.abc123.tmp"
    leftover.write_text("half a write")
    with Database.open(db_path) as db:  # readers ignore it
        assert len(db.claim_list()) == 1
    add_sample(db_path)
    assert not leftover.exists()


def test_write_failure_keeps_old_file(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_sample(db_path)
    before = db_path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(DatabaseError) as error, Database.open(db_path, write=True) as db:
        db.add_claim("will not fit")
    assert "No space left on device" in error.value.message
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob(".claims.json.*.tmp"))


def test_empty_data_round_trips(db_path: Path) -> None:
    db_path.write_bytes(dump(empty_data()))
    with Database.open(db_path, write=True) as db:
        db.add_claim("first")
    with Database.open(db_path) as db:
        assert [c["text"] for c in db.claim_list()] == ["first"]


def test_linking_evidence_moves_the_claims_updated_and_undo_reverts_both(cli: Cli) -> None:
    claim = cli.add("Prices rose by a third", "--said-by", "Ministry")
    before = cli.json("show", claim)["updated"]
    cli("link", claim, "Ministry", "--as", "reported-by")  # attribution: no change of case
    assert cli.json("show", claim)["updated"] == before
    cli("link", claim, "Statistics office", "--as", "supports", "--create")
    after = cli.json("show", claim)["updated"]
    assert after > before
    cli("undo")
    shown = cli.json("show", claim)
    assert shown["updated"] == before and not [
        k for k in shown["links"] if k["relation"] == "supports"
    ]


# -- a number too wide for orjson ---------------------------------------------------------


@given(
    st.lists(
        st.sampled_from([b"7", b"0", b"a", b" ", b'"', b"_", b":", b"\xd9\xa3", b"1" * 19]),
        max_size=40,
    )
)
def test_twenty_digits_are_found_as_the_regular_expression_finds_them(pieces: list[bytes]) -> None:
    """Twenty digits in a row, unless they follow a letter, ``_`` or a quote: a number
    never does, a text does (a hash's hex)."""
    raw = b"".join(pieces)
    assert has_twenty_digits(raw) is bool(re.search(rb'(?<![0-9A-Za-z_"])\d{20}', raw))


def test_twenty_digits_in_a_hash_are_text_not_a_number() -> None:
    assert not has_twenty_digits(b'{"prev": ["ab12345678901234567890cd"]}')
    assert not has_twenty_digits(b'{"prev": ["12345678901234567890cd"]}')
    assert has_twenty_digits(b'{"n": 12345678901234567890}')
    assert has_twenty_digits(b'{"n": [1,12345678901234567890]}')
    assert has_twenty_digits(b'{"n": -12345678901234567890}')


@pytest.mark.parametrize("start", [(1 << 20) - 19, (1 << 20) - 10, (1 << 20) - 1, 1 << 20])
def test_twenty_digits_across_a_megabyte_boundary_are_found(start: int) -> None:
    raw = bytearray(b" " * (3 << 20))
    raw[start : start + 20] = b"9" * 20
    assert has_twenty_digits(bytes(raw))
    raw[start - 1] = ord("x")  # after a letter: inside a text
    assert not has_twenty_digits(bytes(raw))
    raw[start - 1] = ord(" ")
    raw[start + 10] = ord(" ")  # two runs of 10 and 9: neither is twenty
    assert not has_twenty_digits(bytes(raw))
