"""Unit tests of ``claimtrack.confidential``: what leaves the database about a protected
source, and how a redacted record reads back in (pure functions on records)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from claimtrack.confidential import (
    WITHHELD,
    Disclosure,
    is_confidential,
    is_pseudonym_of,
    known_event,
    known_link,
    pseudonym,
    pseudonym_prefix,
    public_name,
    unknown_source_fields,
    withhold_event,
    withhold_fields,
    withhold_link,
    withhold_source,
)
from claimtrack.confidential.sealing import reset_opener
from claimtrack.model import Event, Link, Source

SOURCE_ID = "3f9k2abq0000zzzz"


def source(**fields: Any) -> Source:
    record: dict[str, Any] = {
        "id": SOURCE_ID,
        "name": "Real Name",
        "kind": "person",
        "role": "clerk at the ministry",
        "url": "https://example.org/profile",
        "aliases": ["R. Name"],
        "notes": "met at the station",
        "confidential": True,
        "reason": "fears for her job",
        "approved_by": "Desk Editor",
        "created": "2025-03-04T10:00:00.000000Z",
        "updated": "2025-03-04T10:00:00.000000Z",
        "author": "tester",
    }
    record.update(fields)
    return cast(Source, record)


def link(**fields: Any) -> Link:
    record: dict[str, Any] = {
        "id": "linkid0000000000",
        "claim": "claimid000000000",
        "source": SOURCE_ID,
        "relation": "said-by",
        "position": 0,
        "url": "https://example.org/interview",
        "quote": "her very words",
        "date": "2025-03-01",
        "note": None,
        "created": "2025-03-04T10:00:00.000000Z",
        "author": "tester",
    }
    record.update(fields)
    return cast(Link, record)


def test_pseudonym_is_derived_from_the_id_and_reads_back() -> None:
    assert pseudonym(source()) == "Confidential source 3f9k2ab"
    assert pseudonym_prefix("Confidential source 3f9k2ab") == "3f9k2ab"
    assert pseudonym_prefix("  Confidential source 3f9k2ab ") == "3f9k2ab"
    assert pseudonym_prefix("Confidential source 3F9K2AB") is None
    assert pseudonym_prefix("Confidential source 3f9k2a") is None
    assert pseudonym_prefix("A Confidential source 3f9k2ab") is None


def test_public_name_never_shows_a_protected_name() -> None:
    assert public_name(source()) == "Confidential source 3f9k2ab"
    assert public_name(source(confidential=False)) == "Real Name"
    assert is_confidential(source()) is True
    assert is_confidential(source(confidential=False)) is False
    assert is_confidential(None) is False


def test_withhold_source_keeps_only_what_names_no_one() -> None:
    hidden = withhold_source(source(merged=["otherid000000000"]))
    assert hidden["name"] == "Confidential source 3f9k2ab"
    assert hidden["aliases"] == []
    assert (hidden["role"], hidden["url"], hidden["notes"]) == (None, None, None)
    assert (hidden["reason"], hidden["approved_by"]) == (WITHHELD, WITHHELD)
    assert hidden.get("merged") is None
    assert (hidden["id"], hidden["kind"], hidden["confidential"]) == (SOURCE_ID, "person", True)
    assert hidden["created"] == "2025-03-04T10:00:00.000000Z"
    # The record given is not changed.
    assert source()["name"] == "Real Name"


def test_withhold_source_leaves_a_missing_reason_missing() -> None:
    hidden = withhold_source(source(reason=None, approved_by=""))
    assert hidden["reason"] is None
    assert hidden["approved_by"] == ""
    assert "merged" not in hidden


def test_withhold_link_and_its_snapshot() -> None:
    archive = {
        "at": "2025-03-04T10:00:00.000000Z",
        "requested": "https://example.org/interview",
        "url": "https://example.org/interview?final",
        "status": 200,
        "sha256": "a" * 64,
        "text_sha256": "b" * 64,
        "wayback": None,
    }
    hidden = withhold_link(link(archive=archive))
    assert (hidden["url"], hidden["quote"]) == (WITHHELD, WITHHELD)
    assert hidden["note"] is None  # nothing to withhold
    assert (hidden["relation"], hidden["date"], hidden["source"]) == (
        "said-by",
        "2025-03-01",
        SOURCE_ID,
    )
    kept = hidden.get("archive")
    assert kept is not None
    assert kept["at"] == "2025-03-04T10:00:00.000000Z"
    assert kept["status"] == 200
    assert [kept["requested"], kept["url"], kept["sha256"], kept["text_sha256"]] == [WITHHELD] * 4
    assert kept["wayback"] is None
    assert withhold_fields({"a": "x", "b": "", "c": 1}, ["a", "b"]) == {
        "a": WITHHELD,
        "b": "",
        "c": 1,
    }


def test_withhold_event_keeps_only_safe_fields() -> None:
    event = cast(
        Event,
        {
            "id": "e",
            "at": "t",
            "actor": "tester",
            "change": "c",
            "action": "edit",
            "kind": "source",
            "target": SOURCE_ID,
            "before": {"role": "clerk", "kind": "person"},
            "after": {"role": "minister", "kind": "organisation", "confidential": True},
        },
    )
    hidden = withhold_event(event)
    assert hidden["before"] == {"role": WITHHELD, "kind": "person"}
    assert hidden["after"] == {"role": WITHHELD, "kind": "organisation", "confidential": True}
    assert (hidden["actor"], hidden["target"]) == ("tester", SOURCE_ID)
    assert withhold_event(cast(Event, {**event, "before": None}))["before"] is None


def test_disclosure_hides_unless_revealed() -> None:
    protected, public = source(), source(id="publicid00000000", confidential=False)
    hiding, revealing = Disclosure(), Disclosure(reveal=True)
    assert hiding.hides(protected) is True
    assert hiding.hides(public) is False
    assert hiding.hides(None) is False
    assert revealing.hides(protected) is False
    assert hiding.hidden({SOURCE_ID: protected, "publicid00000000": public}) == {SOURCE_ID}
    assert revealing.hidden({SOURCE_ID: protected}) == set()
    assert hiding.name(protected) == "Confidential source 3f9k2ab"
    assert revealing.name(protected) == "Real Name"
    assert hiding.source(protected)["role"] is None
    assert revealing.source(protected)["role"] == "clerk at the ministry"
    assert hiding.source(public)["role"] == "clerk at the ministry"


@pytest.fixture
def no_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This user holds no identity (HOME is the test's own), read afresh."""
    monkeypatch.delenv("CLAIMTRACK_IDENTITY", raising=False)
    reset_opener()
    yield
    reset_opener()


