"""Import, step two: compare the records read with the database and plan the merge.

Matching is by ID; sources also by name or alias; claims without an ID (CSV rows) by
identical text and story. A record on both sides takes, field by field, the side that
changed the field last (by each side's history, else by ``updated``), and notes and
links are unioned, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import orjson

from claimtrack import ids
from claimtrack.confidential import Disclosure, is_confidential, pseudonym_prefix
from claimtrack.db import Database
from claimtrack.git.driver import union
from claimtrack.importing.incoming import Incoming, SheetRow, link_record, pack, source_record
from claimtrack.merging import LINK_FIELDS, fold_link
from claimtrack.model import (
    Claim,
    Link,
    Source,
    fold,
    now,
)

# -- merging ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    action: str  # update, same
    kind: str  # claim, source, link
    record: dict[str, Any]
    before: dict[str, Any]

    def label(self, disclosure: Disclosure = Disclosure()) -> str:
        return _label(self.record, disclosure)


def _label(record: Mapping[str, Any], disclosure: Disclosure) -> str:
    if "name" in record:  # a source
        return disclosure.name(record)
    return str(record.get("text") or record.get("relation", ""))


def _compared(kind: str, merged: dict[str, Any], before: Mapping[str, Any]) -> Change:
    action = "same" if merged == before else "update"
    return Change(action, kind, merged, dict(before))


KINDS = ("claim", "source", "link")


@dataclass
class Plan:
    # Records to add, by kind, packed (ID -> JSON): 100,000 claims stay as they came.
    added: dict[str, dict[str, bytes]] = field(default_factory=lambda: {k: {} for k in KINDS})
    changes: list[Change] = field(default_factory=list)  # records on both sides
    events: dict[str, bytes] = field(default_factory=dict)
    folded: list[FoldedLink] = field(default_factory=list)  # links named twice: warnings

    def add(self, kind: str, record_id: str, body: bytes) -> None:
        self.added[kind][record_id] = body

    def count(self, action: str, kind: str) -> int:
        if action == "add":
            return len(self.added[kind])
        return sum(1 for c in self.changes if c.action == action and c.kind == kind)

    def summary(self) -> str:
        parts = []
        for kind in KINDS:
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
        return (
            bool(self.events)
            or any(self.added.values())
            or any(c.action != "same" for c in self.changes)
        )


FieldTimes = dict[str, dict[str, str]]
_NOT_MERGED_BY_TIME = {"id", "notes", "aliases", "created", "updated"}


def field_times(
    events: Iterable[Mapping[str, Any]], targets: set[str], *, by_updated: bool = False
) -> FieldTimes:
    """For each record, when each field was last changed, from a side's history: the
    event's time, or (``by_updated``) the ``updated`` stamp the change gave the record,
    which is what a sheet exported after it shows (the event is a moment later)."""
    times: FieldTimes = {}
    for event in events:
        after = event.get("after")
        if event["target"] in targets and after:
            at = event["at"]
            if by_updated and isinstance(after.get("updated"), str):
                at = after["updated"]
            fields = times.setdefault(event["target"], {})
            for key in after:
                if at > fields.get(key, ""):
                    fields[key] = at
    return times


def _merge(
    local: Mapping[str, Any],
    incoming: Mapping[str, Any],
    local_times: Mapping[str, str] | None = None,
    incoming_times: Mapping[str, str] | None = None,
    unknown: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Field by field, the side that changed a field last wins (by each side's history;
    by the records' ``updated`` where neither history says). Notes are unioned. A field
    in ``unknown`` (withheld by a redacted export) is never taken from ``incoming``."""
    local_times = local_times or {}
    incoming_times = incoming_times or {}
    incoming_newer = incoming.get("updated", "") > local.get("updated", "")
    merged = dict(local)
    for key in set(local) | set(incoming):
        if key in _NOT_MERGED_BY_TIME or key in unknown or local.get(key) == incoming.get(key):
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


