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
from functools import partial
from typing import IO, Any

import orjson

from claimtrack.confidential import (
    pseudonym_prefix,
)
from claimtrack.errors import ClaimtrackError
from claimtrack.importing import bundle_stream
from claimtrack.importing.incoming import (
    LINK_ONLY,
    SHEET_FIELDS,
    Incoming,
    InvalidImport,
    Problems,
    SheetRow,
    claim_record,
    event_record,
    link_record,
    pack,
    source_record,
    string_list,
    text_field,
    validated,
)
from claimtrack.importing.shaped import RUNS, SHAPED
from claimtrack.model import (
    MAX_SHORT,
    MAX_TEXT,
    SCHEMA_VERSION,
    Claim,
    Source,
)
from claimtrack.store.fileformat import strict_loads

# The most of an input read to guess its format.
HEAD_LIMIT = 1 << 20
# The longest CSV/TSV cell read: a claim's text, notes or quote at their limit, each
# character up to four bytes written as one.
CELL_LIMIT = 4 * MAX_TEXT
IMPORT_FORMATS = ("json", "jsonl", "csv", "tsv", "claimreview")
BOM = b"\xef\xbb\xbf"


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


def fetch(url: str) -> bytes:
    """The bytes of the page or file at an http(s) ``url``, any media type, fetched under
    the one HTTP policy (``claimtrack.net``: deadline, size cap, no private address
    unless ``$CLAIMTRACK_ALLOW_PRIVATE``). Raises ``ClaimtrackError`` saying why."""
    from claimtrack.net import FetchFailure, HttpPolicy
    from claimtrack.net import fetch as get

    try:
        return get(url, HttpPolicy(types=())).body
    except FetchFailure as failure:
        raise ClaimtrackError(
            f"could not fetch {url}: {failure.message}",
            "check the address, or save the page and import the file",
        ) from None


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
        _take(kind, make, records, counts[kind], incoming, problems)
        counts[kind] += len(records)
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


def _take(
    kind: str,
    make: Callable[[Any], Any],
    records: list[Any],
    start: int,
    incoming: Incoming,
    problems: Problems,
) -> None:
    """Checks a run of a table's records (numbered from ``start``) into ``incoming``: a
    record already in the database's shape (``shaped``) as it is, any other by
    ``make``, which says what is wrong with a bad one."""
    whole = RUNS.get(kind)
    if whole is not None and whole(records):
        for number, record in enumerate(records, start):
            incoming.add_packed(kind, record, f"{kind}[{number}]")
        return
    shaped = SHAPED.get(kind)
    for number, record in enumerate(records, start):
        # ``validated``, inline: this loop runs for every record of the file
        if shaped is not None and type(record) is dict and shaped(record):
            incoming.add_packed(kind, record, f"{kind}[{number}]")
            continue
        try:
            if not isinstance(record, dict):
                raise ClaimtrackError("not an object")
            made = make(record)
        except ClaimtrackError as exc:
            problems.add(f"{kind}[{number}]", exc.message)
            continue
        incoming.add(kind, made, f"{kind}[{number}]")


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
        claim = validated(problems, where, partial(claim_record, view))
        if claim is None:
            continue
        incoming.add("claims", claim, where)
        for source in view.get("sources") or []:
            made = validated(problems, where, partial(source_record, source))
            if made is not None:
                sources.setdefault(made["id"], made)
        for link in view.get("links") or []:
            if not isinstance(link, dict):
                problems.add(where, "a link is not an object")
                continue
            made = validated(problems, where, partial(link_record, link, claim["id"]))
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
    claim = validated(problems, where, lambda: claim_record(row, new_id=True))
    if claim is None:
        return
    try:
        said = string_list(row.get("said_by"), "said_by")
        reported = string_list(row.get("reported_by"), "reported_by")
        evidence = {r: string_list(row.get(r), r) for r in ("supports", "disputes")}
        url = text_field(row.get("url"), "url", limit=MAX_SHORT)
    except ClaimtrackError as exc:
        problems.add(where, exc.message)
        return
    claim = _same_row(incoming, where, claim)
    for name in said:
        incoming.named_links.append((claim["id"], "said-by", name, None))
    for relation in ("supports", "disputes"):
        for name in evidence[relation]:
            incoming.named_links.append((claim["id"], relation, name, None))
    for position, name in enumerate(reported):
        incoming.named_links.append(
            (claim["id"], "reported-by", name, url if position == 0 else None)
        )


