"""Hostile input and faults: nothing is lost, nothing is corrupted, nothing leaks."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtrack.db import Database
from claimtrack.errors import ClaimtrackError, DatabaseError
from claimtrack.exporting import formats
from claimtrack.extract import extract
from claimtrack.importing import importer
from claimtrack.store.files import locked
from tests.helpers import Cli, claims_at_scale, hold_lock

CLAIMTRACK = [sys.executable, "-m", "claimtrack"]
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Any Unicode text (no surrogates, which UTF-8 cannot carry), with markup and escapes
# mixed in so that the interesting cases are not left to chance.
nasty = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(
        [
            "[bold]x[/bold]",
            "[/]",
            ":warning: :thumbs_up:",
            "\x1b[31mred\x1b[0m",
            "\x00nul",
            "\u202eevil RTL override",
            "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
            "=cmd|' /C calc'!A0",
            "\x9b2J",
            "line\nbreak",
            "tab\there",
            "\r\n",
        ]
    ),
).filter(lambda s: s.strip() != "")
tag = st.text(alphabet=st.characters(categories=("Ll", "Lu", "Nd")), min_size=1, max_size=20)


def assert_safe(output: str) -> None:
    found = RAW_CONTROL.search(output)
    assert found is None, f"raw control character {found.group()!r} in output"


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=nasty, source=nasty, note=nasty, tags=st.lists(tag, max_size=3))
def test_any_text_round_trips_and_prints_safely(
    tmp_path_factory: pytest.TempPathFactory,
    text: str,
    source: str,
    note: str,
    tags: list[str],
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    first, second = Cli(folder / "a.json"), Cli(folder / "b.json")
    with Database.open(first.db_path, write=True) as db:
        claim = db.add_claim(text, tags=tags, said_by=[source], note=note)
        db.link(claim["id"], db.find_source(source)["id"], "supports", note=note)  # type: ignore[index]
    exported = first("export", "--reveal").stdout
    second("import", "-", "--format", "json", input=exported)
    again = json.loads(second("export", "--reveal", "--no-history").stdout)
    original = json.loads(first("export", "--reveal", "--no-history").stdout)
    assert again == original
    assert again["claims"][0]["text"] == text.strip()
    for fmt in ("table", "json", "jsonl", "csv", "tsv", "ids"):
        assert_safe(first("list", "--format", fmt).stdout)
        assert_safe(first("show", claim["id"], "--format", fmt).stdout)
        assert_safe(first("source", "list", "--format", fmt).stdout)
    for fmt in ("jsonl", "csv", "markdown"):
        assert_safe(first("export", "--format", fmt).stdout)
    assert_safe(first("log", "--format", "table").stdout)


formula = st.sampled_from(["=SUM(A1)", "+1", "-2", "@cmd", "\ttab", "\rcr", "\nlf"])
cell_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    nasty,
    formula,
    st.text(max_size=30),
    st.lists(st.one_of(nasty, formula, st.text(max_size=10)), max_size=4),
    st.lists(st.one_of(st.integers(), st.none(), st.text(max_size=5)), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(cell_value, max_size=8))
def test_csv_rows_made_fast_are_the_rows_made_cell_by_cell(values: list[object]) -> None:
    # The fast path of CSV/TSV output must defuse formulas and escape controls exactly
    # as the careful one does; no row may come out of it any different.
    assert formats.row_cells(values) == [formats.cell(value) for value in values]


def test_a_100_kb_claim_survives(cli: Cli) -> None:
    huge = ("x\u00e9\U0001f600 [b] " * 15_000)[:100_000]
    claim = cli.add(huge)
    assert cli.json("show", claim)["text"] == huge.strip()
    assert len(cli("list", "--format", "table").stdout) < 50_000  # one line, cut to fit


def _replace_last(data: bytes, old: bytes, new: bytes) -> bytes:
    at = data.rfind(old)  # the links table, after the history
    return data[:at] + new + data[at + len(old) :]


BAD_DATABASES = {
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "not JSON": lambda good: b"this is not json\n",
    "wrong schema": lambda good: b'{"claims": []}\n',
    "future schema": lambda good: good.replace(b'"version":1', b'"version":99'),
    "duplicate ID": lambda good: good.replace(
        b'\n},\n"events"', b",\n" + good.split(b"\n")[5] + b'\n},\n"events"', 1
    ),
    "deeply nested": lambda good: b'{"_meta": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "NaN": lambda good: _replace_last(good, b'"position":0', b'"position":NaN'),
    "huge integer": lambda good: _replace_last(good, b'"position":0', b'"position":' + b"9" * 40),
    "damaged history": lambda good: good.replace(b'"action":"add"', b'"action":"add",,', 1),
    "not UTF-8": lambda good: good.replace(b"At least", b"\xff\xfe least", 1),
}


@pytest.mark.parametrize("case", sorted(BAD_DATABASES))
def test_malformed_database_is_refused_and_left_alone(cli: Cli, case: str) -> None:
    cli.add("At least a dozen", "--said-by", "Someone")
    cli.add("Second claim")
    good = cli.db_path.read_bytes()
    bad = BAD_DATABASES[case](good)
    assert bad != good, case
    cli.db_path.write_bytes(bad)
    commands = [["add", "new claim"], ["export"], ["undo"], ["log"]]
    if case != "damaged history":
        # Reading commands that show no history do not parse it (that is what makes them
        # fast); damage there is reported by the next command that reads or writes it.
        commands += [["list"], ["check"], ["show", "zz"]]
    for args in commands:
        result = cli(*args, code=1)
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith("Error: database file"), (case, result.stderr)
        assert len(lines) <= 2 and "Traceback" not in result.stderr
        assert cli.db_path.read_bytes() == bad, (case, args)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "dup.json",
            b'{"format": "claimtrack", "format": "x", "schema_version": 1}',
            "appears twice",
        ),
        ("nested.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            "huge.json",
            b'{"format":"claimtrack","schema_version":1,"claims":[{"id":"a","text":'
            b'"t","status":"unverified","quantities":[{"value":' + b"9" * 40 + b"}]}]}",
            "too large",
        ),
        (
            "latin1.json",
            '{"format": "claimtrack", "x": "caf\xe9"}'.encode("latin-1"),
            "not valid JSON",
        ),
        ("nan.jsonl", b'{"text": "x", "quantities": [{"value": NaN}]}\n', "not a number"),
    ],
)
def test_malformed_import_files(
    cli: Cli, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    cli.add("existing")
    before = cli.db_path.read_bytes()
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("import", str(path), code=1)
    assert result.stderr.startswith("Error:") and message in result.stderr
    assert cli.db_path.read_bytes() == before


MIXED_WORKER = """
import json, random, sys
from claimtrack.cli import app
from claimtrack.errors import ClaimtrackError
db, worker = sys.argv[1], sys.argv[2]
rng = random.Random(int(worker))
mine = []
def run(*args):
    return app(["--db", db, *args], standalone_mode=False)
