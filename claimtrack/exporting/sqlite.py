"""A SQLite database for Datasette: claims, sources and links with foreign keys and FTS.

Built with sqlite-utils (imported only here). Confidential sources and their links are
left out entirely, whatever the options.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from claimtrack.confidential import is_confidential
from claimtrack.model import Claim
from claimtrack.named_file import writing_named_by_name
from claimtrack.query import Presenter

SOURCE_COLUMNS = {
    "id": str,
    "name": str,
    "kind": str,
    "role": str,
    "url": str,
    "aliases": str,
    "notes": str,
    "created": str,
    "updated": str,
    "author": str,
}
CLAIM_COLUMNS = {
    "id": str,
    "text": str,
    "quote": str,
    "story": str,
    "tags": str,
    "status": str,
    "rating": str,
    "quantities": str,
    "notes": str,
    "created": str,
    "updated": str,
    "author": str,
}
LINK_COLUMNS = {
    "id": str,
    "claim": str,
    "source": str,
    "relation": str,
    "position": int,
    "url": str,
    "quote": str,
    "date": str,
    "note": str,
    "created": str,
    "author": str,
}


def write(
    path: Path, claims: Iterable[Claim], presenter: Presenter, *, everything: bool
) -> dict[str, int]:
    """Write the SQLite file (atomically; ``named_file`` says how for a pipe); returns
    the row count of each table.

    ``claims`` is read once, as it comes: a claim is written and dropped, and only the
    rows of its links are kept until the claims are in (the file's foreign keys point
    from links to claims).
    """
    import sqlite_utils

    links: list[tuple[Any, ...]] = []  # rows, not dicts: a quarter of the memory
    count = 0

    def claim_rows() -> Iterator[dict[str, Any]]:
        nonlocal count
        for claim in claims:
            count += 1
            links.extend(
                tuple(link.get(k) for k in LINK_COLUMNS)
                for link in presenter.links(claim["id"])
                if not is_confidential(presenter.source(link["source"]))
            )
            yield {k: claim.get(k) for k in CLAIM_COLUMNS}

    with writing_named_by_name(path) as tmp_name:
        db = sqlite_utils.Database(tmp_name, recreate=True)
        # A file nobody reads until it is renamed into place: no journal, and one fsync
        # at the end (``replacing``) instead of one per batch of 100 rows (10x faster).
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db["sources"].create(SOURCE_COLUMNS, pk="id")  # type: ignore[union-attr]
        db["claims"].create(CLAIM_COLUMNS, pk="id")  # type: ignore[union-attr]
        db["links"].create(  # type: ignore[union-attr]
            LINK_COLUMNS,
            pk="id",
            foreign_keys=[("claim", "claims", "id"), ("source", "sources", "id")],
        )
        db["claims"].insert_all(claim_rows())  # type: ignore[union-attr]
        at = list(LINK_COLUMNS).index("source")
        cited = {link[at] for link in links}
        known = presenter.sources
        sources = [  # in ID order, whatever order they were first read in
            known[source_id]
            for source_id in sorted(known)
            if not is_confidential(known[source_id]) and (everything or source_id in cited)
        ]
        db["sources"].insert_all(  # type: ignore[union-attr]
            {k: s.get(k) for k in SOURCE_COLUMNS} for s in sources
        )
        # A list of column names first, then the rows (sqlite-utils' "list mode").
        db["links"].insert_all(chain([list(LINK_COLUMNS)], links))  # type: ignore[union-attr]
        db["claims"].enable_fts(["text", "quote"], create_triggers=True)  # type: ignore[union-attr]
        db.close()
    return {"claims": count, "sources": len(sources), "links": len(links)}
