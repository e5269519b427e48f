"""The source commands through the real CLI."""

from __future__ import annotations

import csv
import io

from tests.helpers import Cli

ROLE = "Research Coordinator, Belgrade Centre for Security Policy"


def test_source_add_list_show_edit_rm(cli: Cli) -> None:
    ap = cli.json(
        "source",
        "add",
        "Associated Press",
        "--kind",
        "publication",
        "--url",
        "https://apnews.com",
        "--alias",
        "AP",
    )
    assert ap["aliases"] == ["AP"] and ap["kind"] == "publication" and ap["claims"] == 0
    cli("source", "add", "Predrag Petrovic", "--kind", "person", "--role", ROLE)
    claim = cli.add(
        "Close ties between Belgrade and Moscow",
        "--said-by",
        "predrag petrovic",
        "--reported-by",
        "ap",
    )
    listed = cli.jsonl("source", "list")
    assert [s["name"] for s in listed] == ["Associated Press", "Predrag Petrovic"]
    assert [s["claims"] for s in listed] == [1, 1]
    assert [s["name"] for s in cli.jsonl("source", "list", "--kind", "person")] == [
        "Predrag Petrovic"
    ]
    assert [s["name"] for s in cli.jsonl("source", "list", "--search", "belgrade")] == [
        "Predrag Petrovic"
    ]
    shown = cli.json("source", "show", "AP")
    assert [c["id"] for c in shown["cited_by"]] == [claim]
    assert shown["cited_by"][0]["relation"] == "reported-by"
    table = cli("source", "show", "Petrovic", "--format", "table").stdout
    assert "Cited by 1 claim" in table and claim[:7] in table and ROLE in table
    edited = cli.json(
        "source", "edit", "AP", "--add-alias", "The AP", "--rm-alias", "AP", "--role", "news agency"
    )
    assert edited["aliases"] == ["The AP"] and edited["role"] == "news agency"
    assert cli.json("source", "show", "the ap")["name"] == "Associated Press"
    rows = list(csv.DictReader(io.StringIO(cli("source", "list", "--format", "csv").stdout)))
    assert {r["name"] for r in rows} == {"Associated Press", "Predrag Petrovic"}
    assert "refusing" in cli("source", "rm", "Associated Press", code=1).stderr
    gone = cli.json("source", "rm", "Associated Press", "--yes")
    assert gone["name"] == "Associated Press" and gone["claims"] == 1
    assert cli.json("show", claim)["reported_by"] == []


def test_source_errors(cli: Cli) -> None:
    cli("source", "add", "Associated Press", "--alias", "AP")
    assert "already names source" in cli("source", "add", "ap", code=1).stderr
    assert "Invalid value for '--kind': unknown source kind 'alien'" in (
        cli("source", "add", "X", "--kind", "alien", code=2).stderr
    )
    assert cli("source", "add", "", code=1).stderr.startswith("Error: source name is empty")
    assert "no source matches" in cli("source", "show", "Reuters", code=1).stderr
    cli("source", "add", "Outlet One")
    cli("source", "add", "Outlet Two")
    assert "matches 2 sources" in cli("source", "show", "outlet", code=1).stderr


def test_confidential_source_is_pseudonymous_unless_revealed(cli: Cli) -> None:
    cli(
        "source",
        "add",
        "Ivan Secretov",
        "--kind",
        "person",
        "--confidential",
        "--reason",
        "fears reprisals",
        "--approved-by",
        "Desk editor",
    )
    claim = cli.add("An insider says the list exists", "--said-by", "Ivan Secretov")
    everywhere = "".join(
        cli("list", "--format", fmt).stdout for fmt in ("json", "jsonl", "csv", "tsv", "table")
    )
    everywhere += cli("show", claim, "--format", "table").stdout
    everywhere += cli("source", "list", "--format", "json").stdout
    assert "Secretov" not in everywhere
    assert "Confidential source" in everywhere
    assert cli.json("show", claim, "--reveal")["said_by"] == ["Ivan Secretov"]
