"""Counts for the desk: claims by status, story and tag, and what each source backs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from claimtrack.model import RELATIONS, STATUSES
from claimtrack.store.snapshot import Fact, LinkFact
from claimtrack.views.presenter import ClaimFilter, Presenter

if TYPE_CHECKING:
    from claimtrack.db import Database


# Source ID -> how many claims it backs in all ("claims") and by relation
SourceCounts = dict[str, dict[str, int]]


def compute(
    db: Database, flt: ClaimFilter, presenter: Presenter, *, top: int = 20
) -> dict[str, Any]:
    """The counts for the claims ``flt`` selects (``flt`` prepared)."""
    facts, links = db.store.facts(flt)
    return tally(facts, _source_counts(links), presenter.name, top=top)


def _source_counts(links: Iterable[LinkFact]) -> SourceCounts:
    backing: dict[str, dict[str, set[str]]] = {}
    for claim_id, source_id, relation in links:
        relations = backing.get(source_id)
        if relations is None:
            relations = backing[source_id] = {}
        found = relations.get(relation)
        if found is None:
            found = relations[relation] = set()
        found.add(claim_id)
    return {
        source_id: {
            "claims": len(set().union(*relations.values())),
            **{relation: len(found) for relation, found in relations.items()},
        }
        for source_id, relations in backing.items()
    }


def tally(
    facts: Sequence[Fact], per_source: SourceCounts, name: Callable[[str], str], *, top: int
) -> dict[str, Any]:
    by_status = Counter(status for _, status, _, _ in facts)
    by_story = Counter(story or "(no story)" for _, _, story, _ in facts)
    by_tag = Counter(tag for _, _, _, tags in facts for tag in tags)
    sources: list[dict[str, Any]] = [
        {
            "id": source_id,
            "name": name(source_id),
            "claims": counts["claims"],
            **{r.replace("-", "_"): counts.get(r, 0) for r in RELATIONS},
        }
        for source_id, counts in per_source.items()
    ]
    sources.sort(key=lambda s: (-s["claims"], s["name"].casefold(), s["id"]))
    return {
        "claims": len(facts),
        "by_status": [{"status": s, "claims": by_status[s]} for s in STATUSES if by_status[s]],
        "by_story": [{"story": k, "claims": n} for k, n in by_story.most_common()],
        "by_tag": [{"tag": k, "claims": n} for k, n in by_tag.most_common(top)],
        "sources": sources[:top],
    }
