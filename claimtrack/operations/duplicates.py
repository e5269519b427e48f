"""The near-duplicate policy, one for ``add`` and ``extract --add``.

A claim to record is a near-duplicate of one already recorded when ``similar`` scores
the two ``similar.DUPLICATE`` or more (its text, its quantities and its claimants: the
``said-by`` names given). Both commands look with ``near_duplicates``; a claim with the
very text in the same story is what ``extract --add`` leaves out anyway (recording an
article twice adds nothing), so ``story_duplicates`` does not report it. What is done
about one is the use case's: asked about before the write lock is taken, looked for
again under it, and reported (a warning) when nobody could be asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from claimtrack.model import AMOUNT_WORDS, NUMBER_WORDS

if TYPE_CHECKING:
    from claimtrack.analysis.similar import Match
    from claimtrack.db import Database
    from claimtrack.extract import Candidate
    from claimtrack.model import Quantity

# How many near-duplicates are shown at most.
SHOWN = 3

# Whether a text may hold a quantity: a digit or a word the extractor values
# (``model.NUMBER_WORDS`` and ``model.AMOUNT_WORDS``; tests/test_render.py checks that
# this covers every amount the extractor finds). Only such a text pays for importing the
# extractor, so that ``add`` stays fast.
_MAY_COUNT = re.compile(rf"\d|\b(?:{NUMBER_WORDS}|{AMOUNT_WORDS})s?\b", re.IGNORECASE)


def worked_out_quantities(text: str) -> list[Quantity]:
    """The quantities in a claim's text, as ``extract`` finds them (``[]`` when it holds
    no digit and no number word, without importing the extractor)."""
    if not _MAY_COUNT.search(text):
        return []
    from claimtrack.extract.quantities import quantities

    return quantities(" ".join(text.split()))


def near_duplicates(
    db: Database, text: str, quantities: Sequence[Quantity], claimants: Iterable[str]
) -> list[Match]:
    """The recorded claims (at most ``SHOWN``, best first) that say much the same as a
    claim with this ``text``, ``quantities`` and claimant names or aliases (names no
    source has are left out)."""
    from claimtrack.analysis.similar import DUPLICATE, Probe, claimants_named, find_similar

    probe = Probe(text, list(quantities), claimants_named(db, claimants))
    return find_similar(db, probe, limit=SHOWN, min_score=DUPLICATE)


def story_duplicates(
    db: Database, candidates: Iterable[Candidate], story: str | None
) -> dict[int, Match]:
    """For each candidate of an extraction (by ``id()``) the best claim already recorded
    that says much the same (``near_duplicates``), leaving out a claim with the very
    text in the same story (``extract --add`` does not record the candidate again)."""
    from claimtrack.model import fold
    from claimtrack.records import clean_story

    slug = clean_story(story)
    found: dict[int, Match] = {}
    for candidate in candidates:
        claimants = [candidate.claimant] if candidate.claimant else []
        for match in near_duplicates(db, candidate.text, candidate.quantities, claimants):
            same = fold(match.claim["text"]) == fold(candidate.text)
            if not (same and match.claim.get("story") == slug):
                found[id(candidate)] = match
                break
    return found
