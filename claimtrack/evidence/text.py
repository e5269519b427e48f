"""A page's words: its main text (trafilatura), text normalised for comparing, and
whether a quote is still there (rapidfuzz).

A quote is looked for in the normalised text: Unicode compatibility forms folded
(NFKC), curly quotes and apostrophes made straight, dashes made hyphens, case and runs
of whitespace ignored, so a page re-typeset by its CMS still matches. Beyond that, a
fuzzy partial match (the best-matching stretch of the page, rapidfuzz's
``partial_ratio``) forgives a character or two per sentence, a re-punctuated clause,
but not a changed word in a short quote: ``QUOTE_MATCH`` is the lowest score that still
counts, tuned on tests/test_evidence.py's cases (a dropped qualifier scores under it),
and the numbers in the quote must be the page's, exactly.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# 0-100: how alike the quote and the best-matching stretch of the page must be.
QUOTE_MATCH = 95.0

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)


def normalise(text: str) -> str:
    """``text`` as quotes are compared: NFKC, straight quotes, hyphens for dashes,
    case-folded, every run of whitespace one space, trimmed."""
    folded = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return " ".join(folded.split())


def text_digest(text: str) -> str:
    """SHA-256 (hex) of the normalised text: two pages with the same words match."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def main_text(html: str | bytes, url: str | None = None) -> str:
    """The page's main text (the article, without menus, ads and comments), paragraphs
    separated by blank lines; the whole page's text when trafilatura finds no main
    text (a very short page). ``html`` is best given as text decoded by the page's
    charset (``net.Page.text``): bytes are left to trafilatura's guess. Raises nothing:
    an unreadable page gives ''."""
    import trafilatura

    found = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        deduplicate=False,
    )
    if not found:
        found = trafilatura.html2txt(html)
    return re.sub(r"\n{3,}", "\n\n", (found or "").strip())


def whole_text(html: str | bytes) -> str:
    """Every word of the page, menus and all (trafilatura's ``html2txt``)."""
    import trafilatura

    return trafilatura.html2txt(html) or ""


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def quote_score(quote: str, text: str) -> float:
    """0-100: how well ``quote`` matches its best stretch of ``text``, both normalised
    (100: it is there, word for word). A stretch whose numbers are not the quote's, in
    order, scores 0: "12 Russians" is not "13 Russians", however alike the letters."""
    needle = normalise(quote)
    haystack = normalise(text)
    if not needle or needle in haystack:
        return 100.0
    from rapidfuzz import fuzz

    found = fuzz.partial_ratio_alignment(needle, haystack)
    if found is None:
        return 0.0
    stretch = haystack[found.dest_start : found.dest_end]
    if _NUMBER.findall(stretch) != _NUMBER.findall(needle):
        return 0.0
    return float(found.score)


def quote_found(quote: str, *texts: str) -> bool:
    """Whether ``quote`` is in any of ``texts`` (``QUOTE_MATCH`` or better)."""
    return any(quote_score(quote, text) >= QUOTE_MATCH for text in texts)
