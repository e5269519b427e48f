"""History, undo/redo, the pre-publication check, confidentiality and stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SECRETS, Cli, add_confidential_source


def state(cli: Cli) -> tuple[list[dict[str, object]], list[dict[str, object]], bytes]:
    return cli.json("list"), cli.json("source", "list"), b""


def snapshot(cli: Cli) -> dict[str, object]:
    data = json.loads(cli.db_path.read_text())
    return {k: data[k] for k in ("claims", "sources", "links")}


# -- log ---------------------------------------------------------------------------------------


def test_log_records_who_when_and_what(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    claim = cli.add("First wording", "--said-by", "Agency")
    cli("edit", claim, "--text", "Second wording")
    cli("status", claim, "checking")
    events = cli.jsonl("log", claim)
    assert [e["action"] for e in events] == ["status", "edit", "link", "add"]
    edit = events[1]
    assert edit["actor"] == "tester"
    assert edit["before"] == {"text": "First wording", "updated": edit["before"]["updated"]}
    assert edit["after"]["text"] == "Second wording"
    assert "First wording → Second wording" in edit["summary"]
    assert events[0]["at"] > events[-1]["at"]
    everything = cli.jsonl("log")
    assert {e["kind"] for e in everything} == {"claim", "source", "link"}
    table = cli("log", claim[:5], "--format", "table").stdout
    assert "status: unverified → checking" in table


def test_log_of_a_deleted_claim_and_unknown_id(cli: Cli) -> None:
    claim = cli.add("Soon gone")
    cli("rm", claim, "--yes")
    assert [e["action"] for e in cli.jsonl("log", claim)] == ["rm", "add"]
    assert "no claim, source, link or change" in cli("log", "zzzzzz", code=1).stderr
    # An empty ID is a mistake, not a request for the whole history.
    assert "no claim, source, link or change" in cli("log", "", code=1).stderr
    assert "must be 0 or more" in cli("log", "-n", "-1", code=2).stderr


def test_log_keeps_the_newest_events_and_counts_them_all(cli: Cli) -> None:
    for number in range(6):
        cli.add(f"Claim number {number}")
    everything = cli.jsonl("log")
    assert [e["id"] for e in cli.jsonl("log", "-n", "4")] == [e["id"] for e in everything[:4]]
    assert cli("log", "-n", "0").stdout == ""
    assert [(e["at"], e["id"]) for e in everything] == sorted(
        ((e["at"], e["id"]) for e in everything), reverse=True
    )


def test_actor_falls_back_to_git_user_name(cli: Cli, tmp_path: Path) -> None:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Ana Reporter\n")
    env = {k: v for k, v in os.environ.items() if k != "CLAIMTRACK_USER"}
    env["GIT_CONFIG_GLOBAL"] = str(gitconfig)
    subprocess.run(
        [sys.executable, "-m", "claimtrack", "--db", str(cli.db_path), "add", "x", "-q"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert cli.jsonl("log")[0]["actor"] == "Ana Reporter"


# -- undo / redo -------------------------------------------------------------------------------


def test_undo_every_kind_of_change_and_redo(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "Associated Press", "--alias", "AP")
    base = cli.add("Base claim", "--said-by", "Someone", "--reported-by", "AP")
    history: list[dict[str, object]] = [snapshot(cli)]
    steps = [
        ("add", "A new claim", "--said-by", "New Source", "--reported-by", "AP"),
        ("edit", base, "--text", "Edited", "--add-tag", "x"),
        ("status", base, "checking", "--note", "why"),
        ("note", base, "a note"),
        ("link", base, "AP", "--as", "supports", "--url", "https://a.example"),
        ("unlink", base, "AP", "--as", "reported-by"),
        ("source", "edit", "AP", "--role", "agency", "--add-alias", "The AP"),
        ("source", "add", "Another"),
        ("source", "rm", "Someone", "--yes"),
        ("rm", base, "--yes"),
    ]
    for step in steps:
        cli(*step)
        history.append(snapshot(cli))
    bundle = tmp_path / "more.json"
    other = Cli(tmp_path / "other.json")
    other.add("Imported claim", "--said-by", "Imported Source")
    other("export", "-o", str(bundle))
    cli("import", str(bundle))
    history.append(snapshot(cli))
    assert len(cli.jsonl("list")) == 2
    # Walk all the way back, checking each state, then forward again with redo.
    for expected in reversed(history[:-1]):
        dry = cli.db_path.read_bytes()
        cli("undo", "--dry-run")
        assert cli.db_path.read_bytes() == dry
        cli("undo")
        assert snapshot(cli) == expected
    for expected in history[1:3]:
        cli("redo")
        assert snapshot(cli) == expected


def test_undo_of_an_import_with_updates(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("Shared claim")
    exported = tmp_path / "shared.json"
    cli("export", "-o", str(exported))
    other = Cli(tmp_path / "other.json")
    other("import", str(exported))
    other("status", claim, "verified")
    other.add("Brand new")
    other("export", "-o", str(exported))
    before = snapshot(cli)
    cli("import", str(exported))
    assert cli.json("show", claim)["status"] == "verified"
    cli("undo")
    assert snapshot(cli) == before


def test_nothing_to_undo_or_redo(cli: Cli) -> None:
    assert "nothing to undo" in cli("undo", code=1).stderr
    cli.add("one")
    assert "nothing to redo" in cli("redo", code=1).stderr
    cli("undo")
    cli.add("two")  # a new change after an undo ends what can be redone
    assert "nothing to redo" in cli("redo", code=1).stderr
    assert [c["text"] for c in cli.jsonl("list")] == ["two"]


def test_undo_is_recorded(cli: Cli) -> None:
    claim = cli.add("x")
    cli("undo")
    actions = [e["action"] for e in cli.jsonl("log")]
    assert actions[:2] == ["undo", "undo"]  # the marker and the removal
    assert cli.jsonl("log", claim)[0]["action"] == "undo"


def test_undo_after_undo_and_redo_reverts_the_change_redone(cli: Cli) -> None:
    # A redo puts the undone change back in effect: the next undo reverts it again, not
    # an older change (which here would delete the source the newer claim cites).
    cli.add("first", "--said-by", "Ministry")
    cli.add("second", "--said-by", "Ministry")
    cli("undo")
    cli("redo")
    cli("undo")
    assert [c["text"] for c in cli.jsonl("list")] == ["first"]
    assert [s["name"] for s in cli.jsonl("source", "list")] == ["Ministry"]
    problems = cli("check", "--format", "jsonl", code=1).stdout.splitlines()
    assert [json.loads(p)["code"] for p in problems] == ["unreported", "open-status"]
    cli("redo")
    cli("undo")
    cli("undo")
    assert cli.jsonl("list") == [] and cli.jsonl("source", "list") == []
    cli("redo")
    assert [c["text"] for c in cli.jsonl("list")] == ["first"]


# -- check -------------------------------------------------------------------------------------


def clean_story(cli: Cli) -> str:
    cli("source", "add", "Interior Ministry", "--kind", "organisation")
    cli("source", "add", "Court records", "--kind", "document")
    cli("source", "add", "Associated Press", "--kind", "publication")
    claim = cli.add(
        "The ministry banned 12 people from entry",
        "--story",
        "clean",
        "--said-by",
        "Interior Ministry",
    )
    cli("link", claim, "Court records", "--as", "supports", "--url", "https://c.example")
    cli(
        "link",
        claim,
        "Associated Press",
        "--as",
        "reported-by",
        "--url",
        "https://apnews.com/x",
        "--date",
        "2024-02-25",
    )
    cli("status", claim, "verified")
    mark_archived(cli, claim)
    return claim


def mark_archived(cli: Cli, claim: str) -> None:
    """Record a snapshot on each of the claim's links with a URL, through the core API as
    ``claimtrack archive`` would (tests/test_evidence.py fetches real pages): a clean
    story's evidence is archived (the ``unarchived`` rule)."""
    from claimtrack.db import Database

    with Database.open(cli.db_path, write=True) as db:
        for link in db.links_of_claim(db.get_claim(claim)["id"]):
            if link["url"]:
                db.record_archive(
                    link["id"],
                    {
                        "at": "2024-02-26T10:00:00.000000Z",
                        "requested": link["url"],
                        "url": link["url"],
                        "status": 200,
                        "sha256": "0" * 64,
                        "text_sha256": "1" * 64,
                        "wayback": None,
                    },
                )


