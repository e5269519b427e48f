"""What ``stats`` counts, counted by the index (SQL) rather than in Python: for every
claim, read from the counts the index keeps as rows change (``store.kept``), so that
nothing is grouped; for the claims a filter selects, by grouped queries.

The selected claims by status, story and tag: grouped queries over the ``claims``
table, in the order ``stats`` shows them (most claims first; between equals, the one
whose newest claim is newer, as counting them newest first would give).

For each source, how many of the selected claims its links point to, in all and by
relation: grouped queries over the ``links`` table (over its covering index when every
claim is selected), where reading every link's row into Python and gathering sets cost
most of a ``stats`` of a large database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from claimtrack.store.filter import TAG_MARK, ClaimFilter
from claimtrack.store.kept import NEWEST

if TYPE_CHECKING:
    from claimtrack.store.index import Index


@dataclass
class ClaimCounts:
    """The selected claims counted: in all, by status, and by story and by tag as
    (name, claims) in ``stats``' order (a claim with no story under "(no story)")."""

    claims: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_story: list[tuple[str, int]] = field(default_factory=list)
    by_tag: list[tuple[str, int]] = field(default_factory=list)


def claim_counts(index: Index, flt: ClaimFilter) -> ClaimCounts:
    """The claims ``flt`` (prepared) selects, counted (``ClaimCounts``)."""
    found = flt.where()
    if found is None:
        return ClaimCounts()
    clause, args = found
    by_status: dict[str, int] = {}
    stories: dict[str, tuple[int, str]] = {}
    for status, claims, _ in _grouped(index, "status", clause, args):
        by_status[status] = claims
    for story, claims, newest in _grouped(index, "story", clause, args):
        label = story or "(no story)"  # no story and an empty one alike
        so_far, last = stories.get(label, (0, ""))
        stories[label] = (so_far + claims, max(last, newest))
    tags: dict[str, tuple[int, tuple[str, int]]] = {}
    for joined, claims, newest in _grouped(index, "tags", clause, args):
        names = [tag for tag in (joined or "").split(TAG_MARK) if tag]
        names = [tag for tag in joined.split(TAG_MARK) if tag]
        for tag in names:
            count, seen = tags.get(tag, (0, ("", 0)))
            first = (newest, -names.index(tag))  # a tag given twice: where it came first
            tags[tag] = (count + claims, max(seen, first))
    return ClaimCounts(sum(by_status.values()), by_status, _ordered(stories), _ordered(tags))


def _grouped(index: Index, column: str, clause: str, args: list[Any]) -> list[Any]:
    """The selected claims per value of ``column``: (value, claims, newest) rows, from
    the counts the index keeps when every claim is selected."""
    if not clause:
        kept = _kept(index, f"SELECT {column}, claims, newest FROM claim_{column}s")
        if kept is not None:
            return kept
    return index.connection.execute(
        f"SELECT {column}, count(*), {NEWEST} FROM claims{clause} GROUP BY {column}", args
    ).fetchall()


def _ordered(counted: dict[str, tuple[int, Any]]) -> list[tuple[str, int]]:
    """Most claims first; between equals, the one seen first counting newest first."""
    newest_first = sorted(counted.items(), key=lambda item: item[1][1], reverse=True)
    ranked = sorted(newest_first, key=lambda item: item[1][0], reverse=True)  # stable
    return [(name, claims) for name, (claims, _) in ranked]


# Source ID -> how many selected claims it backs in all ("claims") and by relation.
SourceCounts = dict[str, dict[str, int]]


def source_counts(index: Index, flt: ClaimFilter, top: int | None = None) -> SourceCounts:
    """Per source, the selected claims (``flt``, prepared) its links point to, counted
    once each: in all, and per relation. Sources with no such link are left out, and
    so are links to a claim that is not there (``check`` reports them). With ``top``
    (0 or more), a source that backs fewer claims than the ``top``-th does may be
    given its count in all only (``stats`` shows no more)."""
    found = flt.where()
    if found is None:
        return {}
    clause, args = found
    if not clause and _kept(index, "SELECT n FROM tallies WHERE name = 'dangling'") == [(0,)]:
        return _kept_source_counts(index, top)
    if not clause and not _dangling(index):
        # Every link's claim is selected: the covering index (source, relation, claim)
        # counts them without a lookup of each claim.
        chosen, args = "1", []
    else:
        chosen = f"claim IN (SELECT id FROM claims{clause})"
    counts: SourceCounts = {}
    for source, relation, claims in index.connection.execute(
        f"SELECT source, relation, count(DISTINCT claim) FROM links WHERE {chosen}"
        " GROUP BY source, relation",
        args,
    ):
        counts.setdefault(source, {})[relation] = claims
    for source, claims in index.connection.execute(
        f"SELECT source, count(DISTINCT claim) FROM links WHERE {chosen} GROUP BY source", args
    ):
        counts[source] = {"claims": claims, **counts[source]}
    return counts


def _kept_source_counts(index: Index, top: int | None) -> SourceCounts:
    """``source_counts`` of every claim, from the counts the index keeps."""
    counts: SourceCounts = {
        source: {"claims": claims}
        for source, claims in _kept(index, "SELECT * FROM source_claims") or ()
    }
    least = 0
    if top is not None and top >= 0:
        most = sorted((c["claims"] for c in counts.values()), reverse=True)[:top]
        least = most[-1] if most else 1 << 62
    for source, relation, claims in index.connection.execute(
        "SELECT source, relation, claims FROM source_relations WHERE source IN"
        " (SELECT source FROM source_claims WHERE claims >= ?)",
        (least,),
    ):
        counts[source][relation] = claims
    return counts


def _kept(index: Index, query: str) -> list[Any] | None:
    """The rows of ``query`` over the counts the index keeps; None if it keeps none (a
    cache built by a claimtrack before them is rebuilt: ``index.FORMAT``)."""
    import sqlite3

    try:
        return index.connection.execute(query).fetchall()
    except sqlite3.OperationalError:
        return None


def _dangling(index: Index) -> bool:
    """Whether a link points at a claim that is not there."""
    found = index.connection.execute(
        "SELECT 1 FROM links LEFT JOIN claims ON claims.id = links.claim"
        " WHERE claims.id IS NULL LIMIT 1"
    )
    return found.fetchone() is not None
