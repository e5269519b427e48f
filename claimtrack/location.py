"""Which database file a command uses, and why.

Order: ``--db PATH`` > ``$CLAIMTRACK_DB`` > the nearest ``claims.json`` from the current
directory upward (made by ``claimtrack init``) > ``claims.json`` in the per-user data
directory.

A database path that is a symlink leading nowhere (to a missing file, or round in a
loop) is refused, wherever the path came from: a write would otherwise make a file at
the link's far end, and discovery would skip the link and fall through to the per-user
database, so the claim would land where nobody looks for it.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

DB_FILENAME = "claims.json"
DB_ENV = "CLAIMTRACK_DB"
DEMO_FILENAME = "demo.json"


@dataclass(frozen=True)
class Location:
    path: Path
    reason: str


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("claimtrack", appauthor=False)


def find_upward(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / DB_FILENAME
        if candidate.is_file() or candidate.is_symlink():
            return candidate  # a link leading nowhere is refused by ``locate``
    return None


def locate(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Location:
    """The database a command uses, and why (the order in this module's docstring).
    Raises ``DatabaseError`` for a symlink that leads nowhere (``refuse_dangling``)."""
    found = _locate(explicit, cwd)
    refuse_dangling(found.path)
    return found


def refuse_dangling(path: Path) -> None:
    """Raise ``DatabaseError`` naming ``path`` and where it points if it is a symlink
    to a file that does not exist, or part of a loop of symlinks; or naming the path
    and why, if it cannot name a file at all (longer than the system allows)."""
    import stat

    from claimtrack.errors import DatabaseError

    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):
            raise DatabaseError(
                f"cannot use {path} as the database: {exc.strerror}",
                "give a shorter path (--db or $CLAIMTRACK_DB)"
                if exc.errno == errno.ENAMETOOLONG
                else "a folder on the way is a loop of symbolic links",
            ) from None
        return  # unreadable for another reason: the store says which when it reads
    try:
        os.stat(path)
        return
    except FileNotFoundError:
        problem = "which does not exist"
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return  # unreadable for another reason: the store says which when it reads
        problem = "which leads round a loop of symbolic links"

    target = os.readlink(path)
    raise DatabaseError(
        f"database {path} is a symbolic link to {target}, {problem}",
        "point the link at a database (or 'claimtrack init' one there), or remove it",
    )


def _locate(explicit: str | os.PathLike[str] | None, cwd: Path | None) -> Location:
    if explicit is not None and str(explicit) != "":
        return Location(Path(explicit).expanduser().absolute(), "--db option")
    from_env = os.environ.get(DB_ENV)
    if from_env:
        return Location(Path(from_env).expanduser().absolute(), f"${DB_ENV}")
    here = (cwd or Path.cwd()).absolute()
    found = find_upward(here)
    if found is not None:
        return Location(found, f"nearest {DB_FILENAME} above {here}")
    return Location(user_data_dir() / DB_FILENAME, "per-user default")


def demo_location(explicit: str | os.PathLike[str] | None) -> Location:
    """The demo never touches the user's real database unless named with --db."""
    if explicit is not None and str(explicit) != "":
        return Location(Path(explicit).expanduser().absolute(), "--db option")
    return Location(user_data_dir() / DEMO_FILENAME, "demo database")


def is_demo(path: Path) -> bool:
    """Whether ``path`` is the demo database (``demo_location`` without --db), which
    ``claimtrack demo`` deletes and makes afresh."""
    if path.name != DEMO_FILENAME:
        return False  # decided without importing platformdirs, for every write
    return path.resolve() == demo_location(None).path.resolve()


def init_target(path: Path) -> Path:
    """The database file ``claimtrack init PATH`` makes: ``PATH`` itself when its name
    ends in ``.json`` (any case) and it is not an existing folder, else ``claims.json``
    in the folder ``PATH``. Absolute."""
    path = path.expanduser().absolute()
    if path.suffix.lower() == ".json" and not path.is_dir():
        return path
    return path / DB_FILENAME


def used_instead(database: Path, explicit: str | os.PathLike[str] | None) -> Location | None:
    """The database that commands run in ``database``'s folder (with ``explicit`` as
    their --db) would use instead of ``database``, or None when they use it: what to
    warn about after ``init`` made a file that $CLAIMTRACK_DB, --db, or a name other
    than ``claims.json`` keeps commands from finding."""
    found = locate(explicit, cwd=database.parent)
    return None if found.path.resolve() == database.resolve() else found
