"""The history's hash chain: each event names the SHA-256 of the event(s) before it.

**What is hashed.** An event's hash is the SHA-256, in lower-case hex, of its canonical
bytes: the event as one JSON object with its keys sorted by code point, no whitespace
between tokens, UTF-8, non-ASCII characters as themselves, which is exactly the line
the database file holds for it (``store.fileformat.dump``). The event's own hash is not
stored in it (as git does not store a commit's ID in the commit): it is what the next
event names.

**The links.** Every event written since the chain started carries ``prev``: the sorted
hashes of the chain's heads when it was written. One command's events follow each
other, so ``prev`` is nearly always one hash. Where two branches of a git repository
each wrote events, the merge driver's first event names both heads (as a merge commit
names both parents); a merge git made without the driver leaves two heads, and the next
change joins them the same way.

**Older databases.** Events written before this version carry no ``prev``. The first
change after the upgrade starts the chain with one ``chain`` event (kind ``change``)
whose ``after`` holds how many older events there are and the SHA-256 of their hashes
in time order (then ID), one per line; every event without a link counts as one of
them: from then on an older event changed by hand breaks the
chain too, and a timestamp of the head covers the whole record, not only what came
after the upgrade. (The chain could instead have started at the first new event; the
older record, which is what a desk is most often asked about, would then stay
rewritable without a trace.)

**Rewrites the desk asked for.** ``keys seal`` and ``keys add|rm`` seal identifying
fields in past states of confidential sources. Each event so rewritten is listed in a
``rewrite`` event of that change (its hash as recorded and its hash now), so the chain
still verifies and the rewrite is itself on the record. Only source events can be
vouched for so.

**Imported history** (events an import brought in from another database) belongs to
that database's chain and is not checked here; the import's own ``batch`` event, which
lists them, is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import orjson

# The hash and how heads are counted are kept in the store, which notes the heads as
# it builds an index (``store.heads``); named here too, where the chain is explained.
from claimtrack.store.heads import CHAIN_START as CHAIN_START
from claimtrack.store.heads import PREV as PREV
from claimtrack.store.heads import REWRITE as REWRITE
from claimtrack.store.heads import Light, tallied_heads, tally
from claimtrack.store.heads import canonical as canonical
from claimtrack.store.heads import event_hash as event_hash

Event = Mapping[str, Any]
# An ``Entry``'s ``prev`` for an event that carries none (an older event).
NO_LINK: Any = object()


class Entry(NamedTuple):
    """What the walk keeps of one event: its time, ID, kind, action, ``prev`` as the
    event holds it (``NO_LINK`` if it has none) and hash (``event_hash``, or as a
    ``rewrite`` vouches for it); its ``after`` only for the events whose state the
    checks read (an import's ``batch``, a ``rewrite``, a ``chain`` start), else None.
    Never the states of an ordinary event: a few hundred bytes an event, where the
    event parsed whole is several kilobytes."""

    at: Any
    id: Any
    kind: Any
    action: Any
    prev: Any
    after: Any
    hash: str


class EventLines:
    """The history as the database file holds it, for ``read_chain``: batches of
    (key, the event's JSON as its line holds it), in file order, each batch a few
    megabytes (``store.layout.Layout.batches``). Each line is read once and not kept."""

    def __init__(self, batches: Iterable[list[tuple[str, bytes]]]) -> None:
        self.batches = batches


def imported(events: Iterable[Event]) -> set[str]:
    """IDs of the events imports brought in from other databases' histories."""
    brought: set[str] = set()
    for event in events:
        if event["kind"] == "batch":
            brought.update((event["after"] or {}).get("events", []))
    return brought


def older_digest(hashes: Iterable[str]) -> str:
    """The SHA-256 a ``chain`` event records over the older events' hashes (in time
    order, each followed by a newline)."""
    digest = hashlib.sha256()
    for value in hashes:
        digest.update(value.encode("ascii") + b"\n")
    return digest.hexdigest()


def by_time(events: Iterable[Event]) -> list[Event]:
    """Oldest first, ties by ID: the order of a key (time, ID), sorted as two stable
    passes over one string each, which CPython compares fast (a third of the time of
    tuples, for a history of 65,000 events)."""
    return sorted(sorted(events, key=itemgetter("id")), key=itemgetter("at"))


@dataclass
class Chain:
    """The chain as the history holds it now.

    ``chained``: own events with ``prev``, ``older``: own events without, both oldest
    first, as ``Entry``s; ``heads``: the hashes no event names, sorted; ``by_hash``:
    hash -> ID of each chained event. ``foreign``: the IDs an import's ``batch`` event
    lists, ``absent`` those of them no event has; ``misfiled``: some event is filed
    under a key other than its ID."""

    chained: list[Entry]
    older: list[Entry]
    heads: list[str]
    by_hash: dict[str, str] = field(default_factory=dict)
    # Hashes some event names that no event has: the chain is broken.
    dangling: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)
    absent: frozenset[str] = frozenset()
    misfiled: bool = False

    @cached_property
    def hashes(self) -> dict[str, str]:
        """Each own event's hash as the chain counts it (as recorded, for a source
        event a ``rewrite`` vouches for), by event ID."""
        return {e.id: e.hash for e in (*self.older, *self.chained)}

    def covered(self, head: str) -> set[str]:
        """IDs of the events a timestamp of ``head`` covers: the head's event, every
        event before it in the chain, and the older events a ``chain`` event covers.
        Empty if no event has that hash."""
        start = self.by_hash.get(head)
        if start is None:
            return set()
        events = {e.id: e for e in self.chained}
        seen: set[str] = set()
        todo = [start]
        while todo:
            event_id = todo.pop()
            if event_id in seen:
                continue
            seen.add(event_id)
            event = events[event_id]
            if event.action == CHAIN_START and event.kind == "change":
                seen.update(e.id for e in self.older)
            links = event.prev if event.prev is not NO_LINK else None
            todo.extend(self.by_hash[p] for p in links or () if p in self.by_hash)
        return seen


def read_chain(events: Mapping[str, Event] | EventLines) -> Chain:
    """The chain of the history ``events``: ID -> event, or the file's lines
    (``EventLines``), read once and hashed as they pass, keeping of each event only
    its ``Entry``. Hashes every event once."""
    if isinstance(events, EventLines):
        entries, misfiled = _from_lines(events)
    else:
        parsed = list(events.values())
        entries = []
        misfiled = _add_entries(entries, events, parsed, [event_hash(e) for e in parsed])
    foreign = _imported(entries)
    if foreign:
        absent = frozenset(foreign.difference(e.id for e in entries if e.id in foreign))
        own = [e for e in entries if e.id not in foreign]
    else:  # no import brought history in: two passes over every event saved
        absent, own = frozenset(), entries
    del entries
    vouched = _vouched(own)
    if vouched:
        own = [
            e._replace(hash=vouched[e.hash]) if e.hash in vouched and e.kind == "source" else e
            for e in own
        ]
    if misfiled:  # two events may share an ID: each counts under the last one's hash
        last = {e.id: e.hash for e in own}
        own = [e._replace(hash=last[e.id]) for e in own]
    chained = _by_time(e for e in own if e.prev is not NO_LINK)
    older = _by_time(e for e in own if e.prev is NO_LINK)
    del own
    named = {p for e in chained for p in _prev(e)}
    by_hash = {e.hash: e.id for e in chained}
    heads = sorted(by_hash.keys() - named)
    return Chain(chained, older, heads, by_hash, named - by_hash.keys(), foreign, absent, misfiled)


# One copy of each kind and action: a few words, which every event holds.
_WORDS: dict[Any, Any] = {}


def _from_lines(lines: EventLines) -> tuple[list[Entry], bool]:
    """The ``Entry`` of each event of the file's lines, and whether some event is
    filed under a key other than its ID.

    A batch of lines is parsed in one call, as a JSON array of the events; where
    writing that array back with its keys sorted (``canonical``) gives the very bytes
    parsed, each line is its event's canonical bytes (each line holding one event, as
    the store checked when its cache came to vouch for the file), and its hash is the
    SHA-256 of the line. Otherwise (a line edited by hand: keys out of order, escapes
    or numbers written another way) each event of the batch is hashed as ``event_hash``
    hashes it, which is what the hash means."""
    entries: list[Entry] = []
    misfiled = False
    sha256 = hashlib.sha256
    for batch in lines.batches:
        if not batch:
            continue
        joined = b"[" + b",".join(body for _, body in batch) + b"]"
        parsed = orjson.loads(joined)
        same = len(parsed) == len(batch) and _canonical_array(parsed, joined)
        del joined
        if same:
            hashes = [sha256(body).hexdigest() for _, body in batch]
        else:
            hashes = [event_hash(event) for event in parsed]
        misfiled = _add_entries(entries, (key for key, _ in batch), parsed, hashes) or misfiled
        del parsed  # the events' states go here, a batch at a time
    return entries, misfiled


def _add_entries(
    entries: list[Entry], keys: Iterable[str], parsed: list[Any], hashes: list[str]
) -> bool:
    """What the walk keeps (``Entry``) of each event of ``parsed``, filed under ``keys``
    and hashed as ``hashes``, added to ``entries``; whether some event is filed under a
    key other than its ID. One loop, each entry made as a tuple is (``tuple.__new__``,
    not a ``NamedTuple``'s Python constructor): it runs once an event, 650,000 times at
    100,000 claims."""
    misfiled = False
    words = _WORDS
    new, append = tuple.__new__, entries.append
    for key, event, value in zip(keys, parsed, hashes, strict=True):
        kind, action = event["kind"], event["action"]
        # One copy of each word; a kind or action that is not text is kept as it is.
        if type(kind) is str:
            kind = words.setdefault(kind, kind)
        if type(action) is str:
            action = words.setdefault(action, action)
        kept = kind == "batch" or (kind == "change" and action in (REWRITE, CHAIN_START))
        after = event.get("after") if kept else None
        event_id = event["id"]
        append(
            new(
                Entry, (event["at"], event_id, kind, action, event.get(PREV, NO_LINK), after, value)
            )
        )
        if key != event_id:
            misfiled = True
    return misfiled


def _canonical_array(parsed: list[Any], joined: bytes) -> bool:
    """Whether ``joined``, which parsed as ``parsed``, is its canonical form."""
    try:
        return orjson.dumps(parsed, option=orjson.OPT_SORT_KEYS) == joined
    except orjson.JSONEncodeError:
        return False


def _imported(entries: Iterable[Entry]) -> set[str]:
    """``imported`` of the events these ``Entry``s are of."""
    brought: set[str] = set()
    for entry in entries:
        if entry.kind == "batch":
            brought.update((entry.after or {}).get("events", []))
    return brought


def _by_time(entries: Iterable[Entry]) -> list[Entry]:
    """``by_time`` of ``Entry``s."""
    return sorted(sorted(entries, key=attrgetter("id")), key=attrgetter("at"))


def _vouched(own: Iterable[Entry]) -> dict[str, str]:
    """What the ``rewrite`` events among ``own`` vouch for: hash now -> hash recorded."""
    vouched: dict[str, str] = {}
    for event in own:
        if event.kind == "change" and event.action == REWRITE and event.prev is not NO_LINK:
            vouched.update(_vouched_by(event.after))
    return vouched


def _vouched_by(after: Any) -> dict[str, str]:
    """A ``rewrite`` event's pairs (from its ``after``), hash now -> hash as the chain
    recorded it. Only well-formed pairs of hashes vouch: a list damaged by hand vouches
    for nothing, so the events it named no longer match and ``verify`` names them."""
    rewritten = after.get("rewritten") if isinstance(after, dict) else None
    pairs: dict[str, str] = {}
    for pair in rewritten.values() if isinstance(rewritten, dict) else ():
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(h, str) for h in pair):
            pairs[pair[1]] = pair[0]
    return pairs


