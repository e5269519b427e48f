"""The evidence folder's snapshots: WARC records a replay tool can use, files checked
against their SHA-256 on every read, never a symbolic link followed, and nothing left
behind by a killed ``archive``. Pages come from a server on 127.0.0.1."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimtrack.db import Database
from claimtrack.evidence import EvidenceFolder, evidence_folder
from claimtrack.evidence.folder import JOURNAL_PREFIX, Journal
from tests.helpers import Cli, Server, page, redirect

ARTICLE = (
    b"<!doctype html><html><head><title>Budget</title></head><body><article>"
    b"<h1>Budget</h1><p>CITY (AP) - The council said the budget grew by 12 percent in "
    b"2023, according to figures it published on Monday.</p><p>Opposition members said "
    b"the figures left out two large projects, and asked for an audit.</p>"
    b"</article></body></html>"
)


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    try:
        yield running
    finally:
        running.close()


def archived_link(cli: Cli, url: str, *, source: str = "AP", claim: str | None = None) -> Any:
    """(claim ID, link ID) of a new link to ``url``, archived."""
    claim = claim or cli.add("The budget grew by 12 percent", "--said-by", "the council")
    view = cli.json("link", claim, source, "--as", "reported-by", "--url", url, "--create")
    link = next(k["id"] for k in view["links"] if k["url"] == url)
    cli("archive", claim)
    return claim, link


def record(db_path: Path, link: str) -> dict[str, Any]:
    with Database.open(db_path) as db:
        found = db.link_by_id(link)
    assert found is not None and found["archive"] is not None
    return dict(found["archive"])


# -- WARC records ------------------------------------------------------------------------------


def test_a_redirecting_link_keeps_each_hop_as_warc_1_0_records_with_ip_addresses(
    cli: Cli, db_path: Path, server: Server
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    server.routes["/short"] = redirect("/moved", 301)
    server.routes["/moved"] = redirect("/story", 302)
    server.routes["/story"] = page(ARTICLE)
    cited = server.url("/short")
    _, link = archived_link(cli, cited)
    warc = evidence_folder(db_path) / f"{record(db_path, link)['sha256']}.warc.gz"
    with warc.open("rb") as handle:
        records = [
            (
                r.rec_type,
                r.rec_headers.protocol,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.http_headers.get_statuscode() if r.rec_type == "response" else None,
                r.rec_headers.get_header("WARC-IP-Address"),
            )
            for r in ArchiveIterator(handle)
        ]
    assert {protocol for _, protocol, _, _, _ in records} == {"WARC/1.0"}
    hops = [(kind, uri, status) for kind, _, uri, status, _ in records[1:]]
    assert hops == [
        ("request", cited, None),
        ("response", cited, "301"),  # the address the claim cites answers in a replay
        ("request", server.url("/moved"), None),
        ("response", server.url("/moved"), "302"),
        ("request", server.url("/story"), None),
        ("response", server.url("/story"), "200"),
    ]
    assert all(ip == "127.0.0.1" for _, _, _, _, ip in records[1:])


# -- checked on every read ---------------------------------------------------------------------


def test_a_tampered_snapshot_is_reported_by_evidence_verify_and_replaced_by_archive_again(
    cli: Cli, db_path: Path, server: Server
) -> None:
    server.routes["/story"] = page(ARTICLE)
    claim, link = archived_link(cli, server.url("/story"))
    sha = record(db_path, link)["sha256"]
    folder = evidence_folder(db_path)
    text_file = folder / f"{sha}.txt"
    honest = text_file.read_bytes()
    text_file.write_bytes(honest.replace(b"12 percent", b"21 percent"))
    refused = cli("evidence", link, code=1)
    assert "cannot be trusted" in refused.stderr and "21 percent" not in refused.stdout
    cli("evidence", link, "--path", code=1)
    verified = cli("verify", claim, "--format", "jsonl", code=1)
    assert "cannot be trusted" in verified.stdout
    again = cli("archive", claim, "--again")
    assert "did not match its SHA-256" in again.stderr and "written anew" in again.stderr
    assert text_file.read_bytes() == honest
    assert "12 percent" in cli("evidence", link).stdout


def test_a_planted_warc_is_caught_however_alike_it_looks(
    cli: Cli, db_path: Path, server: Server
) -> None:
    server.routes["/story"] = page(ARTICLE)
    claim, link = archived_link(cli, server.url("/story"))
    warc = evidence_folder(db_path) / f"{record(db_path, link)['sha256']}.warc.gz"
    original = gzip.decompress(warc.read_bytes())
    planted = original.replace(b"12 percent", b"21 percent")
    warc.write_bytes(gzip.compress(planted))
    failed = cli("evidence", link, code=1)
    assert "does not match its SHA-256" in failed.stderr
    assert cli("verify", claim, code=1).stdout.count("cannot be trusted") == 1


def test_a_symlink_planted_in_the_evidence_folder_is_never_followed(
    cli: Cli, db_path: Path, server: Server, tmp_path: Path
) -> None:
    server.routes["/story"] = page(ARTICLE)
    claim, link = archived_link(cli, server.url("/story"))
    sha = record(db_path, link)["sha256"]
    secret = tmp_path / "private-notes.txt"
    secret.write_text("my private notes\n")
    text_file = evidence_folder(db_path) / f"{sha}.txt"
    text_file.unlink()
    text_file.symlink_to(secret)
    shown = cli("evidence", link, code=1)
    assert "symbolic link" in shown.stderr and "private notes" not in shown.stdout
    assert "symbolic link" in cli("verify", claim, code=1).stdout
    cli("archive", claim, "--again")
    assert not text_file.is_symlink() and secret.read_text() == "my private notes\n"
    assert "12 percent" in cli("evidence", link).stdout


def test_a_fifo_planted_under_a_snapshots_name_does_not_hang_a_read(
    cli: Cli, db_path: Path, server: Server
) -> None:
    server.routes["/story"] = page(ARTICLE)
    _, link = archived_link(cli, server.url("/story"))
    text_file = evidence_folder(db_path) / f"{record(db_path, link)['sha256']}.txt"
    text_file.unlink()
    os.mkfifo(text_file)
    assert "not a regular file" in cli("evidence", link, code=1).stderr


# -- warnings ------------------------------------------------------------------------------------


def test_a_page_archived_with_no_text_warns(cli: Cli, db_path: Path, server: Server) -> None:
    server.routes["/app"] = page(
        b"<html><head><script src=app.js></script></head><body></body></html>"
    )
    claim = cli.add("A claim", "--said-by", "someone")
    cli("link", claim, "AP", "--as", "reported-by", "--url", server.url("/app"), "--create")
    result = cli("archive", claim, "--format", "jsonl")
    assert "Warning:" in result.stderr and "has no text" in result.stderr
    assert '"result":"archived"' in result.stdout.replace(" ", "")
    assert "has no text" in result.stdout  # the report's warning field


# -- a killed run ------------------------------------------------------------------------------


def test_what_a_killed_archive_left_is_removed_by_the_next_run(
    cli: Cli, db_path: Path, server: Server
) -> None:
    server.routes["/a"] = page(ARTICLE)
    server.routes["/b"] = page(ARTICLE.replace(b"Budget", b"Audit"))
    claim, kept_link = archived_link(cli, server.url("/a"))
    kept = record(db_path, kept_link)["sha256"]
    folder = EvidenceFolder.of(db_path)
    # A run killed after writing an orphan snapshot and half a file, before recording:
    # its journal lists what it wrote, and nobody holds its lock any more.
    orphan = "0" * 64
    dead = Journal(folder)
    dead.note(orphan)
    dead.note(kept)  # it had re-kept a snapshot a link names: that one stays
    dead.abandon()
    (folder.path / f"{orphan}.warc.gz").write_bytes(b"orphan")
    (folder.path / f"{orphan}.txt").write_bytes(b"orphan")
    (folder.path / f".{orphan}.txt.k1ll.tmp").write_bytes(b"half")
    (folder.path / f".{kept}.warc.gz.k1ll.tmp").write_bytes(b"half")
    # A run still going (its journal locked) is left alone.
    live = Journal(folder)
    busy = "1" * 64
    live.note(busy)
    (folder.path / f".{busy}.txt.l1ve.tmp").write_bytes(b"being written")
    try:
        cli("link", claim, "BCSP", "--as", "supports", "--url", server.url("/b"), "--create")
        cli("archive", claim)
        names = sorted(p.name for p in folder.path.iterdir())
        assert not any(orphan in name for name in names)
        assert f".{kept}.warc.gz.k1ll.tmp" not in names
        assert {f"{kept}.warc.gz", f"{kept}.txt"} <= set(names)
        assert live.path is not None
        assert f".{busy}.txt.l1ve.tmp" in names and live.path.name in names
        assert [n for n in names if n.startswith(JOURNAL_PREFIX)] == [live.path.name]
    finally:
        live.close()


def test_an_archive_interrupted_before_recording_is_cleaned_up_by_the_next(
    cli: Cli, db_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimtrack.evidence import work

    server.routes["/a"] = page(ARTICLE)
    claim = cli.add("The budget grew by 12 percent", "--said-by", "the council")
    cli("link", claim, "AP", "--as", "reported-by", "--url", server.url("/a"), "--create")

    def interrupted(*args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(work, "record_archives", interrupted)
        patched.setattr("claimtrack.evidence.record_archives", interrupted)
        cli("archive", claim, code=130)  # Ctrl-C
    folder = evidence_folder(db_path)
    written = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    assert len(written) == 2  # the snapshot's two files, which no link names
    assert [p for p in folder.iterdir() if p.name.startswith(JOURNAL_PREFIX)]
    server.routes["/b"] = page(ARTICLE.replace(b"Budget", b"Audit"))
    other = cli.add("Another claim", "--said-by", "the council")
    cli("link", other, "AP", "--as", "reported-by", "--url", server.url("/b"))
    cli("archive", other)
    left = {p.name for p in folder.iterdir()}
    assert not written & left
    assert not [name for name in left if name.startswith(JOURNAL_PREFIX)]
