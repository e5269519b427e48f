"""Recording extracted candidates: the accepted ones become unverified claims.

The extractor only suggests (``claimtrack.extract``); turning its candidates into
records is an import: each candidate becomes a claim with its
claimant as ``said-by`` and its carriers as ``reported-by`` (the publisher's link with
the article's URL and date), and the article it came from in a note, so that the
journalist can go back to the sentence. Recording the same article again adds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from claimtrack.extract.vocabulary import ANONYMOUS
from claimtrack.model import fold
from claimtrack.records import clean_story

if TYPE_CHECKING:
    from collections.abc import Iterable

    from claimtrack.db import Database
    from claimtrack.extract import Candidate, Extraction
    from claimtrack.model import Claim, SourceKind

# The source kind a claimant of each entity kind is recorded as.
_SOURCE_KINDS: dict[str, SourceKind] = {
    "person": "person",
    "organisation": "organisation",
    "media": "publication",
}


class Recorded(NamedTuple):
    """What :func:`record_candidates` did: the claims it made, and how many candidates
    it left out because the same claim is already recorded in the story."""

    made: list[Claim]
    already: int


def record_candidates(
    db: Database,
    extraction: Extraction,
    candidates: Iterable[Candidate],
    *,
    story: str | None,
    source_name: str | None = None,
) -> Recorded:
    """Add accepted candidates (of ``extraction``) as unverified claims, with their
    sources and links; the claims made, in order.

    Idempotent: a candidate whose text is already a claim's text in the same story
    (case and spacing aside) is left out, so extracting the same article twice adds
    nothing the second time. Sources are matched by name or alias (never duplicated); a
    new claimant source gets the role the article gives it, and the kind its entity kind
    implies ("unknown" when the extractor could not tell). An anonymous source ("a
    senior official", "people familiar with the talks": ``ANONYMOUS``) is recorded as
    a confidential source, so that ``check``'s anonymity rule asks for the reason and
    the approving editor (AP's rule); a group ("officials", "hydrologists") is not. The
    claim's reporters are the candidate's carrier, then the article's outlet; the
    outlet's ``reported-by`` link gets the article's URL and date (ISO). The article's
    headline, outlet, date, URL and ``source_name`` (the file it was read from) go in a
    note with the sentence and its paragraph number. Raises what
    :meth:`Database.add_claim`, :meth:`Database.add_source` and
    :meth:`Database.link_ids` raise.
    """
    where = ", ".join(
        part
        for part in (
            f'"{extraction.headline}"' if extraction.headline else None,
            extraction.outlet,
            extraction.date,
            extraction.url,
            source_name,
        )
        if part
    )
    slug = clean_story(story)
    recorded = {fold(c["text"]) for c in db.claim_list() if c.get("story") == slug}
    made: list[Claim] = []
    already = 0
    for candidate in candidates:
        if fold(candidate.text) in recorded:
            already += 1
            continue
        recorded.add(fold(candidate.text))
        said: list[str] = []
        if candidate.claimant:
            existing = db.find_source(candidate.claimant)
            if existing is None:
                db.add_source(
                    candidate.claimant,
                    kind=_SOURCE_KINDS.get(candidate.claimant_kind or "", "unknown"),
                    role=candidate.role,
                    confidential=candidate.attribution == "unnamed"
                    and bool(ANONYMOUS.search(candidate.claimant)),
                )
            said.append(candidate.claimant)
        reported = [r for r in (candidate.reporter, extraction.outlet) if r]
        reported = list(dict.fromkeys(reported))
        for name in reported:
            if db.find_source(name) is None:
                db.add_source(name, kind="publication")
        note = f"paragraph {candidate.paragraph}: {candidate.sentence}"
        claim = db.add_claim(
            candidate.text,
            quote=candidate.quote,
            story=story,
            quantities=candidate.quantities,
            said_by=said,
            reported_by=reported,
            note=f"Extracted from {where}, {note}" if where else f"Extracted, {note}",
        )
        if extraction.outlet and (extraction.url or extraction.published):
            publisher = db.ensure_source(extraction.outlet)
            db.link_ids(
                claim["id"],
                publisher["id"],
                "reported-by",
                url=extraction.url,
                date=extraction.published,
            )
        made.append(claim)
    return Recorded(made, already)
