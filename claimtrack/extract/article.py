"""The article's furniture: what frames the story rather than tells it.

A pasted article brings its page with it: a headline, a byline ("By Jane Roe, Associated
Press"), an outlet line, a date, captions and credits ("Images source: ..."), a dateline
opening the first paragraph ("BELGRADE, Serbia (AP) --"), and sometimes a closing
"Source: X" line naming the agency the story came from. None of it is a claim, but the
outlet, the agency and the date say who carried the claims, so they are read here and
the story's own paragraphs are handed on without them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from claimtrack.extract.names import kind_of
from claimtrack.extract.vocabulary import DATE, SKIP_LINE

if TYPE_CHECKING:
    from collections.abc import Iterator

_SOURCE_LINE = re.compile(r"^source:\s*(.+?)\.?$", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(.+)$", re.IGNORECASE)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]+(?:,\s*[A-Z][\w .'-]+)?)\s*(?:\((?P<agency>[^)]+)\))?\s*"
    r"[\u2014\u2013-]{1,2}\s*"
)


class FrontMatter(NamedTuple):
    """What the lines around the story say about it; each None when not found."""

    headline: str | None
    date: str | None  # as written: "26 February 2024", "JAN. 13, 2017"
    outlet: str | None  # the publication, from the byline or an outlet line
    reporter: str | None  # the agency of a closing "Source: X" line
    start: int  # the index of the story's first paragraph


def _is_story_paragraph(paragraph: str) -> bool:
    if SKIP_LINE.search(paragraph):
        return False
    words = paragraph.split()
    # Captions, section labels and headlines: short and without closing punctuation.
    return len(words) >= 4 and paragraph.rstrip()[-1:] in ".!?\"'"


def front_matter(paragraphs: list[str]) -> FrontMatter:
    """Headline, date, outlet and reporter from the lines before the story starts (and
    the closing "Source:" line), given the article's paragraphs (see
    :func:`~claimtrack.extract.text.paragraphs`)."""
    headline = date = outlet = reporter = None
    start = 0
    lines = [(n, line) for n, block in enumerate(paragraphs) for line in block.split("\n")]
    story_start = next(
        (
            n
            for n, block in enumerate(paragraphs)
            if n > 0 and _is_story_paragraph(block.replace("\n", " ")) and not _BYLINE.match(block)
        ),
        len(paragraphs),
    )
    for number, paragraph in lines:
        if number >= story_start:
            start = story_start
            break
        if headline is None and not SKIP_LINE.search(paragraph):
            headline = paragraph
        found_date = DATE.search(paragraph)
        if found_date and date is None:
            date = found_date.group(0)
        byline = _BYLINE.match(paragraph)
        if byline:
            parts = [p.strip() for p in byline.group(1).split(",")]
            media = [p for p in parts if kind_of(p) == "media"]
            if media:
                outlet = media[-1]
        elif outlet is None and number > 0:
            first = paragraph.split(" | ")[0].strip()
            if kind_of(first) == "media" and len(first.split()) <= 5:
                outlet = first
    else:
        start = len(paragraphs)
    for _, paragraph in lines:
        line = _SOURCE_LINE.match(paragraph)
        if line:
            reporter = line.group(1).strip()
    return FrontMatter(headline, date, outlet, reporter, start)


def story_paragraphs(paragraphs: list[str], start: int) -> Iterator[tuple[str | None, str]]:
    """The story's paragraphs from index ``start``, each on one line and without its
    dateline, with the news agency the dateline names ("(AP)"), else None. Captions,
    credits and the "Source:" line are skipped."""
    for block in paragraphs[start:]:
        paragraph = block.replace("\n", " ")
        if _SOURCE_LINE.match(paragraph) or not _is_story_paragraph(paragraph):
            continue
        agency = None
        dateline = _DATELINE.match(paragraph)
        if dateline:
            if dateline.group("agency"):
                agency = dateline.group("agency").strip()
            paragraph = paragraph[dateline.end() :]
        yield agency, paragraph
