"""Import: claimtrack's own JSON and JSON Lines exports, and CSV with a ``text`` column.

Import is three steps, a module each. ``read`` parses and validates
every record and reports every bad one (with its line or index) before anything is
written. ``plan`` (``plan``) compares the records with the database and decides
what is added, updated or left alone. ``apply`` carries the plan out
in one write. Matching is by ID; sources also by name or alias; claims without an ID
(CSV rows) by identical text and story. A record on both sides takes the newer side's
fields, and notes and links are unioned, so importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

from claimtrack.importing.apply import apply
from claimtrack.importing.incoming import Incoming, InvalidImport, refuse_skipped
from claimtrack.importing.plan import KINDS, Change, Plan, plan, plan_records
from claimtrack.importing.read import (
    BOM,
    IMPORT_FORMATS,
    fetch,
    first_line,
    guess_format,
    parse_json,
    read,
    read_from,
)

__all__ = [
    "BOM",
    "IMPORT_FORMATS",
    "KINDS",
    "Change",
    "Incoming",
    "InvalidImport",
    "Plan",
    "apply",
    "fetch",
    "first_line",
    "guess_format",
    "parse_json",
    "plan",
    "plan_records",
    "read",
    "read_from",
    "refuse_skipped",
]
