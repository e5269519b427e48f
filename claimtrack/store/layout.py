"""Reading single records from, and splicing changes into, a file laid out by ``dump``.

``fileformat.dump`` writes each table as a block of lines, one record per line, sorted by
ID. In such a file a record can be found by binary search over byte offsets, and a
change to a few records can be written by copying the unchanged runs of lines (in the
kernel, with ``copy_file_range``) around the few new lines: at 100,000 claims that is a
fraction of parsing and re-serialising 170 MB. The caller must know the file is laid out
this way (``verify`` checks it once; ``claimtrack.store.index`` keeps the verdict while the
file is unchanged).
"""

from __future__ import annotations

import errno
import mmap
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from claimtrack.store.fileformat import (
    TABLES,
    has_twenty_digits,
    key_separators,
    line_key_separators,
)

# (position of the table's "{", position of its "}") for each table, in file order.
Blocks = dict[str, tuple[int, int]]
# Per table: record ID -> its new line body (JSON bytes), or None to delete it.
Changes = Mapping[str, Mapping[str, bytes | None]]


CHUNK = 4 << 20
# The history's walk (``batches`` for ``integrity.chain``) parses each batch whole and
# drops it: in batches of 1 MB its objects reuse the memory the last batch's freed,
# where 4 MB took new pages from the system each time (a tenth of ``check``'s CPU as
# system time at 100,000 claims; docs/performance.md, "`check` near its floor").
WALK_CHUNK = 1 << 20


class NotOurLayout(ValueError):
    """The file is valid JSON but not one record per line in ID order."""


NAMES = tuple(sorted((*TABLES, "_meta")))
# A line's head after the line before it: the ID as written, up to the first ``": {``.
_NEXT_HEADS = re.compile(rb'\},\n"([^"\n]*)": \{')
# The table that holds most of the file's bytes: the history.
BULK = "events"
# About 2,000 records of the history: see ``Scan.records``.
BATCH_BYTES = 1 << 20


class Scan:
    """A file checked to be laid out as ``dump`` lays it out, table by table.

    ``blocks`` is where each table's braces are; ``records(table)`` parses the table's
    lines one at a time, checking that each holds one record and that the IDs are plain
    and strictly increasing, so that binary search and splicing find what a parse finds.
    Any departure raises ``NotOurLayout``.
    """

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.blocks: Blocks = {}
        bulk = NAMES.index(BULK)
        # The tables up to the history, each where the one before ends; the ones after
        # it from the end of the file back: the history's lines, most of the file, are
        # never searched for where they end (at 100,000 claims that search took longer
        # than reading the file).
        position = 0
        for number, name in enumerate(NAMES[: bulk + 1]):
            header = (b"{\n" if number == 0 else b",\n") + orjson.dumps(name) + b": {"
            if raw[position : position + len(header)] != header:
                raise NotOurLayout(f"table {name!r} does not start where expected")
            opening = position + len(header) - 1
            if number == bulk:
                break
            closing = (
                opening + 1
                if raw[opening + 1 : opening + 2] == b"}"
                else raw.find(b"\n}", opening) + 1
            )
            self._close(name, opening, closing)
            position = closing + 1
        if raw[-4:] != b"}\n}\n":
            raise NotOurLayout("unexpected text after the last table")
        closing = len(raw) - 4
        for name in reversed(NAMES[bulk + 1 :]):
            header = b",\n" + orjson.dumps(name) + b": {"
            found = raw.rfind(header, opening + 1, closing)
            if found < 0 or raw[found - 1 : found] != b"}":
                raise NotOurLayout(f"table {name!r} does not start where expected")
            self._close(name, found + len(header) - 1, closing)
            closing = found - 1
        self._close(BULK, opening, closing)
        self.blocks = {name: self.blocks[name] for name in NAMES}

    def _close(self, name: str, opening: int, closing: int) -> None:
        """Note a table's braces, having checked that it is empty (``{}``) or one record
        per line between lines of its own."""
        if closing != opening + 1 and (
            closing <= opening
            or self.raw[opening + 1 : opening + 2] != b"\n"
            or self.raw[closing - 1 : closing] != b"\n"
        ):
            raise NotOurLayout(f"table {name!r} is not one record per line")
        self.blocks[name] = (opening, closing)

    def records(
        self, table: str, decode: Callable[[bytes], dict[str, Any]] | None = None
    ) -> Iterator[tuple[str, Any]]:
        """The table's records in file order, ``decode``d (default: orjson, as dicts)."""
        opening, closing = self.blocks[table]
        if closing == opening + 1:
            return
        raw = self.raw
        position, end = opening + 2, closing - 1
        previous = ""
        first = 0
        # About a megabyte of whole lines is parsed as one object: one call into orjson
        # instead of one per record, while the checks below still hold line by line. Cut
        # from the file's bytes one at a time, never the whole table at once: a build
        # then holds the file and one batch, not a second copy of the file in lines.
        while position < end:
            cut = position + BATCH_BYTES
            stop = raw.find(b"\n", cut, end) if cut < end else -1
            final = stop < 0
            batch = raw[position : end if final else stop]
            parsed = parse_lines(table, batch, final, previous, first, decode)
            previous = next(reversed(parsed))
            first += len(parsed)
            position = end if final else stop + 1
            yield from parsed.items()

    def record(self, table: str, key: str) -> Any:
        """One record of a table whose lines ``records`` checked, found by its ID and
        parsed whole (orjson)."""
        start, end = body(self.blocks, table)
        head = key.encode()
        line = line_at_or_after(self.raw, start, end, head)
        stop = self.raw.find(b"\n", line, end)
        return orjson.loads(self.raw[line + len(head) + 4 : end if stop < 0 else stop - 1])


