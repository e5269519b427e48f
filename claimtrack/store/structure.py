"""Integrity of a database's structure: what ``check`` and the git merge driver report.

A record must be filed under its own ID, and a link must point at a claim and a source
that exist. Anything else (a hand edit, a bad merge) is reported, never repaired
silently.
"""

from __future__ import annotations

from claimtrack.store.fileformat import Data


def structural_problems(data: Data) -> list[str]:
    """What makes a database inconsistent, one line each: records keyed wrongly (in
    table order), then links to nothing (in link order)."""
    problems: list[str] = []
    for table in ("claims", "sources", "links", "events"):
        for key, record in data.get(table, {}).items():
            if record.get("id") != key:
                problems.append(f"{table}: record {key!r} has id {record.get('id')!r}")
    for key, link in data.get("links", {}).items():
        if link.get("claim") not in data.get("claims", {}):
            problems.append(f"links: {key} points at missing claim {link.get('claim')!r}")
        if link.get("source") not in data.get("sources", {}):
            problems.append(f"links: {key} points at missing source {link.get('source')!r}")
    return problems
