"""Unit tests of ``claimtrack.views.presenter`` and ``claimtrack.views``: the JSON contract's keys
and values of a claim with every kind of link and of its sources, a confidential
claimant among them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from claimtrack.confidential import WITHHELD
from claimtrack.confidential.sealing import reset_opener
from claimtrack.db import Database
from claimtrack.model import Archive, Source
from claimtrack.views.presenter import (
    Presenter,
    claim_view,
    link_view,
    source_claims,
    source_view,
    sources_sorted,
)
from tests.clock import freeze

ARCHIVE: Archive = {
    "at": "2025-03-04T10:00:00.000000Z",
    "requested": "https://example.org/said",
    "url": "https://example.org/said",
    "status": 200,
    "sha256": "a" * 64,
    "text_sha256": "b" * 64,
    "wayback": None,
}

CLAIM_KEYS = [
    "author",
    "created",
    "id",
    "notes",
    "quantities",
    "quote",
    "rating",
    "status",
    "story",
    "tags",
    "text",
    "said_by",
    "reported_by",
    "links",
]
LINK_KEYS = [
    "id",
    "relation",
    "source_id",
    "source",
    "url",
    "quote",
    "date",
    "note",
    "position",
    "archive",
    "verify",
]
SOURCE_KEYS = [
    "aliases",
    "approved_by",
    "author",
    "confidential",
    "created",
    "id",
    "kind",
    "name",
    "notes",
    "reason",
    "role",
    "updated",
    "url",
    "claims",
]


@pytest.fixture
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A claim said by a confidential source and by a public one, reported by two
    outlets (the second added first, then placed after), supported and disputed."""
    freeze(monkeypatch)
    path = tmp_path / "claims.json"
    with Database.open(path, write=True) as db:
        claim = db.add_claim("Rents rose 12% in a year", story="housing", tags=["rent"])
        secret = db.add_source(
            "Hidden Person",
            kind="person",
            role="tenant organiser",
            url="https://example.org/hp",
            aliases=["H. P."],
            confidential=True,
            reason="fear of eviction",
            approved_by="Desk Editor",
        )
        db.add_source("Tenants Union", kind="organisation", role="union")
        for name in ("Daily", "Weekly", "Statistics Office", "Landlords Lobby"):
            db.add_source(name)
        said = db.link(
            claim["id"],
            secret["id"],
            "said-by",
            url="https://example.org/said",
            quote="they doubled",
            note="called her",
        )
        db.record_archive(said["id"], ARCHIVE)
        db.link(claim["id"], "Tenants Union", "said-by")
        db.link(claim["id"], "Daily", "reported-by", url="https://example.org/d", date="2025-03-01")
        db.link(claim["id"], "Weekly", "reported-by", date="2025-03-02")
        db.link(claim["id"], "Statistics Office", "supports", quote="up 12%")
        db.link(claim["id"], "Landlords Lobby", "disputes")
        other = db.add_claim("Older claim", said_by=["Tenants Union"])
    return {"path": path, "claim": claim["id"], "secret": secret["id"], "other": other["id"]}


def view_of(made: dict[str, Any], *, reveal: bool = False) -> Any:
    with Database.open(made["path"]) as db:
        return claim_view(db.claim_by_id(made["claim"]), Presenter(db, reveal=reveal))


def test_claim_view_keys_and_values(made: dict[str, Any]) -> None:
    view = view_of(made)
    assert sorted(view) == sorted([*CLAIM_KEYS, "updated"])
    pseudonym = f"Confidential source {made['secret'][:7]}"
    assert view["id"] == made["claim"]
    assert (view["text"], view["story"], view["tags"]) == (
        "Rents rose 12% in a year",
        "housing",
        ["rent"],
    )
    assert (view["status"], view["rating"], view["quote"]) == ("unverified", None, None)
    assert view["author"] == "tester"
    assert view["created"].startswith("2025-03-04T10:00:00.")
    assert view["said_by"] == [pseudonym, "Tenants Union"]
    assert view["reported_by"] == ["Daily", "Weekly"]
    chain = [(k["relation"], k["source"], k["position"]) for k in view["links"]]
    assert chain == [
        ("said-by", pseudonym, 0),
        ("said-by", "Tenants Union", 1),
        ("reported-by", "Daily", 0),
        ("reported-by", "Weekly", 1),
        ("supports", "Statistics Office", 0),
        ("disputes", "Landlords Lobby", 0),
    ]
    for link in view["links"]:
        assert list(link) == LINK_KEYS
    assert "merged" not in view


