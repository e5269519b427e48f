"""What changed between a page's kept text (its snapshot) and the page now.

``verify`` used to say only "changed (100% alike)": true, and useless, when one figure
in a long article moved from 13% to 11%. ``compare`` says what a journalist needs to
judge the change:

- the sentences removed, added and altered, as a unified diff of the two texts with one
  sentence per line (``difflib``, no context lines: the changed sentences only);
- the numbers that changed: a number on the snapshot that is no longer on the page, and
  one on the page that was not on the snapshot, paired where a sentence was altered
  ("13% -> 11%");
- how alike the texts are, never rounded up to 100% when they differ.

Numbers are compared as written, with a trailing percent sign kept ("13%" and "13" are
not the same figure), thousands separators and decimals as printed.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# A figure as an article prints it: digits with separators or decimals, and a
# percent sign or "per cent"/"percent" after it when there is one.
NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:\s?(?:%|per ?cent\b))?", re.IGNORECASE)
# Where a sentence ends: ., ! or ? (with closing quotes) before whitespace, or a line.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+|\n+")


def numbers(text: str) -> list[str]:
    """The figures in ``text``, in order, each as a canonical string: "13 %", "13
    per cent" and "13percent" are all "13%"."""
    found = []
    for match in NUMBER.finditer(text):
        raw = match.group(0)
        digits = re.match(r"\d+(?:[.,]\d+)*", raw)
        assert digits is not None
        found.append(digits.group(0) + ("%" if len(raw) > len(digits.group(0)) else ""))
    return found


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, each with its spacing made single."""
    return [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s and s.strip()]


def alike(kept: str, now: str) -> str:
    """How alike two texts are, as a percentage to print: "100" only when they are the
    same, else at most "99.9" (one decimal above 99, rounded down), so a one-figure
    edit in a long article never reads as 100% alike."""
    if kept == now:
        return "100"
    from rapidfuzz import fuzz

    score = float(fuzz.ratio(kept, now))
    if score >= 99:
        return f"{min(math.floor(score * 10) / 10, 99.9):.1f}"
    return f"{math.floor(score)}"


@dataclass
class Comparison:
    """What ``compare`` found: the unified ``diff`` (empty when the sentences are the
    same), the sentences ``removed`` and ``added`` (an altered sentence is in both),
    the figures ``gone`` from the page and ``new`` on it, and ``alike`` (``alike``)."""

    diff: str
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    alike: str = "100"

    def summary(self) -> str:
        """The changes in a few words: "1 sentence altered, 2 added; numbers: 13% ->
        11%; 99.4% alike"."""
        altered = min(len(self.removed), len(self.added))
        counts = (
            (altered, "altered"),
            (len(self.removed) - altered, "removed"),
            (len(self.added) - altered, "added"),
        )
        said = [f"{n} sentence{'s' if n != 1 else ''} {what}" for n, what in counts if n]
        paired_gone = {a for a, _ in self.pairs}
        paired_new = {b for _, b in self.pairs}
        figures = [f"{a} -> {b}" for a, b in self.pairs]
        figures += [f"{a} gone" for a in self.gone if a not in paired_gone]
        figures += [f"{b} new" for b in self.new if b not in paired_new]
        if figures:
            said.append("numbers: " + ", ".join(figures))
        said.append(f"{self.alike}% alike")
        return "; ".join(said)


def compare(
    kept: str, now: str, *, labels: tuple[str, str] = ("snapshot", "page now")
) -> Comparison:
    """Compare the kept text with the page's text now (both main texts). ``labels``
    head the diff's two files."""
    before, after = sentences(kept), sentences(now)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    result = Comparison(diff="", alike=alike(kept, now))
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = before[i1:i2], after[j1:j2]
        result.removed += removed
        result.added += added
        if tag == "replace":
            result.pairs += _paired(removed, added)
    lines = difflib.unified_diff(before, after, *labels, n=0, lineterm="")
    result.diff = "\n".join(lines)
    gone = Counter(numbers(kept)) - Counter(numbers(now))
    new = Counter(numbers(now)) - Counter(numbers(kept))
    result.gone = sorted(gone.elements(), key=numbers(kept).index)
    result.new = sorted(new.elements(), key=numbers(now).index)
    result.pairs = [(a, b) for a, b in result.pairs if a in gone and b in new]
    return result


def _paired(removed: Sequence[str], added: Sequence[str]) -> list[tuple[str, str]]:
    """Figures that took each other's place in altered sentences: the n-th differing
    figure of a removed sentence and of the added sentence most like it."""
    pairs: list[tuple[str, str]] = []
    for old in removed:
        new = max(added, key=lambda s: difflib.SequenceMatcher(None, old, s).ratio())
        was, now = numbers(old), numbers(new)
        if len(was) == len(now):
            pairs += [(a, b) for a, b in zip(was, now, strict=True) if a != b]
    return pairs


def stated(texts: Iterable[str | None]) -> set[str]:
    """The figures the given texts (a claim's text, its quote, its quantities' texts)
    state."""
    return {n for text in texts if text for n in numbers(text)}
