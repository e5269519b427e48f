"""``export --format json`` writes, byte for byte, what it wrote before it was made to
stream (``tests/data/export-pinned/``: a varied database and its exports, written by the
code before that change, under the frozen clock and IDs below).

The database is kept as a file rather than built by the test, so that a later change
to what ``add``, ``merge`` or ``rm`` write cannot move the exports: only export is under
test. Each export is made with the sidecar index (the file read a piece at a time) and
without it (the file parsed whole).

``python tests/test_export_pinned.py --write`` writes the files again: only for a change
of what export is meant to write, never to make this test pass.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from pathlib import Path

import pytest

from claimtrack import ids
from tests.clock import freeze
from tests.helpers import Cli, add_confidential_source, writing_pins

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

PINNED = Path(__file__).resolve().parent / "data" / "export-pinned"

# What is exported, and the file each export is pinned in.
EXPORTS = {
    "export.json": (),
    "export-no-history.json": ("--no-history",),
    "export-reveal.json": ("--reveal",),
    "export-reveal-no-history.json": ("--reveal", "--no-history"),
    "export-story.json": ("--story", "story-1"),
}


def _fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(2029)
    monkeypatch.setattr(ids, "new_id", lambda: "".join(rng.choices(ids.ALPHABET, k=16)))


def make_database(tmp_path: Path) -> bytes:
    """Synthetic worked claims (links, quotes, notes, history), and records of every
    other kind the export treats apart: confidential sources and the links and history
    that cite them, deleted and merged claims and sources, an undone change, text beyond
    ASCII with escapes."""
    db = tmp_path / "claims.json"
    synth.write(db, 40, seed=2029)
    cli = Cli(db)
    secret = add_confidential_source(cli)
    cli("note", secret, "Met in person; \u201cshe\u201d showed the list \u2028 twice")
    cli("status", secret, "checking")
    claim = cli.add('Zo\u00eb said the "budget" grew 12%\tin\\2024', "--story", "story-1")
    cli("link", claim, "Olga H", "--as", "said-by", "--quote", "twelve percent")
    cli("source", "add", "Town hall press office", "--kind", "organisation")
    cli("link", claim, "Town hall press office", "--as", "reported-by")
    cli("edit", claim, "--add-tag", "budget", "--quote", "grew by twelve percent")
    gone = cli.add("A claim that was withdrawn", "--story", "story-1")
    cli("rm", gone, "--yes")
    first = cli.add("The port moved 3 million containers", "--tag", "port")
    second = cli.add("The port handled three million containers", "--tag", "trade")
    cli("merge", first, second, "--yes")
    cli("source", "add", "Harbour authority", "--kind", "organisation")
    cli("source", "add", "Port authority of the city", "--kind", "organisation", "--alias", "HA")
    cli("link", first, "Harbour authority", "--as", "supports")
    cli("source", "merge", "Harbour authority", "HA", "--yes")
    cli("source", "add", "Short-lived blog", "--kind", "publication")
    cli("source", "rm", "Short-lived blog", "--yes")
    cli("status", first, "verified", "--rating", "Accurate")
    cli("undo")
    cli("status", first, "disputed", "--rating", "Misleading")
    return db.read_bytes()


def exported(tmp_path: Path, database: Path, options: tuple[str, ...]) -> bytes:
    db = tmp_path / "copy.json"
    if not db.exists():
        shutil.copyfile(database, db)
    return bytes(Cli(db)("export", "--format", "json", *options).stdout_bytes)


# Through the index, the history's lines are held up to a share of the file's size and
# read again by offset beyond it (``exporting.events``): every event held (a small file,
# one batch), none held, and some of each (batches of 8 KB, an eighth of the file held).
HOLDING = {"all held": (None, None), "none held": (None, 10**9), "some held": (8192, 8)}


@pytest.mark.parametrize("index", ["always", "never"])
@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_writes_the_bytes_it_did_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, index: str
) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", index)
    freeze(monkeypatch)
    out = exported(tmp_path, PINNED / "claims.json", EXPORTS[name])
    assert out == (PINNED / name).read_bytes()


@pytest.mark.parametrize("holding", sorted(HOLDING))
@pytest.mark.parametrize("name", ["export.json", "export-reveal.json"])
def test_the_history_held_or_read_again_gives_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, holding: str
) -> None:
    from claimtrack.exporting import events
    from claimtrack.store import layout

    chunk, share = HOLDING[holding]
    if chunk is not None:
        monkeypatch.setattr(layout, "CHUNK", chunk)
    if share is not None:
        monkeypatch.setattr(events, "HELD_SHARE", share)
    read = layout.Layout.read
    reads: list[int] = []

    def counted(self: layout.Layout, start: int, length: int) -> bytes:
        reads.append(start)
        return read(self, start, length)

    monkeypatch.setattr(layout.Layout, "read", counted)
    freeze(monkeypatch)
    out = exported(tmp_path, PINNED / "claims.json", ("--reveal",) if "reveal" in name else ())
    assert out == (PINNED / name).read_bytes()
    history = len(json.loads(out)["events"])
    assert {"all held": 0, "none held": history}.get(holding, len(reads)) == len(reads)
    assert holding != "some held" or 0 < len(reads) < history


def test_an_export_to_a_file_holds_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch)
    db = tmp_path / "copy.json"
    shutil.copyfile(PINNED / "claims.json", db)
    Cli(db)("export", "-o", str(tmp_path / "out.json"))
    assert (tmp_path / "out.json").read_bytes() == (PINNED / "export.json").read_bytes()


def test_an_indexed_export_reads_the_history_a_line_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the index, the history is not read by ``read_history`` (which holds every
    event's line and parses each twice) but in two light passes, for the same bytes."""
    from claimtrack import history

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("the export read the whole history")

    monkeypatch.setattr(history, "read_history", whole)
    freeze(monkeypatch)
    out = exported(tmp_path, PINNED / "claims.json", ("--reveal",))
    assert out == (PINNED / "export-reveal.json").read_bytes()