def test_a_confidential_claimants_link_is_withheld(made: dict[str, Any]) -> None:
    hidden = view_of(made)["links"][0]
    assert hidden["source_id"] == made["secret"]
    assert (hidden["url"], hidden["quote"], hidden["note"]) == (WITHHELD, WITHHELD, WITHHELD)
    assert hidden["archive"]["at"] == ARCHIVE["at"]
    assert hidden["archive"]["status"] == 200
    assert hidden["archive"]["sha256"] == WITHHELD
    assert hidden["archive"]["requested"] == WITHHELD
    assert hidden["verify"] is None
    public = view_of(made)["links"][2]
    assert (public["url"], public["date"], public["quote"]) == (
        "https://example.org/d",
        "2025-03-01",
        None,
    )
    assert view_of(made)["links"][4]["quote"] == "up 12%"


def test_reveal_shows_the_confidential_claimant(made: dict[str, Any]) -> None:
    view = view_of(made, reveal=True)
    assert view["said_by"] == ["Hidden Person", "Tenants Union"]
    shown = view["links"][0]
    assert (shown["url"], shown["quote"], shown["note"]) == (
        "https://example.org/said",
        "they doubled",
        "called her",
    )
    assert shown["archive"] == ARCHIVE


def test_source_view_of_a_public_and_a_confidential_source(made: dict[str, Any]) -> None:
    with Database.open(made["path"]) as db:
        hiding = Presenter(db)
        union = source_view(db.get_source("Tenants Union"), hiding)
        secret = db.get_source(made["secret"])
        hidden = source_view(secret, hiding)
        revealed = source_view(secret, Presenter(db, reveal=True))
    assert list(union) == SOURCE_KEYS
    assert (union["name"], union["kind"], union["role"], union["claims"]) == (
        "Tenants Union",
        "organisation",
        "union",
        2,
    )
    assert list(hidden) == SOURCE_KEYS
    assert hidden["name"] == f"Confidential source {made['secret'][:7]}"
    assert (hidden["aliases"], hidden["role"], hidden["url"], hidden["notes"]) == (
        [],
        None,
        None,
        None,
    )
    assert (hidden["reason"], hidden["approved_by"]) == (WITHHELD, WITHHELD)
    assert (hidden["confidential"], hidden["kind"], hidden["claims"]) == (True, "person", 1)
    assert (revealed["name"], revealed["aliases"], revealed["reason"]) == (
        "Hidden Person",
        ["H. P."],
        "fear of eviction",
    )


def test_link_view_of_a_missing_source(made: dict[str, Any]) -> None:
    with Database.open(made["path"]) as db:
        link = dict(db.links_of_claim(made["claim"])[0])
        link["source"] = "nosuchsource0000"
        view = link_view(link, Presenter(db))  # type: ignore[arg-type]
    assert view["source"] == "(missing source nosuchs)"
    assert view["source_id"] == "nosuchsource0000"


def test_source_claims_newest_first_with_relations(made: dict[str, Any]) -> None:
    with Database.open(made["path"], write=True) as db:
        db.link(made["claim"], "Tenants Union", "supports")
    with Database.open(made["path"]) as db:
        union = db.get_source("Tenants Union")
        pairs = source_claims(union, db, Presenter(db))
    assert [(relations, claim["id"]) for relations, claim in pairs] == [
        ("said-by", made["other"]),
        ("said-by, supports", made["claim"]),
    ]


def test_sources_sorted_by_the_name_shown(made: dict[str, Any]) -> None:
    with Database.open(made["path"]) as db:
        presenter = Presenter(db)
        ordered = sources_sorted(db.source_list(), presenter.disclosure)
        names = [presenter.name(s["id"]) for s in ordered]
    # The confidential source sorts as its pseudonym ("C..."), not its name ("H...").
    assert names == [
        f"Confidential source {made['secret'][:7]}",
        "Daily",
        "Landlords Lobby",
        "Statistics Office",
        "Tenants Union",
        "Weekly",
    ]


def test_merged_shows_only_on_a_record_that_absorbed_others(made: dict[str, Any]) -> None:
    with Database.open(made["path"]) as db:
        presenter = Presenter(db)
        claim = db.claim_by_id(made["claim"])
        undone = claim_view({**claim, "merged": None}, presenter)
        merged = claim_view({**claim, "merged": ["absorbed00000000"]}, presenter)
        source = db.get_source("Daily")
        undone_source = source_view({**source, "merged": []}, presenter)
        secret = db.get_source(made["secret"])
        hidden = source_view({**secret, "merged": ["absorbed00000000"]}, presenter)
    assert "merged" not in undone
    assert merged["merged"] == ["absorbed00000000"]
    assert "merged" not in undone_source
    # A confidential source's merged IDs would name the public ones it absorbed.
    assert "merged" not in hidden


def test_a_sealed_records_ciphertext_is_no_ones_to_read(
    made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAIMTRACK_IDENTITY", raising=False)
    reset_opener()  # no identity: the sealed value is not opened
    try:
        with Database.open(made["path"]) as db:
            daily = db.get_source("Daily")
            sealed = cast(Source, {**daily, "sealed": "ciphertext", "commitment": "c"})
            view = source_view(sealed, Presenter(db))
    finally:
        reset_opener()
    assert list(view) == SOURCE_KEYS
    assert view["name"] == "Daily"
