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

import re
import unicodedata

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


def paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines; a block keeps its line breaks."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (a single line of normalised text), stripped; a
    quotation that runs over several sentences stays in one piece with its attribution."""
    from sentencex import segment

    pieces = [s.strip() for s in segment("en", paragraph) if s.strip()]
    merged: list[str] = []
    for piece in pieces:
        # Keep a quotation that spans sentences in one piece, with its attribution.
        if merged and merged[-1].count('"') % 2 == 1:
            merged[-1] = merged[-1] + " " + piece
        else:
            merged.append(piece)
    return merged
