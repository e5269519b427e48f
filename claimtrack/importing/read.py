"""Import, step one: read a claimtrack export (JSON, JSON Lines) or a CSV sheet.

``read`` and ``read_from`` parse and validate every record and report every bad one
(with its line or index) before anything is written: the result is ``Incoming``,
records in the database's shape, each cleaned by ``claimtrack.records`` as a command
would clean it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, cast

import orjson

from claimtrack import ids
from claimtrack.confidential import (
    WITHHELD,
    known_event,
    known_link,
    pseudonym_prefix,
    unknown_source_fields,
)
from claimtrack.errors import ClaimtrackError
from claimtrack.exporting.formats import tsv_unescape
from claimtrack.importing import bundle_stream
from claimtrack.model import (
    MAX_SHORT,
    MAX_TEXT,
    SCHEMA_VERSION,
    VERIFY_RESULTS,
    Archive,
    Claim,
    Event,
    Link,
    Note,
    Source,
    Verification,
    check_date,
    check_kind,
    check_relation,
    check_review,
    check_status,
    clean_optional,
    clean_text,
    now,
    number_fits,
)
from claimtrack.records import (
    MAX_STORY,
    clean_aliases,
    clean_quantities,
    clean_story,
    clean_tags,
)
from claimtrack.store.fileformat import strict_loads

# The most of an input read to guess its format.
HEAD_LIMIT = 1 << 20
# The longest CSV/TSV cell read: a claim's text, notes or quote at their limit, each
# character up to four bytes written as one.
CELL_LIMIT = 4 * MAX_TEXT
IMPORT_FORMATS = ("json", "jsonl", "csv", "tsv", "claimreview")
MAX_PROBLEMS_SHOWN = 50
BOM = b"\xef\xbb\xbf"


# A checked record as the database will store it: its ID and its JSON line body. An
# import of 100,000 claims holds these (a third of the memory of the parsed records)
# and decodes one at a time where it must look inside.
Packed = tuple[str, bytes]


def pack(record: Mapping[str, Any]) -> Packed:
    # Copied: the bytes orjson returns keep the few kilobytes it allocated to write
    # them, and 500,000 records held as they come took 2 GB instead of 200 MB.
    return record["id"], bytes(memoryview(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)))


@dataclass
class Incoming:
    """Validated records, in database shape, plus references to resolve on merge.
    Claims, links and events are packed (ID -> JSON); sources, few, are kept whole."""

    claims: dict[str, bytes] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    links: dict[str, bytes] = field(default_factory=dict)
    events: dict[str, bytes] = field(default_factory=dict)
    # Claims given without an ID, with the names of their sources: (claim, relation, name, url)
    named_links: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    anonymous_claims: set[str] = field(default_factory=set)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    # Source ID -> fields the file does not know (withheld by a redacted export, or a
    # source known only by a link's name): import leaves them as they are here.
    unknown: dict[str, frozenset[str]] = field(default_factory=dict)
    # Claim ID -> a spreadsheet row's edits (a CSV/TSV row with an ID).
    sheet: dict[str, SheetRow] = field(default_factory=dict)
    # Claims read from a ClaimReview (``import_claimreview``): one already here is left
    # as it is, links and all.
    reviews: set[str] = field(default_factory=set)

    def add(self, kind: str, record: Mapping[str, Any], where: str) -> None:
        if kind == "sources":
            source = cast(Source, dict(record))
            withheld = unknown_source_fields(source)
            for key in withheld - {"name", "aliases"}:
                source[key] = None  # type: ignore[literal-required]  # never a placeholder
            unknown = withheld | self.unknown.get(source["id"], frozenset())
            if unknown:
                self.unknown[source["id"]] = unknown
            self.sources.append(source)
            return
        if kind == "links":
            record = known_link(record)
        table: dict[str, bytes] = getattr(self, kind)
        record_id, body = pack(record)
        if record_id in table:
            self.duplicates.append((where, f"duplicate ID {record_id!r}"))
        else:
            table[record_id] = body


@dataclass(frozen=True, slots=True)
class SheetRow:
    """What a spreadsheet row says about a claim it names by ID: the editable fields
    its columns hold, and the claim's ``updated`` when the sheet was exported (None
    when the sheet has no such column)."""

    fields: frozenset[str]
    exported: str | None


# The claim fields a spreadsheet may edit. Its other columns are read-only: links are
# named (said_by, ...) and only ever added, quantities and notes are shown as text.
SHEET_FIELDS = ("text", "quote", "story", "tags", "status", "rating")


class InvalidImport(ClaimtrackError):
    pass


def guess_format(name: str, head: bytes) -> str:
    """From the file name, else from ``head``: the input up to its first non-blank line."""
    lowered = name.lower()
    for fmt in IMPORT_FORMATS:
        if lowered.endswith("." + fmt):
            return fmt
    if lowered.endswith(".ndjson"):
        return "jsonl"
    if lowered.endswith((".html", ".htm", ".xhtml")):
        return "claimreview"  # a published fact-check's page
    head = head.removeprefix(BOM).lstrip()
    if head[:1] == b"<":
        return "claimreview"
    if lowered.endswith((".jsonld", ".json-ld")):
        return "claimreview"
    if head[:1] == b"{":
        first_line = head.split(b"\n", 1)[0]
        try:
            record = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return "json"
        return "json" if isinstance(record, dict) and "format" in record else "jsonl"
    if head[:1] == b"[":
        return "json"
    return "csv"


def first_line(handle: IO[bytes]) -> bytes:
    """What ``guess_format`` needs of a seekable input, which is left at its start: at
    most ``HEAD_LIMIT`` bytes, so an input without line breaks is not read whole."""
    start = handle.tell()
    head = b""
    while not head.strip() and len(head) < HEAD_LIMIT:
        line = handle.readline(HEAD_LIMIT)
        if not line:
            break
        head += line
    handle.seek(start)
    return head


def read(raw: bytes, fmt: str, origin: str) -> Incoming:
    return read_from(io.BytesIO(raw), fmt, origin)


def read_from(handle: IO[bytes], fmt: str, origin: str) -> Incoming:
    """Records from a seekable input: a JSON export in the layout ``export`` writes is
    read a few thousand records at a time; anything else is read whole."""
    start = handle.tell()
    if handle.read(len(BOM)) != BOM:
        handle.seek(start)
    if fmt == "json":
        return _read_json(handle, origin)
    if fmt == "jsonl":
        return _read_jsonl(handle, origin)
    if fmt in ("csv", "tsv"):
        return _read_csv(_not_empty(handle.read(), origin), origin, tsv=fmt == "tsv")
    if fmt == "claimreview":
        from claimtrack.importing.claimreview import read_claimreview

        return read_claimreview(handle.read(), origin)
    raise ClaimtrackError(f"cannot import format {fmt!r}", "use " + ", ".join(IMPORT_FORMATS))


def _not_empty(raw: bytes, origin: str) -> bytes:
    if not raw or raw.isspace():
        raise InvalidImport(f"{origin} is empty")
    return raw


# -- validation of single records ------------------------------------------------------------


class Problems:
    """Every bad record of one input, reported together (``check``): nothing is
    imported from an input with any."""

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
    return list(clean_quantities(value))


def _story(value: Any) -> str | None:
    return clean_story(_text(value, "story", limit=MAX_STORY))


def claim_record(data: Mapping[str, Any], *, new_id: bool = False) -> Claim:
    created = _stamp(data.get("created"), "created")
    tags = clean_tags(_string_list(data.get("tags"), "tags"))
    claim: Claim = {
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
    review = check_review(data.get("review"))
    if review is not None:
        claim["review"] = review
    return claim


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
        "aliases": clean_aliases(_string_list(data.get("aliases"), "aliases")),
        "notes": _text(data.get("notes"), "notes"),
        "confidential": confidential,
        "reason": _text(data.get("reason"), "reason", limit=MAX_SHORT),
        "approved_by": _text(data.get("approved_by"), "approved_by", limit=MAX_SHORT),
        "created": created,
        "updated": _stamp(data.get("updated"), "updated", created),
        "author": _text(data.get("author"), "author", limit=MAX_SHORT) or "import",
    }


# A source known only by the name a link view gives it: every field but its ID unknown.
LINK_ONLY = frozenset(
    {"name", "kind", "role", "url", "aliases", "notes", "confidential", "reason"}
    | {"approved_by", "created", "updated", "author"}
)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _archive(value: Any) -> Archive | None:
    """A link's snapshot record (``claimtrack.evidence``), checked: its SHA-256 names the
    snapshot's files, so it must be one. A redacted export's (fields withheld) is unknown."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ClaimtrackError("archive is not an object")
    if WITHHELD in value.values():
        return None
    texts = ("at", "requested", "url", "sha256", "text_sha256")
    if not all(isinstance(value.get(k), str) for k in texts) or not all(
        _SHA256.fullmatch(value[k]) for k in ("sha256", "text_sha256")
    ):
        raise ClaimtrackError("archive is not a snapshot record")
    status, wayback = value.get("status"), value.get("wayback")
    if not isinstance(status, int) or isinstance(status, bool):
        raise ClaimtrackError("archive status is not a whole number")
    if wayback is not None and not isinstance(wayback, str):
        raise ClaimtrackError("archive wayback is not a URL")
    archive: Archive = {
        "at": _stamp(value["at"], "archive time"),
        "requested": value["requested"],
        "url": value["url"],
        "status": status,
        "sha256": value["sha256"],
        "text_sha256": value["text_sha256"],
        "wayback": wayback,
    }
    return archive