@pytest.mark.usefixtures("no_identity")
def test_disclosure_never_reveals_a_sealed_source_to_a_non_recipient() -> None:
    # A sealed source this user cannot open: --reveal still shows the pseudonym.
    sealed = source(name="Confidential source 3f9k2ab", sealed="not a ciphertext")
    assert Disclosure(reveal=True).hides(sealed) is True
    assert Disclosure(reveal=True).name(sealed) == "Confidential source 3f9k2ab"


def test_unknown_source_fields_of_a_redacted_record() -> None:
    redacted = withhold_source(source())
    assert is_pseudonym_of(redacted) is True
    assert is_pseudonym_of(source()) is False
    assert unknown_source_fields(redacted) == {
        "name",
        "aliases",
        "merged",
        "reason",
        "approved_by",
        "role",
        "url",
        "notes",
    }
    # A whole record: nothing unknown; a public one with one WITHHELD field: that field.
    assert unknown_source_fields(source()) == frozenset()
    assert unknown_source_fields(source(confidential=False, notes=WITHHELD)) == {"notes"}


def test_known_link_and_known_event_drop_placeholders() -> None:
    redacted = withhold_link(link(note="called back"))
    known = known_link(redacted)
    assert (known["url"], known["quote"], known["note"]) == (None, None, None)
    assert known["relation"] == "said-by"
    # A field that happens to hold the placeholder outside the withheld set stays.
    assert known_link({"relation": WITHHELD})["relation"] == WITHHELD
    event = {
        "id": "e",
        "kind": "source",
        "before": None,
        "after": {"name": WITHHELD, "kind": "person", "confidential": True},
    }
    assert known_event(event) == {
        "id": "e",
        "kind": "source",
        "before": None,
        "after": {"kind": "person", "confidential": True},
    }
    assert event["after"] == {"name": WITHHELD, "kind": "person", "confidential": True}
