"""The database in a git repository: set-up once per clone, and recovery when a merge
went wrong.

``Repository.setup`` makes git merge the database with claimtrack's merge driver (a
line in ``.gitattributes``, shared through the repository, and the driver in the
clone's own config, which git never copies), and keeps the files claimtrack makes beside
the database for this machine only (its lock, the lock's holder note, a write's
temporary file) out of the repository with ``.gitignore`` lines. ``.gitignore`` rather
than ``.git/info/exclude``: it is committed with ``.gitattributes``, so a clone that
never ran ``git setup`` does not commit a lock file either. Both files are edited
idempotently: a line already there is not added again.

Paths are written as git reads patterns (gitattributes(5), gitignore(5)): glob
characters escaped with a backslash, and in ``.gitattributes`` a pattern with a space
quoted in C style, since an unquoted space ends the pattern there.

``Repository.resolve`` recovers a database that git merged as text (a clone without
the driver): git keeps the common ancestor, ours and theirs in its index as stages 1, 2
and 3 of the path; they are merged record by record and the result is written and
staged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from claimtrack.errors import ClaimtrackError

if TYPE_CHECKING:
    from claimtrack.git.driver import Report as MergeReport

MERGE_ATTRIBUTE = "merge=claimtrack"
DRIVER_NAME = "claimtrack: merge claims by record ID"
_GLOB_CHARACTERS = "*?[\\"
_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_glob(literal: str) -> str:
    return "".join("\\" + char if char in _GLOB_CHARACTERS else char for char in literal)


def _leading(pattern: str) -> str:
    # '!' would make the pattern negative and '#' the line a comment (both files).
    return "\\" + pattern if pattern[:1] in ("!", "#") else pattern


def attribute_pattern(path: str, glob: str = "") -> str:
    """A ``.gitattributes`` pattern matching the file ``path`` (a '/'-separated path
    relative to the repository's top, taken literally), followed by ``glob`` (taken as
    a pattern: ``"*.warc.gz"``). Quoted in C style when it holds a space, a tab or
    another control character, or starts with a double quote (gitattributes(5))."""
    pattern = _leading(_escape_glob(path)) + glob
    if pattern.startswith('"') or any(char.isspace() or ord(char) < 32 for char in pattern):
        quoted = "".join(
            _C_ESCAPES.get(char, f"\\{ord(char):03o}" if ord(char) < 32 else char)
            for char in pattern
        )
        return f'"{quoted}"'
    return pattern


def ignore_pattern(path: str, glob: str = "") -> str:
    """A ``.gitignore`` pattern matching ``path`` (as ``attribute_pattern``). gitignore has
    no quoting: spaces inside stand for themselves, a trailing one is escaped, and a
    line break (which no line can hold) is matched by ``?``."""
    pattern = _leading(_escape_glob(path)) + glob
    pattern = pattern.replace("\n", "?").replace("\r", "?")
    if pattern.endswith(" "):
        pattern = pattern[:-1] + "\\ "
    return pattern


def _run(args: list[str], cwd: Path) -> bytes:
    """``git ARGS`` in ``cwd``: its standard output. Raises ``ClaimtrackError`` when git
    is missing or fails (its own message included)."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise ClaimtrackError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise ClaimtrackError(f"git {' '.join(args)} did not finish in 60 s") from None
    if result.returncode != 0:
        said = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        raise ClaimtrackError(f"git {' '.join(args)} failed: {said}")
    return result.stdout


def ensure_lines(file: Path, lines: Sequence[str], replacing: dict[str, str] | None = None) -> bool:
    """Append each of ``lines`` to the text file ``file`` unless a line equal to it (spaces
    around ignored) is there; a line equal to a key of ``replacing`` is first changed to
    its value. Creates the file if missing. Returns whether the file changed."""
    old = file.read_text(encoding="utf-8") if file.exists() else ""
    kept: list[str] = []
    for line in old.splitlines():
        line = (replacing or {}).get(line.strip(), line)
        if line.strip() in lines and line.strip() in {k.strip() for k in kept}:
            continue  # a line replaced by one that was already there is not doubled
        kept.append(line)
    present = {line.strip() for line in kept}
    kept += [line for line in lines if line not in present]
    new = "".join(line + "\n" for line in kept)
    if new == old:
        return False
    file.write_text(new, encoding="utf-8")
    return True