def _sheet_edits(
    local: Mapping[str, Any],
    row: Mapping[str, Any],
    sheet: SheetRow,
    local_times: Mapping[str, str] | None,
) -> dict[str, Any]:
    """A spreadsheet row's edits to a claim: a cell that differs from the claim is an
    edit, and is applied, unless the database changed that field after the sheet was
    exported (its history says so, after the row's ``updated``): then the database's
    later change stands. Columns the sheet lacks are left alone, and a cell that is
    only the spreadsheet's rendering of the claim's value (``sheets.same_cell``) is
    no edit."""
    merged = dict(local)
    for key in sheet.fields:
        if _same_value(local.get(key), row.get(key)):
            continue
        changed_here = (local_times or {}).get(key)
        if (
            sheet.exported is not None
            and changed_here is not None
            and changed_here > sheet.exported
        ):
            continue
        merged[key] = row.get(key)
    if merged != local:
        merged["updated"] = now()
    return merged


def _same_value(stored: Any, cell: Any) -> bool:
    from claimtrack.importing.sheets import same_cell

    if isinstance(stored, list) and isinstance(cell, list):  # tags
        return len(stored) == len(cell) and all(map(same_cell, stored, cell))
    if isinstance(stored, (str, type(None))) and isinstance(cell, (str, type(None))):
        return same_cell(stored, cell)
    return bool(stored == cell)


def _adopt(local: Source, other: Source, unknown: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Another database's record of the same source (matched by name): keep ours, add
    what it knows that we do not, and keep its name as an alias (not a pseudonym)."""
    merged: dict[str, Any] = dict(local)
    for key in ("role", "url", "notes"):
        if key not in unknown and not merged.get(key) and other.get(key):
            merged[key] = other[key]
    if "kind" not in unknown and merged.get("kind") == "unknown" and other["kind"] != "unknown":
        merged["kind"] = other["kind"]
    known = {fold(n) for n in (local["name"], *local["aliases"])}
    names = [] if "name" in unknown else [other["name"], *other["aliases"]]
    merged["aliases"] = [*local["aliases"], *[n for n in names if fold(n) not in known]]
    return merged


class _Names(dict[str, str]):
    """Folded name or alias -> source ID: the sources this import makes, which are set
    here, else the database's (``Database.source_named``, the store's one lookup)."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        found = super().get(key)
        if found is None:
            found = self.db.source_named(key)
        return default if found is None else found


@dataclass(frozen=True, slots=True)
class _Histories:
    """When each field of a record both sides hold was last changed: by our history
    (``local``), by the incoming file's (``incoming``), and by the ``updated`` stamps
    our history gave records that come back as spreadsheet rows (``sheet``)."""

    local: FieldTimes
    incoming: FieldTimes
    sheet: FieldTimes


def plan(db: Database, incoming: Incoming) -> Plan:
    result = Plan()
    local_sources: dict[str, Source] = dict(db.store.records("sources"))
    local_claims: dict[str, Claim] = db.store.records("claims")
    shared = {claim_id for claim_id in incoming.claims if claim_id in local_claims} | {
        s["id"] for s in incoming.sources if s["id"] in local_sources
    }
    local_times = field_times(db.store.records("events").values(), shared) if shared else {}
    incoming_times = (
        field_times(map(orjson.loads, incoming.events.values()), shared) if shared else {}
    )
    sheet_shared = shared.intersection(incoming.sheet)
    sheet_times = (
        field_times(db.store.records("events").values(), sheet_shared, by_updated=True)
        if sheet_shared
        else {}
    )
    histories = _Histories(local_times, incoming_times, sheet_times)
    local_links: dict[str, Link] = db.store.records("links")
    names = _Names(db)
    # ClaimReviews of claims that are here are left alone, and so are the sources only
    # their links would cite (our own export coming back adds no source for our desk).
    kept = {claim_id for claim_id in incoming.reviews if claim_id in local_claims}
    cited = {orjson.loads(body)["source"] for body in incoming.links.values()} if kept else set()
    needed = (
        {
            link["source"]
            for link in map(orjson.loads, incoming.links.values())
            if link["claim"] not in kept
        }
        if kept
        else cited
    )
    source_map = _plan_sources(
        result, db, incoming, local_sources, names, histories, left_out=cited - needed
    )
    claim_map, here = _plan_claims(result, incoming, local_claims, histories)
    result.added["claim"] = _taken(incoming.claims, here)
    links = _LinkPlanner(result, local_links, incoming.links, dict(local_sources))
    _plan_links(
        result,
        incoming,
        claim_map,
        source_map,
        names,
        links,
        lambda n: _by_pseudonym(db, n),
        kept,
    )
    known_events = db.store.records("events")
    result.events = _taken(incoming.events, {e for e in incoming.events if e in known_events})
    return result


