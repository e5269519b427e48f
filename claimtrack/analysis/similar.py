"""Claims that say the same thing: ``claimtrack similar`` and the near-duplicate notice of
``add`` and ``extract --add``.

Finding candidates is the store's (``Snapshot.similar_candidates``: the claims sharing
the most telling words or numbers, ``store.terms``, from SQLite FTS5 in the store's
index). Each candidate is then scored here, from 0 to 100, as a fact-checker would judge
"is this the claim we checked?":

- **text**: how much of the shorter text the longer one covers, from their
  ``content_words`` (quantities taken out, so "14 people were deported" is not near
  "12 people were deported" for its words alone; stop words, reporting verbs and
  one-letter tokens left out, so "said" or the ``s`` of "mayor's" is never a reason):
  nine tenths the share of the shorter's words the longer holds, one tenth how alike
  they are as a whole (rapidfuzz's ``token_sort_ratio``). A short question ("the mayor's
  approval rating was 27%") is then as near a long sentence that holds all its words
  as a copy of it would be;
- **numbers**: the share of quantities that have an equal on the other side (a value
  equal to a value, or inside the other's range: "a dozen" is "at least 12", "50,000"
  is within "tens of thousands"), counted over the side with fewer of them, 100 for
  all, 0 for none; where neither claim has a number it is the text's score, where only
  one has, three quarters of it;
- ``score = 0.6 * text + 0.4 * numbers``, and a claimant both have (a said-by link to one
  source) closes a quarter of what is left to 100.

The scorer was chosen by measurement on the labelled probes of
``tests/data/similar_pairs.json`` (``tests/similar_eval.py``; the figures are in
docs/similar.md): rapidfuzz's whole-text scorers (``token_set_ratio``,
``partial_token_sort_ratio``) find one more paraphrase (by letters in common) but show a
claim for half or more of the probes that merely share a word with one.

So "at least 12 people were deported from Serbia" finds "a dozen were expelled from
Serbia" (text 52, numbers 100: 71) before "14 people were deported from Serbia" (text
100, numbers 0: 60): numbers that differ lower the score more than different words for
the same count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from claimtrack import ids
from claimtrack.db import Database
from claimtrack.model import Claim, Quantity
from claimtrack.store.filter import ClaimFilter
from claimtrack.store.terms import STOPWORDS, text_terms

# How many candidates the store hands over for scoring: enough that a claim sharing
# only one rare word or number with the probe is among them.
CANDIDATES = 200
# Scores at or above this (out of 100) are near-duplicates: what ``add`` warns about.
DUPLICATE = 85
# Scores below this are not shown by ``similar`` unless asked (``--min-score``).
MIN_SCORE = 50
_TEXT_WEIGHT = 0.6
_CLAIMANT_SHARE = 0.25
_ONE_SIDED = 0.75
_WHY_WORDS = 6
_COVERAGE_WEIGHT = 0.9
_SAME_WORD = 90
_WORD = re.compile(r"[^\W_]+")
# Words that say who told it, not what was told: never a reason two claims are alike.
REPORTING_VERBS = frozenset(
    """according add added adds allege alleged alleges announce announced announces
    argue argued argues assert asserted asserts claim claimed claiming claims comment
    commented comments declare declared declares estimate estimated estimates explain
    explained explains insist insisted insists note noted notes report reported reports
    said say saying says show showed shown shows state stated states suggest suggested
    suggests tell telling tells told warn warned warns write writes wrote""".split()
)


@dataclass(frozen=True)
class Probe:
    """What to find claims like: a text, its quantities (the claim record's shape), the
    IDs of its claimants (said-by sources) and the claim it is, if it is one (never
    its own match)."""

    text: str
    quantities: Sequence[Quantity] = ()
    claimants: frozenset[str] = frozenset()
    claim_id: str | None = None


@dataclass(frozen=True)
class Match:
    """A claim like the probe: its ``score`` (0-100, see the module), ``why`` in words
    (shared words, same or different numbers) and ``claimants``, the IDs of the
    claimants both have (shown by name or pseudonym by whoever prints them)."""

    claim: Claim
    score: int
    why: list[str] = field(default_factory=list)
    claimants: list[str] = field(default_factory=list)


def claim_id_given(db: Database, given: str) -> str | None:
    """The claim ``given`` names, if it is a claim ID or a unique prefix of one (four
    characters or more of the IDs' alphabet, ``ids.ALPHABET``); None if it is text.
    Raises ``Ambiguous`` for a prefix of several claims' IDs."""
    wanted = given.strip().lower()
    if len(wanted) < 4 or any(c not in ids.ALPHABET for c in wanted):
        return None
    found = db.store.ids_with_prefix("claims", wanted)
    if not found:
        return None
    return ids.resolve(wanted, found, "claim")


def claim_probe(db: Database, claim_id: str) -> Probe:
    """The probe for a stored claim: its text, quantities and claimants."""
    claim = db.claim_by_id(claim_id)
    return Probe(
        claim["text"],
        claim.get("quantities") or [],
        frozenset(_claimants(db, claim_id)),
        claim_id,
    )


def claimants_named(db: Database, names: Iterable[str]) -> frozenset[str]:
    """IDs of the sources these names or aliases name (names nobody has are left out)."""
    found = (db.source_named(name) for name in names)
    return frozenset(i for i in found if i is not None)


def find_similar(
    db: Database,
    probe: Probe,
    flt: ClaimFilter | None = None,
    *,
    limit: int | None = 10,
    min_score: int = MIN_SCORE,
) -> list[Match]:
    """The claims ``flt`` (prepared; None: every claim) selects that are like ``probe``,
    best first (score, a claimant in common, then newest), at most ``limit`` (None: all)
    of those scoring ``min_score`` or more."""
    terms = [
        t
        for t in text_terms(probe.text, probe.quantities)
        if len(t) > 1 and t not in REPORTING_VERBS
    ]
    if not terms:
        return []
    wanted = CANDIDATES if limit is None else max(CANDIDATES, limit * 4)
    candidates = db.store.similar_candidates(terms, flt or ClaimFilter(), wanted + 1)
    found: list[Match] = []
    for claim_id in candidates:
        if claim_id == probe.claim_id:
            continue
        claim = cast(Claim, db.store.record("claims", claim_id))
        match = score(probe, claim, _claimants(db, claim_id))
        if match.score >= min_score:
            found.append(match)
    # Of equal scores, one with a claimant in common first (its share can round away).
    found.sort(
        key=lambda m: (-m.score, -len(m.claimants), _newest(m.claim["created"]), m.claim["id"])
    )
    return found if limit is None else found[:limit]


def score(probe: Probe, claim: Claim, claimants: Iterable[str] = ()) -> Match:
    """How like ``probe`` the stored ``claim`` is (``claimants``: its said-by sources'
    IDs), as the module describes."""
    theirs: Sequence[Quantity] = claim.get("quantities") or []
    ours_words = content_words(probe.text, probe.quantities)
    their_words = content_words(claim["text"], theirs)
    text = _text_score(ours_words, their_words)
    why: list[str] = []
    their_set = set(their_words)
    shared = [w for w in ours_words if w in their_set and not w.isdigit()]
    if shared:
        why.append("shared words: " + ", ".join(shared[:_WHY_WORDS]))
    numbers, said = _numbers(probe.quantities, theirs, text)
    why += said
    value = _TEXT_WEIGHT * text + (1 - _TEXT_WEIGHT) * numbers
    both = sorted(probe.claimants.intersection(claimants))
    if both:
        value += (100 - value) * _CLAIMANT_SHARE
    return Match(claim, round(value), why, both)


def content_words(text: str, quantities: Iterable[Quantity] = ()) -> list[str]:
    """The words of ``text`` that say what it claims, in order, once each: folded
    (``model.fold``), without its quantities as written, stop words
    (``store.terms.STOPWORDS``), reporting verbs (``REPORTING_VERBS``) and one-letter
    tokens (the ``s`` of "mayor's")."""
    from claimtrack.model import fold

    words = _WORD.findall(fold(_without_numbers(text, quantities)))
    kept = (w for w in words if len(w) > 1 and w not in STOPWORDS and w not in REPORTING_VERBS)
    return list(dict.fromkeys(kept))


def _text_score(ours: Sequence[str], theirs: Sequence[str]) -> float:
    """The text's part of the score (0-100) from two claims' ``content_words``: the
    share of the shorter's words that the longer has (a word is had where rapidfuzz's
    ``ratio`` to one of the longer's words is ``_SAME_WORD`` or more: "dollar" and
    "dollars"), with a tenth for how alike the two are as a whole (``token_sort_ratio``),
    which puts the closer of two claims that both hold every word first."""
    from rapidfuzz import fuzz, process

    if not ours or not theirs:
        return 0.0
    shorter, longer = sorted((ours, theirs), key=len)
    covered = sum(
        process.extractOne(word, longer, scorer=fuzz.ratio, score_cutoff=_SAME_WORD) is not None
        for word in shorter
    )
    whole = fuzz.token_sort_ratio(" ".join(ours), " ".join(theirs))
    return _COVERAGE_WEIGHT * 100 * covered / len(shorter) + (1 - _COVERAGE_WEIGHT) * whole


def _numbers(
    ours: Sequence[Quantity], theirs: Sequence[Quantity], text: float
) -> tuple[float, list[str]]:
    """The numbers' part of the score and what to say about them."""
    if not ours and not theirs:
        return text, []
    if not ours or not theirs:
        return text * _ONE_SIDED, []
    same = [(a, b) for a in ours for b in theirs if _equal(a, b)]
    matched = len({id(a) for a, _ in same})
    part = 100 * min(matched, len({id(b) for _, b in same})) / min(len(ours), len(theirs))
    said: list[str] = []
    if same:
        said.append(
            "same numbers: "
            + ", ".join(
                dict.fromkeys(
                    a.get("text", "") + (f" = {b.get('text', '')}" if _differ(a, b) else "")
                    for a, b in same
                )
            )
        )
    unmatched_ours = [a for a in ours if not any(a is x for x, _ in same)]
    unmatched_theirs = [b for b in theirs if not any(b is y for _, y in same)]
    if unmatched_ours and unmatched_theirs:
        said.append(
            "different numbers: "
            + ", ".join(a.get("text", "") for a in unmatched_ours)
            + " vs "
            + ", ".join(b.get("text", "") for b in unmatched_theirs)
        )
    return part, said


def _differ(a: Quantity, b: Quantity) -> bool:
    return (a.get("text") or "").casefold() != (b.get("text") or "").casefold()


def _equal(a: Quantity, b: Quantity) -> bool:
    """Whether two quantities are the same count: equal values (to one part in a
    million), a value inside the other's range, or the same range."""
    va, vb = a.get("value"), b.get("value")
    if va is not None and vb is not None:
        return abs(va - vb) <= 1e-6 * max(abs(va), abs(vb), 1)
    if va is not None:
        return _within(va, b)
    if vb is not None:
        return _within(vb, a)
    return (a.get("low"), a.get("high")) == (b.get("low"), b.get("high")) and a.get(
        "low"
    ) is not None


def _within(value: float, quantity: Mapping[str, Any]) -> bool:
    low, high = quantity.get("low"), quantity.get("high")
    return low is not None and high is not None and low <= value <= high


def _without_numbers(text: str, quantities: Iterable[Quantity]) -> str:
    """``text`` without its quantities as written ("at least 12 people" -> "people")."""
    import re

    for quantity in quantities:
        written = quantity.get("text")
        if written:
            text = re.sub(re.escape(written), " ", text, flags=re.IGNORECASE)
    return text


def _claimants(db: Database, claim_id: str) -> list[str]:
    return [
        link["source"] for link in db.store.claim_links(claim_id) if link["relation"] == "said-by"
    ]


def _newest(created: str) -> tuple[int, ...]:
    """A key sorting newer timestamps first (ISO 8601 text sorts as time does)."""
    return tuple(-ord(c) for c in created)
