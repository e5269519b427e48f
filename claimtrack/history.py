"""The change history: reading it (``log``) and walking it back (``undo``, ``redo``).

Every command that changes the database records its events under one change ID. ``undo``
reverts the newest change that is not undone yet, by applying each event's inverse, and
records that as a change of its own (action ``undo``, with a marker event naming the
change it undid), so that ``redo`` can revert the undo in turn. Events are never edited
or removed.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from claimtrack import ids
from claimtrack.confidential import Disclosure, opened_event, withhold_event
from claimtrack.db import Database
from claimtrack.errors import ClaimtrackError, NotFound
from claimtrack.model import Event, local_time

if TYPE_CHECKING:
    from claimtrack.store.timeline import IndexedHistory

REVERSING = ("undo", "redo")
# The git merge driver's change (``git.driver.GIT_MERGE``): it joins two
# histories, each of whose changes undo reverts on its own, in order; the join itself
# is git's to undo (``git reset --hard ORIG_HEAD`` before pushing, ``git revert -m 1``).
PASSED_OVER = ("git-merge",)
# What a change's summary calls an event's kind, where it is not the kind itself.
NOUNS = {"recipients": "recipients file"}
# Events the hash chain writes into a command's change (``integrity.chain``): the start
# of the chain in an older database, and the vouching for sealed source events. They
# name no change of their own.
CHAIN_ACTIONS = ("chain", "rewrite")


@dataclass
class Change:
    """One command's worth of events."""

    id: str
    events: list[Event] = field(default_factory=list)

    @property
    def at(self) -> str:
        return self.events[-1]["at"]

    @property
    def action(self) -> str:
        for event in reversed(self.events):
            if event["action"] not in CHAIN_ACTIONS:
                return str(event["action"])
        return self.events[-1]["action"]

    @property
    def actor(self) -> str:
        return self.events[-1]["actor"]

    @property
    def reverses(self) -> str | None:
        """For an undo or redo change, the change it reverted."""
        for event in self.events:
            if event["kind"] == "change" and event["action"] in REVERSING:
                return event["target"]
        return None

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for event in self.events:
            if event["kind"] == "batch":
                for kind, members in (event["after"] or {}).items():
                    kinds[kind.rstrip("s")] = kinds.get(kind.rstrip("s"), 0) + len(members)
            elif event["kind"] != "change":
                noun = NOUNS.get(event["kind"], event["kind"])
                kinds[noun] = kinds.get(noun, 0) + 1
        counted = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items()))
        return f"{self.action} by {self.actor} at {local_time(self.at)} ({counted})"


def imported_events(db: Database) -> set[str]:
    """Events that imports brought in from other databases' histories."""
    from claimtrack.integrity.chain import imported

    return imported(db.store.records("events").values())


def changes(db: Database) -> list[Change]:
    """The changes made in this database, oldest first (ordered by their last event).

    History imported from another database is not among them: it was undone or redone
    there, and here it came in as part of the import that brought it.
    """
    foreign = imported_events(db)
    grouped: dict[str, Change] = {}
    for event in db.event_list():
        if event["id"] not in foreign:
            grouped.setdefault(event["change"], Change(event["change"])).events.append(event)
    return sorted(grouped.values(), key=lambda c: (c.at, c.id))


def _undone(all_changes: Sequence[Change]) -> set[str]:
    """Changes whose effect is currently reverted.

    Applying an undo or a redo reverts its target; reverting an undo or a redo (a redo
    reverts an undo, an undo may revert a redo) puts its own target back in effect.
    So after "undo C, redo" C is in effect again and the next undo reverts C.
    """
    target_of = {change.id: change.reverses for change in all_changes}
    reverted: set[str] = set()

    def set_reverted(change_id: str, value: bool) -> None:
        while True:
            if value:
                reverted.add(change_id)
            else:
                reverted.discard(change_id)
            target = target_of.get(change_id)
            if target is None:
                return
            # A reversing change in effect keeps its target reverted, and one reverted
            # no longer does.
            change_id, value = target, not value

    for change in all_changes:  # oldest first
        if change.reverses is not None:
            set_reverted(change.reverses, True)
    return reverted