def test_an_event_time_the_light_pass_cannot_sort_is_exported_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event whose time holds a NUL character (only a hand-edited file has one) would
    sort apart from the (time, ID) order in the light pass: there the export reads the
    history as it did, and writes what the database parsed whole writes. Here one
    event's time is another's followed by NUL and "0": it sorts after that event."""
    lines = (PINNED / "claims.json").read_text(encoding="utf-8").split("\n")
    events = [i for i, line in enumerate(lines) if '"action":"edit"' in line]
    records = [json.loads(lines[i].split(": ", 1)[1].rstrip(",")) for i in events]
    first = next(n for n, event in enumerate(records) if not event["id"].startswith("0"))
    other = records[first]
    events.remove(events[first])
    stamp = json.dumps(other["at"] + "\u0000" + "0")
    moved = f'"at":{stamp},"before"'
    lines[events[0]] = re.sub(r'"at":"[^"]*","before"', lambda _: moved, lines[events[0]])
    odd = tmp_path / "odd.json"
    odd.write_text("\n".join(lines), encoding="utf-8")
    freeze(monkeypatch)
    outs = []
    for index in ("always", "never"):
        monkeypatch.setenv("CLAIMTRACK_INDEX", index)
        (tmp_path / index).mkdir()
        outs.append(exported(tmp_path / index, odd, ()))
    assert outs[0] == outs[1]
    assert stamp.encode() in outs[0]


def _write() -> None:
    with writing_pins() as (tmp_path, monkeypatch):
        _fixed_ids(monkeypatch)
        PINNED.mkdir(parents=True, exist_ok=True)
        (PINNED / "claims.json").write_bytes(make_database(tmp_path))
        for name, options in EXPORTS.items():
            (PINNED / name).write_bytes(exported(tmp_path, PINNED / "claims.json", options))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    _write()
