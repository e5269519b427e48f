"""claimtrack beside taskwarrior at 10,000 records (issue 29's third goal), in CPU time.

Used by ``run.py`` when ``task`` is installed (``apt-get install taskwarrior``); never by
the tests. The same claims are given to both: claimtrack's database from ``synth.py``,
and each claim as a task (its text as the description, its story as the project, its
tags and status as tags, its notes as annotations), imported once with ``task import``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

SIZE = 10_000


def tasks_from(db: Path) -> bytes:
    """The database's claims as taskwarrior's import JSON (one task per line)."""
    data = orjson.loads(db.read_bytes())
    lines = []
    for claim in data["claims"].values():
        stamp = claim["created"][:19].replace("-", "").replace(":", "") + "Z"
        lines.append(
            orjson.dumps(
                {
                    "uuid": _uuid(claim["id"]),
                    "description": claim["text"],
                    "project": claim["story"],
                    "tags": [*claim["tags"], claim["status"]],
                    "status": "pending",
                    "entry": stamp,
                    "modified": stamp,
                    "annotations": [
                        {"entry": stamp, "description": note["text"]} for note in claim["notes"]
                    ],
                }
            )
        )
    return b"\n".join(lines) + b"\n"


def _uuid(claim_id: str) -> str:
    import hashlib
    import uuid

    return str(uuid.UUID(bytes=hashlib.md5(claim_id.encode()).digest()))


def compare(
    work: Path, env: dict[str, str], runs: int, claimtrack: list[str], measure: Callable[..., Any]
) -> list[str]:
    """Markdown lines: each pair of commands, CPU medians and the ratio."""
    from synth import write  # benchmarks/synth.py

    db = work / "claims-tw.json"
    write(db, SIZE)
    taskdata = work / "taskdata"
    taskdata.mkdir()
    taskrc = work / "taskrc"
    taskrc.write_text(
        f"data.location={taskdata}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
        "defaultwidth=120\ngc=off\n"
    )
    tw_env = {**env, "TASKRC": str(taskrc), "TASKDATA": str(taskdata)}
    imported = work / "tasks.json"
    imported.write_bytes(tasks_from(db))
    subprocess.run(["task", "import", str(imported)], env=tw_env, check=True, capture_output=True)
    on = [*claimtrack, "--db", str(db)]
    pairs = [
        (
            "add",
            [*on, "add", "A claim about 12 people", "--story", "story-1", "--tag", "police", "-q"],
            ["task", "add", "A claim about 12 people", "project:story-1", "+police"],
        ),
        (
            "add --no-dupe-check",
            [*on, "add", "A claim about 13 people", "--no-dupe-check", "-q"],
            ["task", "add", "A claim about 13 people"],
        ),
        (
            "filtered list, every row, table",
            [*on, "list", "--status", "unverified", "--all", "-f", "table"],
            ["task", "rc._forcecolor=off", "+unverified", "list"],
        ),
        # taskwarrior exports its tasks (here the claims, their notes as annotations) and
        # not its undo history: "the same content" is the export without the history
        # (which still carries the links and sources that taskwarrior has no place for);
        # the export with the history, claimtrack's default, is shown beside it.
        (
            "export JSON, same content (--no-history)",
            [*on, "export", "--no-history"],
            ["task", "export"],
        ),
        ("export JSON, with the history", [*on, "export"], ["task", "export"]),
        ("list -f jsonl / export", [*on, "list", "-f", "jsonl"], ["task", "export"]),
        ("page of 50", [*on, "list", "-n", "50", "-f", "table"], ["task", "limit:50", "list"]),
        ("--help", [*claimtrack, "--help"], ["task", "help"]),
    ]
    lines = [
        f"\nBeside taskwarrior {_version(tw_env)} at {SIZE:,} claims, the same content "
        f"(claimtrack's file {db.stat().st_size / 1e6:.0f} MB, with history; taskwarrior's "
        f"{sum(f.stat().st_size for f in taskdata.iterdir()) / 1e6:.0f} MB):\n",
        "| command | claimtrack CPU (wall) | taskwarrior CPU (wall) | ratio CPU (wall) |",
        "|---|---|---|---|",
    ]
    for name, ours, theirs in pairs:
        mine = measure(ours, env, runs)
        other = measure(theirs, tw_env, runs)
        lines.append(
            f"| {name} | {mine.cpu * 1000:.0f} ms ({mine.wall * 1000:.0f} ms) "
            f"| {other.cpu * 1000:.0f} ms ({other.wall * 1000:.0f} ms) "
            f"| {mine.cpu / other.cpu:.2f}x ({mine.wall / other.wall:.2f}x) |"
        )
    os.unlink(db)
    return lines


def _version(env: dict[str, str]) -> str:
    done = subprocess.run(["task", "--version"], env=env, capture_output=True, text=True)
    return done.stdout.strip()
