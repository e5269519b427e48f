"""The sidecar index: the same results as parsing the file, and never trusted when stale."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from claimtrack import ids
from claimtrack import records as record_builders
from claimtrack.cli import app
from claimtrack.exporting.formats import json_bytes, write_json
from claimtrack.store import layout, snapshot
from claimtrack.store.fileformat import dump, empty_data, line_key_separators, parse
from claimtrack.store.files import locked
from claimtrack.store.index import Index, index_path
from claimtrack.store.layout import Layout, NotOurLayout, find_blocks, splice
from tests.helpers import Cli, add_confidential_source

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A synthetic database of 300 claims, its IDs random but the same for every mode."""
    path = tmp_path / "base.json"
    synth.write(path, 300, seed=3)
    return path


@pytest.fixture
def copied(base: Path, tmp_path: Path) -> Cli:
    """The base database copied to claims.json, and a command line on the copy."""
    path = tmp_path / "claims.json"
    shutil.copyfile(base, path)
    return Cli(path)


def deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same IDs and clock in every run, so two runs can be compared byte for byte."""
    rng = random.Random(5)
    ticks = itertools.count()
    monkeypatch.setattr(ids, "new_id", lambda: "".join(rng.choices(ids.ALPHABET, k=16)))
    monkeypatch.setattr(record_builders, "now", lambda: f"2030-01-01T00:00:00.{next(ticks):06d}Z")


def first_claims(path: Path, count: int) -> list[str]:
    return sorted(parse(path.read_bytes(), path)["claims"])[:count]


def scenario(cli: Cli, claims: list[str]) -> list[str]:
    """Every indexed write command, on new and existing records; returns their outputs."""
    one, two, three = claims
    steps: list[tuple[str, ...]] = [
        ("add", "Police detained 12 activists", "--said-by", "Ana Petrovic", "--tag", "x"),
        ("add", "Second claim", "--said-by", "S1", "--reported-by", "AP", "--story", "s-1"),
        ("status", one, "checking", "--note", "called the ministry"),
        ("note", one, "a second note"),
        ("edit", two, "--add-tag", "serbia", "--text", "Rewritten [bold]text[/]"),
        ("link", one, "AP", "--as", "supports", "--url", "https://example.org/a"),
        ("link", one, "AP", "--as", "supports", "--quote", "updated quote"),
        ("link", two, "Brand New Org", "--as", "reported-by", "--create"),
        ("unlink", one, "AP", "--as", "supports"),
        ("rm", three, "--yes"),
        ("add", "Third claim", "--said-by", "Ana Petrovic", "--reported-by", "Petrovic"),
        ("status", two, "false", "--rating", "False"),
        ("source", "add", "Interior Ministry", "--kind", "organisation", "--alias", "MUP"),
        ("source", "edit", "MUP", "--name", "Ministry of the Interior", "--add-alias", "MoI"),
        ("link", one, "MoI", "--as", "reported-by"),
        ("source", "show", "Ministry of the Interior"),
        ("source", "show", "S1"),
        ("source", "rm", "Brand New Org", "--yes"),
    ]
    outputs = [cli(*step, "--format", "json").stdout for step in steps]
    secret = add_confidential_source(cli)
    # A link to the protected source that survives only in the history must stay hidden.
    cli("unlink", secret, "Olga H", "--as", "supports")
    return [*outputs, cli("show", secret, "--format", "json").stdout]


READS: list[tuple[str, ...]] = [
    ("list", "--limit", "20"),
    ("list", "--format", "table"),
    ("list", "--sort", "text", "--limit", "30"),
    ("list", "--sort", "status", "--reverse", "--limit", "40"),
    ("list", "--sort", "story", "--limit", "25"),
    ("list", "--sort", "updated", "--limit", "25"),
    ("list", "--status", "unverified", "--status", "checking", "--limit", "50"),
    ("list", "--tag", "police", "--limit", "50"),
    ("list", "--tag", "police", "--tag", "report", "--limit", "50"),
    ("list", "--story", "story-3", "--story", "story-7", "--limit", "50"),
    ("list", "--source", "S1", "--limit", "50"),
    ("list", "--source", "S2", "--relation", "said-by", "--limit", "50"),
    ("list", "--search", "POLICE Permit", "--limit", "50"),
    ("list", "--since", "2023-01-01", "--until", "2024-06-30", "--limit", "50"),
    ("list",),
    ("list", "--all", "--format", "csv"),
    ("list", "--all", "--format", "json"),
    ("list", "--status", "checking", "--format", "tsv"),
    ("list", "--source", "S3", "-q"),
    ("export",),
    ("export", "--reveal"),
    ("export", "--no-history"),
    ("export", "--format", "jsonl"),
    ("export", "--format", "csv", "--tag", "police"),
    ("export", "--format", "tsv", "--reveal", "--since", "2023-01-01"),
    (
        "export",
        "--format",
        "claimreview",
        "--org",
        "Desk",
        "--story",
        "story-3",
        "--allow-missing-url",
    ),
    ("source", "list"),
    ("source", "list", "--format", "json"),
    ("source", "list", "--reveal", "--format", "jsonl"),
    ("source", "list", "--kind", "person", "--search", "s", "--format", "csv"),
    ("stats", "--format", "json"),
    ("stats", "--format", "table", "--top", "5"),
    ("stats", "--status", "checking", "--tag", "police", "--format", "json", "--reveal"),
    ("stats", "--story", "story-3", "--format", "json"),
]


# `check` exits 1 when a claim would block publication: its code and both streams count.
CHECKS: list[tuple[str, ...]] = [
    ("check", "--format", "jsonl"),
    ("check", "--story", "story-3", "--format", "json"),
    ("check", "--status", "verified", "--status", "false", "--format", "table"),
    ("check", "--source", "S1", "--disable", "open-status", "-q"),
]


def history_reads(cli: Cli, claims: list[str]) -> list[str]:
    """``log`` of everything and of one record each kind, change, deleted and protected."""
    # Once removed, only its history says the source was confidential: the history of
    # a claim that cited it must still withhold what its links said.
    before = [json.loads(line) for line in cli("log", "--format", "jsonl").stdout.splitlines()]
    olga = next(e["target"] for e in before if (e["after"] or {}).get("confidential"))
    cited = next(e["after"]["claim"] for e in before if (e["after"] or {}).get("source") == olga)
    # An edit of her link records only what changed, not whose link it is.
    cli("link", cited, olga, "--as", "said-by", "--quote", "her very words")
    edit = json.loads(cli("log", "-n", "1", "--format", "jsonl").stdout)["change"]
    cli("source", "rm", olga, "--yes")
    everything = cli("log", "--format", "jsonl").stdout
    events = [json.loads(line) for line in everything.splitlines()]
    link = next(e["target"] for e in events if e["kind"] == "link")
    removed = next(e["target"] for e in events if e["action"] == "rm")
    first = events[-1]["target"][:6]  # a prefix
    picks = [claims[0], removed, events[0]["change"], first, link, olga, cited, edit]
    outputs = [
        everything,
        cli("log", "--reveal", "--format", "json").stdout,
        cli("log", "-n", "7", "--format", "table").stdout,
        cli("log", "-n", "0", "--format", "csv").stdout,
    ]
    for pick in picks:
        outputs.append(cli("log", pick, "--format", "jsonl").stdout)
        outputs.append(cli("log", pick, "-n", "2", "--reveal", "--format", "json").stdout)
    withheld = [everything, *outputs[2:4], *outputs[4::2]]
    assert not [text for text in withheld if "her very words" in text or "Hiddenova" in text]
    assert "her very words" in outputs[1]  # --reveal shows it
    return outputs


def checked(cli: Cli) -> list[str]:
    results = [cli.runner.invoke(app, ["--db", str(cli.db_path), *args]) for args in CHECKS]
    return [f"{r.exit_code}\n{r.stdout}\n{r.stderr}" for r in results]


def run_mode(
    mode: str, base: Path, target: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[bytes, list[str]]:
    shutil.copyfile(base, target)
    monkeypatch.setenv("CLAIMTRACK_INDEX", mode)
    deterministic(monkeypatch)
    cli = Cli(target)
    outputs = [cli(*read).stdout for read in READS] + checked(cli)
    outputs += scenario(cli, first_claims(target, 3))
    outputs += [cli(*read).stdout for read in READS] + checked(cli)
    outputs += history_reads(cli, first_claims(target, 3))
    outputs += [
        cli("show", claim[:9], "--format", fmt).stdout
        for claim in first_claims(target, 5)
        for fmt in ("json", "table")
    ]
    return target.read_bytes(), outputs


@pytest.mark.slow
@pytest.mark.parametrize("bulk", [False, True])
def test_with_and_without_index_the_same(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    plain_file, plain = run_mode("never", base, tmp_path / "plain.json", monkeypatch)
    if bulk:  # listings longer than this read every link at once and parse as they print
        monkeypatch.setattr(snapshot, "LOOKUP_LIMIT", 10)
        monkeypatch.setattr(layout, "CHUNK", 7)  # tables read in chunks that split lines
    indexed_file, indexed = run_mode("always", base, tmp_path / "indexed.json", monkeypatch)
    assert index_path(tmp_path / "indexed.json").exists()
    assert not index_path(tmp_path / "plain.json").exists()
    for number, (left, right) in enumerate(zip(plain, indexed, strict=True)):
        assert left == right, f"output {number} differs"
    assert plain_file == indexed_file
    assert dump(parse(indexed_file, tmp_path)) == indexed_file  # still one record per line


def test_small_files_use_no_index_by_default(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", "auto")
    cli.add("a claim")
    cli("list")
    assert not index_path(cli.db_path).exists()


def test_large_files_get_one_by_default(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", "auto")
    path = tmp_path / "large.json"
    synth.write(path, 2_500)
    assert path.stat().st_size > 3_000_000
    Cli(path)("list", "--limit", "1")
    assert index_path(path).exists()


def index_built(cli: Cli) -> Path:
    cli("list", "--limit", "1")
    path = index_path(cli.db_path)
    assert path.exists()
    return path


def set_status_by_hand(path: Path, claim_id: str, old: str, new: str) -> None:
    """Edit the file in place, same size, and put its modification time back."""
    assert len(old) == len(new)
    before = path.stat()
    raw = path.read_bytes()
    start = raw.index(f'"{claim_id}": '.encode())
    at = raw.index(f'"status":"{old}"'.encode(), start)
    with open(path, "r+b") as handle:
        handle.seek(at)
        handle.write(f'"status":"{new}"'.encode())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def test_edit_by_hand_of_same_size_is_seen(copied: Cli) -> None:
    cli = copied
    path = cli.db_path
    index_built(cli)
    claim = next(c for c in cli.jsonl("list", "--all") if c["status"] == "checking")
    set_status_by_hand(path, claim["id"], "checking", "disputed")
    assert cli.json("show", claim["id"])["status"] == "disputed"
    found = [c["id"] for c in cli.jsonl("list", "--status", "disputed", "--limit", "500")]
    assert claim["id"] in found
    cli("note", claim["id"], "seen")  # a write after the edit keeps it
    assert cli.json("show", claim["id"])["status"] == "disputed"


def test_check_finds_damage_with_and_without_the_index(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link to a missing claim or source and a record filed under another ID are found
    by the index, in memory and in the cache alike; the cache still vouches for the file
    (the index has a table of such records)."""
    raw = base.read_bytes()
    data = parse(raw, base)
    link_id, claim_id = sorted(data["links"])[5], sorted(data["claims"])[7]

    def edited(record_id: str, old: str, new: str) -> bytes:
        """The file with one field of one record's line changed."""
        start = raw.index(f'\n"{record_id}": '.encode())
        end = raw.index(b"\n", start + 1)
        line = raw[start:end]
        assert old.encode() in line
        return raw[:start] + line.replace(old.encode(), new.encode(), 1) + raw[end:]

    link = data["links"][link_id]
    claim, source = link["claim"], link["source"]
    damages = {
        "a link to a missing claim": edited(link_id, f'"claim":"{claim}"', '"claim":"x"'),
        "a link to a missing source": edited(link_id, f'"source":"{source}"', '"source":"y"'),
        "a claim filed under another ID": edited(claim_id, f'"id":"{claim_id}"', '"id":"z"'),
    }
    for name, damaged in damages.items():
        outputs = []
        for mode in ("never", "always"):
            monkeypatch.setenv("CLAIMTRACK_INDEX", mode)
            path = tmp_path / f"{mode}.json"
            path.write_bytes(damaged)
            cli = Cli(path)
            result = cli("check", "--format", "jsonl", code=1)
            outputs.append((result.stdout, result.stderr))
            if mode == "always":
                assert "(current)" in cli("db", "path").stderr, name
        assert outputs[0] == outputs[1], name
        structure = [
            json.loads(line) for line in outputs[1][0].splitlines() if '"structure"' in line
        ]
        assert len(structure) == 1, name
        # Damage is no claim: it is not counted as one, nor listed as an empty ID.
        failing = {json.loads(line)["claim"] for line in outputs[1][0].splitlines()} - {""}
        assert f"in {len(failing)} of 300 claim(s)" in outputs[1][1], name
        assert "" not in cli("check", "-q", code=1).stdout.splitlines(), name


