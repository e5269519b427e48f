"""Import, step three: carry a plan out in one write and one change of the history."""

from __future__ import annotations

from collections.abc import Callable

from claimtrack.db import Database
from claimtrack.importing.plan import KINDS, Plan


def apply(db: Database, result: Plan, progress: Callable[[int], None] | None = None) -> None:
    """Carry out a plan in the open (writable) database: one change in its history.
    The plan is spent: its records are handed to the database, not copied."""
    done = 0
    for change in result.changes:
        if change.action == "update":
            db.put_record(change.kind, change.record)
            db.record_event(
                "import", change.kind, change.record["id"], change.before, change.record
            )
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(done)
    listed: dict[str, list[str]] = {k + "s": list(v) for k, v in result.added.items() if v}
    if result.events:
        # Another database's history comes along; it is listed so that undo knows these
        # are not changes made here (and never tries to revert them one by one).
        listed["events"] = list(result.events)
    if listed:
        # One event lists everything the import added: an import of 100,000 claims must
        # not double the file with copies of them. Updates keep an event each (their
        # "before" is what undo restores).
        db.record_event("import", "batch", db.new_change_id(), None, listed)
    for kind, records in result.added.items():
        # written as they are, not parsed again (but a confidential source sealed)
        db.add_serialised(kind + "s", db.sealed_serialised(kind, records))
    db.add_serialised("events", db.sealed_serialised("event", result.events))
    result.added = {k: {} for k in KINDS}
    result.changes.clear()
    result.events = {}
    if progress is not None:
        progress(done)
