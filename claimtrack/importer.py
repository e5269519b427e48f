"""Import: claimtrack's own JSON and JSON Lines exports, and CSV with a ``text`` column.

Import is two steps. ``read`` parses and validates every record and reports every bad
one (with its line or index) before anything is written. ``plan`` compares the records
with the database and decides what is added, updated or left alone; ``apply`` carries
the plan out in one write. Matching is by ID; sources also by name or alias; claims
without an ID (CSV rows) by identical text and story. A record on both sides takes the
newer side's fields (by ``updated``), and notes and links are unioned, so importing the
same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import orjson

from claimtrack import ids
from claimtrack.db import Database
from claimtrack.errors import ClaimtrackError
from claimtrack.merge import union
from claimtrack.model import (
    MAX_SHORT,
    SCHEMA_VERSION,
    Claim,
    Event,
    Link,
    Note,
    Source,
    check_date,
    check_kind,
    check_relation,
    check_status,
    clean_optional,
    clean_tag,
    clean_text,
    fold,
    now,
)
from claimtrack.storage import strict_loads

IMPORT_FORMATS = ("json", "jsonl", "csv")
MAX_PROBLEMS_SHOWN = 50


@dataclass
class Incoming:
    """Validated records, in database shape, plus references to resolve on merge."""

    claims: list[Claim] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # Claims given without an ID, with the names of their sources: (claim, relation, name, url)
    named_links: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    anonymous_claims: set[str] = field(default_factory=set)


class InvalidImport(ClaimtrackError):
    pass


def guess_format(name: str, raw: bytes) -> str:
    lowered = name.lower()
    for fmt in IMPORT_FORMATS:
        if lowered.endswith("." + fmt):
            return fmt
    if lowered.endswith(".ndjson"):
        return "jsonl"
    head = raw.lstrip()[:1]
    if head == b"{":
        first_line = raw.lstrip().split(b"\n", 1)[0]
        try:
            record = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return "json"
        return "json" if isinstance(record, dict) and "format" in record else "jsonl"
    if head == b"[":
        return "json"
    return "csv"


def read(raw: bytes, fmt: str, origin: str) -> Incoming:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw or raw.isspace():
        raise InvalidImport(f"{origin} is empty")
    if fmt == "json":
        return _read_json(raw, origin)
    if fmt == "jsonl":
        return _read_jsonl(raw, origin)
    if fmt == "csv":
        return _read_csv(raw, origin)
    raise ClaimtrackError(f"cannot import format {fmt!r}", "use json, jsonl or csv")


# -- validation of single records ------------------------------------------------------------


class _Problems:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def check(self) -> None:
        if self.items:
            shown = self.items[:MAX_PROBLEMS_SHOWN]
            if len(self.items) > MAX_PROBLEMS_SHOWN:
                shown.append(f"... and {len(self.items) - MAX_PROBLEMS_SHOWN} more")
            raise InvalidImport(
                f"{self.origin}: {len(self.items)} invalid record(s); nothing was imported",
                details=shown,
            )


def _text(value: Any, name: str, *, required: bool = False, limit: int = 1_000_000) -> Any:
    if value is None or value == "":
        if required:
            raise ClaimtrackError(f"missing {name}")
        return None
    if not isinstance(value, str):
        raise ClaimtrackError(f"{name} is not text")
    return (
        clean_text(value, name, limit=limit)
        if required
        else clean_optional(value, name, limit=limit)
    )


def _string_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ClaimtrackError(f"{name} is not a list of text")
    return [v.strip() for v in value if v.strip()]


_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def _id(value: Any, name: str = "id") -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ClaimtrackError(f"{name} is missing or not an ID (letters, digits, - and _)")
    return value.lower()


def _stamp(value: Any, name: str, default: str | None = None) -> str:
    if value is None:
        return default or now()
    # The canonical form is checked by a pattern: a full date parse per record is what
    # made large imports slow.
    if isinstance(value, str) and (_STAMP.fullmatch(value) or check_date(value, name)):
        return value
    raise ClaimtrackError(f"{name} is not a timestamp")


def _notes(value: Any, default_at: str) -> list[Note]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ClaimtrackError("notes is not a list")
    notes: list[Note] = []
    for item in value:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            raise ClaimtrackError("a note is not an object")
        notes.append(
            {
                "at": _stamp(item.get("at"), "note time", default_at),
                "author": _text(item.get("author"), "note author", limit=MAX_SHORT) or "unknown",
                "text": _text(item.get("text"), "note text", required=True),
            }
        )
    return notes


def _quantities(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(q, dict) for q in value):
        raise ClaimtrackError("quantities is not a list of objects")
    for quantity in value:
        for key in ("value", "low", "high"):
            number = quantity.get(key)
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, (int, float))
            ):
                raise ClaimtrackError(f"quantity {key} is not a number")
    return list(value)


def _story(value: Any) -> str | None:
    story = _text(value, "story", limit=200)
    if story is not None and any(c.isspace() for c in story):
        raise ClaimtrackError(f"story {story!r} contains spaces")
    return cast(str | None, story)


def claim_record(data: Mapping[str, Any], *, new_id: bool = False) -> Claim:
    created = _stamp(data.get("created"), "created")
    tags: list[str] = []
    for tag in _string_list(data.get("tags"), "tags"):
        cleaned = clean_tag(tag)
        if cleaned not in tags:
            tags.append(cleaned)
    return {
        "id": ids.new_id() if new_id else _id(data.get("id")),
        "text": _text(data.get("text"), "text", required=True),
        "quote": _text(data.get("quote"), "quote"),
        "story": _story(data.get("story")),
        "tags": tags,
        "quantities": _quantities(data.get("quantities")),
        "status": check_status(_text(data.get("status"), "status", limit=100) or "unverified"),
        "rating": _text(data.get("rating"), "rating", limit=MAX_SHORT),
        "notes": _notes(data.get("notes"), created),
        "created": created,
        "updated": _stamp(data.get("updated"), "updated", created),
        "author": _text(data.get("author"), "author", limit=MAX_SHORT) or "import",
    }


def source_record(data: Mapping[str, Any]) -> Source:
    created = _stamp(data.get("created"), "created")
    confidential = data.get("confidential", False)
    if not isinstance(confidential, bool):
        raise ClaimtrackError("confidential is not true or false")
    return {
        "id": _id(data.get("id")),
        "name": _text(data.get("name"), "name", required=True, limit=MAX_SHORT),
        "kind": check_kind(data.get("kind") or "unknown"),
        "role": _text(data.get("role"), "role", limit=MAX_SHORT),
        "url": _text(data.get("url"), "url", limit=MAX_SHORT),
        "aliases": _string_list(data.get("aliases"), "aliases"),
        "notes": _text(data.get("notes"), "notes"),
        "confidential": confidential,
        "reason": _text(data.get("reason"), "reason", limit=MAX_SHORT),
        "approved_by": _text(data.get("approved_by"), "approved_by", limit=MAX_SHORT),
        "created": created,
        "updated": _stamp(data.get("updated"), "updated", created),
        "author": _text(data.get("author"), "author", limit=MAX_SHORT) or "import",
    }


def link_record(data: Mapping[str, Any], claim_id: str | None = None) -> Link:
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int):
        raise ClaimtrackError("position is not a whole number")
    return {
        "id": _id(data.get("id")),
        "claim": claim_id or _id(data.get("claim"), "claim"),
        "source": _id(data.get("source_id") or data.get("source"), "source"),
        "relation": check_relation(str(data.get("relation") or "")),
        "position": position,
        "url": _text(data.get("url"), "url", limit=MAX_SHORT),
        "quote": _text(data.get("quote"), "quote"),
        "date": check_date(_text(data.get("date"), "date", limit=100)),
        "note": _text(data.get("note"), "note"),
        "created": _stamp(data.get("created"), "created"),
        "author": _text(data.get("author"), "author", limit=MAX_SHORT) or "import",
    }


def event_record(data: Mapping[str, Any]) -> Event:
    for key in ("id", "at", "action", "kind", "target"):
        if not isinstance(data.get(key), str):
            raise ClaimtrackError(f"{key} is missing or not text")
    for key in ("before", "after"):
        if data.get(key) is not None and not isinstance(data.get(key), dict):
            raise ClaimtrackError(f"{key} is not an object")
    return {
        "id": _id(data["id"]),
        "at": data["at"],
        "actor": str(data.get("actor") or "unknown"),
        "change": str(data.get("change") or data["id"]),
        "action": data["action"],
        "kind": data["kind"],
        "target": data["target"],
        "before": data.get("before"),
        "after": data.get("after"),
    }


def _validated(problems: _Problems, where: str, make: Callable[[], Any]) -> Any:
    try:
        return make()
    except ClaimtrackError as exc:
        problems.add(where, exc.message)
        return None


# -- the three formats -----------------------------------------------------------------------


def _load_json(raw: bytes, origin: str) -> Any:
    try:
        return strict_loads(raw)
    except ValueError as exc:
        raise InvalidImport(f"{origin} is not valid JSON ({exc})") from None


def _read_json(raw: bytes, origin: str) -> Incoming:
    data = _load_json(raw, origin)
    if isinstance(data, list):  # a `list --format json` output: claim views
        return _from_views(data, origin, lambda n: f"[{n}]")
    if not isinstance(data, dict) or data.get("format") != "claimtrack":
        raise InvalidImport(
            f"{origin} is not a claimtrack export",
            "import reads 'claimtrack export' JSON or JSON Lines, or CSV with a text column",
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise InvalidImport(
            f"{origin} has schema version {version!r}; this claimtrack reads up to "
            f"{SCHEMA_VERSION}",
            "upgrade claimtrack",
        )
    problems = _Problems(origin)
    incoming = Incoming()
    makers: dict[str, Callable[[Any], Any]] = {
        "sources": source_record,
        "claims": claim_record,
        "links": link_record,
        "events": event_record,
    }
    for kind, make in makers.items():
        records = data.get(kind, [])
        if not isinstance(records, list):
            problems.add(kind, "not a list")
            continue
        for number, record in enumerate(records):
            records[number] = None  # each parsed record goes once its checked copy is made
            where = f"{kind}[{number}]"
            if not isinstance(record, dict):
                problems.add(where, "not an object")
                continue
            made = _validated(problems, where, partial(make, record))
            if made is not None:
                getattr(incoming, kind).append(made)
    _check_references(incoming, problems)
    problems.check()
    return incoming


def _check_references(incoming: Incoming, problems: _Problems) -> None:
    claims = {c["id"] for c in incoming.claims}
    sources = {s["id"] for s in incoming.sources}
    for number, link in enumerate(incoming.links):
        if link["claim"] not in claims:
            problems.add(f"links[{number}]", f"unknown claim {link['claim']!r}")
        if link["source"] not in sources:
            problems.add(f"links[{number}]", f"unknown source {link['source']!r}")
    for kind, records in (("claims", incoming.claims), ("sources", incoming.sources)):
        seen: set[str] = set()
        for number, record in enumerate(records):
            if record["id"] in seen:
                problems.add(f"{kind}[{number}]", f"duplicate ID {record['id']!r}")
            seen.add(record["id"])


def _read_jsonl(raw: bytes, origin: str) -> Incoming:
    records: list[Any] = []
    problems = _Problems(origin)
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, strict_loads(line)))
        except ValueError as exc:
            problems.add(f"line {number}", f"not valid JSON ({exc})")
    problems.check()
    lines = {index: number for index, (number, _) in enumerate(records)}
    return _from_views([r for _, r in records], origin, lambda n: f"line {lines[n]}")


def _from_views(views: list[Any], origin: str, where: Callable[[int], str]) -> Incoming:
    """Claim views (``list``/``export`` JSON Lines): a claim with its links and sources."""
    problems = _Problems(origin)
    incoming = Incoming()
    sources: dict[str, Source] = {}
    for number, view in enumerate(views):
        if not isinstance(view, dict):
            problems.add(where(number), "not an object")
            continue
        if not view.get("id"):
            _row(incoming, problems, where(number), view)
            continue
        claim = _validated(problems, where(number), partial(claim_record, view))
        if claim is None:
            continue
        incoming.claims.append(claim)
        for source in view.get("sources") or []:
            made = _validated(problems, where(number), partial(source_record, source))
            if made is not None:
                sources.setdefault(made["id"], made)
        for link in view.get("links") or []:
            if not isinstance(link, dict):
                problems.add(where(number), "a link is not an object")
                continue
            made = _validated(problems, where(number), partial(link_record, link, claim["id"]))
            if made is None:
                continue
            incoming.links.append(made)
            if made["source"] not in sources and isinstance(link.get("source"), str):
                # A `list` view names the source but does not inline it.
                sources[made["source"]] = source_record(
                    {"id": made["source"], "name": link["source"]}
                )
    incoming.sources = list(sources.values())
    _check_references(incoming, problems)
    problems.check()
    return incoming


def _row(incoming: Incoming, problems: _Problems, where: str, row: Mapping[str, Any]) -> None:
    """A claim given by its fields and its sources' names (a CSV row, a bare JSON line)."""
    claim = _validated(problems, where, lambda: claim_record(row, new_id=True))
    if claim is None:
        return
    try:
        said = _string_list(row.get("said_by"), "said_by")
        reported = _string_list(row.get("reported_by"), "reported_by")
        url = _text(row.get("url"), "url", limit=MAX_SHORT)
    except ClaimtrackError as exc:
        problems.add(where, exc.message)
        return
    incoming.claims.append(claim)
    incoming.anonymous_claims.add(claim["id"])
    for name in said:
        incoming.named_links.append((claim["id"], "said-by", name, None))
    for position, name in enumerate(reported):
        incoming.named_links.append(
            (claim["id"], "reported-by", name, url if position == 0 else None)
        )


