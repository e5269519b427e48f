"""``Desk``: the claims database as a journalist works with it, one method per task.

Each method opens the database as its task needs (a read, or a write that holds the
lock until the file is saved), and never asks the user anything while the lock is held:
a question comes in as a callback, is asked after a read, and the write that follows
checks under the lock that the records the user said yes to are as they were. If one
changed or vanished in between, ``Changed`` is raised and nothing is done, so a person
thinking over a question never makes a colleague's command wait, and never deletes or
merges what they did not see.

Methods return views (``claimtrack.views``), ready to render; ``reveal`` says whether a
confidential source's identity may be shown, as everywhere. Errors: what
``Database`` raises (``NotFound``, ``Ambiguous``, ``ValidationError``,
``DatabaseError``), and ``Changed``.

The methods live in groups, a module each (``claims``, ``sources``...), and a command
runs one of them: a group's module is imported the first time one of its methods is
asked for, so ``show`` does not pay for importing the code of ``merge``, ``export`` or
``archive``. To a type checker ``Desk`` is the one class made of every group;
``METHODS`` says which group holds each method, and a test holds it to the groups.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimtrack.operations.base import DeskBase

# Each group of use cases: its module under ``claimtrack.operations``, its class, and
# the public methods it holds (tests/test_operations.py checks them against the class).
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "claims": (
        "ClaimCases",
        (
            "add",
            "show",
            "list_claims",
            "edit",
            "set_status",
            "note",
            "remove_claims",
            "similar",
            "link",
            "unlink",
        ),
    ),
    "sources": (
        "SourceCases",
        (
            "add_source",
            "list_sources",
            "show_source",
            "edit_source",
            "confirm_source",
            "reseal",
            "add_recipient",
            "remove_recipient",
            "remove_source",
        ),
    ),
    "merges": ("MergeCases", ("plan_merge", "merge")),
    "evidence": ("EvidenceCases", ("archive", "evidence", "verify")),
    "publication": ("PublicationCases", ("check", "stats", "export", "bundle")),
    "history": ("HistoryCases", ("log", "verify_history", "reverse")),
    "importing": ("ImportCases", ("import_records", "record_extraction")),
    "record": ("RecordCases", ("authorities", "seal", "prove")),
}

# Method name -> the group (module) that holds it.
METHODS: dict[str, str] = {
    method: module for module, (_, methods) in GROUPS.items() for method in methods
}


class LazyDesk(DeskBase):
    """The use cases on the database file at ``path``, each group of them made when one
    of its methods is first asked for, on the same file and callbacks. ``saved`` is
    called after each write is saved (the CLI notes that a change is committed)."""

    def __init__(
        self,
        path: Path,
        *,
        saved: Callable[[], None] | None = None,
        ask_passphrase: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(path, saved=saved, ask_passphrase=ask_passphrase)
        self._groups: dict[str, DeskBase] = {}

    def __getattr__(self, name: str) -> Any:
        # Only names not found the usual way come here: the groups' methods.
        if name.startswith("_"):
            raise AttributeError(name)
        module = METHODS.get(name)
        if module is not None:
            return getattr(self._group(module), name)
        # A method missing from ``METHODS`` still works (the test names it): every
        # group is made and asked.
        for other in GROUPS:
            found = getattr(self._group(other), name, None)
            if found is not None:
                return found
        raise AttributeError(f"'Desk' object has no attribute {name!r}")

    def _group(self, module: str) -> DeskBase:
        group = self._groups.get(module)
        if group is None:
            cls = getattr(
                importlib.import_module(f"claimtrack.operations.{module}"), GROUPS[module][0]
            )
            group = cls(self.path, saved=self._saved, ask_passphrase=self._ask_passphrase)
            self._groups[module] = group
        return group


if TYPE_CHECKING:
    from claimtrack.operations.claims import ClaimCases
    from claimtrack.operations.evidence import EvidenceCases
    from claimtrack.operations.history import HistoryCases
    from claimtrack.operations.importing import ImportCases
    from claimtrack.operations.merges import MergeCases
    from claimtrack.operations.publication import PublicationCases
    from claimtrack.operations.record import RecordCases
    from claimtrack.operations.sources import SourceCases

    class Desk(
        ClaimCases,
        SourceCases,
        MergeCases,
        EvidenceCases,
        PublicationCases,
        HistoryCases,
        ImportCases,
        RecordCases,
    ):
        """The use cases on the database file at ``path``, one method per task."""

else:
    Desk = LazyDesk