def next_undo(db: Database) -> Change:
    all_changes = changes(db)
    reverted = _undone(all_changes)
    for change in reversed(all_changes):
        if change.action in PASSED_OVER:
            continue
        if change.action not in REVERSING and change.id not in reverted:
            return change
    raise ClaimtrackError("nothing to undo")


def next_redo(db: Database) -> Change:
    all_changes = changes(db)
    reverted = _undone(all_changes)
    for change in reversed(all_changes):
        if change.action == "undo" and change.id not in reverted:
            return change
        if change.action not in REVERSING:
            break  # a new change after an undo ends what can be redone
    raise ClaimtrackError("nothing to redo", "redo follows an undo, before any other change")


def restored_by(db: Database, redo: Change) -> Change:
    """The change a redo puts back: the one its undo reverted (``redo`` itself when
    that is not found, as in a history brought in by import)."""
    target = redo.reverses
    for change in changes(db):
        if change.id == target:
            return change
    return redo


def revert(db: Database, change: Change, action: str) -> list[tuple[str, str, str]]:
    """Apply the inverse of every event of ``change``, newest first.

    Returns (what happened, kind, ID) for each record touched. Nothing is saved if any
    step fails, because the caller's write block then ends with an error.
    """
    done: list[tuple[str, str, str]] = []
    broken = set(db.structural_problems())
    for event in reversed(change.events):
        kind = event["kind"]
        if kind == "change":
            continue
        if kind == "batch":
            for plural, members in (event["after"] or {}).items():
                if plural not in ("claims", "sources", "links"):
                    continue  # imported history stays: the history is append-only
                for record_id in reversed(members):
                    done.append(_remove(db, plural.rstrip("s"), record_id, action))
            continue
        if kind == "recipients":  # the recipients file (``keys add``, ``keys rm``)
            done.append(db.revert_recipients(event, action))
            continue
        before, after = event["before"], event["after"]
        if before is None and after is not None:
            done.append(_remove(db, kind, event["target"], action))
        elif before is not None and after is None:
            done.append(_restore(db, kind, before, action))
        elif before is not None:
            done.append(_revise(db, kind, event["target"], before, after, action))
    done += _follow_merges(db, action, broken)
    db.record_event(action, "change", change.id, None, None)
    return done


def _follow_merges(db: Database, action: str, broken: set[str]) -> list[tuple[str, str, str]]:
    """After a revert: a link it left pointing at a claim (source) merged into another
    since (on this machine or another branch, met in a git merge) is moved to the
    survivor; any other new inconsistency stops the undo (``ClaimtrackError``: nothing
    is saved). ``broken``: the problems there were before."""
    done: list[tuple[str, str, str]] = []
    for problem in db.structural_problems():
        if problem in broken:
            continue
        link_id = problem.split()[1] if problem.startswith("links: ") else None
        link = db.link_by_id(link_id) if link_id else None
        if link is None:
            raise ClaimtrackError(
                f"cannot {action}: it would leave the database inconsistent ({problem})"
            )
        was: dict[str, Any] = dict(link)
        moved = dict(was)
        for table, key in (("claims", "claim"), ("sources", "source")):
            if db.record_of(key, was[key]) is None:
                survivor = db.merged_into(table, was[key])
                if survivor is None:
                    raise ClaimtrackError(
                        f"cannot {action}: link {ids.short(was['id'])} would point at a "
                        f"{key} that no longer exists ({ids.short(was[key])})",
                        "its changes since were made on top of this one; undo them first",
                    )
                moved[key] = survivor
        if moved != was:
            db.put_record("link", moved)
            db.record_event(action, "link", was["id"], was, moved)
            done.append(("moved to the survivor", "link", was["id"]))
    return done


