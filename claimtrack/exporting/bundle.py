"""A whole database as one JSON document: `export --format json` and the seed data.

``{"format": "claimtrack", "schema_version": 1, "claims": [...], "sources": [...],
"links": [...], "events": [...]}``: lists sorted by ID so that two bundles diff cleanly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import IO, Any

import orjson

from claimtrack.confidential import Disclosure, withhold_link, withhold_source
from claimtrack.db import Database
from claimtrack.model import (
    SCHEMA_VERSION,
    Claim,
    Event,
    Link,
    Source,
)

FORMAT_NAME = "claimtrack"


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
    all_sources: dict[str, Source] = db.store.records("sources")
    all_links: dict[str, Link] = db.store.records("links")
    if claims is None:
        chosen_claims = db.store.records("claims")
        chosen_links = all_links
        chosen_sources = all_sources
    else:
        chosen_claims = {c["id"]: c for c in claims}
        chosen_links = {k: v for k, v in all_links.items() if v["claim"] in chosen_claims}
        used = {link["source"] for link in chosen_links.values()}
        chosen_sources = {k: v for k, v in all_sources.items() if k in used}
    disclosure = Disclosure(reveal)
    hidden = disclosure.hidden(all_sources)
    bundle: dict[str, Any] = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "claims": [chosen_claims[k] for k in sorted(chosen_claims)],
        "sources": [
            withhold_source(chosen_sources[k])
            if k in hidden
            else disclosure.source(chosen_sources[k])
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
        from claimtrack.history import read_history

        targets = {*chosen_claims, *chosen_links, *chosen_sources}
        bundle["events"] = [
            event
            for event in read_history(db, reveal=reveal).events()
            if claims is None or event["target"] in targets
        ]
    return bundle


def dump_bundle(bundle: dict[str, Any]) -> bytes:
    return orjson.dumps(bundle, option=PRETTY) + b"\n"


PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def write_bundle(
    db: Database, out: IO[bytes], *, events: bool = True, reveal: bool = False
) -> None:
    """``dump_bundle(export_bundle(db, ...))`` for a whole database, written a few
    thousand records at a time: the same bytes, without holding the database or its
    export where the store can read the file a piece at a time.

    The file keeps each table in ID order, the order of the bundle's lists; the history
    is sorted by time (``exporting.events``), its order worked out before a byte is
    written.
    """
    sources: dict[str, Source] = db.store.records("sources")
    disclosure = Disclosure(reveal)
    hidden = disclosure.hidden(sources)
    history: Iterable[Event] = ()
    if events:
        from claimtrack.exporting.events import export_events

        history = export_events(db, reveal=reveal) or _read_events(db, reveal)
    out.write(b"{\n")
    _write_list(out, "claims", _records(db, "claims"))
    out.write(b",\n")
    if events:
        _write_list(out, "events", history)
        out.write(b",\n")
    out.write(b'  "format": ' + orjson.dumps(FORMAT_NAME) + b",\n")
    links: Iterable[Link] = _records(db, "links")
    _write_list(out, "links", (withhold_link(k) if k["source"] in hidden else k for k in links))
    out.write(b",\n")
    if hidden:
        out.write(b'  "redacted": true,\n')
    out.write(b'  "schema_version": ' + orjson.dumps(SCHEMA_VERSION) + b",\n")
    _write_list(
        out,
        "sources",
        (
            withhold_source(sources[k]) if k in hidden else disclosure.source(sources[k])
            for k in sorted(sources)
        ),
    )
    out.write(b"\n}\n")


def _records(db: Database, table: str) -> Iterator[Any]:
    """Every record of the table in ID order, parsed a few megabytes at a time."""
    batches = db.store.line_batches(table)
    if batches is None:
        records = db.store.records(table)
        yield from (records[key] for key in sorted(records))
        return
    for _, batch in batches:
        yield from orjson.loads(b"{" + batch + b"}").values()


def _read_events(db: Database, reveal: bool) -> Iterator[Event]:
    from claimtrack.history import read_history

    return read_history(db, reveal=reveal).events()


# Records serialised in one call and written in one piece: enough that the calls and
# writes cost little per record, few enough that a batch is a few megabytes.
BATCH = 2000


def _write_list(out: IO[bytes], key: str, records: Iterable[Mapping[str, Any]]) -> None:
    """``"key": [...]`` as ``dump_bundle`` indents it inside the bundle: each batch
    serialised as ``{"key": batch}`` (so indented as the bundle is) and cut out of it."""
    head = b"  " + orjson.dumps(key) + b": ["
    cut = len(b"{\n" + head + b"\n")
    each = iter(records)
    first = True
    while batch := list(islice(each, BATCH)):
        dumped = orjson.dumps({key: batch}, option=PRETTY)
        out.write((head + b"\n" if first else b",\n") + dumped[cut : -len(b"\n  ]\n}")])
        first = False
    out.write(head + b"]" if first else b"\n  ]")
