"""Trusted timestamps (``claimtrack seal``, ``integrity.timestamps``) from a real RFC 3161
authority: OpenSSL's ``ts -reply`` behind an HTTP server on 127.0.0.1, with a test CA and
a time-stamping certificate made here with ``openssl``. Tokens are checked with
``openssl ts -verify`` as a third party would.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from claimtrack.integrity import timestamps
from claimtrack.store.fileformat import dump, parse
from claimtrack.store.heads import event_hash
from claimtrack.store.snapshot import Snapshot
from tests.helpers import SECRETS, Cli, add_confidential_source

TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

PAGE = """<!doctype html><html><head><title>River report</title></head><body><article>
<h1>River report</h1><p>The river rose three metres overnight, the water board said in
a statement on Tuesday, and the dam held.</p><p>Crews worked through the night.</p>
</article></body></html>"""


def openssl(*args: str, cwd: Path) -> bytes:
    return subprocess.run(
        ["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60
    ).stdout


def make_authority(folder: Path, name: str) -> Path:
    """A root CA and a time-stamping certificate it issued, in ``folder``; the
    ``openssl ts`` configuration. Returns the root's PEM file."""
    folder.mkdir()
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
            "-subj", f"/CN={name} Root", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    openssl("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", f"/CN={name} TSA",
            cwd=folder)  # fmt: skip
    (folder / "ext.cnf").write_text(
        "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
    )
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tsa.crt", "-days", "3650", "-extfile", "ext.cnf",
            cwd=folder)  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CONFIG.format(dir=folder))
    return folder / "ca.crt"


class Authority:
    """An RFC 3161 authority on 127.0.0.1: each query answered by ``openssl ts -reply``;
    ``spoil`` changes the answer (another hash, a broken signature, a delay)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.spoil: Callable[[bytes], bytes] = lambda answer: answer
        self.queries: list[bytes] = []
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers["Content-Length"]))
                answer = authority.stamp(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self) -> None:  # a page to archive, for archive --timestamp
                body = PAGE.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsr"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stamp(self, query: bytes) -> bytes:
        with self.lock:
            self.queries.append(query)
            (self.folder / "query.tsq").write_bytes(query)
            openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq",
                    "-out", "reply.tsr", cwd=self.folder)  # fmt: skip
            return self.spoil((self.folder / "reply.tsr").read_bytes())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def authority_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_authority(tmp_path_factory.mktemp("tsa") / "desk", "Desk Test")


@pytest.fixture
def tsa(authority_files: Path) -> Iterator[Authority]:
    authority = Authority(authority_files.parent)
    yield authority
    authority.close()


def head_of(cli: Cli) -> str:
    return str(cli("log", "--verify").stdout.strip())


def test_seal_stores_a_token_of_the_chain_head_that_openssl_verifies(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    cli.add("The river rose 3 metres")
    head = head_of(cli)
    result = cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    folder = db_path.with_suffix(".timestamps")
    [entry] = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]
    assert result.stdout.strip() == entry["file"]
    assert entry["kind"] == "chain" and entry["imprint"] == head and entry["tsa"] == tsa.url
    # Only the hash went out: the query holds the head's digest, no claim text.
    assert bytes.fromhex(head) in tsa.queries[0] and b"river" not in tsa.queries[0]
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-digest", head, "-in", entry["file"], "-CAfile",
         entry["ca"]], cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout
    token = timestamps.read_index(folder)[0]
    timestamps.check_stored(folder, token)  # the core's own check agrees


def test_seal_reads_the_head_event_by_its_id_not_the_whole_history(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the cache, the chain is walked a piece of the file at a time; the head
    event is then read by its ID, never the history parsed whole as dicts."""
    for number in range(3):
        cli.add(f"The river rose {number} metres")
    head = head_of(cli)
    real = Snapshot.records

    def records(self: Snapshot, table: str) -> Any:
        assert table != "events", "the history was parsed whole"
        return real(self, table)

    monkeypatch.setattr(Snapshot, "records", records)
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    [entry] = timestamps.read_index(db_path.with_suffix(".timestamps"))
    assert entry.imprint == head and bytes.fromhex(head) in tsa.queries[0]