@dataclass
class SetupReport:
    """What ``Repository.setup`` changed: files edited (paths relative to the top) and
    scratch files git stopped tracking (kept on disk)."""

    edited: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Repository:
    """The git repository holding a database: ``root`` its top folder, ``database`` the
    database file's path relative to it."""

    root: Path
    database: PurePosixPath

    @classmethod
    def of(cls, db_path: Path) -> Repository:
        """The repository ``db_path`` is in. Raises ``ClaimtrackError`` when its folder does
        not exist, is in no git repository, or git is missing."""
        folder = db_path.parent
        if not folder.is_dir():
            raise ClaimtrackError(f"{folder} does not exist", "run claimtrack init first")
        top = _run(["rev-parse", "--show-toplevel"], folder).decode("utf-8").strip()
        root = Path(top)
        try:
            relative = db_path.resolve().relative_to(root.resolve())
        except ValueError:
            raise ClaimtrackError(f"{db_path} is not inside the git repository {root}") from None
        return cls(root, PurePosixPath(relative.as_posix()))

    @property
    def path(self) -> Path:
        """The database file's absolute path."""
        return self.root / self.database

    def attribute_line(self, path: PurePosixPath, attributes: str, glob: str = "") -> str:
        """The ``.gitattributes`` line giving ``attributes`` to ``path`` (relative to the
        top) followed by ``glob``."""
        return f"{attribute_pattern(path.as_posix(), glob)} {attributes}"

    def setup(self, driver: str, more_attributes: Sequence[str] = ()) -> SetupReport:
        """Make git merge the database with ``driver`` (a command line with git's
        ``%O %A %B``), give ``more_attributes`` lines too, and keep the database's
        scratch files out of the repository. Idempotent; fixes a line an earlier
        claimtrack wrote unquoted. Raises ``ClaimtrackError`` when git fails."""
        from claimtrack.evidence.folder import scratch_files as evidence_scratch
        from claimtrack.store.files import scratch_files

        report = SetupReport()
        wanted = self.attribute_line(self.database, MERGE_ATTRIBUTE)
        unquoted = f"{self.database.as_posix()} {MERGE_ATTRIBUTE}"
        fixes = {unquoted: wanted} if unquoted != wanted else {}
        if ensure_lines(self.root / ".gitattributes", [wanted, *more_attributes], fixes):
            report.edited.append(".gitattributes")
        folder = self.database.parent
        kept = [*scratch_files(Path(self.database)), *evidence_scratch(Path(self.database))]
        scratch = [(folder / name, glob) for name, glob in kept]
        ignores = [ignore_pattern(path.as_posix(), glob) for path, glob in scratch]
        if ensure_lines(self.root / ".gitignore", ignores):
            report.edited.append(".gitignore")
        # A lock file 'git add .' committed before: untracked, kept on disk.
        literal = [path.as_posix() for path, glob in scratch if not glob]
        tracked = _run(["ls-files", "-z", "--", *(":(literal)" + p for p in literal)], self.root)
        for name in filter(None, tracked.decode("utf-8").split("\0")):
            _run(["rm", "--cached", "--quiet", "--", ":(literal)" + name], self.root)
            report.untracked.append(name)
        _run(["config", "merge.claimtrack.name", DRIVER_NAME], self.root)
        _run(["config", "merge.claimtrack.driver", driver], self.root)
        return report

    def conflict_versions(self) -> tuple[bytes, bytes, bytes]:
        """The common ancestor, ours and theirs of the database, as git keeps them in its
        index during a merge (stages 1, 2, 3). An ancestor missing (added on both sides)
        is empty. Raises ``ClaimtrackError`` when git has no conflict for the database,
        or one side deleted it."""
        spec = ":(literal)" + self.database.as_posix()
        listed = _run(["ls-files", "--unmerged", "-z", "--", spec], self.root)
        stages: dict[str, str] = {}
        for entry in filter(None, listed.decode("utf-8").split("\0")):
            info, _, _ = entry.partition("\t")
            _, blob, stage = info.split()
            stages[stage] = blob
        if not stages:
            raise ClaimtrackError(
                f"git has no merge conflict for {self.database}: nothing to resolve",
                "'claimtrack git resolve' works while 'git status' lists it as "
                "'both modified', after a merge or pull stopped on it",
            )
        if "2" not in stages or "3" not in stages:
            side = "ours" if "2" not in stages else "theirs"
            raise ClaimtrackError(
                f"{self.database} was deleted on one side of the merge ({side}): there is "
                "nothing to merge it with",
                f"keep one side with 'git checkout --ours (or --theirs) -- {self.database}' "
                "and 'git add' it",
            )
        blobs = (stages.get("1"), stages["2"], stages["3"])
        return tuple(  # type: ignore[return-value]
            _run(["cat-file", "blob", blob], self.root) if blob else b"" for blob in blobs
        )

    def resolve(self, actor: str, force: bool = False) -> MergeReport:
        """Merge the three versions git keeps of the conflicted database record by record
        (``git.driver``), write the result over the file (under the database's
        lock, atomically) and stage it. ``actor`` is who the merge's history events name.

        Raises ``ClaimtrackError`` as ``conflict_versions`` does, ``DatabaseError`` when a
        version is not a database, and ``ClaimtrackError`` when the file in the working
        tree holds no conflict markers (it may hold a resolution made by hand) unless
        ``force``. Nothing is written when it raises.
        """
        from claimtrack.git.driver import merge_versions
        from claimtrack.store.fileformat import has_conflict_markers
        from claimtrack.store.files import atomic_write, locked, mark_saved

        path = self.path
        base, ours, theirs = self.conflict_versions()
        with locked(path):
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                current = b""
            except OSError as exc:
                raise ClaimtrackError(f"cannot read {path}: {exc.strerror}") from None
            if current and not has_conflict_markers(current) and not force:
                raise ClaimtrackError(
                    f"{path} holds no conflict markers: it may hold a resolution made by "
                    "hand, which resolving would replace; nothing was written",
                    f"to keep it, 'git add -- {self.database}'; to merge git's versions "
                    "over it, pass --force",
                )
            stage = f":%s:{self.database}"
            merged, report = merge_versions(
                base, ours, theirs, actor, (Path(stage % 1), Path(stage % 2), Path(stage % 3))
            )
            atomic_write(path, merged)
            mark_saved(path)
        _run(["add", "--", ":(literal)" + self.database.as_posix()], self.root)
        return report
