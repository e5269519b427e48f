"""Import reads an export a run of records at a time; the result is the whole parse's."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimtrack.exporting.bundle import dump_bundle
from claimtrack.importing import bundle_stream, importer
from claimtrack.store.fileformat import dump, dump_to, empty_data, strict_loads
from claimtrack.store.layout import find_blocks
from tests.helpers import Cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth


@pytest.fixture
def export(tmp_path: Path) -> bytes:
    """``claimtrack export`` of a synthetic database of 200 claims."""
    path = tmp_path / "base.json"
    synth.write(path, 200, seed=7)
    out = tmp_path / "export.json"
    Cli(path)("export", "-o", str(out))
    return out.read_bytes()


def whole(raw: bytes) -> importer.Incoming | str:
    """What reading the whole file at once gives: the records, or the error message."""
    try:
        return importer.parse_json(raw.removeprefix(importer.BOM), "x")
    except importer.InvalidImport as exc:
        return exc.message


def streamed(raw: bytes) -> importer.Incoming | str:
    try:
        return importer.read_from(io.BytesIO(raw), "json", "x")
    except importer.InvalidImport as exc:
        return exc.message


def runs(raw: bytes) -> int:
    """How many runs of records the stream cut the file into (raises if it cannot)."""
    tables = ("claims", "sources", "links", "events")
    return sum(
        key in tables and isinstance(value, list)
        for key, value in bundle_stream.sections(io.BytesIO(raw))
    )


@pytest.mark.parametrize("read_size", [1, 7, 100, 4096, 1 << 20])
def test_an_export_streams_to_what_a_whole_parse_gives(
    export: bytes, read_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_stream, "READ_SIZE", read_size)
    assert runs(export) >= (4 if read_size >= 1 << 20 else 100)  # cut, not parsed whole
    result = streamed(export)
    assert isinstance(result, importer.Incoming)
    assert result == whole(export)
    assert len(result.claims) == 200 and result.links and result.events and result.sources


def relaid(export: bytes) -> dict[str, bytes]:
    data = json.loads(export)
    extra = {**data, "comment": {"by": "an editor", "lines": ["several"]}}
    return {
        "indented by 4": json.dumps(data, indent=4).encode(),
        "compact": json.dumps(data).encode(),
        "CRLF": export.replace(b"\n", b"\r\n"),
        "byte order mark": importer.BOM + export,
        "keys in another order": json.dumps(dict(reversed(data.items())), indent=2).encode(),
        "a key of our own over several lines": json.dumps(extra, indent=2).encode(),
        "no final newline": export.rstrip(),
    }


def test_other_layouts_are_read_whole_with_the_same_result(export: bytes) -> None:
    expected = whole(export)
    assert isinstance(expected, importer.Incoming)
    for name, raw in relaid(export).items():
        assert streamed(raw) == expected, name


def broken(export: bytes) -> dict[str, bytes]:
    lines = export.split(b"\n")
    claims_end = lines.index(b"  ],")
    return {
        "cut in a record": export[: len(export) // 3],
        "cut between records": b"\n".join(lines[:claims_end]),
        "cut after a list": b"\n".join(lines[: claims_end + 1]),
        "a key twice": export.replace(b'  "format": "claimtrack",', b'  "format": "x",\n' * 2, 1),
        "a comma too many": export.replace(b"\n  ]\n}", b"\n  ],\n}"),
        "text after the end": export + b"{}\n",
        "a record not an object": export.replace(b"[\n    {", b"[\n    7,\n    {", 1),
        "empty": b"",
        "blank": b" \n\n",
        "not JSON": b"{\nnot json\n}\n",
        "future schema": export.replace(b'"schema_version": 1', b'"schema_version": 99'),
        "another program's JSON": b'{\n  "claims": []\n}\n',
    }


def test_bad_files_give_the_whole_parse_error(export: bytes) -> None:
    for name, raw in broken(export).items():
        expected = whole(raw) if raw.strip() else "x is empty"
        assert isinstance(expected, str), name
        assert streamed(raw) == expected, name


def test_a_record_given_twice_is_reported_by_its_place(export: bytes) -> None:
    lines = export.split(b"\n")
    first_link = lines.index(b'  "links": [') + 1
    end = lines.index(b"    },", first_link)
    record = b"\n".join(lines[first_link : end + 1])
    twice = export.replace(b'  "links": [\n', b'  "links": [\n' + record + b"\n", 1)
    message = streamed(twice)
    assert message == "x: 1 invalid record(s); nothing was imported"
    with pytest.raises(importer.InvalidImport) as caught:
        importer.read(twice, "json", "x")
    assert caught.value.details == [f"links[1]: duplicate ID {link_id(record)!r}"]


def link_id(record: bytes) -> str:
    return str(json.loads(record.rstrip(b",").decode())["id"])


awkward_text = st.text(
    alphabet=st.sampled_from(['"', "\\", "\n", "]", "}", ",", "{", " ", "a", "é", "\u2028"]),
    min_size=1,
    max_size=30,
).filter(lambda text: text.strip() != "")


@settings(max_examples=100, deadline=None)
@given(st.lists(awkward_text, min_size=0, max_size=12), st.integers(1, 64))
def test_texts_that_look_like_the_layout_do_not_fool_the_cuts(
    texts: list[str], read_size: int
) -> None:
    claims = [
        {
            "id": f"c{number:04d}",
            "text": text,
            "notes": [{"text": text}],
            "tags": [text[:3]],
            "created": "2026-01-01T00:00:00Z",
        }
        for number, text in enumerate(texts)
    ]
    raw = dump_bundle({"format": "claimtrack", "schema_version": 1, "claims": claims})
    expected = whole(raw)
    original = bundle_stream.READ_SIZE
    bundle_stream.READ_SIZE = read_size
    try:
        assert runs(raw) >= (1 if claims else 0)
        assert streamed(raw) == expected
    finally:
        bundle_stream.READ_SIZE = original


record_ids = st.text(alphabet="abcdefgh0123", min_size=1, max_size=4)
records = st.fixed_dictionaries({"text": st.text(max_size=12), "n": st.integers(-9, 9)})


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.tuples(st.sampled_from(["claims", "links", "events"]), record_ids), records),
    st.dictionaries(st.tuples(st.sampled_from(["claims", "links", "events"]), record_ids), records),
)
def test_packed_records_are_written_where_dump_puts_them(
    kept: dict[tuple[str, str], dict[str, Any]], handed: dict[tuple[str, str], dict[str, Any]]
) -> None:
    data, everything = empty_data(), empty_data()
    packed: dict[str, dict[str, bytes]] = {}
    for (table, key), record in kept.items():
        data[table][key] = everything[table][key] = record
    for (table, key), record in handed.items():
        if key not in data[table]:
            packed.setdefault(table, {})[key] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
            everything[table][key] = record
    pieces: list[bytes] = []
    blocks = dump_to(pieces.append, data, packed)
    written = b"".join(pieces)
    assert written == dump(everything)
    assert blocks == find_blocks(written)


def test_import_of_a_pipe_and_a_file_on_stdin(export: bytes, tmp_path: Path) -> None:
    exported = tmp_path / "export.json"
    exported.write_bytes(export)
    command = [sys.executable, "-m", "claimtrack"]
    env = {**os.environ}
    for name, stdin in (("piped", subprocess.PIPE), ("redirected", exported.open("rb"))):
        target = tmp_path / f"{name}.json"
        result = subprocess.run(
            [*command, "--db", str(target), "import", "-", "--format", "json"],
            input=export if stdin is subprocess.PIPE else None,
            stdin=None if stdin is subprocess.PIPE else stdin,
            capture_output=True,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert b"claims: 200 added" in result.stderr
        listed = subprocess.run(
            [*command, "--db", str(target), "list", "--format", "jsonl"],
            capture_output=True,
            env=env,
            check=True,
        )
        assert len(listed.stdout.splitlines()) == 200
    # A named pipe, as bash's <(...) gives: not seekable either, so copied first.
    substituted = tmp_path / "substituted.json"
    shell = f'"{sys.executable}" -m claimtrack --db "{substituted}" import <(cat "{exported}")'
    done = subprocess.run(["bash", "-c", shell], capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert b"claims: 200 added" in done.stderr
    empty = subprocess.run(
        [*command, "--db", str(tmp_path / "e.json"), "import", "-"],
        input=b"\n \n",
        capture_output=True,
        env=env,
        check=False,
    )
    assert empty.returncode != 0
    assert empty.stderr.decode().strip().splitlines()[0] == (
        "Error: import on standard input is empty"
    )
    assert not (tmp_path / "e.json").exists()


def test_an_import_leaves_a_current_index_of_what_it_wrote(export: bytes, cli: Cli) -> None:
    source = cli.db_path.with_name("export.json")
    source.write_bytes(export)
    cli.add("A claim of our own", "--said-by", "Ana")
    cli("import", str(source))
    assert "(current)" in cli("db", "path").stderr
    raw = cli.db_path.read_bytes()
    find_blocks(raw)  # one record per line, IDs in order: what the index relies on
    parsed = strict_loads(raw)
    assert len(parsed["claims"]) == 201
    shown = cli.json("show", sorted(parsed["claims"])[0])
    assert shown["id"] == sorted(parsed["claims"])[0]
    # The same import again changes nothing: every record is matched by ID.
    before = cli.db_path.read_bytes()
    again = cli("import", str(source))
    assert "claims: 0 added, 0 updated, 200 unchanged" in again.stderr
    assert cli.db_path.read_bytes() == before


def test_reading_an_export_holds_a_run_of_records_at_a_time() -> None:
    # Each run is parsed into Python objects four or five times its size: runs of 8 MB
    # raised the peak of an import by 50 MB whatever the file's size.
    note = {"at": "2026-01-01T00:00:00Z", "author": "a", "text": "Called the ministry. " * 40}
    claims = [
        {"id": f"c{n:05d}", "text": f"Claim {n} " * 100, "notes": [note], "created": note["at"]}
        for n in range(6000)
    ]
    raw = dump_bundle({"format": "claimtrack", "schema_version": 1, "claims": claims})
    del claims
    tracemalloc.start()
    try:
        result = streamed(raw)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, importer.Incoming) and len(result.claims) == 6000
    assert peak - held < len(raw) / 2, (peak >> 20, held >> 20, len(raw) >> 20)


def test_runs_as_export_writes_them_are_not_parsed_strictly(
    export: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast parse (orjson) is taken for an export as written; the strict parse only
    # reads the lines of the top-level keys.
    strict: list[bytes] = []

    def counted(raw: bytes) -> Any:
        strict.append(raw)
        return strict_loads(raw)

    monkeypatch.setattr(bundle_stream, "strict_loads", counted)
    for _key, _value in bundle_stream.sections(io.BytesIO(export)):
        pass
    assert strict and all(len(raw) < 30 for raw in strict), strict


def in_a_claim(export: bytes, field: bytes) -> bytes:
    """``export`` with ``field`` (a line of JSON, as export indents it) added to its
    first claim, before its ``author``: still laid out as export lays it out, keys in
    order, for a field named ``aaa``."""
    first = b'    {\n      "author"'
    return export.replace(first, b"    {\n      " + field + first.removeprefix(b"    {"), 1)


@pytest.mark.parametrize(
    "field",
    [
        b'"author": "twice",',  # orjson would keep the last; the strict parse refuses
        b'"aaa": 1000000000000000001,',  # fits 64 bits, beyond what a record may hold
        b'"aaa": 18446744073709551615,',
        b'"aaa": 123456789012345678901,',  # orjson reads it as a float
        b'"aaa": 1e400,',  # Python reads it as infinity; orjson refuses it
        b'"aaa": "\\ud800",',  # a lone surrogate: orjson refuses it
    ],
)
def test_a_run_the_fast_parse_could_misread_gives_the_strict_result(
    export: bytes, field: bytes
) -> None:
    raw = in_a_claim(export, field)
    assert raw != export
    assert streamed(raw) == whole(raw)


@pytest.mark.parametrize("number", [2**53 - 1, 2**53, 10**18, -(10**18), 0.1, 1e300])
def test_numbers_a_record_may_hold_read_alike_either_way(export: bytes, number: float) -> None:
    raw = in_a_claim(export, b'"aaa": ' + json.dumps(number).encode() + b",")
    result = streamed(raw)
    assert isinstance(result, importer.Incoming)
    assert result == whole(raw)