def codes(cli: Cli, *args: str) -> list[str]:
    result = cli("check", *args, "--format", "jsonl", code=1)
    return sorted({json.loads(line)["code"] for line in result.stdout.splitlines()})


def test_check_clean_story_exits_0(cli: Cli) -> None:
    clean_story(cli)
    result = cli("check", "--story", "clean")
    assert result.stdout == "" and "Clean: 1 claim(s) checked" in result.stderr


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("unlink", "{c}", "Interior Ministry"), "unattributed two-sources"),
        (("unlink", "{c}", "Court records"), "two-sources"),
        (("status", "{c}", "checking"), "open-status"),
        (("status", "{c}", "disputed"), "open-status"),
        (("status", "{c}", "false"), "false-in-story"),
        (("link", "{c}", "Outlet", "--as", "reported-by", "--create"), "reported-by-link"),
    ],
)
def test_each_rule_fails_the_check(cli: Cli, change: tuple[str, ...], code: str) -> None:
    claim = clean_story(cli)
    cli(*[part.format(c=claim) for part in change])
    assert codes(cli, "--story", "clean") == sorted(code.split())
    disabled = [part for rule in code.split() for part in ("--disable", rule)]
    assert cli("check", "--story", "clean", *disabled).exit_code == 0


def test_a_claim_nobody_reported_fails_the_check_unless_a_note_says_why(cli: Cli) -> None:
    claim = clean_story(cli)
    cli("unlink", claim, "Associated Press")
    assert codes(cli, "--story", "clean") == ["unreported"]
    assert cli("check", "--story", "clean", "--disable", "unreported").exit_code == 0
    cli("note", claim, "Unreported: our own finding from the court files")
    assert cli("check", "--story", "clean").exit_code == 0


