"""The words a claim is found by when ``similar`` looks for claims that say the same thing.

Finding candidates is the store's job (the index's full-text table, SQLite FTS5, holds
each claim's terms; ``Snapshot.similar_candidates`` ranks what it finds with ``rank``);
scoring them is the domain's (``claimtrack.analysis.similar``).

A claim's terms are the words of its text and quote (``model.fold``: case and accents
ignored), less a short list of English function words, plus one term per quantity it
holds (``"n12"`` for "a dozen", "12" and "at least 12" alike): "a dozen were expelled"
is then a candidate for "at least 12 people were deported", with no word in common.
Each term is letters and digits only, so SQLite's ``ascii`` tokenizer splits a line of
them exactly where ``terms`` did.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from claimtrack.model import fold

# Words nearly every claim has: they find nothing. (English: the desk's language; a
# claim in another language is found by all its words.)
STOPWORDS = frozenset(
    """a about after against all also an and any are as at be been before being but by
    can could did do does during for from had has have he her his how i if in into is it
    its least more most much no nor not of on or our out over per she so some such than
    that the their them then there these they this those to under up very was we were
    what when where which while who whom why will with would you""".split()
)
_WORD = re.compile(r"[^\W_]+")
# Every ASCII character but letters and digits, to a space: in ASCII text the words are
# then what ``split`` finds, as ``_WORD`` finds them, in half the time (a whole new
# index finds every claim's terms).
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def quantity_term(value: float) -> str:
    """The term for a number: ``n12``, ``n0p25`` (no '.', which the tokenizer splits at)."""
    if value == int(value):
        return f"n{int(value)}"
    return "n" + repr(round(value, 4)).replace(".", "p").replace("-", "m")


def text_terms(text: str, quantities: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """The distinct terms of ``text`` and of ``quantities`` (claim records' shape:
    ``value`` a number or None), in order of first appearance."""
    folded = fold(text)
    if folded.isascii():
        terms = dict.fromkeys(folded.translate(_ASCII_SEPARATORS).split())
    else:
        terms = dict.fromkeys(_WORD.findall(folded))
    for word in STOPWORDS.intersection(terms):
        del terms[word]
    for quantity in quantities:
        value = quantity.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            terms[quantity_term(float(value))] = None  # where it is, if a word already
    return list(terms)


def claim_terms(claim: Mapping[str, Any]) -> list[str]:
    """A stored claim's terms: its text, its quote and its quantities."""
    text = str(claim.get("text") or "") + "\n" + str(claim.get("quote") or "")
    return text_terms(text, claim.get("quantities") or ())


def rank(
    holders: Mapping[str, Sequence[str]],
    total: int,
    allowed: set[str] | None,
    limit: int,
) -> list[str]:
    """The best ``limit`` claim IDs from ``holders`` (term -> IDs of every claim holding
    it, in any order), best first: by the sum of the shared terms' inverse document
    frequency, log(1 + ``total`` / claims holding the term) (Sparck Jones 1972: a word
    few claims use says more), then by ID. ``allowed``: only these IDs (None: any)."""
    weights: dict[str, float] = {}
    for term in sorted(holders):  # one order: the sums are the same to the last bit
        found = holders[term]
        if not found:
            continue
        weight = math.log(1 + total / len(found))
        for claim_id in found:
            if allowed is None or claim_id in allowed:
                weights[claim_id] = weights.get(claim_id, 0.0) + weight
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return [claim_id for claim_id, _ in best[:limit]]
