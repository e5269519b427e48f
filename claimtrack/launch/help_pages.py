"""Help pages kept in the user's cache: ``claimtrack --help`` without Typer.

``claimtrack --help``, ``claimtrack COMMAND --help`` and ``claimtrack GROUP COMMAND
--help`` (or ``-h``) print a page that Click lays out from the commands' declarations.
Importing Typer, its Click and every command module to do that is most of the
command's start-up (docs/performance.md, "Start-up: help pages kept in the cache").
The page is the same every time the same code is asked the same way, so the first run
keeps the bytes it printed in the user's cache, and the next one prints them and
imports none of it.

A kept page is printed only when everything its bytes depend on is as it was when it
was kept (the page's *key*, and its *stamps*):

- the arguments, exactly;
- the terminal: ``COLUMNS``, else the terminal's width; whether stdout and stderr are
  terminals; stdout's encoding and error handler; every variable Click, Typer or Rich
  read to lay out or colour text, and the locale gettext would translate Click's
  words by (``ENVIRONMENT``);
- the code: this Python (its version and prefix), claimtrack's version, and the size
  and modification time (ns) of every file the page was made with: each module
  loaded from outside the standard library (claimtrack's own, Typer, its Click), the
  folders that hold them (a module added or removed) and the ``sys.path`` folders
  they came from (a package installed or removed). An editable install whose code
  changed misses; so does a page whose files changed less than ``RACY_NS`` before it
  was kept, which is not kept (a second change within the file system's time
  resolution would go unseen: git's "racy clean" problem).

Anything else, and every miss, goes through Typer as before; what it prints is copied
on the way and kept if the command printed nothing on stderr and exited 0 (so a
mistyped command's error is never kept). A kept page that cannot be read, is corrupt
or could have been written by another user is a miss; a cache that cannot be written
is left alone: the cache never makes a help page fail or differ.
"""

import io
import os
import sys

from claimtrack.store import user_cache

# No ``from __future__ import annotations`` in the launcher's modules: that statement
# imports the ``__future__`` module at run time, which a kept page has no need of (a
# test holds what a kept page imports). Types imported for mypy alone are strings.
TYPE_CHECKING = False  # as typing's, without importing typing (mypy knows the name)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, Any

HELP_FLAGS = frozenset({"--help", "-h"})
# What a page's bytes may depend on, besides the arguments and the code: the variables
# Click (COLUMNS through shutil), Typer (typer/rich_utils.py, typer/core.py) and Rich
# (rich/console.py) read for width and colour, and gettext's locale variables. Today
# claimtrack's help is Click's plain layout (``rich_markup_mode=None``), which only the
# width changes; the others keep a kept page right if that ever changes.
ENVIRONMENT = (
    "COLUMNS",
    "LINES",
    "TERMINAL_WIDTH",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "PY_COLORS",
    "TERM",
    "COLORTERM",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "GITHUB_ACTIONS",
    "DATABRICKS_RUNTIME_VERSION",
    "TYPER_USE_RICH",
    "_TYPER_FORCE_DISABLE_TERMINAL",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
)
COMPLETING = "_CLAIMTRACK_COMPLETE"  # the shell asking Typer for completions
FORMAT = b"claimtrack help page 1\n"  # the first line of a kept page's file
# A page whose files changed this recently is not kept: file systems keep modification
# times to a clock tick (ext4), a second (HFS+) or two (FAT), and a same-sized change
# within that tick would keep the old stamp.
RACY_NS = 2_000_000_000
KEEP_AT_MOST = 200  # pages kept; beyond that the oldest are removed when one is kept
FOLDER = "help"  # under the user's cache folder (``store.user_cache``)


def asked_for(args: list[str]) -> bool:
    """Whether ``args`` (the command line without the program's name) only ask for a
    help page: at most two command names, then ``--help`` or ``-h``; and whether the
    standard streams are the interpreter's own (so what is printed can be copied)."""
    if not 1 <= len(args) <= 3 or args[-1] not in HELP_FLAGS or os.environ.get(COMPLETING):
        return False
    if not all(isinstance(s, io.TextIOWrapper) for s in (sys.stdout, sys.stderr)):
        return False
    return all(_is_name(arg) for arg in args[:-1])


def _is_name(arg: str) -> bool:
    """A command's name as claimtrack spells them: ``source``, ``merge-driver``."""
    return arg.isascii() and arg[:1].isalpha() and arg.replace("-", "").isalnum()