def _plan_sources(
    result: Plan,
    db: Database,
    incoming: Incoming,
    local_sources: dict[str, Source],
    names: dict[str, str],
    histories: _Histories,
    *,
    left_out: AbstractSet[str],
) -> dict[str, str]:
    """Plans the incoming sources: a source that is here (by ID, by one of its names or
    by its pseudonym) is merged into ours, any other is added (and ``local_sources`` and
    ``names`` learn it, for the sources and links after it); the sources in ``left_out``
    are skipped. Returns incoming ID -> local ID where they differ (a source matched by
    name)."""
    source_map: dict[str, str] = {}
    for source in incoming.sources:
        if source["id"] in left_out:
            continue
        unknown = incoming.unknown.get(source["id"], frozenset())
        local_id = source["id"] if source["id"] in local_sources else None
        if local_id is None:
            for name in (source["name"], *source["aliases"]):
                local_id = names.get(fold(name)) or _by_pseudonym(db, name)
                if local_id is not None:
                    break
        if local_id is None:
            result.add("source", *pack(source))
            local_sources[source["id"]] = source
            for name in (source["name"], *source["aliases"]):
                names.setdefault(fold(name), source["id"])
            continue
        before = local_sources[local_id]
        if local_id == source["id"]:
            merged = _merge(
                before,
                source,
                histories.local.get(local_id),
                histories.incoming.get(local_id),
                unknown,
            )
        else:
            source_map[source["id"]] = local_id
            merged = _adopt(before, source, unknown)
        result.changes.append(_compared("source", merged, before))
    return source_map


def _plan_claims(
    result: Plan,
    incoming: Incoming,
    local_claims: Mapping[str, Claim],
    histories: _Histories,
) -> tuple[dict[str, str], set[str]]:
    """Plans the incoming claims that are here (by ID; a row without one by its text and
    story): a ClaimReview of one, or a row matched by text, changes nothing; a
    spreadsheet row's edits are applied (``_sheet_edits``); any other is merged. Returns
    incoming ID -> local ID where they differ, and the incoming claims that are here
    (the others are added)."""
    claim_map: dict[str, str] = {}
    # Only rows without an ID are matched by text: the table is built only for them.
    by_text = (
        {(c["text"], c.get("story")): c["id"] for c in local_claims.values()}
        if incoming.anonymous_claims
        else None
    )
    here: set[str] = set()  # incoming claims that are already here
    for claim_id, body in incoming.claims.items():
        local_id = claim_id if claim_id in local_claims else None
        if by_text is not None:
            claim = orjson.loads(body)
            text_key = (claim["text"], claim.get("story"))
            if local_id is None and claim_id in incoming.anonymous_claims:
                local_id = by_text.get(text_key)
        if local_id is None:
            if by_text is not None:
                by_text[text_key] = claim_id
            continue
        here.add(claim_id)
        if local_id != claim_id:
            claim_map[claim_id] = local_id
        current = local_claims[local_id]
        if claim_id in incoming.anonymous_claims or claim_id in incoming.reviews:
            # A ClaimReview of a claim that is here (imported before, or our own export
            # coming back) is left as it is, links and all: nothing changes.
            result.changes.append(Change("same", "claim", dict(current), dict(current)))
            continue
        row = incoming.sheet.get(claim_id)
        if row is not None:
            edited = _sheet_edits(current, orjson.loads(body), row, histories.sheet.get(local_id))
            result.changes.append(_compared("claim", edited, current))
            continue
        merged = _merge(
            current,
            orjson.loads(body),
            histories.local.get(local_id),
            histories.incoming.get(local_id),
        )
        result.changes.append(_compared("claim", merged, current))
    return claim_map, here


