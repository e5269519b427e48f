"""Three-way merge of two versions of a claims database, record by record.

Git calls ``claimtrack merge-driver BASE OURS THEIRS`` when both sides changed the
database file. Records are matched by their stable IDs:

- a record added on either side is kept;
- a field changed on one side takes that side's value; a field changed on both sides
  takes the value of the side whose record was ``updated`` later, and the other value is
  recorded in the history (a ``merge`` event), so nothing is silently lost;
- a claim's notes, a source's aliases and the history are unioned;
- a deletion wins over a record the other side left untouched, but not over one it
  edited (or linked to): that record is kept and flagged (tag ``merge-kept`` and a note
  on claims, a ``merge`` event for all);
- a claim or source one side merged into another (``claimtrack merge``: it is gone, and
  its ID is in the survivor's ``merged`` list) stays merged: what the other side did to
  it lands on the survivor. Its new notes, tags, quantities and aliases are added; a
  field it changed (text, status, role...) is written into a note (a source's notes)
  rather than over the survivor's own; its links move to the survivor, folded into a
  link the survivor has to the same source (claim) in the same relation
  (``claimtrack.merging.fold_link``).

It never writes conflict markers: the result is always a valid database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimtrack import ids
from claimtrack.errors import DatabaseError
from claimtrack.records import Clock, event
from claimtrack.store.fileformat import META, TABLES, Data, dump, empty_data, parse

KEPT_TAG = "merge-kept"
# The action of the marker event that ends the merge's change: ``undo`` passes over it.
GIT_MERGE = "git-merge"
_UNION_LISTS = ("notes", "aliases", "tags", "merged")
# What the other side may have added to a record merged away, added to its survivor
# ("merged": IDs merged into it on that side resolve through the survivor too).
_CARRIED_LISTS = ("notes", "tags", "quantities", "aliases", "merged")
# Fields that are one fact and move together, from one side: a rating belongs to the
# status it was given with (one side's "disputed" + rating and the other's later
# "unverifiable" must not make "unverifiable" with the first rating).
_TOGETHER: dict[str, tuple[tuple[str, ...], ...]] = {"claim": (("status", "rating", "review"),)}


@dataclass
class Report:
    added: int = 0
    merged: int = 0
    conflicts: int = 0
    deleted: int = 0
    kept: list[str] = field(default_factory=list)
    # Records merged away on one side and edited on the other: their edits were carried
    # to the record they were merged into.
    carried: list[str] = field(default_factory=list)

    def summary(self) -> str:
        carried = (
            f", {len(self.carried)} edited after a merge (carried to the survivor)"
            if self.carried
            else ""
        )
        return (
            f"{self.added} added, {self.merged} merged, {self.conflicts} field conflicts "
            f"resolved, {self.deleted} deleted, {len(self.kept)} kept despite deletion"
            f"{carried}"
        )


class Merger:
    def __init__(self, actor: str) -> None:
        self.actor = actor
        self.change = ids.new_id()
        self.events: dict[str, dict[str, Any]] = {}
        self.report = Report()
        self._clock = Clock()
        # Per table: a merged-away record's ID -> the record it was merged into.
        self.redirects: dict[str, dict[str, str]] = {}
        # Per table: (base version, other side's version) of merged-away records edited.
        self._carry: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
        # Records deleted on one side and kept because the other edited them: the side
        # ("ours" or "theirs") whose links they come back with.
        self._kept_on: dict[str, str] = {}

    def _event(
        self, kind: str, target: str, before: Any, after: Any, action: str = "merge"
    ) -> None:
        made = event(
            at=self._clock.now(),
            actor=self.actor,
            change=self.change,
            action=action,
            kind=kind,
            target=target,
            before=before,
            after=after,
        )
        self.events[made["id"]] = dict(made)

    def merge(self, base: Data, ours: Data, theirs: Data) -> Data:
        result: Data = {META: dict(ours.get(META) or theirs.get(META) or base.get(META) or {})}
        for table in ("claims", "sources"):
            self.redirects[table] = {
                old: record_id
                for side in (theirs, ours)
                for record_id, record in side.get(table, {}).items()
                for old in record.get("merged") or ()
            }
            self._carry[table] = []
        for table in ("claims", "sources", "links"):
            result[table] = self._merge_table(
                table, base.get(table, {}), ours.get(table, {}), theirs.get(table, {})
            )
        for table in ("claims", "sources"):
            for old, edited in self._carry[table]:
                self._carry_edits(result, table, old, edited)
        self._follow_merges(result)
        sides = {"ours": ours, "theirs": theirs}
        for record_id, side in self._kept_on.items():
            self._restore_links(result, record_id, sides[side])
        self._keep_linked(result, base, ours, theirs)
        # Last, so that it names the change (``history.Change.action``): undo passes over it.
        self._event("change", self.change, None, None, action=GIT_MERGE)
        events = {**base.get("events", {}), **theirs.get("events", {}), **ours.get("events", {})}
        self._chain(events)
        events.update(self.events)
        result["events"] = events
        for table in TABLES:
            result.setdefault(table, {})
        return result

    def _chain(self, events: Mapping[str, Any]) -> None:
        """Link the merge's events into the history's hash chain (``integrity.chain``):
        the first names the heads of both sides, as a merge commit names both parents,
        and the others follow it. In a database whose chain has not started, they stay
        unlinked: its next change starts the chain over them."""
        from claimtrack.integrity import chain

        links, start = chain.next_links(chain.read_chain(events))
        if start is not None:
            return
        for made in self.events.values():
            made["prev"] = links
            links = [chain.event_hash(made)]

    def _merge_table(
        self,
        table: str,
        base: Mapping[str, Any],
        ours: Mapping[str, Any],
        theirs: Mapping[str, Any],
    ) -> dict[str, Any]:
        kind = table[:-1]
        merged: dict[str, Any] = {}
        for record_id in sorted({*base, *ours, *theirs}):
            old, mine, other = base.get(record_id), ours.get(record_id), theirs.get(record_id)
            if mine is None and other is None:
                if old is not None:
                    self.report.deleted += 1
                continue
            if old is None:
                if mine is None or other is None:
                    self.report.added += 1
                    merged[record_id] = mine if mine is not None else other
                else:
                    merged[record_id] = self._fields(kind, {}, mine, other)
                continue
            if mine is None or other is None:
                survivor: Mapping[str, Any] = mine if mine is not None else other or {}
                if survivor == old:
                    self.report.deleted += 1  # deleted on one side, untouched on the other
                    continue
                if record_id in self.redirects.get(table, {}):
                    self._carry[table].append((old, survivor))  # merged away: see merge()
                    continue
                if table == "links" and self._redirected(survivor):
                    merged[record_id] = dict(survivor)  # ``_follow_merges`` moves it
                    continue
                merged[record_id] = self._flag(kind, survivor)
                self._kept_on[record_id] = "ours" if mine is not None else "theirs"
                continue
            merged[record_id] = self._fields(kind, old, mine, other)
        return merged

    def _fields(
        self, kind: str, old: Mapping[str, Any], mine: Mapping[str, Any], other: Mapping[str, Any]
    ) -> dict[str, Any]:
        if mine == other:
            return dict(mine)
        self.report.merged += 1
        ours_newer = str(mine.get("updated", mine.get("created", ""))) >= str(
            other.get("updated", other.get("created", ""))
        )
        result: dict[str, Any] = {}
        losers: dict[str, Any] = {}
        winners: dict[str, Any] = {}
        keys = sorted({*old, *mine, *other})
        for group in _TOGETHER.get(kind, ()):
            present = [key for key in group if key in keys]
            changed = [
                side
                for side in (mine, other)
                if any(side.get(key) != old.get(key) for key in present)
            ]
            if not changed:
                continue
            # One side's verdict whole: the side that changed it, or the later edit.
            side = changed[0] if len(changed) == 1 else (mine if ours_newer else other)
            loser = other if side is mine else mine
            for key in present:
                keys.remove(key)
                if key in side:
                    result[key] = side[key]
                if len(changed) == 2 and loser.get(key) != side.get(key):
                    losers[key] = loser.get(key)
                    winners[key] = side.get(key)
        for key in keys:
            before, a, b = old.get(key), mine.get(key), other.get(key)
            if key in _UNION_LISTS and isinstance(a, list) and isinstance(b, list):
                result[key] = union(a, b)
            elif a == b or b == before:
                result[key] = a
            elif a == before:
                result[key] = b
            elif key == "updated":
                result[key] = max(str(a), str(b))
            else:
                result[key] = a if ours_newer else b
                losers[key] = b if ours_newer else a
                winners[key] = result[key]
        if losers:
            self.report.conflicts += len(losers)
            self._event(kind, str(result["id"]), losers, winners)
        return result

    def _flag(self, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        kept = dict(record)
        if kind == "claim":
            if KEPT_TAG not in kept.get("tags", []):
                kept["tags"] = [*kept.get("tags", []), KEPT_TAG]
            kept["notes"] = [
                *kept.get("notes", []),
                {
                    "at": self._clock.now(),
                    "author": self.actor,
                    "text": "Kept on merge: deleted on one side, edited on the other. Review it.",
                },
            ]
        self.report.kept.append(str(kept["id"]))
        self._event(kind, str(kept["id"]), None, {"kept": True}, action="merge-kept")
        return kept

    # -- records merged away on one side ----------------------------------------------------

    def _redirected(self, link: Mapping[str, Any]) -> bool:
        return (
            link.get("claim") in self.redirects["claims"]
            or link.get("source") in self.redirects["sources"]
        )

    def _survivor(self, result: Data, table: str, record_id: str) -> str | None:
        """The record in ``result`` that ``record_id`` was merged into (following a
        chain of merges), or None when it is not there."""
        seen = {record_id}
        target = self.redirects[table].get(record_id)
        while target is not None and target not in result[table] and target not in seen:
            seen.add(target)
            target = self.redirects[table].get(target)
        return target if target is not None and target in result[table] else None

    def _carry_edits(
        self, result: Data, table: str, old: Mapping[str, Any], edited: Mapping[str, Any]
    ) -> None:
        """Put on the survivor what one side did to a record the other merged into it:
        list items it added are added; each other field it changed is written down
        (a claim's note, a source's notes), not over the survivor's value. A survivor
        missing from the result keeps the edited record instead, flagged."""
        kind = table[:-1]
        record_id = str(edited["id"])
        target_id = self._survivor(result, table, record_id)
        if target_id is None:
            result[table][record_id] = self._flag(kind, edited)
            return
        target = result[table][target_id]
        after = dict(target)
        for key in _CARRIED_LISTS:
            added = [i for i in edited.get(key) or [] if i not in (old.get(key) or [])]
            if added and isinstance(after.get(key), list):
                after[key] = union(after[key], added)
        changed = [
            f"{key} {edited.get(key)!r}"
            for key in sorted({*old, *edited})
            if key not in (*_CARRIED_LISTS, "updated", "merged") and edited.get(key) != old.get(key)
        ]
        if kind == "source" and edited.get("name") != old.get("name"):
            after["aliases"] = union(after.get("aliases") or [], [edited["name"]])
        if changed:
            text = (
                f"Edited on the other side of a git merge after {kind} {ids.short(record_id)} "
                f"was merged into this one: {'; '.join(changed)}"
            )
            if kind == "claim":
                line = {"at": self._clock.now(), "author": self.actor, "text": text}
                after["notes"] = union(after.get("notes") or [], [line])
            else:
                after["notes"] = f"{after['notes']}\n\n{text}" if after.get("notes") else text
        self.report.carried.append(record_id)
        if after != target:
            after["updated"] = max(str(target.get("updated", "")), str(edited.get("updated", "")))
            result[table][target_id] = after
            changes = {k for k in after if after[k] != target.get(k)}
            self._event(
                kind,
                target_id,
                {k: target.get(k) for k in changes},
                {k: after[k] for k in changes},
            )

    def _follow_merges(self, result: Data) -> None:
        """Links of a claim or source merged away move to its survivor, folded into a
        link the survivor already has for the same source (claim) and relation."""
        from claimtrack.merging import fold_link

        links = result["links"]
        for link_id in sorted(links):
            link = links[link_id]
            claim = self._survivor(result, "claims", link["claim"])
            source = self._survivor(result, "sources", link["source"])
            if (claim is None or link["claim"] in result["claims"]) and (
                source is None or link["source"] in result["sources"]
            ):
                continue
            moved = dict(link)
            if claim is not None and link["claim"] not in result["claims"]:
                moved["claim"] = claim
            if source is not None and link["source"] not in result["sources"]:
                moved["source"] = source
            same = [
                other
                for other in links.values()
                if other["id"] != link_id
                and other["claim"] == moved["claim"]
                and other["relation"] == moved["relation"]
            ]
            twin = next((o for o in same if o["source"] == moved["source"]), None)
            origin = f"link {ids.short(link_id)}"
            if twin is not None:
                folded = fold_link(twin, moved, origin)
                if folded != twin:
                    links[twin["id"]] = folded
                    self._event("link", twin["id"], dict(twin), folded)
                del links[link_id]
                self._event("link", link_id, dict(link), None)
                continue
            if moved["claim"] != link["claim"]:
                moved["position"] = 1 + max((o["position"] for o in same), default=-1)
            links[link_id] = moved
            self._event("link", link_id, dict(link), moved)

    def _restore_links(self, result: Data, record_id: str, side: Data) -> None:
        """A claim or source kept despite its deletion comes back whole: the links it
        has on the side that kept it (claimant, reporters with their URL, snapshot and
        verification) are put back where the deleting side removed them. A source's
        links come back only to claims still there: a claim deleted on purpose is not
        brought back because one of its sources was kept."""
        for link_id, link in side.get("links", {}).items():
            if link_id in result["links"]:
                continue
            if link.get("claim") == record_id or (
                link.get("source") == record_id and link.get("claim") in result["claims"]
            ):
                result["links"][link_id] = dict(link)
                self._event("link", link_id, None, dict(link), action="merge-kept")

    def _keep_linked(self, result: Data, base: Data, ours: Data, theirs: Data) -> None:
        """A claim or source deleted on one side stays if the other side linked to it,
        with its links on that side (``_restore_links``)."""
        pending = list(result["links"].values())
        while pending:
            link = pending.pop(0)
            if link["id"] not in result["links"]:
                continue
            for table, key in (("claims", "claim"), ("sources", "source")):
                target = link[key]
                if target in result[table]:
                    continue
                side = next((v for v in (ours, theirs, base) if target in v.get(table, {})), None)
                if side is not None:
                    result[table][target] = self._flag(table[:-1], side[table][target])
                    if side is not base:
                        before = set(result["links"])
                        self._restore_links(result, target, side)
                        pending += [result["links"][i] for i in set(result["links"]) - before]
                else:
                    result["links"].pop(link["id"], None)  # points at nothing on any side
                    break


def merge_versions(
    base: bytes, ours: bytes, theirs: bytes, actor: str, origins: tuple[Path, Path, Path]
) -> tuple[bytes, Report]:
    """Merge three database files' bytes (the common ancestor, ours, theirs) into the
    bytes of the merged file, and say what happened.

    An empty ancestor means the file was added on both sides (it has no records, so it
    can delete none). ``origins`` name the three in errors; ``actor`` records the merge's
    history events. Raises ``DatabaseError`` (``claimtrack.store.fileformat.parse``) when
    ours or theirs is not a database (empty, whitespace only, truncated, not JSON,
    conflict markers) or the ancestor is not one and not empty: a version that is not a
    database is a conflict to settle by hand, never an instruction to delete every
    record. Nothing is merged then.
    """
    versions: list[Data] = []
    for raw, origin, name in zip(
        (base, ours, theirs), origins, ("the common ancestor", "ours", "theirs"), strict=True
    ):
        if name == "the common ancestor" and raw.strip() == b"":
            versions.append(empty_data())
            continue
        try:
            versions.append(parse(raw, origin))
        except DatabaseError as exc:
            raise DatabaseError(
                f"not merged: {name} is not a claims database ({exc.message}); "
                "nothing was deleted or written",
                "git leaves the file as a conflict: keep the good side with 'git checkout "
                "--ours (or --theirs) -- FILE' and 'git add' it, or restore the broken "
                "version from an earlier commit",
            ) from None
    merger = Merger(actor)
    merged = merger.merge(*versions)
    return dump(merged), merger.report


def union(first: list[Any], second: list[Any]) -> list[Any]:
    """Both lists' items once each; timestamped items (notes) in time order."""
    result = list(first)
    for item in second:
        if item not in result:
            result.append(item)
    if result and all(isinstance(i, dict) and "at" in i for i in result):
        result.sort(key=lambda item: item["at"])
    return result