@pytest.mark.parametrize("status", ["checking", "unverified"])
def test_a_claim_reopened_loses_its_rating_which_history_keeps(cli: Cli, status: str) -> None:
    claim = cli.add("The bridge cost 40 million")
    cli("status", claim, "verified", "--rating", "Accurate")
    cli("status", claim, status)
    assert cli.json("show", claim)["rating"] is None
    log = cli.jsonl("log", claim)
    assert any((e["before"] or {}).get("rating") == "Accurate" for e in log)
    cli("status", claim, "verified", "--rating", "Accurate")
    cli("status", claim, "disputed")  # another verdict: the wording stays until changed
    assert cli.json("show", claim)["rating"] == "Accurate"
    cli("status", claim, "checking", "--rating", "Under review")  # given: kept
    assert cli.json("show", claim)["rating"] == "Under review"


def test_unattributed_claim_with_a_note_saying_why_passes(cli: Cli) -> None:
    claim = clean_story(cli)
    cli("unlink", claim, "Interior Ministry")
    cli("link", claim, "Other documents", "--as", "supports", "--create")
    cli("note", claim, "Unattributed: the figure is from our own count of court files")
    assert cli("check", "--story", "clean").exit_code == 0


def test_allegation_needs_two_sources_and_reporters_do_not_count(cli: Cli) -> None:
    claim = cli.add(
        "The mayor is accused of fraud",
        "--story",
        "s",
        "--said-by",
        "Rival",
        "--reported-by",
        "Paper A",
        "--reported-by",
        "Paper B",
    )
    cli("status", claim, "verified")
    assert "two-sources" in codes(cli, "--story", "s", "--disable", "reported-by-link")
    cli("link", claim, "Audit report", "--as", "supports", "--create")
    assert cli("check", "--story", "s", "--disable", "reported-by-link").exit_code == 0


def test_anonymity_rule_needs_reason_and_approval(cli: Cli) -> None:
    claim = clean_story(cli)
    cli("source", "add", "Insider", "--confidential", "--reason", "fears for job")
    cli("link", claim, "Insider", "--as", "supports")
    assert codes(cli, "--story", "clean") == ["anonymity"]
    cli("source", "edit", "Insider", "--approved-by", "M. Editor")
    assert cli("check", "--story", "clean").exit_code == 0


