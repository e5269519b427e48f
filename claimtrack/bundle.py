"""A whole database as one JSON document: `export --format json` and the seed data.

``{"format": "claimtrack", "schema_version": 1, "claims": [...], "sources": [...],
"links": [...], "events": [...]}``: lists sorted by ID so that two bundles diff cleanly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from claimtrack.db import Database
from claimtrack.model import (
    SCHEMA_VERSION,
    Claim,
    Link,
    Source,
)

FORMAT_NAME = "claimtrack"
KINDS = ("claims", "sources", "links", "events")


def export_bundle(
    db: Database,
    *,
    claims: Iterable[Claim] | None = None,
    events: bool = True,
    reveal: bool = False,
) -> dict[str, Any]:
    """Everything needed to rebuild the database, or the part that ``claims`` touch.

    Without ``reveal``, confidential sources leave only as pseudonyms: their links' URLs,
    quotes and notes and their history are withheld too.
    """
    from claimtrack.query import withhold_link, withhold_source

    all_sources: dict[str, Source] = db._raw("sources")
    all_links: dict[str, Link] = db._raw("links")
    if claims is None:
        chosen_claims = db._raw("claims")
        chosen_links = all_links
        chosen_sources = all_sources
    else:
        chosen_claims = {c["id"]: c for c in claims}
        chosen_links = {k: v for k, v in all_links.items() if v["claim"] in chosen_claims}
        used = {link["source"] for link in chosen_links.values()}
        chosen_sources = {k: v for k, v in all_sources.items() if k in used}
    hidden = set() if reveal else {k for k, v in all_sources.items() if v.get("confidential")}
    bundle: dict[str, Any] = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "claims": [chosen_claims[k] for k in sorted(chosen_claims)],
        "sources": [
            withhold_source(chosen_sources[k]) if k in hidden else chosen_sources[k]
            for k in sorted(chosen_sources)
        ],
        "links": [
            withhold_link(chosen_links[k])
            if chosen_links[k]["source"] in hidden
            else chosen_links[k]
            for k in sorted(chosen_links)
        ],
    }
    if hidden:
        bundle["redacted"] = True
    if events:
        from claimtrack.history import confidential_ids, withhold

        targets = {*chosen_claims, *chosen_links, *chosen_sources}
        protected = set() if reveal else confidential_ids(db)
        bundle["events"] = [
            withhold(event) if event["target"] in protected else event
            for event in db.event_list()
            if claims is None or event["target"] in targets
        ]
    return bundle


def dump_bundle(bundle: dict[str, Any]) -> bytes:
    return orjson.dumps(bundle, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
