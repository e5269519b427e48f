"""What an import brings in, checked record by record: the records in the database's
shape (``Incoming``, each packed as its JSON line), the checks of a single claim, source,
link or event from another file (each field cleaned by ``claimtrack.records`` as a
command would clean it), and every bad record of one input reported together
(``Problems``). The readers of each format (``read``, ``claimreview``) build on it."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

from claimtrack import ids
from claimtrack.confidential import (
    WITHHELD,
    known_link,
    known_state,
    unknown_source_fields,
)
from claimtrack.errors import ClaimtrackError
from claimtrack.model import (
    MAX_SHORT,
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

MAX_PROBLEMS_SHOWN = 50

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
    # (text, story) -> the claim an earlier row without an ID made: a later row with the
    # same is the same claim (``read._row``)
    anonymous_by_text: dict[tuple[str, str | None], str] = field(default_factory=dict)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    # Source ID -> fields the file does not know (withheld by a redacted export, or a
    # source known only by a link's name): import leaves them as they are here.
    unknown: dict[str, frozenset[str]] = field(default_factory=dict)
    # Claim ID -> a spreadsheet row's edits (a CSV/TSV row with an ID).
    sheet: dict[str, SheetRow] = field(default_factory=dict)
    # Claims read from a ClaimReview (``claimreview``): one already here is left
    # as it is, links and all.
    reviews: set[str] = field(default_factory=set)
    # What the reader said and went on (a web address read as https://), and the
    # records it left out, each with why (a ClaimReview it could not use): ``--strict``
    # refuses an input with any of the latter (``refuse_skipped``).
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, kind: str, record: Mapping[str, Any], where: str) -> None:
        if kind == "sources":
            source = cast(Source, dict(record))
            withheld = unknown_source_fields(source)
            kept = {"name", "aliases", *(("reason", "approved_by") if "sealed" in source else ())}
            for key in withheld - kept:
                source[key] = None  # type: ignore[literal-required]  # never a placeholder
            unknown = withheld | self.unknown.get(source["id"], frozenset())
            if unknown:
                self.unknown[source["id"]] = unknown
            self.sources.append(source)
            return
        if kind == "links":
            record = known_link(record)
        self.add_packed(kind, record, where)

    def add_packed(self, kind: str, record: Mapping[str, Any], where: str) -> None:
        """Adds a claim, link or event as it is: already in the database's shape (made
        by ``claim_record``, ``link_record`` or ``event_record``, or one that would
        come out of them unchanged, ``importing.shaped``) and with nothing withheld."""
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


def refuse_skipped(incoming: Incoming, origin: str) -> None:
    """All or nothing (``import --strict``): raises ``InvalidImport`` listing the
    records the reader left out of ``incoming``, if any."""
    problems = Problems(origin)
    problems.items = list(incoming.skipped)
    problems.check()


def text_field(value: Any, name: str, *, required: bool = False, limit: int = 1_000_000) -> Any:
    if value is None or value == "":
        if required:
            raise ClaimtrackError(f"missing {name}")
        return None
    if not isinstance(value, str):
        raise ClaimtrackError(f"{name} is not text")
    if value.isascii():  # what the cleaners leave of ASCII text (NFC is for the rest)
        text = value.strip()
        if text and len(text) <= limit:
            return text
    return (
        clean_text(value, name, limit=limit)
        if required
        else clean_optional(value, name, limit=limit)
    )


def string_list(value: Any, name: str) -> list[str]:
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
                "author": text_field(item.get("author"), "note author", limit=MAX_SHORT)
                or "unknown",
                "text": text_field(item.get("text"), "note text", required=True),
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
    return clean_story(text_field(value, "story", limit=MAX_STORY))


def claim_record(data: Mapping[str, Any], *, new_id: bool = False) -> Claim:
    created = _stamp(data.get("created"), "created")
    tags = clean_tags(string_list(data.get("tags"), "tags"))
    claim: Claim = {
        "id": ids.new_id() if new_id else _id(data.get("id")),
        "text": text_field(data.get("text"), "text", required=True),
        "quote": text_field(data.get("quote"), "quote"),
        "story": _story(data.get("story")),
        "tags": tags,
        "quantities": _quantities(data.get("quantities")),
        "status": check_status(text_field(data.get("status"), "status", limit=100) or "unverified"),
        "rating": text_field(data.get("rating"), "rating", limit=MAX_SHORT),
        "notes": _notes(data.get("notes"), created),
        "created": created,
        "updated": _stamp(data.get("updated"), "updated", created),
        "author": text_field(data.get("author"), "author", limit=MAX_SHORT) or "import",
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
    record: Source = {
        "id": _id(data.get("id")),
        "name": text_field(data.get("name"), "name", required=True, limit=MAX_SHORT),
        "kind": check_kind(data.get("kind") or "unknown"),
        "role": text_field(data.get("role"), "role", limit=MAX_SHORT),
        "url": text_field(data.get("url"), "url", limit=MAX_SHORT),
        "aliases": clean_aliases(string_list(data.get("aliases"), "aliases")),
        "notes": text_field(data.get("notes"), "notes"),
        "confidential": confidential,
        "reason": text_field(data.get("reason"), "reason", limit=MAX_SHORT),
        "approved_by": text_field(data.get("approved_by"), "approved_by", limit=MAX_SHORT),
        "created": created,
        "updated": _stamp(data.get("updated"), "updated", created),
        "author": text_field(data.get("author"), "author", limit=MAX_SHORT) or "import",
    }
    if confidential and data.get("sealed") is not None:
        # A sealed source (``claimtrack.confidential.sealing``) from a JSON export or backup: its
        # identity comes back as the ciphertext it left as.
        sealed, commitment = data.get("sealed"), data.get("commitment")
        if not (isinstance(sealed, str) and sealed.startswith(SEALED_ARMOR)):
            raise ClaimtrackError("sealed is not an age file")
        if not (isinstance(commitment, str) and _SHA256.fullmatch(commitment)):
            raise ClaimtrackError("commitment is not an HMAC-SHA-256")
        record["sealed"] = sealed  # type: ignore[typeddict-unknown-key]
        record["commitment"] = commitment  # type: ignore[typeddict-unknown-key]
        for key in ("reason", "approved_by"):
            if data.get(key) == WITHHELD:  # what a sealed record keeps: that there is one
                record[key] = WITHHELD
    return record


SEALED_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----"


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
        "url": text_field(data.get("url"), "url", limit=MAX_SHORT),
        "quote": text_field(data.get("quote"), "quote"),
        "date": _link_date(data.get("date")),
        "note": text_field(data.get("note"), "note"),
        "created": _stamp(data.get("created"), "created"),
        "author": text_field(data.get("author"), "author", limit=MAX_SHORT) or "import",
    }


_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def _link_date(value: Any) -> str | None:
    """A link's date (``check_date``, a month or a year allowed), a day as it is
    stored taken as it is: the date parsers are a third of a link's checks."""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            if _dt.date.fromisoformat(value).isoformat() == value:
                return value
        except ValueError:
            pass  # not a day: said as check_date says it
    return check_date(text_field(value, "date", limit=100), partial=True)