def _undefuse(value: str) -> str:
    # Our own CSV export prefixes formula-like cells with ' (see formats.defuse_cell).
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return value[1:]
    return value


def _read_csv(raw: bytes, origin: str) -> Incoming:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidImport(f"{origin} is not UTF-8 text") from None
    sample = text[:4096]
    delimiter = (
        "\t" if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",") else ","
    )
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if reader.fieldnames is None or "text" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InvalidImport(f"{origin} has no 'text' column", "the first row must name columns")
    problems = _Problems(origin)
    incoming = Incoming()
    for row in reader:
        clean = {
            (k or "").strip().lower(): _undefuse(v) if isinstance(v, str) else v
            for k, v in row.items()
        }
        if None in row:
            problems.add(f"line {reader.line_num}", "more cells than columns")
            continue
        record_id = (clean.get("id") or "").strip()
        if record_id:
            # Our own CSV export: a known ID updates that claim.
            claim = _validated(
                problems,
                f"line {reader.line_num}",
                partial(claim_record, {**clean, "notes": None, "quantities": None}),
            )
            if claim is not None:
                incoming.claims.append(claim)
                for relation, key in (("said-by", "said_by"), ("reported-by", "reported_by")):
                    for name in _string_list(clean.get(key), key):
                        incoming.named_links.append((claim["id"], relation, name, None))
            continue
        _row(incoming, problems, f"line {reader.line_num}", clean)
    problems.check()
    return incoming


