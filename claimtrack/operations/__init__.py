"""The use cases: one method of ``Desk`` per thing a journalist does at the desk.

A command of the CLI parses what was typed, makes one call here and renders what comes
back; this layer decides when the database is opened, locked and saved, and asks the
user its questions through callbacks before it takes the write lock (then checks again,
under the lock, that what the user said yes to is still so). It knows nothing of Typer
or Rich. ``docs/architecture.md`` describes the layers.

``Desk`` gathers the use cases, a module per group: ``claims``, ``sources``, ``merges``,
``evidence``, ``publication`` (check, stats, export, the story bundle), ``history`` (log,
undo, redo) and ``importing`` (import, ``extract --add``); ``duplicates`` is the
near-duplicate policy that ``add`` and ``extract --add`` share; ``base`` opens the
database for all of them. A group's module is imported when it is first used
(``desk.py``), so that a command loads only the use cases it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from claimtrack.operations.base import Changed, Payload, Progress, listed
from claimtrack.operations.desk import Desk

if TYPE_CHECKING:
    from claimtrack.operations.claims import Added, ClaimDraft, DuplicateAnswer
    from claimtrack.operations.duplicates import near_duplicates, worked_out_quantities
    from claimtrack.operations.merges import MergeProposal
    from claimtrack.operations.publication import CheckRun, ExportRequest, verify_bundle
    from claimtrack.operations.sources import SourceRemoval

# The names the groups' modules hold, imported when first asked for (as ``Desk``
# imports a group): a command pays only for the group it runs.
_LAZY = {
    "Added": "claims",
    "ClaimDraft": "claims",
    "DuplicateAnswer": "claims",
    "near_duplicates": "duplicates",
    "worked_out_quantities": "duplicates",
    "MergeProposal": "merges",
    "CheckRun": "publication",
    "ExportRequest": "publication",
    "verify_bundle": "publication",
    "SourceRemoval": "sources",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Added",
    "Changed",
    "CheckRun",
    "ClaimDraft",
    "Desk",
    "DuplicateAnswer",
    "ExportRequest",
    "MergeProposal",
    "Payload",
    "Progress",
    "SourceRemoval",
    "listed",
    "near_duplicates",
    "verify_bundle",
    "worked_out_quantities",
]
