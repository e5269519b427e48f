"""The history's chain heads found from a light reading of its events: the rule of
``integrity.chain.append_links``, kept in the store so that a cache can note the heads
as it builds an index, from the few fields of each event it decodes anyway
(``bulk.event_rows``), and a write can find them without parsing the history as dicts
(``Snapshot.chain_events``). ``integrity.chain`` explains the chain; this module holds
what both need: the event's hash, and how its heads are counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson

PREV = "prev"
# The action of the event that starts a chain over an older database's events, and of
# the one that vouches for rewritten (sealed) source events.
CHAIN_START = "chain"
REWRITE = "rewrite"


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes an event's hash is taken over (``integrity.chain``'s docstring): the
    line ``fileformat.dump`` writes for it."""
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 of the event's canonical bytes, 64 lower-case hex digits."""
    return hashlib.sha256(canonical(event)).hexdigest()


# What a light reading of an event gives (``tally``): key, ID, time, kind, action,
# ``prev`` (``...`` where the event has none) and, for an import's ``batch`` event, its
# ``after`` (None for every other event).
Light = tuple[str, str, str, str, str, Any, Any]


@dataclass
class Tally:
    """What ``tallied_heads`` reads of a history, gathered one event at a time: each
    event with ``prev`` as (time, ID, key, the hashes it names); the IDs the ``batch``
    events list (imported history); the IDs of ``rewrite`` events with ``prev``."""

    chained: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    brought: set[str] = field(default_factory=set)
    rewrites: list[str] = field(default_factory=list)

    def add(self, event: Light) -> None:
        """Count one event (``Light``)."""
        key, event_id, at, kind, action, prev, after = event
        if kind == "batch":
            self.brought.update((after or {}).get("events", []))
        if prev is not ...:
            try:  # a list of texts, else it names nothing (``integrity.chain._prev``)
                links = prev if type(prev) is list and "".join(prev) is not None else []
            except TypeError:
                links = []
            self.chained.append((at, event_id, key, links))
            if kind == "change" and action == REWRITE:
                self.rewrites.append(event_id)


def tally(events: Iterable[Light]) -> Tally:
    """The ``Tally`` of a history read lightly: the whole history as dicts
    (``integrity.chain.append_links``) or a few fields of each event decoded from the
    file (``bulk``, ``Snapshot.chain_events``), which then gives the same heads."""
    found = Tally()
    for event in events:
        found.add(event)
    return found


def by_time_tallied(
    chained: Iterable[tuple[str, str, str, list[str]]],
) -> list[tuple[str, str, str, list[str]]]:
    """``integrity.chain.by_time`` of a ``Tally``'s chained events."""
    return sorted(sorted(chained, key=itemgetter(1)), key=itemgetter(0))


def tallied_heads(found: Tally, hash_of: Callable[[str], str]) -> list[str] | None:
    """The heads the next event names (``integrity.chain.next_links``) where they can be found by
    hashing a few events (``hash_of``: the hash of the event filed under a key), else
    None: the chain is not started, has a ``rewrite``, or is not as counted.

    Every event some event names is one event, so a chain that holds has as many heads
    as chained events less the hashes named; they are the newest unnamed events, hashed
    newest first until that many are found (one, the newest event, unless git merged
    two branches without the driver). A broken chain, or one not started yet, is for
    ``integrity.chain.read_chain``."""
    brought = found.brought
    chained = [c for c in found.chained if c[1] not in brought] if brought else found.chained
    named = set(chain.from_iterable(map(itemgetter(3), chained)))
    wanted = len(chained) - len(named)
    if not chained or wanted < 1 or any(r not in found.brought for r in found.rewrites):
        return None
    newest = max(chained, key=itemgetter(0, 1))
    # Newest first, as ``by_time`` orders events: by time, ties by ID, then as read.
    candidates = [newest] if wanted == 1 else by_time_tallied(chained)[::-1]
    heads = []
    for candidate in candidates:
        value = hash_of(candidate[2])
        if value not in named:
            heads.append(value)
            if len(heads) == wanted:
                return sorted(heads)
    return None  # not as counted: read it whole