done = []
import io


class Out:
    def __init__(self):
        self.buffer = io.BytesIO()

    def write(self, text):
        self.buffer.write(text.encode())
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


for number in range(50):
    op = "add" if not mine else rng.choice(["add", "edit", "link", "status", "note", "rm"])
    if op == "add":
        capture = Out()
        sys.stdout = capture
        try:
            run("add", f"w{worker} claim {number}", "-q")
        finally:
            sys.stdout = sys.__stdout__
        claim = capture.buffer.getvalue().decode().strip()
        mine.append(claim)
        done.append(["add", claim, f"w{worker} claim {number}"])
        continue
    claim = rng.choice(mine)
    if op == "edit":
        run("edit", claim, "--text", f"w{worker} edited {number}", "-q")
        done.append(["edit", claim, f"w{worker} edited {number}"])
    elif op == "link":
        run("link", claim, f"Source {worker}", "--as", "supports", "--create", "-q")
        done.append(["link", claim, f"Source {worker}"])
    elif op == "status":
        run("status", claim, "checking", "-q")
        done.append(["status", claim, "checking"])
    elif op == "note":
        run("note", claim, f"note {number}", "-q")
        done.append(["note", claim, f"note {number}"])
    elif op == "rm":
        run("rm", claim, "--yes", "-q")
        mine.remove(claim)
        done.append(["rm", claim, ""])