def event_record(data: Mapping[str, Any]) -> Event:
    # Field by field, not in loops: an import of 100,000 claims reads 650,000 events.
    event_id, at, action = data.get("id"), data.get("at"), data.get("action")
    kind, target = data.get("kind"), data.get("target")
    if not (
        isinstance(event_id, str)
        and isinstance(at, str)
        and isinstance(action, str)
        and isinstance(kind, str)
        and isinstance(target, str)
    ):
        raise _not_all_text(data)
    before, after = data.get("before"), data.get("after")
    if before is not None and not isinstance(before, dict):
        raise ClaimtrackError("before is not an object")
    if after is not None and not isinstance(after, dict):
        raise ClaimtrackError("after is not an object")
    return {
        "id": _id(event_id),
        "at": at,
        "actor": str(data.get("actor") or "unknown"),
        "change": str(data.get("change") or event_id),
        "action": action,
        "kind": kind,
        "target": target,
        "before": known_state(before),
        "after": known_state(after),
    }


def _not_all_text(data: Mapping[str, Any]) -> ClaimtrackError:
    """The error for an event one of whose identifying fields is not text: the first."""
    key = next(
        k for k in ("id", "at", "action", "kind", "target") if not isinstance(data.get(k), str)
    )
    return ClaimtrackError(f"{key} is missing or not text")


def validated(problems: Problems, where: str, make: Callable[[], Any]) -> Any:
    try:
        return make()
    except ClaimtrackError as exc:
        problems.add(where, exc.message)
        return None
