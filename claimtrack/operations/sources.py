"""Use cases on sources: add, list, show, edit, rm (asked before the lock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from claimtrack import ids
from claimtrack.operations.base import (
    Changed,
    DeskBase,
    changed_error,
    link_ids,
)

if TYPE_CHECKING:
    from claimtrack.confidential.sealing import Recipient
    from claimtrack.db import Database
    from claimtrack.model import Claim, Link, Source
    from claimtrack.views import (
        SourceDetailView,
        SourceView,
    )


@dataclass(frozen=True)
class SourceEdit:
    """A source as an edit left it; ``made_confidential``: the edit made it confidential
    (earlier commits of a shared repository still hold its identity); ``sealed``: the
    database has recipients, so its identifying fields are sealed in the file."""

    view: SourceView
    made_confidential: bool
    sealed: bool


@dataclass
class SourceRemoval:
    """A source to delete as the user is asked about it: its name as shown, and how
    many links to claims go with it."""

    source: Source
    name: str
    links: int


class SourceCases(DeskBase):
    """Sources: add, list, show, edit, rm."""

    def add_source(self, name: str, **fields: Any) -> SourceView:
        """Add a source (``Database.add_source``'s fields)."""
        from claimtrack.views.presenter import Presenter, source_view

        with self.writing() as db:
            return source_view(db.add_source(name, **fields), Presenter(db))

    def list_sources(
        self, *, kind: str | None = None, search: str | None = None, reveal: bool = False
    ) -> list[SourceView]:
        """Sources by name, with how many claims cite each; only those of ``kind``, and
        with ``search`` in their name, an alias or the role (any case)."""
        from claimtrack.views.presenter import Presenter, source_view, sources_sorted

        with self.reading() as db:
            presenter = Presenter(db, reveal=reveal)
            chosen = sources_sorted(db.source_list(), presenter.disclosure)
            if kind:
                chosen = [s for s in chosen if s["kind"] == kind.strip().lower()]
            views = [source_view(s, presenter) for s in chosen]
        if search:
            needle = search.casefold()
            views = [
                v
                for v in views
                if needle in " ".join([v["name"], *v["aliases"], v.get("role") or ""]).casefold()
            ]
        return views

    def show_source(
        self, ref: str, *, reveal: bool = False
    ) -> tuple[SourceDetailView, list[tuple[str, Claim]]]:
        """A source and every claim that cites it (with the relation), as a view and as
        the claims themselves."""
        from claimtrack.views.presenter import Presenter, claim_view, source_claims, source_view

        with self.reading() as db:
            presenter = Presenter(db, reveal=reveal)
            found = db.get_source(ref)
            cited = source_claims(found, db, presenter)
            view: SourceDetailView = {
                **source_view(found, presenter),
                "cited_by": [
                    {"relation": relation, **claim_view(claim, presenter)}
                    for relation, claim in cited
                ],
            }
        return view, cited

    def edit_source(self, ref: str, **changes: Any) -> SourceEdit:
        """Change a source (``Database.edit_source``'s fields)."""
        from claimtrack.views.presenter import Presenter, source_view

        self._identities_for_edit(ref, changes)
        with self.writing() as db:
            was_confidential = bool(db.get_source(ref)["confidential"])
            updated = db.edit_source(ref, **changes)
            return SourceEdit(
                source_view(updated, Presenter(db)),
                made_confidential=updated["confidential"] and not was_confidential,
                sealed=bool(db.recipients()),
            )

    def _identities_for_edit(self, ref: str, changes: dict[str, Any]) -> None:
        """Before the write lock: read the user's identity (asking for its passphrase)
        if the edit will open the source's sealed fields (``db.opens_sealed``), so that
        nobody waits on the lock while the user types. Should the source be sealed
        only after this look (another command, in between), the passphrase is asked
        under the lock, as before."""
        if not self.path.with_suffix(".recipients").exists():
            return
        from claimtrack.db import opens_sealed

        with self.reading() as db:
            stored = db.get_source(ref)
        if opens_sealed(stored, changes):
            self.identities_first()

    def confirm_source(self, ref: str, name: str) -> bool:
        """Whether the sealed source ``ref`` is the person ``name``
        (``Database.confirm_source``: its commitment, the name never shown)."""
        with self.reading() as db:
            return db.confirm_source(ref, name)

    def reseal(self, recipients: list[Recipient]) -> list[Source]:
        """``keys seal``: seal every confidential source to ``recipients``, the
        recipients file kept as it is (``Database.reseal``: one change, one undo).
        Returns the sources sealed."""
        self.identities_first()
        with self.writing() as db:
            return db.reseal(recipients)

    def add_recipient(self, recipient: Recipient) -> tuple[list[Source], list[Recipient]]:
        """``keys add`` (``Database.add_recipient``): under the lock, so that two people
        adding keys at once both stay listed. Returns the sources sealed and the
        recipients listed."""
        self.identities_first()
        with self.writing() as db:
            return db.add_recipient(recipient)

    def remove_recipient(self, who: str) -> tuple[list[Source], Recipient, list[Recipient]]:
        """``keys rm`` (``Database.remove_recipient``). Returns the sources sealed, the
        recipient removed and those left."""
        self.identities_first()
        with self.writing() as db:
            return db.remove_recipient(who)

    def remove_source(
        self, ref: str, *, confirm: Callable[[SourceRemoval], bool] | None = None
    ) -> tuple[Source, list[Link]] | None:
        """Delete a source and its links; None when ``confirm`` (asked with no lock
        held) says no. Raises ``Changed`` when the source or its links changed in the
        meantime."""
        from claimtrack.views.presenter import Presenter

        def removal(db: Database) -> SourceRemoval:
            found = db.get_source(ref)
            presenter = Presenter(db)
            cited = len(presenter.source_links(found["id"]))
            return SourceRemoval(found, presenter.name(found["id"]), cited)

        if confirm is None:
            with self.writing() as db:
                return db.remove_source(removal(db).source["id"])
        with self.reading() as db:
            asked = removal(db)
            seen_links = link_ids(db.links_of_source(asked.source["id"]))
        if not confirm(asked):
            return None
        source_id = asked.source["id"]
        with self.writing() as db:
            short = ids.short(source_id)
            found = db.record_of("source", source_id)
            if found is None:
                raise Changed(f"source {short} was deleted while you were asked; nothing deleted")
            now = dict(found)
            if now != asked.source or link_ids(db.links_of_source(source_id)) != seen_links:
                raise changed_error("source", short, "deleted")
            return db.remove_source(source_id)