def _same_row(incoming: Incoming, where: str, claim: Claim) -> Claim:
    """Adds a claim given without an ID, unless an earlier row gave the same text and
    story: that is the same claim (as it would be matched in the database), so the
    later row's values fill what the earlier left blank, its tags and notes are added,
    and its sources go to that claim (a link named twice is kept once, ``plan``).
    Returns the claim the row's sources go to."""
    key = (claim["text"], claim.get("story"))
    earlier_id = incoming.anonymous_by_text.get(key)
    if earlier_id is None:
        incoming.add("claims", claim, where)
        incoming.anonymous_claims.add(claim["id"])
        incoming.anonymous_by_text[key] = claim["id"]
        return claim
    from claimtrack.git.driver import union

    earlier: Claim = orjson.loads(incoming.claims[earlier_id])
    for name in ("quote", "rating"):
        if earlier[name] is None:
            earlier[name] = claim[name]
    if earlier["status"] == "unverified":
        earlier["status"] = claim["status"]
    earlier["tags"] = union(earlier["tags"], claim["tags"])
    earlier["notes"] = union(earlier["notes"], claim["notes"])
    incoming.claims[earlier_id] = pack(earlier)[1]
    incoming.warnings.append(
        f"{where} repeats the text and story of an earlier row: read as the same claim"
    )
    return earlier


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


def _column(heading: str) -> str:
    key = re.sub(r"[\s_-]+", "_", heading.strip().lower()).strip("_")
    return _COLUMN_NAMES.get(key, _COLUMN_NAMES.get(key.replace("_", ""), key))


def _read_csv(raw: bytes, origin: str, *, tsv: bool = False) -> Incoming:
    """A spreadsheet: CSV with ``,`` ``;`` or tab between cells, or TSV with escapes
    or with quotes (``sheets.rows`` says which)."""
    from claimtrack.importing import sheets

    # Excel's "Unicode Text" is UTF-16 with a byte order mark (tab-separated, quoted).
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    try:
        text = raw.decode("utf-16") if utf16 else raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidImport(
            f"{origin} is not UTF-8 text",
            "save it from the spreadsheet as 'CSV UTF-8' (Excel) or with the UTF-8 "
            "character set (LibreOffice)",
        ) from None
    # A cell may hold a claim as long as a record may (Python's csv stops at 128 KB):
    # what the CSV export writes, import reads back.
    csv.field_size_limit(max(csv.field_size_limit(), CELL_LIMIT))
    rows = sheets.rows(text, tsv=tsv)
    problems = Problems(origin)
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise InvalidImport(f"{origin} is not a readable sheet ({exc})") from None
    columns = [_column(h) for h in header or []]
    if "text" not in columns:
        raise InvalidImport(
            f"{origin} has no column for the claim's text",
            "the first row names the columns; the claim's is called one of: "
            + ", ".join(CLAIM_COLUMN_NAMES),
        )
    incoming = Incoming()
    sheet_fields = frozenset(columns).intersection(SHEET_FIELDS)
    number = 1
    try:
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
            new = validated(problems, where, partial(_new_row, clean))
            if new is not None:
                _row(incoming, problems, where, new)
    except csv.Error as exc:
        problems.add(f"row {number + 1}", f"not readable ({exc})")
    problems.check()
    return incoming


# Columns of claimtrack's sheet that show what a new row cannot say: quantities are
# worked out from a claim, link URLs belong to links.
_SHOWN_ONLY = ("id", "quantities", "urls")


def _new_row(cells: Mapping[str, str]) -> dict[str, Any]:
    """A sheet row without an ID (a claim typed into the sheet) as a claim's fields: a
    blank cell is absent, a timestamp is read as a spreadsheet may have written it,
    a notes cell is one note, and the columns only shown (``_SHOWN_ONLY``) are left
    out."""
    from claimtrack.importing.sheets import sheet_time

    row: dict[str, Any] = {k: v for k, v in cells.items() if v.strip() and k not in _SHOWN_ONLY}
    for key in ("created", "updated"):
        if key in row:
            row[key] = sheet_time(row[key], key)
    if "notes" in row:
        row["notes"] = [row["notes"]]
    return row


def _sheet_row(
    incoming: Incoming,
    problems: Problems,
    where: str,
    row: Mapping[str, str],
    fields: frozenset[str],
) -> None:
    """A row naming a claim by ID (a sheet made by ``export``/``list``): its columns
    are edits to that claim (``SheetRow``); a column the sheet lacks is left alone."""
    from claimtrack.importing.sheets import sheet_time

    data: dict[str, Any] = {k: row[k] for k in ("id", *fields) if k in row}
    exported = None
    # When the sheet was exported, however the spreadsheet rewrote it: what decides
    # whether the database changed a field after it (``plan._sheet_edits``).
    value = (row.get("updated") or "").strip()
    if value:
        exported = validated(problems, where, partial(sheet_time, value, "updated"))
        if exported is None:
            return
        data["updated"] = exported
    claim = validated(problems, where, partial(claim_record, data))
    if claim is None:
        return
    incoming.add("claims", claim, where)
    incoming.sheet[claim["id"]] = SheetRow(fields, exported)
    for relation, key in (("said-by", "said_by"), ("reported-by", "reported_by")):
        try:
            names = string_list(row.get(key), key)
        except ClaimtrackError as exc:
            problems.add(where, exc.message)
            continue
        for name in names:
            incoming.named_links.append((claim["id"], relation, name, None))
