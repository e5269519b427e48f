"""Precision and recall of ``similar`` against the labelled probes in
``tests/data/similar_pairs.json``: is the right claim the first one shown?

Each probe names the stored claim a fact-checker should be shown first, or none. A
probe is *answered* when ``similar`` shows any claim (at its default ``--min-score``);
it is *right* when the first claim shown is the labelled one, or, for a probe with no
labelled claim, when nothing is shown.

- recall: probes with a labelled claim that came first / probes with a labelled claim;
- precision: answered probes whose first claim is the labelled one / answered probes.

Run ``python tests/similar_eval.py`` to print the figures and every miss.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import Cli

PAIRS = Path(__file__).resolve().parent / "data" / "similar_pairs.json"


@dataclass
class Score:
    labelled: int = 0  # probes with a right claim
    found: int = 0  # ... whose right claim came first
    answered: int = 0  # probes that showed any claim
    answered_right: int = 0  # ... whose first claim is the right one
    misses: list[str] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.answered_right / self.answered if self.answered else 1.0


def evaluate(workdir: Path) -> Score:
    """Stores the labelled set's claims in a new database under ``workdir`` and asks
    ``similar`` (the command, in-process) for each probe."""
    data = json.loads(PAIRS.read_text(encoding="utf-8"))
    cli = Cli(workdir / "similar-eval.json")
    key_of: dict[str, str] = {}
    for key, text in data["claims"].items():
        key_of[cli.add(text, "--no-dupe-check")] = key
    score = Score()
    for item in data["probes"]:
        right, kind = item["right"], item["kind"]
        shown = cli.jsonl("similar", item["probe"], "--limit", "1")
        first = key_of[shown[0]["id"]] if shown else None
        score.kinds[kind] += 1
        if right is not None:
            score.labelled += 1
            score.found += first == right
        if shown:
            score.answered += 1
            score.answered_right += first == right
        if first == right:
            score.by_kind[kind] += 1
        else:
            got = f"{first} ({shown[0]['score']})" if shown else "nothing"
            score.misses.append(f"{kind}: {item['probe']!r} -> {got}, wanted {right}")
    return score


def report(score: Score) -> str:
    kinds = ", ".join(f"{k} {score.by_kind[k]}/{n}" for k, n in score.kinds.items())
    return (
        f"recall {score.recall:.0%} ({score.found}/{score.labelled}), "
        f"precision {score.precision:.0%} ({score.answered_right}/{score.answered}); "
        f"right first by kind: {kinds}"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate(Path(tmp))
    print(report(result))
    for miss in result.misses:
        print("  " + miss)
