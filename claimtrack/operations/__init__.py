"""The use cases: one method of ``Desk`` per thing a journalist does at the desk.

A command of the CLI parses what was typed, makes one call here and renders what comes
back; this layer decides when the database is opened, locked and saved, and asks the
user its questions through callbacks before it takes the write lock (then checks again,
under the lock, that what the user said yes to is still so). It knows nothing of Typer
or Rich. ``docs/architecture.md`` describes the layers.
"""

from claimtrack.operations.desk import (
    Added,
    Changed,
    ClaimDraft,
    Desk,
    DuplicateAnswer,
    MergeProposal,
    SourceRemoval,
)
from claimtrack.operations.duplicates import near_duplicates, worked_out_quantities

__all__ = [
    "Added",
    "Changed",
    "ClaimDraft",
    "Desk",
    "DuplicateAnswer",
    "MergeProposal",
    "SourceRemoval",
    "near_duplicates",
    "worked_out_quantities",
]