def _order(chain: Chain, value: str) -> tuple[str, str]:
    event = next(e for e in chain.chained if e.id == chain.by_hash[value])
    return (event.at, event.id)


def _prev(event: Event | Entry) -> list[str]:
    value = event.prev if isinstance(event, Entry) else event.get(PREV)
    if isinstance(value, list) and all(isinstance(p, str) for p in value):
        return value
    return []


def append_links(events: Mapping[str, Event]) -> tuple[list[str], dict[str, Any] | None]:
    """``next_links`` of the history ``events``, without hashing every event: what each
    write asks (``store.heads.tallied_heads`` of its ``tally``, the one rule a cache
    building an index notes them by too; where that cannot tell, the chain is read
    whole)."""
    heads = tallied_heads(tally(_light(events)), lambda key: event_hash(events[key]))
    return (heads, None) if heads is not None else next_links(read_chain(events))


def _light(events: Mapping[str, Event]) -> Iterator[Light]:
    """The history as ``tally`` reads it."""
    for key, event in events.items():
        kind = event["kind"]
        yield (
            key,
            event["id"],
            event.get("at", ""),
            kind,
            event.get("action", ""),
            event.get(PREV, ...),
            event["after"] if kind == "batch" else None,
        )


def next_links(chain: Chain) -> tuple[list[str], dict[str, Any] | None]:
    """What the next event written names as ``prev``, and, for a database whose chain
    has not started yet but has older events, the ``after`` of the ``chain`` event to
    write first (None otherwise). A database with no events starts with ``prev: []``."""
    if chain.chained:
        if chain.dangling:
            # Broken (an event edited or removed): join only the newest head, so that
            # the edited event stays unnamed and ``verify`` still names it.
            newest = max(chain.heads, key=lambda h: _order(chain, h))
            return [newest], None
        return list(chain.heads), None
    if chain.older:
        hashes = [e.hash for e in chain.older]
        return [], {"events": len(hashes), "digest": older_digest(hashes)}
    return [], None