def _remove(db: Database, kind: str, record_id: str, action: str) -> tuple[str, str, str]:
    current = db.record_of(kind, record_id)
    if current is None:
        raise ClaimtrackError(f"cannot {action}: {kind} {ids.short(record_id)} no longer exists")
    db.remove_record(kind, record_id)
    db.record_event(action, kind, record_id, current, None)
    return ("removed", kind, record_id)


def _restore(
    db: Database, kind: str, record: Mapping[str, Any], action: str
) -> tuple[str, str, str]:
    if db.record_of(kind, record["id"]) is not None:
        raise ClaimtrackError(f"cannot {action}: {kind} {ids.short(record['id'])} exists again")
    db.add_record(kind, record)
    db.record_event(action, kind, record["id"], None, record)
    return ("restored", kind, record["id"])


def _last_deleted(db: Database, record_id: str) -> dict[str, Any] | None:
    """The record ``record_id`` as its last deletion recorded it whole, or None."""
    for event in reversed(db.event_list()):
        if event["target"] == record_id and event["after"] is None and event["before"]:
            return dict(event["before"])
    return None


def _revise(
    db: Database,
    kind: str,
    record_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any] | None,
    action: str,
) -> tuple[str, str, str]:
    """Change back what the event changed (``before`` -> ``after``), three ways: a field
    still as the event left it gets its old value; in a list changed since (a note
    added later, a merge's items from another branch), only the items the event added
    are taken out and the ones it removed put back; a field changed since keeps its
    newer value. A claim (source) merged into another since, on this machine or on
    another branch met in a git merge, is changed back on its survivor, in its lists
    only (its own fields are not the survivor's)."""
    current = db.record_of(kind, record_id)
    merged_away = False
    if current is None and kind in ("claim", "source"):
        survivor = db.merged_into(f"{kind}s", record_id)
        current = db.record_of(kind, survivor) if survivor else None
        merged_away = current is not None
    if current is None and kind == "link":
        # Deleted since (folded into a twin by a git merge, say): it comes back as it
        # was when deleted, with this event's change reverted.
        last = _last_deleted(db, record_id)
        if last is not None:
            return _restore(db, kind, {**last, **before}, action)
    if current is None:
        raise ClaimtrackError(f"cannot {action}: {kind} {ids.short(record_id)} no longer exists")
    restored = dict(current)
    for key, old in before.items():
        new = (after or {}).get(key)
        now = current.get(key)
        if (now == new or key not in current) and not merged_away:
            restored[key] = old
        elif isinstance(now, list) and isinstance(old or [], list) and isinstance(new or [], list):
            added = [item for item in new or [] if item not in (old or [])]
            removed = [item for item in old or [] if item not in (new or [])]
            items = [item for item in now if item not in added]
            items += [item for item in removed if item not in items]
            restored[key] = None if old is None and not items else items
        # else: changed since, by a later change or on another branch: the newer value
        # stays (and a merged-away record's own fields are not its survivor's).
    if restored == current:
        return ("unchanged", kind, current["id"])
    db.put_record(kind, restored)
    db.record_event(action, kind, current["id"], current, restored)
    return ("changed back", kind, current["id"])


# -- reading the history ---------------------------------------------------------------------


def resolve_target(db: Database, prefix: str) -> str:
    """A claim, source, link or change ID (or prefix), including deleted records."""
    wanted = prefix.strip().lower()
    if not wanted:
        return ids.resolve(prefix, (), "record or change")  # says no ID was given
    known: set[str] = set()
    for table in ("claims", "sources", "links"):
        known.update(db.store.ids_with_prefix(table, wanted))
    if wanted in known:  # a whole ID is taken as it is (``ids.resolve``)
        return wanted
    # IDs are lower-case base32: an event naming one that starts with the prefix holds
    # the prefix in its JSON.
    for event, _ in _events(db, _any_of([wanted])):
        known.add(event["target"])
        known.add(event["change"])
    return ids.resolve(prefix, known, "record or change")


