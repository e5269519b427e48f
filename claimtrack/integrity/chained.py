"""The history as a hash chain, for ``Database``: appending an event at the chain's head,
reading the chain, vouching for events rewritten on purpose (``integrity.chain``).

A mixin, as ``confidential.keeping.SealedSources`` is: ``Database`` gives the store,
the clock and the change. The chain's hashing is imported when an event is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claimtrack.integrity.chain import Break, Chain
    from claimtrack.model import Event
    from claimtrack.store.adapter import IdTable
    from claimtrack.store.snapshot import Snapshot


class ChainedHistory:
    """Events appended at the chain's head (``Database.record_event`` calls ``_append``)."""

    if TYPE_CHECKING:  # what Database gives the methods below
        store: Snapshot
        events: IdTable
        _head: list[str] | None

        @property
        def actor(self) -> str: ...
        def _now(self) -> str: ...
        def new_change_id(self) -> str: ...
        def record_event(
            self,
            action: str,
            kind: str,
            target: str,
            before: Mapping[str, Any] | None,
            after: Mapping[str, Any] | None,
        ) -> None: ...

    def _append(self, made: Event) -> None:
        """Add an event at the chain's head (``integrity.chain``): it names the hash of
        the event before it. The first event of a command finds the head (noted by the
        store's cache for a large file, else read from the history; in a database older
        than the chain, it starts it with a ``chain`` event); the next ones follow each
        other."""
        from claimtrack.integrity import chain
        from claimtrack.records import event as new_event

        if self._head is None and self.store.chain_heads:
            self._head = list(self.store.chain_heads)  # as the cache noted them
        if self._head is None:
            self._head, start = chain.append_links(self.store.records("events"))
            if start is not None:
                opening = new_event(
                    at=self._now(),
                    actor=self.actor,
                    change=self.new_change_id(),
                    action=chain.CHAIN_START,
                    kind="change",
                    target=self.new_change_id(),
                    before=None,
                    after=start,
                )
                opening["at"], made["at"] = made["at"], opening["at"]  # before it
                self._append(opening)
        made["prev"] = self._head
        self.events.insert_record(made)
        self._head = [chain.event_hash(made)]
        self.store.chain_heads = self._head

    def chain(self) -> tuple[Chain, list[Break]]:
        """The history's hash chain and where it does not hold (``integrity.chain``),
        the chain heads stored timestamps stamped (``integrity.timestamps``) included."""
        from claimtrack.integrity import timestamps
        from claimtrack.integrity.chain import check_stamped, read_chain, verify

        read = read_chain(self.store.records("events"))
        stamped = [
            (t.subject, t.imprint, t.time, t.file)
            for t in timestamps.read_index(timestamps.folder_of(self.store.path))
            if t.kind == "chain"
        ]
        breaks = verify(read) + check_stamped(read, stamped)
        return read, sorted(breaks, key=lambda b: (b.at, b.event))

    def rewrote_events(self, rewritten: dict[str, tuple[str, str]]) -> None:
        """Record in a ``rewrite`` event (``integrity.chain``) that these source events
        were sealed on purpose: ID -> (hash as the chain recorded it, hash now)."""
        if rewritten:
            after = {"rewritten": {k: list(v) for k, v in sorted(rewritten.items())}}
            self.record_event("rewrite", "change", self.new_change_id(), None, after)
