"""The counts the index keeps for ``stats``, as SQL: the tables, how each is counted
anew, and the triggers that keep it as rows change (``store.counts`` reads them).

Apart from ``counts`` so that a command that never counts imports only these strings:
``store.index`` makes them with a table's lookup indexes (``INDEXES``).
"""

from __future__ import annotations

# What orders equal counts: the newest claim's creation time and ID, as one string
# (NUL between: no ID or time holds it), compared as (created, id).
NEWEST = "max(coalesce(created, '') || char(0) || id)"

# Counted once, when a table's lookup indexes are made (``Index.ready``: after a full
# build, or the first question in memory), then kept by triggers as rows come and go, so
# that ``stats`` of every claim reads a few thousand rows instead of grouping every
# claim and link. Whatever changes the rows (a command's ``put``, an import's ``fill``,
# a rebuild after an outside change) keeps them right. What they hold:
#
# ``claim_statuss``, ``claim_storys``, ``claim_tagss``: the claims per status, story and
# set of tags (the ``claims`` row's value), each with its newest claim's
# ``coalesce(created, '') || char(0) || id`` (``NEWEST``: the order of equal counts).
# ``source_relations`` and ``source_claims``: per source (and relation), how many
# distinct claims its links point to. ``tallies``: 'dangling', the links whose claim is
# not there (the kept source counts include them: with any, ``stats`` counts by query);
# 'events', below.
_GROUPED = ("status", "story", "tags")  # claims are counted by each: claim_{column}s
# Named counts of one number each: 'dangling' (``DANGLING``) and
# 'events' (``EVENT_COUNTS``).
_TALLIES = (
    "CREATE TABLE IF NOT EXISTS tallies (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID"
)
# Counted once after the lookup indexes of both claims and links are made (``Index.ready``):
# by then the links are read in claim order, and each claim looked up once near the last;
# before them, in link order, every lookup lands elsewhere in the claims' table (at
# 10,000 claims 105 ms instead of 20).
DANGLING = (
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
    _TALLIES,
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
        f"INSERT INTO {table} SELECT {key.format('claims')}, {column}, count(*), {NEWEST}"
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
# ``tallies``' 'events': how many events the history holds, which ``log`` prints under
# the newest ones (a count of 1.6 million rows at 250,000 claims took 80 ms).
EVENT_COUNTS = (
    _TALLIES,
    "INSERT OR REPLACE INTO tallies VALUES ('events', (SELECT count(*) FROM events))",
    "CREATE TRIGGER IF NOT EXISTS event_counted AFTER INSERT ON events BEGIN"
    " UPDATE tallies SET n = n + 1 WHERE name = 'events';"
    " END",
    "CREATE TRIGGER IF NOT EXISTS event_uncounted AFTER DELETE ON events BEGIN"
    " UPDATE tallies SET n = n - 1 WHERE name = 'events';"
    " END",
)