def _related(db: Database, record_id: str) -> tuple[set[str], set[str]]:
    """The record itself, the records merged into it (``claimtrack.merging``) and the
    links that connect it, past and present; and, when it is a change, the records
    that change touched."""
    related = {record_id}
    for table in ("claims", "sources"):
        record = db.store.record(table, record_id)
        if record is not None:
            related.update(record.get("merged") or ())
    related.update(link["id"] for link in db.links_of_claim(record_id))
    related.update(link["id"] for link in db.links_of_source(record_id))
    touched: set[str] = set()
    for event, _ in _events(db, _any_of([record_id])):
        if event["change"] == record_id:
            touched.add(event["target"])
        if event["kind"] == "link":
            for state in (event["before"], event["after"]):
                if state and record_id in (state.get("claim"), state.get("source")):
                    related.add(event["target"])
    return related, touched


@dataclass
class History:
    """The events a ``log`` shows, oldest first, as (time, ID, event or its JSON); how
    many there are in all; and the records whose history is withheld without --reveal."""

    chosen: list[tuple[str, str, Event | bytes]]
    total: int
    protected: set[str]
    reveal: bool = False

    def events(self, *, newest_first: bool = False) -> Iterator[Event]:
        """Each parsed as it is wanted, and withheld where it must be; with --reveal, a
        sealed source's states opened for a recipient (``confidential.opened_event``)."""
        for _, _, item in reversed(self.chosen) if newest_first else self.chosen:
            event: Event = orjson.loads(item) if isinstance(item, bytes) else item
            if event["target"] in self.protected:
                yield withhold_event(event)
            elif self.reveal and event["kind"] == "source":
                yield opened_event(event)
            else:
                yield event

    def views(self, name: Callable[[str], str] | None = None) -> Iterator[dict[str, Any]]:
        """As ``log`` shows them: newest first, each with its summary (``summarise``,
        naming sources with ``name``)."""
        for event in self.events(newest_first=True):
            yield {**event, "summary": summarise(event, name)}


def read_history(
    db: Database, record_id: str | None = None, *, newest: int | None = None, reveal: bool
) -> History:
    """The history of the database, or of one record or change: its ``newest`` events
    (all, if None) and what to withhold, in one pass over the events (two for a record).

    On a large file read through its index, events are read from the file a few
    megabytes at a time and only the ones kept are held, as their JSON; for one record,
    only events that mention it (or a link of it, or a source) are parsed at all.
    """
    indexed = db.store.indexed_history() if record_id is None and newest is not None else None
    if indexed is not None and newest is not None:
        return _newest(db, indexed, newest, reveal)
    hidden = Disclosure(reveal).hidden(db.store.records("sources"))
    link_sources: dict[str, set[str]] = {}
    related: set[str] = set()
    needle = None
    if record_id is not None:
        related, touched = _related(db, record_id)
        # The events shown name one of these; the events of every source, and all
        # events of the links shown, tell what to withhold.
        needle = _any_of(sorted(related | touched), b'"kind":"source"')
    chosen: list[tuple[str, str, Event | bytes]] = []
    total = 0
    for event, item in _events(db, needle):
        if not reveal:
            state = event["after"] or event["before"] or {}
            if event["kind"] == "source" and state.get("confidential"):
                hidden.add(event["target"])
            elif event["kind"] == "link" and state.get("source"):
                link_sources.setdefault(event["target"], set()).add(state["source"])
        if record_id is not None and not (
            event["target"] in related
            or event["change"] == record_id
            or (
                event["kind"] == "batch"
                and any(record_id in members for members in (event["after"] or {}).values())
            )
        ):
            continue
        total += 1
        entry = (event["at"], event["id"], item)
        if newest is None:
            chosen.append(entry)
        elif len(chosen) < newest:
            heapq.heappush(chosen, entry)
        elif newest and entry > chosen[0]:
            heapq.heapreplace(chosen, entry)
    chosen.sort()
    protected = set()
    if hidden:
        protected = hidden | _links_of_sources(db, hidden)
        protected.update(link for link, cited in link_sources.items() if cited & hidden)
    return History(chosen, total, protected, reveal)