@dataclass(frozen=True)
class Break:
    """Where the chain does not hold: the event named (ID, time) and why."""

    event: str
    at: str
    message: str


def verify(chain: Chain) -> list[Break]:
    """Every place the chain (``read_chain``) does not hold, oldest first (empty: it
    holds). The first is the first event that does not match: an event edited by hand
    is named itself (the hash its successor recorded no longer matches it), and so is
    the event before one removed (the hashes cannot tell the two apart); an event
    removed with everything after it up to a head is named by its successor as missing;
    an event added by hand without a link is named itself."""
    breaks: list[Break] = []
    known = chain.by_hash.keys()
    named = {p for e in chain.chained for p in _prev(e)}
    # Events no later event names, other than the newest of each line of work: an
    # edited event is one of them (its new hash is named by nobody).
    unnamed = [e for e in chain.chained if e.hash not in named]
    for event in chain.chained:
        if not _prev(event) and event.prev != []:
            breaks.append(
                _break(event, "has a damaged link to the event before it (not a list of hashes)")
            )
            continue
        for link in _prev(event):
            if link in known:
                continue
            suspect = _edited_before(event, unnamed)
            if suspect is not None:
                unnamed.remove(suspect)
                breaks.append(
                    _break(
                        suspect,
                        f"does not match the hash event {event.id} recorded for the "
                        "event before it: it was changed after it was written, or an "
                        "event between them was removed",
                    )
                )
            else:
                breaks.append(_break(event, f"the event before it ({link[:12]}...) is missing"))
    breaks += _check_older(chain)
    return sorted(breaks, key=lambda b: (b.at, b.event))


