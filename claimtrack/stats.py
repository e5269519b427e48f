"""Counts for the desk: claims by status, story and tag, and what each source backs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from claimtrack.model import RELATIONS, STATUSES, Claim
from claimtrack.query import Index


def compute(claims: Sequence[Claim], index: Index, *, top: int = 20) -> dict[str, Any]:
    by_status = Counter(c["status"] for c in claims)
    by_story = Counter(c.get("story") or "(no story)" for c in claims)
    by_tag = Counter(tag for c in claims for tag in c["tags"])
    chosen = {c["id"] for c in claims}
    per_source: dict[str, dict[str, set[str]]] = {}
    for claim_id in chosen:
        for link in index.links(claim_id):
            relations = per_source.setdefault(link["source"], {r: set() for r in RELATIONS})
            relations[link["relation"]].add(claim_id)
    sources: list[dict[str, Any]] = []
    for source_id, relations in per_source.items():
        backed = set().union(*relations.values())
        sources.append(
            {
                "id": source_id,
                "name": index.name(source_id),
                "claims": len(backed),
                **{relation.replace("-", "_"): len(found) for relation, found in relations.items()},
            }
        )
    sources.sort(key=lambda s: (-s["claims"], s["name"].casefold()))
    return {
        "claims": len(claims),
        "by_status": [{"status": s, "claims": by_status[s]} for s in STATUSES if by_status[s]],
        "by_story": [{"story": k, "claims": n} for k, n in by_story.most_common()],
        "by_tag": [{"tag": k, "claims": n} for k, n in by_tag.most_common(top)],
        "sources": sources[:top],
    }
