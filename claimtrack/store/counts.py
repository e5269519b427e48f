"""What ``stats`` counts, counted by the index (SQL) rather than in Python; for every
claim, counts the index keeps as rows change (below), so that nothing is grouped.

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

if TYPE_CHECKING:
    from claimtrack.store.index import Index

# What orders equal counts: the newest claim's creation time and ID, as one string
# (NUL between: no ID or time holds it), compared as (created, id).
_NEWEST = "max(coalesce(created, '') || char(0) || id)"

# -- the counts the index keeps --------------------------------------------------------------
#
# Counted once, when a table's lookup indexes are made (``Index.ready``: after a full
# build, or the first question in memory), then kept by triggers as rows come and go, so
# that ``stats`` of every claim reads a few thousand rows instead of grouping every
# claim and link. Whatever changes the rows (a command's ``put``, an import's ``fill``,
# a rebuild after an outside change) keeps them right. What they hold:
#
# ``claim_statuss``, ``claim_storys``, ``claim_tagss``: the claims per status, story and
# set of tags (the ``claims`` row's value), each with its newest claim's
# ``coalesce(created, '') || char(0) || id`` (``_NEWEST``: the order of equal counts).
# ``source_relations`` and ``source_claims``: per source (and relation), how many
# distinct claims its links point to. ``tallies``: 'dangling', the links whose claim is
# not there (the kept source counts include them: with any, ``stats`` counts by query).
_GROUPED = ("status", "story", "tags")  # claims are counted by each: claim_{column}s
_DANGLING = (
    "INSERT OR REPLACE INTO tallies VALUES ('dangling', (SELECT count(*) FROM links"
    " WHERE NOT EXISTS (SELECT 1 FROM claims WHERE claims.id = links.claim)))"
)
_COUNTED_TABLES = (
    *(
        f"CREATE TABLE IF NOT EXISTS claim_{column}s (key TEXT PRIMARY KEY, {column} TEXT,"
        " claims INTEGER NOT NULL, newest TEXT NOT NULL) WITHOUT ROWID"
        for column in _GROUPED
    ),
    "CREATE TABLE IF NOT EXISTS source_relations (source TEXT, relation TEXT,"
    " claims INTEGER NOT NULL, PRIMARY KEY (source, relation)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS source_claims (source TEXT PRIMARY KEY,"
    " claims INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS tallies (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
)


def _newest(row: str) -> str:
    return f"coalesce({row}.created, '') || char(0) || {row}.id"


def _claim_group(column: str) -> tuple[str, ...]:
    """Counting claims by ``column``: the count made anew, and the triggers that keep
    it. The group's key is the value quoted, so that NULL and '' stay apart; when its
    newest claim goes, the next newest is found by the index on (column, created, id)."""
    table, key = f"claim_{column}s", f"quote({{0}}.{column})"
    return (
        f"DELETE FROM {table}",
        f"INSERT INTO {table} SELECT {key.format('claims')}, {column}, count(*), {_NEWEST}"
        f" FROM claims GROUP BY {column}",
        f"CREATE TRIGGER IF NOT EXISTS {table}_in AFTER INSERT ON claims BEGIN"
        f" INSERT INTO {table} SELECT {key.format('new')}, new.{column}, 1, {_newest('new')}"
        " WHERE true ON CONFLICT (key) DO UPDATE SET claims = claims + 1,"
        " newest = max(newest, excluded.newest);"
        " END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_out AFTER DELETE ON claims BEGIN"
        f" UPDATE {table} SET claims = claims - 1, newest = CASE WHEN newest ="
        f" {_newest('old')} THEN coalesce((SELECT {_newest('claims')} FROM claims"
        f" WHERE {column} IS old.{column} ORDER BY created DESC, id DESC LIMIT 1), '')"
        f" ELSE newest END WHERE key = {key.format('old')};"
        f" DELETE FROM {table} WHERE key = {key.format('old')} AND claims <= 0;"
        " END",
    )


CLAIM_COUNTS = (
    *_COUNTED_TABLES,
    # ``stats``' order of equal counts of tags: the newest claim with them, found again
    "CREATE INDEX IF NOT EXISTS claims_tags ON claims (tags, created, id)",
    *(statement for column in _GROUPED for statement in _claim_group(column)),
    _DANGLING,
    "CREATE TRIGGER IF NOT EXISTS claim_links_in AFTER INSERT ON claims BEGIN"
    " UPDATE tallies SET n = n - (SELECT count(*) FROM links WHERE claim = new.id)"
    " WHERE name = 'dangling';"
    " END",
    "CREATE TRIGGER IF NOT EXISTS claim_links_out AFTER DELETE ON claims BEGIN"
    " UPDATE tallies SET n = n + (SELECT count(*) FROM links WHERE claim = old.id)"
    " WHERE name = 'dangling';"
    " END",
)
_OTHER_LINK = "SELECT 1 FROM links WHERE source = {0}.source AND claim = {0}.claim"
_OTHER_RELATED = _OTHER_LINK + " AND relation = {0}.relation"
LINK_COUNTS = (
    *_COUNTED_TABLES,
    "DELETE FROM source_relations",
    "INSERT INTO source_relations SELECT source, relation, count(DISTINCT claim) FROM links"
    " GROUP BY source, relation",
    "DELETE FROM source_claims",
    "INSERT INTO source_claims SELECT source, count(DISTINCT claim) FROM links GROUP BY source",
    _DANGLING,
    "CREATE TRIGGER IF NOT EXISTS link_counted AFTER INSERT ON links BEGIN"
    " INSERT INTO source_relations SELECT new.source, new.relation, 1 WHERE NOT EXISTS ("
    + _OTHER_RELATED.format("new")
    + " AND id IS NOT new.id) ON CONFLICT (source, relation) DO UPDATE SET claims = claims + 1;"
    " INSERT INTO source_claims SELECT new.source, 1 WHERE NOT EXISTS ("
    + _OTHER_LINK.format("new")
    + " AND id IS NOT new.id) ON CONFLICT (source) DO UPDATE SET claims = claims + 1;"
    " UPDATE tallies SET n = n + 1 WHERE name = 'dangling'"
    " AND NOT EXISTS (SELECT 1 FROM claims WHERE id = new.claim);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS link_uncounted AFTER DELETE ON links BEGIN"
    " UPDATE source_relations SET claims = claims - 1 WHERE source = old.source"
    " AND relation = old.relation AND NOT EXISTS (" + _OTHER_RELATED.format("old") + ");"
    " DELETE FROM source_relations WHERE source = old.source AND relation = old.relation"
    " AND claims <= 0;"
    " UPDATE source_claims SET claims = claims - 1 WHERE source = old.source"
    " AND NOT EXISTS (" + _OTHER_LINK.format("old") + ");"
    " DELETE FROM source_claims WHERE source = old.source AND claims <= 0;"
    " UPDATE tallies SET n = n - 1 WHERE name = 'dangling'"
    " AND NOT EXISTS (SELECT 1 FROM claims WHERE id = old.claim);"
    " END",
)


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
        f"SELECT {column}, count(*), {_NEWEST} FROM claims{clause} GROUP BY {column}", args
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