print(json.dumps(done))
"""


@pytest.mark.slow
def test_eight_writers_fifty_mixed_writes_each(db_path: Path) -> None:
    if start := claims_at_scale(0):  # an empty database, unless run at scale
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
        import synth

        synth.write(db_path, start)
    env = {**os.environ}
    workers = []
    for n in range(8):
        env_n = {**env, "CLAIMTRACK_USER": f"w{n}"}
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", MIXED_WORKER, str(db_path), str(n)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env_n,
            )
        )
    logs = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        logs.append(json.loads(out.strip().splitlines()[-1]))
    data = json.loads(db_path.read_text(encoding="utf-8"))
    claims = data["claims"]
    for n, log in enumerate(logs):
        expected: dict[str, dict[str, object]] = {}
        for op, claim, value in log:
            if op == "add":
                expected[claim] = {"text": value, "notes": [], "status": "unverified"}
            elif op == "rm":
                expected.pop(claim)
            elif op == "edit":
                expected[claim]["text"] = value
            elif op == "status":
                expected[claim]["status"] = value
            elif op == "note":
                expected[claim]["notes"].append(value)  # type: ignore[attr-defined]
        for claim, state in expected.items():
            assert claim in claims, (n, claim)
            assert claims[claim]["text"] == state["text"]
            assert claims[claim]["status"] == state["status"]
            assert [x["text"] for x in claims[claim]["notes"]] == state["notes"]
        removed = {c for op, c, _ in log if op == "rm"}
        assert not removed & set(claims)
        # One change in the history for every acknowledged write that changed something
        # (setting a status a claim already has, or linking a pair again, writes nothing).
        changes = {e["change"] for e in data["events"].values() if e["actor"] == f"w{n}"}
        status: dict[str, str] = {}
        linked: set[tuple[str, str]] = set()
        no_ops = 0
        for op, claim, value in log:
            if op == "status":
                no_ops += status.get(claim) == value
                status[claim] = value
            elif op == "link":
                no_ops += (claim, value) in linked
                linked.add((claim, value))
        assert len(changes) == len(log) - no_ops, n


@pytest.mark.slow
def test_sigkill_during_twenty_writes(db_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import synth

    synth.write(db_path, claims_at_scale(5000))
    # Kill points spread over the time a write takes at this size, and some after it: the
    # second write timed (the first also builds the index), the others killed at random.
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run([*CLAIMTRACK, "--db", str(db_path), "add", "timed", "-q"], check=True)
        took = time.perf_counter() - started
    rng = random.Random(11)
    for number in range(20):
        before = db_path.read_bytes()
        writer = subprocess.Popen(
            [*CLAIMTRACK, "--db", str(db_path), "add", f"write {number}", "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, max(0.9, 1.5 * took)))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        after = db_path.read_bytes()
        if after != before:
            old, new = json.loads(before), json.loads(after)
            assert len(new["claims"]) == len(old["claims"]) + 1
            assert any(c["text"] == f"write {number}" for c in new["claims"].values())
        else:
            json.loads(after)
    subprocess.run(
        [*CLAIMTRACK, "--db", str(db_path), "add", "after the crashes"],
        check=True,
        capture_output=True,
    )
    assert not list(db_path.parent.glob(f".{db_path.name}.*.tmp"))


@pytest.mark.parametrize("index", ["always", "never"])
@pytest.mark.parametrize("error", [(28, "No space left on device"), (30, "Read-only file system")])
def test_full_or_read_only_disk(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, error: tuple[int, str], index: str
) -> None:
    # Both ways of writing: the whole file, and splicing a change in beside an index.
    monkeypatch.setenv("CLAIMTRACK_INDEX", index)
    cli.add("safe claim")
    before = cli.db_path.read_bytes()
    real_fsync = os.fsync

    def failing(fd: int) -> None:
        raise OSError(error[0], error[1])

    monkeypatch.setattr(os, "fsync", failing)
    result = cli("add", "will not fit", code=1)
    assert result.stderr.startswith(f"Error: cannot write {cli.db_path}: {error[1]}")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert cli.db_path.read_bytes() == before
    assert not list(cli.db_path.parent.glob(".claims.json.*.tmp"))
    assert [c["text"] for c in cli.jsonl("list")] == ["safe claim"]


def test_disk_full_in_the_middle_of_a_splice(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(5):
        cli.add(f"claim {number}", "--said-by", "Ana")
    before = cli.db_path.read_bytes()

    def full(*args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "copy_file_range", full, raising=False)
    monkeypatch.setattr(os, "write", full)
    cli("add", "will not fit", "--said-by", "Ana", code=1)
    monkeypatch.undo()
    assert cli.db_path.read_bytes() == before
    assert not list(cli.db_path.parent.glob(".claims.json.*.tmp"))


def test_lock_timeout_names_the_holder(db_path: Path) -> None:
    holder = hold_lock(db_path, ["claimtrack", "source", "add", "Secret Name"])
    try:
        env = {**os.environ, "CLAIMTRACK_LOCK_TIMEOUT": "0.3"}
        blocked = subprocess.run(
            [*CLAIMTRACK, "--db", str(db_path), "add", "x"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        holder.kill()
        holder.wait()
    assert blocked.returncode == 1
    assert "locked by another claimtrack command: 'claimtrack source add'" in blocked.stderr
    assert f"process {holder.pid}" in blocked.stderr
    assert "Secret Name" not in blocked.stderr  # arguments are not repeated
    assert not db_path.exists()  # the blocked command wrote nothing


def test_the_command_line_names_its_command_to_the_lock_without_arguments(cli: Cli) -> None:
    from claimtrack.store import files

    cli("source", "add", "Secret Name")
    assert files.command_name() == "claimtrack source add"


def test_lock_is_freed_when_its_holder_dies(db_path: Path) -> None:
    holder = hold_lock(db_path, ["claimtrack", "add", "x"])
    with (
        pytest.raises(DatabaseError, match="locked by another claimtrack command"),
        locked(db_path, timeout=0),
    ):
        pass
    holder.kill()  # no release, no clean-up: the kernel drops the lock with the process
    holder.wait()
    with locked(db_path, timeout=5):
        pass


def test_a_lock_file_removed_while_waiting_is_not_trusted(db_path: Path) -> None:
    lock_file = db_path.with_name(db_path.name + ".lock")
    acquired = threading.Event()
    with locked(db_path):

        def wait_for_it() -> None:
            with locked(db_path, timeout=10):
                acquired.set()

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        time.sleep(0.2)
        lock_file.unlink()  # someone tidies up: the waiter's file is no longer the lock
        assert not acquired.is_set()
    waiter.join(10)
    assert acquired.is_set()
    assert lock_file.exists()


def test_a_lock_won_on_a_file_just_removed_is_tried_again(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    lock_file = db_path.with_name(db_path.name + ".lock")
    calls: list[int] = []
    real_flock = fcntl.flock

    def racing_flock(fd: int, operation: int) -> None:
        calls.append(fd)
        if len(calls) == 1:  # another process removes the file between open and flock
            lock_file.unlink()
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", racing_flock)
    with locked(db_path, timeout=5):
        assert len(calls) == 2
        assert os.fstat(calls[1]).st_ino == lock_file.stat().st_ino


def test_a_symlinked_lock_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("precious\n")
    cli.db_path.with_name(cli.db_path.name + ".lock").symlink_to(target)
    result = cli("add", "A claim", code=1)
    assert result.stderr.startswith("Error: cannot lock")
    assert target.read_text() == "precious\n"
    assert not cli.db_path.exists()


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.recursive(
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(),
                st.floats(allow_nan=False),
                st.text(max_size=20),
            ),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "format",
                            "schema_version",
                            "claims",
                            "sources",
                            "links",
                            "events",
                            "id",
                            "text",
                            "status",
                            "claim",
                            "source",
                            "relation",
                            "notes",
                        ]
                    ),
                    children,
                    max_size=5,
                )
            ),
            max_leaves=20,
        ).map(
            lambda value: json.dumps(
                {"format": "claimtrack", "schema_version": 1, "claims": value}
                if isinstance(value, list)
                else value
            ).encode()
        ),
    ),
    fmt=st.sampled_from(["json", "jsonl", "csv"]),
)
def test_fuzz_import_parser_only_raises_clean_errors(raw: bytes, fmt: str) -> None:
    try:
        incoming = importer.read(raw, fmt, "fuzz")
    except ClaimtrackError:
        return
    with Database.open(Path("/nonexistent/never-written.json")) as db:
        importer.plan(db, incoming)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=2000))
def test_fuzz_extract_never_crashes(text: str) -> None:
    result = extract(text)
    for candidate in result.candidates:
        assert candidate.sentence and isinstance(candidate.quantities, list)


@pytest.mark.slow
def test_fuzz_extract_on_mangled_articles() -> None:
    article = (
        Path(__file__).resolve().parent.parent / "seeds" / "serbia-russian-refugees.txt"
    ).read_text()
    rng = random.Random(5)
    for _ in range(200):
        chars = list(article)
        for _ in range(rng.randint(1, 40)):
            position = rng.randrange(len(chars))
            chars[position] = rng.choice(['"', "\u201c", ",", ".", "\n", " ", "A", "7", "\x00"])
        extract("".join(chars))


def test_debug_traceback_does_not_reveal_confidential_names(cli: Cli) -> None:
    cli("source", "add", "Olga Hiddenova", "--confidential")
    cli("source", "add", "Olga Public")
    result = subprocess.run(
        [*CLAIMTRACK, "--db", str(cli.db_path), "--debug", "source", "show", "olga"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert "Hiddenova" not in result.stderr


def test_a_claimtrack_toml_starting_with_a_byte_order_mark_is_read(cli: Cli, db_path: Path) -> None:
    db_path.with_name("claimtrack.toml").write_bytes(
        b"\xef\xbb\xbf" + b'[organisation]\nname = "Desk Fact Check"\n'
    )
    claim = cli.add("A claim with a verdict")
    cli("status", claim, "verified", "--review-url", "https://desk.example/checks/1")
    out = cli("export", "-f", "claimreview").stdout
    assert '"name": "Desk Fact Check"' in out


def _damage(db_path: Path, change: Callable[[dict[str, Any]], None]) -> bytes:
    """Change the file's data, keeping claimtrack's one-record-a-line layout, which the
    index reads line by line (one-line JSON would be parsed whole instead)."""
    from claimtrack.store.fileformat import dump

    data = json.loads(db_path.read_bytes())
    change(data)
    db_path.write_bytes(dump(data))
    return db_path.read_bytes()


def _first(data: dict[str, Any], table: str) -> dict[str, Any]:
    return next(iter(data[table].values()))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda data: _first(data, "claims").pop("text"), "has no valid 'text' field"),
        (lambda data: _first(data, "claims").update(text=None), "has no valid 'text' field"),
        (lambda data: _first(data, "events").pop("actor"), "has no valid 'actor' field"),
        (lambda data: _first(data, "events").update(after=[1]), "has no valid 'after' field"),
        (lambda data: _first(data, "claims").update(merged="abc"), "has no valid 'merged' field"),
        (lambda data: _first(data, "sources").update(merged=[1]), "has no valid 'merged' field"),
    ],
)
def test_a_record_missing_a_field_is_a_clear_error_and_the_file_is_kept(
    cli: Cli, db_path: Path, damage: Callable[[dict[str, Any]], None], said: str
) -> None:
    claim = cli.add("A claim", "--said-by", "Agency")
    kept = _damage(db_path, damage)
    commands = [("log",), ("export",)]  # what reads the history (docs/reliability.md)
    if "actor" not in said and "after" not in said:
        commands += [("list",), ("check",), ("note", claim, "more")]
    for args in commands:
        refused = cli(*args, code=1)
        assert said in refused.stderr and "internal error" not in refused.stderr, args
        assert refused.stderr.startswith("Error: database file ")
    assert db_path.read_bytes() == kept


def test_a_database_path_longer_than_the_system_allows_is_a_clear_error(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from claimtrack.cli import app

    too_long = tmp_path / "/".join(["c" * 250] * 20) / "claims.json"
    for args in (["add", "x"], ["list"]):
        refused = CliRunner().invoke(app, ["--db", str(too_long), *args])
        assert refused.exit_code == 1
        assert refused.stderr.splitlines()[0].startswith(f"Error: cannot use {tmp_path}")
        assert "File name too long" in refused.stderr and "internal" not in refused.stderr


def test_an_integer_too_wide_for_64_bits_outside_quantities_is_refused_not_rounded(
    cli: Cli, db_path: Path
) -> None:
    claim = cli.add("A claim")
    wide = 123456789012345678901234567890
    raw = db_path.read_bytes().replace(b'"text":"A claim"', b'"text":"A claim","extra":%d' % wide)
    assert raw != db_path.read_bytes()
    db_path.write_bytes(raw)
    refused = cli("note", claim, "more", code=1)
    assert str(wide) in refused.stderr and "too large" in refused.stderr
    assert db_path.read_bytes() == raw  # never written back as 1.2345678901234568e+29


def test_a_wait_outlasts_the_timeout_while_other_commands_take_their_turns(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four scripts adding at once to a large file: each add holds the lock for seconds,
    so a waiter can see the timeout pass while the lock goes from one command to the
    next. It waits on while the holder changes, and gives up only on one that held the
    lock the whole time."""
    from claimtrack.store import files

    holders = iter(["1\nclaimtrack add\n", "2\nclaimtrack add\n", "3\nclaimtrack edit\n"])
    note = files.holder_path_of(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tries = []

    def busy(self: Any) -> None:
        tries.append(note.read_text(encoding="utf-8") if note.exists() else None)
        following = next(holders, None)
        if following is not None:  # the lock went to another command meanwhile
            note.write_text(following, encoding="utf-8")
        raise files._Busy  # noqa: SLF001

    note.write_text("0\nclaimtrack add\n", encoding="utf-8")
    monkeypatch.setattr(files._PosixLock, "acquire", busy)  # noqa: SLF001
    with pytest.raises(DatabaseError, match=r"'claimtrack edit' \(process 3\)"), locked(db_path):
        pass
    assert len(tries) == 4  # three turns waited through, then one held the whole time
    tries.clear()
    holders = iter(["4\nclaimtrack add\n"])
    with pytest.raises(DatabaseError, match="process 4"), locked(db_path, timeout=0):
        pass  # a command that does not wait gives up at once
    assert len(tries) == 1
