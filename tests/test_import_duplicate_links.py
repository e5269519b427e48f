"""A source named twice in one role for one claim, by every import format that carries
links: one link is kept, a warning names the claim and the source, and nothing the
second mention said is lost (issue 29: it ended in "internal error: ... is there
already" or a KeyError, or was silently dropped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Cli, add_confidential_source


def links_of(cli: Cli, claim: str) -> list[dict[str, Any]]:
    return list(cli.json("show", claim)["links"])


def only_claim(cli: Cli) -> dict[str, Any]:
    (claim,) = cli.jsonl("list")
    return claim


def bundle_with_twin_link(cli: Cli) -> tuple[str, str]:
    """An export (JSON) of one claim whose said-by link to one source is there twice,
    under two IDs, the second with a quote the first lacks; and the claim's ID."""
    claim = cli.add("The bridge cost 3 million euros", "--said-by", "Jane Roe")
    data = json.loads(cli("export", "--format", "json").stdout)
    (link,) = data["links"]
    twin = dict(link, id=link["id"][:-1] + ("a" if link["id"][-1] != "a" else "b"))
    twin["quote"] = "It cost three million"
    data["links"].append(twin)
    return json.dumps(data), claim


def test_a_json_export_naming_one_source_twice_keeps_one_link_with_both(
    cli: Cli, tmp_path: Path
) -> None:
    text, claim = bundle_with_twin_link(cli)
    other = Cli(tmp_path / "other.json")
    result = other("import", "-", "--format", "json", input=text)
    assert f"claim {claim[:7]} to Jane Roe as said-by twice; one link kept" in result.stderr
    assert "links: 1 added, 0 updated, 0 unchanged" in result.stderr
    (link,) = links_of(other, claim)
    assert link["quote"] == "It cost three million"
    again = other("import", "-", "--format", "json", input=text)
    assert "Warning" not in again.stderr
    assert "links: 0 added, 0 updated, 1 unchanged" in again.stderr
    assert links_of(other, claim) == [link]


