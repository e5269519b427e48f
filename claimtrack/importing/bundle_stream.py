"""Reading a claimtrack JSON export a few thousand records at a time.

An export of 100,000 claims is over 200 MB of JSON; parsed whole it is a gigabyte of
Python objects before a single record is checked. ``export`` lays the file out in a
fixed way (``bundle.write_bundle``): one top-level key per line at two spaces, each
list's records at four, one record after another. In that layout a list can be cut
between records without parsing it, and each run of records parsed on its own.

The cuts are only guesses until the parser agrees: every run must parse, strictly, as a
list of values, and runs joined with commas are then exactly the whole list (each run
is balanced, so no cut can fall inside a record). A file in any other layout, with any
key we do not know on several lines, or invalid, raises ``NotStreamable``; the caller
then parses it whole, which gives the same records or the same error message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from claimtrack.store.fileformat import strict_loads

# How much is read, and so parsed, at a time: a run of records becomes Python objects
# four or five times its size, all held at once, and orjson holds about fifteen times
# its size while it parses it, so a quarter of a megabyte, not more; fewer, larger runs
# save no time (each record is parsed once either way).
READ_SIZE = 1 << 18
# Between two records of a list, and at the end of one, as `export` writes them.
_BETWEEN = b"},\n    {"
_LIST_END = b"\n  ]"


class NotStreamable(ValueError):
    """Not laid out as ``export`` lays it out (or not valid): parse it whole."""


class _Buffer:
    def __init__(self, handle: IO[bytes], read_size: int) -> None:
        self.handle = handle
        self.read_size = read_size
        self.data = b""
        self.position = 0

    def fill(self) -> bool:
        chunk = self.handle.read(self.read_size)
        if not chunk:
            return False
        self.data = self.data[self.position :] + chunk
        self.position = 0
        return True

    def line(self) -> bytes | None:
        """The next line without its newline; None at the end of the input."""
        while True:
            end = self.data.find(b"\n", self.position)
            if end >= 0:
                text = self.data[self.position : end]
                self.position = end + 1
                return text
            if not self.fill():
                if self.position >= len(self.data):
                    return None
                text = self.data[self.position :]
                self.position = len(self.data)
                return text

    def runs(self) -> Iterator[bytes]:
        """The records of a list that started on the line before, as runs of whole
        records (as cut; the parse confirms), up to the list's closing line."""
        while True:
            end = self.data.find(_LIST_END, self.position)
            if end >= 0:
                yield self.data[self.position : end]
                self.position = end + 1
                return
            cut = self.data.rfind(_BETWEEN, self.position)
            if cut >= 0:
                yield self.data[self.position : cut + 1]
                self.position = cut + 2
            if not self.fill():
                raise NotStreamable("the input ends inside a list")


# How ``export`` writes a list's records (``exporting.bundle``), a list at a time; with
# ``OPT_STRICT_INTEGER`` an integer beyond 2**53 cannot be written, and so its run is never
# taken as written this way (``strict_loads`` reads it, and refuses one beyond 10**18).
_AS_EXPORTED = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def _parse_run(run: bytes) -> list[Any]:
    """A run of a list's records, parsed. A run exactly as ``export`` writes its records
    is parsed by orjson, which is faster, and written again to prove it was: orjson
    keeps the last of a key given twice, where ``strict_loads`` refuses it, but then its
    records would not write out as the run they came from. Any other run, or one that
    orjson cannot read, is parsed by ``strict_loads``: the records, or the error, are
    the same."""
    listed = b"[" + run + b"]"
    try:
        records = orjson.loads(listed)
        # A list at the top level is written at an indent of 0, its records at 2: the
        # file has them at 4 and their fields at 6, one more level.
        again = orjson.dumps(records, option=_AS_EXPORTED).replace(b"\n", b"\n  ")
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _parse(listed)  # type: ignore[no-any-return]
    if isinstance(records, list) and again[6:-4] == run.strip(b" \n"):
        return records
    return _parse(listed)  # type: ignore[no-any-return]


def _parse(text: bytes) -> Any:
    try:
        return strict_loads(text)
    except ValueError as exc:
        raise NotStreamable(str(exc)) from None


def sections(handle: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """``(key, value)`` for a key on one line, and ``(key, records)`` for each run of a
    list's records, in the file's order: a list's key comes once per run."""
    buffer = _Buffer(handle, READ_SIZE)
    first = buffer.line()
    while first is not None and not first.strip():
        first = buffer.line()
    if first is None or first.strip() not in (b"{", b"\xef\xbb\xbf{"):
        raise NotStreamable("does not start with a lone '{'")
    seen: set[str] = set()
    more = True  # a comma ended the last key's line
    while True:
        line = buffer.line()
        if line is None:
            raise NotStreamable("the input ends inside the object")
        if line == b"}":
            rest = buffer.line()
            while rest is not None and not rest.strip():
                rest = buffer.line()
            if (more and seen) or rest is not None:
                raise NotStreamable("unexpected text at the end")
            return
        if not more or not line.startswith(b'  "'):
            raise NotStreamable("a line is not a top-level key")
        colon = line.find(b'": ')
        if colon < 0:
            raise NotStreamable("a top-level line has no value")
        key = _parse(line[2 : colon + 1])
        if not isinstance(key, str) or key in seen:
            raise NotStreamable("a top-level key is not text or appears twice")
        seen.add(key)
        value = line[colon + 3 :]
        more = value.endswith(b",")
        if more:
            value = value[:-1]
        if value != b"[":
            yield key, _parse(value)
            continue
        for run in buffer.runs():
            yield key, _parse_run(run)
        closing = buffer.line()
        if closing not in (b"  ]", b"  ],"):
            raise NotStreamable("a list does not end on a line of its own")
        more = closing == b"  ],"
