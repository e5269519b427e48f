"""``check``'s output pinned byte for byte, in every format, over a database that holds
every kind of problem ``check`` reports: each rule of ``analysis.checks.RULES``, a
damaged database (``structure``) and a history whose hash chain does not hold
(``chain``), besides lines of the history edited by hand without changing what they say.

The expected output (``tests/data/check-pinned/``) was recorded by the code before the
work that made ``check`` fast (docs/performance.md, "`check` near its floor"): any
change to a finding, its order, its wording or the exit status shows here. The
database is made the same on every run (a frozen clock, seeded IDs), and each command
runs with the sidecar index and without it, against the same expected bytes.

Regenerate only for an intended change: ``CHECK_PINNED_UPDATE=1 pytest -n 0
tests/test_check_pinned.py``, and review ``git diff tests/data/check-pinned``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from claimtrack.cli import app
from claimtrack.db import Database
from claimtrack.model import Archive, Verification
from tests.clock import freeze
from tests.helpers import Cli, SeededIds, patch_new_id

EXPECTED = Path(__file__).parent / "data" / "check-pinned"
URL = "https://example.org/report"
TOML = """\
[check.stories.harbour]
disable = ["two-sources"]
"""
# (name, arguments after ``check``): each is run in every format.
RUNS = [
    ("all", []),
    ("story", ["--story", "budget"]),
    ("disabled", ["--disable", "unreported", "--disable", "open-status"]),
    ("revealed", ["--reveal"]),
    ("status", ["--status", "verified"]),
]
FORMATS = ["jsonl", "json", "csv", "tsv", "table", "ids"]


def _archive(url: str = URL) -> Archive:
    return {
        "at": "2025-03-04T10:00:00.000000Z",
        "requested": url,
        "url": url,
        "status": 200,
        "sha256": "a" * 64,
        "text_sha256": "b" * 64,
        "wayback": None,
    }


def _verification(result: str, numbers_gone: list[str] | None = None) -> Verification:
    status = 404 if result == "gone" else 200
    found: Verification = {
        "result": result,
        "since": "2025-03-02T09:00:00.000000Z",
        "status": status,
    }
    if numbers_gone is not None:
        found["numbers_gone"] = numbers_gone
    return found


def _claims(db: Database) -> None:
    """Claims that between them break every rule, and some that break none."""
    for name in ("Mayor", "City Hall", "Gazette", "Ministry", "Herald"):
        db.add_source(name)
    db.add_source("Insider", confidential=True)
    db.add_source("Clerk", confidential=True, reason="safety")
    db.add_source("Aide", confidential=True, reason="safety", approved_by="Desk editor")
    # Clean: a claimant, a second source, an archived and dated reported-by link.
    clean = db.add_claim("The mayor opened the bridge", said_by=["Mayor"], story="budget")
    db.link(clean["id"], "City Hall", "supports")
    link = db.link(clean["id"], "Gazette", "reported-by", url=URL, date="2025-03-01")
    db.record_archive(link["id"], _archive())
    db.set_status(clean["id"], "verified")
    # Nothing recorded: unattributed, unreported, two-sources (a number), open-status.
    db.add_claim("Unemployment fell to 13% last year", story="budget", tags=["economy"])
    # Notes that explain; a serious allegation; checking.
    noted = db.add_claim("The minister accepted bribes", story="harbour", status="checking")
    db.add_note(noted["id"], "Unattributed: found in court papers")
    db.add_note(noted["id"], "unreported: the desk's own finding")
    # An allegation by tag, one source: two-sources without a number; false in a story.
    tagged = db.add_claim("The contract went to a friend", tags=["allegation"], story="roads")
    db.link(tagged["id"], "Mayor", "said-by")
    db.set_status(tagged["id"], "false")
    # Confidential sources without a reason or an approving editor; one with both.
    secret = db.add_claim("Twelve officials knew", said_by=["Insider"], story="harbour")
    db.link(secret["id"], "Clerk", "supports")
    db.link(secret["id"], "Aide", "supports")
    db.link(secret["id"], "Herald", "reported-by")
    db.link(secret["id"], "Gazette", "reported-by", date="2025-03-02")
    # Evidence: unarchived, archived, a quote gone, a page gone,
    # a number gone from the page of a verdict's link (and one it does not state).
    evidence = db.add_claim("The bridge cost 40 million", said_by=["Mayor"], quote="40 million")
    db.link(evidence["id"], "Ministry", "supports", url=URL + "/a")
    moved = db.link(evidence["id"], "City Hall", "disputes", url=URL + "/b")
    db.record_archive(moved["id"], _archive(URL + "/b"))
    quoted = db.link(evidence["id"], "Gazette", "reported-by", url=URL, date="2025-03-01")
    db.record_archive(quoted["id"], _archive())
    db.record_verification(quoted["id"], _verification("quote-missing"))
    gone = db.link(evidence["id"], "Herald", "reported-by", url=URL + "/c", date="2025-03-01")
    db.record_archive(gone["id"], _archive(URL + "/c"))
    db.record_verification(gone["id"], _verification("gone"))
    said = db.link(evidence["id"], "Mayor", "said-by", url=URL + "/d")
    db.record_verification(said["id"], _verification("changed", ["40 million", "12"]))
    db.set_status(evidence["id"], "disputed")
    verdict = db.add_claim("Rents rose 7% in 2024", said_by=["Mayor"], story="budget")
    db.link(verdict["id"], "City Hall", "supports")
    cited = db.link(verdict["id"], "Ministry", "reported-by", url=URL + "/e", date="2025-03-01")
    db.record_archive(cited["id"], _archive(URL + "/e"))
    db.record_verification(cited["id"], _verification("changed", ["7%", "9%"]))
    db.set_status(verdict["id"], "verified", rating="Correct")
    # Words that print literally, a retracted claim, an unverifiable one.
    db.add_claim("[bold]Markup[/bold] and :smile: stay text", status="retracted")
    db.add_claim("Half the votes were lost", said_by=["Herald"], status="unverifiable")


def _damage(path: Path) -> None:
    """By hand, as a person or a bad merge might: a link to a claim and one to a source
    that do not exist, a claim filed under another key, one event edited (the chain
    breaks there), one event's keys reordered (the chain still holds: its canonical
    bytes are the same), and an event with no link added."""
    lines = path.read_text(encoding="utf-8").split("\n")
    events = [i for i, line in enumerate(lines) if '"actor":' in line and '"at":' in line]
    edited = events[len(events) // 2]
    lines[edited] = lines[edited].replace('"actor":"tester"', '"actor":"someone else"', 1)
    reordered = events[len(events) // 3]
    key, _, body = lines[reordered].partition(": ")
    event = json.loads(body.rstrip(","))
    backwards = {name: event[name] for name in sorted(event, reverse=True)}
    same = json.dumps(backwards, ensure_ascii=False, separators=(",", ":"))
    lines[reordered] = f"{key}: {same}" + ("," if body.endswith(",") else "")
    for table, under in (("claims", "zzzzzzzzzzzzzzz3"), ("links", "zzzzzzzzzzzzzzzz")):
        last = lines.index(f'"{table}": {{') + 1
        while lines[last + 1] != "},":
            last += 1
        original = lines[last].split('"', 2)[1]
        lines[last] = lines[last].replace(f'"{original}"', f'"{under}"', 1)
    text = "\n".join(lines)
    link = (
        '"zzzzzzzzzzzzzzz1": {"author":"tester","claim":"0000000000000000",'
        '"created":"2025-03-04T10:00:00.000000Z","date":null,"id":"zzzzzzzzzzzzzzz1",'
        '"note":null,"position":0,"quote":null,"relation":"supports",'
        '"source":"1111111111111111","url":null}'
    )
    event = (
        '"zzzzzzzzzzzzzzz2": {"action":"note","actor":"tester","after":{"notes":[]},'
        '"at":"2025-03-04T10:00:05.000000Z","before":{"notes":[]},'
        '"change":"zzzzzzzzzzzzzzz2","id":"zzzzzzzzzzzzzzz2","kind":"claim",'
        '"target":"zzzzzzzzzzzzzzzz"}'
    )
    text = _append(text, "links", link)
    text = _append(text, "events", event)
    path.write_text(text, encoding="utf-8")


def _append(text: str, table: str, line: str) -> str:
    """``line`` added as the table's last record (keys sort after every seeded ID)."""
    start = text.index(f'\n"{table}": {{\n')
    end = text.index("\n}", start + 1)
    return text[:end] + ",\n" + line + text[end:]