def test_seal_finds_a_head_event_filed_under_another_key(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    """A hand edit filed the head event under a key other than its ID: it is still the
    head, found by its ID."""
    cli.add("The river rose 4 metres")
    head = head_of(cli)
    data = parse(db_path.read_bytes(), db_path)
    [key] = [k for k, e in data["events"].items() if event_hash(e) == head]
    data["events"]["zzzz" + key] = data["events"].pop(key)
    db_path.write_bytes(dump(data))
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    [entry] = timestamps.read_index(db_path.with_suffix(".timestamps"))
    assert entry.imprint == head and entry.subject == data["events"]["zzzz" + key]["id"]


def test_nothing_is_sent_unless_an_authority_is_named(cli: Cli, db_path: Path) -> None:
    cli.add("The river rose 3 metres")
    result = cli("seal", code=1)
    assert result.stderr.startswith("Error: no time-stamping authority named: nothing was sent")
    assert not db_path.with_suffix(".timestamps").exists()


def test_an_authority_in_claimtrack_toml_is_asked(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    cli.add("The river rose 3 metres")
    (db_path.parent / "claimtrack.toml").write_text(
        f'[timestamps]\ntsa = ["{tsa.url}"]\nca = "{authority_files}"\n'
    )
    cli("seal")
    assert len(tsa.queries) == 1


def flip_last_byte(answer: bytes) -> bytes:
    return answer[:-1] + bytes([answer[-1] ^ 0x01])  # inside the signature value


def slow(answer: bytes) -> bytes:
    time.sleep(3)
    return answer


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (flip_last_byte, "the token does not verify"),
        (lambda answer: b"<html>busy</html>", "not an RFC 3161 timestamp (a web page of 17 bytes)"),
        (lambda answer: b"", "is not an RFC 3161 timestamp (it is empty)"),
        (lambda answer: b"\x00garbage", "timestamp (8 bytes that are not a DER TimeStampResp)"),
        (slow, "did not answer within 0.5 s"),
        # the one HTTP policy's cap on an answer, enforced while it streams in
        (lambda answer: b"0" * (2 * timestamps.MAX_ANSWER), "answered with more than"),
    ],
    ids=["bad-signature", "not-a-token", "empty", "garbage", "slow", "too-large"],
)
def test_a_bad_answer_is_one_error_and_nothing_is_stored(
    cli: Cli,
    db_path: Path,
    tsa: Authority,
    authority_files: Path,
    monkeypatch: pytest.MonkeyPatch,
    spoil: Callable[[bytes], bytes],
    said: str,
) -> None:
    monkeypatch.setattr(timestamps, "TIMEOUT", 0.5)
    cli.add("The river rose 3 metres")
    tsa.spoil = spoil
    result = cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files), code=1)
    assert said in result.stderr and result.stderr.count("\n") <= 2
    assert "ParseError" not in result.stderr  # the parser's debug text is not for users
    assert not db_path.with_suffix(".timestamps").exists()


def test_a_token_for_another_hash_is_refused(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path, tmp_path: Path
) -> None:
    cli.add("The river rose 3 metres")
    (tmp_path / "other.txt").write_text("something else")
    other_query = openssl("ts", "-query", "-data", "other.txt", "-sha256", "-cert", cwd=tmp_path)
    tsa.spoil = lambda answer: tsa_answer_for(tsa, other_query)
    result = cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files), code=1)
    assert "the token is for another hash" in result.stderr
    assert not db_path.with_suffix(".timestamps").exists()


