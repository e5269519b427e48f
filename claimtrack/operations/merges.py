"""Use cases that merge claims that are one, and sources that are one (asked
before the lock, planned again under it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from claimtrack import ids
from claimtrack.operations.base import (
    Changed,
    DeskBase,
    changed_error,
)

if TYPE_CHECKING:
    from claimtrack.db import Database
    from claimtrack.merging import Merge
    from claimtrack.views import (
        ClaimView,
        SourceView,
    )


@dataclass
class MergeProposal:
    """A merge as the user is asked about it: the ``plan`` (``merging.Merge``) and the
    name each source in it is shown by (``names``; empty for claims)."""

    plan: Merge
    names: dict[str, str] = field(default_factory=dict)

    def name(self, record_id: str) -> str:
        return self.names.get(record_id, ids.short(record_id))


class MergeCases(DeskBase):
    """Merging claims that are one, and sources that are one."""

    def plan_merge(self, kind: Literal["claim", "source"], refs: Sequence[str]) -> MergeProposal:
        """What merging these claims or sources (the survivor first) would do; changes
        nothing (``--dry-run``)."""
        with self.reading() as db:
            return _proposal(db, kind, refs)

    def merge(
        self,
        kind: Literal["claim", "source"],
        refs: Sequence[str],
        *,
        confirm: Callable[[MergeProposal], bool] | None = None,
    ) -> tuple[MergeProposal, ClaimView | SourceView] | None:
        """Merge claims or sources that are one (``merging``); None when ``confirm``
        (asked with no lock held) says no. Returns what was done and the survivor as
        it is now. Raises ``Changed`` when a record or link in the merge changed in
        the meantime."""
        from claimtrack.merging import apply
        from claimtrack.query import Presenter, claim_view, source_view

        asked: MergeProposal | None = None
        if confirm is not None:
            asked = self.plan_merge(kind, refs)
            if not confirm(asked):
                return None
            refs = [asked.plan.survivor["id"], *(o["id"] for o in asked.plan.others)]
        with self.writing() as db:
            if asked is not None:
                gone = [i for i in refs if db.record_of(kind, i) is None]
                if gone:
                    raise Changed(
                        f"{kind} {ids.short(gone[0])} was deleted while you were asked; "
                        "nothing merged"
                    )
            proposal = _proposal(db, kind, refs)
            if asked is not None and not _same_merge(asked.plan, proposal.plan):
                raise changed_error(kind, None, "merged")
            merged = apply(db, proposal.plan)
            presenter = Presenter(db)
            if kind == "claim":
                view: ClaimView | SourceView = claim_view(db.get_claim(merged["id"]), presenter)
            else:
                view = source_view(db.get_source(merged["id"]), presenter)
        return asked or proposal, view


def _proposal(db: Database, kind: Literal["claim", "source"], refs: Sequence[str]) -> MergeProposal:
    from claimtrack.merging import plan_claims, plan_sources
    from claimtrack.query import Presenter

    if kind == "claim":
        return MergeProposal(plan_claims(db, refs))
    plan = plan_sources(db, refs)
    presenter = Presenter(db)
    names = {r["id"]: presenter.name(r["id"]) for r in (plan.survivor, *plan.others)}
    return MergeProposal(plan, names)


def _same_merge(asked: Merge, now: Merge) -> bool:
    """Whether a merge planned again under the lock does what the user was asked about
    (the merge notes' timestamps aside)."""
    return (
        asked.survivor == now.survivor
        and asked.others == now.others
        and [before for before, _ in asked.links] == [before for before, _ in now.links]
    )