def test_file_replaced_by_another(copied: Cli, tmp_path: Path) -> None:
    cli = copied
    path = cli.db_path
    index_built(cli)
    other = tmp_path / "other.json"
    synth.write(other, 40, seed=9)
    os.replace(other, path)
    listed = cli.jsonl("list", "--limit", "100")
    assert {c["id"] for c in listed} == set(parse(path.read_bytes(), path)["claims"])


def test_sqlite_export_the_same_with_and_without_the_index(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dumps = []
    for mode in ("never", "always"):
        monkeypatch.setenv("CLAIMTRACK_INDEX", mode)
        deterministic(monkeypatch)
        path = tmp_path / f"{mode}.json"
        shutil.copyfile(base, path)
        cli = Cli(path)
        add_confidential_source(cli)
        for filters in ((), ("--status", "checking", "--tag", "police")):
            out = tmp_path / f"{mode}-{len(filters)}.db"
            cli("export", "--format", "sqlite", "-o", str(out), *filters)
            with contextlib.closing(sqlite3.connect(out)) as written:
                dumps.append(list(written.iterdump()))
    assert dumps[:2] == dumps[2:]
    assert len(dumps[0]) > len(dumps[1]) > 20
    assert not [line for dump in dumps for line in dump if "Hiddenova" in line]


def test_index_file_is_named_for_its_database(tmp_path: Path) -> None:
    short = index_path(tmp_path / "claims.json")
    assert short.name.endswith("%2Fclaims.json.sqlite")
    assert index_path(tmp_path / "claims.json") == short
    assert index_path(tmp_path / "other.json") != short
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 12)
    deep.mkdir(parents=True)
    long_one, long_two = index_path(deep / "claims.json"), index_path(deep / "claims2.json")
    assert len(long_one.name.encode()) < 100 and long_one != long_two  # a digest


