"""A SQLite database for Datasette: claims, sources and links with foreign keys and FTS.

Built with sqlite-utils (imported only here). A confidential source is there as its
pseudonym and nothing else (``confidential.withhold_source``; its links' URL, quote
and note withheld), whatever the options: its claim is sourced, and says so, but not
by whom. Every foreign key has an index (Datasette counts and follows links by them),
and a claim's page shows who said it (``said_by``, ``reported_by``). Datasette labels
a row another table points to by its ``name`` or ``title`` column, so sources have
``name`` (a pseudonym where confidential) and claims ``title``; a link row carries both
labels too (``claim_label``, ``source_label``) for whoever reads the file with SQL
(``label_column`` metadata would need a file beside the database).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from claimtrack.confidential import is_confidential, withhold_link, withhold_source
from claimtrack.model import Claim, Link
from claimtrack.named_file import writing_named_by_name
from claimtrack.views.presenter import Presenter

SOURCE_COLUMNS = {
    "id": str,
    "name": str,  # a confidential source's pseudonym (Datasette's label: "name")
    "confidential": int,
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
    # The claim's text on one line, cut at LABEL_LENGTH: a column named "title" is
    # what Datasette shows for a row another table points to (a link's claim).
    "title": str,
    "text": str,
    "quote": str,
    "story": str,
    "tags": str,
    "status": str,
    "rating": str,
    "said_by": str,  # the claimants' names ("; "), as a claim's page should show them
    "reported_by": str,
    "quantities": str,
    "notes": str,
    "created": str,
    "updated": str,
    "author": str,
}
LINK_COLUMNS = {
    "id": str,
    "claim": str,
    "claim_label": str,  # the claim's text, shortened (LABEL_LENGTH)
    "source": str,
    "source_label": str,  # the source's name or pseudonym
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

    def link_row(link: Link, claim: Claim) -> tuple[Any, ...]:
        source = presenter.source(link["source"])
        shown = withhold_link(link) if is_confidential(source) else link
        labels = {
            "claim_label": _label(claim["text"]),
            "source_label": presenter.name(link["source"]),
        }
        return tuple(labels[k] if k in labels else shown.get(k) for k in LINK_COLUMNS)

    def claim_rows() -> Iterator[dict[str, Any]]:
        nonlocal count
        for claim in claims:
            count += 1
            cited = presenter.links(claim["id"])
            links.extend(link_row(link, claim) for link in cited)
            row = {k: claim.get(k) for k in CLAIM_COLUMNS}
            row["title"] = _label(claim["text"])
            for relation, key in (("said-by", "said_by"), ("reported-by", "reported_by")):
                names = [presenter.name(k["source"]) for k in cited if k["relation"] == relation]
                row[key] = "; ".join(names) or None
            yield row

    with writing_named_by_name(path) as tmp_name:
        # The file ``writing_named_by_name`` made, written in place: it is the file that
        # is fsynced and renamed (``recreate`` would unlink it and write a new one, never
        # fsynced).
        db = sqlite_utils.Database(tmp_name)
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
            withhold_source(known[source_id])
            if is_confidential(known[source_id])
            else known[source_id]
            for source_id in sorted(known)
            if everything or source_id in cited
        ]
        db["sources"].insert_all(  # type: ignore[union-attr]
            {k: s.get(k) for k in SOURCE_COLUMNS} for s in sources
        )
        # A list of column names first, then the rows (sqlite-utils' "list mode").
        db["links"].insert_all(chain([list(LINK_COLUMNS)], links))  # type: ignore[union-attr]
        db.index_foreign_keys()
        db["claims"].enable_fts(["text", "quote"], create_triggers=True)  # type: ignore[union-attr]
        db.close()
    return {"claims": count, "sources": len(sources), "links": len(links)}


LABEL_LENGTH = 80


def _label(text: str) -> str:
    """A claim's text as a link's label: one line, at most ``LABEL_LENGTH`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= LABEL_LENGTH else line[: LABEL_LENGTH - 1].rstrip() + "…"
