"""The one HTTP client policy (``claimtrack.net``), tested against servers this file
starts on 127.0.0.1: slow servers, gzip bombs, redirect chains, charsets, and the
refusal of addresses on the user's own machine or network.

The suite allows private addresses (``CLAIMTRACK_ALLOW_PRIVATE=1`` in conftest.py);
the tests of the refusal unset it.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from claimtrack.net import FetchFailure, HttpPolicy, Page, fetch, guard
from claimtrack.net.decode import BodyDecoder, TooLarge, page_charset, page_text
from tests.helpers import Cli, Server, answer, drip, page, redirect


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    try:
        yield running
    finally:
        running.close()


HTML = b"<!doctype html><html><head><title>T</title></head><body><p>Hello.</p></body></html>"


# -- deadline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("every", [0.1, 3.0], ids=["a-byte-a-tenth", "a-byte-every-3s"])
def test_a_server_that_drips_is_stopped_at_the_deadline(server: Server, every: float) -> None:
    # The per-read timeout (5 s) never fires: each byte comes sooner. Only the total
    # deadline (1 s) can stop it, and it must, within a moment of it.
    server.routes["/slow"] = drip(every)
    policy = HttpPolicy(read_timeout=5.0, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(FetchFailure) as failure:
        fetch(server.url("/slow"), policy)
    assert time.monotonic() - started < 2.5
    assert failure.value.kind == "unreachable"
    assert "within 1 s" in failure.value.message


def test_the_product_deadline_is_twenty_seconds() -> None:
    assert HttpPolicy().deadline == 20.0


# -- size cap on decoded bytes ------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_cap_without_unpacking_it(server: Server) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)  # 64 MB in about 64 KB
    server.routes["/bomb"] = page(bomb, Content_Encoding="gzip")
    with pytest.raises(FetchFailure) as failure:
        fetch(server.url("/bomb"), HttpPolicy(max_bytes=1024 * 1024))
    assert failure.value.kind == "too-large"


def test_gzip_twice_is_undone_twice_and_capped(server: Server) -> None:
    twice = gzip.compress(gzip.compress(HTML))
    server.routes["/ok"] = page(twice, Content_Encoding="gzip, gzip")
    fetched = fetch(server.url("/ok"))
    assert fetched.body == HTML
    # A double bomb: a few hundred bytes that unpack to 256 MB.
    double = gzip.compress(gzip.compress(b"\0" * (256 * 1024 * 1024), 9), 9)
    assert len(double) < 10_000
    server.routes["/double"] = page(double, Content_Encoding="gzip, gzip")
    with pytest.raises(FetchFailure) as failure:
        fetch(server.url("/double"), HttpPolicy(max_bytes=1024 * 1024))
    assert failure.value.kind == "too-large"


def test_the_decoder_never_holds_more_than_the_cap() -> None:
    decoder = BodyDecoder("gzip", limit=100_000)
    packed = gzip.compress(b"a" * 10_000_000)
    with pytest.raises(TooLarge):
        decoder.feed(packed)
    assert decoder.size <= 100_000 + 64 * 1024


def test_raw_deflate_and_zlib_deflate_both_decode(server: Server) -> None:
    raw = zlib.compressobj(wbits=-15)
    server.routes["/raw"] = page(raw.compress(HTML) + raw.flush(), Content_Encoding="deflate")
    server.routes["/zlib"] = page(zlib.compress(HTML), Content_Encoding="deflate")
    assert fetch(server.url("/raw")).body == HTML
    assert fetch(server.url("/zlib")).body == HTML


def test_an_unknown_coding_or_a_corrupt_body_is_one_clear_failure(server: Server) -> None:
    server.routes["/br"] = page(b"\x1b\x00", Content_Encoding="br")
    server.routes["/bad"] = page(b"not gzip at all", Content_Encoding="gzip")
    with pytest.raises(FetchFailure, match="unsupported Content-Encoding br"):
        fetch(server.url("/br"))
    with pytest.raises(FetchFailure, match="corrupt"):
        fetch(server.url("/bad"))


def test_a_redirects_body_counts_against_the_cap_too(server: Server) -> None:
    big = gzip.compress(b"\0" * (8 * 1024 * 1024))
    server.routes["/r"] = lambda h: answer(h, 302, big, Location="/ok", Content_Encoding="gzip")
    server.routes["/ok"] = page(HTML)
    with pytest.raises(FetchFailure) as failure:
        fetch(server.url("/r"), HttpPolicy(max_bytes=1024 * 1024))
    assert failure.value.kind == "too-large"


# -- user agent, redirects -------------------------------------------------------------------


def test_each_request_names_claimtrack_and_sends_no_credentials(server: Server) -> None:
    seen: list[dict[str, str]] = []

    def record(handler: BaseHTTPRequestHandler) -> None:
        seen.append(dict(handler.headers.items()))
        answer(handler, 200, HTML)

    server.routes["/who"] = record
    address = server.url("/who").replace("http://", "http://reporter:secret@")
    fetched = fetch(address)
    (headers,) = seen
    assert headers["User-Agent"].startswith("claimtrack/")
    assert "Authorization" not in headers and "Cookie" not in headers
    assert "secret" not in fetched.url


def test_redirects_are_kept_in_order_with_the_address_they_came_from(server: Server) -> None:
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect(server.url("/c"), 307)
    server.routes["/c"] = page(HTML)
    fetched = fetch(server.url("/a"))
    assert fetched.requested == server.url("/a") and fetched.url == server.url("/c")
    assert [(r.url, r.status) for r in fetched.redirects] == [
        (server.url("/a"), 301),
        (server.url("/b"), 307),
    ]
    assert fetched.ip == "127.0.0.1"
    assert all(r.ip == "127.0.0.1" for r in fetched.redirects)


def test_a_redirect_to_another_site_is_followed_on_a_new_connection(server: Server) -> None:
    other = Server()
    try:
        other.routes["/x"] = page(HTML)
        server.routes["/go"] = redirect(other.url("/x"))
        fetched = fetch(server.url("/go"))
        assert fetched.url == other.url("/x") and fetched.body == HTML
    finally:
        other.close()


@pytest.mark.parametrize(
    "target",
    ["ftp://127.0.0.1/file", "file:///etc/passwd", "javascript:alert(1)", "data:text/html,x"],
)
def test_a_redirect_to_another_scheme_is_never_followed(server: Server, target: str) -> None:
    server.routes["/go"] = redirect(target)
    with pytest.raises(FetchFailure) as failure:
        fetch(server.url("/go"))
    assert failure.value.kind == "refused" and "scheme" in failure.value.message


def test_a_redirect_loop_ends_with_a_clear_failure(server: Server) -> None:
    server.routes["/loop"] = redirect("/loop")
    with pytest.raises(FetchFailure, match="more than 10 redirects"):
        fetch(server.url("/loop"))


# -- addresses on the user's own machine or network -------------------------------------------


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Private addresses refused, as for a user who has not allowed them."""
    monkeypatch.delenv("CLAIMTRACK_ALLOW_PRIVATE", raising=False)


