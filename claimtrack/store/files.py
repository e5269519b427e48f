"""Files that cannot be half written or written by two commands at once.

``replacing`` (and ``atomic_write`` over it) writes a new file beside the target,
fsyncs it and renames it into place, then fsyncs the folder: a reader or a crash sees
the old file or the new one, never a mix. ``locked`` holds the database's lock file (the
operating system's lock, released if the process dies) for a whole read-modify-write.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from claimtrack.errors import DatabaseError
from claimtrack.store import user_cache

LOCK_TIMEOUT_ENV = "CLAIMTRACK_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0
# The mode of everything claimtrack writes beside a database (the database, lock notes,
# exports): read and written by its owner only (DESIGN: storage).
OWNER_ONLY = 0o600


def atomic_write(path: Path, payload: bytes | Callable[[int], None]) -> None:
    """Write ``path`` through ``replacing``: ``payload`` is the file's bytes, or a
    function that writes them to a file descriptor."""
    with replacing(path) as (fd, _):
        write_payload(fd, payload)


def write_payload(fd: int, payload: bytes | Callable[[int], None]) -> None:
    """Write ``payload`` to the open file descriptor ``fd``: its bytes, or by calling
    it with ``fd``. ``fd`` stays open."""
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
    the new file is removed. The file is owner-only (``OWNER_ONLY``) after every write,
    whatever mode git (which keeps no modes: a clone or pull makes files 0644), an
    editor or the umask gave the one it replaces: it may hold what only the desk knows."""
    directory = path.parent
    mode = OWNER_ONLY
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


