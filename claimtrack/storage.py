"""The database file: parsing, validation, atomic writes and the inter-process lock.

TinyDB reads and writes through a ``Storage``. ``SnapshotStorage`` holds the parsed file
in memory for the length of one command: the file is parsed once, TinyDB works on the
snapshot, and a writing command saves it once, atomically, while holding the lock.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from claimtrack.errors import DatabaseError
from claimtrack.model import SCHEMA_VERSION

TABLES = ("claims", "sources", "links", "events")
META = "_meta"

Data = dict[str, dict[str, Any]]

LOCK_TIMEOUT_ENV = "CLAIMTRACK_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0


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
    if len(text.lstrip("-")) > 18:
        raise ValueError(f"the number {text[:30]} is too large")
    return int(text)


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


def _load(raw: bytes) -> Any:
    """Fast path for files in our own layout, strict path for anything else."""
    data = orjson.loads(raw)
    if isinstance(data, dict) and all(isinstance(t, dict) for t in data.values()):
        # In a file laid out by `dump` every table name and every record starts a line
        # with a quote; a record ID given twice leaves more such lines than records.
        expected = len(data) + sum(len(table) for table in data.values())
        if raw.count(b'\n"') == expected:
            return data
    return strict_loads(raw)


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
    return migrate(data, version)


LARGEST = 1e18


def _check_numbers(data: Data, path: Path) -> None:
    """orjson reads an integer too large for 64 bits as a float, silently; a write would
    then save a different number. The fields that hold numbers must hold sane ones."""
    for key, link in data["links"].items():
        check_link_numbers(key, link, path)
    for key, claim in data["claims"].items():
        check_claim_numbers(key, claim, path)


def check_link_numbers(key: str, link: dict[str, Any], path: Path) -> None:
    position = link.get("position", 0)
    if not isinstance(position, int) or isinstance(position, bool) or abs(position) > LARGEST:
        raise DatabaseError(
            f"database file {path}: link {key} has an invalid position {position!r}",
            "it was left untouched; restore it from a backup or git",
        )


def check_claim_numbers(key: str, claim: dict[str, Any], path: Path) -> None:
    for quantity in claim.get("quantities") or []:
        for name in ("value", "low", "high"):
            number = quantity.get(name) if isinstance(quantity, dict) else None
            if isinstance(number, float) and not abs(number) <= LARGEST:
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


def read_file(path: Path, *, skip: frozenset[str] = frozenset()) -> Data:
    """The parsed database, or an empty one when the file does not exist yet.

    Reading commands may ``skip`` tables they never look at (the history, mostly): in a
    file laid out by ``dump`` each table is a block of its own, so the others can be
    parsed without it. Writing commands always parse and check the whole file.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return empty_data()
    except IsADirectoryError:
        raise DatabaseError(f"database path {path} is a directory") from None
    except OSError as exc:
        raise DatabaseError(f"cannot read database file {path}: {exc.strerror}") from None
    if skip:
        partial = _without_tables(raw, skip)
        if partial is not None:
            return parse(partial, path)
    return parse(raw, path)


def _without_tables(raw: bytes, skip: frozenset[str]) -> bytes | None:
    """The file's bytes with the named tables emptied, or None if the layout is not ours."""
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


