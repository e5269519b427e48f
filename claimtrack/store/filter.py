"""Which claims a listing selects: one filter, one SQL condition.

``list``, ``export``, ``check`` and ``stats`` take the same options (``--status``,
``--tag``, ``--story``, ``--source``/``--relation``, ``--search``, ``--since``,
``--until``). A ``ClaimFilter`` holds them, and ``where`` is their one definition: a
condition over the index's ``claims`` and ``links`` tables (``store.index``), which
answers every selection, whether the index is in memory or in the cache.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from claimtrack.errors import ValidationError
from claimtrack.model import check_relation, check_status, day_bound, fold

# Separates the tags of one claim in the index's ``tags`` column (a character that
# ``model.clean_tag`` never lets into a tag).
TAG_MARK = "\x1f"


class SourceLookup(Protocol):
    """What ``prepare`` needs to turn ``--source`` into a source ID (``Database``)."""

    def get_source(self, ref: str) -> Mapping[str, Any]: ...


@dataclass
class ClaimFilter:
    """Claims that have any of ``statuses``, all of ``tags``, any of ``stories``, a link
    to ``source`` (as ``relation``, if given), ``search`` in their text or quote (case
    folded), and were created between ``since`` and ``until`` (calendar days in the
    user's time zone, inclusive: ``model.day_bound``).

    Empty fields select everything. Call ``prepare`` once before use: it validates the
    values and resolves ``source`` (a name, alias or ID prefix) to ``source_id``.
    """

    statuses: Sequence[str] = ()
    tags: Sequence[str] = ()
    stories: Sequence[str] = ()
    source: str | None = None
    relation: str | None = None
    search: str | None = None
    since: str | None = None
    until: str | None = None
    source_id: str | None = None

    def prepare(self, sources: SourceLookup) -> ClaimFilter:
        """Validate the filter once and resolve names, before any claim is read.

        Raises ``ValidationError`` (a bad status, relation or date; ``--relation``
        without ``--source``) and the lookup's ``NotFound``/``Ambiguous``.
        """
        self.statuses = [check_status(s) for s in self.statuses]
        self.tags = [fold(t) for t in self.tags]
        self.stories = [fold(s) for s in self.stories]
        if self.search is not None:
            self.search = fold(self.search)
        if self.relation is not None:
            self.relation = check_relation(self.relation)
            if self.source is None:
                raise ValidationError("--relation needs --source")
        if self.source is not None:
            self.source_id = sources.get_source(self.source)["id"]
        self.since = day_bound(self.since, "--since", end=False)
        self.until = day_bound(self.until, "--until", end=True)
        return self

    def where(self) -> tuple[str, list[Any]] | None:
        """The SQL condition over the index's ``claims`` table (columns ``status``,
        ``tags``, ``story``, ``created``, ``folded``) and its ``links`` table, with its
        arguments; None when nothing can match."""
        where: list[str] = []
        args: list[Any] = []
        if self.statuses:
            where.append(f"status IN ({', '.join('?' * len(self.statuses))})")
            args.extend(self.statuses)
        for tag in self.tags:
            if not tag or TAG_MARK in tag:
                return None  # no claim has a blank tag
            where.append("instr(tag_keys, ?) > 0")
            args.append(TAG_MARK + tag + TAG_MARK)
        if self.stories:
            where.append(f"story_key IN ({', '.join('?' * len(self.stories))})")
            args.extend(self.stories)
        if self.since:
            where.append("created >= ?")
            args.append(self.since)
        if self.until:
            where.append("created <= ?")
            args.append(self.until)
        if self.search:
            where.append("instr(folded, ?) > 0")
            args.append(self.search)
        if self.source_id is not None:
            if self.relation is None:
                where.append("id IN (SELECT claim FROM links WHERE source = ?)")
                args.append(self.source_id)
            else:
                where.append("id IN (SELECT claim FROM links WHERE source = ? AND relation = ?)")
                args.extend((self.source_id, self.relation))
        return (" WHERE " + " AND ".join(where)) if where else "", args