def check_stamped(chain: Chain, stamped: Iterable[tuple[str, str, str, str]]) -> list[Break]:
    """Each chain head a timestamp stamped, (event ID, hash, time, token file), that the
    chain no longer holds: the newest events, edited or removed after a seal, leave no
    successor to notice, but the token still names them. Empty when every stamped
    head is in the chain (the rewrites a ``rewrite`` event vouches for included)."""
    events = {str(e.id): e for e in chain.chained}
    breaks = []
    for event_id, value, at, file in stamped:
        if value in chain.by_hash:
            continue
        event = events.get(event_id)
        if event is not None:
            why = f"does not match the hash timestamp {file} stamped: changed after it"
            breaks.append(_break(event, why))
        else:
            message = (
                f"event {event_id}, the chain head timestamp {file} stamped, is gone: "
                "removed after it was timestamped, with any event after it"
            )
            breaks.append(Break(event_id, at, message))
    return breaks


def _edited_before(event: Entry, unnamed: list[Entry]) -> Entry | None:
    """The newest unnamed event not after ``event``: the one it once named."""
    earlier = [e for e in unnamed if (e.at, e.id) < (event.at, event.id)]
    return earlier[-1] if earlier else None


def _check_older(chain: Chain) -> list[Break]:
    """The events without a link: all covered by the ``chain`` event, which recorded
    how many there were and their digest (an older event changed, removed, or one
    added without a link since, changes them); in a database whose chain started
    with its first event, each is named."""
    if not chain.chained:
        return []
    starts = [e for e in chain.chained if e.kind == "change" and e.action == CHAIN_START]
    if not starts:
        return [
            _break(
                event,
                "carries no link to the event before it: added by hand or by a "
                "claimtrack older than the chain",
            )
            for event in chain.older
        ]
    recorded = starts[0].after or {}
    hashes = [e.hash for e in chain.older]
    if recorded.get("events") == len(hashes) and recorded.get("digest") == older_digest(hashes):
        return []
    return [
        _break(
            starts[0],
            f"(the chain's start) recorded {recorded.get('events')} events before it, which "
            f"do not match the {len(hashes)} without a link there now: one was changed "
            "or removed, or one was added without a link",
        )
    ]