def tsa_answer_for(tsa: Authority, query: bytes) -> bytes:
    (tsa.folder / "other.tsq").write_bytes(query)
    openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "other.tsq", "-out", "other.tsr",
            cwd=tsa.folder)  # fmt: skip
    return (tsa.folder / "other.tsr").read_bytes()


def test_a_token_signed_under_another_root_is_refused(
    cli: Cli, db_path: Path, tsa: Authority, tmp_path: Path
) -> None:
    stranger = make_authority(tmp_path / "stranger", "Stranger")
    cli.add("The river rose 3 metres")
    result = cli("seal", "--tsa", tsa.url, "--tsa-ca", str(stranger), code=1)
    assert "the token does not verify" in result.stderr
    assert not db_path.with_suffix(".timestamps").exists()


def test_an_authority_that_is_down_is_one_error(
    cli: Cli, db_path: Path, authority_files: Path
) -> None:
    cli.add("The river rose 3 metres")
    closed = Authority(authority_files.parent)
    url = closed.url
    closed.close()
    result = cli("seal", "--tsa", url, "--tsa-ca", str(authority_files), code=1)
    assert f"Error: cannot reach {url}" in result.stderr
    assert not db_path.with_suffix(".timestamps").exists()


def test_a_broken_chain_is_not_sealed(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    text = db_path.read_text()
    start = text.index('"events"')
    db_path.write_text(text[:start] + text[start:].replace("rose 3", "rose 4", 1))
    result = cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files), code=1)
    assert "hash chain is broken" in result.stderr and not tsa.queries


