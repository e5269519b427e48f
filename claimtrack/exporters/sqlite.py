"""A SQLite database for Datasette: claims, sources and links with foreign keys and FTS.

Built with sqlite-utils (imported only here). Confidential sources and their links are
left out entirely, whatever the options.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from claimtrack.errors import ClaimtrackError
from claimtrack.model import Claim
from claimtrack.query import Index

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


def write(path: Path, claims: Sequence[Claim], index: Index, *, everything: bool) -> dict[str, int]:
    """Write the SQLite file atomically; returns the row count of each table."""
    import sqlite_utils

    chosen = {c["id"] for c in claims}
    links = [
        link
        for claim in claims
        for link in index.links(claim["id"])
        if not index.is_confidential(link["source"])
    ]
    cited = {link["source"] for link in links}
    sources = [
        s
        for s in index.sources.values()
        if not s.get("confidential") and (everything or s["id"] in cited)
    ]
    directory = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ClaimtrackError(f"cannot write to {directory}: {exc.strerror}") from None
    os.close(fd)
    try:
        db = sqlite_utils.Database(tmp_name, recreate=True)
        db["sources"].create(SOURCE_COLUMNS, pk="id")  # type: ignore[union-attr]
        db["claims"].create(CLAIM_COLUMNS, pk="id")  # type: ignore[union-attr]
        db["links"].create(  # type: ignore[union-attr]
            LINK_COLUMNS,
            pk="id",
            foreign_keys=[("claim", "claims", "id"), ("source", "sources", "id")],
        )
        db["sources"].insert_all(  # type: ignore[union-attr]
            {k: s.get(k) for k in SOURCE_COLUMNS} for s in sources
        )
        db["claims"].insert_all(  # type: ignore[union-attr]
            {k: c.get(k) for k in CLAIM_COLUMNS} for c in claims
        )
        db["links"].insert_all(  # type: ignore[union-attr]
            {k: link.get(k) for k in LINK_COLUMNS} for link in links
        )
        db["claims"].enable_fts(["text", "quote"], create_triggers=True)  # type: ignore[union-attr]
        db.close()
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return {"claims": len(chosen), "sources": len(sources), "links": len(links)}
