"""Presenting records: the read side shared by every output.

A ``Presenter`` is made once per command: it shows sources by name or pseudonym (as the
command's ``Disclosure`` allows) and a claim's links in chain order, reading both from
the store (``claimtrack.store``), which decides how to find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from claimtrack import ids
from claimtrack.confidential import Disclosure, pseudonym, withhold_link
from claimtrack.db import Database
from claimtrack.model import RELATIONS, Claim, Link, Relation, Source
from claimtrack.store.filter import ClaimFilter
from claimtrack.store.snapshot import SORT_KEYS
from claimtrack.views import ClaimView, LinkView, SimilarView, SourceView

if TYPE_CHECKING:
    from claimtrack.analysis.similar import Match

__all__ = ["SORT_KEYS", "ClaimFilter", "Presenter"]

RELATION_ORDER: dict[str, int] = {relation: rank for rank, relation in enumerate(RELATIONS)}


class Presenter:
    """Sources by ID and links by claim and by source, as one command shows them."""

    def __init__(self, db: Database, *, reveal: bool = False) -> None:
        self.db = db
        self.store = db.store
        self.reveal = reveal
        self.disclosure = Disclosure(reveal)
        self._shown: dict[str, tuple[str, bool]] = {}

    @property
    def sources(self) -> dict[str, Source]:
        """Every source by ID (read whole on first use)."""
        return self.store.records("sources")

    def source(self, source_id: str) -> Source | None:
        found: Source | None = self.store.record("sources", source_id)
        return found

    def source_links(self, source_id: str) -> list[Link]:
        """The links citing a source."""
        return self.store.source_links(source_id)

    def claims_citing(self, source_id: str) -> int:
        """How many claims a source's links point to."""
        return self.store.citing_count(source_id)

    def display(self, source_id: str) -> tuple[str, bool]:
        """How a source is shown (its name or pseudonym), and whether it is hidden."""
        shown = self._shown.get(source_id)
        if shown is not None:
            return shown
        source = self.source(source_id)
        if source is None:
            shown = (f"(missing source {ids.short(source_id)})", False)
        elif self.disclosure.hides(source):
            shown = (pseudonym(source), True)
        else:
            shown = (self.disclosure.name(source), False)
        self._shown[source_id] = shown
        return shown

    def name(self, source_id: str) -> str:
        return self.display(source_id)[0]

    def links(self, claim_id: str) -> list[Link]:
        """A claim's links in chain order."""
        links = self.store.claim_links(claim_id)
        links.sort(key=_chain_order)
        return links


def _relation_rank(relation: str) -> int:
    return RELATION_ORDER.get(relation, 9)


def _chain_order(link: Link) -> tuple[int, int]:
    return RELATION_ORDER.get(link["relation"], 9), link["position"]


def select_claims(
    db: Database, flt: ClaimFilter, *, sort: str = "created", reverse: bool = False
) -> list[Claim]:
    """Every claim ``flt`` (prepared) selects; newest first by default (``reverse``
    flips any order). Raises ``ValidationError`` for an unknown ``sort``."""
    return list(db.store.select(flt, sort=sort, reverse=reverse)[0])


def iter_claims(
    db: Database,
    flt: ClaimFilter,
    *,
    sort: str = "created",
    reverse: bool = False,
    limit: int | None = None,
) -> tuple[Iterator[Claim], int]:
    """The first ``limit`` claims ``flt`` selects in order, read as the caller takes
    them (``Snapshot.select``), and how many it selects in all."""
    return db.store.select(flt, sort=sort, reverse=reverse, limit=limit)


def claim_view(claim: Claim, presenter: Presenter) -> ClaimView:
    """A claim as users see it: its fields plus its sources, chain order kept."""
    links = [link_view(link, presenter) for link in presenter.links(claim["id"])]
    said: list[str] = []
    reported: list[str] = []
    for link in links:
        relation = link["relation"]
        if relation == "said-by":
            said.append(link["source"])
        elif relation == "reported-by":
            reported.append(link["source"])
    view: ClaimView = {**claim, "said_by": said, "reported_by": reported, "links": links}
    if "merged" in view and not view["merged"]:
        del view["merged"]  # left as null by an undone merge: no claim was merged into it
    return view


def similar_view(match: Match, presenter: Presenter) -> SimilarView:
    """A claim ``similar`` found, with its score and the reasons in words, and whose
    verdict its status is (``verdict_by``: another desk's, from its ClaimReview, or None
    for ours); a claimant both share is named as the presenter shows it (a pseudonym if
    confidential)."""
    why = [*match.why, *(f"same claimant: {presenter.name(i)}" for i in match.claimants)]
    return {
        **claim_view(match.claim, presenter),
        "score": match.score,
        "why": why,
        "verdict_by": match.claim.get("review", {}).get("by"),
    }


def link_view(link: Link, presenter: Presenter) -> LinkView:
    source = link["source"]
    name, hidden = presenter.display(source)
    if hidden:
        # A link's URL, quote and note can name a protected source as surely as its name.
        link = withhold_link(link)
    return {
        "id": link["id"],
        "relation": link["relation"],
        "source_id": source,
        "source": name,
        "url": link.get("url"),
        "quote": link.get("quote"),
        "date": link.get("date"),
        "note": link.get("note"),
        "position": link.get("position", 0),
        "archive": link.get("archive"),
        "verify": link.get("verify"),
    }


def source_view(source: Source, presenter: Presenter) -> SourceView:
    source = presenter.disclosure.source(source)
    view: SourceView = {**source, "claims": presenter.claims_citing(source["id"])}
    if "merged" in view and not view["merged"]:
        del view["merged"]  # as for a claim; a confidential source's is withheld
    for key in ("sealed", "commitment"):  # the file's ciphertext, no one's to read
        view.pop(key, None)  # type: ignore[misc]
    return view


def source_claims(source: Source, db: Database, presenter: Presenter) -> list[tuple[str, Claim]]:
    """(relations, claim) for every claim that cites the source once, newest first."""
    relations: dict[str, list[Relation]] = {}
    for link in presenter.source_links(source["id"]):
        if db.has_claim(link["claim"]):
            relations.setdefault(link["claim"], []).append(link["relation"])
    pairs = [
        (", ".join(sorted(set(found), key=_relation_rank)), db.claim_by_id(claim_id))
        for claim_id, found in relations.items()
    ]
    pairs.sort(key=lambda pair: pair[1]["created"], reverse=True)
    return pairs


def sources_sorted(sources: Iterable[Source], disclosure: Disclosure) -> list[Source]:
    """Sources in the order of the names shown: a hidden source sorts by its pseudonym,
    never by the real name its place in the list would hint at."""
    return sorted(sources, key=lambda s: (disclosure.name(s).casefold(), s["id"]))