# -- merging ---------------------------------------------------------------------------------


@dataclass
class Change:
    action: str  # add, update, same
    kind: str  # claim, source, link
    record: dict[str, Any]
    before: dict[str, Any] | None = None

    def label(self) -> str:
        return str(
            self.record.get("text") or self.record.get("name") or self.record.get("relation", "")
        )


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def count(self, action: str, kind: str) -> int:
        return sum(1 for c in self.changes if c.action == action and c.kind == kind)

    def summary(self) -> str:
        parts = []
        for kind in ("claim", "source", "link"):
            counts = [
                f"{self.count(a, kind)} {w}"
                for a, w in (("add", "added"), ("update", "updated"), ("same", "unchanged"))
            ]
            parts.append(f"{kind}s: " + ", ".join(counts))
        if self.events:
            parts.append(f"history events: {len(self.events)} added")
        return "; ".join(parts)

    @property
    def writes(self) -> bool:
        return bool(self.events) or any(c.action != "same" for c in self.changes)


FieldTimes = dict[str, dict[str, str]]
_NOT_MERGED_BY_TIME = {"id", "notes", "aliases", "created", "updated"}


def field_times(events: Iterable[Mapping[str, Any]], targets: set[str]) -> FieldTimes:
    """For each record, when each field was last changed, from a side's history."""
    times: FieldTimes = {}
    for event in events:
        if event["target"] in targets and event.get("after"):
            fields = times.setdefault(event["target"], {})
            for key in event["after"]:
                if event["at"] > fields.get(key, ""):
                    fields[key] = event["at"]
    return times