def test_check_rules_switched_off_in_config(cli: Cli) -> None:
    claim = clean_story(cli)
    cli("status", claim, "checking")
    config = cli.db_path.with_name("claimtrack.toml")
    config.write_text('[check.stories.clean]\ndisable = ["open-status"]\n')
    assert cli("check", "--story", "clean").exit_code == 0
    config.write_text('[check]\ndisable = ["open-status"]\n')
    assert cli("check").exit_code == 0
    config.write_text('[check]\ndisable = ["no-such-rule"]\n')
    assert "unknown check rule" in cli("check", code=1).stderr
    config.write_text("[check\n")
    assert "not valid TOML" in cli("check", code=1).stderr


def test_check_json_output(cli: Cli) -> None:
    clean_story(cli)
    cli.add("An unattributed figure of 40 percent", "--story", "clean")
    result = cli("check", "--story", "clean", "--format", "json", code=1)
    problems = json.loads(result.stdout)
    assert {p["code"] for p in problems} == {
        "unattributed",
        "unreported",
        "two-sources",
        "open-status",
    }
    assert all({"claim", "code", "message", "story", "text"} <= set(p) for p in problems)
    assert "4 problem(s) in 1 of 2 claim(s)" in result.stderr


# -- confidentiality across every output -------------------------------------------------------


def test_confidential_identity_never_leaves_without_reveal(cli: Cli, tmp_path: Path) -> None:
    claim = add_confidential_source(cli)
    outputs = []
    for fmt in ("table", "json", "jsonl", "csv", "tsv", "ids"):
        outputs.append(cli("list", "--format", fmt).stdout)
        outputs.append(cli("show", claim, "--format", fmt).stdout)
        outputs.append(cli("source", "list", "--format", fmt).stdout)
        outputs.append(cli("log", "--format", fmt).stdout)
        outputs.append(cli("stats", "--format", fmt).stdout)
    hidden_ref = cli.json("show", claim)["said_by"][0]
    outputs.append(cli("source", "show", "Olga", "--format", "json").stdout)
    outputs.append(cli("source", "show", "Olga", "--format", "table").stdout)
    outputs.append(cli("check", "--format", "json", code=1).stdout)
    for fmt in ("json", "jsonl", "csv", "tsv", "markdown", "claimreview"):
        outputs.append(
            cli("export", "--format", fmt, "--org", "Desk", "--allow-missing-url").stdout
        )
    target = tmp_path / "out.db"
    cli("export", "--format", "sqlite", "-o", str(target))
    outputs.append(target.read_bytes().decode("latin-1"))
    # Error messages: an ambiguous name must not list the real names.
    cli("source", "add", "Olga Public")
    outputs.append(cli("source", "show", "olg", code=1).stderr)
    outputs.append(cli("--debug", "source", "show", "olg", code=1).stderr)
    outputs.append(cli("source", "rm", "Olga Hiddenova", "--yes").stdout)
    outputs.append(cli("log", "--format", "jsonl").stdout)
    everything = "\n".join(outputs)
    assert hidden_ref.startswith("Confidential source ")
    for secret in SECRETS:
        lowered = everything.replace("Olga Public", "")
        assert secret not in lowered, secret
    revealed = cli("log", "--format", "jsonl", "--reveal").stdout
    assert "Hiddenova" in revealed


def test_files_are_owner_only(cli: Cli, tmp_path: Path) -> None:
    cli.add("x")
    assert oct(cli.db_path.stat().st_mode & 0o777) == "0o600"
    for fmt, name in (("json", "e.json"), ("csv", "e.csv"), ("sqlite", "e.db")):
        cli("export", "--format", fmt, "-o", str(tmp_path / name))
        assert oct((tmp_path / name).stat().st_mode & 0o777) == "0o600"


# -- stats -------------------------------------------------------------------------------------


def test_stats(cli: Cli) -> None:
    cli("demo", "-q")
    result = cli.json("stats")
    assert result["claims"] == 16
    by_status = {r["status"]: r["claims"] for r in result["by_status"]}
    assert by_status == {"unverified": 14, "checking": 1, "verified": 1}
    assert result["by_story"] == [{"story": "serbia-russians", "claims": 16}]
    assert result["by_tag"][0] == {"tag": "serbia", "claims": 16}
    ap = next(s for s in result["sources"] if s["name"] == "Associated Press")
    assert ap["claims"] == 14 and ap["said_by"] == 6 and ap["reported_by"] == 14
    table = cli("stats", "--format", "table").stdout
    assert "█" in table and "unverified" in table
    only = cli.json("stats", "--status", "checking")
    assert only["claims"] == 1
