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

    def plan_merge(
        self,
        kind: Literal["claim", "source"],
        refs: Sequence[str],
        *,
        claimants: ClaimantsChoice = True,
    ) -> MergeProposal:
        """What merging these claims or sources (the survivor first) would do; changes
        nothing (``--dry-run``). ``claimants``: see ``merge``."""
        with self.reading() as db:
            return _chosen(db, kind, refs, claimants)[0]

    def merge(
        self,
        kind: Literal["claim", "source"],
        refs: Sequence[str],
        *,
        confirm: Callable[[MergeProposal], bool] | None = None,
        claimants: ClaimantsChoice = True,
    ) -> tuple[MergeProposal, ClaimView | SourceView] | None:
        """Merge claims or sources that are one (``merging``); None when ``confirm``
        (asked with no lock held) says no. Returns what was done and the survivor as
        it is now. Raises ``Changed`` when a record or link in the merge changed in
        the meantime.

        ``claimants``: whether said-by links that would give a claim with a verdict a
        new claimant move to it (``merging.plan_claims``), or a function of the
        proposal that decides (asked once, and only when there are such links; with
        ``confirm``, before it and with no lock held)."""
        from claimtrack.merging import apply
        from claimtrack.views.presenter import Presenter, claim_view, source_view

        asked: MergeProposal | None = None
        if confirm is not None:
            with self.reading() as db:
                asked, kept = _chosen(db, kind, refs, claimants)
            claimants = kept
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
            proposal = _chosen(db, kind, refs, claimants)[0]
            if asked is not None and not _same_merge(asked.plan, proposal.plan):
                raise changed_error(kind, None, "merged")
            merged = apply(db, proposal.plan)
            presenter = Presenter(db)
            if kind == "claim":
                view: ClaimView | SourceView = claim_view(db.get_claim(merged["id"]), presenter)
            else:
                view = source_view(db.get_source(merged["id"]), presenter)
        return asked or proposal, view


# Whether a claim with a verdict takes the merged claims' claimants: yes or no, or a
# function of the proposal that decides (a question to the user).
ClaimantsChoice = bool | Callable[[MergeProposal], bool]


def _chosen(
    db: Database, kind: Literal["claim", "source"], refs: Sequence[str], claimants: ClaimantsChoice
) -> tuple[MergeProposal, bool]:
    """The merge of ``refs``, with the claimants ``claimants`` decides on; and that
    decision (true where there was nothing to decide)."""
    proposal = _proposal(db, kind, refs, True)
    if kind != "claim" or not proposal.plan.claimants:
        return proposal, True
    keep = claimants(proposal) if callable(claimants) else claimants
    return (proposal, True) if keep else (_proposal(db, kind, refs, False), False)


def _proposal(
    db: Database, kind: Literal["claim", "source"], refs: Sequence[str], claimants: bool
) -> MergeProposal:
    from claimtrack.merging import plan_claims, plan_sources
    from claimtrack.views.presenter import Presenter

    if kind == "claim":
        plan = plan_claims(db, refs, claimants=claimants)
        presenter = Presenter(db)
        return MergeProposal(
            plan, {k["source"]: presenter.name(k["source"]) for k in plan.claimants}
        )
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
