"""Recording extracted candidates: the accepted ones become unverified claims.

The extractor only suggests (``claimtrack.extract``); turning its candidates into
records is interchange, like an import: each candidate becomes a claim with its
claimant as ``said-by`` and its carriers as ``reported-by``, and the article it came
from in a note, so that the journalist can go back to the sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def record_candidates(
    db: Database,
    extraction: Extraction,
    candidates: Iterable[Candidate],
    *,
    story: str | None,
    source_name: str | None = None,
) -> list[Claim]:
    """Add accepted candidates (of ``extraction``) as unverified claims, with their
    sources and links; the claims made, in order.

    Sources are matched by name or alias (never duplicated); a new claimant source gets
    the role the article gives it, and the kind its entity kind implies ("unknown" when
    the extractor could not tell). The claim's reporters are the candidate's carrier,
    then the article's outlet. The article's headline, outlet and date and
    ``source_name`` (the file it was read from) go in a note with the sentence. Raises
    what :meth:`Database.add_claim` and :meth:`Database.add_source` raise.
    """
    where = ", ".join(
        part
        for part in (
            f'"{extraction.headline}"' if extraction.headline else None,
            extraction.outlet,
            extraction.date,
            source_name,
        )
        if part
    )
    made: list[Claim] = []
    for candidate in candidates:
        said: list[str] = []
        if candidate.claimant:
            existing = db.find_source(candidate.claimant)
            if existing is None:
                db.add_source(
                    candidate.claimant,
                    kind=_SOURCE_KINDS.get(candidate.claimant_kind or "", "unknown"),
                    role=candidate.role,
                )
            said.append(candidate.claimant)
        reported = [r for r in (candidate.reporter, extraction.outlet) if r]
        reported = list(dict.fromkeys(reported))
        for name in reported:
            if db.find_source(name) is None:
                db.add_source(name, kind="publication")
        claim = db.add_claim(
            candidate.text,
            quote=candidate.quote,
            story=story,
            quantities=candidate.quantities,
            said_by=said,
            reported_by=reported,
            note=f"Extracted from {where}: {candidate.sentence}" if where else None,
        )
        made.append(claim)
    return made