def _by_pseudonym(db: Database, name: str) -> str | None:
    """The confidential source a pseudonym names ("Confidential source 3f9k2ab", as a
    redacted export or a spreadsheet shows it), if it is here."""
    prefix = pseudonym_prefix(name)
    if prefix is None:
        return None
    found = [
        i
        for i in db.store.ids_with_prefix("sources", prefix)
        if is_confidential(db.store.record("sources", i))
    ]
    return found[0] if len(found) == 1 else None


def _taken(records: dict[str, bytes], leave: set[str]) -> dict[str, bytes]:
    """``records`` without those in ``leave``: the very dict when there are none, so
    that the import of a whole database into an empty one holds its records once."""
    if not leave:
        return records
    return {k: v for k, v in records.items() if k not in leave}


def _plan_links(
    result: Plan,
    incoming: Incoming,
    claim_map: Mapping[str, str],
    source_map: Mapping[str, str],
    names: dict[str, str],
    links: _LinkPlanner,
    by_pseudonym: Callable[[str], str | None],
    kept: AbstractSet[str] = frozenset(),
) -> None:
    positions: dict[tuple[str, str], int] = {}
    for link in links.local.values():
        key: tuple[str, str] = (link["claim"], link["relation"])
        positions[key] = max(positions.get(key, -1), link["position"])
    leave: set[str] = set()  # incoming links that are here already, or repeat another
    for link_id, body in incoming.links.items():
        link = orjson.loads(body)
        claim_id, source_id = link["claim"], link["source"]
        if claim_id in kept:
            leave.add(link_id)
            continue
        remapped = claim_id in claim_map or source_id in source_map
        if remapped:  # to a source or claim known here by another ID
            link["claim"] = claim_map.get(claim_id, claim_id)
            link["source"] = source_map.get(source_id, source_id)
        if not links.plan(link):
            leave.add(link_id)
        elif remapped:
            result.add("link", *pack(link))
    # the file's links are added as they came (the common case: all of them), but for
    # those remapped or folded into (``result.added`` holds them as they now are)
    added = _taken(incoming.links, leave)
    added.update(result.added["link"])
    result.added["link"] = added
    for claim_id, relation, name, url in incoming.named_links:
        source_id = names.get(fold(name)) or by_pseudonym(name)
        if source_id is None:
            source = source_record({"id": ids.new_id(), "name": name})
            result.add("source", *pack(source))
            links.sources[source["id"]] = source
            source_id = source["id"]
            names[fold(name)] = source_id
        key = (claim_map.get(claim_id, claim_id), relation)
        made = link_record(
            {
                "id": ids.new_id(),
                "relation": relation,
                "source": source_id,
                "url": url,
                "position": positions.get(key, -1) + 1,
            },
            key[0],
        )
        if links.plan(made):
            positions[key] = made["position"]
            result.add("link", *pack(made))


def _triple(link: Mapping[str, Any]) -> str:
    # One string, not a tuple of three: a quarter of the memory for 250,000 links.
    return f"{link['claim']}\x00{link['source']}\x00{link['relation']}"


@dataclass(frozen=True, slots=True)
class FoldedLink:
    """A link an import did not add because the claim has one already for the same
    source in the same relation: the file names it twice (``here`` False), or the
    database has it under another ID (``here`` True). ``noted`` are the fields whose
    other value was written into the kept link's note (``merging.fold_link``)."""

    claim: str
    source: Mapping[str, Any]
    relation: str
    here: bool
    noted: tuple[str, ...]

    def warning(self, disclosure: Disclosure = Disclosure()) -> str:
        name = disclosure.name(self.source)
        said = (
            f"the database links claim {ids.short(self.claim)} to {name} as {self.relation} "
            "already; the imported link was merged into it"
            if self.here
            else f"the import links claim {ids.short(self.claim)} to {name} as "
            f"{self.relation} twice; one link kept"
        )
        if self.noted:
            said += f" (the other {', '.join(self.noted)} written in its note)"
        return said