def _merge(
    local: Mapping[str, Any],
    incoming: Mapping[str, Any],
    local_times: Mapping[str, str] | None = None,
    incoming_times: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Field by field, the side that changed a field last wins (by each side's history;
    by the records' ``updated`` where neither history says). Notes are unioned."""
    local_times = local_times or {}
    incoming_times = incoming_times or {}
    incoming_newer = incoming.get("updated", "") > local.get("updated", "")
    merged = dict(local)
    for key in set(local) | set(incoming):
        if key in _NOT_MERGED_BY_TIME or local.get(key) == incoming.get(key):
            continue
        mine, theirs = local_times.get(key), incoming_times.get(key)
        if (mine is None and theirs is None and incoming_newer) or (theirs or "") > (mine or ""):
            merged[key] = incoming.get(key)
    if merged != local:
        merged["updated"] = max(local.get("updated", ""), incoming.get("updated", ""))
    if isinstance(local.get("notes"), list):  # a claim's notes; a source's are one text
        notes = union(local["notes"], incoming.get("notes", []))
        if len(notes) != len(local["notes"]):
            merged["notes"] = notes
            merged["updated"] = max(local.get("updated", ""), incoming.get("updated", ""))
    if "aliases" in local:
        known = {fold(a) for a in local["aliases"]}
        merged["aliases"] = [
            *local["aliases"],
            *[a for a in incoming.get("aliases", []) if fold(a) not in known],
        ]
    return merged


def _adopt(local: Source, other: Source) -> dict[str, Any]:
    """Another database's record of the same source (matched by name): keep ours, add
    what it knows that we do not, and keep its name as an alias."""
    merged: dict[str, Any] = dict(local)
    for key in ("role", "url", "notes"):
        if not merged.get(key) and other.get(key):
            merged[key] = other[key]
    if merged.get("kind") == "unknown" and other["kind"] != "unknown":
        merged["kind"] = other["kind"]
    known = {fold(n) for n in (local["name"], *local["aliases"])}
    merged["aliases"] = [
        *local["aliases"],
        *[n for n in (other["name"], *other["aliases"]) if fold(n) not in known],
    ]
    return merged


def plan(db: Database, incoming: Incoming) -> Plan:
    result = Plan()
    local_sources: dict[str, Source] = dict(db._raw("sources"))
    local_claims: dict[str, Claim] = db._raw("claims")
    shared = {c["id"] for c in incoming.claims if c["id"] in local_claims} | {
        s["id"] for s in incoming.sources if s["id"] in local_sources
    }
    local_times = field_times(db._raw("events").values(), shared) if shared else {}
    incoming_times = field_times(incoming.events, shared) if shared else {}
    local_links: dict[str, Link] = db._raw("links")
    names = dict(db._names())
    source_map: dict[str, str] = {}
    for source in incoming.sources:
        local_id = source["id"] if source["id"] in local_sources else None
        if local_id is None:
            for name in (source["name"], *source["aliases"]):
                local_id = names.get(fold(name))
                if local_id is not None:
                    break
        if local_id is None:
            result.changes.append(Change("add", "source", dict(source)))
            local_sources[source["id"]] = source
            for name in (source["name"], *source["aliases"]):
                names.setdefault(fold(name), source["id"])
            source_map[source["id"]] = source["id"]
            continue
        source_map[source["id"]] = local_id
        before = local_sources[local_id]
        if local_id == source["id"]:
            merged = _merge(before, source, local_times.get(local_id), incoming_times.get(local_id))
        else:
            merged = _adopt(before, source)
        action = "same" if merged == before else "update"
        result.changes.append(Change(action, "source", merged, dict(before)))
    claim_map: dict[str, str] = {}
    by_text = {(c["text"], c.get("story")): c["id"] for c in local_claims.values()}
    for claim in incoming.claims:
        local_id = claim["id"] if claim["id"] in local_claims else None
        if local_id is None and claim["id"] in incoming.anonymous_claims:
            local_id = by_text.get((claim["text"], claim.get("story")))
        if local_id is None:
            result.changes.append(Change("add", "claim", dict(claim)))
            claim_map[claim["id"]] = claim["id"]
            by_text[(claim["text"], claim.get("story"))] = claim["id"]
            continue
        claim_map[claim["id"]] = local_id
        current = local_claims[local_id]
        if claim["id"] in incoming.anonymous_claims:
            result.changes.append(Change("same", "claim", dict(current), dict(current)))
            continue
        merged = _merge(current, claim, local_times.get(local_id), incoming_times.get(local_id))
        action = "same" if merged == current else "update"
        result.changes.append(Change(action, "claim", merged, dict(current)))
    _plan_links(result, db, incoming, claim_map, source_map, names, local_links)
    known_events = db._raw("events")
    result.events = [e for e in incoming.events if e["id"] not in known_events]
    return result


def _plan_links(
    result: Plan,
    db: Database,
    incoming: Incoming,
    claim_map: Mapping[str, str],
    source_map: dict[str, str],
    names: dict[str, str],
    local_links: Mapping[str, Link],
) -> None:
    triples = {(k["claim"], k["source"], k["relation"]): k for k in local_links.values()}
    positions: dict[tuple[str, str], int] = {}
    for link in local_links.values():
        key = (link["claim"], link["relation"])
        positions[key] = max(positions.get(key, -1), link["position"])
    wanted: list[Link] = [
        {**link, "claim": claim_map[link["claim"]], "source": source_map[link["source"]]}
        for link in incoming.links
    ]
    for claim_id, relation, name, url in incoming.named_links:
        source_id = names.get(fold(name))
        if source_id is None:
            source = source_record({"id": ids.new_id(), "name": name})
            result.changes.append(Change("add", "source", dict(source)))
            source_id = source["id"]
            names[fold(name)] = source_id
        key = (claim_map[claim_id], relation)
        positions[key] = positions.get(key, -1) + 1
        wanted.append(
            link_record(
                {
                    "id": ids.new_id(),
                    "relation": relation,
                    "source": source_id,
                    "url": url,
                    "position": positions[key],
                },
                claim_map[claim_id],
            )
        )
    for link in wanted:
        existing = local_links.get(link["id"]) or triples.get(
            (link["claim"], link["source"], link["relation"])
        )
        if existing is None:
            result.changes.append(Change("add", "link", dict(link)))
            triples[(link["claim"], link["source"], link["relation"])] = link
            continue
        merged = dict(existing)
        for field_name in ("url", "quote", "date", "note"):
            if not merged.get(field_name) and link.get(field_name):
                merged[field_name] = link[field_name]  # type: ignore[literal-required]
        action = "same" if merged == existing else "update"
        result.changes.append(Change(action, "link", merged, dict(existing)))


def apply(db: Database, result: Plan, progress: Callable[[int], None] | None = None) -> None:
    """Carry out a plan in the open (writable) database: one change in its history."""
    tables = {"claim": db.claims, "source": db.sources, "link": db.links}
    added: dict[str, list[str]] = {"claim": [], "source": [], "link": []}
    done = 0
    adds: dict[str, list[dict[str, Any]]] = {"claim": [], "source": [], "link": []}
    for change in result.changes:
        if change.action == "add":
            adds[change.kind].append(change.record)
            added[change.kind].append(change.record["id"])
        elif change.action == "update":
            db._replace(tables[change.kind], change.record)
            db._record("import", change.kind, change.record["id"], change.before, change.record)
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(done)
    for kind, records in adds.items():
        db._insert_many(tables[kind], records)  # one table update per kind, not per record
    listed: dict[str, list[str]] = {k + "s": v for k, v in added.items() if v}
    if result.events:
        # Another database's history comes along; it is listed so that undo knows these
        # are not changes made here (and never tries to revert them one by one).
        listed["events"] = [e["id"] for e in result.events]
    if listed:
        # One event lists everything the import added: an import of 100,000 claims must
        # not double the file with copies of them. Updates keep an event each (their
        # "before" is what undo restores).
        db._record("import", "batch", db.new_change_id(), None, listed)
    db._insert_many(db.events, result.events)
    db._name_index = None
    if progress is not None:
        progress(done)


def plan_records(result: Plan, *, include_same: bool = True) -> Iterable[dict[str, Any]]:
    for change in result.changes:
        if change.action == "same" and not include_same:
            continue
        yield {
            "action": change.action,
            "kind": change.kind,
            "id": change.record["id"],
            "label": change.label(),
        }
