"""Precision and recall of `extract` against the hand-written expected files.

Run ``python tests/extract_eval.py`` to print the figures and every miss.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimtrack.extract import extract, normalise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXPECTED = sorted(
    [SEEDS / "serbia-russian-refugees.expected.json", *(SEEDS / "articles").glob("*.expected.json")]
)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", normalise(text).lower())


def same_sentence(found: str, expected: str) -> bool:
    a, b = _words(found), _words(expected)
    if not a or not b:
        return False
    if " ".join(b) in " ".join(a) or " ".join(a) in " ".join(b):
        return True
    overlap = len(set(a) & set(b)) / len(set(a) | set(b))
    return overlap >= 0.7


def same_claimant(found: str | None, expected: str | None) -> bool:
    if found is None or expected is None:
        return found is None and expected is None
    a, b = " ".join(_words(found)), " ".join(_words(expected))
    a, b = re.sub(r"^the ", "", a), re.sub(r"^the ", "", b)
    return a == b


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    matched: int = 0
    claimant_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 0.0

    @property
    def claimant_precision(self) -> float:
        return self.claimant_right / self.found if self.found else 0.0

    @property
    def claimant_recall(self) -> float:
        return self.claimant_right / self.expected if self.expected else 0.0


def evaluate() -> Score:
    score = Score()
    for path in EXPECTED:
        expected: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        article = (SEEDS / expected["article"]).read_text(encoding="utf-8")
        found = extract(article).candidates
        score.expected += len(expected["claims"])
        score.found += len(found)
        used: set[int] = set()
        for want in expected["claims"]:
            hit = next(
                (
                    n
                    for n, c in enumerate(found)
                    if n not in used and same_sentence(c.sentence, want["sentence"])
                ),
                None,
            )
            if hit is None:
                score.misses.append(f"{path.name}: MISSED {want['sentence'][:90]}")
                continue
            used.add(hit)
            score.matched += 1
            if same_claimant(found[hit].claimant, want["claimant"]):
                score.claimant_right += 1
            else:
                score.misses.append(
                    f"{path.name}: CLAIMANT {found[hit].claimant!r} != {want['claimant']!r} "
                    f"in {want['sentence'][:60]}"
                )
        for n, candidate in enumerate(found):
            if n not in used:
                score.misses.append(f"{path.name}: EXTRA {candidate.sentence[:90]}")
    return score


def report(score: Score) -> str:
    return (
        f"claims: precision {score.precision:.2f}, recall {score.recall:.2f} "
        f"({score.matched} of {score.expected} expected, {score.found} found); "
        f"claimants: precision {score.claimant_precision:.2f}, "
        f"recall {score.claimant_recall:.2f}"
    )


if __name__ == "__main__":
    result = evaluate()
    print(report(result))
    if "-v" in sys.argv:
        print("\n".join(result.misses))
