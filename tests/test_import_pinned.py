"""An export imported into an empty database gives, byte for byte, the file it gave
before import was made fast (``tests/data/import-pinned/``, written by the code before
that change, under the frozen clock and IDs below).

``python tests/test_import_pinned.py --write`` writes the two files again: only for a
change of what import is meant to write, never to make this test pass.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from claimtrack import ids
from tests.clock import freeze
from tests.helpers import Cli, writing_pins

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

PINNED = Path(__file__).resolve().parent / "data" / "import-pinned"


def _fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(29)
    monkeypatch.setattr(ids, "new_id", lambda: "".join(rng.choices(ids.ALPHABET, k=16)))


def make_export(tmp_path: Path) -> bytes:
    """A synthetic database with history, and records that take import's other paths
    (text beyond ASCII and escapes, a confidential source, a note), exported."""
    base = tmp_path / "base.json"
    synth.write(base, 12, seed=29)
    cli = Cli(base)
    claim = cli.add('Zoë said the “budget” grew 12%\tin\\2024 — "twice"', "--story", "budget")
    cli("note", claim, "Checked with the ministry's spokesperson \u2028 on Monday")
    cli("source", "add", "Ministry insider", "--confidential", "--reason", "Risk to job")
    cli("link", claim, "Ministry insider", "--as", "said-by")
    out = tmp_path / "export.json"
    cli("export", "--format", "json", "--reveal", "-o", str(out))
    return out.read_bytes()


def imported(tmp_path: Path, export: Path) -> bytes:
    """The database file an import of ``export`` into an empty database writes."""
    target = tmp_path / "imported.json"
    Cli(target)("import", str(export))
    return target.read_bytes()


def test_an_export_imports_to_the_bytes_it_did_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch)
    _fixed_ids(monkeypatch)
    assert imported(tmp_path, PINNED / "export.json") == (PINNED / "imported.json").read_bytes()


def _write() -> None:
    with writing_pins() as (tmp_path, monkeypatch):
        _fixed_ids(monkeypatch)
        PINNED.mkdir(parents=True, exist_ok=True)
        (PINNED / "export.json").write_bytes(make_export(tmp_path))
        freeze(monkeypatch)  # the import's clock and IDs as the test's
        _fixed_ids(monkeypatch)
        (PINNED / "imported.json").write_bytes(imported(tmp_path, PINNED / "export.json"))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    _write()
