"""Archive and verify: cited pages kept as WARC and text, and noticed when they change.

Every page comes from an HTTP server the test starts on 127.0.0.1 (``site``): pages
that change, vanish (404, 410), redirect, are too large, are not HTML, or fail. Nothing
reaches beyond the machine.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from claimtrack.cli.context import Environment
from claimtrack.db import Database
from claimtrack.evidence import (
    EvidenceFolder,
    Fetcher,
    FetchFailure,
    HttpPolicy,
    Page,
    evidence_folder,
)
from claimtrack.evidence.text import QUOTE_MATCH, normalise, quote_found, quote_score
from tests.helpers import Cli, add_confidential_source

ARTICLE = """<!doctype html><html><head><title>{title}</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>
<p>BELGRADE, Serbia (AP) - {body}</p>
<p>Pro-democracy Russian activists say at least a dozen Russians faced entry bans or lost
residence permits in Serbia over the past year, after speaking out against the war.</p>
<p>The Belgrade Centre for Security Policy said the bans followed a pattern it had
documented since 2022, and that the country's ministry had not answered its letters.</p>
</article><footer>Copyright The Associated Press</footer></body></html>"""

QUOTE = "at least a dozen Russians faced entry bans or lost residence permits"


def article(
    body: str = "Serbia welcomed tens of thousands of Russians.", title: str = "Serbia"
) -> bytes:
    return ARTICLE.format(title=title, body=body).encode("utf-8")


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up on a huge page is what the test wants


class Site:
    """A web site on 127.0.0.1 whose pages a test sets and changes."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, str]] = []  # (path, user agent)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append((self.path, self.headers.get("User-Agent", "")))
                route = site.routes.get(self.path, Route(404, b"<html>no such page</html>"))
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if "X-No-Length" not in route.headers:  # else the body ends when it closes
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def page(self, path: str, body: bytes, **headers: str) -> str:
        self.routes[path] = Route(
            200, body, {"Content-Type": "text/html; charset=utf-8", **headers}
        )
        return self.url(path)

    def set(self, path: str, status: int, body: bytes = b"", **headers: str) -> str:
        self.routes[path] = Route(status, body, {"Content-Type": "text/html", **headers})
        return self.url(path)


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    # No proxy from the environment may stand between the test and its own server.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    running = Site()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


def linked(
    cli: Cli,
    url: str,
    *,
    quote: str | None = None,
    source: str = "Associated Press",
    relation: str = "reported-by",
    claim: str | None = None,
) -> tuple[str, str]:
    """A claim (new unless given) linked to ``url``; returns (claim ID, link ID)."""
    if claim is None:
        claim = cli.add("At least a dozen Russians faced entry bans", "--said-by", "activists")
    args = [
        "link",
        claim,
        source,
        "--as",
        relation,
        "--url",
        url,
        "--date",
        "2024-02-26",
        "--create",
    ]
    if quote:
        args += ["--quote", quote]
    view = cli.json(*args)
    found = [k for k in view["links"] if k["url"] == url and k["relation"] == relation]
    return claim, found[0]["id"]


def link_record(db_path: Path, link_id: str) -> dict[str, Any]:
    with Database.open(db_path) as db:
        found = db.link_by_id(link_id)
    assert found is not None
    return dict(found)


# -- archive ---------------------------------------------------------------------------------