def _newest(db: Database, indexed: IndexedHistory, newest: int, reveal: bool) -> History:
    """``read_history`` of the newest events through the index: the same events and
    the same withholding, from the events' rows and the confidential sources' records
    (``store.timeline``), reading only the events shown."""
    chosen, total = indexed.newest(newest)
    hidden = Disclosure(reveal).hidden(indexed.confidential_sources())
    if not reveal:
        hidden |= indexed.secret_in_history()
    protected: set[str] = set()
    if hidden:
        protected = hidden | _links_of_sources(db, hidden)
        if not reveal:
            protected |= indexed.links_citing(hidden)
    return History(list[tuple[str, str, Event | bytes]](chosen), total, protected, reveal)


def _any_of(record_ids: Iterable[str], *marks: bytes) -> re.Pattern[bytes]:
    return re.compile(b"|".join([*(re.escape(i.encode()) for i in record_ids), *marks]))


def _events(
    db: Database, needle: re.Pattern[bytes] | None
) -> Iterator[tuple[Event, Event | bytes]]:
    """Every event and what to keep of it (``Snapshot.scan_events``)."""
    return db.store.scan_events(needle)


def _links_of_sources(db: Database, sources: set[str]) -> set[str]:
    return db.store.links_citing_any(sources)


def _short_value(value: Any, width: int = 50) -> str:
    """A field's value on one line: lists joined, ``-`` for nothing, long text cut at
    ``width`` characters with an ellipsis."""
    if value is None or value == []:
        return "-"
    if isinstance(value, list):
        value = ", ".join(_item(v) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _item(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text", value))
    return str(value)


# A new value is shown up to this many characters (a note, a new claim text): the old
# one, which the record no longer holds, at most 50.
NEW_VALUE_WIDTH = 200


def summarise(event: Mapping[str, Any], name: Callable[[str], str] | None = None) -> str:
    """One line a person reads for ``log``: "added claim: ...", "note added: ...",
    "linked Associated Press as reported-by to claim 6fmxk1p", "status: unverified ->
    checking". ``name`` shows a source ID as its name or pseudonym (without it: "source"
    and the short ID). Withheld fields read as withheld."""
    before, after = event["before"], event["after"]
    kind = event["kind"]
    if kind == "change":
        target = ids.short(event["target"])
        if event["action"] == "redo":
            return f"redo: reverted undo {target}"
        if event["action"] in PASSED_OVER:
            return "git merge of two versions of the database (undo passes over it)"
        if event["action"] == "chain":
            count = (after or {}).get("events", 0)
            return f"hash chain started, covering the {_count(count, 'older event')}"
        if event["action"] == "rewrite":
            rewritten = after.get("rewritten") if isinstance(after, dict) else None
            count = len(rewritten) if isinstance(rewritten, dict) else 0
            return f"sealed source states in {_count(count, 'past event')} (vouched in the chain)"
        return f"{event['action']}: reverted change {target}"
    if kind == "batch":
        counts = ", ".join(_count(len(v), k.rstrip("s")) for k, v in (after or {}).items())
        return f"imported {counts}"
    if kind == "link":
        return _summarise_link(event, name)
    if kind == "recipients":
        return f"recipients: {_holders(before)} \u2192 {_holders(after)}"
    state = after or before or {}
    label = ""
    for key in ("text", "name"):
        if state.get(key):
            label = _short_value(state[key], NEW_VALUE_WIDTH if after else 50)
            break
    if before is None:
        return f"added {kind}: {label}"
    if after is None:
        return f"deleted {kind}: {label}"
    return _changes(before, after) or "no visible change"


def _holders(state: Mapping[str, Any] | None) -> str:
    """Who a recipients file's text (a "recipients" event's state) lists: each key's
    holder (its comment), else its kind; "none" for no one."""
    text = (state or {}).get("file") or ""
    held = []
    for line in (line.strip() for line in str(text).splitlines()):
        if line and not line.startswith("#"):
            words = line.split()
            comment = words[1:] if words[0].startswith("age1") else words[2:]
            held.append(" ".join(comment) or words[0].split("1", 1)[0])
    return ", ".join(held) or "none"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    parts = []
    for key in after:
        if key == "updated":
            continue
        old, new = before.get(key), after.get(key)
        if key in ("notes", "tags", "aliases") and isinstance(old, list) and isinstance(new, list):
            parts += _list_changes(key, old, new)
        elif key == "quantities" and isinstance(new, list):
            parts.append(f"quantities: {_quantities(old)} \u2192 {_quantities(new)}")
        else:
            shown = _short_value(new, NEW_VALUE_WIDTH)
            parts.append(f"{key}: {_short_value(old)} \u2192 {shown}")
    return "; ".join(parts)


_SINGULAR = {"notes": "note", "tags": "tag", "aliases": "alias"}


def _list_changes(key: str, old: list[Any], new: list[Any]) -> list[str]:
    """ "note added: ..." for each item added, "tag removed: ..." for each removed."""
    noun = _SINGULAR[key]
    gone = [item for item in old if item not in new]
    added = [item for item in new if item not in old]
    return [f"{noun} removed: {_short_value(_item(i))}" for i in gone] + [
        f"{noun} added: {_short_value(_item(i), NEW_VALUE_WIDTH)}" for i in added
    ]


def _quantities(value: Any) -> str:
    if not isinstance(value, list) or not value:
        return "-"
    from claimtrack.model import describe_quantity

    return "; ".join(describe_quantity(q) if isinstance(q, dict) else str(q) for q in value)


def _summarise_link(event: Mapping[str, Any], name: Callable[[str], str] | None) -> str:
    before, after = event["before"], event["after"]
    state = after or before or {}
    if before is not None and after is not None and not state.get("source"):
        # A change to a link records only the fields that changed.
        changed = _changes(before, after)
        return f"link {ids.short(event['target'])}: {changed or 'no visible change'}"
    source = state.get("source") or ""
    shown = name(source) if name else f"source {ids.short(source)}"
    claim = f"claim {ids.short(state.get('claim') or '')}"
    relation = state.get("relation") or "link"
    if before is None:
        return f"linked {shown} as {relation} to {claim}"
    if after is None:
        return f"unlinked {shown} ({relation}) from {claim}"
    changed = _changes(before, after)
    return f"link to {shown} ({relation}): {changed or 'no visible change'}"


def require_known(db: Database, prefix: str) -> str:
    try:
        return resolve_target(db, prefix)
    except NotFound:
        raise NotFound(f"no claim, source, link or change matches {prefix!r}") from None


def verdict_times(db: Database) -> dict[str, str]:
    """For each claim the history shows a status for, when it took the status it has
    now (the event's time, UTC, ``now``'s format): the moment the verdict was given, which
    a later note, tag or link does not move (ClaimReview's ``datePublished``, issue 20).
    A status set back by ``undo`` counts from the undo. Claims whose status no event
    records (added by an import) are left out: their ``created`` is the best answer."""
    changes: dict[str, list[tuple[str, str, str]]] = {}
    for event, _ in db.store.scan_events(re.compile(rb'"kind":\s*"claim"')):
        if event["kind"] != "claim":
            continue
        after = event["after"] or {}
        before = event["before"] or {}
        status = after.get("status")
        if isinstance(status, str) and status != before.get("status"):
            changes.setdefault(event["target"], []).append((event["at"], event["id"], status))
    times: dict[str, str] = {}
    for claim_id, moments in changes.items():
        current = db.store.record("claims", claim_id)
        if current is None:
            continue
        moments.sort()
        # The last change of status is to the one it has now, unless an edit the
        # history does not show (an import's) set it: then the history says nothing.
        at, _, status = moments[-1]
        if status == current["status"]:
            times[claim_id] = at
    return times