def test_prove_names_the_earliest_token_covering_each_fact_and_how_to_check_it(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    claim = add_confidential_source(cli)
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    cli("status", claim, "verified")  # after the seal: not covered yet
    proof = json.loads(cli("prove", claim, "--format", "json").stdout)
    assert proof["problems"] == [] and proof["chain"]["holds"]
    first, *_, last = proof["facts"]
    assert first["summary"].startswith("added claim") and first["timestamp"] is not None
    assert last["summary"] == "status: unverified \u2192 verified" and last["timestamp"] is None
    assert [v["status"] for v in proof["verdicts"]] == ["unverified", "verified"]
    # The command it gives a third party succeeds with OpenSSL alone.
    command = shlex.split(first["timestamp"]["verify"])
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout
    # Confidential sources only as pseudonyms, in text and JSON.
    text = cli("prove", claim).stdout
    for shown in (text, json.dumps(proof)):
        assert not any(secret in shown for secret in SECRETS)
    assert len(proof["attribution"]) == 2
    # A second seal does not move what the first already covered.
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    again = json.loads(cli("prove", claim, "--format", "json").stdout)
    assert again["facts"][0]["timestamp"] == first["timestamp"]
    assert again["facts"][-1]["timestamp"] is not None


def test_prove_reports_a_stored_token_that_no_longer_verifies(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    claim = cli.add("The river rose 3 metres")
    file = cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files)).stdout.strip()
    token = db_path.with_suffix(".timestamps") / file
    token.write_bytes(flip_last_byte(token.read_bytes()))
    result = cli("prove", claim, code=1)
    assert f"Problem: timestamp: {token}: the token does not verify" in result.stdout
    assert "not timestamped yet" in result.stdout
    # The same in JSON, with the same exit status.
    proof = json.loads(cli("prove", claim, "--format", "json", code=1).stdout)
    [problem] = proof["problems"]
    assert problem.startswith(f"timestamp: {token}: the token does not verify")


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_prove_json_is_utf8_whatever_the_locale(cli: Cli, db_path: Path, encoding: str) -> None:
    text = "\u00dcsk\u00fcdar \u2014 \u00abthe dam held\u00bb \u2713 \x9b31m"
    claim = cli.add(text)
    env = {**os.environ, "PYTHONIOENCODING": encoding, "LC_ALL": "C", "TZ": "Asia/Kolkata"}
    result = subprocess.run(
        [sys.executable, "-m", "claimtrack", "--db", str(db_path), "prove", claim,
         "--format", "json"], capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b"\x9b" not in result.stdout  # a terminal control character, escaped as in show
    assert json.loads(result.stdout.decode("utf-8"))["claim"]["text"] == text


def test_archive_timestamp_stamps_each_new_snapshots_warc_file(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    claim = cli.add("The river rose 3 metres")
    page = tsa.url.replace("/tsr", "/river")
    cli("link", claim, "Water Board", "--as", "reported-by", "--create", "--url", page)
    cli("archive", "--timestamp", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    link = cli.json("show", claim)["links"][0]
    snapshot = link["archive"]["sha256"]
    warc = db_path.with_suffix(".evidence") / f"{snapshot}.warc.gz"
    folder = db_path.with_suffix(".timestamps")
    [token] = timestamps.read_index(folder)
    assert token.kind == "snapshot" and token.subject == snapshot
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(warc), "-in", str(folder / token.file),
         "-CAfile", str(folder / token.ca)], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout
    proof = json.loads(cli("prove", claim, "--format", "json").stdout)
    assert proof["evidence"][0]["timestamp"]["imprint"] == token.imprint


def test_archive_timestamp_that_fails_keeps_the_snapshot_and_exits_1(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    claim = cli.add("The river rose 3 metres")
    page = tsa.url.replace("/tsr", "/river")
    cli("link", claim, "Water Board", "--as", "reported-by", "--create", "--url", page)
    tsa.spoil = flip_last_byte
    result = cli(
        "archive", "--timestamp", "--tsa", tsa.url, "--tsa-ca", str(authority_files), code=1
    )
    assert "snapshot kept, not timestamped" in result.stderr
    assert "the token does not verify" in result.stderr
    assert cli.json("show", claim)["links"][0]["archive"]["sha256"]
    assert not db_path.with_suffix(".timestamps").exists()


def test_bundle_verify_checks_every_token_it_carries(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path, tmp_path: Path
) -> None:
    from tests.test_bundle import _repackage, members

    claim = cli.add("The river rose 3 metres", "--story", "river")
    page = tsa.url.replace("/tsr", "/river")
    cli("link", claim, "Water Board", "--as", "reported-by", "--create", "--url", page)
    cli("archive", "--timestamp", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    target = tmp_path / "river.wacz"
    cli("bundle", "river", "-o", str(target))
    shown = cli("bundle", "--verify", str(target)).stderr
    assert "2 timestamp token(s)" in shown and "every hash matches" in shown
    files = members(target)
    tokens = {t.kind: t for t in timestamps.read_index(db_path.with_suffix(".timestamps"))}
    chain, snapshot = (f"timestamps/{tokens[k].file}" for k in ("chain", "snapshot"))
    # A token swapped for the other, every hash of the package made to match: only the
    # token's own check can tell.
    _repackage(target, files, {chain: files[snapshot]})
    problems = cli("bundle", "--verify", str(target), code=1).stderr
    assert f"{chain}: the token is for another hash" in problems
    # A token's signature broken.
    _repackage(target, files, {snapshot: flip_last_byte(files[snapshot])})
    assert f"{snapshot}: " in cli("bundle", "--verify", str(target), code=1).stderr
    # The index made to name the snapshot's token for the chain head: the token holds,
    # but not over the head event the record carries.
    index = files["timestamps/index.jsonl"].decode()
    entries = [json.loads(line) for line in index.splitlines()]
    moved = [
        {**e, "file": tokens["snapshot"].file, "imprint": tokens["snapshot"].imprint}
        if e["kind"] == "chain"
        else e
        for e in entries
    ]
    relisted = "".join(json.dumps(e) + "\n" for e in moved).encode()
    _repackage(target, files, {"timestamps/index.jsonl": relisted})
    problems = cli("bundle", "--verify", str(target), code=1).stderr
    assert (
        f"timestamps/{tokens['snapshot'].file}: the token is for another hash than its chain"
        in problems
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"file": 5}, "every field of an entry is a string"),
        ({"file": "../../../etc/hostname"}, "is not a file name in the folder"),
        ({"ca": None}, "every field of an entry is a string"),
        ({"imprint": "00"}, "its imprint is not a SHA-256 in hex"),
        ({"kind": "page"}, "neither 'chain' nor 'snapshot'"),
        ({"extra": "x"}, "an entry has exactly the fields"),
    ],
)
def test_an_index_entry_edited_by_hand_is_one_error_naming_its_line(
    cli: Cli,
    db_path: Path,
    tsa: Authority,
    authority_files: Path,
    change: dict[str, object],
    why: str,
) -> None:
    claim = cli.add("The river rose 3 metres")
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    index = db_path.with_suffix(".timestamps") / "index.jsonl"
    index.write_text(json.dumps({**json.loads(index.read_text()), **change}) + "\n")
    for command in (["prove", claim], ["seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files)]):
        result = cli(*command, code=1)
        assert result.stderr.startswith(f"Error: {index}, line 1: not a token's entry (")
        assert why in result.stderr and "Traceback" not in result.stderr
        assert "internal error" not in result.stderr


def test_bundle_verify_names_an_index_line_that_is_not_a_token(
    cli: Cli, tsa: Authority, authority_files: Path, tmp_path: Path
) -> None:
    from tests.test_bundle import _repackage, members

    cli.add("The river rose 3 metres", "--story", "river")
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    target = tmp_path / "river.wacz"
    cli("bundle", "river", "-o", str(target))
    files = members(target)
    entry = json.loads(files["timestamps/index.jsonl"])
    for change in ({"file": 5}, {"imprint": 7}, {"ca": "../../x"}, {"subject": ["a"]}):
        relisted = (json.dumps({**entry, **change}) + "\n").encode()
        _repackage(target, files, {"timestamps/index.jsonl": relisted})
        problems = cli("bundle", "--verify", str(target), code=1).stderr
        assert "timestamps/index.jsonl, line 1: not a token (" in problems
        assert "internal error" not in problems


@pytest.mark.parametrize("how", ["removed", "edited"])
def test_the_newest_events_changed_after_a_seal_are_caught_by_the_token(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path, how: str
) -> None:
    """The chain alone cannot see its newest event removed or edited (no event after it
    names it); the stored token of that head can."""
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    data = json.loads(db_path.read_text(encoding="utf-8"))
    newest = max(data["events"].values(), key=lambda e: e["at"])
    if how == "removed":
        del data["events"][newest["id"]]
        del data["claims"][newest["target"]]
    else:
        newest["after"]["text"] = "The dam broke"
    db_path.write_text(json.dumps(data), encoding="utf-8")
    [token] = timestamps.read_index(db_path.with_suffix(".timestamps"))
    result = cli("log", "--verify", code=1)
    expected = {
        "removed": f"event {newest['id']}, the chain head timestamp {token.file} stamped, is gone",
        "edited": f"event {newest['id']} does not match the hash timestamp {token.file} stamped",
    }[how]
    assert expected in result.stderr
    found = cli("check", "--format", "jsonl", code=1).stdout.splitlines()
    assert [p["message"] for p in map(json.loads, found) if p["code"] == "chain"] == [
        f"history: {expected}" + result.stderr.split(expected, 1)[1].split("\n", 1)[0]
    ]
    assert (
        "not sealed"
        in cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files), code=1).stderr
    )


def test_check_walks_the_chain_again_when_the_tokens_change(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path
) -> None:
    """``check`` keeps its walk's result for the history's bytes and the tokens
    (``store.memo``): the newest event edited while its token was out of the way
    passes, and the token put back finds it, the history's bytes unchanged."""
    cli.add("The river rose 3 metres")
    cli.add("The dam held")
    cli("seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files))
    newest = max(
        json.loads(db_path.read_text(encoding="utf-8"))["events"].values(), key=lambda e: e["at"]
    )
    lines = db_path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f'"{newest["id"]}": '))
    lines[at] = lines[at].replace("dam held", "dam hold")
    db_path.write_text("\n".join(lines), encoding="utf-8")  # laid out as claimtrack writes it

    def chain_problems() -> list[str]:
        found = cli("check", "--format", "jsonl", code=1).stdout.splitlines()
        return [p["message"] for p in map(json.loads, found) if p["code"] == "chain"]

    folder = db_path.with_suffix(".timestamps")
    folder.rename(folder.with_name("aside"))
    assert chain_problems() == []
    folder.with_name("aside").rename(folder)
    [token] = timestamps.read_index(folder)
    expected = f"event {newest['id']} does not match the hash timestamp {token.file} stamped"
    assert [expected in message for message in chain_problems()] == [True]