def test_index_that_disagrees_with_the_links_is_an_error_not_a_wrong_listing(
    copied: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = copied
    index_built(cli)
    real = Index.link_claims

    def shifted(self: Index) -> Any:  # one link missing: every later one misfiled
        rows = real(self)
        next(rows)
        yield from rows

    monkeypatch.setattr(Index, "link_claims", shifted)
    failed = cli("list", "--all", "--format", "jsonl", code=1)
    assert failed.stdout == ""
    assert "index does not match its links" in failed.stderr


@pytest.mark.parametrize("damage", [b"", b"not a database at all" * 100, None])
def test_damaged_or_missing_index_is_rebuilt(copied: Cli, damage: bytes | None) -> None:
    cli = copied
    expected = cli("list", "--limit", "30").stdout
    index = index_built(cli)
    if damage is None:
        index.unlink()
    else:
        index.write_bytes(damage)
    assert cli("list", "--limit", "30").stdout == expected
    claim = cli.add("after the damage")
    assert cli.json("show", claim)["text"] == "after the damage"


def test_whole_file_writes_leave_a_current_index(copied: Cli, tmp_path: Path) -> None:
    cli = copied
    path = cli.db_path
    index = index_built(cli)
    other = Cli(tmp_path / "other.json")
    claim = other.add("imported claim", "--said-by", "Ana")
    other("export", "-o", str(tmp_path / "export.json"))
    cli("import", str(tmp_path / "export.json"))  # rewrites the file whole, and the index
    fresh = Index.cache_for(path)
    assert fresh is not None
    try:
        assert fresh.attach(write=False)  # current for the file as the import left it
    finally:
        fresh.close()
    stamp = index.stat().st_mtime_ns
    assert claim in {c["id"] for c in cli.jsonl("list", "--search", "imported claim")}
    assert cli.json("show", claim)["said_by"] == ["Ana"]
    assert index.stat().st_mtime_ns == stamp  # used as it was, not rebuilt


def test_db_path_tells_where_the_index_is_and_whether_it_is_current(
    copied: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = copied
    path = cli.db_path
    where = str(index_path(path))
    assert f"index: {where} (not built yet" in cli("db", "path").stderr
    index_built(cli)
    assert f"index: {where} (current)" in cli("db", "path").stderr
    claim = next(c for c in cli.jsonl("list", "--all") if c["status"] == "checking")
    set_status_by_hand(path, claim["id"], "checking", "disputed")
    assert f"index: {where} (stale" in cli("db", "path").stderr
    monkeypatch.setenv("CLAIMTRACK_INDEX", "never")
    assert "index: in memory (CLAIMTRACK_INDEX=never)" in cli("db", "path").stderr


def test_unwritable_cache_folder(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    claim = cli.add("works without an index", "--said-by", "Ana")
    assert cli.json("show", claim)["said_by"] == ["Ana"]


@pytest.mark.parametrize(
    ("xdg_cache_home", "home"),
    [
        ("/srv/cache", "/home/ana"),
        ("/srv/cache/", "/home/ana"),
        (None, "/home/ana"),
        ("", "/home/ana/"),
        ("relative/cache", "/"),  # the XDG specification: a relative path is ignored
        (None, "//"),
        (None, "relative-home"),  # platformdirs decides, from the password database
        (None, None),
    ],
)
def test_the_cache_folder_is_where_platformdirs_puts_it(
    monkeypatch: pytest.MonkeyPatch, xdg_cache_home: str | None, home: str | None
) -> None:
    """``user_cache_folder`` works out the XDG folder itself on Linux (importing
    platformdirs cost every command about 4 % of its start-up): the same folder."""
    from platformdirs import user_cache_path

    from claimtrack.store.files import user_cache_folder

    for name, value in (("XDG_CACHE_HOME", xdg_cache_home), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert user_cache_folder() == user_cache_path("claimtrack", appauthor=False)


def test_hand_formatted_file_is_read_and_rewritten(cli: Cli, tmp_path: Path) -> None:
    first = cli.add("first claim", "--said-by", "Ana")
    data = parse(cli.db_path.read_bytes(), cli.db_path)
    cli.db_path.write_text(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    assert cli.json("show", first)["said_by"] == ["Ana"]
    second = cli.add("second claim", "--said-by", "Ana")
    raw = cli.db_path.read_bytes()
    assert dump(parse(raw, cli.db_path)) == raw  # laid out one record per line again
    assert {c["id"] for c in cli.jsonl("list")} == {first, second}


def test_reader_while_a_writer_holds_the_lock(copied: Cli) -> None:
    cli = copied
    path = cli.db_path
    index = index_built(cli)
    claim = next(c for c in cli.jsonl("list", "--all") if c["status"] == "checking")
    set_status_by_hand(path, claim["id"], "checking", "disputed")
    stamp = index.stat().st_mtime_ns
    with locked(path):
        # Stale index, lock taken: the reader parses the file rather than wait or guess.
        assert cli.json("show", claim["id"])["status"] == "disputed"
    assert index.stat().st_mtime_ns == stamp
    assert cli.json("show", claim["id"])["status"] == "disputed"


# -- the file layout, through the core API --------------------------------------------------

record_ids = st.text(alphabet=ids.ALPHABET, min_size=3, max_size=6)
records = st.fixed_dictionaries(
    {"text": st.text(max_size=20), "n": st.integers(-5, 5), "tags": st.lists(st.text(max_size=4))}
)
tables = st.sampled_from(["claims", "sources", "links", "events"])


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.tuples(tables, record_ids), records, max_size=12),
    st.dictionaries(st.tuples(tables, record_ids), st.none() | records, max_size=8),
)
def test_splice_writes_what_dump_would(
    tmp_path_factory: pytest.TempPathFactory,
    initial: dict[tuple[str, str], dict[str, Any]],
    edits: dict[tuple[str, str], dict[str, Any] | None],
) -> None:
    data = empty_data()
    for (table, key), record in initial.items():
        data[table][key] = record
    raw = dump(data)
    path = tmp_path_factory.mktemp("splice") / "claims.json"
    path.write_bytes(raw)
    changes: dict[str, dict[str, bytes | None]] = {}
    for (table, key), record in edits.items():
        changes.setdefault(table, {})[key] = (
            None if record is None else orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        )
        if record is None:
            data[table].pop(key, None)
        else:
            data[table][key] = record
    fd = os.open(path, os.O_RDONLY)
    layout = Layout(fd, find_blocks(raw))
    out = path.with_name("out.json")
    out_fd = os.open(out, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for table, key in initial:
            assert layout.get(table, key) is not None
        blocks = splice(layout, changes, out_fd)
    finally:
        os.close(out_fd)
        layout.close()
        os.close(fd)
    written = out.read_bytes()
    assert written == dump(data)
    assert blocks == find_blocks(written)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=4), max_size=5))
def test_json_written_record_by_record_is_the_whole_list(records: list[dict[str, Any]]) -> None:
    out = io.BytesIO()
    write_json(iter(records), out)
    assert out.getvalue() == json_bytes(records, pretty=True)


def test_layout_refuses_files_not_laid_out_by_dump(tmp_path: Path) -> None:
    data = empty_data()
    data["claims"] = {"b": {"x": 1}, "a": {"x": 2}}
    good = dump(data)
    find_blocks(good)
    swapped = good.replace(b'"a": {"x":2},\n"b": {"x":1}', b'"b": {"x":1},\n"a": {"x":2}')
    assert swapped != good
    with pytest.raises(NotOurLayout):
        find_blocks(swapped)
    with pytest.raises(NotOurLayout):
        find_blocks(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    # Two records on one line and one record over two: as many lines as records, each
    # starting with a quote, valid JSON; binary search would still read "val" as an ID.
    three = empty_data()
    three["claims"] = {k: {"id": k, "text": t} for k, t in (("a", "1"), ("b", "val"), ("c", "3"))}
    shifted = dump(three).replace(
        b'"a": {"id":"a","text":"1"},\n"b": {"id":"b","text":"val"}',
        b'"a": {"id":"a","text":"1"}, "b": {"id":"b","text":\n"val"}',
    )
    assert shifted != dump(three)
    assert parse(shifted, tmp_path) == parse(dump(three), tmp_path)
    with pytest.raises(NotOurLayout):
        find_blocks(shifted)
    with pytest.raises(NotOurLayout):  # the same ID twice
        find_blocks(good.replace(b'"a": {"x":2}', b'"b": {"x":2}'))
    assert b'"a": {"x":2}' in good


def checks_before(batch: bytes, final: bool, previous: str, keys: list[str]) -> bool:
    """The line checks of ``layout.parse_lines`` as first written (a line at a time):
    what its faster checks must accept and refuse alike."""
    part = batch.split(b"\n")
    heads = [line[: line.find(b'": {') + 4] for line in part]
    return not (
        not keys
        or heads != [b'"' + key.encode() + b'": {' for key in keys]
        or line_key_separators(batch) != len(part)
        or batch.count(b"},\n") != len(part) - 1
        or not batch.endswith(b"}" if final else b"},")
        or keys[0] <= previous
        or any(left >= right for left, right in itertools.pairwise(keys))
    )


# What the checks look for, put anywhere in lines that pass them (or a byte deleted).
PIECES = [b"\n", b'": ', b'\\": ', b"},\n", b'": {', b" ", b'"', b"\\", b"}", b",", b'"a']


@settings(max_examples=400, deadline=None)
@example(keys=["a", "b"], edits=[(14, PIECES.index(b" "))], final=True, previous="")  # "} ,"
@example(keys=["a", "b"], edits=[(4, PIECES.index(b" "))], final=True, previous="")  # ":  {"
@example(keys=["b", "a"], edits=[], final=True, previous="")
@given(
    keys=st.lists(st.text(st.sampled_from('ab\\" :{},\né'), max_size=4), max_size=5),
    edits=st.lists(st.tuples(st.integers(0, 200), st.integers(-1, len(PIECES) - 1)), max_size=3),
    final=st.booleans(),
    previous=st.sampled_from(["", "a", "b"]),
)
def test_the_line_checks_refuse_what_they_refused_line_by_line(
    keys: list[str], edits: list[tuple[int, int]], final: bool, previous: str
) -> None:
    lines = [orjson.dumps(key) + b": " + orjson.dumps({"t": key}) for key in keys]
    batch = b",\n".join(lines) + (b"" if final else b",")
    for at, piece in edits:
        at %= len(batch) + 1
        piece_or_deletion = (PIECES[piece], at) if piece >= 0 else (b"", at + 1)
        batch = batch[:at] + piece_or_deletion[0] + batch[piece_or_deletion[1] :]
    try:
        parsed = orjson.loads(b"{" + (batch if final else batch[:-1]) + b"}")
    except orjson.JSONDecodeError:
        return  # refused by the parse, before the checks
    if not isinstance(parsed, dict):
        return
    expected = checks_before(batch, final, previous, list(parsed))
    try:
        layout.parse_lines("claims", batch, final, previous)
    except NotOurLayout:
        assert not expected
    else:
        assert expected


def test_an_index_that_disagrees_with_the_links_leaves_one_error_line(copied: Cli) -> None:
    """In a process of its own, as the user meets it: the error line and nothing else
    on stderr (the index's cursor over the links was left open, and Python printed an
    "Exception ignored" traceback when it was collected after the database closed)."""
    import sqlite3

    cli = copied
    cache = index_built(cli)
    with contextlib.closing(sqlite3.connect(cache)) as damaged, damaged:
        damaged.execute("DELETE FROM links WHERE id = (SELECT min(id) FROM links)")
    failed = subprocess.run(
        ["claimtrack", "--db", str(cli.db_path), "list", "--all", "--format", "jsonl"],
        capture_output=True,
        text=True,  # no timeout: under .ci/run's shifted clock a timed wait gets EINVAL
    )
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr.startswith("Error: ") and "does not match its links" in failed.stderr
    assert "Traceback" not in failed.stderr and "Exception ignored" not in failed.stderr


def test_log_reads_its_few_rows_by_index_not_by_scanning_every_event(copied: Cli) -> None:
    """``log -n 20`` at 250,000 claims spent 0.4 s of its 0.3 s goal scanning 1.6
    million events for the confidential ones and counting them: a partial index finds
    the few, a kept tally counts them (``tests/test_kept_counts.py`` holds it right)."""
    cli = copied
    cli("log", "-n", "5")  # builds the index, events and their lookups included
    with contextlib.closing(sqlite3.connect(index_path(cli.db_path))) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT target FROM events WHERE secret = 1"
        ).fetchall()
        assert "INDEX events_secret" in str(plan), plan  # its few rows, not every event
        plan = connection.execute(  # the links citing a source: a partial index too
            "EXPLAIN QUERY PLAN SELECT target FROM events WHERE source = ? AND kind = 'link'",
            ("s",),
        ).fetchall()
        assert "INDEX events_source" in str(plan), plan
        kept = connection.execute("SELECT n FROM tallies WHERE name = 'events'").fetchone()
        assert kept == connection.execute("SELECT count(*) FROM events").fetchone()
        assert kept[0] > 0
