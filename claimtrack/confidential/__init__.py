"""What leaves the database about a confidential source: the one place that decides.

A confidential source (AP's anonymous-source rule: the desk knows who, readers do not)
is kept whole in the database, and outside it appears only as a pseudonym derived from
its ID, with every field that could identify it withheld: its aliases, role, URL, notes,
approving editor and the reason it was granted anonymity; on its links the URL, quote
and note ("her very words" identify her as surely as her name); in the history every
field outside ``SAFE_FIELDS``. ``--reveal`` (a ``Disclosure(reveal=True)``) lets the
desk see it all; error messages never reveal, whatever the switch.

Every output path asks this module: views, exports, ``log``, errors, completion. So
does import, the way back in: a field withheld in a colleague's redacted export is
unknown, never a value (``unknown_source_fields``, ``known_link``, ``known_event``), so
importing it never overwrites what the database knows, nor stores a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from claimtrack import ids
from claimtrack.model import Event, Link, Source

WITHHELD = "[withheld: confidential source]"
# A confidential source's fields that leave as None (its name becomes the pseudonym,
# its aliases an empty list, its reason WITHHELD when there is one).
WITHHELD_SOURCE_FIELDS = ("role", "url", "notes")
# A confidential source's fields that leave as WITHHELD when set: that there is a reason
# and an approving editor is the desk's record of AP's rule; who and why identify.
WITHHELD_WHEN_SET = ("reason", "approved_by")
# A confidential source's links' fields that leave as WITHHELD when set.
WITHHELD_LINK_FIELDS = ("url", "quote", "note")
# Fields of a confidential source's link's snapshot (``model.Archive``) that leave as
# WITHHELD: the page's addresses, and the SHA-256s that name the snapshot (anyone holding
# the page can compute them). When it was archived, and the HTTP status, name no one.
WITHHELD_ARCHIVE_FIELDS = ("requested", "url", "sha256", "text_sha256", "wayback")
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
    for key in WITHHELD_WHEN_SET:
        if hidden.get(key):
            hidden[key] = WITHHELD  # type: ignore[literal-required]
    if "merged" in hidden:
        # The IDs of sources merged into it: a public one's ID would name it.
        hidden["merged"] = None
    return hidden


def withhold_link(link: Link) -> Link:
    """A link to a confidential source as it may leave the database."""
    hidden = cast(Link, dict(link))
    for key in WITHHELD_LINK_FIELDS:
        if hidden.get(key):
            hidden[key] = WITHHELD  # type: ignore[literal-required]
    if archive := hidden.get("archive"):
        hidden["archive"] = withhold_fields(archive, WITHHELD_ARCHIVE_FIELDS)
    return hidden


_Record = TypeVar("_Record", bound=Mapping[str, Any])


def withhold_fields(record: _Record, fields: Iterable[str]) -> _Record:
    """A copy of ``record`` with each of ``fields`` that holds a value WITHHELD (a
    snapshot of a confidential source's page, what ``archive`` and ``verify`` report
    about it)."""
    hidden = dict(record)
    for key in fields:
        if hidden.get(key):
            hidden[key] = WITHHELD
    return cast(_Record, hidden)


def withhold_event(event: Event) -> Event:
    """An event of a confidential source or its link as ``log`` may show it."""
    hidden: dict[str, Any] = dict(event)
    for key in ("before", "after"):
        value = hidden[key]
        if value:
            hidden[key] = {k: (v if k in SAFE_FIELDS else WITHHELD) for k, v in value.items()}
    return cast(Event, hidden)


def opened(source: Mapping[str, Any]) -> Source | None:
    """A sealed source's record opened with this user's identity
    (``claimtrack.confidential.sealing``), None when this user cannot open it; any other
    record as it is. Raises
    ``sealing.SealError`` for a tampered one."""
    if not source.get("sealed"):
        return cast(Source, source)
    from claimtrack.confidential.sealing import (
        opener,  # the crypto only where a sealed field is opened
    )

    return opener().open_source(cast(Source, source))


def opened_event(event: Event) -> Event:
    """An event of a source with its sealed states opened (``log --reveal`` by a
    recipient): a sealed record's ciphertext becomes the fields it holds, and history
    sealed into ``sealed_fields`` the fields it was. A state this user cannot open is
    withheld as ``withhold_event`` withholds it."""
    states = [event["before"], event["after"]]
    if not any(s and ("sealed" in s or "sealed_fields" in s) for s in states):
        return event
    from claimtrack.confidential.sealing import SEAL_KEYS, SEALED_FIELDS, opener

    shown: dict[str, Any] = dict(event)
    for key in ("before", "after"):
        state = shown[key]
        if not state:
            continue
        opened = dict(state)
        for field, fields in (("sealed_fields", None), ("sealed", SEALED_FIELDS)):
            if not opened.get(field):
                continue
            payload = opener().open(str(opened[field]))
            if payload is None:
                return withhold_event(event)
            for gone in (field, *(SEAL_KEYS if field == "sealed" else ())):
                opened.pop(gone, None)
            opened.update({k: v for k, v in payload.items() if fields is None or k in fields})
        shown[key] = opened
    before, after = shown["before"], shown["after"]
    if before and after:  # as the event was recorded: the fields the change changed
        same = {k for k in {*before, *after} if before.get(k) == after.get(k)}
        shown["before"] = {k: v for k, v in before.items() if k not in same}
        shown["after"] = {k: v for k, v in after.items() if k not in same}
    return cast(Event, shown)


@dataclass(frozen=True)
class Disclosure:
    """The ``--reveal`` switch: what one command may show of confidential sources.

    A sealed source (its identity kept as ciphertext in the file) is revealed only to a
    recipient (``opened``); to anyone else it stays a pseudonym, ``--reveal`` or not."""

    reveal: bool = False

    def hides(self, source: Mapping[str, Any] | None) -> bool:
        """Whether this source's identity must be withheld."""
        if not is_confidential(source):
            return False
        return not self.reveal or opened(cast(Mapping[str, Any], source)) is None

    def hidden(self, sources: Mapping[str, Mapping[str, Any]]) -> set[str]:
        """IDs of the sources whose identity must be withheld."""
        return {k for k, v in sources.items() if self.hides(v)}

    def source(self, source: Source) -> Source:
        """The source as it may be shown."""
        if self.hides(source):
            return withhold_source(source)
        return opened(source) or source

    def name(self, source: Mapping[str, Any]) -> str:
        """The source's name as it may be shown: its pseudonym while hidden."""
        if self.hides(source):
            return pseudonym(source)
        return str((opened(source) or source)["name"])


