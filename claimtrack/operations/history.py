"""Use cases on the history: log, undo, redo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from claimtrack import ids
from claimtrack.operations.base import (
    DeskBase,
)

if TYPE_CHECKING:
    from claimtrack.history import Change
    from claimtrack.integrity.chain import Break


@dataclass
class ChainReport:
    """What ``log --verify`` found: how many events the history holds (``older`` of
    them from before the chain, covered by its ``chain`` event), the chain's heads
    (hex SHA-256; one, unless git merged two branches without the driver and nothing
    was written since) and where the chain does not hold, oldest first."""

    events: int
    older: int
    heads: list[str]
    breaks: list[Break] = field(default_factory=list)


class HistoryCases(DeskBase):
    """The history: log, undo, redo."""

    def log(
        self,
        write: Callable[[Iterator[dict[str, Any]]], None],
        *,
        record: str | None = None,
        newest: int | None = None,
        reveal: bool = False,
    ) -> int:
        """The history of one record (ID or prefix of a claim, source, link or change)
        or of the whole database, newest first, at most ``newest`` events, handed to
        ``write`` as they are read. Returns how many events there are in all."""
        from claimtrack import history
        from claimtrack.views.presenter import Presenter

        with self.reading() as db:
            target = None if record is None else history.require_known(db, record)
            found = history.read_history(db, target, newest=newest, reveal=reveal)
            presenter = Presenter(db, reveal=reveal)

            def name(source_id: str) -> str:
                # A source deleted since is named by its short ID.
                if presenter.source(source_id) is None:
                    return f"deleted source {ids.short(source_id)}"
                return presenter.name(source_id)

            write(found.views(name))
            return found.total

    def verify_history(self) -> ChainReport:
        """Walk the history's hash chain (``integrity.chain``): how many events it holds,
        its head(s), and every place it does not hold, oldest first."""
        with self.reading() as db:
            chain, breaks = db.chain()
            return ChainReport(
                events=len(chain.chained) + len(chain.older),
                older=len(chain.older),
                heads=chain.heads,
                breaks=breaks,
            )

    def reverse(
        self, action: Literal["undo", "redo"], *, dry_run: bool = False
    ) -> tuple[Change, list[tuple[str, str, str]]]:
        """Undo the last change, or redo the one the last undo reverted (``history``);
        with ``dry_run`` change nothing. Returns the change (a redo is named by the
        change it puts back) and what was (or would be) done to each record, as
        (action, kind, ID)."""
        from claimtrack import history

        if not dry_run and self._opens_sealed(action):
            self.identities_first()
        opened = self.reading() if dry_run else self.writing()
        with opened as db:
            change = history.next_undo(db) if action == "undo" else history.next_redo(db)
            named = change if action == "undo" else history.restored_by(db, change)
            if dry_run:
                return named, [(e["action"], e["kind"], e["target"]) for e in change.events]
            done = history.revert(db, change, action)
        return named, done

    def _opens_sealed(self, action: Literal["undo", "redo"]) -> bool:
        """Whether the change to undo (redo) touches a source or the recipients file in
        a database with recipients: then a sealed value may have to be opened."""
        from claimtrack import history

        if not self.path.with_suffix(".recipients").exists():
            return False
        with self.reading() as db:
            change = history.next_undo(db) if action == "undo" else history.next_redo(db)
        return any(event["kind"] in ("source", "recipients") for event in change.events)
