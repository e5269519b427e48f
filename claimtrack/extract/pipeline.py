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
here (``claimtrack.importing.candidates`` records the accepted ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict

from claimtrack.extract.article import StoryParagraph, front_matter, story_paragraphs
from claimtrack.extract.attribution import QUOTE, Attribution, Attributor, Who
from claimtrack.extract.clauses import strip_attribution
from claimtrack.extract.layout import read_layout
from claimtrack.extract.names import Mentions, proper_names
from claimtrack.extract.quantities import quantities
from claimtrack.extract.text import iso_date, normalise, paragraphs, sentences, unquote_mail
from claimtrack.extract.vocabulary import ALLEGATION, DATE, MONTH_OR_DAY, PASSIVE, SPEECH, YEAR

if TYPE_CHECKING:
    from claimtrack.extract.names import Kind
    from claimtrack.model import Quantity

Reason = Literal["number", "quote", "attribution", "allegation", "date", "names", "fact"]
"""Why a sentence was kept: it holds a quantity, a direct quote, an attribution, an
allegation, a date (a year, a full date, a month or a weekday), or two or more names;
or, with none of those, it states a fact (a plain statement with a finite verb, in the
third person, neither a question nor an exclamation: "The terminal will stay shut.")."""

# How much each reason makes a claim worth checking first: a figure or an accusation
# can be checked against a record; a bare statement of fact is checked last. The order
# follows the check-worthiness criteria of ClaimBuster (Hassan et al., 2017: numbers and
# named sources make a sentence check-worthy) and of Full Fact's claim triage.
_WORTH: dict[Reason, int] = {
    "number": 4,
    "allegation": 3,
    "attribution": 2,
    "quote": 1,
    "date": 1,
    "names": 1,
    "fact": 0,
}


class CandidateRecord(TypedDict):
    """A candidate as ``extract`` prints it, one per line with ``--format jsonl``."""

    sentence: str  # the sentence as it stands in the article
    text: str  # the claim's wording: the sentence without its attribution, or the quote
    quote: str | None  # the direct quotation it holds, if any
    claimant: str | None  # who made the claim; None: "it was reported"
    claimant_kind: Kind | None  # person, organisation or media; None when not known
    role: str | None  # the claimant's role or title as the article gives it
    attribution: Attribution  # how the claimant was found (see Attribution)
    reporter: str | None  # the news organisation that carried it
    quantities: list[Quantity]
    reasons: list[Reason]
    checkworthiness: int  # higher is more checkable: the review shows it first
    paragraph: int  # 1-based, counting the article's paragraphs from its first line
    start: int  # character offsets of the sentence in the article's normalised text
    end: int


class ExtractionRecord(TypedDict):
    """An article's extraction as ``extract --format json`` prints it."""

    headline: str | None
    date: str | None  # as the article or the page's metadata gives it
    outlet: str | None  # the publication the article was taken from
    reporter: str | None  # the agency that carried the story, else the outlet
    url: str | None  # where the article was published (page metadata, the URL, --url)
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
    attribution: Attribution = "article"
    paragraph: int = 0
    start: int = 0
    end: int = 0

    @property
    def checkworthiness(self) -> int:
        """How checkable the claim is, for ordering a review: the sum of its reasons'
        weights (a number 4, an allegation 3, an attribution 2, a quote, a date or names
        1, a bare fact 0), plus 1 for a named claimant. Higher is checked first."""
        named = 1 if self.attribution == "named" else 0
        return sum(_WORTH[reason] for reason in self.reasons) + named

    def as_dict(self) -> CandidateRecord:
        return {
            "sentence": self.sentence,
            "text": self.text,
            "quote": self.quote,
            "claimant": self.claimant,
            "claimant_kind": self.claimant_kind,
            "role": self.role,
            "attribution": self.attribution,
            "reporter": self.reporter,
            "quantities": self.quantities,
            "reasons": self.reasons,
            "checkworthiness": self.checkworthiness,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
        }


def by_checkworthiness(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates the most checkable first (see :attr:`Candidate.checkworthiness`),
    in the article's order among equals: the order a review asks about them in."""
    return sorted(candidates, key=lambda candidate: -candidate.checkworthiness)


@dataclass
class Extraction:
    """An article's headline, date, outlet, reporter and URL, and its candidates in
    order; ``text`` is the normalised article the candidates' offsets point into."""

    headline: str | None
    date: str | None
    outlet: str | None
    reporter: str | None
    candidates: list[Candidate]
    url: str | None = None
    text: str = ""
    paragraphs: int = 0  # the story's paragraphs read (furniture left out)
    sentences: int = 0  # the sentences read in them

    def why_nothing(self) -> str | None:
        """Why no candidate was found, in a sentence for the user; None when some were."""
        if self.candidates:
            return None
        if not self.paragraphs:
            return (
                "no story paragraphs: every line read as a headline, byline, date, caption "
                "or credit (a paragraph needs four words or more)"
            )
        return (
            f"none of the {self.sentences} sentence(s) in {self.paragraphs} paragraph(s) "
            "holds a number, a quotation, an attribution, an allegation, a date or names"
        )

    @property
    def published(self) -> str | None:
        """The date as ISO 8601 (``YYYY-MM-DD``) when it can be read, else None."""
        return iso_date(self.date) if self.date else None

    def as_dict(self) -> ExtractionRecord:
        return {
            "headline": self.headline,
            "date": self.date,
            "outlet": self.outlet,
            "reporter": self.reporter,
            "url": self.url,
            "claims": [c.as_dict() for c in self.candidates],
        }


@dataclass(frozen=True)
class ArticleInfo:
    """What is known about an article besides its text: from a web page's metadata
    (:mod:`~claimtrack.extract.web`) or given by the user (``--reported-by``, ``--url``,
    ``--date``). Each value given wins over what the text's own lines say."""

    headline: str | None = None
    publisher: str | None = None  # the publication: the claims' reporter
    date: str | None = None  # ISO 8601 or as written
    url: str | None = None


def extract(article: str, info: ArticleInfo | None = None) -> Extraction:
    """The candidate claims in an article given as plain text (any line endings, quotes,
    spaces or paragraph layout), with ``info`` about where it was published. Offline and
    deterministic; an article with no story finds none. Raises nothing on any text
    (fuzzed in ``tests/test_bad_input_and_faults.py``)."""
    info = info or ArticleInfo()
    text = unquote_mail(normalise(article))
    layout = read_layout(paragraphs(text))
    headline, date, outlet, reporter, start = front_matter(layout.blocks)
    headline = info.headline or headline
    date = info.date or date
    outlet = info.publisher or outlet
    mentions = Mentions()
    attributor = Attributor(mentions)
    for name in (reporter, outlet):
        if name:
            mentions.add(name, "media")
    candidates: list[Candidate] = []
    state = _State()
    read = 0
    for read, paragraph in enumerate(story_paragraphs(layout, start), start=1):  # noqa: B007
        if paragraph.agency:
            agency = mentions.add(paragraph.agency, "media")
            reporter = reporter or agency.name
        state.sentences += _paragraph(paragraph, attributor, state, reporter or outlet, candidates)
    return Extraction(
        headline,
        date,
        outlet,
        reporter or outlet,
        candidates,
        info.url,
        text,
        paragraphs=read,
        sentences=state.sentences,
    )


@dataclass
class _State:
    """What one paragraph leaves for the next: the last claimant, the last speaker of a
    quotation, whether a quotation is still open, and who introduced a list."""

    previous: Who | None = None
    quote_speaker: Who | None = None
    open_quote: bool = False
    list_speaker: Who | None = None
    just_said: Who | None = None  # the named claimant of the sentence just read
    last: Candidate | None = None  # the candidate of the sentence just read, if any
    sentences: int = 0


def _paragraph(
    paragraph: StoryParagraph,
    attributor: Attributor,
    state: _State,
    reporter: str | None,
    candidates: list[Candidate],
) -> int:
    """Append the candidates of one story paragraph, in order; the number of its
    sentences."""
    mentions = attributor.mentions
    if not paragraph.bullet:
        state.list_speaker = None
    if paragraph.entry:
        _start_entry(paragraph, state, mentions)
    turn = attributor.entity(paragraph.speaker) if paragraph.speaker else None
    cursor = 0
    quoted_here = False  # whether the last speaker quoted spoke in this paragraph
    sentences_found = sentences(paragraph.text)
    for index, sentence in enumerate(sentences_found):
        found_at = paragraph.text.find(sentence, cursor)
        if found_at < 0:
            found_at = cursor
        cursor = found_at + len(sentence)
        # "The car parts maker Voltera ..., the company said": the description names
        # the organisation before the sentence refers back to it.
        mentions.add_described(sentence)
        continued = index == 0 and state.open_quote
        candidate = _candidate(
            sentence,
            attributor,
            state,
            reporter,
            continued=continued,
            spoken=paragraph.speaker is not None,
        )
        if (
            paragraph.bullet
            and candidate is not None
            and state.list_speaker is not None
            and candidate.attribution in ("article", "unclear")
        ):
            _credit(candidate, state.list_speaker)
        if (
            turn is not None
            and candidate is not None
            and (candidate.attribution in ("article", "unclear") or '"' not in sentence)
        ):
            # A speaker's turn is theirs, even where they say what others did or said;
            # only a quotation inside it may be someone else's.
            _credit(candidate, turn)
        last = index == len(sentences_found) - 1
        if last and _LIST_INTRO.search(sentence):
            # "Ruiz also said:" introduces a list even when too short to be a candidate.
            who = attributor.claimant(sentence) if candidate is None else None
            if candidate is not None and candidate.claimant:
                who = Who(candidate.claimant, candidate.claimant_kind, candidate.role)
            if (who is None or not who.name) and not paragraph.bullet:
                # "The council published an update. Among the changes:": the list is what
                # the sentence just before said it gave.
                who = state.just_said
            state.list_speaker = who if who is not None and who.name else None
        _credit_back(sentence, attributor, state)
        state.just_said = (
            Who(candidate.claimant, candidate.claimant_kind, candidate.role)
            if candidate is not None and candidate.claimant and candidate.attribution == "named"
            else None
        )
        state.last = candidate
        mentions.scan(sentence)
        # A paragraph that carries a quotation on opens with a fresh quotation mark
        # (news style), which is not a second quotation opening inside the first.
        reopened = continued and sentence.startswith('"')
        state.open_quote = _opens_quote(sentence, state.open_quote and not reopened)
        if candidate is None:
            continue
        candidate.paragraph = paragraph.number
        candidate.start = paragraph.start + found_at
        candidate.end = candidate.start + len(sentence)
        candidates.append(candidate)
        if candidate.claimant:
            state.previous = Who(candidate.claimant, candidate.claimant_kind, candidate.role)
            if candidate.quote or candidate.attribution == "named":
                # A quotation opening the next sentence is the speaker just quoted or
                # just paraphrased ("Kim said that ... "We ..."), not one quoted before.
                state.quote_speaker = state.previous
        quoted_here = quoted_here or (
            state.quote_speaker is not None and candidate.claimant == state.quote_speaker.name
        )
    if not quoted_here and not state.open_quote:
        # A paragraph in which the last speaker said nothing ends their turn: a quotation
        # further on with no speaker of its own is unclear, not theirs.
        state.quote_speaker = None
    heading = _ENTRY_HEADING.match(paragraph.text) if paragraph.entry else None
    if heading:
        # "Riverside Pool - closed from tonight" over an entry: the entry's quotations
        # with no speaker of their own are the one the heading names.
        who = attributor.entity(heading.group("who"))
        state.quote_speaker = who if who.name else None
    return len(sentences_found)


# "That was the warning in a letter from the board": the sentence before
# was the letter's, though it said so only now.
_BACK_REFERENCE = re.compile(
    r"^(?:That|This|Such)\s+(?:was|is|were|are)\s+(?:the|a)\s+(?:[a-z]+\s+){0,2}"
    r"(?:warning|message|claim|prediction|verdict|conclusion|finding|forecast|assessment)\s+"
    r"(?:of|from|by|in|contained\s+in|given\s+(?:by|in)|issued\s+by)\s+"
    r"(?P<who>(?:the\s+|a\s+)?[\w'-]+(?:\s+(?:from|of|by)\s+(?:the\s+)?[A-Z][\w'&.-]*"
    r"(?:\s+[A-Z][\w'&.-]*)*)?)"
)


def _credit_back(sentence: str, attributor: Attributor, state: _State) -> None:
    """Credit the sentence before, said in the article's voice, to the source a back
    reference names ("That was the warning in a letter from the board")."""
    back = _BACK_REFERENCE.match(sentence)
    last = state.last
    if back is None or last is None or last.attribution not in ("article", "unclear"):
        return
    who = attributor.source(back.group("who"))
    if who is not None and who.name:
        _credit(last, who)


def _start_entry(paragraph: StoryParagraph, state: _State, mentions: Mentions) -> None:
    """A live-blog entry or a speaker's turn starts afresh: no quotation, pronoun or
    list carries over from the one before. The body its headline is about ("Pools -
    'The Lido' to shut") is who "they" or "it" means in its first sentences."""
    state.previous = state.quote_speaker = state.list_speaker = state.just_said = None
    state.last = None
    state.open_quote = False
    mentions.new_section()
    subject = _ENTRY_SUBJECT.search(paragraph.headline or "")
    if subject:
        entity = mentions.add(subject.group("who").strip("'\""), "organisation")
        mentions.spoke(entity)


# A live-blog entry's heading that opens with a body's name and a dash, with no full stop.
_ENTRY_HEADING = re.compile(
    r"^(?P<who>[A-Z][\w'&.-]*(?:\s+(?:[A-Z][\w'&.-]*|of|and|the|for)){1,5})"
    r"\s+[-\u2013\u2014]\s+[^.!?]*$"
)


# A live-blog headline's subject and what it does: "Harbor Lido to shut", "Topic -
# 'The Anchor' will shut", "Quay Cafe says ...". Acts of a body, not of weather.
_ENTRY_SUBJECT = re.compile(
    r"(?:^|\s)(?P<who>['\"]?(?:The\s+)?[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,4}['\"]?)\s+"
    r"(?:to\s+(?:close|open|reopen|shut|stay\s+open)|will\s+(?:close|open|reopen|shut|"
    r"stay)|says|said|announces|confirms|closes|shuts|opens|reopens)\b"
)

# "She also said:", "Among the findings:": the bullets that follow are this speaker's.
# A paragraph never ends in a semicolon but to introduce a list, so that one does too.
_LIST_INTRO = re.compile(r"[:;]\s*$")


def _opens_quote(sentence: str, was_open: bool) -> bool:
    """Whether a quotation is still open after this sentence: news style leaves the
    closing mark off a paragraph whose quotation carries on into the next."""
    count = sentence.count('"')
    return was_open != (count % 2 == 1)


def _credit(candidate: Candidate, who: Who) -> None:
    candidate.claimant, candidate.claimant_kind, candidate.role = who.name, who.kind, who.role
    candidate.attribution = "named"


def _reasons(
    sentence: str, found_quantities: list[Quantity], *, spoken: bool = False
) -> list[Reason]:
    """Why a sentence may hold a checkable claim; empty when nothing in it can be checked.
    ``spoken``: the sentence is a speaker's turn (a label, a heading), where "I" and "we"
    are the speaker's and their statements of fact are claims."""
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
    if not reasons and states_a_fact(sentence, spoken=spoken):
        reasons.append("fact")
    return reasons


# A finite verb: an auxiliary or modal (contracted too: "they'll", "isn't"), a past
# tense, or a common irregular one.
_FINITE = re.compile(
    r"'(?:re|ll|ve|s|d)\b|n't\b|"
    r"\b(?:is|are|was|were|will|would|has|have|had|can|could|must|shall|may|might|did|"
    r"does|do|remains?|stays?|opens?|closes?|shuts?|runs?|costs?|takes?|gets?|goes|makes?|"
    r"[a-z]{2,}ed|rose|fell|won|lost|paid|sold|built|left|began|became|grew|held|kept|met|"
    r"ran|saw|set|spent|came|gave|got|went|took|made|found|brought|bought|led|hit|cut|put|"
    r"shut|struck|stood|sent|thought|knew|drew|broke|chose|wrote|spoke|fled|sank|hid)\b",
    re.IGNORECASE,
)
# First and second person, feelings and advice: the writer's opinion, not a fact to check.
_OPINION = re.compile(
    r"\b(?:I|me|my|we|us|our|you|your|should|ought|perhaps|maybe|arguably|hopefully|"
    r"surely|clearly|sadly|luckily|unfortunately|fortunately|thankfully|let's|let us)\b"
    r"|!|\?$",
    re.IGNORECASE,
)


def states_a_fact(sentence: str, *, spoken: bool = False) -> bool:
    """Whether a sentence with nothing else to check states a fact in the article's own
    voice: four to 45 words with a finite verb, not in the first or second person, and
    no question, exclamation or advice ("The terminal will stay shut." is one; "You should book
    early!" is not). ``spoken``: a speaker's turn, where the first person is theirs."""
    words = sentence.split()
    if not 4 <= len(words) <= 45 or not sentence[:1].isupper():
        return False
    if spoken:
        return bool(_FINITE.search(sentence)) and not re.search(r"!|\?$", sentence)
    return bool(_FINITE.search(sentence)) and not _OPINION.search(sentence)


def _candidate(
    sentence: str,
    attributor: Attributor,
    state: _State,
    reporter: str | None,
    *,
    continued: bool = False,
    spoken: bool = False,
) -> Candidate | None:
    found_quantities = quantities(sentence)
    reasons = _reasons(sentence, found_quantities, spoken=spoken)
    # A quotation left open by the paragraph before, or one that opens this sentence and
    # runs on (news style closes it only in the paragraph where it ends), is quoted speech.
    if (continued or sentence.startswith('"')) and "quote" not in reasons:
        reasons.append("quote")
    if not reasons or len(sentence.split()) < 4 or sentence.endswith("?"):
        return None
    who = attributor.attribute(
        sentence,
        previous=state.previous,
        quote_speaker=state.quote_speaker,
        continued=continued,
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
        reporter=via or reporter,
        quantities=found_quantities,
        reasons=reasons,
        attribution=who.attribution,
    )