def test_archive_keeps_a_warc_that_warcios_own_reader_reads_back(
    cli: Cli, db_path: Path, site: Site
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    url = site.page("/serbia", article())
    claim, link = linked(cli, url)
    reports = cli.jsonl("archive", claim)
    assert [r["result"] for r in reports] == ["archived"]
    record = link_record(db_path, link)["archive"]
    assert record["status"] == 200 and record["url"] == url and record["requested"] == url
    warc = evidence_folder(db_path) / f"{record['sha256']}.warc.gz"
    with warc.open("rb") as handle:
        records = list(
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(handle)
        )
    assert [kind for kind, _, _ in records] == ["warcinfo", "request", "response"]
    assert records[2][1] == url
    assert records[2][2] == article()
    text = cli("evidence", link).stdout
    assert "at least a dozen Russians faced entry bans" in text
    assert "Home" not in text.split()  # the menu is not the main text
    assert cli("evidence", link, "--path").stdout.strip() == str(warc)


def test_the_evidence_folder_and_its_files_are_owner_only(
    cli: Cli, db_path: Path, site: Site
) -> None:
    claim, _ = linked(cli, site.page("/a", article()))
    old = os.umask(0o022)
    try:
        cli("archive", claim)
    finally:
        os.umask(old)
    folder = evidence_folder(db_path)
    assert folder == db_path.with_name("claims.evidence")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_evidence_folder_git_made_0755_becomes_owner_only_on_the_next_archive(
    cli: Cli, db_path: Path, site: Site
) -> None:
    # git keeps no modes: a clone makes claims.evidence/ 0755 (issue 26).
    claim, _ = linked(cli, site.page("/a", article()))
    other, _ = linked(cli, site.page("/b", article()))
    cli("archive", claim)
    folder = evidence_folder(db_path)
    os.chmod(folder, 0o755)
    cli("archive", other)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_two_links_to_one_page_share_one_snapshot_and_the_page_is_fetched_once(
    cli: Cli, db_path: Path, site: Site
) -> None:
    url = site.page("/shared", article())
    claim, first = linked(cli, url)
    _, second = linked(cli, url, source="BCSP", relation="supports", claim=claim)
    other, third = linked(cli, url)
    cli("archive", claim, other)
    snapshots = {link_record(db_path, k)["archive"]["sha256"] for k in (first, second, third)}
    assert len(snapshots) == 1
    sha = snapshots.pop()
    assert sorted(p.name for p in evidence_folder(db_path).iterdir()) == [
        f"{sha}.txt",
        f"{sha}.warc.gz",
    ]
    assert [path for path, _ in site.hits] == ["/shared"]
    assert site.hits[0][1].startswith("claimtrack/")


def test_archived_links_are_kept_unless_again(cli: Cli, db_path: Path, site: Site) -> None:
    url = site.page("/p", article())
    claim, link = linked(cli, url)
    cli("archive", claim)
    first = link_record(db_path, link)["archive"]
    site.page("/p", article("Serbia now says it welcomed few Russians."))
    assert [r["result"] for r in cli.jsonl("archive", claim)] == ["kept"]
    assert link_record(db_path, link)["archive"] == first
    assert [r["result"] for r in cli.jsonl("archive", claim, "--again")] == ["archived"]
    second = link_record(db_path, link)["archive"]
    assert second["sha256"] != first["sha256"]
    assert len(list(evidence_folder(db_path).glob("*.warc.gz"))) == 2  # the first is kept


def test_a_redirect_is_followed_and_the_final_url_recorded(
    cli: Cli, db_path: Path, site: Site
) -> None:
    final = site.page("/story-2024", article())
    start = site.set("/s/1", 301, Location=final)
    claim, link = linked(cli, start)
    cli("archive", claim)
    record = link_record(db_path, link)["archive"]
    assert record["requested"] == start and record["url"] == final and record["status"] == 200


def test_failing_pages_each_give_one_error_line_and_leave_their_links_unchanged(
    cli: Cli, db_path: Path, site: Site, raw_db: Any
) -> None:
    good = site.page("/ok", article())
    claim, good_link = linked(cli, good)
    bad = {
        "gone": site.set("/gone", 404, b"<html>not found</html>"),
        "deleted": site.set("/deleted", 410, b"<html>gone</html>"),
        "pdf": site.set("/report.pdf", 200, b"%PDF-1.4", **{"Content-Type": "application/pdf"}),
        "huge": site.page("/huge", b"<html>" + b"x" * (11 * 1024 * 1024) + b"</html>"),
        "loop": site.set("/loop", 302, Location="/loop"),
        "error": site.set("/error", 500, b"oops"),
        "offline": "http://127.0.0.1:9/nothing-listens-here",
        "not-web": "ftp://example.invalid/file",
    }
    links = {}
    for name, url in bad.items():
        _, links[name] = linked(cli, url, source=f"Outlet {name}", claim=claim)
    before = {k: link_record(db_path, v) for k, v in links.items()}
    result = cli("archive", claim, code=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == len(bad), result.stderr
    assert "Traceback" not in result.stderr
    joined = "\n".join(errors)
    for expected in (
        "HTTP 404",
        "HTTP 410",
        "not an HTML page (application/pdf)",
        "limit",
        "redirects",
        "HTTP 500",
        "cannot connect",
        "not a web address",
    ):
        assert expected in joined, expected
    assert link_record(db_path, good_link)["archive"] is not None
    assert {k: link_record(db_path, v) for k, v in links.items()} == before


def test_link_archive_archives_as_it_links(cli: Cli, db_path: Path, site: Site) -> None:
    url = site.page("/l", article())
    claim = cli.add("A claim", "--said-by", "activists")
    view = cli.json(
        "link", claim, "AP", "--as", "reported-by", "--url", url, "--create", "--archive"
    )
    (link,) = [k for k in view["links"] if k["url"] == url]
    assert link["archive"]["sha256"]
    assert link_record(db_path, link["id"])["archive"]["status"] == 200


def test_link_archive_that_fails_still_links_and_exits_1(
    cli: Cli, db_path: Path, site: Site
) -> None:
    claim = cli.add("A claim", "--said-by", "activists")
    url = site.set("/x", 404)
    result = cli(
        "link", claim, "AP", "--as", "reported-by", "--url", url, "--create", "--archive", code=1
    )
    assert "HTTP 404" in result.stderr
    links = cli.json("show", claim)["links"]
    assert [k["archive"] for k in links if k["url"] == url] == [None]


def test_a_new_url_drops_the_old_snapshot_and_undo_restores_it(
    cli: Cli, db_path: Path, site: Site
) -> None:
    claim, link = linked(cli, site.page("/one", article()))
    cli("archive", claim)
    kept = link_record(db_path, link)["archive"]
    cli("undo")
    assert not link_record(db_path, link).get("archive")
    cli("redo")
    assert link_record(db_path, link)["archive"] == kept
    cli(
        "link",
        claim,
        "Associated Press",
        "--as",
        "reported-by",
        "--url",
        site.page("/two", article()),
    )
    assert link_record(db_path, link)["archive"] is None
    assert "archive" in cli("log", link, "--format", "jsonl").stdout


def test_show_says_which_links_are_archived_and_when(cli: Cli, site: Site) -> None:
    claim, _ = linked(cli, site.page("/s", article()))
    linked(cli, site.page("/t", article()), source="BCSP", relation="supports", claim=claim)
    cli("archive", claim, "--source", "Associated Press")
    # --source narrows the claims, not the links: both are archived.
    shown = cli("show", claim, "--format", "table").stdout
    assert shown.count("archived 20") == 2
    cli(
        "link",
        claim,
        "Ministry",
        "--as",
        "disputes",
        "--url",
        site.page("/u", article()),
        "--create",
    )
    shown = cli("show", claim, "--format", "table").stdout
    assert "not archived" in shown


# -- verify ----------------------------------------------------------------------------------


def test_verify_says_unchanged_changed_quote_missing_gone_and_unreachable(
    cli: Cli, db_path: Path, site: Site
) -> None:
    urls = {
        name: site.page(f"/{name}", article())
        for name in ("same", "restyled", "edited", "requoted", "gone", "deleted", "down")
    }
    claim = None
    links: dict[str, str] = {}
    for name, url in urls.items():
        quote = QUOTE if name in ("requoted", "restyled") else None
        claim, links[name] = linked(cli, url, quote=quote, source=f"Outlet {name}", claim=claim)
    assert claim is not None
    cli("archive", claim)
    # Same words, new markup, curly quotes and re-wrapped lines: not a change.
    restyled = (
        article()
        .replace(b"<p>", b"<p class='story'>\n  ")
        .replace(b"at least a dozen Russians", b"at  least a\n dozen Russians")
        .replace(b"country's", "country\u2019s".encode())
    )
    site.page("/restyled", restyled)
    site.page("/edited", article("Serbia says it welcomed only a few Russians."))
    site.page("/requoted", article().replace(b"at least a dozen", b"a few"))
    site.set("/gone", 404)
    site.set("/deleted", 410)
    site.set("/down", 503)
    out = cli("verify", claim, "--format", "jsonl", code=1).stdout
    reports = {r["link"]: r for r in map(json.loads, out.splitlines())}
    got = {name: reports[link]["result"] for name, link in links.items()}
    assert got == {
        "same": "unchanged",
        "restyled": "unchanged",
        "edited": "changed",
        "requoted": "quote-missing",
        "gone": "gone",
        "deleted": "gone",
        "down": "unreachable",
    }
    assert reports[links["gone"]]["status"] == 404
    assert link_record(db_path, links["requoted"])["verify"]["result"] == "quote-missing"


def test_verify_exits_0_when_nothing_changed_and_records_when_it_looked(
    cli: Cli, db_path: Path, site: Site
) -> None:
    claim, link = linked(cli, site.page("/v", article()), quote=QUOTE)
    cli("archive", claim)
    result = cli("verify", claim, "--format", "table")
    assert "unchanged" in result.stdout
    first = link_record(db_path, link)["verify"]
    cli("verify", claim)
    again = link_record(db_path, link)["verify"]
    assert again["result"] == "unchanged" and again["since"] == first["since"]
    assert again["checked"] > first["checked"]  # "when did we last look?"
    shown = {k["id"]: k for k in cli.json("show", claim)["links"]}
    assert shown[link]["verify"]["checked"] == again["checked"]


# A long article in which one figure changes: it must not read as "100% alike".
LONG = " ".join(f"Paragraph {n} of the report adds context about the region." for n in range(80))


def test_verify_names_the_changed_figure_and_shows_the_diff(cli: Cli, site: Site) -> None:
    body = f"A Gallup poll showed the approval rating at 13%, a record low. {LONG}"
    url = site.page("/poll", article(body))
    claim, _ = linked(cli, url)
    cli("archive", claim)
    site.page("/poll", article(body.replace("13%", "11%")))
    out = cli("verify", claim, "--format", "json", code=1).stdout
    report = json.loads(out)[0]
    assert report["result"] == "changed"
    assert "1 sentence altered" in report["detail"]
    assert "numbers: 13% -> 11%" in report["detail"]
    assert "100% alike" not in report["detail"] and "99.9% alike" in report["detail"]
    changed = [line for line in report["diff"].splitlines() if line[:1] in "-+"][2:]
    assert changed == [
        "-BELGRADE, Serbia (AP) - A Gallup poll showed the approval rating at 13%, a record low.",
        "+BELGRADE, Serbia (AP) - A Gallup poll showed the approval rating at 11%, a record low.",
    ]
    table = cli("verify", claim, "--diff", "--format", "table", code=1).stdout
    assert "\n    -BELGRADE" in table and "\n    +BELGRADE" in table
    assert "    -" not in cli("verify", claim, "--format", "table", code=1).stdout


def test_check_flags_a_verdict_whose_page_lost_a_figure_the_claim_states(
    cli: Cli, site: Site
) -> None:
    body = f"A Gallup poll showed the approval rating at 13%, a record low. {LONG}"
    url = site.page("/rating", article(body))
    claim = cli.add("The approval rating was 13%", "--said-by", "Gallup")
    linked(cli, url, claim=claim)
    cli("archive", claim)
    site.page("/rating", article(body.replace("13%", "11%")))
    cli("verify", claim, code=1)
    assert '"page-changed"' not in cli("check", "--format", "jsonl", code=1).stdout  # no verdict
    cli("status", claim, "verified", "--rating", "Accurate")
    problems = [
        json.loads(line) for line in cli("check", "--format", "jsonl", code=1).stdout.splitlines()
    ]
    changed = [p for p in problems if p["code"] == "page-changed"]
    assert len(changed) == 1 and "no longer states 13%" in changed[0]["message"]
    off = cli("check", "--format", "jsonl", "--disable", "page-changed", code=1).stdout
    assert '"page-changed"' not in off
    other = cli.add("The region has 80 paragraphs", "--said-by", "Gallup")
    linked(cli, url, claim=other, source="Other Outlet")
    cli("status", other, "verified")
    site.page("/rating", article(body))
    cli("archive", other)
    site.page("/rating", article(body.replace("13%", "11%")))
    cli("verify", other, code=1)
    flagged = {
        json.loads(line)["claim"]
        for line in cli("check", "--format", "jsonl", code=1).stdout.splitlines()
        if json.loads(line)["code"] == "page-changed"
    }
    assert flagged == {claim}  # the other claim states no figure the page lost


def test_verify_skips_links_not_archived(cli: Cli, site: Site) -> None:
    claim, _ = linked(cli, site.page("/n", article()))
    result = cli("verify", claim)
    assert result.stdout == ""
    assert "1 link(s) with a URL not archived" in result.stderr


def test_a_bad_claim_or_filter_is_one_error_line(cli: Cli) -> None:
    result = cli("archive", "zzzzzzz", code=1)
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    result = cli("verify", "--source", "Nobody By That Name", code=1)
    assert result.stderr.startswith("Error: ")


# -- check -----------------------------------------------------------------------------------


def test_check_unarchived_and_quote_drift(cli: Cli, site: Site) -> None:
    claim, _ = linked(cli, site.page("/c", article()), quote=QUOTE)
    codes = cli("check", "--format", "jsonl", code=1).stdout
    assert '"unarchived"' in codes and '"quote-drift"' not in codes
    cli("archive", claim)
    assert '"unarchived"' not in cli("check", "--format", "jsonl", code=1).stdout
    site.page("/c", article().replace(b"at least a dozen", b"some"))
    cli("verify", claim, code=1)
    codes = cli("check", "--format", "jsonl", code=1).stdout
    assert '"quote-drift"' in codes
    off = cli("check", "--format", "jsonl", "--disable", "quote-drift", code=1).stdout
    assert '"quote-drift"' not in off
    site.page("/c", article())
    cli("verify", claim)
    assert '"quote-drift"' not in cli("check", "--format", "jsonl", code=1).stdout


def test_check_unarchived_ignores_said_by_links_and_links_without_url(cli: Cli, site: Site) -> None:
    claim = cli.add("A claim")
    cli(
        "link", claim, "Someone", "--as", "said-by", "--url", site.page("/q", article()), "--create"
    )
    cli("link", claim, "AP", "--as", "reported-by", "--create")
    assert '"unarchived"' not in cli("check", "--format", "jsonl", code=1).stdout


def test_a_page_gone_is_quote_drift_and_can_be_switched_off_in_claimtrack_toml(
    cli: Cli, db_path: Path, site: Site
) -> None:
    claim, _ = linked(cli, site.page("/g", article()))
    cli("archive", claim)
    site.set("/g", 410)
    cli("verify", claim, code=1)
    assert '"quote-drift"' in cli("check", "--format", "jsonl", code=1).stdout
    db_path.with_name("claimtrack.toml").write_text('[check]\ndisable = ["quote-drift"]\n')
    assert '"quote-drift"' not in cli("check", "--format", "jsonl", code=1).stdout


# -- confidential sources -----------------------------------------------------------------------


def test_a_confidential_sources_snapshot_is_never_named_without_reveal(
    cli: Cli, db_path: Path, site: Site
) -> None:
    claim = add_confidential_source(cli)
    url = site.page("/olga", article())
    cli("link", claim, "Olga H", "--as", "supports", "--url", url)
    archived = cli.jsonl("archive", claim)
    (report,) = [r for r in archived if r["source"].startswith("Confidential source")]
    sha = link_record(db_path, report["link"])["archive"]["sha256"]
    outputs = [
        cli("archive", claim, "--format", "jsonl").stdout,
        cli("show", claim, "--format", "json").stdout,
        cli("show", claim, "--format", "table").stdout,
        cli("export", "--format", "json").stdout,
        cli("export", "--format", "jsonl").stdout,
        cli("log", "--format", "jsonl").stdout,
    ]
    site.page("/olga", article("changed"))
    outputs.append(cli("verify", claim, "--format", "jsonl", code=1).stdout)
    for out in outputs:
        assert sha not in out and "/olga" not in out
    refused = cli("evidence", report["link"], code=1)
    assert "confidential" in refused.stderr and sha not in refused.stderr
    assert "Serbia" in cli("evidence", report["link"], "--reveal").stdout
    assert sha in cli("evidence", report["link"], "--reveal", "--path").stdout
    assert sha in cli("show", claim, "--reveal", "--format", "json").stdout


# -- --wayback: a public copy from a fake Save Page Now ------------------------------------------


@pytest.fixture
def spn(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A fake Save Page Now on 127.0.0.1 (``$CLAIMTRACK_WAYBACK_URL``): ``/save/<url>`` is a
    404 until a test sets it (``saved``)."""
    running = Site()
    running.thread.start()
    monkeypatch.setenv("CLAIMTRACK_WAYBACK_URL", running.url(""))
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


def saved(spn: Site, url: str, stamp: str = "20240226101400") -> str:
    """Make the fake Save Page Now capture ``url``; returns the copy's URL it will give."""
    copy = f"/web/{stamp}/{url}"
    spn.set(f"/save/{url}", 200, b"<html>saved</html>", **{"Content-Location": copy})
    return spn.url(copy)


def test_wayback_records_the_public_copy_of_each_page_archived_now(
    cli: Cli, db_path: Path, site: Site, spn: Site
) -> None:
    url = site.page("/w", article())
    claim, link = linked(cli, url)
    copy = saved(spn, url)
    result = cli("archive", claim, "--wayback", "--format", "table")
    assert f"public copy: {copy}" in result.stdout
    assert "Warning" not in result.stderr
    assert link_record(db_path, link)["archive"]["wayback"] == copy
    assert spn.hits == [(f"/save/{url}", spn.hits[0][1])]
    assert spn.hits[0][1].startswith("claimtrack/")
    # A link archived before is kept as it is, so it is not sent again.
    assert [r["wayback"] for r in cli.jsonl("archive", claim, "--wayback")] == [copy]
    assert len(spn.hits) == 1


def test_without_wayback_nothing_is_sent_to_the_internet_archive(
    cli: Cli, db_path: Path, site: Site, spn: Site
) -> None:
    url = site.page("/n", article())
    claim, link = linked(cli, url)
    saved(spn, url)
    cli("archive", claim)
    assert spn.hits == []
    assert link_record(db_path, link)["archive"]["wayback"] is None


def test_link_archive_wayback_asks_for_a_copy_as_it_links(
    cli: Cli, db_path: Path, site: Site, spn: Site
) -> None:
    url = site.page("/lw", article())
    copy = saved(spn, url)
    claim = cli.add("A claim", "--said-by", "activists")
    args = ["link", claim, "AP", "--as", "reported-by", "--url", url, "--create"]
    view = cli.json(*args, "--archive", "--wayback")
    (made,) = [k for k in view["links"] if k["url"] == url]
    assert made["archive"]["wayback"] == copy
    usage = cli(*args, "--wayback", code=2)
    assert "--archive" in usage.stderr


def test_wayback_failures_are_one_warning_per_link_and_keep_the_snapshot(
    cli: Cli, db_path: Path, site: Site, spn: Site
) -> None:
    claim, first = linked(cli, site.page("/a1", article()))
    urls = {"a1": site.url("/a1")}
    links = {"a1": first}
    for name in ("a2", "a3", "a4"):
        urls[name] = site.page(f"/{name}", article(name))
        _, links[name] = linked(cli, urls[name], source=f"Outlet {name}", claim=claim)
    spn.set(f"/save/{urls['a1']}", 502, b"bad gateway")
    spn.set(f"/save/{urls['a2']}", 200, b"", **{"X-Archive-Wayback-Runtime-Error": "Blocked"})
    spn.set(f"/save/{urls['a3']}", 429, b"slow down")
    saved(spn, urls["a4"])  # never asked: Save Page Now said to slow down
    result = cli("archive", claim, "--wayback")  # the snapshots are kept: exit 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 4, result.stderr
    assert "Traceback" not in result.stderr
    joined = "\n".join(warnings)
    for expected in ("HTTP 502", "refused: Blocked", "HTTP 429"):
        assert expected in joined, expected
    assert [path for path, _ in spn.hits] == [f"/save/{urls[n]}" for n in ("a1", "a2", "a3")]
    for link in links.values():
        record = link_record(db_path, link)["archive"]
        assert record["sha256"] and record["wayback"] is None


def test_wayback_offline_is_a_warning_not_a_traceback(
    cli: Cli, db_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMTRACK_WAYBACK_URL", "http://127.0.0.1:9")
    claim, link = linked(cli, site.page("/off", article()))
    result = cli("archive", claim, "--wayback")
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert "cannot reach Save Page Now" in warning
    assert link_record(db_path, link)["archive"]["sha256"]


def test_a_confidential_sources_link_is_never_sent_to_the_internet_archive(
    cli: Cli, db_path: Path, site: Site, spn: Site
) -> None:
    claim = add_confidential_source(cli)
    secret = site.page("/olga", article())
    cli("link", claim, "Olga H", "--as", "supports", "--url", secret)
    saved(spn, secret)
    public = site.page("/ap", article("AP"))
    copy = saved(spn, public)
    cli("link", claim, "AP", "--as", "reported-by", "--url", public, "--create")
    for reveal in ([], ["--reveal"]):
        result = cli("archive", claim, "--wayback", "--again", *reveal)
        (warning,) = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
        assert "confidential" in warning and "Internet Archive" in warning
        if not reveal:
            assert "/olga" not in result.stderr + result.stdout
    assert all("/olga" not in path for path, _ in spn.hits)
    links = {k["url"]: k for k in cli.json("show", claim, "--reveal")["links"] if k["url"]}
    assert links[secret]["archive"]["wayback"] is None
    assert links[public]["archive"]["wayback"] == copy


def test_save_page_now_copy_from_a_memento_link_or_the_final_redirect(spn: Site) -> None:
    from claimtrack.evidence import SavePageNow, WaybackFailure

    by_link = "http://example.invalid/a"
    memento = spn.url(f"/web/1/{by_link}")
    spn.set(f"/save/{by_link}", 200, b"", Link=f'<{memento}>; rel="memento"')
    by_redirect = "http://example.invalid/b"
    spn.set(f"/save/{by_redirect}", 302, Location=f"/web/2/{by_redirect}")
    spn.set(f"/web/2/{by_redirect}", 200, b"<html>copy</html>")
    nothing = "http://example.invalid/c"
    spn.set(f"/save/{nothing}", 200, b"<html>?</html>")
    copies = SavePageNow(base=spn.url("")).save_all([by_link, by_redirect, nothing])
    assert copies[by_link] == memento
    assert copies[by_redirect] == spn.url(f"/web/2/{by_redirect}")
    failure = copies[nothing]
    assert isinstance(failure, WaybackFailure) and "address" in failure.message


# -- the pieces on their own ----------------------------------------------------------------------


def test_quotes_match_whatever_the_typography_but_not_a_changed_word() -> None:
    page = "Activists say \u201cat least a dozen\u201d Russians\nfaced  entry bans \u2013 or worse."
    assert quote_found('at least a dozen" Russians faced entry bans - or worse', page)
    assert normalise("\u201cA\u00a0B\u201d") == '"a b"'
    assert (
        quote_score("at least a dozen Russians faced entry bans", "a few Russians faced entry bans")
        < QUOTE_MATCH
    )
    assert quote_score("12 Russians faced entry bans", "13 Russians faced entry bans") < QUOTE_MATCH
    assert not quote_found(QUOTE, "Pro-democracy activists say Russians faced entry bans.")


def test_gzip_pages_are_kept_decoded_with_honest_headers(tmp_path: Path, site: Site) -> None:
    url = site.page("/z", gzip.compress(article()), **{"Content-Encoding": "gzip"})
    (page,) = Fetcher(workers=1).fetch_all([url]).values()
    assert isinstance(page, Page)
    assert page.body == article()
    names = {name.lower(): value for name, value in page.headers}
    assert "content-encoding" not in names and names["content-length"] == str(len(article()))
    folder = EvidenceFolder(tmp_path / "e.evidence")
    sha, _ = folder.keep(page, "text")
    from warcio.archiveiterator import ArchiveIterator

    with folder.warc_path(sha).open("rb") as handle:
        bodies = [
            r.content_stream().read() for r in ArchiveIterator(handle) if r.rec_type == "response"
        ]
    assert bodies == [article()]


def test_the_size_cap_stops_a_page_that_does_not_say_its_size(site: Site) -> None:
    url = site.page("/big", b"<html>" + b"y" * 5000 + b"</html>", **{"X-No-Length": "1"})
    (result,) = Fetcher(HttpPolicy(max_bytes=1000), workers=1).fetch_all([url]).values()
    assert isinstance(result, FetchFailure) and result.kind == "too-large"


def test_a_terminal_gets_a_progress_bar_on_stderr_and_the_lines_on_stdout(
    cli: Cli, site: Site
) -> None:
    claim, _ = linked(cli, site.page("/one", article()))
    linked(
        cli, site.page("/two", article("Other")), source="BCSP", relation="supports", claim=claim
    )
    terminal = Environment(stdin_isatty=True, stdout_isatty=True, stderr_isatty=True)
    result = cli("archive", claim, env=terminal)
    assert result.stdout.count("archived ") == 2
    assert "2 archived, 0 archived before, 0 failed" in result.stderr


def test_a_snapshot_record_travels_with_its_link_through_export_and_import(
    cli: Cli, db_path: Path, site: Site, tmp_path: Path
) -> None:
    claim, link = linked(cli, site.page("/p", article()))
    cli("archive", claim)
    kept = link_record(db_path, link)["archive"]
    cli("export", "-o", str(tmp_path / "out.json"))
    other = tmp_path / "other.json"
    Cli(other)("import", str(tmp_path / "out.json"))
    assert link_record(other, link)["archive"] == kept
    # A snapshot record whose SHA-256 is not one (it names the snapshot's files) is refused.
    bad = json.loads((tmp_path / "out.json").read_text())
    next(k for k in bad["links"] if k["id"] == link)["archive"]["sha256"] = "../../x"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    failed = Cli(tmp_path / "third.json")("import", str(tmp_path / "bad.json"), code=1)
    assert "not a snapshot record" in failed.stderr


def test_two_addresses_serving_the_same_bytes_keep_snapshots_of_their_own(
    cli: Cli, db_path: Path, site: Site
) -> None:
    page = article()
    secret = site.page("/leak?tip=a-secret-name", page)
    public = site.page("/leak?utm_source=x", page)
    cli("source", "add", "Hidden", "--confidential", "--reason", "r", "--approved-by", "e")
    claim_a = cli.add("A claim the hidden source backs")
    view = cli.json("link", claim_a, "Hidden", "--as", "supports", "--url", secret)
    hidden_link = view["links"][0]["id"]  # its URL is withheld in the view
    claim_b, public_link = linked(cli, public)
    cli("archive", claim_a, claim_b)
    shown = cli("evidence", public_link, "--path").stdout.strip()
    with gzip.open(shown) as handle:
        assert b"a-secret-name" not in handle.read()  # the public snapshot names its own URL
    hidden = link_record(db_path, hidden_link)["archive"]["sha256"]
    assert hidden != link_record(db_path, public_link)["archive"]["sha256"]