def parse_lines(
    table: str,
    batch: bytes,
    final: bool,
    previous: str = "",
    first: int = 0,
    decode: Callable[[bytes], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Consecutive lines of a table's block (``batch``, its lines joined by newlines),
    parsed, having checked that each holds one record whose ID is written as it is, and
    that the IDs increase from ``previous``. ``final``: the lines end the block (the
    last has no comma). ``first``: the number of the first line in the block, for the
    message. ``decode``: what parses the lines as one object (default: orjson, having refused
    a number of twenty digits or more); it raises ``NotOurLayout`` for what it refuses,
    that too. Raises ``NotOurLayout``."""
    if decode is None:
        if has_twenty_digits(batch):
            # orjson would read an integer wider than 64 bits as a float: the whole-file
            # parse reads it exactly, and refuses it.
            raise NotOurLayout(f"table {table!r}: a number of 20 digits or more")
        decode = orjson.loads
    try:
        parsed: dict[str, Any] = decode(b"{" + (batch if final else batch[:-1]) + b"}")
    except orjson.JSONDecodeError as exc:
        raise NotOurLayout(f"table {table!r}: {exc}") from None
    keys = list(parsed)
    lines = batch.count(b"\n") + 1
    separators = batch.count(b'": ')
    if separators != lines:
        # Counted again without those inside strings (``\": ``): where every line
        # has its head (checked below), they can only make the count larger.
        separators = key_separators(batch)
        if separators != lines:  # a string that begins with ": ", or a damaged line
            separators = line_key_separators(batch)
    # Each line holds one record and starts with its ID, written as is (no escapes), in
    # strictly increasing order; only the table's last line lacks the comma. (JSON text
    # has newlines only between tokens, so these checks and the parse see the same
    # lines.) The heads of the lines after the first are found by one search, each
    # after the line before's "},": as many as there are newlines, joined by newlines
    # (which no head holds) as the IDs are.
    heads = _NEXT_HEADS.findall(batch) if len(keys) == lines else []
    if (
        not keys
        or len(keys) != lines
        or separators != lines
        or len(heads) != lines - 1
        or not batch.startswith(b'"' + keys[0].encode() + b'": {')
        or b"\n".join(heads) != "\n".join(keys[1:]).encode()
        or not batch.endswith(b"}" if final else b"},")
        or keys[0] <= previous
        or keys != sorted(keys)  # and no two alike: a dict's keys
    ):
        raise NotOurLayout(f"table {table!r}: line {first + 1} on is not one of ours")
    return parsed


def body(blocks: Blocks, table: str) -> tuple[int, int]:
    """[start, end) of a table's lines in the file, empty when the table is."""
    opening, closing = blocks[table]
    return (closing, closing) if closing == opening + 1 else (opening + 2, closing - 1)


def find_blocks(raw: bytes) -> Blocks:
    """Where each table's braces are, having checked every line of the file."""
    scan = Scan(raw)
    for table in NAMES:
        for _ in scan.records(table):
            pass
    return scan.blocks


@dataclass(frozen=True)
class Span:
    """One line in a block: [start, end) without its separator; ``found`` if the ID matched."""

    start: int
    end: int
    found: bool


class Layout:
    """A database file opened for record lookups by ID."""

    def __init__(self, fd: int, blocks: Blocks) -> None:
        size = os.fstat(fd).st_size
        self.fd = fd
        self.blocks = blocks
        self.map: mmap.mmap | bytes = mmap.mmap(fd, size, access=mmap.ACCESS_READ) if size else b""

    def close(self) -> None:
        if isinstance(self.map, mmap.mmap):
            self.map.close()

    def check(self) -> None:
        """Raise ``ChangedUnderneath`` unless every table's braces are where ``blocks``
        says: a cheap sign that the blocks describe this file."""
        for table, (opening, closing) in self.blocks.items():
            _check_braces(self, table, opening, closing)

    def body(self, table: str) -> tuple[int, int]:
        """[start, end) of the table's lines, empty when the table is."""
        return body(self.blocks, table)

    def seek(self, table: str, record_id: str) -> Span:
        """The line of ``record_id``, or of the first ID after it (where it would go)."""
        data = self.map
        start, end = self.body(table)
        key = record_id.encode()
        low = line_at_or_after(data, start, end, key)
        if low >= end:
            return Span(end, end, False)
        following = data.find(b"\n", low, end)
        line_end = end if following < 0 else following - 1  # drop the comma
        line_id = data[low + 1 : data.find(b'"', low + 1)]
        return Span(low, line_end, line_id == key)

    def line_body(self, record_id: str, span: Span) -> bytes:
        return bytes(self.map[span.start + len(record_id) + 4 : span.end])

    def get(self, table: str, record_id: str) -> bytes | None:
        """The record's JSON as stored, or None."""
        span = self.seek(table, record_id)
        return self.line_body(record_id, span) if span.found else None

    def table(self, table: str) -> dict[str, Any]:
        """Every record of a table, parsed in one go."""
        start, end = self.body(table)
        if start == end:
            return {}
        loaded: dict[str, Any] = orjson.loads(b"{" + self.map[start:end] + b"}")
        return loaded

    def line_map(self, table: str) -> dict[str, bytes]:
        """Every record's JSON by ID, unparsed: a fraction of the memory of the records."""
        return dict(self.lines(table))

    def lines(self, table: str) -> Iterator[tuple[str, bytes]]:
        """Every (ID, JSON) of a table, in ID order."""
        for batch in self.batches(table):
            yield from batch

    def joined_batches(self, table: str) -> Iterator[bytes]:
        """The table's lines a few megabytes of whole lines at a time, each batch its
        lines joined by newlines without the comma after the last: ``b"{" + batch +
        b"}"`` is a JSON object of its records."""
        for _, chunk in self.placed_batches(table):
            yield chunk

    def placed_batches(self, table: str) -> Iterator[tuple[int, bytes]]:
        """``joined_batches``, each with the offset in the file of its first byte."""
        for start, chunk in self._chunks(table):
            yield start, chunk[:-1] if chunk.endswith(b",") else chunk

    def read(self, start: int, length: int) -> bytes:
        """``length`` bytes of the file from ``start``, read rather than mapped."""
        data = os.pread(self.fd, length, start)
        if len(data) != length:
            raise OSError("the database file got shorter while being read")
        return data

    def batches(self, table: str, size: int = 0) -> Iterator[list[tuple[str, bytes]]]:
        """``lines``, the lines of about ``size`` bytes (else ``CHUNK``) at a time."""
        for _, chunk in self._chunks(table, size):
            found = _LINE.findall(chunk)
            if len(found) != chunk.count(b"\n") + 1:  # not one record a line: as it is
                found = [_key_and_body(line) for line in chunk.split(b"\n")]
            yield [(key.decode(), body) for key, body in found]

    def _chunks(self, table: str, size: int = 0) -> Iterator[tuple[int, bytes]]:
        """The table's lines, read a few megabytes at a time rather than mapped whole
        (the whole lines of each piece, joined by newlines, and where they start): a
        pass over a large table then holds a chunk of it, not all of it."""
        start, end = self.body(table)
        carried = b""
        while start < end:
            piece = os.pread(self.fd, min(size or CHUNK, end - start), start)
            if not piece:
                raise OSError("the database file got shorter while being read")
            at = start - len(carried)
            start += len(piece)
            data = carried + piece
            carried = b""
            if start < end:
                cut = data.rfind(b"\n")
                data, carried = (b"", data) if cut < 0 else (data[:cut], data[cut + 1 :])
            if data:
                yield at, data

    def hash_range(self, hashed: Any, start: int, end: int) -> None:
        """Feed the file's bytes [start, end) to ``hashed`` (a ``hashlib`` object), read
        a few megabytes at a time rather than through the map: the pages read are not
        the process's memory."""
        while start < end:
            chunk = os.pread(self.fd, min(CHUNK, end - start), start)
            if not chunk:
                raise OSError("the database file got shorter while being read")
            hashed.update(chunk)
            start += len(chunk)


# A line of a table's block: ``"ID": {...}``, then a comma but on the last line.
_LINE = re.compile(rb'^"([^"\n]*)": ([^\n]*\})', re.M)


def _key_and_body(line: bytes) -> tuple[bytes, bytes]:
    """A line's ID and JSON, however it is written."""
    cut = line.index(b'"', 1)
    return line[1:cut], line[cut + 3 : len(line) - (line[-1:] == b",")]


def line_at_or_after(data: bytes | mmap.mmap, start: int, end: int, key: bytes) -> int:
    """Where the first line of the block body [start, end) whose ID is ``key`` or after
    it starts (``end`` if none): binary search over byte offsets, the lines sorted by ID.
    On lines that are not sorted it still ends, somewhere."""
    low, high = start, end
    while low < high:
        middle = (low + high) // 2
        newline = data.rfind(b"\n", low, middle)
        line = low if newline < 0 else newline + 1
        line_id = data[line + 1 : data.find(b'"', line + 1)]
        following = data.find(b"\n", line, end)
        if line_id < key:
            low = end if following < 0 else following + 1
        else:
            high = line
    return low


class ChangedUnderneath(NotOurLayout):
    """The file's bytes are not those the splice relies on: edited since they were read,
    or an index that does not describe the file."""


def splice(
    layout: Layout, changes: Changes, out_fd: int, expected: Changes | None = None
) -> Blocks:
    """Write the file with ``changes`` applied to ``out_fd``; return the new blocks.

    Unchanged runs of lines are copied byte for byte, so the result is what ``dump``
    would write for the changed data, and lines the change did not touch stay as they
    were. Nothing is copied on trust: each table's braces must be where ``layout``
    says, every copied run must start and end at a line boundary, and each line
    replaced or deleted must hold what ``expected`` says was read (per table, record
    ID -> its line body as read, or None for a record that was absent). Raises
    ``ChangedUnderneath`` (a ``NotOurLayout``) when the file is not as expected.
    """
    writer = _Writer(layout.fd, out_fd)
    blocks: Blocks = {}
    cursor = 0
    for table, (opening, closing) in layout.blocks.items():
        _check_braces(layout, table, opening, closing)
        edits = changes.get(table) or {}
        if not edits:
            shift = writer.position - cursor
            blocks[table] = (opening + shift, closing + shift)
            continue
        writer.copy(cursor, opening + 1)
        new_opening = writer.position - 1
        pieces = _pieces(layout, table, edits, (expected or {}).get(table))
        if pieces:
            writer.write(b"\n")
            for number, piece in enumerate(pieces):
                if number:
                    writer.write(b",\n")
                if isinstance(piece, bytes):
                    writer.write(piece)
                else:
                    writer.copy(*piece)
            writer.write(b"\n")
        writer.write(b"}")
        blocks[table] = (new_opening, writer.position - 1)
        cursor = closing + 1
    writer.copy(cursor, len(layout.map))
    return blocks


def _check_braces(layout: Layout, table: str, opening: int, closing: int) -> None:
    data = layout.map
    header = b'"' + table.encode() + b'": {'
    if (
        data[opening - len(header) + 1 : opening + 1] != header
        or data[closing : closing + 1] != b"}"
        or (closing > opening + 1 and data[closing - 1 : closing] != b"\n")
    ):
        raise ChangedUnderneath(f"table {table!r} is not where the index says")


def _check_run(layout: Layout, start: int, end: int, body_end: int) -> None:
    """A run of whole lines: it starts a line with a record's ID and ends a line."""
    data = layout.map
    if (
        data[start - 1 : start] != b"\n"
        or data[start : start + 1] != b'"'
        or (data[end : end + 2] != b",\n" if end < body_end else data[end : end + 1] != b"\n")
        or data[end - 1 : end] != b"}"
    ):
        raise ChangedUnderneath("a run of lines does not start and end where expected")


def _pieces(
    layout: Layout,
    table: str,
    edits: Mapping[str, bytes | None],
    expected: Mapping[str, bytes | None] | None = None,
) -> list[bytes | tuple[int, int]]:
    """The table's new lines: runs of old lines as (start, end) and new lines as bytes."""
    start, end = layout.body(table)
    pieces: list[bytes | tuple[int, int]] = []
    cursor = start
    for record_id in sorted(edits):
        span = layout.seek(table, record_id)
        if expected is not None:
            found = layout.line_body(record_id, span) if span.found else None
            if found != expected.get(record_id):
                raise ChangedUnderneath(f"{table} record {record_id} changed since it was read")
        run_end = span.start - 2 if span.start < end else end
        if run_end > cursor:
            _check_run(layout, cursor, run_end, end)
            pieces.append((cursor, run_end))
        body = edits[record_id]
        if span.found:
            cursor = min(span.end + 2, end)
        else:
            cursor = span.start
            if body is None:
                continue  # deleting what is not there: nothing to do
        if body is not None:
            pieces.append(orjson.dumps(record_id) + b": " + body)
    if cursor < end:
        _check_run(layout, cursor, end, end)
        pieces.append((cursor, end))
    return pieces


_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM}


class _Writer:
    """Appends bytes and ranges of the old file to the new one, counting its length."""

    def __init__(self, source_fd: int, out_fd: int) -> None:
        self.source_fd = source_fd
        self.out_fd = out_fd
        self.position = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.out_fd, view)
            view = view[written:]
        self.position += len(data)

    def copy(self, start: int, end: int) -> None:
        remaining = end - start
        offset = start
        copy_range = getattr(os, "copy_file_range", None)
        while remaining > 0:
            done = 0
            if copy_range is not None:
                try:
                    done = copy_range(self.source_fd, self.out_fd, remaining, offset)
                except OSError as exc:
                    if exc.errno not in _UNSUPPORTED:
                        raise
                    copy_range = None  # across file systems, or an old kernel: by hand
            if not done:
                chunk = os.pread(self.source_fd, min(remaining, 1 << 20), offset)
                if not chunk:
                    raise OSError("the database file got shorter while being copied")
                self.write(chunk)
                self.position -= len(chunk)
                done = len(chunk)
            offset += done
            remaining -= done
            self.position += done