def _verification(value: Any) -> Verification | None:
    if value is None:
        return None
    status = value.get("status") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or value.get("result") not in VERIFY_RESULTS
        or (status is not None and (not isinstance(status, int) or isinstance(status, bool)))
    ):
        raise ClaimtrackError("verify is not a verify result")
    return {
        "result": value["result"],
        "since": _stamp(value.get("since"), "verify time"),
        "status": status,
    }


def link_record(data: Mapping[str, Any], claim_id: str | None = None) -> Link:
    position = data.get("position", 0)
    if not isinstance(position, int) or not number_fits(position):
        raise ClaimtrackError("position is not a whole number a record can hold")
    link = _link_fields(data, claim_id, position)
    # What ``archive`` and ``verify`` found travels with the link (absent when none).
    archive = _archive(data.get("archive"))
    if archive is not None:
        link["archive"] = archive
        verify = _verification(data.get("verify"))
        if verify is not None:
            link["verify"] = verify
    return link


def _link_fields(data: Mapping[str, Any], claim_id: str | None, position: int) -> Link:
    return {
        "id": _id(data.get("id")),
        "claim": claim_id or _id(data.get("claim"), "claim"),
        "source": _id(data.get("source_id") or data.get("source"), "source"),
        "relation": check_relation(str(data.get("relation") or "")),
        "position": position,
        "url": _text(data.get("url"), "url", limit=MAX_SHORT),
        "quote": _text(data.get("quote"), "quote"),
        "date": check_date(_text(data.get("date"), "date", limit=100), partial=True),
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
    data = known_event(data)
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


def _validated(problems: Problems, where: str, make: Callable[[], Any]) -> Any:
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


def _read_json(handle: IO[bytes], origin: str) -> Incoming:
    start = handle.tell()
    try:
        return _export(bundle_stream.sections(handle), origin)
    except (bundle_stream.NotStreamable, NotAnExport):
        # Not in export's layout, or not valid, or another kind of JSON (ClaimReview
        # JSON-LD): parsed whole, for the same result or the right reader.
        pass
    handle.seek(start)
    return parse_json(_not_empty(handle.read(), origin), origin)


def parse_json(raw: bytes, origin: str) -> Incoming:
    """A JSON export (or a ``list --format json`` output) parsed whole: what reading it
    piece by piece (``bundle_stream``) must give. Raises ``InvalidImport``."""
    data = _load_json(raw, origin)
    from claimtrack.importing import claimreview as import_claimreview

    if import_claimreview.looks_like_claimreview(data):  # JSON-LD: other desks' verdicts
        return import_claimreview.from_json_ld(data, origin)
    if isinstance(data, list):  # a `list --format json` output: claim views
        problems = Problems(origin)
        incoming = _from_views(((f"[{n}]", view) for n, view in enumerate(data)), problems)
        problems.check()
        return incoming
    if not isinstance(data, dict):
        raise _not_an_export(origin)
    return _export(data.items(), origin)


class NotAnExport(InvalidImport):
    """JSON that is not a claimtrack export (nor any other JSON import reads)."""


def _not_an_export(origin: str) -> InvalidImport:
    return NotAnExport(
        f"{origin} is not a claimtrack export",
        "import reads 'claimtrack export' JSON or JSON Lines, or CSV with a text column",
    )


_MAKERS: dict[str, Callable[[Any], Any]] = {
    "sources": source_record,
    "claims": claim_record,
    "links": link_record,
    "events": event_record,
}


def _export(sections: Iterable[tuple[str, Any]], origin: str) -> Incoming:
    """The records of an export's tables, given as (key, value) pairs; a table's key
    may come several times, each with a run of its records."""
    problems = Problems(origin)
    incoming = Incoming()
    others: dict[str, Any] = {}
    counts = dict.fromkeys(_MAKERS, 0)
    for kind, records in sections:
        make = _MAKERS.get(kind)
        if make is None:
            others[kind] = records
            continue
        if not isinstance(records, list):
            problems.add(kind, "not a list")
            continue
        for record in records:
            where = f"{kind}[{counts[kind]}]"
            counts[kind] += 1
            if not isinstance(record, dict):
                problems.add(where, "not an object")
                continue
            made = _validated(problems, where, partial(make, record))
            if made is not None:
                incoming.add(kind, made, where)
        records.clear()  # parsed records go once their checked copies are made
    if others.get("format") != "claimtrack":
        raise _not_an_export(origin)
    version = others.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise InvalidImport(
            f"{origin} has schema version {version!r}; this claimtrack reads up to "
            f"{SCHEMA_VERSION}",
            "upgrade claimtrack",
        )
    _check_references(incoming, problems)
    problems.check()
    return incoming


def _check_references(incoming: Incoming, problems: Problems) -> None:
    for where, what in incoming.duplicates:
        problems.add(where, what)
    sources = {s["id"] for s in incoming.sources}
    for number, body in enumerate(incoming.links.values()):
        link = orjson.loads(body)
        if link["claim"] not in incoming.claims:
            problems.add(f"links[{number}]", f"unknown claim {link['claim']!r}")
        if link["source"] not in sources:
            problems.add(f"links[{number}]", f"unknown source {link['source']!r}")
    seen: set[str] = set()
    for number, source in enumerate(incoming.sources):
        if source["id"] in seen:
            problems.add(f"sources[{number}]", f"duplicate ID {source['id']!r}")
        seen.add(source["id"])


def _read_jsonl(handle: IO[bytes], origin: str) -> Incoming:
    lines = _JsonLines(handle, Problems(origin))
    problems = Problems(origin)
    incoming = _from_views(lines, problems)
    if not lines.seen:
        raise InvalidImport(f"{origin} is empty")
    lines.problems.check()  # lines that are not JSON are reported alone
    problems.check()
    return incoming


class _JsonLines:
    """(where, parsed line) for each non-blank line, read a line at a time."""

    def __init__(self, handle: IO[bytes], problems: Problems) -> None:
        self.handle = handle
        self.problems = problems
        self.seen = False

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for number, line in enumerate(self.handle, start=1):
            if not line.strip():
                continue
            self.seen = True
            try:
                yield f"line {number}", strict_loads(line)
            except ValueError as exc:
                self.problems.add(f"line {number}", f"not valid JSON ({exc})")


def _from_views(views: Iterable[tuple[str, Any]], problems: Problems) -> Incoming:
    """Claim views (``list``/``export`` JSON Lines): a claim with its links and sources."""
    incoming = Incoming()
    sources: dict[str, Source] = {}
    for where, view in views:
        if not isinstance(view, dict):
            problems.add(where, "not an object")
            continue
        if not view.get("id"):
            _row(incoming, problems, where, view)
            continue
        claim = _validated(problems, where, partial(claim_record, view))
        if claim is None:
            continue
        incoming.add("claims", claim, where)
        for source in view.get("sources") or []:
            made = _validated(problems, where, partial(source_record, source))
            if made is not None:
                sources.setdefault(made["id"], made)
        for link in view.get("links") or []:
            if not isinstance(link, dict):
                problems.add(where, "a link is not an object")
                continue
            made = _validated(problems, where, partial(link_record, link, claim["id"]))
            if made is None:
                continue
            incoming.add("links", made, where)
            if made["source"] not in sources and isinstance(link.get("source"), str):
                # A `list` view names the source but does not inline it: nothing else
                # about it is known (a pseudonym says only that it is confidential).
                sources[made["source"]] = source_record(
                    {
                        "id": made["source"],
                        "name": link["source"],
                        "confidential": pseudonym_prefix(link["source"]) is not None,
                    }
                )
                incoming.unknown[made["source"]] = LINK_ONLY
    for source in sources.values():
        incoming.add("sources", source, "")
    _check_references(incoming, problems)
    return incoming


def _row(incoming: Incoming, problems: Problems, where: str, row: Mapping[str, Any]) -> None:
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
    incoming.add("claims", claim, where)
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


# Column headings are matched without regard to case, spaces, hyphens or underscores;
# these other names are accepted for a column (the first of each is claimtrack's).
CLAIM_COLUMN_NAMES = ("text", "claim", "claim_text", "statement", "claimreviewed")
_COLUMN_NAMES = {
    **{name: "text" for name in CLAIM_COLUMN_NAMES},
    "said": "said_by",
    "saidby": "said_by",
    "claimant": "said_by",
    "reportedby": "reported_by",
    "reporter": "reported_by",
    "verdict": "status",
    "tag": "tags",
}
SEPARATORS = (",", ";", "\t")


def _column(heading: str) -> str:
    key = re.sub(r"[\s_-]+", "_", heading.strip().lower()).strip("_")
    return _COLUMN_NAMES.get(key, _COLUMN_NAMES.get(key.replace("_", ""), key))


def _separator(text: str) -> str:
    """The one of ``,`` ``;`` and tab that occurs most in the first row (spreadsheets
    in much of Europe write ``;``, since their decimal mark is ``,``)."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    return max(SEPARATORS, key=header.count)


def _tsv_rows(text: str) -> Iterator[list[str]]:
    for line in text.splitlines():
        if line.strip():
            yield [tsv_unescape(cell) for cell in line.split("\t")]


def _read_csv(raw: bytes, origin: str, *, tsv: bool = False) -> Incoming:
    """A spreadsheet: CSV with ``,`` ``;`` or tab between cells (``_separator``), or
    TSV with escapes (``tsv``, what ``export --format tsv`` writes)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidImport(f"{origin} is not UTF-8 text") from None
    # A cell may hold a claim as long as a record may (Python's csv stops at 128 KB):
    # what the CSV export writes, import reads back.
    csv.field_size_limit(max(csv.field_size_limit(), CELL_LIMIT))
    if tsv:
        rows: Iterator[list[str]] = _tsv_rows(text)
    else:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    header = next(rows, None)
    columns = [_column(h) for h in header or []]
    if "text" not in columns:
        raise InvalidImport(
            f"{origin} has no column for the claim's text",
            "the first row names the columns; the claim's is called one of: "
            + ", ".join(CLAIM_COLUMN_NAMES),
        )
    problems = Problems(origin)
    incoming = Incoming()
    sheet_fields = frozenset(columns).intersection(SHEET_FIELDS)
    for number, cells in enumerate(rows, start=2):
        where = f"row {number}"
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            problems.add(where, "more cells than columns")
            continue
        clean = {k: _undefuse(v) for k, v in zip(columns, cells, strict=False) if k}
        record_id = (clean.get("id") or "").strip()
        if record_id:
            _sheet_row(incoming, problems, where, clean, sheet_fields)
            continue
        _row(incoming, problems, where, clean)
    problems.check()
    return incoming


def _sheet_row(
    incoming: Incoming,
    problems: Problems,
    where: str,
    row: Mapping[str, str],
    fields: frozenset[str],
) -> None:
    """A row naming a claim by ID (a sheet made by ``export``/``list``): its columns
    are edits to that claim (``SheetRow``); a column the sheet lacks is left alone."""
    data: dict[str, Any] = {k: row[k] for k in ("id", *fields) if k in row}
    exported = None
    for key in ("created", "updated"):
        # A spreadsheet may have turned a timestamp into its own date format: then it
        # says nothing, and is left out.
        value = (row.get(key) or "").strip()
        if value and _STAMP.fullmatch(value):
            data[key] = value
            if key == "updated":
                exported = value
    claim = _validated(problems, where, partial(claim_record, data))
    if claim is None:
        return
    incoming.add("claims", claim, where)
    incoming.sheet[claim["id"]] = SheetRow(fields, exported)
    for relation, key in (("said-by", "said_by"), ("reported-by", "reported_by")):
        try:
            names = _string_list(row.get(key), key)
        except ClaimtrackError as exc:
            problems.add(where, exc.message)
            continue
        for name in names:
            incoming.named_links.append((claim["id"], relation, name, None))