def test_a_json_lines_view_naming_one_source_twice_keeps_one_link(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("The bridge cost 3 million euros", "--said-by", "Jane Roe")
    (view,) = cli.jsonl("list")
    twin = dict(view["links"][0], id="a" * 16, note="second mention")
    view["links"].append(twin)
    other = Cli(tmp_path / "other.json")
    result = other("import", "-", "--format", "jsonl", input=json.dumps(view) + "\n")
    assert f"claim {claim[:7]} to Jane Roe as said-by twice" in result.stderr
    (link,) = links_of(other, claim)
    assert link["note"] == "second mention"


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_a_sheet_row_naming_one_source_twice_keeps_one_link(cli: Cli, fmt: str) -> None:
    sep = "," if fmt == "csv" else "\t"
    sheet = f"text{sep}said_by{sep}reported_by{sep}url\n"
    sheet += f"The bridge cost 3 million{sep}Jane Roe; jane roe{sep}Daily Paper; Daily Paper"
    sheet += f"{sep}https://paper.example/a\n"
    result = cli("import", "-", "--format", fmt, input=sheet)
    claim = only_claim(cli)
    assert f"claim {claim['id'][:7]} to Jane Roe as said-by twice" in result.stderr
    assert f"claim {claim['id'][:7]} to Daily Paper as reported-by twice" in result.stderr
    assert [(k["relation"], k["source"], k["url"]) for k in claim["links"]] == [
        ("said-by", "Jane Roe", None),
        ("reported-by", "Daily Paper", "https://paper.example/a"),
    ]


def test_a_bare_json_line_naming_one_source_twice_keeps_one_link(cli: Cli) -> None:
    line = json.dumps({"text": "The bridge cost 3 million", "said_by": ["Jane Roe", "Jane Roe"]})
    result = cli("import", "-", "--format", "jsonl", input=line + "\n")
    assert "to Jane Roe as said-by twice; one link kept" in result.stderr
    assert len(only_claim(cli)["links"]) == 1


def test_two_rows_of_one_claim_are_one_claim_with_their_links_once(cli: Cli) -> None:
    sheet = (
        "text,said_by,tags,reported_by\n"
        "The bridge cost 3 million,Jane Roe,budget,\n"
        "The bridge cost 3 million,Jane Roe,roads,Daily Paper\n"
    )
    result = cli("import", "-", "--format", "csv", input=sheet)
    assert "row 3 repeats the text and story of an earlier row" in result.stderr
    assert "to Jane Roe as said-by twice" in result.stderr
    claim = only_claim(cli)
    assert claim["tags"] == ["budget", "roads"]
    assert [(k["relation"], k["source"]) for k in claim["links"]] == [
        ("said-by", "Jane Roe"),
        ("reported-by", "Daily Paper"),
    ]


def test_a_link_the_database_has_keeps_the_imported_ones_other_value(cli: Cli) -> None:
    claim = cli.add("The bridge cost 3 million")
    cli(
        "link",
        claim,
        "Daily Paper",
        "--create",
        "--as",
        "reported-by",
        "--url",
        "https://paper.example/a",
    )
    sheet = "text,reported_by,url\nThe bridge cost 3 million,Daily Paper,https://paper.example/b\n"
    result = cli("import", "-", "--format", "csv", input=sheet)
    assert (
        f"the database links claim {claim[:7]} to Daily Paper as reported-by already"
        in result.stderr
    )
    assert "links: 0 added, 1 updated" in result.stderr
    (link,) = links_of(cli, claim)
    assert link["url"] == "https://paper.example/a"
    assert "https://paper.example/b" in link["note"]
    again = cli("import", "-", "--format", "csv", input=sheet)
    assert "Warning" not in again.stderr
    assert "links: 0 added, 0 updated, 1 unchanged" in again.stderr
    assert links_of(cli, claim) == [link]
    cli("undo")  # the import's change of the link is one change, undone as one
    assert links_of(cli, claim)[0]["note"] is None


def test_a_dry_run_warns_of_a_twin_link_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    text, claim = bundle_with_twin_link(cli)
    other = Cli(tmp_path / "other.json")
    other("init")
    before = (tmp_path / "other.json").read_bytes()
    result = other("import", "-", "--format", "json", "--dry-run", input=text)
    assert f"claim {claim[:7]} to Jane Roe as said-by twice" in result.stderr
    assert (tmp_path / "other.json").read_bytes() == before


def test_a_twin_link_to_a_confidential_source_is_named_by_its_pseudonym(cli: Cli) -> None:
    claim = add_confidential_source(cli)
    (view,) = cli.jsonl("list")
    supports = next(k for k in view["links"] if k["relation"] == "supports")
    view["links"] = [dict(supports, id="a" * 16, note="met her twice")]
    result = cli("import", "-", "--format", "jsonl", input=json.dumps(view) + "\n")
    assert f"links claim {claim[:7]} to Confidential source" in result.stderr
    assert "Olga" not in result.stderr


def test_a_claimreview_naming_one_publisher_twice_keeps_both_pages(cli: Cli) -> None:
    def appearance(page: str) -> dict[str, Any]:
        publisher = {"@type": "Organization", "name": "Daily Paper"}
        return {"@type": "CreativeWork", "url": page, "publisher": publisher}

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://checkers.example/checks/1",
        "claimReviewed": "The bridge cost 3 million",
        "author": {"@type": "Organization", "name": "Checkers"},
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "itemReviewed": {
            "@type": "Claim",
            "appearance": [
                appearance("https://paper.example/a"),
                appearance("https://paper.example/b"),
            ],
        },
    }
    result = cli("import", "-", "--format", "claimreview", input=json.dumps(review))
    claim = only_claim(cli)
    assert f"claim {claim['id'][:7]} names Daily Paper as reported-by twice" in result.stderr
    (reported,) = [k for k in claim["links"] if k["relation"] == "reported-by"]
    assert reported["url"] == "https://paper.example/a"
    assert "https://paper.example/b" in reported["note"]
