"""The database file's format: strict parsing, validation, migration and the dump.

One JSON object of tables (``_meta``, ``claims``, ``links``, ``sources``, ``events``),
each an object of records by ID. ``dump`` writes tables in name order and one record
per line in ID order with keys sorted, so a change to a record changes one line of a
`git diff`, and ``claimtrack.store.layout`` can find a record by binary search.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from claimtrack.errors import DatabaseError
from claimtrack.model import SCHEMA_VERSION, number_fits

TABLES = ("claims", "sources", "links", "events")
META = "_meta"

Data = dict[str, dict[str, Any]]


def empty_data() -> Data:
    data: Data = {META: {"schema": {"version": SCHEMA_VERSION}}}
    for table in TABLES:
        data[table] = {}
    return data


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise DuplicateKey(f"the key {twice!r} appears twice in one object")
    return record


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _bounded_int(text: str) -> int:
    # Checked by length first: int() of a million digits is slow (and Python refuses it).
    if len(text.lstrip("-")) > 19 or not number_fits(number := int(text)):
        raise ValueError(f"the number {text[:30]} is too large")
    return number


def strict_loads(raw: bytes) -> Any:
    """JSON that must not be ambiguous: duplicate keys, NaN and huge integers are errors.

    Python's json with hooks costs about what orjson does once objects are built, and
    unlike orjson it can see a key given twice (which would silently lose one value).
    """
    try:
        return json.loads(
            raw,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None


# Every ASCII digit to "0", every other byte to a space: a run of twenty digits becomes
# twenty zeros, which ``bytes.find`` finds about six times faster than the regular
# expression ``\d{20}`` searches for it (as fast as orjson parses the same bytes).
_DIGITS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_TWENTY = b"0" * 20
_PIECE = 1 << 20


def has_twenty_digits(raw: bytes) -> bool:
    r"""Whether ``raw`` holds twenty ASCII digits in a row (``re``'s ``\d{20}``) that
    may be a number (``twenty_digit_number``), looked for a megabyte at a time
    (overlapping by 19 bytes), never copied whole."""
    for start in range(0, len(raw), _PIECE):
        piece = raw[start : start + _PIECE + 19].translate(_DIGITS)
        if twenty_digit_number(raw, piece, start):
            return True
    return False


# A JSON number never follows one of these: digits after one are inside a text.
IN_TEXT = frozenset(b'"_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')


def twenty_digit_number(raw: bytes, translated: bytes, offset: int = 0) -> bool:
    """Whether ``translated`` (``raw`` from ``offset``, each digit made ``0``) holds
    twenty digits in a row that may be a number: not after a letter, ``_`` or a quote,
    which only a text has before digits. A history's hashes hold such runs in their hex
    (one in 700): a text orjson reads exactly, not a number it would read as a float."""
    found = translated.find(_TWENTY)
    while found >= 0:
        start = offset + found
        while start > 0 and 48 <= raw[start - 1] <= 57:
            start -= 1
        if start == 0 or raw[start - 1] not in IN_TEXT:
            return True
        end = found + len(_TWENTY)
        while end < len(translated) and translated[end] == 48:
            end += 1
        found = translated.find(_TWENTY, end)
    return False


def _load(raw: bytes) -> Any:
    """Fast path for files in our own layout, strict path for anything else."""
    if has_twenty_digits(raw):
        # orjson reads an integer wider than 64 bits as a float, silently, and a write
        # would save the float; such an integer has 20 digits or more. The strict path
        # reads it exactly and refuses it (digits inside a text only cost that path).
        return strict_loads(raw)
    data = orjson.loads(raw)
    if isinstance(data, dict) and all(isinstance(t, dict) for t in data.values()):
        # In a file laid out by `dump` every table name and every record starts a line
        # with a quote; a record ID given twice leaves more such lines than records.
        expected = len(data) + sum(len(table) for table in data.values())
        # ... and each such line holds one key and one record: a record written twice on
        # one line ("a": {...}, "a": {...}) takes the strict path, which refuses it.
        if raw.count(b'\n"') == expected and key_separators(raw) == expected:
            return data
    return strict_loads(raw)


def key_separators(raw: bytes) -> int:
    """How many times ``raw`` holds a key followed by ``": "``, which ``dump`` writes
    once per table and once per record line and orjson never writes inside a record (a
    ``\\": `` inside a string is not one)."""
    return raw.count(b'": ') - raw.count(b'\\": ')


def line_key_separators(lines: bytes) -> int:
    """``key_separators`` of record lines (joined by newlines), exactly: a line where
    more than one ``": `` is left is parsed alone, strictly, and counts one if it holds
    one record. A string that begins with ``: `` is written ``": `` too (the quote that
    opens it), where the quick count takes it for a second record on the line."""
    count = 0
    for line in lines.split(b"\n"):
        found = line.count(b'": ') - line.count(b'\\": ')
        if found > 1:
            with contextlib.suppress(ValueError):
                if len(strict_loads(b"{" + line.removesuffix(b",") + b"}")) == 1:
                    found = 1
        count += found
    return count


_CONFLICT_MARKERS = (re.compile(rb"^<{7}(?: |\r?$)", re.M), re.compile(rb"^>{7}(?: |\r?$)", re.M))


def has_conflict_markers(raw: bytes) -> bool:
    """Whether ``raw`` holds the lines git writes around a conflict it could not merge as
    text (``<<<<<<< ours`` ... ``>>>>>>> theirs``, at the start of a line), which no
    file ``dump`` wrote can hold."""
    return all(marker.search(raw) for marker in _CONFLICT_MARKERS)


def parse(raw: bytes, path: Path) -> Data:
    """Parse and check the file's shape; never guess at a damaged file."""
    if not raw or raw.isspace():
        raise DatabaseError(
            f"database file {path} is empty",
            "restore it from a backup or git, or remove it to start afresh",
        )
    try:
        data = _load(raw)
    except (orjson.JSONDecodeError, ValueError) as exc:
        if has_conflict_markers(raw):
            raise DatabaseError(
                f"database file {path} holds git conflict markers: git merged it as text, "
                "without claimtrack's merge driver",
                "run 'claimtrack git resolve' to merge the versions git kept, record by "
                "record; then 'claimtrack git setup' so the next merge needs no help",
            ) from None
        raise DatabaseError(
            f"database file {path} is not valid JSON ({exc})",
            "it was left untouched; restore it from a backup or git",
        ) from None
    if not isinstance(data, dict):
        raise DatabaseError(f"database file {path} is not a claimtrack database")
    meta = data.get(META)
    if not isinstance(meta, dict) or not isinstance(meta.get("schema"), dict):
        raise DatabaseError(
            f"database file {path} is not a claimtrack database (no schema version)",
            "'claimtrack import' reads exports; 'claimtrack init' makes a new database",
        )
    version = meta["schema"].get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DatabaseError(f"database file {path} has an invalid schema version")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"database file {path} has schema version {version}, newer than this "
            f"claimtrack understands ({SCHEMA_VERSION})",
            "upgrade claimtrack",
        )
    for table in TABLES:
        records = data.setdefault(table, {})
        if not isinstance(records, dict) or not all(
            isinstance(record, dict) for record in records.values()
        ):
            raise DatabaseError(f"database file {path}: table {table!r} is damaged")
    _check_numbers(data, path)
    _check_shapes(data, path)
    return migrate(data, version)


# The fields every command reads without a fallback, by table: a record without one (a
# hand edit, a bad merge) is refused when the file is read, never an "internal error"
# in whichever command first meets it.
_TEXT_FIELDS = {
    "claims": ("id", "text"),
    "sources": ("id", "name"),
    "links": ("id", "claim", "source", "relation"),
    "events": ("id", "at", "actor", "change", "action", "kind", "target"),
}


def _check_shapes(data: Data, path: Path) -> None:
    """Each record has the shape ``shape_problem`` checks. Raises ``DatabaseError``
    naming the record and the field."""
    for table in _TEXT_FIELDS:
        for key, record in data[table].items():
            wrong = shape_problem(table, record)
            if wrong is not None:
                raise DatabaseError(
                    f"database file {path}: {table[:-1]} {key} has no valid {wrong!r} field",
                    "it was left untouched; fix the record (or restore the file from a "
                    "backup or git), then run 'claimtrack check'",
                )


def shape_problem(table: str, record: dict[str, Any]) -> str | None:
    """The first field of ``record`` (of ``table``) that is missing or of the wrong
    type, else None: the fields ``_TEXT_FIELDS`` names are text; an event's ``before``
    and ``after`` an object or null; ``merged`` absent, null or a list of IDs."""
    for name in _TEXT_FIELDS.get(table, ()):
        if not isinstance(record.get(name), str):
            return name
    if table == "events":
        for name in ("before", "after"):
            if not isinstance(record.get(name), (dict, type(None))):
                return name
    merged = record.get("merged")
    if merged is not None and not (
        isinstance(merged, list) and all(isinstance(i, str) for i in merged)
    ):
        return "merged"
    return None


def _check_numbers(data: Data, path: Path) -> None:
    """orjson reads an integer too large for 64 bits as a float, silently; a write would
    then save a different number. The fields that hold numbers must hold sane ones."""
    for key, link in data["links"].items():
        check_link_numbers(key, link, path)
    for key, claim in data["claims"].items():
        check_claim_numbers(key, claim, path)


def check_link_numbers(key: str, link: dict[str, Any], path: Path) -> None:
    position = link.get("position", 0)
    if not isinstance(position, int) or not number_fits(position):
        raise DatabaseError(
            f"database file {path}: link {key} has an invalid position {position!r}",
            "it was left untouched; restore it from a backup or git",
        )


def check_claim_numbers(key: str, claim: dict[str, Any], path: Path) -> None:
    for quantity in claim.get("quantities") or []:
        for name in ("value", "low", "high"):
            number = quantity.get(name) if isinstance(quantity, dict) else None
            if number is not None and not number_fits(number):
                raise DatabaseError(
                    f"database file {path}: claim {key} has a number too large "
                    f"to keep exactly ({number!r})",
                    "it was left untouched; restore it from a backup or git",
                )


def migrate(data: Data, version: int) -> Data:
    """Bring an older file forward. Version 1 is the first release: nothing to do yet."""
    data[META]["schema"]["version"] = SCHEMA_VERSION
    return data


def dump(data: Data) -> bytes:
    """Tables in name order, one record per line in ID order, keys sorted.

    A change to a record changes one line, so `git diff` of the file is one line per
    changed record and two people adding different claims touch different lines; and
    without indentation the file is a third smaller and faster to write and read.
    """
    parts: list[bytes] = []
    dump_to(parts.append, data)
    return b"".join(parts)


# Per table, records already serialised as ``dump`` writes them (keys sorted): an
# import of 100,000 claims writes them without building them again.
Packed = Mapping[str, Mapping[str, bytes]]


def dump_to(
    write: Callable[[bytes], object], data: Data, packed: Packed | None = None
) -> dict[str, tuple[int, int]]:
    """``dump`` handed to ``write`` in pieces of about a megabyte, with ``packed``
    records (IDs in no table of ``data``) in their places. Returns where each table's
    braces are (``layout.Blocks``)."""
    sort_keys = orjson.OPT_SORT_KEYS
    packed = packed or {}
    blocks: dict[str, tuple[int, int]] = {}
    pending: list[bytes] = []
    size = 0
    position = 0

    def put(piece: bytes) -> None:
        nonlocal size, position
        pending.append(piece)
        size += len(piece)
        position += len(piece)
        if size > 1 << 20:
            write(b"".join(pending))
            pending.clear()
            size = 0

    put(b"{")
    for number, name in enumerate(sorted(data)):
        records, extra = data[name], packed.get(name, {})
        put((b"\n" if number == 0 else b",\n") + orjson.dumps(name) + b": {")
        opening = position - 1
        keys = sorted({*records, *extra}) if extra else sorted(records)
        if keys:
            put(b"\n")
            separator = b""
            for key in keys:
                body = extra.get(key)
                if body is None:
                    body = orjson.dumps(records[key], option=sort_keys)
                put(separator + orjson.dumps(key) + b": " + body)
                separator = b",\n"
            put(b"\n")
        blocks[name] = (opening, position)
        put(b"}")
    put(b"\n}\n")
    write(b"".join(pending))
    return blocks


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist yet. Raises ``DatabaseError``."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise DatabaseError(f"database path {path} is a directory") from None
    except OSError as exc:
        raise DatabaseError(f"cannot read database file {path}: {exc.strerror}") from None


def without_tables(raw: bytes, skip: frozenset[str]) -> bytes | None:
    """The file's bytes with the named tables emptied, or None if the layout is not ours:
    in a file laid out by ``dump`` each table is a block of its own, so the others can be
    parsed without it (a reading command leaves the history so until it asks for it)."""
    pieces: list[bytes] = []
    position = 0
    for name in sorted(skip):
        header = b'\n"' + name.encode() + b'": {\n'
        start = raw.find(header, position)
        if start < 0:
            return None  # hand-edited or written by another tool: parse it all
        end = raw.find(b"\n}", start + len(header) - 1)
        if end < 0:
            return None
        pieces.append(raw[position : start + len(header) - 1])
        pieces.append(b"}")
        position = end + 2
    pieces.append(raw[position:])
    return b"".join(pieces)