def print_kept(args: list[str]) -> bool:
    """Print the kept page for ``args`` and return True; False where none may be used.
    A failure to write stdout (a closed pipe) is raised, as Typer's own would be."""
    try:
        page = _kept(_key(args))
    except (OSError, ValueError, UnicodeError):  # unreadable or corrupt: a miss
        return False
    if page is None:
        return False
    out = sys.stdout.buffer
    out.write(page)
    out.flush()
    return True


def record(args: list[str], run: "Callable[[], None]") -> None:
    """Run ``run`` (Typer's command line) with what it prints copied, and keep the page
    for ``args`` if it printed nothing on stderr and exited 0. What ``run`` raises
    (``SystemExit``, a closed pipe) is raised as it was."""
    key = _key(args)  # before Typer: it sets stdout's error handler (``fit_text_streams``)
    stdout, stderr = sys.stdout, sys.stderr
    page = _Copy(stdout.buffer, keep=True)
    said = _Copy(stderr.buffer, keep=False)
    sys.stdout, sys.stderr = _text(stdout, page), _text(stderr, said)
    succeeded = False
    try:
        try:
            run()
        except SystemExit as exc:
            succeeded = exc.code in (None, 0)
            raise
        succeeded = True
    finally:
        page.release()
        said.release()
        sys.stdout, sys.stderr = stdout, stderr
        if succeeded and not said.written:
            keep(key, bytes(page.kept), code_files())


# -- the key and the stamps ------------------------------------------------------------


def _key(args: list[str]) -> bytes:
    """Everything but the code's files that a page's bytes depend on, as one line."""
    from claimtrack import __version__

    stdout = sys.stdout
    return repr(
        (
            __version__,
            sys.version,
            sys.prefix,
            args,
            [os.environ.get(name) for name in ENVIRONMENT],
            _columns(),
            _isatty(stdout),
            _isatty(sys.stderr),
            getattr(stdout, "encoding", None),
            getattr(stdout, "errors", None),
        )
    ).encode("utf-8", "surrogateescape")


def _columns() -> int | None:
    """The terminal's width, where ``shutil.get_terminal_size`` (which Click asks) looks
    for it when ``COLUMNS`` is not set; None without a terminal."""
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return None


def _isatty(stream: "IO[Any]") -> bool:
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def code_files() -> list[str]:
    """The files a page was just made with: every module loaded from outside the
    standard library (Python's version, in the key, stands for that), the folders
    holding them, and the ``sys.path`` folders they were found in."""
    stdlib = os.path.dirname(os.__file__) + os.sep
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and not (path.startswith(stdlib) and "-packages" not in path):
            files.add(os.path.abspath(path))
    folders = {os.path.dirname(path) for path in files}
    entries = {os.path.abspath(entry) for entry in sys.path if entry}
    roots = {root for root in entries if any(path.startswith(root + os.sep) for path in files)}
    return sorted(files | folders | roots)


# -- the cache --------------------------------------------------------------------------


def _folder() -> str:
    """``help`` in claimtrack's cache folder (``store.user_cache``, which imports nothing
    the interpreter has not: ``store.files`` and its pathlib, contextlib and re took a
    fifth of a kept page's start-up)."""
    return os.path.join(user_cache.folder(), FOLDER)


def _name(key: bytes) -> str:
    """The file a page is kept in: its key as a number, modulo the prime 2**61 - 1, in
    hex. Two keys may share a name (one page then replaces the other): the key is in
    the file, and compared. Not zlib's CRC-32: loading zlib took 0.6 ms, longer than
    reading the page."""
    return f"{int.from_bytes(key, 'big') % (2**61 - 1):016x}"


def _kept(key: bytes) -> bytes | None:
    """The page kept under ``key`` if its files are as they were; else None. Raises
    OSError or ValueError for a page that cannot be read or parsed."""
    folder = _folder()
    private = user_cache.owned_privately
    if not (private(os.lstat(os.path.dirname(folder))) and private(os.lstat(folder))):
        return None
    with open(os.path.join(folder, _name(key)), "rb") as handle:
        if not private(os.fstat(handle.fileno())):
            return None
        data = handle.read()
    return parse(data, key)


