"""export and import: round trips, every format's shape, merges, and bad files."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import SECRETS, Cli, add_confidential_source


def demo(cli: Cli) -> None:
    cli("demo", "--format", "ids")


def other_cli(tmp_path: Path, name: str) -> Cli:
    return Cli(tmp_path / name)


def test_json_round_trip_is_identical(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    claim = cli("list", "-q").stdout.split()[0]
    cli("status", claim, "checking", "--note", "called the ministry")
    cli("source", "add", "Secret", "--confidential", "--reason", "safety")
    first = cli("export", "--no-history", "--reveal").stdout
    copy = other_cli(tmp_path, "copy.json")
    copy("import", "-", "--format", "json", input=first)
    assert copy("export", "--no-history", "--reveal").stdout == first
    # With history, every event of the original is kept; the import adds its own.
    full = cli("export", "--reveal").stdout
    with_history = other_cli(tmp_path, "copy2.json")
    with_history("import", "-", "--format", "json", input=full)
    original = json.loads(full)
    imported = json.loads(with_history("export", "--reveal").stdout)
    assert {e["id"] for e in original["events"]} <= {e["id"] for e in imported["events"]}
    assert all(
        e["action"] == "import"
        for e in imported["events"]
        if e["id"] not in {o["id"] for o in original["events"]}
    )


def test_seed_data_survives_the_round_trip(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    exported = json.loads(cli("export", "--no-history").stdout)
    seed = json.loads(
        (Path(__file__).parent.parent / "seeds" / "serbia-russian-refugees.claims.json").read_text()
    )
    for kind in ("claims", "sources", "links"):
        assert exported[kind] == seed[kind]


def test_import_twice_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    export = tmp_path / "out.json"
    cli("export", "-o", str(export))
    copy = other_cli(tmp_path, "copy.json")
    copy("import", str(export))
    before = copy.db_path.read_bytes()
    again = copy("import", str(export))
    assert "16 unchanged" in again.stderr
    assert copy.db_path.read_bytes() == before


def test_export_file_is_atomic_and_owner_only(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    target = tmp_path / "backup.json"
    cli("export", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["format"] == "claimtrack"


@pytest.mark.parametrize("fmt", ["csv", "sqlite"])
def test_export_that_fails_halfway_leaves_no_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    from claimtrack.errors import DatabaseError
    from claimtrack.views import presenter as query

    demo(cli)
    target = tmp_path / f"out.{fmt}"
    target.write_text("the previous export\n")
    real = query.Presenter.links
    calls = []

    def failing(self: query.Presenter, claim_id: str) -> Any:  # the third claim cannot be read
        calls.append(claim_id)
        if len(calls) == 3:
            raise DatabaseError("damaged line")
        return real(self, claim_id)

    monkeypatch.setattr(query.Presenter, "links", failing)
    result = cli("export", "--format", fmt, "-o", str(target), code=1)
    assert "damaged line" in result.stderr
    assert target.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_filtered_json_export_keeps_what_it_touches(cli: Cli) -> None:
    demo(cli)
    part = json.loads(cli("export", "--status", "checking").stdout)
    assert [c["status"] for c in part["claims"]] == ["checking"]
    claim_id = part["claims"][0]["id"]
    assert {k["claim"] for k in part["links"]} == {claim_id}
    assert {s["id"] for s in part["sources"]} == {k["source"] for k in part["links"]}


def test_jsonl_export_inlines_sources_and_imports_back(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    lines = cli("export", "--format", "jsonl").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 16
    dozen = next(r for r in records if "dozen" in r["text"])
    assert {s["name"] for s in dozen["sources"]} >= {"Associated Press"}
    assert all("kind" in s for s in dozen["sources"])
    copy = other_cli(tmp_path, "copy.json")
    copy("import", "-", "--format", "jsonl", input="\n".join(lines) + "\n")
    assert {c["id"] for c in copy.jsonl("list")} == {r["id"] for r in records}
    copied = copy.json("show", dozen["id"])
    assert copied["reported_by"] == dozen["reported_by"]


def test_csv_export_shape_and_defused_cells(cli: Cli) -> None:
    demo(cli)
    cli.add('=HYPERLINK("http://evil.example")', "--said-by", "@attacker")
    cli("add", "-q", "--", "-1+cmd|' /C calc'!A0")
    cli("add", "-q", "--tag", "math", "--", "-12% fall in exports, says the ministry")
    cli("add", "-q", "--", "+3.5")
    out = cli("export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 20
    assert set(rows[0]) >= {
        "id",
        "status",
        "said_by",
        "reported_by",
        "tags",
        "story",
        "quantities",
        "text",
    }
    texts = [r["text"] for r in rows]
    assert '\'=HYPERLINK("http://evil.example")' in texts
    assert "'-1+cmd|' /C calc'!A0" in texts  # DDE: defused
    # A number, and a sentence that can call no function, stay as they were written.
    assert "-12% fall in exports, says the ministry" in texts
    assert "+3.5" in texts
    assert any(r["said_by"] == "'@attacker" for r in rows)
    dozen = next(r for r in rows if "dozen" in r["text"])
    assert dozen["quantities"].startswith("at least a dozen = 12")
    assert dozen["reported_by"] == "Associated Press; Republishing news site (ed. PJM)"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "@", "\t", "\r", "\n"))
            if cell.startswith(("+", "-")):
                assert not set(cell) & set("()|!=@\"';\t\r\n"), cell
    tsv = cli("export", "--format", "tsv").stdout
    assert tsv.splitlines()[0].split("\t")[0] == "id"


def test_csv_with_newlines_in_cells_round_trips(cli: Cli, tmp_path: Path) -> None:
    cli("add", "-", input='first line\nsecond line, with a comma and "quotes"\n')
    out = cli("export", "--format", "csv").stdout
    copy = other_cli(tmp_path, "copy.json")
    copy("import", "-", "--format", "csv", input=out)
    assert copy.jsonl("list")[0]["text"] == ('first line\nsecond line, with a comma and "quotes"')


def test_markdown_memo(cli: Cli) -> None:
    demo(cli)
    claim = cli("list", "--search", "eight", "-q").stdout.strip()
    cli("status", claim, "disputed", "--note", "only five confirmed")
    memo = cli("export", "--format", "markdown", "--story", "serbia-russians").stdout
    assert memo.startswith('---\ntitle: "Fact-check memo: serbia-russians"\n')
    headings = [line for line in memo.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Checking (1)",
        "## Unverified (13)",
        "## Disputed (1)",
        "## Verified (1)",
    ]
    assert "Associated Press → Republishing news site (ed. PJM)" in memo
    assert "only five confirmed" in memo
    cli.add("[link](http://x) *bold* <b>", "--story", "serbia-russians")
    memo = cli("export", "--format", "markdown", "--story", "serbia-russians").stdout
    assert r"\[link\](http://x) \*bold\* \<b\>" in memo


def _memo_parts(memo: str) -> tuple[dict[str, str], str]:
    """The memo's YAML front matter (each value a JSON string, a YAML double-quoted
    scalar) and its body."""
    assert memo.startswith("---\n")
    head, body = memo[4:].split("\n---\n", 1)
    fields = {}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        fields[key] = json.loads(value)
    return fields, body


def test_the_memo_title_is_metadata_given_once(cli: Cli) -> None:
    cli.add("A claim", "--story", "port")
    fields, body = _memo_parts(cli("export", "--format", "markdown").stdout)
    assert fields["title"] == "Fact-check memo: port"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", fields["date"])
    # pandoc makes the metadata title the document's heading: the body repeats none.
    assert not [line for line in body.splitlines() if line.startswith("# ")]
    given = "Fact-check memo: port *draft*"
    fields, _ = _memo_parts(cli("export", "--format", "markdown", "--title", given).stdout)
    assert fields["title"] == r"Fact-check memo: port \*draft\*"  # as given, no prefix


def test_the_memo_escapes_for_commonmark_and_pandoc(cli: Cli) -> None:
    from markdown_it import MarkdownIt

    text = "Ask @mayor_office [@cite] about <script>x</script> & $5^2 {.red} ~sub~ ![i](x)"
    claim = cli.add(text, "--said-by", "Harbour office")
    url = "https://example.org/a<b>?q=x y"
    cli("link", claim, "Harbour office", "--as", "supports", "--url", url, "--quote", "<i>q</i>")
    _, body = _memo_parts(cli("export", "--format", "markdown").stdout)
    # pandoc's citations, maths, superscripts and attributes never start.
    for escaped in (r"\@mayor", r"\[\@cite\]", r"\$5\^2", r"\{.red\}", r"\~sub\~", r"\!\[i\]"):
        assert escaped in body, escaped
    html = MarkdownIt("commonmark").render(body)
    assert "<script>" not in html and "<i>" not in html
    assert "Ask @mayor_office [@cite] about &lt;script&gt;x&lt;/script&gt; &amp; $5^2" in html
    # The address is an autolink all the same, percent-encoded where it must be.
    assert '<a href="https://example.org/a%3Cb%3E?q=x%20y">' in html


def test_the_memo_shows_what_check_and_verify_know(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("Harbour fees rose by 40%", "--said-by", "Port authority")
    url = "https://example.org/fees"
    cli("link", claim, "Harbour survey", "--as", "supports", "--url", url, "--create")
    bundle = json.loads(cli("export").stdout)
    link = next(k for k in bundle["links"] if k["relation"] == "supports")
    link["archive"] = {
        "at": "2024-05-01T10:00:00.000000Z",
        "requested": url,
        "url": url,
        "status": 200,
        "sha256": "a" * 64,
        "text_sha256": "b" * 64,
        "wayback": None,
    }
    link["verify"] = {"result": "quote-missing", "since": "2024-06-02T10:00:00.000000Z"}
    other = other_cli(tmp_path, "other.json")
    other("import", "-", "--format", "json", input=json.dumps(bundle))
    memo = other("export", "--format", "markdown").stdout
    assert "**⚠ quote no longer on the page** (verify, 2024-06-02)" in memo
    assert "- **Check:**" in memo
    assert "  - quote-drift: the page of the supports link to Harbour survey" in memo
    assert "open-status" not in memo  # the status line says it already
    # A rule switched off for the desk is not reported.
    other.db_path.with_name("claimtrack.toml").write_text('[check]\ndisable = ["quote-drift"]\n')
    assert "quote-drift" not in other("export", "--format", "markdown").stdout


CLAIMREVIEW_REQUIRED = {
    "@context",
    "@type",
    "claimReviewed",
    "reviewRating",
    "itemReviewed",
    "author",
    "datePublished",
    "url",
}


def check_claimreview_shape(review: dict[str, Any]) -> None:
    """The schema.org shapes we promise (and Google's required properties)."""
    assert set(review) >= CLAIMREVIEW_REQUIRED
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"]
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and isinstance(rating["alternateName"], str)
    if "ratingValue" in rating:
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    if "author" in item:
        assert item["author"]["@type"] in ("Person", "Organization") and item["author"]["name"]
    for appearance in item.get("appearance", []):
        assert appearance["@type"] == "CreativeWork" and appearance["url"].startswith("http")
    if "appearance" in item:
        assert item["firstAppearance"] == item["appearance"][0]
    assert review["author"]["@type"] == "Organization" and review["author"]["name"]
    assert len(review["datePublished"]) == 10


def test_claimreview(cli: Cli) -> None:
    demo(cli)
    dozen = cli("list", "--search", "dozen", "-q").stdout.strip()
    cli(
        "link",
        dozen,
        "AP",
        "--as",
        "reported-by",
        "--url",
        "https://apnews.com/article/x",
        "--date",
        "2024-02-25",
    )
    cli("status", dozen, "false", "--rating", "Exaggerated")
    cli("source", "add", "Ministry insider", "--kind", "person", "--confidential")
    insider_claim = cli.add("The ministry keeps a list", "--said-by", "Ministry insider")
    cli("status", insider_claim, "verified")
    result = cli(
        "export",
        "--format",
        "claimreview",
        "--org",
        "Desk Fact Check",
        "--org-url",
        "https://desk.example",
        "--review-url",
        "https://desk.example/claims/{short}",
    )
    reviews = json.loads(result.stdout)
    assert len(reviews) == 3  # the seed's verified claim, the false one, the insider one
    for review in reviews:
        check_claimreview_shape(review)
    false = next(r for r in reviews if r["identifier"] == dozen)
    assert false["reviewRating"]["alternateName"] == "Exaggerated"
    assert false["reviewRating"]["ratingValue"] == 1
    assert false["itemReviewed"]["author"]["name"] == "pro-democracy Russian activists"
    assert false["itemReviewed"]["firstAppearance"]["url"] == "https://apnews.com/article/x"
    assert false["url"] == f"https://desk.example/claims/{dozen[:7]}"
    assert "Skipped 14 claim(s) without a verdict" in result.stderr
    insider = next(r for r in reviews if r["identifier"] == insider_claim)
    assert "author" not in insider["itemReviewed"]
    assert "insider" not in result.stdout.lower().replace("the ministry keeps", "")
    with_reveal = cli(
        "export", "--format", "claimreview", "--org", "D", "--reveal", "--allow-missing-url"
    ).stdout
    assert "Ministry insider" not in with_reveal


def test_claimreview_organisation_from_config(cli: Cli) -> None:
    demo(cli)
    assert "organisation's name" in cli("export", "--format", "claimreview", code=1).stderr
    cli.db_path.with_name("claimtrack.toml").write_text(
        '[organisation]\nname = "Config Desk"\nreview_url = "https://c.example/{id}"\n'
    )
    reviews = json.loads(cli("export", "--format", "claimreview").stdout)
    assert reviews[0]["author"]["name"] == "Config Desk"
    assert reviews[0]["url"].startswith("https://c.example/")


def test_sqlite_export(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    cli("source", "add", "Hidden Person", "--confidential")
    claim = cli.add("A claim from a hidden person", "--said-by", "Hidden Person")
    target = tmp_path / "claims.db"
    result = cli("export", "--format", "sqlite", "-o", str(target))
    assert "17 claims" in result.stderr
    connection = sqlite3.connect(target)
    try:
        count = connection.execute("select count(*) from claims").fetchone()[0]
        assert count == 17
        # The confidential source is there as its pseudonym: its claim is not unsourced.
        assert connection.execute("select count(*) from sources").fetchone()[0] == 8
        assert connection.execute("select count(*) from links").fetchone()[0] == 47
        names = [r[0] for r in connection.execute("select name from sources")]
        assert "Hidden Person" not in names
        assert "Hidden Person" not in target.read_bytes().decode("utf-8", "replace")
        hidden = connection.execute(
            "select name, confidential, role, url, aliases from sources where name like "
            "'Confidential source %'"
        ).fetchall()
        assert len(hidden) == 1 and hidden[0][1:] == (1, None, None, "[]")
        said_by = connection.execute("select said_by from claims where id = ?", [claim])
        assert said_by.fetchone()[0] == hidden[0][0]
        # Datasette shows a link's claim and source by these labels.
        label = connection.execute(
            "select claim_label, source_label from links where claim = ?", [claim]
        ).fetchone()
        assert label == ("A claim from a hidden person", hidden[0][0])
        title = connection.execute("select title from claims where id = ?", [claim])
        assert title.fetchone()[0] == "A claim from a hidden person"
        # Every foreign key has an index.
        indexed = {
            row[2]
            for index in connection.execute("pragma index_list(links)").fetchall()
            for row in connection.execute(f"pragma index_info({index[1]!r})").fetchall()
        }
        assert {"claim", "source"} <= indexed
        found = connection.execute(
            "select claims.id from claims join claims_fts on claims.rowid = claims_fts.rowid "
            "where claims_fts match 'dozen'"
        ).fetchall()
        assert len(found) == 1
        fks = connection.execute("pragma foreign_key_list(links)").fetchall()
        assert {row[2] for row in fks} == {"claims", "sources"}
        assert claim in [r[0] for r in connection.execute("select id from claims")]
    finally:
        connection.close()
    assert "writes a file" in cli("export", "--format", "sqlite", code=1).stderr


def test_the_sqlite_file_is_fsynced_before_it_is_renamed(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    cli.add("A claim", "--said-by", "Someone")
    synced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "claims.db"
    cli("export", "--format", "sqlite", "-o", str(target))
    assert target.stat().st_ino in synced


def test_malformed_imports_write_nothing(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    before = cli.db_path.read_bytes()
    bad_bundle = {
        "format": "claimtrack",
        "schema_version": 1,
        "claims": [
            {"id": "aaaaaaaaaaaaaaaa", "text": "fine", "status": "unverified"},
            {"id": "bbbbbbbbbbbbbbbb", "text": "", "status": "unverified"},
            {"id": "cccccccccccccccc", "text": "x", "status": "maybe"},
        ],
        "links": [{"id": "l1", "claim": "zzz", "source": "yyy", "relation": "said-by"}],
    }
    cases = {
        "bundle.json": json.dumps(bad_bundle),
        "truncated.json": '{"format": "claimtrack", "claims": [',
        "other.json": '{"hello": "world"}',
        "future.json": '{"format": "claimtrack", "schema_version": 99}',
        "lines.jsonl": '{"text": "ok"}\n{not json}\n{"text": ""}\n',
        "nan.json": '{"format": "claimtrack", "schema_version": 1, "claims": [NaN]}',
        "notext.csv": "title,status\nx,unverified\n",
        "rows.csv": "text,status\nfine,unverified\n,checking\nalso fine,maybe\n",
        "empty.csv": "",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content)
        result = cli("import", str(path), code=1)
        assert result.stderr.startswith("Error:"), name
        assert cli.db_path.read_bytes() == before, name
    bundle = cli("import", str(tmp_path / "bundle.json"), code=1).stderr
    assert "claims[1]: missing text" in bundle
    assert "claims[2]: unknown status 'maybe'" in bundle
    assert "links[0]: unknown claim 'zzz'" in bundle
    lines = cli("import", str(tmp_path / "lines.jsonl"), code=1).stderr
    assert "line 2: not valid JSON" in lines
    rows = cli("import", str(tmp_path / "rows.csv"), code=1).stderr
    assert "row 3: missing text" in rows and "row 4: unknown status" in rows
    (tmp_path / "binary.csv").write_bytes(b"text\n\xff\xfe\n")
    assert "not UTF-8" in cli("import", str(tmp_path / "binary.csv"), code=1).stderr
    assert "no such file" in cli("import", str(tmp_path / "absent.json"), code=1).stderr


def test_csv_import_creates_sources_links_and_is_idempotent(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "Associated Press", "--alias", "AP")
    sheet = tmp_path / "claims.csv"
    sheet.write_text(
        "text,status,tags,story,said_by,reported_by,url\n"
        "Belgrade welcomed tens of thousands of Russians,unverified,serbia;migration,"
        "serbia-russians,AP,AP;Outlet,https://apnews.com/x\n"
        '"Multi-line\nclaim",checking,,,Someone,,\n'
    )
    first = cli("import", str(sheet))
    assert "claims: 2 added" in first.stderr
    claims = {c["text"]: c for c in cli.jsonl("list")}
    welcomed = claims["Belgrade welcomed tens of thousands of Russians"]
    assert welcomed["tags"] == ["serbia", "migration"]
    assert welcomed["said_by"] == ["Associated Press"]
    assert welcomed["reported_by"] == ["Associated Press", "Outlet"]
    ap_link = next(k for k in welcomed["links"] if k["relation"] == "reported-by")
    assert ap_link["url"] == "https://apnews.com/x"
    assert claims["Multi-line\nclaim"]["status"] == "checking"
    before = cli.db_path.read_bytes()
    second = cli("import", str(sheet))
    assert "claims: 0 added, 0 updated, 2 unchanged" in second.stderr
    assert cli.db_path.read_bytes() == before
    assert len(cli.jsonl("source", "list")) == 3


def test_merge_a_colleagues_export(cli: Cli, tmp_path: Path) -> None:
    demo(cli)
    mine = cli.db_path
    colleague = other_cli(tmp_path, "colleague.json")
    colleague("import", "-", "--format", "json", input=cli("export", "--reveal").stdout)
    dozen = cli("list", "--search", "dozen", "-q").stdout.strip()
    eight = cli("list", "--search", "eight", "-q").stdout.strip()
    # Both edit: I note and re-word one claim; the colleague later edits another and
    # adds a note and a link to the first.
    cli("edit", dozen, "--text", "My wording of the dozen claim")
    cli("note", dozen, "my note")
    colleague("note", dozen, "colleague's note")
    colleague("link", dozen, "BCSP", "--as", "supports", "--url", "https://bcsp.example")
    colleague("status", eight, "disputed")
    colleague.add("A claim only the colleague has")
    export = tmp_path / "colleague-export.json"
    colleague("export", "--reveal", "-o", str(export))
    before = mine.read_bytes()
    dry = cli("import", str(export), "--dry-run", "--report-format", "jsonl")
    assert mine.read_bytes() == before
    plan = [json.loads(line) for line in dry.stdout.splitlines()]
    actions = {(p["action"], p["kind"], p["id"]) for p in plan}
    assert ("update", "claim", eight) in actions
    assert any(a == "add" and k == "claim" for a, k, _ in actions)
    assert "Would import" in dry.stderr
    cli("import", str(export))
    merged = cli.json("show", dozen)
    # Field by field: my later re-wording survives the colleague's later note; notes and
    # links are unioned; the colleague's status change wins where I changed nothing.
    assert merged["text"] == "My wording of the dozen claim"
    notes = [n["text"] for n in merged["notes"]]
    assert "my note" in notes and "colleague's note" in notes
    assert any(k["relation"] == "supports" for k in merged["links"])
    assert cli.json("show", eight)["status"] == "disputed"
    assert any(c["text"] == "A claim only the colleague has" for c in cli.jsonl("list"))
    again = cli("import", str(export))
    assert "0 added, 0 updated" in again.stderr


def test_import_matches_sources_by_alias(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "Associated Press", "--alias", "AP")
    other = other_cli(tmp_path, "other.json")
    other("source", "add", "AP", "--kind", "publication")
    other.add("A claim", "--reported-by", "AP")
    cli("import", "-", "--format", "json", input=other("export").stdout)
    assert len(cli.jsonl("source", "list")) == 1
    assert cli.jsonl("list")[0]["reported_by"] == ["Associated Press"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "markdown", "claimreview"])
def test_export_formats_do_not_leak_confidential_names(cli: Cli, fmt: str) -> None:
    claim = add_confidential_source(cli)
    cli("status", claim, "verified")
    out = cli("export", "--format", fmt, "--org", "Desk", "--allow-missing-url").stdout
    for secret in SECRETS:
        assert secret not in out, (fmt, secret)


def test_large_import_shows_progress_on_stderr_terminal(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from claimtrack.cli import interchange
    from claimtrack.cli.context import Environment

    assert interchange.import_progress(100_000, Environment()) is None  # not a terminal: no bar
    terminal = Environment(stderr_isatty=True)
    advance = interchange.import_progress(6000, terminal)
    assert advance is not None and interchange.import_progress(10, terminal) is None
    advance(3000)
    advance(6000)  # finishing stops the bar
    assert capsys.readouterr().out == ""  # nothing on stdout


def test_memo_of_nothing(cli: Cli) -> None:
    memo = cli("export", "--format", "markdown", "--story", "none").stdout
    assert "No claims." in memo and "claims: ." not in memo


@pytest.mark.parametrize(
    "template", ["https://x/{nope}", "https://x/{0}", "https://x/{", "notaurl/{id}"]
)
def test_a_review_url_template_it_cannot_fill_is_one_error_line(cli: Cli, template: str) -> None:
    claim = cli.add("A claim")
    cli("status", claim, "false")
    failed = cli(
        "export", "--format", "claimreview", "--org", "Desk", "--review-url", template, code=1
    )
    assert failed.stderr.startswith("Error: --review-url") and "internal error" not in failed.stderr


def test_the_newest_history_after_an_import_is_what_the_file_holds(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(cli)
    for number in range(4):
        cli.add(f"Claim {number} of the desk")
    full = cli("export", "--reveal").stdout
    copy = other_cli(tmp_path, "copy.json")
    copy("import", "-", "--format", "json", input=full)  # the history comes in packed
    # Read through the index the import left (the events' rows) and by a scan.
    through_index = copy.jsonl("log", "-n", "5")
    monkeypatch.setenv("CLAIMTRACK_INDEX", "never")
    scanned = copy.jsonl("log", "-n", "5")
    assert through_index == scanned
    assert len(scanned) == 5