@pytest.mark.usefixtures("strict")
def test_loopback_is_refused_by_address_and_by_name(server: Server) -> None:
    server.routes["/admin"] = page(HTML)
    port = server.server.server_address[1]
    for address in (server.url("/admin"), f"http://localhost:{port}/admin"):
        with pytest.raises(FetchFailure) as failure:
            fetch(address)
        assert failure.value.kind == "refused"
        assert "this machine" in failure.value.message
        assert "--allow-private" in failure.value.message
    assert server.hits == []  # refused before a byte was sent
    assert fetch(server.url("/admin"), HttpPolicy(allow_private=True)).body == HTML


@pytest.mark.usefixtures("strict")
def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 127.0.0.1 stands for a public site here; the redirect goes to 127.0.0.2, which
    # is judged as what it is: this machine.
    real = guard.why_private
    monkeypatch.setattr(
        guard, "why_private", lambda ip: None if str(ip) == "127.0.0.1" else real(ip)
    )
    inside = Server("127.0.0.2")
    try:
        inside.routes["/admin"] = page(b"<html>secret admin page</html>")
        server.routes["/story"] = redirect(inside.url("/admin"))
        with pytest.raises(FetchFailure) as failure:
            fetch(server.url("/story"))
        assert failure.value.kind == "refused" and "127.0.0.2" in failure.value.message
        assert inside.hits == []
    finally:
        inside.close()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "this machine"),
        ("::1", "this machine"),
        ("::ffff:127.0.0.1", "this machine"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("fd00:ec2::254", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.100.100.200", "not public"),
        ("0.0.0.0", "this machine"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_addresses_on_the_users_own_network_are_named_for_what_they_are(
    address: str, why: str
) -> None:
    import ipaddress

    reason = guard.why_private(ipaddress.ip_address(address))
    assert reason is not None and why in reason


def test_public_addresses_are_fetched() -> None:
    import ipaddress

    for address in ("93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"):
        assert guard.why_private(ipaddress.ip_address(address)) is None


@pytest.mark.usefixtures("strict")
def test_archive_and_extract_refuse_a_link_to_this_machine_unless_allowed(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/admin"] = page(b"<html><body><p>Admin said 3 things.</p></body></html>")
    url = server.url("/admin")
    claim = cli.add("A claim", "--said-by", "activists")
    cli("link", claim, "AP", "--as", "reported-by", "--url", url, "--create")
    refused = cli("archive", claim, code=1)
    assert "refused to connect" in refused.stderr and "--allow-private" in refused.stderr
    assert server.hits == []
    assert not Path("claims.evidence").exists()  # nothing kept, nothing made
    extract = cli("extract", url, code=1)
    (line,) = [x for x in extract.stderr.splitlines() if x.startswith("Error:")]
    assert "refused to connect" in line and "Traceback" not in extract.stderr
    assert [r["result"] for r in cli.jsonl("archive", claim, "--allow-private")] == ["archived"]
    assert "Admin said" in cli("extract", url, "--allow-private", "--format", "jsonl").stdout
    other = cli.add("Another claim", "--said-by", "activists")
    linked = cli.json(
        "link", other, "AP", "--as", "reported-by", "--url", url, "--archive", "--allow-private"
    )
    assert linked["links"][-1]["archive"]["sha256"]
    monkeypatch.setenv("CLAIMTRACK_ALLOW_PRIVATE", "1")
    assert cli.jsonl("verify", claim)[0]["result"] == "unchanged"


# -- charset -----------------------------------------------------------------------------------

LATIN = (
    "<!doctype html><html><head><title>H\u00e9l\u00e8ne</title></head><body><article>"
    "<h1>H\u00e9l\u00e8ne Lef\u00e8vre</h1>"
    "<p>PARIS (AP) - La d\u00e9put\u00e9e H\u00e9l\u00e8ne Lef\u00e8vre a d\u00e9clar\u00e9 "
    "que le budget de la r\u00e9gion a augment\u00e9 de 12 pour cent en 2023, selon "
    "les chiffres publi\u00e9s par la pr\u00e9fecture.</p>"
    "<p>Elle a ajout\u00e9 que les d\u00e9penses \u00e9taient mal r\u00e9parties entre "
    "les communes, a rapport\u00e9 le journal.</p></article></body></html>"
)
LATIN_QUOTE = "le budget de la r\u00e9gion a augment\u00e9 de 12 pour cent"


def test_the_header_charset_wins_then_bom_then_meta_then_detection() -> None:
    body = LATIN.encode("latin-1")
    assert page_text(body, "text/html; charset=ISO-8859-1") == LATIN
    bom = b"\xef\xbb\xbf" + LATIN.encode("utf-8")
    assert page_charset(bom, "text/html") == "utf-8" and page_text(bom) == LATIN
    meta = LATIN.replace("<head>", '<head><meta charset="iso-8859-1">').encode("latin-1")
    assert "H\u00e9l\u00e8ne Lef\u00e8vre" in page_text(meta, "text/html")
    assert "H\u00e9l\u00e8ne Lef\u00e8vre" in page_text(body, "text/html")  # detected
    assert page_text(LATIN.encode("utf-8"), "text/html") == LATIN


def test_a_latin1_page_with_its_charset_only_in_the_header_reads_right_everywhere(
    cli: Cli, db_path: Path, server: Server
) -> None:
    server.routes["/fr"] = page(LATIN.encode("latin-1"), "text/html; charset=ISO-8859-1")
    url = server.url("/fr")
    fetched: Page = fetch(url)
    assert "H\u00e9l\u00e8ne Lef\u00e8vre" in fetched.text
    extracted = cli("extract", url, "--format", "jsonl").stdout
    assert "r\u00e9gion" in extracted and "\u00c3" not in extracted
    claim = cli.add("The region's budget grew 12%", "--said-by", "H\u00e9l\u00e8ne Lef\u00e8vre")
    view = cli.json(
        "link",
        claim,
        "AP",
        "--as",
        "reported-by",
        "--url",
        url,
        "--quote",
        LATIN_QUOTE,
        "--create",
    )
    link = view["links"][-1]["id"]
    (archived,) = cli.jsonl("archive", claim)
    assert archived["result"] == "archived" and archived["quote_found"] is True
    assert "H\u00e9l\u00e8ne Lef\u00e8vre" in cli("evidence", link).stdout
    (verified,) = cli.jsonl("verify", claim)
    assert verified["result"] == "unchanged", verified


def test_one_links_bomb_or_drip_never_ends_the_run(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimtrack.net import client

    monkeypatch.setattr(client, "DEADLINE", 1.0)
    monkeypatch.setattr(client, "MAX_BYTES", 1024 * 1024)
    double = gzip.compress(gzip.compress(b"\0" * (64 * 1024 * 1024), 9), 9)
    server.routes["/bomb"] = page(double, Content_Encoding="gzip, gzip")
    server.routes["/slow"] = drip(0.2)
    server.routes["/good"] = page(
        b"<html><body><article><p>The ministry said 40 permits were revoked in 2023."
        b"</p></article></body></html>"
    )
    claim = cli.add("A claim", "--said-by", "activists")
    for name in ("bomb", "slow", "good"):
        cli(
            "link",
            claim,
            f"Outlet {name}",
            "--as",
            "supports",
            "--url",
            server.url(f"/{name}"),
            "--create",
        )
    result = cli("archive", claim, "--format", "jsonl", code=1)
    results = {r["url"].rsplit("/", 1)[1]: r for r in map(json.loads, result.stdout.splitlines())}
    assert results["good"]["result"] == "archived"
    assert results["bomb"]["result"] == "failed" and "limit" in results["bomb"]["error"]
    assert results["slow"]["result"] == "failed" and "within 1 s" in results["slow"]["error"]
    assert "Traceback" not in result.stderr


# -- Save Page Now: what is sent, what is believed -------------------------------------------


@pytest.mark.parametrize(
    "copy",
    [
        "javascript:alert(document.cookie)",
        "https://evil.example/web/1/x",
        "/web/1/\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
        "/not-an-archive-path",
    ],
    ids=["javascript", "another-host", "terminal-escape", "not-under-web"],
)
def test_save_page_now_answers_off_the_archives_origin_are_refused(
    server: Server, copy: str
) -> None:
    from claimtrack.evidence import SavePageNow, WaybackFailure

    url = "https://news.example/story"
    server.routes[f"/save/{url}"] = page(b"<html>saved</html>", Content_Location=copy)
    (result,) = SavePageNow(base=server.url("")).save_all([url]).values()
    assert isinstance(result, WaybackFailure)
    assert "not an archive address" in result.message
    assert "\x1b" not in result.message


def test_a_save_page_now_on_this_machine_is_reached_only_when_private_is_allowed(
    server: Server,
) -> None:
    from claimtrack.evidence import SavePageNow, WaybackFailure

    url = "https://news.example/story"
    server.routes[f"/save/{url}"] = page(b"", Content_Location=f"/web/1/{url}")
    plain = HttpPolicy(allow_private=False, types=())
    (refused,) = SavePageNow(base=server.url(""), policy=plain).save_all([url]).values()
    assert isinstance(refused, WaybackFailure)
    (copy,) = SavePageNow(base=server.url("")).save_all([url]).values()
    assert copy == server.url(f"/web/1/{url}")


def test_save_page_now_answers_are_capped(server: Server) -> None:
    from claimtrack.evidence import SavePageNow, WaybackFailure

    url = "https://news.example/huge"
    huge = gzip.compress(b"\0" * (32 * 1024 * 1024))
    server.routes[f"/save/{url}"] = page(huge, Content_Encoding="gzip")
    (result,) = SavePageNow(base=server.url("")).save_all([url]).values()
    assert isinstance(result, WaybackFailure) and "limit" in result.message


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("https://reporter:hunter2@intranet.example/doc", "user:password@"),
        ("https://news.example/story?token=abc123", "?token="),
        ("https://news.example/story?id=4&access_token=abc", "?access_token="),
        ("https://files.example/a.pdf?X-Amz-Signature=f00", "?X-Amz-Signature="),
        ("https://news.example/story?api_key=k&utm_source=x", "?api_key="),
    ],
)
def test_addresses_with_credentials_are_never_sent_to_save_page_now(
    server: Server, url: str, named: str
) -> None:
    from claimtrack.evidence import SavePageNow, WaybackFailure

    (result,) = SavePageNow(base=server.url("")).save_all([url]).values()
    assert isinstance(result, WaybackFailure)
    assert named in result.message and "not sent" in result.message
    assert server.hits == []


def test_an_ordinary_query_string_is_sent_to_save_page_now(server: Server) -> None:
    from claimtrack.evidence import SavePageNow

    url = "https://news.example/story?id=4&page=2&utm_source=feed&keyword=serbia"
    server.routes[f"/save/{url}"] = page(b"", Content_Location=f"/web/1/{url}")
    (copy,) = SavePageNow(base=server.url("")).save_all([url]).values()
    assert copy == server.url(f"/web/1/{url}")
