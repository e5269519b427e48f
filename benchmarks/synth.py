"""Synthetic claims databases of realistic shape, for benchmarks and scale tests."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from claimtrack import ids
from claimtrack.store.fileformat import dump, empty_data

WORDS = (
    "ministry police permit residence ban border activists journalists said report "
    "government minister election budget percent million thousands dozen eight court "
    "security national candidate sanctions refugees deportation letter statement"
).split()
STATUSES = ["unverified"] * 5 + ["checking"] * 2 + ["verified", "disputed", "false"]
RELATIONS = ["said-by", "reported-by", "reported-by", "supports"]


def _stamp(rng: random.Random) -> str:
    return (
        f"20{rng.randint(20, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
        f"{rng.randint(0, 999999):06d}Z"
    )


def build(claims: int, seed: int = 1) -> dict[str, Any]:
    """A database with ``claims`` claims, claims/10 sources, ~3 links and 2 events each."""
    rng = random.Random(seed)
    data = empty_data()
    source_ids = []
    for number in range(max(10, claims // 10)):
        source_id = ids.new_id()
        source_ids.append(source_id)
        at = _stamp(rng)
        data["sources"][source_id] = {
            "id": source_id,
            "name": f"Source {number} {rng.choice(WORDS).title()}",
            "kind": rng.choice(["person", "organisation", "publication"]),
            "role": "Spokesperson, " + " ".join(rng.choices(WORDS, k=3)),
            "url": None,
            "aliases": [f"S{number}"],
            "notes": None,
            "confidential": False,
            "reason": None,
            "approved_by": None,
            "created": at,
            "updated": at,
            "author": "bench",
        }
    for _ in range(claims):
        claim_id = ids.new_id()
        at = _stamp(rng)
        text = " ".join(rng.choices(WORDS, k=rng.randint(10, 30))).capitalize()
        data["claims"][claim_id] = {
            "id": claim_id,
            "text": text,
            "quote": None if rng.random() < 0.7 else text[:80],
            "story": f"story-{rng.randint(1, 200)}",
            "tags": rng.sample(WORDS, 2),
            "quantities": [],
            "status": rng.choice(STATUSES),
            "rating": None,
            "notes": [{"at": at, "author": "bench", "text": "Called the press office."}],
            "created": at,
            "updated": at,
            "author": "bench",
        }
        for position, relation in enumerate(RELATIONS[: rng.randint(1, 4)]):
            link_id = ids.new_id()
            data["links"][link_id] = {
                "id": link_id,
                "claim": claim_id,
                "source": rng.choice(source_ids),
                "relation": relation,
                "position": position,
                "url": None,
                "quote": None,
                "date": None,
                "note": None,
                "created": at,
                "author": "bench",
            }
        for action in ("add", "status"):
            event_id = ids.new_id()
            data["events"][event_id] = {
                "id": event_id,
                "at": at,
                "actor": "bench",
                "change": event_id,
                "action": action,
                "kind": "claim",
                "target": claim_id,
                "before": None,
                "after": {"status": "unverified"},
            }
    return data


def write(path: Path, claims: int, seed: int = 1) -> None:
    path.write_bytes(dump(build(claims, seed)))


if __name__ == "__main__":
    # python benchmarks/synth.py PATH CLAIMS: run as a process of its own by run.py, so
    # that the benchmark's own memory (which every child it starts inherits in its peak
    # figure until it execs) stays small.
    import sys

    write(Path(sys.argv[1]), int(sys.argv[2]))
