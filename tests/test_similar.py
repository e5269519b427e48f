"""``similar`` and the near-duplicate notice: claims that say the same thing, ranked as a
fact-checker would rank them (numbers matter), the same with and without the index."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from claimtrack.analysis.similar import Probe, score
from claimtrack.cli.context import Environment
from claimtrack.model import Claim, fold
from claimtrack.store.terms import STOPWORDS, quantity_term, text_terms
from tests.helpers import Cli, add_confidential_source

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth


def ranked(cli: Cli, *args: str) -> list[str]:
    return [view["text"] for view in cli.jsonl("similar", *args, "--min-score", "0")]


def stored(text: str, quantities: list[dict[str, object]] | None = None) -> Claim:
    from claimtrack.operations.duplicates import worked_out_quantities

    found = worked_out_quantities(text) if quantities is None else quantities
    return {"id": "x", "text": text, "quantities": found}  # type: ignore[typeddict-item]


def test_numbers_that_differ_count_more_than_words_that_differ(cli: Cli) -> None:
    cli.add("14 people were deported from Serbia")
    cli.add("A dozen were expelled from Serbia")
    cli.add("Belgrade welcomed tens of thousands of Russians")
    assert ranked(cli, "At least 12 people were deported from Serbia") == [
        "A dozen were expelled from Serbia",
        "14 people were deported from Serbia",
    ]


@pytest.mark.parametrize(
    ("probe", "nearer", "farther"),
    [
        # Word order is no difference; different words are.
        (
            "Serbia banned Russian activists from entering",
            "Russian activists were banned from entering Serbia",
            "Russian tourists visited Serbia",
        ),
        # A count inside a range is the same count; one outside it is not.
        (
            "50,000 Russians moved to Serbia",
            "Tens of thousands of Russians moved to Serbia",
            "500 Russians moved to Serbia",
        ),
        # A percentage written two ways is one number.
        (
            "Prices rose 40 percent last year",
            "Prices rose by 40% in a year",
            "Prices rose 4 percent last year",
        ),
    ],
)
def test_hand_made_pairs_rank_as_a_person_would(probe: str, nearer: str, farther: str) -> None:
    from claimtrack.operations.duplicates import worked_out_quantities

    asked = Probe(probe, worked_out_quantities(probe))
    assert score(asked, stored(nearer)).score > score(asked, stored(farther)).score


def test_same_text_is_a_near_duplicate_and_says_why() -> None:
    from claimtrack.analysis.similar import DUPLICATE

    text = "At least 12 Russians were deported"
    match = score(Probe(text, stored(text)["quantities"]), stored(text))
    assert match.score == 100 >= DUPLICATE
    assert match.why == ["shared words: russians, deported", "same numbers: At least 12"]


def test_a_short_question_whose_words_and_number_a_long_claim_holds_is_found(cli: Cli) -> None:
    long = cli.add(
        "A survey released on Tuesday by a polling firm found the mayor's approval rating "
        "at 27%, down from 35% in March, with most voters citing housing costs"
    )
    cli("status", long, "verified")
    (found,) = cli.jsonl("similar", "Mayor's approval rating was 27%")
    assert found["id"] == long and found["score"] >= 85
    assert found["why"] == ["shared words: mayor, approval, rating", "same numbers: 27%"]


def test_stop_words_reporting_verbs_and_one_letter_tokens_are_never_shared_words() -> None:
    from claimtrack.analysis.similar import MIN_SCORE

    probe = "The minister's aide said it was what he told them"
    match = score(Probe(probe), stored("A farmer's son said so and told us it was what it was"))
    assert match.why == [] and match.score < MIN_SCORE
    assert score(Probe("said"), stored("The mayor said so")).score < MIN_SCORE


def test_the_labelled_set_finds_the_right_claim_first() -> None:
    import tempfile

    from tests import similar_eval

    with tempfile.TemporaryDirectory() as tmp:
        result = similar_eval.evaluate(Path(tmp))
    sys.stderr.write(f"\nsimilar on the labelled set: {similar_eval.report(result)}\n")
    assert result.labelled >= 60 and sum(result.kinds.values()) >= 60
    # Measured 98% and 100% (docs/similar.md); the old word-overlap score had 89% and 89%.
    assert result.recall >= 0.95, result.misses
    assert result.precision >= 0.95, result.misses


def test_a_shared_claimant_raises_the_score_and_is_named(cli: Cli) -> None:
    # Not the same words (room under 100 for the claimant to count)
    mine = cli.add("Twelve activists were expelled", "--said-by", "Ana Petrovic")
    cli.add("Twelve activists were deported from Belgrade", "--said-by", "Ana Petrovic")
    cli.add("Twelve activists were deported from Belgrade", "--said-by", "Someone Else")
    found = cli.jsonl("similar", mine)
    assert [view["said_by"] for view in found] == [["Ana Petrovic"], ["Someone Else"]]
    assert found[0]["score"] > found[1]["score"]
    assert "same claimant: Ana Petrovic" in found[0]["why"]
    assert mine not in [view["id"] for view in found]  # never itself


def test_a_confidential_claimant_is_named_by_pseudonym(cli: Cli) -> None:
    claim = add_confidential_source(cli)
    cli.add("The list has 40 names on it", "--said-by", "Olga Hiddenova")
    out = cli("similar", claim, "--format", "jsonl").stdout
    assert "Hiddenova" not in out and "same claimant: Confidential source" in out
    assert "same claimant: Olga Hiddenova" in cli("similar", claim, "--reveal").stdout


def test_filters_and_formats_as_list(cli: Cli) -> None:
    first = cli.add("Twelve activists were expelled", "--tag", "serbia")
    cli.add("Twelve activists were expelled again")
    assert cli("similar", first, "--tag", "serbia", "--format", "ids").stdout == ""
    cli("status", first, "verified")
    text = "12 activists were expelled"
    assert cli("similar", text, "--status", "verified", "--format", "ids").stdout == first + "\n"
    head = cli("similar", text, "--format", "csv").stdout.splitlines()[0]
    assert head.endswith(",score,why,verdict_by")
    table = cli("similar", text, env=Environment(stdout_isatty=True)).stdout
    assert first[:7] in table and "same numbers: 12 = Twelve" in table
    assert cli("similar", "-", "--format", "ids", input=text).stdout.count("\n") == 2


def test_nothing_similar_is_success_and_bad_input_a_usage_error(cli: Cli) -> None:
    cli.add("Twelve activists were expelled")
    assert cli("similar", "Budget figures for the zoo").stdout == ""
    assert "No similar claims." in cli("similar", "zoo", env=Environment(stdout_isatty=True)).stderr
    for bad in (["   "], ["x", "--min-score", "101"], ["x", "--status", "nonsense"]):
        result = cli("similar", *bad, code=2)
        assert "Traceback" not in result.output


def test_an_edited_claim_is_found_by_its_new_words(cli: Cli) -> None:
    claim = cli.add("Twelve activists were expelled")
    cli("similar", "activists", "--format", "ids")  # the index built
    cli("edit", claim, "--text", "Fourteen dissidents were banished")
    assert cli("similar", "dissidents banished", "--format", "ids").stdout == claim + "\n"
    assert cli("similar", "activists expelled", "--format", "ids").stdout == ""


@pytest.mark.slow
def test_with_and_without_the_index_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path / "base.json"
    synth.write(base, 600, seed=7)
    outputs: dict[str, list[str]] = {}
    for mode in ("never", "always"):
        path = tmp_path / f"{mode}.json"
        shutil.copyfile(base, path)
        monkeypatch.setenv("CLAIMTRACK_INDEX", mode)
        cli = Cli(path)
        some = [view["id"] for view in cli.jsonl("list", "--limit", "5")]
        asked = [*some, "At least 12 people were deported", "prices rose 40 percent"]
        outputs[mode] = [
            cli("similar", probe, *extra, "--min-score", "0", "--format", "jsonl").stdout
            for probe in asked
            for extra in ((), ("--status", "verified"), ("--limit", "3"))
        ]
    assert outputs["never"] == outputs["always"]
    assert sum(bool(out) for out in outputs["always"]) > 10  # they found something


TERMINAL = Environment(stdin_isatty=True, stdout_isatty=True, stderr_isatty=True)


def test_add_in_a_script_adds_a_near_duplicate_and_warns(cli: Cli) -> None:
    first = cli.add("At least 12 Russians were deported")
    result = cli("add", "At least 12 Russians were deported.", "-q")
    assert result.stdout.strip() != first
    assert result.stderr.startswith(f"Warning: claim {first[:7]} says much the same")
    quiet = cli("add", "At least 12 Russians were deported!", "-q", "--no-dupe-check")
    assert quiet.stderr == ""
    assert "Warning" not in cli("add", "14 Russians were deported", "-q").stderr
    assert len(cli.jsonl("list")) == 4


@pytest.mark.parametrize(("answer", "claims"), [("a", 2), ("u", 1), ("s", 1)])
def test_add_on_a_terminal_asks(cli: Cli, answer: str, claims: int) -> None:
    first = cli.add("At least 12 Russians were deported", "--said-by", "Ana Petrovic")
    result = cli(
        "add",
        "At least 12 Russians were deported.",
        "--said-by",
        "Ana Petrovic",
        input=answer + "\n",
        env=TERMINAL,
    )
    assert f"{first[:7]}  (score 100)" in result.stderr
    assert len(cli.jsonl("list")) == claims
    if answer == "u":
        assert f"\nExisting claim {first[:7]} " in result.stdout  # the runner echoes input
    if answer == "s":
        assert "Nothing added." in result.stderr and "claim" not in result.stdout


def terms_as_first_written(text: str, quantities: list[dict[str, Any]]) -> list[str]:
    """``terms.text_terms`` as first written: every word ``_WORD`` finds in the folded
    text, less the stop words, then the quantities' terms, each once, in order."""
    found = [w for w in re.findall(r"[^\W_]+", fold(text)) if w not in STOPWORDS]
    for quantity in quantities:
        value = quantity.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append(quantity_term(float(value)))
    return list(dict.fromkeys(found))


@settings(max_examples=300, deadline=None)
@example(text="The n12 and_so ON: a-b\x1fc\u00a0d", values=[12, 12.0, True])
@example(text="Café ÉLAN, the café; x_y 3", values=[3])
@given(
    text=st.text(st.sampled_from(list("aTheAnd n12 _-:\n\t\x1f\x85\u00a0é\u0301İß٣x"))),
    values=st.lists(st.one_of(st.integers(-3, 13), st.floats(0, 13), st.booleans())),
)
def test_the_terms_of_a_text_are_the_words_found_by_the_one_pattern(
    text: str, values: list[Any]
) -> None:
    quantities = [{"value": v} for v in values]
    assert text_terms(text, quantities) == terms_as_first_written(text, quantities)