def atomic_write(path: Path, payload: bytes | Callable[[int], None]) -> None:
    """Write ``path`` through ``replacing``: ``payload`` is the file's bytes, or a
    function that writes them to a file descriptor."""
    with replacing(path) as (fd, _):
        if callable(payload):
            payload(fd)
        else:
            with open(fd, "wb", closefd=False) as handle:
                handle.write(payload)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[tuple[int, str]]:
    """A new file beside ``path`` to write (its descriptor and name); when the block
    ends it is fsynced and renamed over ``path``, and the folder fsynced. A reader (or a
    crash) sees either the old file or the new one, never a mix; if the block fails,
    the new file is removed. New files are owner-only; an existing file keeps the mode
    its owner gave it."""
    directory = path.parent
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    try:
        directory.mkdir(parents=True, exist_ok=True)
        import tempfile  # not at the top: readers never write, and it loads random

        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise DatabaseError(f"cannot write to {directory}: {exc.strerror}") from None
    try:
        try:
            yield fd, tmp_name
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise DatabaseError(
                f"cannot write {path}: {exc.strerror}", "the database was left as it was"
            ) from None
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(path: Path) -> None:
    """Temp files left by a writer that was killed; only called while holding the lock."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def lock_timeout() -> float:
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise DatabaseError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None


class _Busy(Exception):
    """Another process held the lock for the whole timeout."""


class _PosixLock:
    """``flock`` on the lock file: what filelock does on POSIX systems, without its
    import, which costs a writing command about 25 ms (measured with Typer loaded)."""

    def __init__(self, lock_path: Path, timeout: float) -> None:
        self.lock_path = lock_path
        self.timeout = timeout
        self.fd = -1

    def acquire(self) -> None:
        import fcntl
        import time

        deadline = time.monotonic() + self.timeout
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise _Busy from None
                time.sleep(0.05)
                continue
            except OSError:
                os.close(fd)
                raise
            # A lock file deleted (and perhaps made anew) while we waited is another lock.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the last descriptor releases the flock
            self.fd = -1


class _PortableLock:
    """filelock, where there is no ``flock`` (Windows)."""

    def __init__(self, lock_path: Path, timeout: float) -> None:
        from filelock import FileLock

        self.lock = FileLock(lock_path, timeout=timeout, mode=0o600)

    def acquire(self) -> None:
        from filelock import Timeout

        try:
            self.lock.acquire()
        except Timeout:
            raise _Busy from None

    def release(self) -> None:
        self.lock.release()


@contextlib.contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the database's lock file for a whole read-modify-write. The lock is the
    operating system's: it is released if the process dies."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create {path.parent}: {exc.strerror}") from None
    wait = lock_timeout() if timeout is None else timeout
    lock = (_PosixLock if os.name == "posix" else _PortableLock)(lock_path, wait)
    holder_path = path.with_name(path.name + ".lock.holder")
    try:
        lock.acquire()
    except _Busy:
        raise DatabaseError(
            f"database {path} is locked by another claimtrack command{_holder(holder_path)}",
            f"wait for it to finish, or raise {LOCK_TIMEOUT_ENV} (seconds; now {lock_timeout():g})",
        ) from None
    except OSError as exc:
        raise DatabaseError(f"cannot lock {lock_path}: {exc.strerror}") from None
    try:
        # Who holds the lock, for the message a waiting command gives when it gives up.
        # The lock itself is the OS's (released if this process dies); this is a note.
        with contextlib.suppress(OSError):
            fd = os.open(holder_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n{_command_line()}\n")
        yield
    finally:
        with contextlib.suppress(OSError):
            holder_path.unlink()
        lock.release()


_VERBS = {
    "add",
    "edit",
    "status",
    "note",
    "rm",
    "link",
    "unlink",
    "import",
    "init",
    "demo",
    "undo",
    "redo",
    "source",
    "git",
    "extract",
    "setup",
    "merge-driver",
    "list",
    "show",
}


def _command_line() -> str:
    """The command holding the lock, by its verbs only: its arguments may be a
    confidential source's name, and this ends up in another command's error message."""
    import sys

    verbs = [word for word in sys.argv[1:] if word in _VERBS][:2]
    return " ".join(["claimtrack", *verbs])


def _holder(holder_path: Path) -> str:
    try:
        pid, command = holder_path.read_text(encoding="utf-8").split("\n", 1)
    except (OSError, ValueError):
        return ""
    return f": '{command.strip()}' (process {pid.strip()})"


class SnapshotStorage(Storage):  # type: ignore[misc]
    """TinyDB storage over an in-memory snapshot of the file, saved by the caller."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self.dirty = False

    def read(self) -> Data:
        return self.data

    def write(self, data: Data) -> None:
        self.data = data
        self.dirty = True