# -- the way back in: redacted records read by import ------------------------------------

_PSEUDONYM = re.compile(r"Confidential source ([0-9a-z]{7})")


def pseudonym_prefix(name: str) -> str | None:
    """The ID prefix a pseudonym ("Confidential source 3f9k2ab") carries, else None."""
    found = _PSEUDONYM.fullmatch(name.strip())
    return found.group(1) if found else None


def is_pseudonym_of(source: Mapping[str, Any]) -> bool:
    """Whether a source record's name is its own pseudonym: it left a database redacted."""
    return str(source.get("name", "")) == pseudonym(source)


def unknown_source_fields(source: Mapping[str, Any]) -> frozenset[str]:
    """The fields of a source read from an export that hold no value: what
    ``withhold_source`` blanked (its name, aliases, ``WITHHELD_SOURCE_FIELDS``, reason
    and merged IDs) when the record is a redacted one, and any ``WITHHELD`` field. The reason
    too: a copy imported from a redacted export, exported again, holds None there."""
    unknown = {key for key, value in source.items() if value == WITHHELD}
    if is_confidential(source) and is_pseudonym_of(source):
        unknown.update(("name", "aliases", "merged", *WITHHELD_WHEN_SET, *WITHHELD_SOURCE_FIELDS))
    return frozenset(unknown)


def known_link(link: Mapping[str, Any]) -> dict[str, Any]:
    """A link read from an export with its withheld fields unknown (None): an import
    only fills a link's empty fields, so None never replaces what is known."""
    if WITHHELD not in link.values():  # nearly every link: nothing to blank
        return dict(link)
    return {
        k: (None if k in WITHHELD_LINK_FIELDS and v == WITHHELD else v) for k, v in link.items()
    }


def known_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event read from an export without the fields ``withhold_event`` withheld
    (``known_state`` of its ``before`` and ``after``)."""
    known = dict(event)
    for key in ("before", "after"):
        if key in known:
            known[key] = known_state(known[key])
    return known


def known_state(state: Any) -> Any:
    """An event's ``before`` or ``after`` read from an export, without the fields
    ``withhold_event`` withheld: the history keeps what is known of the change, never
    a placeholder. Copied only where there is something to leave out: an import reads
    every event of the history through here."""
    if isinstance(state, dict) and WITHHELD in state.values():
        return {k: v for k, v in state.items() if v != WITHHELD}
    return state


# -- asking for a passphrase ---------------------------------------------------------------

# ``ask(description)``: a passphrase typed by the user ("" for none). The core never
# prompts: the CLI passes one in (``Desk``'s ``ask_passphrase``) when stdin and stderr
# are a terminal, and without one a protected identity is reported, not waited for.
PassphrasePrompt = Callable[[str], str]
_ask_passphrase: PassphrasePrompt | None = None


def use_passphrase_prompt(ask: PassphrasePrompt | None) -> None:
    """How this command asks for an identity's passphrase (None: nobody to ask); the
    opener of sealed sources (``sealing.opener``) uses it."""
    global _ask_passphrase
    _ask_passphrase = ask


def passphrase_prompt() -> PassphrasePrompt | None:
    return _ask_passphrase


# The recipients file of the database this command opened (``Desk``): a sealed value
# that will not open with a key it lists is reported as perhaps tampered, not as one
# sealed to other people (``sealing.Opener.open``).
_recipients_file: Path | None = None


def use_recipients_file(path: Path | None) -> None:
    global _recipients_file
    _recipients_file = path


def recipients_file() -> Path | None:
    return _recipients_file
