"""A whole database as one JSON document: the seed data and the base of `export json`.

``{"format": "claimtrack", "schema_version": 1, "claims": [...], "sources": [...],
"links": [...], "events": [...]}``: lists sorted by ID so that two bundles diff cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from claimtrack.db import Database
from claimtrack.errors import ValidationError
from claimtrack.model import RELATIONS, SCHEMA_VERSION, SOURCE_KINDS, STATUSES

FORMAT_NAME = "claimtrack"
KINDS = ("claims", "sources", "links", "events")


def export_bundle(db: Database, *, events: bool = True) -> dict[str, Any]:
    bundle: dict[str, Any] = {"format": FORMAT_NAME, "schema_version": SCHEMA_VERSION}
    for kind in KINDS:
        if kind == "events" and not events:
            continue
        records = db._raw(kind)
        bundle[kind] = [records[key] for key in sorted(records)]
    return bundle


def dump_bundle(bundle: dict[str, Any]) -> bytes:
    return orjson.dumps(bundle, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


_REQUIRED: dict[str, tuple[str, ...]] = {
    "claims": ("id", "text", "status"),
    "sources": ("id", "name", "kind"),
    "links": ("id", "claim", "source", "relation"),
    "events": ("id", "at", "action", "kind", "target"),
}


def parse_bundle(raw: bytes, origin: str) -> dict[str, Any]:
    """Parse and validate every record; report every problem, not just the first."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"{origin} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ValidationError(f"{origin} is not a claimtrack export")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ValidationError(f"{origin} has schema version {version!r}, not {SCHEMA_VERSION}")
    problems: list[str] = []
    for kind in KINDS:
        records = data.setdefault(kind, [])
        if not isinstance(records, list):
            problems.append(f"{kind}: not a list")
            continue
        for number, record in enumerate(records):
            problems += [f"{kind}[{number}]: {p}" for p in _check(kind, record)]
    claim_ids = {c.get("id") for c in data.get("claims", []) if isinstance(c, dict)}
    source_ids = {s.get("id") for s in data.get("sources", []) if isinstance(s, dict)}
    for number, link in enumerate(data.get("links", [])):
        if isinstance(link, dict):
            if link.get("claim") not in claim_ids:
                problems.append(f"links[{number}]: unknown claim {link.get('claim')!r}")
            if link.get("source") not in source_ids:
                problems.append(f"links[{number}]: unknown source {link.get('source')!r}")
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ValidationError(f"{origin}: {len(problems)} invalid record(s): {shown}{more}")
    return data


def _check(kind: str, record: Any) -> list[str]:
    if not isinstance(record, dict):
        return ["not an object"]
    problems = [f"missing {key!r}" for key in _REQUIRED[kind] if key not in record]
    for key in _REQUIRED[kind]:
        if key in record and not isinstance(record[key], str):
            problems.append(f"{key!r} is not text")
    if kind == "claims" and record.get("status") not in STATUSES:
        problems.append(f"unknown status {record.get('status')!r}")
    if kind == "sources" and record.get("kind") not in SOURCE_KINDS:
        problems.append(f"unknown kind {record.get('kind')!r}")
    if kind == "links" and record.get("relation") not in RELATIONS:
        problems.append(f"unknown relation {record.get('relation')!r}")
    return problems


@dataclass
class Loaded:
    added: int = 0
    present: int = 0


def add_missing(db: Database, bundle: dict[str, Any]) -> Loaded:
    """Insert every record whose ID is not in the database yet; leave the rest alone."""
    result = Loaded()
    tables = {"claims": db.claims, "sources": db.sources, "links": db.links, "events": db.events}
    for kind in ("sources", "claims", "links", "events"):
        existing = db._raw(kind)
        for record in bundle.get(kind, []):
            if record["id"] in existing:
                result.present += 1
                continue
            db._insert(tables[kind], record)
            if kind != "events":
                db._record("import", kind[:-1], record["id"], None, record)
            result.added += 1
    db._name_index = None
    return result
