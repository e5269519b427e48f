"""Use cases on claims and their links: add (with the near-duplicate policy),
show, list, edit, status, note, rm, similar, link (and --archive), unlink."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from claimtrack import ids
from claimtrack.model import DEFAULT_STATUS
from claimtrack.operations.base import (
    Changed,
    DeskBase,
    Progress,
    changed_error,
    link_ids,
)

if TYPE_CHECKING:
    from claimtrack.analysis.similar import Match
    from claimtrack.db import Database
    from claimtrack.evidence import Cited
    from claimtrack.model import Claim, Link, Quantity
    from claimtrack.views import (
        ArchiveReport,
        ClaimView,
        SimilarView,
    )
    from claimtrack.views.presenter import ClaimFilter


# What a question about a near-duplicate may answer: add the claim anyway, use the
# claim already recorded, or add nothing.
DuplicateAnswer = Literal["add", "use", "skip"]


class _AskAgain(Exception):
    """Inside a write: a near-duplicate the user has not seen turned up; leave the
    block unsaved and ask about it."""

    def __init__(self, found: list[Match]) -> None:
        super().__init__()
        self.found = found


@dataclass
class ClaimDraft:
    """A claim to add, as the user gave it (names are sources' names or aliases;
    ``quantities`` None: worked out from ``text``)."""

    text: str
    quote: str | None = None
    story: str | None = None
    tags: Sequence[str] = ()
    status: str = DEFAULT_STATUS
    rating: str | None = None
    said_by: Sequence[str] = ()
    reported_by: Sequence[str] = ()
    note: str | None = None
    quantities: list[Quantity] | None = None


@dataclass
class Added:
    """What ``Desk.add`` did: ``view`` is the claim added, or with ``existing`` the
    claim already recorded the user chose to use instead."""

    view: ClaimView
    existing: bool = False


class ClaimCases(DeskBase):
    """Claims and their links: add, show, list, edit, status, note, rm, similar, link,
    unlink."""

    def add(
        self,
        draft: ClaimDraft,
        *,
        check_duplicates: bool = True,
        ask: Callable[[list[Match]], DuplicateAnswer] | None = None,
        warn: Callable[[Match], None] | None = None,
    ) -> Added | None:
        """Record a claim, unless it is a near-duplicate (``operations.duplicates``)
        the user does not want: ``ask(matches)`` is asked with no lock held and answers
        "add", "use" (the best match is returned, ``existing``) or "skip" (None is
        returned). Under the lock the claims are looked at again: one the user was not
        shown is asked about in turn. Without ``ask`` the claim is added and ``warn``
        told of the best near-duplicate. ``check_duplicates=False`` looks for none."""
        from claimtrack.operations.duplicates import near_duplicates, worked_out_quantities
        from claimtrack.views.presenter import Presenter, claim_view

        quantities = draft.quantities
        if quantities is None:
            quantities = worked_out_quantities(draft.text)
        look = check_duplicates and self.path.exists()
        shown: set[str] = set()
        found: list[Match] = []
        if look and ask is not None:
            with self.reading() as db:
                found = near_duplicates(db, draft.text, quantities, draft.said_by)
        while True:
            if found and ask is not None:
                answer = ask(found)
                if answer == "skip":
                    return None
                if answer == "use":
                    return Added(self.show(found[0].claim["id"]), existing=True)
                shown.update(m.claim["id"] for m in found)
            try:
                with self.writing() as db:
                    if look:
                        now = near_duplicates(db, draft.text, quantities, draft.said_by)
                        unseen = [m for m in now if m.claim["id"] not in shown]
                        if unseen and ask is not None:
                            raise _AskAgain(now)
                        if unseen and warn is not None:
                            warn(unseen[0])
                    claim = db.add_claim(
                        draft.text,
                        quote=draft.quote,
                        story=draft.story,
                        tags=draft.tags,
                        status=draft.status,
                        rating=draft.rating,
                        quantities=quantities,
                        said_by=draft.said_by,
                        reported_by=draft.reported_by,
                        note=draft.note,
                    )
                    view = claim_view(claim, Presenter(db))
                return Added(view)
            except _AskAgain as again:
                found = again.found

    def show(self, ref: str, *, reveal: bool = False) -> ClaimView:
        """One claim (ID or prefix) with its sources, links and notes."""
        from claimtrack.views.presenter import Presenter, claim_view

        with self.reading() as db:
            return claim_view(db.get_claim(ref), Presenter(db, reveal=reveal))

    def list_claims(
        self,
        flt: ClaimFilter,
        write: Callable[[Iterator[ClaimView]], int],
        *,
        sort: str = "created",
        reverse: bool = False,
        limit: int | None = None,
        reveal: bool = False,
    ) -> tuple[int, int]:
        """The claims ``flt`` selects, sorted, at most ``limit``, handed to ``write``
        one at a time while they are read (a large database is never held whole);
        ``write`` returns how many it wrote. Returns that and how many matched."""
        from claimtrack.views.presenter import Presenter, claim_view, iter_claims

        with self.reading() as db:
            flt.prepare(db)
            presenter = Presenter(db, reveal=reveal)
            claims, total = iter_claims(db, flt, sort=sort, reverse=reverse, limit=limit)
            shown = write(claim_view(c, presenter) for c in claims)
        return shown, total

    def _changed_claim(self, change: Callable[[Database], Claim]) -> ClaimView:
        from claimtrack.views.presenter import Presenter, claim_view

        with self.writing() as db:
            return claim_view(change(db), Presenter(db))

    def edit(
        self,
        ref: str,
        *,
        text: str | None = None,
        quote: str | None = None,
        story: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        rating: str | None = None,
        quantities: list[Quantity] | None = None,
    ) -> ClaimView:
        """Change a claim's fields (``Database.edit_claim``); a new ``text`` has its
        quantities worked out again unless ``quantities`` are given."""
        from claimtrack.operations.duplicates import worked_out_quantities

        if quantities is None and text is not None:
            quantities = worked_out_quantities(text)
        return self._changed_claim(
            lambda db: db.edit_claim(
                ref,
                text=text,
                quote=quote,
                story=story,
                add_tags=add_tags,
                remove_tags=remove_tags,
                rating=rating,
                quantities=quantities,
            )
        )

    def set_status(
        self,
        ref: str,
        status: str,
        *,
        note: str | None = None,
        rating: str | None = None,
        review_url: str | None = None,
    ) -> ClaimView:
        """Give a claim a status (``Database.set_status``)."""
        return self._changed_claim(
            lambda db: db.set_status(ref, status, note=note, rating=rating, review_url=review_url)
        )

    def note(self, ref: str, text: str) -> ClaimView:
        """Add a dated note to a claim."""
        return self._changed_claim(lambda db: db.add_note(ref, text))

    def remove_claims(
        self, refs: Sequence[str], *, confirm: Callable[[list[Claim]], bool] | None = None
    ) -> list[Claim] | None:
        """Delete claims and their links; None when ``confirm(claims)`` (asked with no
        lock held) says no. Raises ``Changed`` when a claim or its links changed in the
        meantime."""
        if confirm is None:
            with self.writing() as db:
                return db.remove_claims([db.get_claim(ref)["id"] for ref in refs])
        with self.reading() as db:
            seen = [db.get_claim(ref) for ref in refs]
            seen_links = {c["id"]: link_ids(db.links_of_claim(c["id"])) for c in seen}
        if not confirm(seen):
            return None
        with self.writing() as db:
            for claim in seen:
                short = ids.short(claim["id"])
                if not db.has_claim(claim["id"]):
                    raise Changed(
                        f"claim {short} was deleted while you were asked; nothing deleted"
                    )
                now = dict(db.claim_by_id(claim["id"]))
                links = link_ids(db.links_of_claim(claim["id"]))
                if now != claim or links != seen_links[claim["id"]]:
                    raise changed_error("claim", short, "deleted")
            return db.remove_claims(c["id"] for c in seen)

    def similar(
        self,
        text: str,
        flt: ClaimFilter,
        *,
        by_id: bool = True,
        limit: int | None = 10,
        min_score: int = 50,
        reveal: bool = False,
    ) -> list[SimilarView]:
        """The claims ``flt`` selects that are like a claim (``text`` is its ID or
        prefix, when ``by_id`` and one has it) or like ``text`` itself, best first."""
        from claimtrack.analysis.similar import Probe, claim_id_given, claim_probe, find_similar
        from claimtrack.operations.duplicates import worked_out_quantities
        from claimtrack.views.presenter import Presenter, similar_view

        with self.reading() as db:
            flt.prepare(db)
            claim_id = claim_id_given(db, text) if by_id else None
            if claim_id is not None:
                probe = claim_probe(db, claim_id)
            else:
                probe = Probe(text, worked_out_quantities(text))
            found = find_similar(db, probe, flt, limit=limit, min_score=min_score)
            presenter = Presenter(db, reveal=reveal)
            return [similar_view(match, presenter) for match in found]

    # -- links ------------------------------------------------------------------------------

    def link(
        self,
        claim_ref: str,
        source_ref: str,
        relation: str,
        *,
        url: str | None = None,
        quote: str | None = None,
        date: str | None = None,
        note: str | None = None,
        create: bool = False,
        archive: bool = False,
        wayback: bool = False,
        allow_private: bool = False,
        progress: Progress | None = None,
    ) -> tuple[Link, str, ClaimView, list[ArchiveReport]]:
        """Link a claim to a source (``create``: a new source if none has the name);
        with ``archive`` keep a snapshot of the link's URL (as ``archive``, fetched
        after the lock is let go). Returns the link, the source's name as shown, the
        claim as it is now, and the archive's report (one per page, or none)."""
        from claimtrack.confidential import is_confidential
        from claimtrack.views.presenter import Presenter, claim_view

        cited: list[Cited] = []
        with self.writing() as db:
            if create:
                db.ensure_source(source_ref)
            made = db.link(
                claim_ref, source_ref, relation, url=url, quote=quote, date=date, note=note
            )
            presenter = Presenter(db)
            view = claim_view(db.get_claim(made["claim"]), presenter)
            name = presenter.name(made["source"])
            if archive and made["url"]:
                from claimtrack.evidence import Cited

                shown, hidden = presenter.display(made["source"])
                secret = is_confidential(presenter.source(made["source"]))
                cited = [Cited(cast("Link", dict(made)), shown, hidden, secret)]
        if not cited:
            return made, name, view, []
        from claimtrack.evidence import archive_reports
        from claimtrack.operations.evidence import archive_and_record

        results = archive_and_record(
            self,
            cited,
            again=False,
            wayback=wayback,
            allow_private=allow_private,
            progress=progress,
        )
        with self.reading() as db:
            view = claim_view(db.get_claim(made["claim"]), Presenter(db))
        return made, name, view, archive_reports(results)

    def unlink(
        self, claim_ref: str, source_ref: str, relation: str | None = None
    ) -> tuple[list[Link], ClaimView]:
        """Remove the links between a claim and a source (of ``relation``, or all)."""
        from claimtrack.views.presenter import Presenter, claim_view

        with self.writing() as db:
            removed = db.unlink(claim_ref, source_ref, relation)
            return removed, claim_view(db.get_claim(claim_ref), Presenter(db))
