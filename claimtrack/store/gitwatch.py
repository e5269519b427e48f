"""Writes that git cannot undo: no database write while git rewrites the working tree.

A ``git pull`` (merge, checkout, reset, stash, a rebase step) writes ``claims.json``
itself, after claimtrack's merge driver ran and without claimtrack's lock: a write
acknowledged meanwhile was overwritten by git's result, silently. Git holds its index
lock, ``<git dir>/index.lock``, from before it looks at the working tree until after it
wrote it (gitglossary, ``lockfile`` in git's api docs): that file is the one reliable
sign, across git versions, that git may be about to replace tracked files. ``MERGE_HEAD``
and the rebase folders outlive the rewriting (they say a merge or rebase stopped for
the user), so they are not waited on.

A writing command therefore (``GitWatch``):

1. waits, before it reads the database, while git holds its index lock (up to the lock
   timeout, ``CLAIMTRACK_LOCK_TIMEOUT``), so that it works on git's result;
2. before saving, if git took its lock since, waits again and refuses to save when git
   changed the file meanwhile ("run the command again": nothing written);
3. after saving, if git holds its lock now, waits and checks that the file is still the
   one it wrote; if git replaced it, the command fails instead of reporting success.

So a write that exits 0 is in the file git left. A command run by git itself (a hook,
the merge driver: ``GIT_INDEX_FILE`` is set) does not wait for the lock its git holds.
A database outside any git repository costs a few ``stat`` calls per write.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from claimtrack.errors import DatabaseError

# How often a waiting write looks at git's lock again, in seconds.
POLL = 0.05


def git_dir(folder: Path) -> Path | None:
    """The git directory of the repository ``folder`` is in (a linked worktree's own,
    read from its ``.git`` file), or None when it is in none."""
    for candidate in (folder, *folder.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                line = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                return None
            if line.startswith("gitdir:"):
                target = Path(line[len("gitdir:") :].strip())
                return target if target.is_absolute() else candidate / target
            return None
    return None


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class GitWatch:
    """Watches git's index lock for one database file (``path``); ``lock`` is None
    outside a repository or when run by git itself."""

    path: Path
    lock: Path | None
    timeout: float
    _seen: tuple[int, int, int, int] | None = None

    @classmethod
    def of(cls, path: Path, timeout: float) -> GitWatch:
        found = None if "GIT_INDEX_FILE" in os.environ else git_dir(path.parent)
        return cls(path, None if found is None else found / "index.lock", timeout)

    def _busy(self) -> bool:
        return self.lock is not None and os.path.lexists(self.lock)

    def _wait(self) -> None:
        deadline = time.monotonic() + self.timeout
        while self._busy():
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"git has held {self.lock} for {self.timeout:g} s: a git command is "
                    f"rewriting the working tree, so {self.path.name} was not written",
                    "wait for git to finish and run the command again; if no git command "
                    "is running, a crashed one left the lock: remove that file",
                )
            time.sleep(POLL)

    def before_reading(self) -> None:
        """Step 1: wait for git, then note the file as read."""
        self._wait()
        self._seen = _identity(self.path)

    def before_saving(self) -> None:
        """Step 2. Raises ``DatabaseError`` when git changed the file since it was read."""
        if not self._busy():
            return
        self._wait()
        if _identity(self.path) != self._seen:
            raise DatabaseError(
                f"git rewrote {self.path} while this command worked on it (a pull, merge "
                "or checkout): nothing was written",
                "run the command again: it will work on git's result",
            )

    def after_saving(self, written: os.stat_result | None) -> None:
        """Step 3, given the written file's ``fstat`` (None when nothing was written).
        Raises ``DatabaseError`` when git replaced the file just written."""
        if written is None or self.lock is None:
            return
        self._wait()
        try:
            now = self.path.stat()
        except OSError:
            now = None
        if now is None or (now.st_dev, now.st_ino) != (written.st_dev, written.st_ino):
            raise DatabaseError(
                f"git replaced {self.path} as this command saved it (a pull, merge or "
                "checkout started meanwhile): this change is not in the file",
                "run the command again: it will work on git's result",
            )
