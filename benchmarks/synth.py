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


def _sentence(rng: random.Random, shortest: int, longest: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(shortest, longest))).capitalize() + "."


def _event(
    rng: random.Random,
    at: str,
    action: str,
    kind: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    event_id = ids.new_id()
    return {
        "id": event_id,
        "at": at,
        "actor": "bench",
        "change": event_id,
        "action": action,
        "kind": kind,
        "target": target,
        "before": before,
        "after": after,
    }


def build(claims: int, seed: int = 1) -> dict[str, Any]:
    """A database of ``claims`` worked claims, about 4 KB each with their share of the
    file, as issue 29 measured them: claims/10 sources; per claim two notes, 1 to 4
    links with a URL (a third with a quote), and history (its addition, each link, an edit
    of its wording, a note, a status change)."""
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
        claim = data["claims"][claim_id]
        claim["notes"] = [
            {"at": at, "author": "bench", "text": _sentence(rng, 8, 16)} for _ in range(2)
        ]
        added = _event(rng, at, "add", "claim", claim_id, None, {**claim, "notes": []})
        data["events"][added["id"]] = added
        relations = RELATIONS[: rng.randint(1, 4)]
        # Each link its own source: a claim never cites one source twice in one role.
        cited = rng.sample(source_ids, len(relations))
        for position, (relation, source_id) in enumerate(zip(relations, cited, strict=True)):
            link_id = ids.new_id()
            link = {
                "id": link_id,
                "claim": claim_id,
                "source": source_id,
                "relation": relation,
                "position": position,
                "url": f"https://news.example/{rng.randint(1, 10**9)}/{rng.choice(WORDS)}",
                "quote": _sentence(rng, 8, 16) if rng.random() < 0.3 else None,
                "date": at[:10],
                "note": None,
                "created": at,
                "author": "bench",
            }
            data["links"][link_id] = link
            linked = _event(rng, at, "link", "link", link_id, None, link)
            data["events"][linked["id"]] = linked
        # A worked claim: its wording edited, notes taken, its status set.
        for action, before, after in (
            ("edit", {"text": _sentence(rng, 4, 10)}, {"text": text}),
            ("note", {"notes": claim["notes"][:1]}, {"notes": claim["notes"]}),
            ("status", {"status": "unverified"}, {"status": claim["status"]}),
        ):
            change = _event(rng, at, action, "claim", claim_id, before, after)
            data["events"][change["id"]] = change
    return data


def write(path: Path, claims: int, seed: int = 1) -> None:
    path.write_bytes(dump(build(claims, seed)))


if __name__ == "__main__":
    # python benchmarks/synth.py PATH CLAIMS: run as a process of its own by run.py, so
    # that the benchmark's own memory (which every child it starts inherits in its peak
    # figure until it execs) stays small.
    import sys

    write(Path(sys.argv[1]), int(sys.argv[2]))