def test_two_clones_that_both_seal_merge_their_tokens_without_a_conflict(
    tmp_path: Path, tsa: Authority, authority_files: Path
) -> None:
    from tests.test_team import ct, sh

    config = tmp_path / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = T\n\temail = t@x\n")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("CLAIMTRACK_DB", None)
    a, b = tmp_path / "desk-a", tmp_path / "desk-b"
    a.mkdir()
    sh(["git", "init", "-q"], a, env)
    ct(a, env, "init")
    ct(a, env, "git", "setup")
    ct(a, env, "add", "The river rose 3 metres")
    sh(["git", "add", "-A"], a, env)
    sh(["git", "commit", "-qm", "claims"], a, env)
    sh(["git", "clone", "-q", str(a), str(b)], tmp_path, env)
    ct(b, env, "git", "setup", user="ben")
    for desk, user in ((a, "ana"), (b, "ben")):
        ct(desk, env, "add", f"{user}'s claim", user=user)
        ct(desk, env, "seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files), user=user)
        sh(["git", "add", "-A"], desk, env)
        sh(["git", "commit", "-qm", f"{user} sealed"], desk, env)
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(a), "HEAD"], b, env)
    assert len(timestamps.read_index(b / "claims.timestamps")) == 2
    ct(b, env, "log", "--verify", user="ben")
    ct(b, env, "seal", "--tsa", tsa.url, "--tsa-ca", str(authority_files), user="ben")


