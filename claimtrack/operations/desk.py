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
"""

from __future__ import annotations

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
    """The use cases on the database file at ``path``, one method per task (each
    group in a module of its own). ``saved`` is called after each write is saved
    (the CLI notes that a change is committed)."""
