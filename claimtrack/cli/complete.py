"""Shell completion of claim IDs and source names, read from the database in use."""

from __future__ import annotations

import typer

from claimtrack.confidential import is_confidential
from claimtrack.errors import ClaimtrackError
from claimtrack.interchange.formats import safe_text


def _db(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from claimtrack.db import Database
    from claimtrack.location import locate

    root = ctx.find_root()
    explicit = root.params.get("db") if root.params else None
    path = locate(explicit).path
    return Database.open(path)


def complete_claim(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        with _db(ctx) as db:
            wanted = incomplete.lower()
            return [
                (claim["id"], safe_text(claim["text"][:60], single_line=True))
                for claim in db.claim_list()
                if claim["id"].startswith(wanted)
            ][:200]
    except ClaimtrackError:
        return []


def complete_source(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        with _db(ctx) as db:
            wanted = incomplete.casefold()
            found: list[tuple[str, str]] = []
            for source in db.source_list():
                if is_confidential(source):
                    continue  # never offer a protected identity to the shell
                if source["name"].casefold().startswith(wanted):
                    found.append((source["name"], source["kind"]))
                elif source["id"].startswith(wanted):
                    found.append((source["id"], source["name"]))
            return found[:200]
    except ClaimtrackError:
        return []
