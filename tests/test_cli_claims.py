"""Every claim command through the real CLI (CliRunner)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimtrack.cli.context import Environment
from tests.helpers import Cli

ACTIVISTS = "pro-democracy Russian activists"
DOZEN = "At least a dozen anti-war Russians in Serbia faced entry bans or lost residence permits"


def seed(cli: Cli) -> dict[str, str]:
    cli("source", "add", "Associated Press", "--kind", "publication", "--alias", "AP")
    made = {
        "dozen": cli.add(
            DOZEN,
            "--said-by",
            ACTIVISTS,
            "--reported-by",
            "AP",
            "--reported-by",
            "Outlet",
            "--tag",
            "serbia",
            "--story",
            "serbia-russians",
        ),
        "thousands": cli.add(
            "Belgrade welcomed tens of thousands of Russians",
            "--said-by",
            "Associated Press",
            "--tag",
            "serbia",
            "--tag",
            "migration",
            "--story",
            "serbia-russians",
        ),
        "other": cli.add(
            "Unrelated claim about budgets", "--story", "budget", "--status", "checking"
        ),
    }
    return made


def test_add_prints_record_when_piped_and_id_with_q(cli: Cli) -> None:
    record = json.loads(cli("add", DOZEN, "--said-by", ACTIVISTS).stdout)
    assert record["text"] == DOZEN
    assert record["said_by"] == [ACTIVISTS]
    assert record["status"] == "unverified"
    claim_id = cli.add("Second claim")
    assert len(claim_id) == 16 and "\n" not in claim_id


def test_add_from_stdin(cli: Cli) -> None:
    claim_id = cli("add", "-", "--story", "s", "-q", input="Read from stdin\r\n").stdout.strip()
    shown = cli.json("show", claim_id)
    assert shown["text"] == "Read from stdin" and shown["story"] == "s"


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_add_empty_text_is_an_error(cli: Cli, text: str, db_path: Path) -> None:
    result = cli("add", text, code=1)
    assert result.stderr.startswith("Error: claim text is empty")
    assert not db_path.exists()


def test_add_empty_stdin_is_an_error(cli: Cli) -> None:
    result = cli("add", "-", input="", code=1)
    assert "empty" in result.stderr


def test_list_filters(cli: Cli) -> None:
    made = seed(cli)

    def ids_of(*args: str) -> set[str]:
        return {r["id"] for r in cli.jsonl("list", *args)}

    assert ids_of() == set(made.values())
    assert ids_of("--status", "checking") == {made["other"]}
    assert ids_of("--status", "checking", "--status", "unverified") == set(made.values())
    assert ids_of("--tag", "serbia", "--tag", "migration") == {made["thousands"]}
    assert ids_of("--story", "serbia-russians") == {made["dozen"], made["thousands"]}
    assert ids_of("--source", "associated press") == {made["dozen"], made["thousands"]}
    assert ids_of("--source", "AP", "--relation", "reported-by") == {made["dozen"]}
    assert ids_of("--source", "AP", "--relation", "said-by") == {made["thousands"]}
    assert ids_of("--search", "ENTRY BANS") == {made["dozen"]}
    assert ids_of("--since", "2000-01-01", "--until", "2999-12-31") == set(made.values())
    assert ids_of("--until", "2000-01-01") == set()


def test_list_sorting_and_limit(cli: Cli) -> None:
    made = seed(cli)
    newest_first = [r["id"] for r in cli.jsonl("list")]
    assert newest_first == [made["other"], made["thousands"], made["dozen"]]
    assert [r["id"] for r in cli.jsonl("list", "--reverse")] == newest_first[::-1]
    by_text = [r["text"] for r in cli.jsonl("list", "--sort", "text")]
    assert by_text == sorted(by_text)
    assert len(cli.jsonl("list", "--limit", "2")) == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("add", "A claim", "--status", "maybe"), "Invalid value for '--status': unknown status"),
        (("status", "abc", "maybe"), "Invalid value for 'STATUS': unknown status 'maybe'"),
        (("link", "abc", "AP", "--as", "endorses"), "Invalid value for '--as': unknown relation"),
        (("unlink", "abc", "AP", "--as", "endorses"), "Invalid value for '--as'"),
        (("source", "add", "AP", "--kind", "alien"), "Invalid value for '--kind': unknown source"),
        (("source", "list", "--kind", "alien"), "Invalid value for '--kind'"),
        (("list", "-s", "maybe"), "Invalid value for '--status': unknown status 'maybe'"),
        (("list", "-f", "xml"), "Invalid value for '--format': 'xml' is not one of table,"),
        (("export", "-f", "xml"), "Invalid value for '--format': 'xml' is not one of json,"),
        (("import", "x.json", "-f", "xml"), "Invalid value for '--format': 'xml' is not one"),
    ],
)
def test_a_closed_value_unknown_is_a_usage_error_before_the_database_is_read(
    cli: Cli, db_path: Path, args: tuple[str, ...], said: str
) -> None:
    db_path.write_bytes(b"not a database")  # reading it would be a different error
    result = cli(*args, code=2)
    assert f"Error: {said}" in result.stderr
    assert db_path.read_bytes() == b"not a database"


def test_list_bad_filters_fail_cleanly(cli: Cli) -> None:
    seed(cli)
    assert "unknown status" in cli("list", "--status", "maybe", code=2).stderr
    assert "not a date" in cli("list", "--since", "the other day", code=2).stderr
    assert "needs --source" in cli("list", "--relation", "said-by", code=2).stderr
    assert "cannot sort" in cli("list", "--sort", "colour", code=1).stderr
    assert "no source matches" in cli("list", "--source", "Nobody", code=1).stderr


def test_empty_result_is_success(cli: Cli) -> None:
    assert cli("list", "--format", "jsonl").stdout == ""
    assert json.loads(cli("list", "--format", "json").stdout) == []
    assert "No claims match" in cli("list", "--format", "table").stderr


def test_every_format(cli: Cli) -> None:
    made = seed(cli)
    assert len(cli.json("list")) == 3
    ids_out = cli("list", "--format", "ids").stdout.split()
    assert set(ids_out) == set(made.values())
    assert cli("list", "-q").stdout.split() == ids_out
    rows = list(csv.DictReader(io.StringIO(cli("list", "--format", "csv").stdout)))
    dozen = next(r for r in rows if r["id"] == made["dozen"])
    assert dozen["said_by"] == ACTIVISTS
    assert dozen["reported_by"] == "Associated Press; Outlet"
    tsv = list(csv.DictReader(io.StringIO(cli("list", "--format", "tsv").stdout), delimiter="\t"))
    assert {r["id"] for r in tsv} == set(made.values())
    table = cli("list", "--format", "table").stdout
    assert made["dozen"][:7] in table and "Status" in table
    assert "not one of" in cli("list", "--format", "xml", code=2).stderr


def test_table_pages_on_terminal(cli: Cli) -> None:
    for number in range(55):
        cli.add(f"claim number {number}")
    terminal = Environment(stdout_isatty=True)
    shown = cli("list", "--format", "table", env=terminal)
    assert "Showing 50 of 55 claims" in shown.stderr
    assert "claim number 54" in shown.stdout and "claim number 0 " not in shown.stdout
    everything = cli("list", "--format", "table", "--all", env=terminal)
    assert "Showing" not in everything.stderr
    assert len(cli.jsonl("list")) == 55  # piped output is never cut


def test_show_chain_in_order(cli: Cli) -> None:
    made = seed(cli)
    shown = cli.json("show", made["dozen"][:5])
    assert shown["said_by"] == [ACTIVISTS]
    assert shown["reported_by"] == ["Associated Press", "Outlet"]
    assert [k["relation"] for k in shown["links"]] == ["said-by", "reported-by", "reported-by"]
    table = cli("show", made["dozen"], "--format", "table").stdout
    said = table.index("said by: " + ACTIVISTS)
    first = table.index("reported by: Associated Press")
    second = table.index("reported by: Outlet")
    assert said < first < second


def test_unknown_and_ambiguous_ids(cli: Cli, raw_db: Callable[[], dict[str, Any]]) -> None:
    made = seed(cli)
    result = cli("show", "zzzzzz", code=1)
    assert result.stderr.startswith("Error: no claim matches 'zzzzzz'")
    assert "Traceback" not in result.stderr
    # Force two IDs that share a prefix to check the ambiguity message.
    data = raw_db()
    claims = data["claims"]
    first, second = made["dozen"], made["thousands"]
    for old, new in ((first, "abcd000000000001"), (second, "abcd000000000002")):
        claims[new] = {**claims.pop(old), "id": new}
        for link in data["links"].values():
            if link["claim"] == old:
                link["claim"] = new
    cli.db_path.write_text(json.dumps(data))
    ambiguous = cli("show", "abcd", code=1)
    assert "ambiguous" in ambiguous.stderr
    assert "abcd000000000001"[:7] in ambiguous.stderr
    assert cli.json("show", "abcd000000000002")["id"] == "abcd000000000002"


def test_edit_status_note(cli: Cli) -> None:
    made = seed(cli)
    edited = cli.json("edit", made["dozen"], "--text", "At least 12", "--add-tag", "deportation")
    assert edited["text"] == "At least 12" and edited["tags"] == ["serbia", "deportation"]
    cli("edit", made["dozen"], "--rm-tag", "serbia", "--story", "")
    assert cli.json("show", made["dozen"])["story"] is None
    status = cli.json("status", made["dozen"], "checking", "--note", "asked the ministry")
    assert status["status"] == "checking"
    assert status["notes"][-1]["text"] == "asked the ministry"
    assert status["notes"][-1]["author"] == "tester"
    noted = cli.json("note", made["dozen"], "BCSP letter to the ministry, 2024-02-20")
    assert [n["text"] for n in noted["notes"]] == [
        "asked the ministry",
        "BCSP letter to the ministry, 2024-02-20",
    ]
    verdict = cli.json("status", made["dozen"], "FALSE", "--rating", "False")
    assert verdict["status"] == "false" and verdict["rating"] == "False"
    assert "unknown status" in cli("status", made["dozen"], "wrong", code=2).stderr
    summary = cli("status", made["dozen"], "verified", "--format", "table").stdout
    assert summary.startswith(f"Status of claim {made['dozen'][:7]} (verified)")


def test_rm_asks_refuses_and_deletes(cli: Cli) -> None:
    made = seed(cli)
    refused = cli("rm", made["dozen"], code=1)  # no terminal, no --yes
    assert "refusing" in refused.stderr
    assert len(cli.jsonl("list")) == 3
    removed = cli("rm", made["dozen"], made["other"], "--yes", "-q").stdout.split()
    assert set(removed) == {made["dozen"], made["other"]}
    assert [r["id"] for r in cli.jsonl("list")] == [made["thousands"]]
    assert cli("rm", "nope", "--yes", code=1).stderr.startswith("Error: no claim")


def test_rm_confirmation_prompt(cli: Cli) -> None:
    made = seed(cli)
    terminal = Environment(stdin_isatty=True)
    cli("rm", made["dozen"], input="n\n", env=terminal)  # declining is no error
    assert len(cli.jsonl("list")) == 3
    cli("rm", made["dozen"], input="y\n", env=terminal)
    assert len(cli.jsonl("list")) == 2


def test_link_and_unlink(cli: Cli) -> None:
    made = seed(cli)
    missing = cli("link", made["dozen"], "BCSP report", "--as", "supports", code=1)
    assert "no source matches" in missing.stderr
    linked = cli.json(
        "link",
        made["dozen"],
        "BCSP report",
        "--as",
        "supports",
        "--create",
        "--url",
        "https://example.org/bcsp",
        "--date",
        "2024-02-20",
    )
    evidence = [k for k in linked["links"] if k["relation"] == "supports"]
    assert evidence[0]["source"] == "BCSP report"
    assert evidence[0]["url"] == "https://example.org/bcsp"
    assert cli("link", made["dozen"], "AP", "--as", "endorses", code=2).stderr.endswith(
        "Error: Invalid value for '--as': unknown relation 'endorses'; choose one of: "
        "said-by, reported-by, supports, disputes\n"
    )
    assert "Missing option" in cli("link", made["dozen"], "AP", code=2).stderr
    cli("unlink", made["dozen"], "BCSP report")
    assert all(k["relation"] != "supports" for k in cli.json("show", made["dozen"])["links"])
    assert "not linked" in cli("unlink", made["dozen"], "BCSP report", code=1).stderr
    chained = cli.json("link", made["thousands"], "Outlet", "--as", "reported-by")
    assert chained["reported_by"] == ["Outlet"]


HOSTILE = [
    "[bold]not bold[/bold] and [/] and [red]x",
    ":warning: :thumbs_up: emoji codes",
    "ANSI \x1b[31mred\x1b[0m and bell \x07 and \x9b CSI",
    '=HYPERLINK("http://evil")',
    "+cmd|' /C calc'!A0",
    "RTL \u05e9\u05dc\u05d5\u05dd and emoji \U0001f600",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_is_data_in_every_format(cli: Cli, text: str) -> None:
    claim_id = cli.add(text, "--said-by", text[:30] + " source")
    assert cli.json("show", claim_id)["text"] == text.strip()
    for fmt in ("table", "jsonl", "csv", "tsv", "ids", "json"):
        out = cli("list", "--format", fmt).stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    table = cli("list", "--format", "table", "--all").stdout
    detail = cli("show", claim_id, "--format", "table").stdout
    if "[bold]" in text:
        assert "[bold]not" in detail and "[/]" in detail
    if ":warning:" in text:
        assert ":warning:" in detail and "\u26a0" not in detail
    if "\x1b" in text:
        assert "\\x1b[31mred" in detail
    cells = list(csv.reader(io.StringIO(cli("list", "--format", "csv").stdout)))
    text_cell = cells[1][cells[0].index("text")]
    if text.startswith(("=", "+")):
        assert text_cell.startswith("'")
    assert table


def test_edit_text_from_stdin_and_errors(cli: Cli) -> None:
    made = seed(cli)
    cli("edit", made["other"], "--text", "-", input="New budget wording\n")
    assert cli.json("show", made["other"])["text"] == "New budget wording"
    assert "has no tag" in cli("edit", made["other"], "--rm-tag", "absent", code=1).stderr
    assert "contains spaces" in cli("edit", made["other"], "--story", "two words", code=1).stderr


def test_ls_is_list(cli: Cli) -> None:
    seed(cli)
    assert cli("ls", "-q").stdout == cli("list", "-q").stdout
    assert " ls " not in cli("--help").stdout  # hidden from the command list
