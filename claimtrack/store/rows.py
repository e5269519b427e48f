"""A record's rows in the index (``store.index``): what each table holds of a claim,
link or source, and of any record filed under another ID or merged into another.

One definition for every way rows are made: a fill from the file or from memory, and
the changes a writing command makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from claimtrack.model import fold
from claimtrack.store.filter import TAG_MARK
from claimtrack.store.terms import claim_terms

if TYPE_CHECKING:
    import sqlite3


def scalar(value: Any) -> Any:
    """A value SQLite can hold as it is; anything else (a hand edit put a list where text
    belongs) as its text."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def claim_row(record_id: str, claim: Mapping[str, Any]) -> tuple[Any, ...]:
    """The claim's row: what listings sort on and the keys ``ClaimFilter.where`` filters
    on (case folded by ``model.fold``, as ``ClaimFilter.prepare`` folds what it is
    given)."""
    text = str(claim.get("text") or "")
    quote = claim.get("quote")
    folded = fold(text) + "\n" + (fold(str(quote)) if quote else "")
    tags = [str(t) for t in claim.get("tags") or []]
    story = claim.get("story")
    return (
        record_id,
        scalar(claim.get("created")),
        scalar(claim.get("updated")),
        scalar(claim.get("status")),
        scalar(story),
        text,
        folded,
        TAG_MARK + TAG_MARK.join(tags) + TAG_MARK,
        fold(str(story)) if story is not None else None,
        TAG_MARK + TAG_MARK.join(fold(t) for t in tags) + TAG_MARK,
    )


def source_names(source: Mapping[str, Any]) -> list[str]:
    return [fold(str(n)) for n in (source.get("name") or "", *(source.get("aliases") or []))]


def link_row(record_id: str, link: Mapping[str, Any]) -> tuple[Any, ...]:
    row = (record_id, link.get("claim"), link.get("source"), link.get("relation"))
    if all(type(value) is str for value in row):
        return row
    return tuple(map(scalar, row))


def event_row(key: str, event: Mapping[str, Any]) -> tuple[Any, ...]:
    """The event's row: its time and ID, the record it changed and its kind, and what
    ``log`` withholds by (``history.read_history``): the source a link event's state
    cites, and whether a source event's state is confidential."""
    state = event.get("after") or event.get("before") or {}
    if not isinstance(state, Mapping):
        state = {}
    kind = event.get("kind")
    source = state.get("source") if kind == "link" else None
    secret = kind == "source" and bool(state.get("confidential"))
    return (
        key,
        scalar(event.get("at")),
        scalar(event.get("id")),
        scalar(event.get("target")),
        scalar(kind),
        scalar(source),
        int(secret),
    )


def note_merged_misfiled(
    table: str,
    key: str,
    record: Mapping[str, Any],
    merged: list[tuple[str, str, str]],
    misfiled: list[tuple[str, str, str]],
) -> None:
    """Add the record's rows of ``merged`` and ``misfiled`` to these lists."""
    if record.get("id") != key:
        misfiled.append((table, key, repr(record.get("id"))))
    if table in ("claims", "sources"):
        olds = record.get("merged") or ()
        if isinstance(olds, list):
            merged.extend((old, table, key) for old in olds if isinstance(old, str))


def with_words(key: str, claim: Mapping[str, Any], words: list[tuple[str, str]]) -> tuple[Any, ...]:
    """The claim's row; its terms noted in ``words`` for the full-text table."""
    words.append((key, " ".join(claim_terms(claim))))
    return claim_row(key, claim)


def insert_words(connection: sqlite3.Connection, words: Iterable[tuple[str, str]]) -> None:
    """Number each claim (after the highest number in use) and put its terms in the
    full-text table under that number."""
    last = connection.execute("SELECT coalesce(max(n), 0) FROM claim_numbers").fetchone()[0]
    numbered = [(last + i, key, terms) for i, (key, terms) in enumerate(words, 1)]
    connection.executemany(
        "INSERT INTO claim_numbers (n, id) VALUES (?, ?)", ((n, k) for n, k, _ in numbered)
    )
    connection.executemany(
        "INSERT INTO claim_words (rowid, terms) VALUES (?, ?)", ((n, t) for n, _, t in numbered)
    )


def upsert_words(
    connection: sqlite3.Connection, claims: Mapping[str, Mapping[str, Any] | None]
) -> None:
    """Changed claims in the full-text table: old terms out, new in."""
    for key in claims:
        found = connection.execute("SELECT n FROM claim_numbers WHERE id = ?", (key,)).fetchone()
        if found is not None:
            connection.execute("DELETE FROM claim_words WHERE rowid = ?", found)
            connection.execute("DELETE FROM claim_numbers WHERE n = ?", found)
    insert_words(
        connection,
        ((k, " ".join(claim_terms(v))) for k, v in claims.items() if v is not None),
    )


# A confidential source's row in ``sources.names``: its names are not there.
HIDDEN = "\x1e"


def hidden_name(folded: str) -> str:
    """How the index keeps a confidential source's (folded) name or alias: a digest,
    enough to find the source by its exact name and no more (the cache lives in the
    cache folder, beside no confidentiality but its permissions)."""
    import hashlib  # only where a confidential source is: OpenSSL costs a few ms

    digest = hashlib.blake2b(folded.encode(), digest_size=16, person=b"claimtrack-name")
    return "#" + digest.hexdigest()


def insert_sources(connection: sqlite3.Connection, sources: Mapping[str, Any]) -> None:
    rows: list[tuple[str, str]] = []
    names: list[tuple[str, str]] = []
    for key, source in sources.items():
        folded = source_names(source)
        if source.get("confidential"):
            rows.append((key, HIDDEN))
            names.extend((hidden_name(name), key) for name in folded)
        else:
            rows.append((key, TAG_MARK.join(folded)))
            names.extend((name, key) for name in folded)
    connection.executemany("INSERT INTO sources VALUES (?, ?)", rows)
    connection.executemany("INSERT INTO names VALUES (?, ?)", names)
