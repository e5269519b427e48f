"""Building and cleaning records: one set of rules for every way a record is made.

A claim, source, link or event is made by a command (``Database``), read from another
database's export (``importing.importer``) or merged by the git merge driver; each
field is cleaned by the same function whichever way it came: text is stripped and
bounded (``model.clean_text``), a story is a slug, tags are single lower-case words
without repeats, aliases are distinct as lookups compare names (``model.fold``), and
one command's timestamps strictly increase (``Clock``). Every history event, a
command's or the merge driver's, is made by ``event``.

The importer checks the shape of foreign records itself (a field of the wrong JSON type,
an ID that is not one), in its own words, then cleans each field here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from claimtrack import ids
from claimtrack.errors import ValidationError
from claimtrack.model import (
    MAX_NUMBER,
    MAX_SHORT,
    Event,
    Quantity,
    clean_optional,
    clean_tag,
    clean_text,
    fold,
    later,
    now,
    number_fits,
)

MAX_STORY = 200


def clean_story(story: str | None) -> str | None:
    """A story slug ("serbia-russians"), or None for none. Raises ``ValidationError``
    for one with spaces or over ``MAX_STORY`` characters."""
    value = clean_optional(story, "story", limit=MAX_STORY)
    if value is not None and any(c.isspace() for c in value):
        raise ValidationError(
            f"story {story!r} contains spaces", "a story is a slug such as 'serbia-russians'"
        )
    return value


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags in the order given, each split at commas, lower-cased, without repeats.
    Raises ``ValidationError`` for a tag with spaces (``model.clean_tag``)."""
    result: list[str] = []
    for tag in tags:
        for part in tag.split(","):
            if part.strip():
                cleaned = clean_tag(part)
                if cleaned not in result:
                    result.append(cleaned)
    return result


def clean_aliases(aliases: Iterable[str]) -> list[str]:
    """Aliases in the order given, without two that name alike (``model.fold``)."""
    result: list[str] = []
    seen: set[str] = set()
    for alias in aliases:
        cleaned = clean_text(alias, "alias", limit=MAX_SHORT)
        folded = fold(cleaned)
        if folded not in seen:
            seen.add(folded)
            result.append(cleaned)
    return result


def clean_quantities(quantities: Iterable[Quantity]) -> list[Quantity]:
    """Quantities as a record keeps them. Raises ``ValidationError`` for a value, low or
    high end that is not a number a record may hold (``model.number_fits``): one rule
    for ``add``, ``edit``, ``extract --add`` and import, and the parser's rule too, so
    nothing goes in that cannot come out."""
    kept: list[Quantity] = []
    for quantity in quantities:
        for key in ("value", "low", "high"):
            number = quantity.get(key)
            if number is not None and not number_fits(number):
                raise ValidationError(
                    f"quantity {quantity.get('text') or key!r}: {number!r} is not a number "
                    f"a record can hold (at most {MAX_NUMBER:,} either side of zero)"
                )
        kept.append(quantity)
    return kept


class Clock:
    """Timestamps for one command (``model.now``'s format), strictly increasing so that
    its events and links keep their order even when the clock does not move."""

    def __init__(self) -> None:
        self._last = ""

    def now(self) -> str:
        stamp = now()
        if stamp <= self._last:
            stamp = later(self._last)
        self._last = stamp
        return stamp


def event(
    *,
    at: str,
    actor: str,
    change: str,
    action: str,
    kind: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> Event:
    """A new history event. An edit (both states given) keeps only the fields it
    changed: enough to show and to undo it."""
    if before is not None and after is not None:
        changed = [k for k in {*before, *after} if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in changed}
        after = {k: after.get(k) for k in changed}
    return {
        "id": ids.new_id(),
        "at": at,
        "actor": actor,
        "change": change,
        "action": action,
        "kind": kind,
        "target": target,
        "before": dict(before) if before is not None else None,
        "after": dict(after) if after is not None else None,
    }