def lock_path_of(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def holder_path_of(path: Path) -> Path:
    return path.with_name(path.name + ".lock.holder")


def scratch_files(path: Path) -> list[tuple[str, str]]:
    """The files the store makes beside the database ``path`` that belong to this
    machine alone and are never shared (git ignores them): the lock, the note of who
    holds it and the temporary file of a write. Each as (name, glob): a literal name, or
    its start and the ``fnmatch``-style rest. The evidence folder's own are
    ``evidence.folder.scratch_files``."""
    return [
        (lock_path_of(path).name, ""),
        (holder_path_of(path).name, ""),
        (f".{path.name}.", "*.tmp"),
    ]


def file_system_now(path: Path) -> int | None:
    """The time now by the clock that stamps the database ``path`` (in nanoseconds, at
    the file system's own resolution): the lock file beside it is touched and its new
    modification time read. This, not the process's wall clock, is what an index's
    stamp is compared with (``store.index.racy``): a clock set apart from the file
    system's (another time zone is no matter; a skewed clock, a network share, a test
    under libfaketime are) must not make an index look older or newer than it is. None
    where the lock file cannot be touched."""
    lock = lock_path_of(path)
    try:
        os.utime(lock, follow_symlinks=False)
        return os.stat(lock, follow_symlinks=False).st_mtime_ns
    except (OSError, NotImplementedError):
        return None


def mark_saved(path: Path) -> None:
    """Note in the lock file beside ``path`` that a database has been saved there (one
    byte; the lock itself is the operating system's). A command that later finds the
    file missing knows it was there: replaced by git, a sync client or an editor."""
    lock = lock_path_of(path)
    with contextlib.suppress(OSError):
        if os.stat(lock).st_size == 0:
            fd = os.open(lock, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                os.pwrite(fd, b"1", 0) if hasattr(os, "pwrite") else os.write(fd, b"1")
            finally:
                os.close(fd)


def was_saved(path: Path) -> bool:
    """Whether a database has been saved at ``path`` (``mark_saved``)."""
    try:
        return os.stat(lock_path_of(path)).st_size > 0
    except OSError:
        return False


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
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, OWNER_ONLY)
            with contextlib.suppress(OSError):  # an old lock file keeps its mode otherwise
                os.fchmod(fd, OWNER_ONLY)
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
    lock_path = lock_path_of(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create {path.parent}: {exc.strerror}") from None
    wait = lock_timeout() if timeout is None else timeout
    lock = (_PosixLock if os.name == "posix" else _PortableLock)(lock_path, wait)
    holder_path = holder_path_of(path)
    holder = _holder(holder_path)
    while True:
        try:
            lock.acquire()
            break
        except _Busy:
            # The wait is for one command: while other commands take their turns (four
            # scripts adding at once, each add taking seconds on a large file), keep
            # waiting; give up when the same command held the lock the whole time.
            now = _holder(holder_path)
            if wait > 0 and now != holder:
                holder = now
                continue
            raise DatabaseError(
                f"database {path} is locked by another claimtrack command{now}",
                f"wait for it to finish, or raise {LOCK_TIMEOUT_ENV} "
                f"(seconds; now {lock_timeout():g})",
            ) from None
        except OSError as exc:
            raise DatabaseError(f"cannot lock {lock_path}: {exc.strerror}") from None
    try:
        # Who holds the lock, for the message a waiting command gives when it gives up.
        # The lock itself is the OS's (released if this process dies); this is a note.
        with contextlib.suppress(OSError):
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(holder_path, flags, OWNER_ONLY)
            if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
                os.fchmod(fd, OWNER_ONLY)  # O_CREAT's mode applies only to a new file
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n{command_name()}\n")
        yield
    finally:
        with contextlib.suppress(OSError):
            holder_path.unlink()
        lock.release()


# The command holding the lock, as another command's error message names it: the command
# line tells the store its command's name (``name_command``), never its arguments, which
# may be a confidential source's name. The store knows no command names of its own.
_command = "claimtrack"


def name_command(name: str) -> None:
    """Name the running command ("claimtrack source add") in the note a held lock
    leaves for a command that waits for it."""
    global _command
    _command = name


def command_name() -> str:
    """The running command's name (``name_command``), "claimtrack" until it is named."""
    return _command


def _holder(holder_path: Path) -> str:
    try:
        pid, command = holder_path.read_text(encoding="utf-8").split("\n", 1)
    except (OSError, ValueError):
        return ""
    return f": '{command.strip()}' (process {pid.strip()})"


# -- private files beside the database's own: the cache ----------------------------------


def user_cache_folder() -> Path:
    """claimtrack's folder in the user's cache, where the index is kept: the rule of
    ``store.user_cache``, as a ``Path``."""
    return Path(user_cache.folder())


def private_folder(folder: Path) -> None:
    """Make ``folder`` (and the cache folder above it) owner-only from the start, or
    refuse it (``PermissionError``) if another user owns it or others may write to it:
    an index planted there would decide what claimtrack shows and writes."""
    for part in (folder.parent, folder):
        try:
            os.mkdir(part, 0o700)
        except FileExistsError:
            pass
        except FileNotFoundError:
            part.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(part, 0o700)
        found = os.lstat(part)
        if not stat.S_ISDIR(found.st_mode) or not user_cache.owned_privately(found):
            raise PermissionError(f"{part} is not a private folder of this user")
        if found.st_mode & 0o077 and hasattr(os, "geteuid"):
            os.chmod(part, 0o700)  # ours, made readable by an older claimtrack


def private_file(path: Path) -> None:
    """Create ``path`` owner-only (0600) if it is not there, or check that it is this
    user's and nobody else's (``PermissionError``); never through a symbolic link.
    SQLite gives the files it keeps beside it (``-wal``, ``-shm``) the same mode."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or not user_cache.owned_privately(found):
            raise PermissionError(f"{path} is not a private file of this user")
        if found.st_mode & 0o077 and hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


# -- what a database path may be ---------------------------------------------------------


def real_path(path: Path) -> Path:
    """``path`` with symbolic links resolved, so that writers through a link and through
    the real path lock and replace the same file (the link itself stays)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_regular(path: Path) -> None:
    """Raise ``DatabaseError`` unless ``path`` is a regular file or missing: reading
    ``/dev/zero`` would never end, and a named pipe would wait for ever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseError(f"cannot read database file {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise DatabaseError(f"database path {path} is a directory")
    if not stat.S_ISREG(mode):
        raise DatabaseError(
            f"database path {path} is not a regular file",
            "a claimtrack database is a JSON file; pass its path with --db",
        )


def check_never_there(path: Path) -> None:
    """Raise ``DatabaseError`` if ``path`` is missing but a database was there: its lock
    file (``mark_saved``) or `git` tracking the path say so."""
    if was_saved(path):
        why = f"{path.name}.lock beside it shows a database was saved there"
    elif _git_tracks(path):
        why = "git tracks it (a checkout or pull may be replacing it)"
    else:
        return
    raise DatabaseError(
        f"database file {path} is missing, but {why}; nothing was written",
        "run the command again once the file is back (restore it from git or a backup); "
        f"to start a new database there, use 'claimtrack --db {path} init'",
    )


def _git_tracks(path: Path) -> bool:
    import subprocess

    try:
        found = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0
