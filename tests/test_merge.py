"""Merging claims and sources (issue 20): what moves, what old IDs find, undo, and a
merge that meets a colleague's edit across a real git merge."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimtrack.cli.context import Environment
from claimtrack.db import Database
from claimtrack.errors import ValidationError
from claimtrack.merging import apply, plan_claims
from tests.helpers import SECRETS, Cli, add_confidential_source
from tests.test_team import ct, git_env, make_pair, sh

__all__ = ["git_env"]  # the fixture, shared with tests/test_team.py

RawDb = Callable[[], dict[str, Any]]


def records(raw: dict[str, Any]) -> dict[str, Any]:
    """The claims, sources and links of a database file (its history left out)."""
    return {table: raw[table] for table in ("claims", "sources", "links")}


@pytest.fixture(params=["always", "never"])
def twins(
    cli: Cli, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """Two claims that are one: the second with a note, another tag, a link to a source
    the first has (same relation, a URL the first lacks) and a reporter it has not.
    Read through the sidecar index and without it: the same answers either way."""
    monkeypatch.setenv("CLAIMTRACK_INDEX", request.param)
    first = cli.add(
        "At least 12 people were deported from Serbia",
        "--said-by",
        "Ada Kim",
        "--reported-by",
        "AP",
        "--tag",
        "serbia",
        "--no-dupe-check",
    )
    second = cli.add(
        "A dozen people were expelled from Serbia",
        "--said-by",
        "Ada Kim",
        "--reported-by",
        "AP",
        "--reported-by",
        "N1",
        "--tag",
        "russia",
        "--story",
        "refugees",
        "--no-dupe-check",
    )
    cli("link", second, "Ada Kim", "--as", "said-by", "--url", "https://kim.example/post")
    cli("note", second, "Called the ministry")
    return first, second


def test_merge_moves_links_notes_tags_and_quantities_to_the_first(
    cli: Cli, twins: tuple[str, str]
) -> None:
    first, second = twins
    merged = cli.json("merge", first, second, "--yes")
    assert merged["id"] == first
    assert merged["merged"] == [second]
    assert merged["text"] == "At least 12 people were deported from Serbia"
    assert merged["tags"] == ["serbia", "russia"]
    assert merged["story"] == "refugees"  # the survivor had none
    assert [q["value"] for q in merged["quantities"]] == [12, 12]
    notes = [n["text"] for n in merged["notes"]]
    assert notes[0] == "Called the ministry"
    assert notes[1].startswith(f"Merged claim {second[:7]} into this one")
    assert notes[1].endswith("A dozen people were expelled from Serbia")
    # One link per source and relation; the chain of attribution keeps its order.
    assert merged["said_by"] == ["Ada Kim"]
    assert merged["reported_by"] == ["AP", "N1"]
    said = [k for k in merged["links"] if k["relation"] == "said-by"]
    assert said[0]["url"] == "https://kim.example/post"  # taken from the duplicate
    assert [k["position"] for k in merged["links"] if k["relation"] == "reported-by"] == [0, 1]
    assert [c["id"] for c in cli.jsonl("list")] == [first]


def test_an_old_id_finds_the_claim_it_was_merged_into(
    cli: Cli, twins: tuple[str, str], db_path: Path
) -> None:
    first, second = twins
    cli("merge", first, second, "--yes")
    assert cli.json("show", second)["id"] == first
    assert cli.json("show", second[:7])["id"] == first
    noted = cli.json("note", second[:7], "A note sent to the old ID")
    assert noted["id"] == first
    bundle = json.loads(cli("export", "--format", "json").stdout)
    assert [c["id"] for c in bundle["claims"]] == [first]
    with Database.open(db_path) as db:
        assert db.structural_problems() == []
    # Its history is the survivor's too.
    logged = cli.jsonl("log", first)
    assert any(e["target"] == second and e["action"] == "add" for e in logged)


def test_one_undo_reverts_the_whole_merge(cli: Cli, twins: tuple[str, str], raw_db: RawDb) -> None:
    first, second = twins
    before = records(raw_db())
    cli("merge", first, second, "--yes")
    assert records(raw_db()) != before
    cli("undo")
    after = records(raw_db())
    # The survivor keeps a null "merged" (the event's record of an absent field).
    assert after["claims"][first].pop("merged") is None
    assert after == before
    assert "merged" not in cli.json("show", first)
    assert cli.json("show", second)["id"] == second


def test_dry_run_says_what_would_happen_and_changes_nothing(
    cli: Cli, twins: tuple[str, str], db_path: Path
) -> None:
    first, second = twins
    raw = db_path.read_bytes()
    result = cli("merge", first, second, "--dry-run", "--format", "jsonl")
    assert json.loads(result.stdout) == {"id": second, "into": first, "kind": "claim", "links": 3}
    assert "1 link moved, 2 duplicate links folded" in result.stderr
    assert db_path.read_bytes() == raw


def test_merge_asks_on_a_terminal_and_refuses_in_a_script(
    cli: Cli, twins: tuple[str, str], db_path: Path
) -> None:
    first, second = twins
    raw = db_path.read_bytes()
    refused = cli("merge", first, second, code=1)
    assert refused.stderr.startswith("Error: refusing to merge without confirmation")
    terminal = Environment(stdin_isatty=True)
    declined = cli("merge", first, second, input="n\n", env=terminal)
    assert "Nothing merged." in declined.stderr
    assert "A dozen people were expelled from Serbia" in declined.stderr  # what it asked
    assert db_path.read_bytes() == raw
    cli("merge", first, second, input="y\n", env=terminal)
    assert [c["id"] for c in cli.jsonl("list")] == [first]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{first}"], "a merge needs two claims or more"),
        (["{first}", "{first}"], "is named twice"),
        (["{first}", "zzzzzzz"], "no claim matches 'zzzzzzz'"),
    ],
)
def test_bad_merges_are_one_line_errors(
    cli: Cli, twins: tuple[str, str], args: list[str], message: str
) -> None:
    first, _ = twins
    result = cli("merge", *(a.format(first=first) for a in args), "--yes", code=1)
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_merging_an_old_id_into_its_survivor_is_refused(cli: Cli, twins: tuple[str, str]) -> None:
    first, second = twins
    cli("merge", first, second, "--yes")
    assert "is named twice" in cli("merge", first, second, "--yes", code=1).stderr


def test_a_chain_of_merges_resolves_in_one_step(cli: Cli, twins: tuple[str, str]) -> None:
    first, second = twins
    third = cli.add("Twelve Russians were expelled", "--no-dupe-check")
    cli("merge", first, second, "--yes")
    merged = cli.json("merge", third, first, "--yes")
    assert merged["merged"] == [first, second]
    assert cli.json("show", second)["id"] == third


def test_merge_through_the_core_api(db_path: Path, cli: Cli, twins: tuple[str, str]) -> None:
    first, second = twins
    with Database.open(db_path) as db:
        plan = plan_claims(db, [first, second])
        assert (plan.moved, plan.folded) == (1, 2)
    with Database.open(db_path, write=True) as db:
        apply(db, plan_claims(db, [first, second]))
    with Database.open(db_path) as db:
        assert db.get_claim(second)["id"] == first
        with pytest.raises(ValidationError):
            plan_claims(db, [first])


# -- sources ------------------------------------------------------------------------------


def test_source_merge_makes_names_aliases_and_moves_links(cli: Cli) -> None:
    one = cli.add("The border was closed", "--said-by", "Ada Kim", "--no-dupe-check")
    two = cli.add("Forty people crossed", "--said-by", "Mr Kim", "--no-dupe-check")
    both = cli.add("The camp is full", "--said-by", "Ada Kim", "--no-dupe-check")
    cli("link", both, "Mr Kim", "--as", "said-by", "--quote", "It is full")
    cli("source", "edit", "Mr Kim", "--add-alias", "A. Kim")
    merged = cli.json("source", "merge", "Ada Kim", "Mr Kim", "--yes")
    assert merged["name"] == "Ada Kim"
    assert merged["aliases"] == ["Mr Kim", "A. Kim"]
    assert merged["claims"] == 3
    assert [s["name"] for s in cli.jsonl("source", "list")] == ["Ada Kim"]
    assert cli.json("show", two)["said_by"] == ["Ada Kim"]
    folded = cli.json("show", both)
    assert folded["said_by"] == ["Ada Kim"]
    assert folded["links"][0]["quote"] == "It is full"
    assert cli.json("show", one)["said_by"] == ["Ada Kim"]
    # The old name finds the survivor; so does the old ID.
    assert cli.json("source", "show", "Mr Kim")["name"] == "Ada Kim"
    cli("undo")
    assert sorted(s["name"] for s in cli.jsonl("source", "list")) == ["Ada Kim", "Mr Kim"]
    assert cli.json("show", two)["said_by"] == ["Mr Kim"]
    assert cli.json("show", both)["said_by"] == ["Ada Kim", "Mr Kim"]


def test_a_merged_source_id_finds_the_survivor(cli: Cli) -> None:
    cli("source", "add", "Ada Kim")
    old = cli.json("source", "add", "Mr Kim")["id"]
    cli("source", "merge", "Ada Kim", "Mr Kim", "--yes")
    assert cli.json("source", "show", old[:7])["name"] == "Ada Kim"


def test_merging_a_confidential_source_into_a_public_one_keeps_it_confidential(
    cli: Cli, db_path: Path
) -> None:
    claim = add_confidential_source(cli)
    cli("source", "add", "Ministry spokesperson", "--kind", "person")
    raw = db_path.read_bytes()
    refused = cli("source", "merge", "Ministry spokesperson", "Olga Hiddenova", code=1)
    assert "refusing to merge" in refused.stderr
    terminal = Environment(stdin_isatty=True)
    asked = cli(
        "source", "merge", "Ministry spokesperson", "Olga Hiddenova", input="n\n", env=terminal
    )
    assert "after the merge the source is confidential" in asked.stderr
    assert db_path.read_bytes() == raw
    merged = cli.json("source", "merge", "Ministry spokesperson", "Olga Hiddenova", "--yes")
    assert merged["confidential"] is True
    assert merged["name"].startswith("Confidential source ")
    assert "merged" not in merged
    shown = cli("show", claim, "--format", "json").stdout
    exported = cli("export", "--format", "json").stdout
    listed = cli("source", "list", "--format", "jsonl").stdout
    for secret in (*SECRETS, "Ministry spokesperson"):
        assert secret not in shown + exported + listed + merged["name"]
    revealed = cli.json("source", "show", "Ministry spokesperson", "--reveal")
    assert "Olga Hiddenova" in revealed["aliases"]


def test_a_confidential_survivor_stays_confidential(cli: Cli) -> None:
    add_confidential_source(cli)
    cli("source", "add", "O. Hiddenova")
    merged = cli.json("source", "merge", "Olga Hiddenova", "O. Hiddenova", "--yes")
    assert merged["confidential"] is True
    assert "Hiddenova" not in json.dumps(merged)


# -- across a git merge -------------------------------------------------------------------


@pytest.mark.slow
def test_a_merge_on_one_desk_meets_an_edit_on_the_other(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    a, b = make_pair(tmp_path, git_env)
    first = ct(a, git_env, "add", "Twelve people were deported", "-q", "--no-dupe-check").strip()
    second = ct(a, git_env, "add", "A dozen were expelled", "-q", "--no-dupe-check").strip()
    sh(["git", "commit", "-qam", "two claims"], a, git_env)
    sh(["git", "pull", "-q", "--no-rebase"], b, git_env)
    # Desk A merges the second claim into the first ...
    ct(a, git_env, "merge", first, second, "--yes")
    sh(["git", "commit", "-qam", "merged"], a, git_env)
    # ... while desk B works on the second: a note, a tag, a status, a new link.
    ct(b, git_env, "note", second, "Ministry confirmed by phone", user="ben")
    ct(b, git_env, "edit", second, "--add-tag", "deportations", user="ben")
    ct(b, git_env, "status", second, "verified", user="ben")
    ct(b, git_env, "link", second, "Reuters", "--as", "reported-by", "--create", user="ben")
    sh(["git", "commit", "-qam", "checked"], b, git_env)
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit"], b, git_env)
    listed = [json.loads(line) for line in ct(b, git_env, "list", "-f", "jsonl").splitlines()]
    ours = [c for c in listed if c["id"] in (first, second)]
    assert [c["id"] for c in ours] == [first]  # the merged claim did not come back
    survivor = ours[0]
    assert survivor["merged"] == [second]
    assert "deportations" in survivor["tags"]
    assert survivor["reported_by"] == ["Reuters"]
    notes = [n["text"] for n in survivor["notes"]]
    assert "Ministry confirmed by phone" in notes
    assert any("status 'verified'" in n and second[:7] in n for n in notes)
    assert survivor["status"] == "unverified"  # the survivor's verdict is not overwritten
    assert json.loads(ct(b, git_env, "show", second, "-f", "json"))["id"] == first
    assert "merge-kept" not in survivor["tags"]
    status = sh(["git", "status", "--porcelain"], b, git_env)
    assert "claims.json" not in status  # merged cleanly and committed


def test_rm_by_an_old_id_removes_the_survivor_with_its_links(
    cli: Cli, twins: tuple[str, str], db_path: Path
) -> None:
    first, second = twins
    cli("merge", first, second, "--yes")
    removed = cli.jsonl("rm", second[:7], "--yes")
    assert [c["id"] for c in removed] == [first]
    with Database.open(db_path) as db:
        assert db.structural_problems() == []  # no link left pointing at nothing
        assert db.links_of_claim(first) == []


def test_a_source_by_part_of_its_name_keeps_its_links_in_a_writing_command(
    cli: Cli, db_path: Path
) -> None:
    """Looking for a merged ID reads the whole sources table: the index must still
    find the links of a source it holds (``IndexedSnapshot.links_of``)."""
    cli.add("The border was closed", "--said-by", "Predrag Petrovic", "--no-dupe-check")
    cli("source", "rm", "Petrovic", "--yes")
    with Database.open(db_path) as db:
        assert db.structural_problems() == []
        assert db.links.all() == []


@pytest.fixture
def verified_and_duplicate(cli: Cli) -> tuple[str, str]:
    """A verified claim ("13%") and a duplicate with another claimant and "11%"."""
    kept = cli.add(
        "The mayor's approval rating was 13%", "--said-by", "Pollster Desk", "--no-dupe-check"
    )
    cli("status", kept, "verified", "--rating", "Accurate")
    other = cli.add(
        "The mayor's approval rating was 11%", "--said-by", "Wrong Person", "--no-dupe-check"
    )
    return kept, other


def test_merging_into_a_claim_with_a_verdict_leaves_new_claimants_out_in_a_script(
    cli: Cli, verified_and_duplicate: tuple[str, str]
) -> None:
    kept, other = verified_and_duplicate
    planned = cli("merge", kept, other, "--dry-run")
    assert "0 links moved, 1 said-by link(s) left out" in planned.stderr
    result = cli("merge", kept, other, "--yes", "--format", "json")
    merged = json.loads(result.stdout)
    assert merged["said_by"] == ["Pollster Desk"]
    assert "Warning: claim" in result.stderr and "Wrong Person not added" in result.stderr
    assert [q["text"] for q in merged["quantities"]] == ["13%"]  # 11% contradicts it
    note = merged["notes"][-1]["text"]
    assert "said-by 'Wrong Person'" in note and "quantity '11%'" in note
    cli("undo")
    assert cli.json("show", other)["said_by"] == ["Wrong Person"]  # undo restores it


def test_merging_into_a_claim_with_a_verdict_asks_before_adding_a_claimant(
    cli: Cli, verified_and_duplicate: tuple[str, str]
) -> None:
    kept, other = verified_and_duplicate
    terminal = Environment(stdin_isatty=True)
    asked = cli("merge", kept, other, "--format", "json", input="y\ny\n", env=terminal)
    assert "is verified: add said-by Wrong Person" in asked.stderr
    shown = asked.stdout[asked.stdout.index("{") :]  # after the answers echoed
    assert json.loads(shown)["said_by"] == ["Pollster Desk", "Wrong Person"]


def test_add_claimants_adds_them_and_an_open_claim_takes_them_unasked(cli: Cli) -> None:
    kept = cli.add("Rents rose 5% in 2023", "--said-by", "Agency", "--no-dupe-check")
    other = cli.add("Rents went up 5% last year", "--said-by", "Ministry", "--no-dupe-check")
    merged = cli.json("merge", kept, other, "--yes")
    assert merged["said_by"] == ["Agency", "Ministry"]  # unverified: no verdict to guard
    cli("undo")
    cli("status", kept, "false")
    merged = cli.json("merge", kept, other, "--yes", "--add-claimants")
    assert merged["said_by"] == ["Agency", "Ministry"]
