"""The whole history for ``export --format json``: every event oldest first (by time,
then ID), withheld as ``log`` withholds it, in two light passes over the file's lines.

The file keeps the history in ID order, and IDs are random: the export's order is a
sort of all of it. ``history.read_history`` parses every event to learn its time and
what it says of confidential sources, holding every event's line, then parses each
again to write it. Here the first pass decodes only the few fields the order and the
withholding need (msgspec skips the rest of each line without building it) and keeps
where each line is in the file; the second reads each line there (the page cache
serves it), parses it once and lets it go. The lines of the first batches are held
rather than read again, up to a share of the file's size (``HELD_SHARE``): a system
call an event saved where memory allows. What is held is then at most a quarter of the
file, and a key and two numbers an event, where holding every line was two thirds of
the file and a tuple and two strings an event.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from operator import invert

import msgspec
import orjson

from claimtrack.confidential import Disclosure, opened_event, withhold_event
from claimtrack.db import Database
from claimtrack.model import Event


class _Head(msgspec.Struct):
    """What the order and the withholding read of an event; the rest is skipped."""

    at: str
    id: str
    kind: str
    target: str
    after: msgspec.Raw
    before: msgspec.Raw


_HEADS = msgspec.json.Decoder(dict[str, _Head])
# The history's first lines are held, up to 1/HELD_SHARE of the file's size, rather
# than read again: fewer system calls, and the export's memory under the file's size.
HELD_SHARE = 4

# A state's fields, each left as its JSON until it is asked for.
_STATE = msgspec.json.Decoder(dict[str, msgspec.Raw] | None)


def export_events(db: Database, *, reveal: bool) -> Iterator[Event] | None:
    """Every event in the export's order, withheld where it must be
    (``read_history(db, reveal=reveal).events()``, the same events). None where the
    file's lines are not at hand (a database parsed whole) or an event is not of the
    usual shape: there ``read_history`` is the way."""
    batches = db.store.line_batches("events")
    if batches is None:
        return None
    keys: list[str] = []
    # Each event's line: where it is in the file, or (~i) the i-th of the lines held.
    starts, lengths = array("q"), array("q")
    held: list[bytes] = []
    budget = db.path.stat().st_size // HELD_SHARE
    hidden = Disclosure(reveal).hidden(db.store.records("sources"))
    cited: dict[str, set[str]] = {}  # links: the sources they cited, ever
    try:
        for offset, batch in batches:
            heads = _HEADS.decode(b"{" + batch + b"}")
            lines = batch.split(b"\n")
            if len(lines) != len(heads):  # not one event a line
                return None
            sizes = list(map(len, lines))
            if budget > 0:  # held: read again, it would cost a system call
                starts.extend(map(invert, range(len(held), len(held) + len(lines))))
                held += lines
                budget -= len(batch)
            else:
                starts.extend(accumulate(map((1).__add__, sizes[:-1]), initial=offset))
            lengths.extend(sizes)
            del lines
            if b"\\u0000" in batch:  # a NUL, which JSON can only escape, in a time?
                return None
            # With no NUL in a time, NUL sorts first: the keys sort as (at, id) do.
            keys += [f"{head.at}\0{head.id}" for head in heads.values()]
            if not reveal:
                for head in heads.values():
                    if head.kind in ("source", "link"):
                        _note_secrets(head, hidden, cited)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    protected: set[str] = set()
    if hidden:
        protected = hidden | db.store.links_citing_any(hidden)
        protected.update(link for link, sources in cited.items() if sources & hidden)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    del keys
    return _parsed(db.store.reader(), held, (starts, lengths, order), protected, reveal)


def _note_secrets(head: _Head, hidden: set[str], cited: dict[str, set[str]]) -> None:
    """A confidential source, or a link's source, from the state an event leaves (or,
    for a removal, the one it found), as ``read_history`` notes them."""
    state = _STATE.decode(head.after) or _STATE.decode(head.before) or {}
    if head.kind == "source":
        if "confidential" in state and msgspec.json.decode(state["confidential"]):
            hidden.add(head.target)
    elif "source" in state:
        source = msgspec.json.decode(state["source"])
        if source:
            cited.setdefault(head.target, set()).add(source)


def _parsed(
    read: Callable[[int, int], bytes],
    held: list[bytes],
    places: tuple[array[int], array[int], list[int]],
    protected: set[str],
    reveal: bool,
) -> Iterator[Event]:
    """Each event's line (``"ID": {...},``) taken or read, and parsed, in ``order``."""
    starts, lengths, order = places
    for at in order:
        start = starts[at]
        if start < 0:
            line, held[~start] = held[~start], b""
        else:
            line = read(start, lengths[at])
        end = len(line) - 1 if line.endswith(b",") else len(line)
        event: Event = orjson.loads(memoryview(line)[line.index(b'": ') + 3 : end])
        if event["target"] in protected:
            yield withhold_event(event)
        elif reveal and event["kind"] == "source":
            yield opened_event(event)
        else:
            yield event