class _LinkPlanner:
    """Decides, link by link, whether an incoming link is new: one link per claim,
    source and relation. A link that is here (by ID) takes the fields it lacks from the
    incoming one; one that repeats a link here or one this import adds is folded into
    it (``merging.fold_link``) and noted in the plan's ``folded``, for a warning."""

    def __init__(
        self,
        result: Plan,
        local: Mapping[str, Link],
        incoming: Mapping[str, bytes],
        sources: dict[str, Mapping[str, Any]],
    ) -> None:
        self.result = result
        self.incoming = incoming
        self.local = local
        self.sources = sources
        # claim, source and relation -> the ID of the link that joins them, here or added
        self.triples: dict[str, str] = {_triple(k): k["id"] for k in local.values()}
        self.changed: dict[str, Change] = {}  # local links this import changes, by ID

    def plan(self, link: Mapping[str, Any]) -> bool:
        """True if ``link`` is new (the caller adds it); else it is folded."""
        same_id = self.local.get(link["id"])
        if same_id is not None:  # the same link, from another copy of this database
            merged = dict(same_id)
            for field_name in LINK_FIELDS:
                if not merged.get(field_name) and link.get(field_name):
                    merged[field_name] = link[field_name]
            self._change(same_id, merged)
            return False
        triple = _triple(link)
        kept_id = self.triples.get(triple)
        if kept_id is None:
            self.triples[triple] = link["id"]
            return True
        here = kept_id in self.local
        kept = self._current(kept_id)
        noted = tuple(
            k for k in LINK_FIELDS if link.get(k) not in (None, kept.get(k)) and kept.get(k)
        )
        # the origin names no ID: a CSV's links are made anew by each import, and the
        # same file imported again must change nothing
        folded = fold_link(kept, link, "imported link")
        if here:
            self._change(self.local[kept_id], folded)
        else:
            self.result.add("link", *pack(folded))
        if not here or (noted and folded != kept):
            source = self.sources.get(link["source"]) or {"name": link["source"]}
            self.result.folded.append(
                FoldedLink(link["claim"], source, link["relation"], here, noted)
            )
        return False

    def _current(self, link_id: str) -> dict[str, Any]:
        change = self.changed.get(link_id)
        if change is not None:
            return change.record
        if link_id in self.local:
            return dict(self.local[link_id])
        body = self.result.added["link"].get(link_id) or self.incoming[link_id]
        return dict(orjson.loads(body))

    def _change(self, before: Link, after: dict[str, Any]) -> None:
        change = self.changed.get(before["id"])
        if change is None:
            change = self.changed[before["id"]] = _compared("link", after, before)
            self.result.changes.append(change)
        else:
            change.record = after
            change.action = "same" if after == change.before else "update"


def plan_records(
    result: Plan, *, include_same: bool = True, disclosure: Disclosure = Disclosure()
) -> Iterable[dict[str, Any]]:
    """Each change, kind by kind: what is added, then what is on both sides, as
    ``{"action": "add" | "update" | "same", "kind", "id", "label"}``; a source's label
    is its name as ``disclosure`` may show it (a confidential one's pseudonym)."""
    for kind in KINDS:
        for record_id, body in result.added[kind].items():
            yield _planned("add", kind, record_id, _label(orjson.loads(body), disclosure))
        for change in result.changes:
            if change.kind != kind or (change.action == "same" and not include_same):
                continue
            yield _planned(
                change.action, kind, change.record["id"], _label(change.record, disclosure)
            )


def _planned(action: str, kind: str, record_id: str, label: str) -> dict[str, Any]:
    return {"action": action, "kind": kind, "id": record_id, "label": label}
