"""Recording extracted candidates: the accepted ones become unverified claims.

The extractor only suggests (``claimtrack.extract``); turning its candidates into
records is an import: each candidate becomes a claim with its
claimant as ``said-by`` (the publication itself for a claim in the article's own
voice) and its carriers as ``reported-by`` (the publisher's link with the article's
URL and date, and the sentence as its quote, so that ``verify`` notices when the
sentence changes on the page), and the article it came from in a note, so that the
journalist can go back to the sentence.

A story remembers the sentences it was given: each claim's note names its sentence,
and the history keeps the notes of claims deleted or merged since, so extracting the
article again (updated, or the same) re-adds nothing the journalist already dealt
with (recorded, deleted, merged into another claim, reworded). A sentence that comes
back with only a figure changed ("13%" now "11%") is a change in the article: it is
reported (``Recorded.changed``) and noted on the claim that came from it, never
recorded as a new claim unannounced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# The note a recorded candidate gets ends with its sentence: "Extracted from <where>,
# paragraph 3: <sentence>" (or "Extracted, paragraph 3: ..." when nothing is known).
# A figure changed since is noted the same way, after CHANGED_NOTE.
CHANGED_NOTE = "A figure changed in the article since it was extracted."
_EXTRACTED_NOTE = re.compile(
    rf"\A(?:{re.escape(CHANGED_NOTE)} )?Extracted(?: from .*?)?, paragraph \d+: (.*)\Z", re.DOTALL
)
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _sentence_key(sentence: str) -> str:
    return " ".join(sentence.split())


def _skeleton(sentence: str) -> str:
    """The sentence with every figure blanked: equal for two sentences that differ only
    in their numbers."""
    return _FIGURE.sub("#", _sentence_key(sentence))


@dataclass(frozen=True)
class Changed:
    """A sentence extracted before that the article now gives with other figures:
    ``before`` and ``now``, and the claim that came from it (None when it is gone)."""

    before: str
    now: str
    claim: str | None
    paragraph: int


class Recorded(NamedTuple):
    """What :func:`record_candidates` did: the claims it made, how many candidates it
    left out because their sentence was dealt with in the story before (recorded,
    deleted, merged or reworded since), and the sentences whose figures changed."""

    made: list[Claim]
    already: int
    changed: list[Changed]


def extracted_sentences(db: Database, story: str | None) -> dict[str, str | None]:
    """Every sentence extracted into ``story`` (a cleaned slug, or None) so far, whatever
    became of its claim, read from the notes of the story's claims and of the claims
    the history records in it: sentence (spacing made single) -> the claim that holds
    its note now (a survivor of a merge), or None when it was deleted."""
    found: dict[str, str | None] = {}

    def read(claim: object, holder: str | None) -> None:
        if not isinstance(claim, dict) or claim.get("story") != story:
            return
        for note in claim.get("notes") or []:
            match = _EXTRACTED_NOTE.match(str(note.get("text", "")))
            if match:
                key = _sentence_key(match.group(1))
                if holder is not None or key not in found:
                    found[key] = holder

    for event in db.event_list():
        if event["kind"] == "claim":
            read(event["before"], None)
            read(event["after"], None)
    for claim in db.claim_list():
        read(claim, claim["id"])
    return found


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
    dealt = extracted_sentences(db, slug)
    skeletons = {_skeleton(sentence): sentence for sentence in dealt}
    made: list[Claim] = []
    changed: list[Changed] = []
    already = 0
    for candidate in candidates:
        key = _sentence_key(candidate.sentence)
        if fold(candidate.text) in recorded or key in dealt:
            already += 1
            continue
        before = skeletons.get(_skeleton(key))
        if before is not None:
            holder = dealt[before]
            changed.append(Changed(before, key, holder, candidate.paragraph))
            if holder is not None:
                db.add_note(holder, f"{CHANGED_NOTE} {_extracted_note(where, candidate)}")
            dealt[key] = holder
            continue
        recorded.add(fold(candidate.text))
        said: list[str] = []
        claimant = candidate.claimant
        if not claimant and candidate.attribution == "article":
            # The article's own voice: the publication makes the claim (AP's rule).
            claimant = extraction.outlet or candidate.reporter
        if claimant:
            existing = db.find_source(claimant)
            if existing is None:
                db.add_source(
                    claimant,
                    kind=_SOURCE_KINDS.get(candidate.claimant_kind or "", "unknown")
                    if candidate.claimant
                    else "publication",
                    role=candidate.role,
                    confidential=candidate.attribution == "unnamed"
                    and bool(ANONYMOUS.search(claimant)),
                )
            said.append(claimant)
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
            note=_extracted_note(where, candidate),
        )
        dealt[key] = claim["id"]
        skeletons.setdefault(_skeleton(key), key)
        # The link to the article (the publisher's, else the carrier's) quotes the
        # sentence: verify then says quote-missing when the article changes it.
        publisher = extraction.outlet or candidate.reporter
        if publisher:
            source = db.ensure_source(publisher)
            db.link_ids(
                claim["id"],
                source["id"],
                "reported-by",
                url=extraction.url,
                date=extraction.published,
                quote=candidate.sentence,
            )
        made.append(claim)
    return Recorded(made, already, changed)


def _extracted_note(where: str, candidate: Candidate) -> str:
    """The note naming the article and the sentence a claim came from (which
    ``extracted_sentences`` reads back)."""
    note = f"paragraph {candidate.paragraph}: {candidate.sentence}"
    return f"Extracted from {where}, {note}" if where else f"Extracted, {note}"