@pytest.fixture
def damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    freeze(monkeypatch)
    patch_new_id(monkeypatch, SeededIds(29))
    path = tmp_path / "claims.json"
    with Database.open(path, write=True, create=True) as db:
        _claims(db)
    _damage(path)
    (tmp_path / "claimtrack.toml").write_text(TOML, encoding="utf-8")
    return path


def _transcript(cli: Cli, args: list[str]) -> str:
    """The exit status, stdout and stderr of ``check ARGS``."""
    result = cli.runner.invoke(app, ["--db", str(cli.db_path), "check", *args])
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


@pytest.mark.parametrize("mode", ["always", "never"])
def test_check_prints_what_it_printed_before(
    damaged: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMTRACK_INDEX", mode)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    cli = Cli(damaged)
    update = os.environ.get("CHECK_PINNED_UPDATE") == "1"
    differ = []
    for name, args in RUNS:
        for fmt in FORMATS:
            # Twice: the first walks the chain, the second reads the verdict it kept.
            for turn in ("first", "again"):
                got = _transcript(cli, [*args, "--format", fmt])
                expected = EXPECTED / f"{name}.{fmt}.txt"
                if update and mode == "always" and turn == "first":
                    expected.parent.mkdir(exist_ok=True)
                    expected.write_text(got, encoding="utf-8")
                elif got != expected.read_text(encoding="utf-8"):
                    differ.append(f"{name}.{fmt} ({turn}, CLAIMTRACK_INDEX={mode})")
    assert not differ, f"check's output changed: {differ}"


def test_the_pinned_database_holds_every_kind_of_problem(damaged: Path) -> None:
    """The expected output covers every rule, ``structure`` and ``chain``, and the hand
    edit that keeps the chain (keys reordered) is there and breaks nothing."""
    from claimtrack.analysis.checks import RULES

    pinned = (EXPECTED / "all.jsonl.txt").read_text(encoding="utf-8")
    codes = set(re.findall(r'"code":"([a-z-]+)"', pinned))
    assert codes == {*RULES, "structure", "chain"}
    lines = damaged.read_text(encoding="utf-8").split("\n")
    backwards = [line for line in lines if ': {"target":' in line]
    assert len(backwards) == 1, "no event line with its keys out of order"
    assert not any(p.startswith("event " + backwards[0][1:17]) for p in _messages(pinned))


def _messages(jsonl: str) -> list[str]:
    """The messages of the ``chain`` problems in a pinned JSON Lines transcript."""
    found = re.findall(r'"code":"chain","message":"history: ([^"]*)"', jsonl)
    return found