@pytest.mark.parametrize(
    "command",
    ["log", "seal", "prove", "bundle", "archive", "keys", "keys add", "keys rm", "keys list",
     "keys seal", "source confirm"],
)  # fmt: skip
def test_this_rounds_commands_help_fits_80_columns(command: str) -> None:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "claimtrack", *command.split(), "--help"],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, check=True,
    )  # fmt: skip
    too_wide = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert too_wide == []


@pytest.mark.parametrize("kind", ["not PEM", "a key", "no root"])
def test_a_chain_file_of_the_wrong_kind_is_refused_before_anything_is_sent(
    cli: Cli, db_path: Path, tsa: Authority, authority_files: Path, tmp_path: Path, kind: str
) -> None:
    claim = cli.add("The river rose 3 metres")
    given = {
        "not PEM": db_path,
        "a key": authority_files.parent / "tsa.key",
        "no root": authority_files.parent / "tsa.crt",
    }[kind]
    page = tsa.url.replace("/tsr", "/river")
    cli("link", claim, "Water Board", "--as", "reported-by", "--create", "--url", page)
    for command in (["seal"], ["archive", "--timestamp"]):
        result = cli(*command, "--tsa", tsa.url, "--tsa-ca", str(given), code=1)
        first, hint = result.stderr.splitlines()[:2]
        assert first.startswith(f"Error: {given}: the certificate chain ")
        assert hint.startswith("Hint: nothing was sent")
    assert tsa.queries == []
    assert not db_path.with_suffix(".timestamps").exists()
    assert not cli.json("show", claim)["links"][0].get("archive")  # nothing archived
