"""The history as a hash chain, for ``Database``: appending an event at the chain's head,
reading the chain, vouching for events rewritten on purpose (``integrity.chain``).

A mixin, as ``confidential.keeping.SealedSources`` is: ``Database`` gives the store,
the clock and the change. The chain's hashing is imported when an event is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claimtrack.integrity.chain import Break, Chain, Holding
    from claimtrack.model import Event
    from claimtrack.store.adapter import IdTable
    from claimtrack.store.snapshot import Snapshot

# Where ``chain_breaks`` keeps its result (``store.memo``), and the version of what it
# keeps: change it when the walk's result for the same events would change.
MEMO_NAME = "chain"
MEMO_VERSION = b"chain-breaks 2\n"


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
        from claimtrack.records import event as new_event
        from claimtrack.store.heads import CHAIN_START, event_hash  # not all of the chain's

        if self._head is None and self.store.chain_heads:
            self._head = list(self.store.chain_heads)  # as the cache noted them
        if self._head is None:
            self._head = self._light_heads()
        if self._head is None:
            self._head, start = self._read_heads()
            if start is not None:
                opening = new_event(
                    at=self._now(),
                    actor=self.actor,
                    change=self.new_change_id(),
                    action=CHAIN_START,
                    kind="change",
                    target=self.new_change_id(),
                    before=None,
                    after=start,
                )
                opening["at"], made["at"] = made["at"], opening["at"]  # before it
                self._append(opening)
        made["prev"] = self._head
        self.events.insert_record(made)
        self._head = [event_hash(made)]
        self.store.chain_heads = self._head

    def _light_heads(self) -> list[str] | None:
        """The chain's heads from the history read lightly (``Snapshot.chain_events``),
        hashing only the newest events; None where that cannot tell (the chain not
        started, a ``rewrite``, a broken chain: ``chain.tallied_heads``) or the store
        holds the history whole."""
        from claimtrack.store.heads import event_hash, tallied_heads, tally
        from claimtrack.store.layout import NotOurLayout

        light = self.store.chain_events()
        if light is None:
            return None
        try:
            found = tally(light)
        except NotOurLayout:
            return None
        return tallied_heads(found, lambda key: event_hash(self.store.peek("events", key)))

    def _read_heads(self) -> tuple[list[str], dict[str, Any] | None]:
        """``chain.next_links`` of the history read whole, where counting could not
        tell the heads (a chain not started, a ``rewrite``, a broken chain): from the
        file's lines a few megabytes at a time, keeping a slim entry per event
        (``chain.EventLines``), where the store reads the file so; else from the
        events in memory (``chain.append_links``). At 100,000 claims the first write on
        a history whose chain had not started held 2.8 GB parsing it as dicts."""
        from claimtrack.integrity import chain

        batches = self.store.event_batches()
        if batches is None:
            return chain.append_links(self.store.records("events"))
        return chain.next_links(chain.read_chain(chain.EventLines(batches)))

    def chain(self) -> tuple[Chain, list[Break]]:
        """The history's hash chain and where it does not hold (``integrity.chain``),
        the chain heads stored timestamps stamped (``integrity.timestamps``) included."""
        from claimtrack.integrity.chain import EventLines, check_stamped, read_chain, verify

        # The lines as the file holds them where the store reads it a piece at a time;
        # else the events are in memory already.
        batches = self.store.event_batches()
        read = read_chain(self.store.records("events") if batches is None else EventLines(batches))
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
        nothing else; any edit, removal or addition of an event changes the key). A
        chain that held, with only events added since that link at its heads
        (``chain.extend``), still holds: the events added are read, not the history."""
        import orjson

        from claimtrack.integrity.chain import Break, extend, holding

        memo = self.store.memo()
        if memo is None:
            return self.chain()[1]
        salt = MEMO_VERSION + orjson.dumps(self._stamped()) + b"\n"
        key = memo.key(salt)
        kept = memo.last(MEMO_NAME)
        verdict = _verdict(kept.value) if kept is not None else None
        if kept is not None and verdict is not None:
            rows, held = verdict
            if kept.key == key:
                return [Break(*row) for row in rows]
            added = memo.added(kept, salt) if held is not None else None
            extended = extend(held, added) if held is not None and added else None
            if extended is not None:
                memo.keep(MEMO_NAME, key, _encode([], extended), extendable=True)
                return []
        read, breaks = self.chain()
        held = None if breaks else holding(read)
        memo.keep(MEMO_NAME, key, _encode(breaks, held), extendable=held is not None)
        return breaks

    def rewrote_events(self, rewritten: dict[str, tuple[str, str]]) -> None:
        """Record in a ``rewrite`` event (``integrity.chain``) that these source events
        were sealed on purpose: ID -> (hash as the chain recorded it, hash now)."""
        if rewritten:
            after = {"rewritten": {k: list(v) for k, v in sorted(rewritten.items())}}
            self.record_event("rewrite", "change", self.new_change_id(), None, after)


def _encode(breaks: list[Break], held: Holding | None) -> bytes:
    """What ``chain_breaks`` keeps: the breaks as rows of (event, time, message), and
    for a chain that holds, what carrying that forward needs (``chain.Holding``)."""
    import orjson

    kept: dict[str, Any] = {"breaks": [[b.event, b.at, b.message] for b in breaks]}
    if held is not None:
        kept["heads"] = list(held.heads)
        kept["foreign"] = sorted(held.foreign)
        kept["vouched"] = sorted(held.vouched)
    return orjson.dumps(kept)


def _verdict(kept: bytes) -> tuple[list[list[str]], Holding | None] | None:
    """The breaks ``chain_breaks`` kept, as rows of (event, time, message), and the
    ``Holding`` kept with them (None if there is none); None if what is kept is not
    such a result (then the chain is walked again)."""
    import orjson

    from claimtrack.integrity.chain import Holding

    try:
        value = orjson.loads(kept)
    except orjson.JSONDecodeError:
        return None
    rows = value.get("breaks") if isinstance(value, dict) else None
    if not isinstance(rows, list) or not all(_texts(row, 3) for row in rows):
        return None
    parts = [value.get(name) for name in ("heads", "foreign", "vouched")]
    if rows or not all(_texts(part) for part in parts):
        return rows, None
    heads, foreign, vouched = parts
    return rows, Holding(tuple(heads), frozenset(foreign), frozenset(vouched))


def _texts(value: object, length: int | None = None) -> bool:
    """Whether ``value`` is a list of strings (of ``length`` items, if given)."""
    return (
        isinstance(value, list)
        and (length is None or len(value) == length)
        and all(isinstance(v, str) for v in value)
    )
