"""Unit tests of ``claimtrack.analysis.stats``: the counts of a small known database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claimtrack.analysis.stats import compute, tally
from claimtrack.db import Database
from claimtrack.store.counts import ClaimCounts
from claimtrack.views.presenter import ClaimFilter, Presenter
from tests.clock import freeze


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four claims in two stories; the Agency backs three of them (two ways on one),
    a confidential source one."""
    freeze(monkeypatch)
    path = tmp_path / "claims.json"
    with Database.open(path, write=True) as db:
        one = db.add_claim("One", story="budget", tags=["money", "city"], said_by=["Mayor"])
        two = db.add_claim("Two", story="budget", tags=["money"], status="false")
        three = db.add_claim("Three", story="floods", status="false", tags=["city", "money"])
        db.add_claim("Four")
        db.add_source("Agency", kind="organisation")
        secret = db.add_source("Insider", confidential=True)
        for claim in (one, two):
            db.link(claim["id"], "Agency", "reported-by")
        db.link(one["id"], "Agency", "supports")
        db.link(three["id"], "Agency", "disputes")
        db.link(two["id"], secret["id"], "said-by")
    return path


def counts(path: Path, flt: ClaimFilter, *, top: int = 20) -> Any:
    with Database.open(path) as db:
        return compute(db, flt.prepare(db), Presenter(db), top=top)


@pytest.mark.parametrize("index", ["never", "always"], ids=["in-memory", "cached"])
def test_counts_per_status_story_tag_and_source(
    path: Path, index: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", index)  # the index in memory, or the cache's
    found = counts(path, ClaimFilter())
    assert found["claims"] == 4
    assert found["by_status"] == [
        {"status": "unverified", "claims": 2},
        {"status": "false", "claims": 2},
    ]
    assert sorted(found["by_story"], key=lambda s: s["story"]) == [
        {"story": "(no story)", "claims": 1},
        {"story": "budget", "claims": 2},
        {"story": "floods", "claims": 1},
    ]
    assert found["by_tag"] == [{"tag": "money", "claims": 3}, {"tag": "city", "claims": 2}]
    sources = found["sources"]
    assert [s["name"] for s in sources] == ["Agency", sources[1]["name"], "Mayor"]
    assert sources[1]["name"].startswith("Confidential source ")
    agency = sources[0]
    assert {k: v for k, v in agency.items() if k not in ("id", "name")} == {
        "claims": 3,
        "said_by": 0,
        "reported_by": 2,
        "supports": 1,
        "disputes": 1,
    }
    assert (sources[1]["claims"], sources[1]["said_by"]) == (1, 1)
    assert (sources[2]["claims"], sources[2]["said_by"]) == (1, 1)


def test_counts_of_the_claims_a_filter_selects(path: Path) -> None:
    found = counts(path, ClaimFilter(statuses=["false"]))
    assert found["claims"] == 2
    assert found["by_status"] == [{"status": "false", "claims": 2}]
    assert sorted((s["story"], s["claims"]) for s in found["by_story"]) == [
        ("budget", 1),
        ("floods", 1),
    ]
    agency = next(s for s in found["sources"] if s["name"] == "Agency")
    assert (agency["claims"], agency["reported_by"], agency["supports"]) == (2, 1, 0)
    assert "Mayor" not in {s["name"] for s in found["sources"]}


def test_top_limits_tags_and_sources(path: Path) -> None:
    found = counts(path, ClaimFilter(), top=1)
    assert found["by_tag"] == [{"tag": "money", "claims": 3}]
    assert [s["name"] for s in found["sources"]] == ["Agency"]
    assert len(found["by_story"]) == 3  # stories are never cut


def test_an_empty_selection() -> None:
    assert tally(ClaimCounts(), {}, str, top=20) == {
        "claims": 0,
        "by_status": [],
        "by_story": [],
        "by_tag": [],
        "sources": [],
    }


def test_sources_with_as_many_claims_sort_by_name_case_folded() -> None:
    per_source = {
        "id-b": {"claims": 1, "said-by": 1},
        "id-a": {"claims": 1, "supports": 1},
        "id-c": {"claims": 2, "said-by": 2},
    }
    names = {"id-a": "Beta", "id-b": "alpha", "id-c": "zeta"}
    found = tally(ClaimCounts(), per_source, names.__getitem__, top=20)
    assert [(s["name"], s["claims"]) for s in found["sources"]] == [
        ("zeta", 2),
        ("alpha", 1),
        ("Beta", 1),
    ]


def test_only_sources_that_can_reach_the_top_are_named() -> None:
    per_source = {
        "id-a": {"claims": 3, "said-by": 3},
        "id-b": {"claims": 2, "said-by": 2},
        "id-c": {"claims": 2, "supports": 2},
        "id-d": {"claims": 1, "supports": 1},
    }
    named: list[str] = []

    def name(source_id: str) -> str:
        named.append(source_id)
        return {"id-b": "Zed", "id-c": "Abe"}.get(source_id, source_id)

    found = tally(ClaimCounts(), per_source, name, top=2)
    # id-b and id-c tie for second place: both are named, and the name decides.
    assert [s["id"] for s in found["sources"]] == ["id-a", "id-c"]
    assert sorted(named) == ["id-a", "id-b", "id-c"]
    assert tally(ClaimCounts(), per_source, name, top=0)["sources"] == []
