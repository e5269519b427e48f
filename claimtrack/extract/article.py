"""The article's furniture: what frames the story rather than tells it.

A pasted article brings its page with it: a headline, a byline ("By Jane Roe, Associated
Press"), an outlet line, a date, captions and credits ("Images source: ..."), a dateline
opening the first paragraph ("BELGRADE, Serbia (AP) --", "(CNN) --"), credit lines at
the end ("Jane Roe contributed to this report", "(Reporting by ...; Editing by ...)"),
and sometimes a closing "Source: X" line naming the agency the story came from. None of
it is a claim, but the outlet, the agency and the date say who carried the claims, so
they are read here and the story's own paragraphs are handed on without them.

Any of it may be missing: copy pasted from a wire feed starts with its dateline, with
no headline above it, so the first line is a headline only when it does not read as the
story's first paragraph.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from claimtrack.extract.names import kind_of
from claimtrack.extract.vocabulary import BULLET, CREDIT_LINE, DATE, SKIP_LINE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from claimtrack.extract.layout import Layout
    from claimtrack.extract.text import Block

_SOURCE_LINE = re.compile(r"^source:\s*(.+?)\.?$", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(.+)$", re.IGNORECASE)
# The place is a city in capitals and, after a comma, a few capitalised words or a date
# ("GREEN BAY, Wis.", "BELGRADE, Serbia", "PORTVALE, May 4"): never a run of the story's
# own words, so that "the Lions' 30-20 loss" further on is not the dateline's dash.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]+"
    r"(?:,\s*[A-Z][\w.']*(?:-[\w.']+)*(?:,?\s(?:[A-Z][\w.']*|\d{1,4})){0,3})?)?"
    r"\s*(?:\((?P<agency>[^)]{2,40})\))?\s*(?:[\u2014\u2013]|--?)\s*"
)
# "Updated 10:32 a.m. ET", "posted on April 21, 2015, at 11:29 a.m.", "2014-09-30T14:34Z".
_DATE_LINE = re.compile(
    r"\b\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?|gmt|utc|[a-z]{2,3}t)\b|\d{4}-\d\d-\d\d|"
    r"\b(?:updated|posted|published)\b",
    re.IGNORECASE,
)
# A sentence ending inside a line, with the next one starting after it.
_INNER_STOP = re.compile(r"""[a-z0-9%)][.!?]["']?\s+["']?[A-Z]""")
# Sentence punctuation a story paragraph ends with (a closing quote or bracket included).
_CLOSED = re.compile(r"""[.!?:;)"'\]]$""")


class FrontMatter(NamedTuple):
    """What the lines around the story say about it; each None when not found."""

    headline: str | None
    date: str | None  # as written: "26 February 2024", "JAN. 13, 2017"
    outlet: str | None  # the publication, from the byline or an outlet line
    reporter: str | None  # the agency of a closing "Source: X" line
    start: int  # the index of the story's first paragraph


class StoryParagraph(NamedTuple):
    """One paragraph of the story, ready for the sentence stages."""

    number: int  # 1-based, counting every paragraph of the article (headline included)
    start: int  # offset of ``text`` in the normalised article
    text: str  # on one line, without its dateline or bullet
    agency: str | None  # the news agency its dateline names ("AP"), else None
    bullet: bool  # it was an item of a bulleted list (its bullet may have been lost)
    speaker: str | None = None  # the speaker its layout names (a label, a heading)
    entry: bool = False  # it opens a live-blog entry or a section: nothing carries over
    headline: str | None = None  # the entry's heading line, skipped, when it opens one


def _title_case(paragraph: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", paragraph) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _dateline(paragraph: str) -> re.Match[str] | None:
    found = _DATELINE.match(paragraph)
    if found and (found.group("place") or found.group("agency")):
        return found
    return None


def opens_with_dateline(paragraph: str) -> bool:
    """Whether a paragraph opens with a dateline ("MOSCOW (AP) --", "(Reuters) -"): the
    first paragraph of a wire or newspaper story."""
    return _dateline(paragraph) is not None


def _opens_story(paragraph: str) -> bool:
    """Whether a paragraph reads as the story's text rather than a headline, byline or
    date line: a dateline opens it, or it is a sentence that closes with punctuation."""
    if SKIP_LINE.search(paragraph) or _BYLINE.match(paragraph):
        return False
    if _dateline(paragraph):
        return True
    words = paragraph.split()
    if len(words) >= 20 and _INNER_STOP.search(paragraph) and not _title_case(paragraph):
        return True  # sentences run on: a paste that lost its last full stop
    if len(words) < 4 or not _CLOSED.search(paragraph) or _title_case(paragraph):
        return False
    return not (len(words) <= 12 and (DATE.search(paragraph) or _DATE_LINE.search(paragraph)))


def front_matter(paragraphs: list[Block]) -> FrontMatter:
    """Headline, date, outlet and reporter from the lines before the story starts (and
    the closing "Source:" line), given the article's paragraphs (see
    :func:`~claimtrack.extract.text.paragraphs`). The first line is the headline unless
    it opens the story itself (a dateline, or a sentence that is not in title case)."""
    headline = date = outlet = reporter = None
    texts = [block.text for block in paragraphs]
    start = next((n for n, text in enumerate(texts) if _opens_story(text)), len(texts))
    if len(texts) == 1 and len(texts[0].split()) >= 4 and not _BYLINE.match(texts[0]):
        start = 0  # a one-line paste is the story, whatever its punctuation
    if start == 0 and len(texts) > 1 and _BYLINE.match(texts[1]) and not _dateline(texts[0]):
        start = next((n for n, text in enumerate(texts) if n > 1 and _opens_story(text)), 2)
    for number, paragraph in enumerate(texts[:start]):
        if headline is None and not SKIP_LINE.search(paragraph) and not _BYLINE.match(paragraph):
            headline = paragraph
        found_date = DATE.search(paragraph)
        if found_date and date is None:
            date = found_date.group(0)
        byline = _BYLINE.match(paragraph)
        if byline:
            parts = [p.strip() for p in re.split(r"[,|]", byline.group(1))]
            media = [p for p in parts if kind_of(p) == "media"]
            if media:
                outlet = media[-1]
        elif outlet is None and number > 0:
            first = re.split(r" \| |, ", paragraph)[0].strip()
            if kind_of(first) == "media" and len(first.split()) <= 5:
                outlet = first
    for paragraph in texts:
        line = _SOURCE_LINE.match(paragraph)
        if line:
            reporter = line.group(1).strip()
    return FrontMatter(headline, date, outlet, reporter, start)


def _is_story_paragraph(paragraph: str) -> bool:
    """Not a caption, credit, sub-heading or section label: four words or more, and a
    closing punctuation mark unless it is long (pasted pages lose final punctuation)."""
    if SKIP_LINE.search(paragraph) or _SOURCE_LINE.match(paragraph):
        return False
    words = paragraph.split()
    if len(words) <= 30 and CREDIT_LINE.search(paragraph):
        return False
    return len(words) >= 4 and (bool(_CLOSED.search(paragraph)) or len(words) >= 10)


def story_paragraphs(layout: Layout, start: int) -> Iterator[StoryParagraph]:
    """The story's paragraphs from index ``start``, without dateline or bullet marker,
    with what the layout says of them (see :mod:`~claimtrack.extract.layout`).
    Captions, credits, sub-headings and the "Source:" line are skipped."""
    paragraphs = layout.blocks
    entry = False  # an entry started since the last paragraph yielded
    speaker: str | None = None  # the last paragraph's speaker
    headline: str | None = None  # the heading of the entry started, until its first paragraph
    for number, block in enumerate(paragraphs[start:], start=start + 1):
        paragraph, offset = block.text, block.start
        entry = entry or number - 1 in layout.entries
        bullet = BULLET.match(paragraph)
        if bullet:
            paragraph, offset = paragraph[bullet.end() :], offset + bullet.end()
        lost_bullet = number - 1 in layout.items
        # "Ruiz also said:" over a bulleted list is short, but says whose the bullets are.
        follows = paragraphs[number].text if number < len(paragraphs) else ""
        intro = paragraph.endswith((":", ";")) and (
            bool(BULLET.match(follows)) or number in layout.items
        )
        # A short quotation ('"Nobody."') may close one carried over from before.
        quoted = '"' in paragraph and not SKIP_LINE.search(paragraph)
        sole = len(paragraphs) == 1 and len(paragraph.split()) >= 4
        if not (_is_story_paragraph(paragraph) or intro or quoted or sole) and not (
            (bullet or lost_bullet) and len(paragraph.split()) >= 3
        ):
            if entry and number - 1 not in layout.entries:
                headline = paragraph  # the line under an entry's time stamp
            continue
        agency = None
        dateline = None if bullet else _dateline(paragraph)
        if dateline:
            if dateline.group("agency"):
                agency = dateline.group("agency").strip()
            paragraph, offset = paragraph[dateline.end() :], offset + dateline.end()
        turn = layout.speakers.get(number - 1)
        opens = entry or (turn is not None and turn != speaker)
        yield StoryParagraph(
            number,
            offset,
            paragraph,
            agency,
            bool(bullet) or lost_bullet,
            turn,
            opens,
            headline if entry else None,
        )
        entry, speaker, headline = False, turn, None
