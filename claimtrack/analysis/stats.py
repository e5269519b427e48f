"""Counts for the desk: claims by status, story and tag, and what each source backs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from claimtrack.model import RELATIONS, STATUSES
from claimtrack.store.counts import ClaimCounts, SourceCounts
from claimtrack.views.presenter import ClaimFilter, Presenter

if TYPE_CHECKING:
    from claimtrack.db import Database


def compute(
    db: Database, flt: ClaimFilter, presenter: Presenter, *, top: int = 20
) -> dict[str, Any]:
    """The counts for the claims ``flt`` selects (``flt`` prepared)."""
    claims, per_source = db.store.facts(flt, top)
    return tally(claims, per_source, presenter.name, top=top)


def tally(
    counted: ClaimCounts, per_source: SourceCounts, name: Callable[[str], str], *, top: int
) -> dict[str, Any]:
    by_status = counted.by_status
    # Only the sources that can be among the ``top`` are named (a name is a record read):
    # those backing at least as many claims as the top-th does.
    # (A negative --top cuts from the end, as a slice does: every source is named.)
    most = sorted((c["claims"] for c in per_source.values()), reverse=True)[:top]
    least = (most[-1] if most else None) if top >= 0 else 0
    sources: list[dict[str, Any]] = [
        {
            "id": source_id,
            "name": name(source_id),
            "claims": counts["claims"],
            **{r.replace("-", "_"): counts.get(r, 0) for r in RELATIONS},
        }
        for source_id, counts in per_source.items()
        if least is not None and counts["claims"] >= least
    ]
    sources.sort(key=lambda s: (-s["claims"], s["name"].casefold(), s["id"]))
    return {
        "claims": counted.claims,
        "by_status": [{"status": s, "claims": by_status[s]} for s in STATUSES if by_status.get(s)],
        "by_story": [{"story": k, "claims": n} for k, n in counted.by_story],
        "by_tag": [{"tag": k, "claims": n} for k, n in counted.by_tag[: max(top, 0)]],
        "sources": sources[:top],
    }
