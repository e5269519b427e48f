"""The pipeline: an article in, candidate claims out, each with its claimant and carrier.

:func:`extract` runs the stages in order. The text is cleaned up and split into
paragraphs (:mod:`~claimtrack.extract.text`); the furniture around the story gives the
headline, date, outlet and agency (:mod:`~claimtrack.extract.article`); then, sentence
by sentence, in the article's order because a later sentence refers back to an earlier
one ("she", "the think tank"):

1. the organisations a description introduces are noted ("the car parts maker Voltera");
2. the sentence is kept when it holds something a fact-checker can check: a quantity,
   a direct quote, an attribution, an allegation, a date, or two or more names;
3. its claimant and carrier are attributed (:mod:`~claimtrack.extract.attribution`);
4. the names it introduces are registered for the sentences after it.

A candidate is a suggestion for a journalist to review, not a claim: it is not stored
here (``claimtrack.interchange.candidates`` records the accepted ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict

from claimtrack.extract.article import front_matter, story_paragraphs
from claimtrack.extract.attribution import QUOTE, Attributor, Who, strip_attribution
from claimtrack.extract.names import Mentions, proper_names
from claimtrack.extract.quantities import quantities
from claimtrack.extract.text import normalise, paragraphs, sentences
from claimtrack.extract.vocabulary import ALLEGATION, DATE, MONTH_OR_DAY, PASSIVE, SPEECH, YEAR

if TYPE_CHECKING:
    from claimtrack.extract.names import Kind
    from claimtrack.model import Quantity

Reason = Literal["number", "quote", "attribution", "allegation", "date", "names"]
"""Why a sentence was kept: it holds a quantity, a direct quote, an attribution, an
allegation, a date (a year, a full date, a month or a weekday), or two or more names."""


class CandidateRecord(TypedDict):
    """A candidate as ``extract`` prints it, one per line with ``--format jsonl``."""

    sentence: str  # the sentence as it stands in the article
    text: str  # the claim's wording: the sentence without its attribution, or the quote
    quote: str | None  # the direct quotation it holds, if any
    claimant: str | None  # who made the claim; None: "it was reported"
    claimant_kind: Kind | None  # person, organisation or media; None when not known
    role: str | None  # the claimant's role or title as the article gives it
    reporter: str | None  # the news organisation that carried it
    quantities: list[Quantity]
    reasons: list[Reason]


class ExtractionRecord(TypedDict):
    """An article's extraction as ``extract --format json`` prints it."""

    headline: str | None
    date: str | None  # as the article writes it
    outlet: str | None  # the publication the article was taken from
    reporter: str | None  # the agency that carried the story, else the outlet
    claims: list[CandidateRecord]


@dataclass
class Candidate:
    """A sentence that may hold a checkable claim; see :class:`CandidateRecord`.

    ``text`` is the one field a journalist may change before the claim is recorded."""

    sentence: str
    text: str
    quote: str | None
    claimant: str | None
    claimant_kind: Kind | None
    role: str | None
    reporter: str | None
    quantities: list[Quantity]
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> CandidateRecord:
        return {
            "sentence": self.sentence,
            "text": self.text,
            "quote": self.quote,
            "claimant": self.claimant,
            "claimant_kind": self.claimant_kind,
            "role": self.role,
            "reporter": self.reporter,
            "quantities": self.quantities,
            "reasons": self.reasons,
        }


@dataclass
class Extraction:
    """An article's headline, date, outlet and reporter, and its candidates in order."""

    headline: str | None
    date: str | None
    outlet: str | None
    reporter: str | None
    candidates: list[Candidate]

    def as_dict(self) -> ExtractionRecord:
        return {
            "headline": self.headline,
            "date": self.date,
            "outlet": self.outlet,
            "reporter": self.reporter,
            "claims": [c.as_dict() for c in self.candidates],
        }


def extract(article: str) -> Extraction:
    """The candidate claims in an article given as plain text (any line endings, quotes
    or spaces). Offline and deterministic; an article with no story finds none. Raises
    nothing on any text (fuzzed in ``tests/test_hostile.py``)."""
    blocks = paragraphs(normalise(article))
    headline, date, outlet, reporter, start = front_matter(blocks)
    mentions = Mentions()
    attributor = Attributor(mentions)
    for name in (reporter, outlet):
        if name:
            mentions.add(name, "media")
    publisher = reporter or outlet
    candidates: list[Candidate] = []
    for dateline_agency, paragraph in story_paragraphs(blocks, start):
        if dateline_agency:
            agency = mentions.add(dateline_agency, "media")
            reporter = reporter or agency.name
            publisher = reporter
        previous: Who | None = None
        previous_quote_speaker: Who | None = None
        for sentence in sentences(paragraph):
            # "The car parts maker Voltera ..., the company said": the description names
            # the organisation before the sentence refers back to it.
            mentions.add_described(sentence)
            candidate = _candidate(
                sentence,
                attributor,
                previous,
                previous_quote_speaker,
                publisher,
                reporter or outlet,
            )
            mentions.scan(sentence)
            if candidate is None:
                continue
            candidates.append(candidate)
            previous = Who(candidate.claimant, candidate.claimant_kind, candidate.role)
            if candidate.quote:
                previous_quote_speaker = previous
    return Extraction(headline, date, outlet, reporter or outlet, candidates)


def _reasons(sentence: str, found_quantities: list[Quantity]) -> list[Reason]:
    """Why a sentence may hold a checkable claim; empty when nothing in it can be checked."""
    reasons: list[Reason] = []
    if found_quantities:
        reasons.append("number")
    if QUOTE.search(sentence):
        reasons.append("quote")
    if PASSIVE.search(sentence) or SPEECH.search(sentence):
        reasons.append("attribution")
    if ALLEGATION.search(sentence):
        reasons.append("allegation")
    if YEAR.search(sentence) or DATE.search(sentence) or MONTH_OR_DAY.search(sentence):
        reasons.append("date")
    capitalised = re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zé-ž]+", sentence[1:])
    if len(proper_names(sentence)) + len(capitalised) >= 2:
        reasons.append("names")
    return reasons


def _candidate(
    sentence: str,
    attributor: Attributor,
    previous: Who | None,
    quote_speaker: Who | None,
    publisher: str | None,
    default_reporter: str | None,
) -> Candidate | None:
    found_quantities = quantities(sentence)
    reasons = _reasons(sentence, found_quantities)
    if not reasons or len(sentence.split()) < 4 or sentence.endswith("?"):
        return None
    who = attributor.attribute(
        sentence, previous=previous, quote_speaker=quote_speaker, publisher=publisher
    )
    via = attributor.via(sentence)
    text = strip_attribution(sentence)
    quote = QUOTE.search(sentence)
    if quote and len(quote.group(1)) > 0.6 * len(sentence):
        text = quote.group(1).strip().rstrip(",")  # the claim is what the quote says
    return Candidate(
        sentence=sentence,
        text=text,
        quote=quote.group(1).strip().rstrip(",") if quote else None,
        claimant=who.name,
        claimant_kind=who.kind,
        role=who.role,
        reporter=via or default_reporter,
        quantities=found_quantities,
        reasons=reasons,
    )