def parse(data: bytes, key: bytes) -> bytes | None:
    """The page in a kept file's ``data`` if it was kept under ``key`` and its files
    are unchanged; None if not; ValueError if ``data`` is not such a file.

    The file: ``FORMAT``; the key; the number of stamps, then one line each
    (``mtime_ns size path``); the page's length in bytes; the page."""
    if not data.startswith(FORMAT):
        raise ValueError("not a kept help page")
    lines = _Lines(data, len(FORMAT))
    if lines.next() != key:
        return None
    for _ in range(int(lines.next())):
        mtime, size, path = lines.next().split(b" ", 2)
        found = os.stat(path)
        if found.st_mtime_ns != int(mtime) or found.st_size != int(size):
            return None
    length = int(lines.next())
    page = data[lines.at :]
    if len(page) != length:
        raise ValueError("a kept help page cut short")
    return page


class _Lines:
    """The lines of a kept file, one at a time, from byte ``at``."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data, self.at = data, at

    def next(self) -> bytes:
        end = self.data.index(b"\n", self.at)  # ValueError past the end
        line, self.at = self.data[self.at : end], end + 1
        return line


def keep(key: bytes, page: bytes, files: list[str]) -> None:
    """Keep ``page`` under ``key``, stamped with ``files``; quietly nothing where the
    cache cannot be written or a file changed too recently to be stamped."""
    import contextlib

    with contextlib.suppress(OSError, ValueError):  # a cache: the page was printed anyway
        _write(key, page, files)


def _write(key: bytes, page: bytes, files: list[str]) -> None:
    from pathlib import Path

    from claimtrack.store.files import private_folder

    stamps = [os.stat(path) for path in files]
    folder = _folder()
    private_folder(Path(folder))  # owner-only, or PermissionError if another's
    target = os.path.join(folder, _name(key))
    temporary = f"{target}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(fd, "wb") as handle:
            handle.write(FORMAT + key + b"\n" + b"%d\n" % len(files))
            for path, found in zip(files, stamps, strict=True):
                if "\n" in path:
                    raise ValueError("a file name with a line break")
                stamp = b"%d %d " % (found.st_mtime_ns, found.st_size)
                handle.write(stamp + os.fsencode(path) + b"\n")
            handle.write(b"%d\n" % len(page) + page)
            handle.flush()
            now = os.fstat(handle.fileno()).st_mtime_ns  # the file system's clock
        if any(now - found.st_mtime_ns < RACY_NS for found in stamps):
            raise ValueError("a file changed too recently to be stamped")
        # Not fsynced: a page lost in a crash is made again, and one cut short is
        # known by its length.
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    _prune(folder)


def _prune(folder: str) -> None:
    """Remove the oldest kept pages beyond ``KEEP_AT_MOST`` (one per terminal width and
    command: a handful in use, many more after a code change or many widths)."""
    names = [name for name in os.listdir(folder) if not name.endswith(".tmp")]
    if len(names) <= KEEP_AT_MOST:
        return
    paths = [os.path.join(folder, name) for name in names]
    paths.sort(key=lambda path: os.stat(path).st_mtime_ns)
    for path in paths[: len(paths) - KEEP_AT_MOST]:
        os.unlink(path)


# -- copying what Typer prints ------------------------------------------------------------


class _Copy(io.BufferedIOBase):
    """A binary stream that writes through to ``target`` (the process's own stdout or
    stderr buffer) and keeps a copy (``keep``) or notes that anything was written."""

    def __init__(self, target: "IO[bytes]", *, keep: bool) -> None:
        super().__init__()
        self.target = target
        self.keeps = keep
        self.kept = bytearray()
        self.written = False
        self.released = False

    @property
    def name(self) -> "Any":
        return getattr(self.target, "name", None)

    def writable(self) -> bool:
        return True

    def write(self, data: "Any") -> int:
        chunk = bytes(data)
        self.target.write(chunk)
        self.written = self.written or bool(chunk)
        if self.keeps:
            self.kept += chunk
        return len(chunk)

    def flush(self) -> None:
        if not self.released:
            self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    def release(self) -> None:
        """Hand the target back: from now on the wrapper over this stream does not
        flush or close it (the process's own stream is flushed by the caller)."""
        self.released = True

    def close(self) -> None:
        self.released = True  # never the process's own stream


def _text(stream: "Any", copy: _Copy) -> io.TextIOWrapper:
    """A text stream over ``copy`` that encodes and buffers as ``stream`` does
    (CPython's stdio: no newline translation, line-buffered on a terminal)."""
    return io.TextIOWrapper(
        copy,
        encoding=stream.encoding,
        errors=stream.errors,
        newline="\n",
        line_buffering=stream.line_buffering,
        write_through=True,
    )
