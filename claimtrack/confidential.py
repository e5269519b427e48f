"""What leaves the database about a confidential source: the one place that decides.

A confidential source (AP's anonymous-source rule: the desk knows who, readers do not)
is kept whole in the database, and outside it appears only as a pseudonym derived from
its ID, with every field that could identify it withheld: its aliases, role, URL, notes,
approving editor and the reason it was granted anonymity; on its links the URL, quote
and note ("her very words" identify her as surely as her name); in the history every
field outside ``SAFE_FIELDS``. ``--reveal`` (a ``Disclosure(reveal=True)``) lets the
desk see it all; error messages never reveal, whatever the switch.

Every output path asks this module: views, exports, ``log``, errors, completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from claimtrack import ids
from claimtrack.model import Event, Link, Source

WITHHELD = "[withheld: confidential source]"
# A confidential source's fields that leave as None (its name becomes the pseudonym,
# its aliases an empty list, its reason WITHHELD when there is one).
WITHHELD_SOURCE_FIELDS = ("role", "url", "notes", "approved_by")
# A confidential source's links' fields that leave as WITHHELD when set.
WITHHELD_LINK_FIELDS = ("url", "quote", "note")
# Fields of a confidential source's (or its link's) history that identify no one.
SAFE_FIELDS = frozenset(
    {
        "id",
        "kind",
        "confidential",
        "created",
        "updated",
        "author",
        "claim",
        "source",
        "relation",
        "position",
        "date",
    }
)


def is_confidential(source: Mapping[str, Any] | None) -> bool:
    return bool(source and source.get("confidential"))


def pseudonym(source: Mapping[str, Any]) -> str:
    """ "Confidential source 3f9k2ab": derived from the ID, so it is stable across
    commands and machines and reveals nothing."""
    return f"Confidential source {ids.short(source['id'])}"


def public_name(source: Mapping[str, Any]) -> str:
    """The name an error message or a completion may show: never a protected one."""
    return pseudonym(source) if is_confidential(source) else str(source["name"])


def withhold_source(source: Source) -> Source:
    """A confidential source as it may leave the database: a pseudonym and nothing else."""
    hidden = cast(Source, dict(source))
    hidden["name"] = pseudonym(source)
    hidden["aliases"] = []
    for key in WITHHELD_SOURCE_FIELDS:
        hidden[key] = None  # type: ignore[literal-required]
    if hidden.get("reason"):
        hidden["reason"] = WITHHELD
    return hidden


def withhold_link(link: Link) -> Link:
    """A link to a confidential source as it may leave the database."""
    hidden = cast(Link, dict(link))
    for key in WITHHELD_LINK_FIELDS:
        if hidden.get(key):
            hidden[key] = WITHHELD  # type: ignore[literal-required]
    return hidden


def withhold_event(event: Event) -> Event:
    """An event of a confidential source or its link as ``log`` may show it."""
    hidden: dict[str, Any] = dict(event)
    for key in ("before", "after"):
        value = hidden[key]
        if value:
            hidden[key] = {k: (v if k in SAFE_FIELDS else WITHHELD) for k, v in value.items()}
    return cast(Event, hidden)


@dataclass(frozen=True)
class Disclosure:
    """The ``--reveal`` switch: what one command may show of confidential sources."""

    reveal: bool = False

    def hides(self, source: Mapping[str, Any] | None) -> bool:
        """Whether this source's identity must be withheld."""
        return not self.reveal and is_confidential(source)

    def hidden(self, sources: Mapping[str, Mapping[str, Any]]) -> set[str]:
        """IDs of the sources whose identity must be withheld."""
        if self.reveal:
            return set()
        return {k for k, v in sources.items() if v.get("confidential")}

    def source(self, source: Source) -> Source:
        """The source as it may be shown."""
        return withhold_source(source) if self.hides(source) else source
