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

# Where ``chain_breaks`` keeps its result (``store.memo``), and the version of what it
# keeps: change it when the walk's result for the same events would change.
MEMO_NAME = "chain"
MEMO_VERSION = b"chain-breaks 1\n"


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
        from claimtrack.integrity.chain import check_stamped, read_chain, verify

        read = read_chain(self.store.records("events"))
        breaks = verify(read) + check_stamped(read, self._stamped())
        return read, sorted(breaks, key=lambda b: (b.at, b.event))

    def _stamped(self) -> list[tuple[str, str, str, str]]:
        """The chain heads stored timestamps stamped: (event ID, hash, time, token file)."""
        from claimtrack.integrity import timestamps

        return [
            (t.subject, t.imprint, t.time, t.file)
            for t in timestamps.read_index(timestamps.folder_of(self.store.path))
            if t.kind == "chain"
        ]

    def chain_breaks(self) -> list[Break]:
        """``chain()``'s breaks, kept by the store for the history as the file holds it
        (``store.memo``): where neither the events' lines nor the timestamps changed
        since a command last walked the chain, the walk's result stands (it depends on
        nothing else; any edit, removal or addition of an event changes the key)."""
        import orjson

        from claimtrack.integrity.chain import Break

        stamped = self._stamped()
        key = self.store.history_key(MEMO_VERSION + orjson.dumps(stamped) + b"\n")
        if key is not None:
            kept = _rows(self.store.recall(MEMO_NAME, key))
            if kept is not None:
                return [Break(*row) for row in kept]
        breaks = self.chain()[1]
        if key is not None:
            rows = [[b.event, b.at, b.message] for b in breaks]
            self.store.keep(MEMO_NAME, key, orjson.dumps(rows))
        return breaks

    def rewrote_events(self, rewritten: dict[str, tuple[str, str]]) -> None:
        """Record in a ``rewrite`` event (``integrity.chain``) that these source events
        were sealed on purpose: ID -> (hash as the chain recorded it, hash now)."""
        if rewritten:
            after = {"rewritten": {k: list(v) for k, v in sorted(rewritten.items())}}
            self.record_event("rewrite", "change", self.new_change_id(), None, after)


def _rows(kept: bytes | None) -> list[list[str]] | None:
    """The breaks ``chain_breaks`` kept, as rows of (event, time, message); None if
    nothing was kept, or it is not such rows (then the chain is walked again)."""
    import orjson

    if kept is None:
        return None
    try:
        rows = orjson.loads(kept)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(rows, list):
        return None
    for row in rows:
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) for v in row)):
            return None
    return rows
