"""What every use case shares: opening the database, and the error for a record
that changed while the user was asked about it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from claimtrack.errors import ClaimtrackError

if TYPE_CHECKING:
    from claimtrack.db import Database
    from claimtrack.model import Link


# ``progress(what, total)``: a context manager giving a ``done(url)`` callback, or None.
Progress = Callable[[str, int], AbstractContextManager[Callable[[str], None] | None]]
# An export: its bytes, or a function that writes them to a binary file.
Payload = bytes | Callable[[IO[bytes]], None]


class Changed(ClaimtrackError):
    """A record the user was asked about changed or vanished before the write lock was
    taken: nothing was done."""


class DeskBase:
    """The opening of the database file at ``path``, which every use case shares.
    ``saved`` is called after each write is saved (the CLI notes that a change is
    committed). ``ask_passphrase(description)`` asks for the passphrase of the user's
    identity when a sealed source is opened (the CLI gives one on a terminal; without
    one a protected identity is reported, ``claimtrack.confidential.sealing``)."""

    def __init__(
        self,
        path: Path,
        *,
        saved: Callable[[], None] | None = None,
        ask_passphrase: Callable[[str], str] | None = None,
    ) -> None:
        self.path = path
        self._saved = saved
        self._ask_passphrase = ask_passphrase

    # -- opening ------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[Database]:
        """The database to read, no lock held."""
        from claimtrack.db import Database

        self._opening()
        with Database.open(self.path) as db:
            yield db

    @contextlib.contextmanager
    def writing(self) -> Iterator[Database]:
        """The database to change, locked until the block ends and saved when it ends
        without an error."""
        from claimtrack.db import Database

        self._opening()
        with Database.open(self.path, write=True) as db:
            yield db
            db.save_recipients_file()  # a change to it is saved with the database
        if self._saved is not None:
            self._saved()

    def _opening(self) -> None:
        """Tell the opener of sealed sources how to ask for a passphrase and which
        recipients file this database has (``claimtrack.confidential``)."""
        from claimtrack.confidential import use_passphrase_prompt, use_recipients_file

        use_passphrase_prompt(self._ask_passphrase)
        use_recipients_file(self.path.with_suffix(".recipients"))

    def identities_first(self) -> None:
        """Read the user's identity before a use case takes the write lock, when the
        database has recipients: a passphrase is asked for with no lock held (the
        rule for questions, docs/architecture.md). Raises ``IdentityProblem`` for an
        identity named by ``$CLAIMTRACK_IDENTITY`` that cannot be used."""
        if not self.path.with_suffix(".recipients").exists():
            return
        from claimtrack.confidential import sealing

        self._opening()
        sealing.opener().identities()


def listed(claim_ids: Sequence[str]) -> str:
    """Claim IDs for a message: the first ten, short, and how many more."""
    shown = ", ".join(claim_id[:7] for claim_id in claim_ids[:10])
    return shown + (f" and {len(claim_ids) - 10} more" if len(claim_ids) > 10 else "")


def link_ids(links: Iterable[Link]) -> list[tuple[str, Any]]:
    return sorted((link["id"], dict(link)) for link in links)


def changed_error(kind: str, short: str | None, verb: str) -> Changed:
    what = f"{kind} {short}" if short else f"a {kind} to merge or one of its links"
    return Changed(
        f"{what} changed while you were asked; nothing {verb}",
        "look at it again and run the command again",
    )


@contextlib.contextmanager
def no_progress(what: str, total: int) -> Iterator[None]:
    yield None
