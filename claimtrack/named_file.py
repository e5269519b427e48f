"""Writing a file at a path the user named (``export -o``), whatever is there.

The atomic replace (``store.files.replacing``) is for regular files: a new file beside
the target, renamed over it. Renaming over anything else would destroy it: a named pipe
someone is reading from, a terminal or ``/dev/null``, or a symlink the user keeps
pointing somewhere. So, like the shell's ``>``:

- a regular file, or nothing yet, is replaced atomically;
- a symlink is followed: the file it points at is the one replaced (or created), and
  the link stays;
- a named pipe or a character device (a terminal, ``/dev/null``) is opened and written
  in place, never replaced;
- a link into ``/proc`` or ``/dev/fd`` (``/dev/stdout`` is one) names a file some
  process already has open: it is written in place too, whatever it leads to;
- anything else (a folder, a socket, a block device) is refused with a clear error.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from claimtrack.errors import ClaimtrackError

# How many links a chain may have before it is a loop (Linux's own limit is 40).
MAX_LINKS = 40
# Links into these name an open file of some process (``/dev/stdout`` -> ``/proc/self/fd/1``).
_OPEN_FILE_PREFIXES = ("/proc/", "/dev/fd/")


def _link_chain(path: Path) -> list[str]:
    """The path and each link it leads to, as written in the links (absolute)."""
    chain = [os.path.abspath(path)]
    while len(chain) <= MAX_LINKS:
        try:
            target = os.readlink(chain[-1])
        except OSError:
            return chain
        chain.append(os.path.normpath(os.path.join(os.path.dirname(chain[-1]), target)))
    raise ClaimtrackError(f"cannot write {path}: too many levels of symbolic links")


def _in_place(path: Path) -> bool:
    """Whether ``path`` is written in place (True) or replaced atomically (False);
    raises ``ClaimtrackError`` for what can be neither."""
    chain = _link_chain(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ClaimtrackError(f"cannot write {path}: {exc.strerror}") from None
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return True
    if stat.S_ISREG(mode):
        return any(hop.startswith(_OPEN_FILE_PREFIXES) for hop in chain[1:])
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file, a pipe or a terminal"
    raise ClaimtrackError(f"cannot write {path}: it is {kind}")


@contextlib.contextmanager
def _open_in_place(path: Path) -> Iterator[int]:
    try:
        # O_TRUNC: a regular file reached through /proc is emptied, as the shell's `>`
        # does; a pipe or a device ignores it.
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ClaimtrackError(f"cannot write {path}: {exc.strerror}") from None
    try:
        yield fd
    except OSError as exc:
        raise ClaimtrackError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def _replaced(path: Path) -> Path:
    """The file an atomic write replaces: ``path``, or the end of its links."""
    return Path(os.path.realpath(path))


def write_named(path: Path, payload: bytes | Callable[[int], None]) -> None:
    """Write ``payload`` (bytes, or a function writing to a file descriptor) to the
    file the user named, by the rules in this module's docstring. Raises
    ``ClaimtrackError`` when it cannot be written."""
    from claimtrack.store.files import atomic_write, write_payload

    if not _in_place(path):
        atomic_write(_replaced(path), payload)
        return
    with _open_in_place(path) as fd:
        write_payload(fd, payload)


@contextlib.contextmanager
def writing_named_by_name(path: Path) -> Iterator[str]:
    """A file name to fill (for writers that need a name, as SQLite does); when the
    block ends it becomes ``path`` by the rules of ``write_named``: renamed into place,
    or copied into a pipe or device and removed."""
    from claimtrack.store.files import replacing

    if not _in_place(path):
        with replacing(_replaced(path)) as (_, tmp_name):
            yield tmp_name
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="claimtrack-") as folder:
        tmp_name = os.path.join(folder, "output")
        yield tmp_name
        with (
            _open_in_place(path) as fd,
            open(tmp_name, "rb") as source,
            open(fd, "wb", closefd=False) as handle,
        ):
            shutil.copyfileobj(source, handle)


def refuse_own_files(target: Path, db_path: Path, what: str) -> None:
    """Refuse to write ``what`` (an export, a bundle) at ``target`` when that is the
    database ``db_path`` or a file claimtrack keeps beside it: its lock files, its
    recipients file, or anything in its evidence or timestamps folder. Replacing one
    of those would lose the record (a token's index, an archived page) without a word.
    Raises ``ClaimtrackError`` naming the file."""
    from claimtrack.evidence.folder import evidence_folder
    from claimtrack.integrity.timestamps import folder_of
    from claimtrack.store.files import holder_path_of, lock_path_of

    where = Path(os.path.realpath(target))
    if _same(where, db_path):
        raise ClaimtrackError(
            f"{target} is the database itself; {what} must not replace it",
            "name another file with -o",
        )
    kept = {
        lock_path_of(db_path): "its lock file",
        holder_path_of(db_path): "its lock file",
        db_path.with_suffix(".recipients"): "its recipients file",
    }
    folders = {
        evidence_folder(db_path): "the evidence folder",
        folder_of(db_path): "the timestamps folder",
    }
    found = next((name for path, name in kept.items() if _same(where, path)), None)
    for folder, name in folders.items():
        if found is None and where.is_relative_to(os.path.realpath(folder)):
            found = f"{name} ({folder.name}/)"
    if found is not None:
        raise ClaimtrackError(
            f"{target} is claimtrack's own, beside the database: {found}; "
            f"{what} must not replace it",
            "name a file outside the database's folders with -o",
        )


def _same(one: Path, other: Path) -> bool:
    """Whether two paths name one file (through links, or the same path twice)."""
    try:
        return one.samefile(other)
    except OSError:
        return os.path.realpath(one) == os.path.realpath(other)
