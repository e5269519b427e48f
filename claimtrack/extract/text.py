"""Text clean-up and splitting: the article as one spelling of each character, in
paragraphs, in sentences.

Articles arrive pasted from browsers, word processors and wire feeds: Windows line
endings, a byte-order mark, curly quotes, non-breaking and zero-width spaces. Every
pattern in the extractor is written against straight quotes and single spaces, so the
text is brought to that form once, here, before anything reads it.

Sentences come from ``sentencex`` (a maintained, rule-based segmenter with no model to
download), imported on first use so that start-up does not pay for it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import NamedTuple

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalise(text: str) -> str:
    """The text with ``\\n`` line endings, no byte-order mark, NFC characters, straight
    quotes (curly and guillemet quotes become ``"`` and ``'``), runs of spaces of any
    kind as one space, and no space at either end of a line. Line breaks are kept: a
    blank line still separates paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text)
    text = text.translate(
        {0x201C: '"', 0x201D: '"', 0x201E: '"', 0x2018: "'", 0x2019: "'", 0x00AB: '"', 0x00BB: '"'}
    )
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


# E-mail quoting: "> " (or "> > ") at the start of a line.
_MAIL_QUOTE = re.compile(r"^(?:> ?)+", re.MULTILINE)


def unquote_mail(text: str) -> str:
    """Normalised text without e-mail quoting marks ("> ") at the start of its lines: a
    story forwarded in a mail reads as the story. A line that was only a mark is blank."""
    return _MAIL_QUOTE.sub("", text)


class Block(NamedTuple):
    """A paragraph and where it starts in the normalised text (a character offset)."""

    start: int
    text: str


# Hard-wrapped copy (mail, wire terminals) breaks lines at this many characters or fewer.
_WRAP_WIDTH = 100


def paragraphs(text: str) -> list[Block]:
    """The paragraphs of normalised text, with their offsets, whichever way it was pasted.

    A blank line always ends a paragraph. Inside a block of lines, each line is a
    paragraph of its own (a headline over a byline, or copy pasted with one paragraph
    per line), unless the block is hard-wrapped: most of its lines are nearly as long as
    its longest, which is at most ``_WRAP_WIDTH`` characters. There, only a clearly
    shorter line ends a paragraph, and the other line breaks are joined with a space,
    which keeps every offset. A break that cuts a sentence (the next line goes on in
    lower case, or the line ends with "of", "the" or a comma) is joined at any width.
    """
    blocks: list[Block] = []
    offset = 0
    run: list[tuple[int, str]] = []

    def flush() -> None:
        if not run:
            return
        width = max(len(line) for _, line in run)
        full = sum(1 for _, line in run[:-1] if len(line) >= 0.8 * width)
        wrapped = len(run) >= 3 and width <= _WRAP_WIDTH and full > (len(run) - 1) / 2
        start, parts = run[0][0], [run[0][1]]
        for (_, line), (next_start, next_line) in itertools.pairwise(run):
            if _broken(line, next_line):
                parts.append(next_line)
            elif not wrapped or len(line) < 0.75 * width:
                blocks.append(Block(start, " ".join(parts)))
                start, parts = next_start, [next_line]
            else:
                parts.append(next_line)
        blocks.append(Block(start, " ".join(parts)))
        run.clear()

    for line in text.split("\n"):
        if line.strip():
            run.append((offset, line))
        else:
            flush()
        offset += len(line) + 1
    flush()
    return blocks


# Words a line that breaks a sentence in two may end with ("... according to" / "Ana Ruiz").
_OPEN_ENDED = re.compile(
    r"(?:,|\b(?:the|a|an|of|to|in|on|at|for|by|with|from|and|or|but|that|which|who|as|than|"
    r"its|his|her|their|our|said|says|told|according))$",
    re.IGNORECASE,
)


def _broken(line: str, next_line: str) -> bool:
    """Whether a line break cuts a sentence (copy wrapped at any width, even into two
    lines): the line does not end a sentence, and the next line goes on in lower case or
    the line ends with a comma or a word that cannot end one ("of", "the", "said")."""
    if re.search(r"""[.!?:;"')\]]$""", line) or not next_line:
        return False
    return next_line[0].islower() or bool(_OPEN_ENDED.search(line))


def sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (a single line of normalised text), stripped; a
    quotation that runs over several sentences stays in one piece with its attribution."""
    from sentencex import segment

    spans: list[list[int]] = []
    cursor = 0
    for piece in (s.strip() for s in segment("en", paragraph)):
        if not piece:
            continue
        start = paragraph.find(piece, cursor)
        if start < 0:  # the segmenter changed the text: keep its piece as it is
            start = cursor
        end = max(start + len(piece), cursor)
        cursor = end
        # Keep a quotation that spans sentences in one piece, with its attribution.
        if spans and paragraph[spans[-1][0] : spans[-1][1]].count('"') % 2 == 1:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [paragraph[a:b].strip() for a, b in spans if paragraph[a:b].strip()]


_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def iso_date(written: str) -> str | None:
    """A date as an article writes it ("26 February 2024", "JAN. 13, 2017", "Dec. 6,
    2024", "2014-09-30T14:34:55Z") as ``YYYY-MM-DD``; None when it is not one of those."""
    import datetime as _dt

    found = re.search(r"(\d{4})-(\d\d)-(\d\d)", written)
    if found:
        year, month, day = (int(g) for g in found.groups())
    else:
        words = re.findall(r"[A-Za-z]+|\d+", written)
        numbers = [int(w) for w in words if w.isdigit()]
        months = [_MONTH_NUMBERS[w.lower()] for w in words if w.lower() in _MONTH_NUMBERS]
        years = [n for n in numbers if 1800 <= n <= 2099]
        days = [n for n in numbers if 1 <= n <= 31]
        if not (months and years and days):
            return None
        year, month, day = years[0], months[0], days[0]
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None