def _break(event: Entry, message: str) -> Break:
    return Break(str(event.id), str(event.at), f"event {event.id} {message}")


@dataclass(frozen=True)
class Holding:
    """What carrying the verdict "the chain holds" over events added later needs
    (``extend``): the chain's ``heads``; ``foreign``, the IDs an import's ``batch``
    event lists that no event has (an event added with one of them would be imported
    history, not checked); ``vouched``, the hashes (as they are now) of the source
    events a ``rewrite`` vouches for (an added source event with one of them would be
    counted under another hash)."""

    heads: tuple[str, ...]
    foreign: frozenset[str]
    vouched: frozenset[str]


def holding(chain: Chain) -> Holding | None:
    """The ``Holding`` of a history whose chain (``read_chain``) holds: ``verify`` and
    ``check_stamped`` found nothing. None where it cannot be carried forward: a chain
    not started, or an event filed under a key other than its ID."""
    if not chain.heads or chain.misfiled:
        return None
    vouched = _vouched((*chain.older, *chain.chained))
    return Holding(tuple(chain.heads), frozenset(chain.absent), frozenset(vouched))


def extend(holding: Holding, added: Mapping[str, Event]) -> Holding | None:
    """The ``Holding`` of a chain that held (``holding``) once the events ``added``
    (key -> event) are in the history, every other event and the stamped heads as they
    were, if the chain then provably still holds; None if that is not sure (walk it).

    Sure means: each added event is one of this database's own, written as claimtrack
    writes one (its ID its key, its time, kind and action text), neither a ``batch``
    (which changes what is imported), a ``rewrite`` (which changes hashes) nor a
    ``chain`` start, and links to the chain only at its heads or at another added
    event. Then ``read_chain`` of the whole history finds every link it found before,
    each added link known, the older events and their ``chain`` event as they were, and
    every stamped head still there: ``verify`` and ``check_stamped`` find nothing. An
    event linked anywhere else (an older event, a hash nobody has) is left to the walk,
    which names it if it breaks the chain."""
    hashes: dict[str, str] = {}
    for key, event in added.items():
        if not _plain_own(key, event, holding):
            return None
        value = event_hash(event)
        if event["kind"] == "source" and value in holding.vouched:
            return None
        hashes[key] = value
    known = set(holding.heads) | set(hashes.values())
    named: set[str] = set()
    for event in added.values():
        links = event[PREV]
        if not known.issuperset(links):
            return None
        named.update(links)
    heads = known - named
    return Holding(tuple(sorted(heads)), holding.foreign, holding.vouched)


def _plain_own(key: str, event: Any, holding: Holding) -> bool:
    """Whether an added event is one ``extend`` can judge without the walk."""
    if not isinstance(event, dict) or event.get("id") != key or key in holding.foreign:
        return False
    if not all(isinstance(event.get(name), str) for name in ("at", "kind", "action")):
        return False
    links = event.get(PREV)
    return (
        event["kind"] != "batch"
        and event["action"] not in (REWRITE, CHAIN_START)
        and isinstance(links, list)
        and bool(links)
        and all(isinstance(link, str) for link in links)
    )
