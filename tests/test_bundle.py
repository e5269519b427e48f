"""The story bundle (issue 30, item 4): one WACZ per story, checked by py-wacz, read
back by warcio, verified offline by ``bundle --verify``.

Pages come from a web server the test starts on 127.0.0.1 (``Site``, as in
``test_evidence``) and are kept by the real ``archive``; the clock is frozen
(``tests/clock.py``), so a bundle's bytes are the same on every run.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clock import freeze
from tests.helpers import SECRETS, Cli, add_confidential_source, without_ciphertext
from tests.test_evidence import Site, article, linked

STORY = "serbia-russians"


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    running = Site()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)


def story(cli: Cli, site: Site) -> dict[str, str]:
    """A story of two claims: one verified, its AP report archived; one whose page is
    an AP report reached through a redirect. Returns the IDs and URLs."""
    url = site.page("/serbia", article())
    claim, link = linked(cli, url)
    cli("edit", claim, "--story", STORY)
    cli("status", claim, "verified", "--review-url", "https://desk.example/checks/1")
    moved = site.page("/moved-here", article("Belgrade said nothing.", title="Moved"))
    site.set("/old", 301, Location=moved)
    other, _ = linked(cli, site.url("/old"))
    cli("edit", other, "--story", STORY)
    cli("archive", "--story", STORY)
    return {"claim": claim, "link": link, "url": url, "other": other, "moved": moved}


def bundle(cli: Cli, target: Path, *options: str, code: int = 0) -> Any:
    return cli("bundle", STORY, "-o", str(target), "--org", "Desk Fact Check", *options, code=code)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as wacz:
        return {name: wacz.read(name) for name in wacz.namelist()}


def rezip(path: Path, changed: dict[str, bytes]) -> None:
    """Write ``path`` anew with some members changed: a tamperer who keeps the ZIP
    whole (new CRC-32s), so that only the hashes can tell."""
    kept = members(path)
    with zipfile.ZipFile(path) as old:
        infos = old.infolist()
    with zipfile.ZipFile(path, "w") as new:
        for info in infos:
            new.writestr(info, changed.get(info.filename, kept[info.filename]))


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """py-wacz's own validator, as its command line runs it."""
    script = Path(sys.executable).with_name("wacz")
    return subprocess.run(
        [str(script), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# -- writing -----------------------------------------------------------------------------


@pytest.mark.slow  # py-wacz's validator or creator, a process of seconds
def test_a_story_bundle_validates_with_py_wacz(cli: Cli, site: Site, tmp_path: Path) -> None:
    story(cli, site)
    target = tmp_path / "story.wacz"
    result = bundle(cli, target)
    assert "2 claim(s), 2 archived page(s), 1 ClaimReview(s)" in result.stderr
    checked = wacz_validate(target)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation succeeded" in checked.stdout
    # and it still fails a WACZ that is not valid: the check can fail
    rezip(target, {"claimtrack/claims.jsonl": b"{}\n"})
    assert wacz_validate(target).returncode == 1


def test_the_pages_read_back_with_warcio_at_their_address_and_capture_date(
    cli: Cli, site: Site, tmp_path: Path, db_path: Path
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    ids = story(cli, site)
    target = tmp_path / "story.wacz"
    bundle(cli, target)
    files = members(target)
    record = json.loads(files["claimtrack/record.json"])
    archives = {k["id"]: k["archive"] for k in record["links"] if k.get("archive")}
    first = archives[ids["link"]]
    warc = files[f"archive/{first['sha256']}.warc.gz"]
    # the evidence folder's file, byte for byte
    kept = db_path.with_name("claims.evidence") / f"{first['sha256']}.warc.gz"
    assert warc == kept.read_bytes()
    responses = [
        (
            r.rec_headers.get_header("WARC-Target-URI"),
            r.rec_headers.get_header("WARC-Date"),
            r.content_stream().read(),
        )
        for r in ArchiveIterator(io.BytesIO(warc))
        if r.rec_type == "response"
    ]
    assert responses == [(ids["url"], first["at"][:19] + "Z", article())]
    pages = [json.loads(line) for line in files["pages/pages.jsonl"].splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    by_id = {page["id"]: page for page in pages[1:]}
    assert by_id[first["sha256"]]["url"] == ids["url"]
    assert by_id[first["sha256"]]["ts"] == first["at"][:19] + "Z"
    redirected = next(a for a in archives.values() if a["requested"].endswith("/old"))
    assert by_id[redirected["sha256"]]["url"] == ids["moved"]  # the page shown, not the 301
    index = files["indexes/index.idx"].decode()
    assert index.startswith('!meta 0 {"format": "cdxj-gzip-1.0"')
    cdxj = gzip.decompress(files["indexes/index.cdx.gz"]).decode()
    for sha in (first["sha256"], redirected["sha256"]):
        assert f'"filename": "{sha}.warc.gz"' in cdxj  # the index finds each page's WARC


def test_the_bundle_holds_the_record_its_chains_verdicts_history_and_reviews(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    ids = story(cli, site)
    cli.add("A claim of another story", "--story", "elsewhere")
    target = tmp_path / "story.wacz"
    bundle(cli, target)
    files = members(target)
    record = json.loads(files["claimtrack/record.json"])
    assert sorted(c["id"] for c in record["claims"]) == sorted([ids["claim"], ids["other"]])
    statuses = [
        e["after"]["status"]
        for e in record["events"]
        if e["target"] == ids["claim"] and e["after"] and "status" in e["after"]
    ]
    assert statuses[-1] == "verified"  # the verdict's history, not only the verdict
    claims = [json.loads(line) for line in files["claimtrack/claims.jsonl"].splitlines()]
    chain = next(c for c in claims if c["id"] == ids["claim"])["links"]
    assert [k["relation"] for k in chain] == ["said-by", "reported-by"]
    reviews = json.loads(files["claimtrack/claimreview.json"])
    assert [r["identifier"] for r in reviews] == [ids["claim"]]
    assert reviews[0]["author"]["name"] == "Desk Fact Check"
    package = json.loads(files["datapackage.json"])
    listed = {r["path"] for r in package["resources"]}
    assert listed == set(files) - {"datapackage.json", "datapackage-digest.json"}
    assert package["wacz_version"] == "1.1.1"
    assert package["created"].startswith("2025-03-04T10:0")  # the frozen clock's moment


def test_the_bundles_record_imports_back_as_the_manual_says(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    ids = story(cli, site)
    target = tmp_path / "story.wacz"
    bundle(cli, target)
    record = tmp_path / "record.json"
    record.write_bytes(members(target)["claimtrack/record.json"])
    other = Cli(tmp_path / "other.json")
    other("import", str(record))
    shown = other.json("show", ids["claim"])
    assert shown["status"] == "verified"
    assert [k["relation"] for k in shown["links"]] == ["said-by", "reported-by"]


def test_the_same_database_and_clock_give_the_same_bytes(
    cli: Cli, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story(cli, site)
    made = []
    for name in ("one.wacz", "two.wacz"):
        freeze(monkeypatch)  # the same moment for each
        bundle(cli, tmp_path / name)
        made.append((tmp_path / name).read_bytes())
    assert made[0] == made[1]


@pytest.mark.slow  # py-wacz's validator or creator, a process of seconds
def test_the_timestamp_files_are_copied_as_they_are_and_listed(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    story(cli, site)
    folder = tmp_path / "claims.timestamps"
    (folder / "tsa-one").mkdir(parents=True)
    token = bytes(range(256)) * 4
    (folder / "head.tsr").write_bytes(token)
    (folder / "tsa-one" / "head.tsr").write_bytes(token[::-1])
    (folder / "TSA Two: head.tsr").write_bytes(b"another authority's token")
    (folder / ".head.tsr.tmp").write_bytes(b"a write in progress")
    target = tmp_path / "story.wacz"
    result = bundle(cli, target)
    assert "3 timestamp file(s)" in result.stderr
    files = members(target)
    assert files["timestamps/head.tsr"] == token
    assert files["timestamps/tsa-one--head.tsr"] == token[::-1]
    assert files["timestamps/TSA Two: head.tsr"] == b"another authority's token"
    assert not [name for name in files if "tmp" in name]
    assert wacz_validate(target).returncode == 0


# -- confidential sources --------------------------------------------------------------------


@pytest.mark.slow  # py-wacz's validator or creator, a process of seconds
def test_a_confidential_source_leaves_only_as_a_pseudonym_and_its_page_stays_out(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    ids = story(cli, site)
    claim = add_confidential_source(cli)
    secret_page = site.page("/olga", article("Olga Hiddenova of Novi Sad told us.", "Olga"))
    cli("link", claim, "Olga H", "--as", "reported-by", "--url", secret_page)
    cli("edit", claim, "--story", STORY)
    cli("link", ids["claim"], "Olga H", "--as", "supports", "--quote", "Olga said yes")
    archived = cli("archive", "--story", STORY, code=1)  # olga.example: no such host here
    assert '"result":"archived"' in archived.stdout
    target = tmp_path / "story.wacz"
    result = bundle(cli, target)
    assert "1 confidential source's page(s) left out" in result.stderr
    raw = target.read_bytes()
    files = members(target)
    for name, data in [("the zip", raw), *files.items()]:
        for secret in SECRETS:
            assert secret.encode() not in data, (secret, name)
    record = json.loads(files["claimtrack/record.json"])
    hidden = [s for s in record["sources"] if s.get("confidential")]
    assert [s["name"] for s in hidden] == [f"Confidential source {hidden[0]['id'][:7]}"]
    assert len([n for n in files if n.startswith("archive/")]) == 2  # the story's public pages
    assert wacz_validate(target).returncode == 0
    assert cli("bundle", "--verify", str(target)).exit_code == 0


def test_a_sealed_source_leaves_no_ciphertext_nor_commitment(
    cli: Cli, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sealing import SECRETS as SEALED_SECRETS
    from tests.test_sealing import add_secret_source, age_key

    cli("init")
    identity, public = age_key(tmp_path, "ana")
    cli("keys", "add", public, "--holder", "Ana")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(identity))
    source = add_secret_source(cli)
    claim = cli.add("The harbour moved 40 ships", "--story", STORY)
    cli("link", claim, source, "--as", "said-by", "--quote", "Forty ships, Quilla said")
    cli("source", "edit", source, "--role", "Clerk at the harbour registry, east wing")
    cli("status", claim, "false")
    target = tmp_path / "story.wacz"
    bundle(cli, target)
    raw = target.read_bytes()
    assert b"AGE ENCRYPTED" in cli.db_path.read_bytes()  # the database holds ciphertext
    for name, data in [("the zip", raw), *members(target).items()]:
        assert b"AGE ENCRYPTED" not in data, name
        assert b"commitment" not in data, name
        lowered = without_ciphertext(data).lower()
        for secret in SEALED_SECRETS:
            assert secret.lower().encode() not in lowered, (secret, name)


# -- verifying ---------------------------------------------------------------------------


@pytest.fixture
def made(cli: Cli, site: Site, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    ids = story(cli, site)
    target = tmp_path / "story.wacz"
    bundle(cli, target)
    return target, ids


def _verify_fails(cli: Cli, path: Path) -> str:
    result = cli("bundle", "--verify", str(path), code=1)
    assert result.stdout == ""
    return str(result.stderr)


def test_an_untouched_bundle_verifies(cli: Cli, made: tuple[Path, dict[str, str]]) -> None:
    target, _ = made
    result = cli("bundle", "--verify", str(target))
    assert "every hash matches" in result.stderr
    assert "10 files and 2 archived page(s)" in result.stderr


def test_verify_needs_no_database(made: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    target, _ = made
    nowhere = Cli(tmp_path / "no-such-folder" / "claims.json")
    assert "every hash matches" in nowhere("bundle", "--verify", str(target)).stderr
    assert not (tmp_path / "no-such-folder").exists()


def test_a_changed_byte_in_a_warc_payload_is_named(
    cli: Cli, made: tuple[Path, dict[str, str]]
) -> None:
    target, _ = made
    files = members(target)
    name = next(n for n in files if n.startswith("archive/"))
    changed = files[name].replace(b"\x00", b"\x01", 1)
    assert changed != files[name]
    raw = target.read_bytes()
    at = raw.index(files[name]) + len(files[name]) // 2
    target.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :])  # in place: CRC
    assert f"{name}: cannot be read from the ZIP" in _verify_fails(cli, target)


def test_a_warc_rewritten_whole_with_its_hashes_is_caught_by_its_links_sha256(
    cli: Cli, made: tuple[Path, dict[str, str]], site: Site
) -> None:
    """A tamperer who rewrites a page, its WARC digests, datapackage.json and its digest:
    only the snapshot's SHA-256 recorded on its link tells."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.warcwriter import WARCWriter

    target, ids = made
    files = members(target)
    record = json.loads(files["claimtrack/record.json"])
    sha = next(k["archive"]["sha256"] for k in record["links"] if k["id"] == ids["link"])
    name = f"archive/{sha}.warc.gz"
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.0")
    for warc_record in ArchiveIterator(io.BytesIO(files[name])):
        if warc_record.rec_type == "response":
            body = warc_record.content_stream().read().replace(b"dozen", b"couple")
            warc_record = writer.create_warc_record(
                warc_record.rec_headers.get_header("WARC-Target-URI"),
                "response",
                payload=io.BytesIO(body),
                http_headers=warc_record.http_headers,
            )
        writer.write_record(warc_record)
    forged = {name: out.getvalue()}
    _repackage(target, files, forged)
    problems = _verify_fails(cli, target)
    assert f"{name}: the page it keeps does not match the SHA-256 its link records" in problems
    assert problems.count("\n  ") == 1  # that one, and nothing else


def _repackage(target: Path, files: dict[str, bytes], changed: dict[str, bytes]) -> None:
    """``changed`` members, with datapackage.json and its digest made to match."""
    import hashlib

    files = {**files, **changed}
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        data = files[resource["path"]]
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    files["datapackage.json"] = json.dumps(package).encode()
    digest = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest(),
    }
    files["datapackage-digest.json"] = json.dumps(digest).encode()
    rezip(target, files)


def test_a_changed_json_member_is_named(cli: Cli, made: tuple[Path, dict[str, str]]) -> None:
    target, _ = made
    files = members(target)
    verdict = files["claimtrack/record.json"].replace(b'"verified"', b'"false"', 1)
    assert verdict != files["claimtrack/record.json"]
    rezip(target, {"claimtrack/record.json": verdict})
    problems = _verify_fails(cli, target)
    assert "claimtrack/record.json: does not match its hash in datapackage.json" in problems
    assert problems.count("\n  ") == 1


def test_a_changed_datapackage_is_named(cli: Cli, made: tuple[Path, dict[str, str]]) -> None:
    target, _ = made
    files = members(target)
    package = files["datapackage.json"].replace(b"Story serbia", b"Story Serbia", 1)
    assert package != files["datapackage.json"]
    rezip(target, {"datapackage.json": package})
    problems = _verify_fails(cli, target)
    assert "datapackage.json: does not match the hash in datapackage-digest.json" in problems


def test_a_member_added_or_removed_is_named(cli: Cli, made: tuple[Path, dict[str, str]]) -> None:
    target, _ = made
    files = members(target)
    warc = next(n for n in files if n.startswith("archive/"))
    with zipfile.ZipFile(target, "a") as wacz:
        wacz.writestr("claimtrack/extra.json", b"{}")
    assert "claimtrack/extra.json: not listed in datapackage.json" in _verify_fails(cli, target)
    rezip(target, {})
    kept = {n: d for n, d in files.items() if n != warc}
    target.unlink()
    with zipfile.ZipFile(target, "w") as wacz:
        for name, data in kept.items():
            wacz.writestr(name, data)
    problems = _verify_fails(cli, target)
    assert f"{warc}: listed in datapackage.json but not in the ZIP" in problems
    assert "is recorded but not in the bundle" in problems


# -- bad input ---------------------------------------------------------------------------


def test_a_snapshot_missing_or_changed_in_the_evidence_folder_stops_the_bundle(
    cli: Cli, site: Site, tmp_path: Path, db_path: Path
) -> None:
    story(cli, site)
    kept = sorted(db_path.with_name("claims.evidence").glob("*.warc.gz"))[0]
    target = tmp_path / "story.wacz"
    data = kept.read_bytes()
    kept.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    result = bundle(cli, target, code=1)
    assert result.stderr.startswith(f"Error: snapshot {kept.name[:12]} cannot be trusted")
    kept.unlink()
    result = bundle(cli, target, code=1)
    assert result.stderr.startswith(f"Error: snapshot {kept.name[:12]} is not in ")
    assert not target.exists()


def test_an_unknown_story_is_one_error(cli: Cli, tmp_path: Path) -> None:
    cli.add("A claim", "--story", "known")
    result = cli("bundle", "unknown-story", "-o", str(tmp_path / "x.wacz"), code=1)
    assert result.stderr.startswith("Error: no claim has the story 'unknown-story'\n")
    assert not (tmp_path / "x.wacz").exists()


def test_a_story_without_evidence_is_still_a_bundle_of_its_record(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("Nothing archived yet", "--story", STORY)
    target = tmp_path / "story.wacz"
    result = cli("bundle", STORY, "-o", str(target))
    assert "Note: no page of this story is archived" in result.stderr
    files = members(target)
    assert not [name for name in files if name.startswith(("archive/", "indexes/"))]
    assert json.loads(files["claimtrack/record.json"])["claims"][0]["id"] == claim
    assert json.loads(files["claimtrack/claimreview.json"]) == []
    assert wacz_validate(target).returncode == 0
    assert "every hash matches" in cli("bundle", "--verify", str(target)).stderr


def test_a_verdict_needs_the_reviewing_organisation(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("A checked claim", "--story", STORY)
    cli("status", claim, "false")
    result = cli("bundle", STORY, "-o", str(tmp_path / "x.wacz"), code=1)
    assert "ClaimReview needs the reviewing organisation's name" in result.stderr
    assert not (tmp_path / "x.wacz").exists()


def test_an_existing_file_is_replaced_as_export_does_but_never_the_database(
    cli: Cli, tmp_path: Path, db_path: Path
) -> None:
    cli.add("A claim", "--story", STORY)
    target = tmp_path / "story.wacz"
    target.write_bytes(b"an older bundle")
    cli("bundle", STORY, "-o", str(target))
    assert zipfile.is_zipfile(target)
    before = db_path.read_bytes()
    result = cli("bundle", STORY, "-o", str(db_path), code=1)
    assert "is the database itself" in result.stderr
    assert db_path.read_bytes() == before


@pytest.mark.parametrize(
    "kept",
    ["claims.timestamps/index.jsonl", "claims.evidence/page.warc.gz", "claims.recipients",
     "claims.json.lock", "claims.timestamps/new.wacz"],
)  # fmt: skip
@pytest.mark.parametrize("command", ["bundle", "export"])
def test_no_file_claimtrack_keeps_beside_the_database_is_replaced(
    cli: Cli, db_path: Path, kept: str, command: str
) -> None:
    cli.add("A claim", "--story", STORY)
    target = db_path.parent / kept
    target.parent.mkdir(exist_ok=True)
    new = kept.endswith("new.wacz")  # a new file there would travel in every bundle
    if not new:
        target.write_bytes(b"kept by claimtrack")
    args = [STORY, "-o", str(target)] if command == "bundle" else ["-o", str(target)]
    result = cli(command, *args, code=1)
    assert result.stderr.startswith(f"Error: {target} is claimtrack's own, beside the database")
    assert not target.exists() if new else target.read_bytes() == b"kept by claimtrack"


def test_usage_errors_exit_2(cli: Cli, tmp_path: Path) -> None:
    cli("bundle", code=2)
    cli("bundle", STORY, code=2)  # no -o
    cli("bundle", STORY, "-o", "-", code=2)
    cli("bundle", STORY, "--verify", str(tmp_path / "x.wacz"), code=2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"not a zip at all", "is not a WACZ file: not a ZIP archive"),
        ("zip", "is not a WACZ file: it has no datapackage.json"),
    ],
)
def test_verify_refuses_what_is_not_a_wacz_in_one_line(
    cli: Cli, tmp_path: Path, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "given.wacz"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as wacz:
            wacz.writestr("hello.txt", b"hello")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = cli("bundle", "--verify", str(path), code=1)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_verify_refuses_a_zip_bomb_before_unpacking_it(
    cli: Cli, made: tuple[Path, dict[str, str]]
) -> None:
    target, _ = made
    with (
        zipfile.ZipFile(target, "a", compression=zipfile.ZIP_DEFLATED) as wacz,
        wacz.open("archive/zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(48):  # 48 MiB that deflate to about 50 KB
            member.write(bytes(1024 * 1024))
    result = cli("bundle", "--verify", str(target), code=1)
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Error: {target} is not checked: its ")
    assert "(a ZIP bomb, or not a WACZ)" in lines[0] and lines[1].startswith("Hint: ")
    assert len(lines) == 2


# -- the manual ----------------------------------------------------------------------------


def _shown(marker: str) -> tuple[str, str]:
    """The command and the output docs/bundle.md shows between a marker's lines."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "bundle.md").read_text()
    block = page.split(f"<!-- {marker}:start -->\n```console\n", 1)[1]
    block = block.split(f"```\n<!-- {marker}:end -->", 1)[0]
    command, output = block.split("\n", 1)
    return command.removeprefix("$ claimtrack "), output


def test_the_manuals_verify_examples_are_what_bundle_prints(cli: Cli, site: Site) -> None:
    story(cli, site)  # run in the test's folder (conftest): the bundle's name is as shown
    bundle(cli, Path("serbia-russians.wacz"))
    for marker, change, code in (
        ("bundle-verify-ok", None, 0),
        ("bundle-verify-changed", b'"false"', 1),
    ):
        if change is not None:
            files = members(Path("serbia-russians.wacz"))
            record = files["claimtrack/record.json"].replace(b'"verified"', change, 1)
            rezip(Path("serbia-russians.wacz"), {"claimtrack/record.json": record})
        command, output = _shown(marker)
        assert cli(*command.split(), code=code).stderr == output


def _flip(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


def test_a_changed_byte_in_the_zips_own_headers_is_named(
    cli: Cli, made: tuple[Path, dict[str, str]]
) -> None:
    """A member's date in its local header, then in the ZIP's central directory: no
    file changes, and still the bundle is not what claimtrack wrote."""
    target, _ = made
    pristine = target.read_bytes()
    with zipfile.ZipFile(target) as wacz:
        info = wacz.getinfo("claimtrack/record.json")
        directory = wacz.start_dir
    _flip(target, info.header_offset + 10)  # the local header's modification time
    assert cli("bundle", "--verify", str(target), code=1).stderr.count("\n  ") == 1
    assert "  claimtrack/record.json: its ZIP header differs" in _verify_fails(cli, target)
    target.write_bytes(pristine)
    _flip(target, directory + 12)  # the first central directory entry's time
    assert "  the ZIP's directory: its ZIP header differs" in _verify_fails(cli, target)


@pytest.mark.slow  # py-wacz's validator or creator, a process of seconds
def test_a_wacz_made_by_py_wacz_verifies_by_its_hashes(
    cli: Cli, site: Site, tmp_path: Path, db_path: Path
) -> None:
    story(cli, site)
    warcs = sorted(str(p) for p in db_path.with_name("claims.evidence").glob("*.warc.gz"))
    other = tmp_path / "other.wacz"
    made = subprocess.run(
        [str(Path(sys.executable).with_name("wacz")), "create", "-o", str(other), *warcs],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    result = cli("bundle", "--verify", str(other))
    assert "every hash matches (no claimtrack record in it" in result.stderr
    files = members(other)
    warc = next(n for n in files if n.startswith("archive/"))
    half = len(files[warc]) // 2
    changed = files[warc][:half] + bytes([files[warc][half] ^ 1]) + files[warc][half + 1 :]
    rezip(other, {warc: changed})
    assert f"{warc}: does not match its hash in datapackage.json" in _verify_fails(cli, other)
