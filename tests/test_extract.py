"""extract: quality against hand-written expected files, parsing details, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from claimtrack.cli.context import Environment
from claimtrack.extract import extract, quantities
from tests import extract_eval
from tests.helpers import Cli

SEED = Path(__file__).resolve().parent.parent / "seeds" / "serbia-russian-refugees.txt"


def test_precision_and_recall_against_expected_files(capsys: pytest.CaptureFixture[str]) -> None:
    score = extract_eval.evaluate()
    with capsys.disabled():
        print(
            f"\nextract quality over {len(extract_eval.EXPECTED)} articles: "
            f"{extract_eval.report(score)}"
        )
    assert len(extract_eval.EXPECTED) >= 4
    assert score.recall >= 0.85, score.misses
    assert score.precision >= 0.80, score.misses
    assert score.claimant_recall >= 0.85, score.misses
    assert score.claimant_precision >= 0.80, score.misses


@pytest.mark.parametrize(
    ("text", "value", "low", "high", "qualifier"),
    [
        ("at least a dozen of them", 12, None, None, "at least"),
        ("tens of thousands of Russians", None, 10_000, 99_999, "approximately"),
        ("the 54-year-old signed", 54, None, None, None),
        ("a $4.2 million plan", 4_200_000, None, None, None),
        ("laundering 2.3 million euros", 2_300_000, None, None, None),
        ("About 30 percent of patients", 30, None, None, "about"),
        ("three hundred and forty two people", 342, None, None, None),
        ("fewer than 400 riders", 400, None, None, "fewer than"),
        ("cut by a third", 0.3333, None, None, None),
        ("a deficit of $310,000", 310_000, None, None, None),
    ],
)
def test_quantities(
    text: str, value: float | None, low: int | None, high: int | None, qualifier: str | None
) -> None:
    found = quantities(text)
    assert len(found) == 1, found
    assert found[0]["value"] == value
    assert (found[0]["low"], found[0]["high"]) == (low, high)
    assert found[0]["qualifier"] == qualifier


def test_years_are_dates_not_counts_and_money_has_a_unit() -> None:
    assert quantities("He resigned in 2022, citing health reasons.") == []
    euros = quantities("laundering 2.3 million euros through")[0]
    assert euros["counted"] == "euros"
    assert quantities("30 percent of patients")[0]["counted"] == "percent"
    assert quantities("at least eight other Russians are")[0]["counted"] == "Russians"


def test_seed_article_attribution_and_resolution() -> None:
    result = extract(SEED.read_text(encoding="utf-8"))
    assert result.reporter == "Associated Press"
    assert result.date == "26 February 2024"
    by_text = {c.sentence[:30]: c for c in result.candidates}
    dozen = next(c for c in result.candidates if "dozen" in c.sentence)
    assert dozen.claimant == "pro-democracy Russian activists"
    assert dozen.quantities[0]["value"] == 12
    assert dozen.text.startswith("Recent times have seen at least a dozen")
    she = next(c for c in result.candidates if c.sentence.startswith("She believes"))
    assert she.claimant == "Elena Koposova"  # "she" -> the woman introduced earlier
    tank = next(c for c in result.candidates if c.sentence.startswith("The think tank"))
    assert tank.claimant == "Belgrade Centre for Security Policy"
    opined = next(c for c in result.candidates if c.sentence.startswith("Petrovic opined"))
    assert opined.claimant == "Predrag Petrovic"  # surname -> full name
    assert opined.role == "Research Coordinator at the Belgrade Centre for Security Policy"
    notes = next(c for c in result.candidates if c.sentence.startswith("AP notes"))
    assert notes.claimant == "Associated Press"  # acronym -> full name
    assert not any(
        "Images source" in c.sentence or "Related content" in c.sentence for c in result.candidates
    )
    assert by_text


def test_tolerates_curly_quotes_nbsp_and_windows_line_endings() -> None:
    plain = (
        "Headline here\n\nThe minister said 40 people were arrested.\n\n"
        '"It is true," said Jan Novak.\n'
    )
    messy = (
        plain.replace("\n", "\r\n")
        .replace(" people", "\u00a0people")
        .replace('"It is true,"', "\u201cIt is true,\u201d")
    )
    clean = [c.as_dict() for c in extract(plain).candidates]
    assert [c.as_dict() for c in extract(messy).candidates] == clean
    assert clean[1]["claimant"] == "Jan Novak" and clean[1]["quote"] == "It is true"


def test_passive_reports_stay_unattributed() -> None:
    result = extract("Title line\n\nIt was reported that 300 homes were flooded.\n")
    assert result.candidates[0].claimant is None


def test_the_extractor_never_loads_the_database() -> None:
    """Writing candidates belongs to importing: extracting an article opens no store."""
    code = (
        "import sys\n"
        "from claimtrack.extract import extract\n"
        "extract('Title\\n\\nThe minister said 40 people were arrested.\\n')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('claimtrack.db', 'claimtrack.store',"
        " 'tinydb'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]", out


def test_cli_extract_formats(cli: Cli) -> None:
    records = cli.jsonl("extract", str(SEED))
    assert len(records) == 18
    assert {"claimant", "reporter", "quantities", "sentence", "text"} <= set(records[0])
    data = json.loads(cli("extract", str(SEED), "--format", "json").stdout)
    assert data["reporter"] == "Associated Press" and len(data["claims"]) == 18
    table = cli("extract", str(SEED), "--format", "table").stdout
    assert "Predrag Petrovic" in table
    from_stdin = cli("extract", "-", "--format", "jsonl", input=SEED.read_text())
    assert len(from_stdin.stdout.splitlines()) == 18


def test_cli_extract_bad_input(cli: Cli, tmp_path: Path) -> None:
    assert "empty" in cli("extract", "-", input="   \n", code=1).stderr
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("Caf\xe9 owners said 12 shops closed.".encode("latin-1"))
    assert "not UTF-8" in cli("extract", str(binary), code=1).stderr
    assert "no such file" in cli("extract", str(tmp_path / "nope.txt"), code=1).stderr
    assert "pass --yes" in cli("extract", str(SEED), "--add", code=1).stderr


def test_cli_extract_add_records_claims_sources_and_links(cli: Cli) -> None:
    cli("source", "add", "Associated Press", "--alias", "AP", "--kind", "publication")
    cli("extract", str(SEED), "--add", "--yes", "--story", "serbia")
    claims = cli.jsonl("list")
    assert len(claims) == 18
    assert all(c["status"] == "unverified" and c["story"] == "serbia" for c in claims)
    sources = {s["name"]: s for s in cli.jsonl("source", "list")}
    assert "AP" not in sources and sources["Associated Press"]["claims"] == 18
    assert sources["Predrag Petrovic"]["role"].startswith("Research Coordinator")
    dozen = next(c for c in claims if "dozen" in c["text"])
    assert dozen["said_by"] == ["pro-democracy Russian activists"]
    assert dozen["reported_by"] == ["Associated Press"]
    assert dozen["quantities"][0]["value"] == 12
    assert "serbia-russian-refugees.txt" in dozen["notes"][0]["text"]
    # Running it again adds the claims again but never duplicates a source.
    cli("extract", str(SEED), "--add", "--yes")
    assert len(cli.jsonl("source", "list")) == len(sources)


def test_cli_extract_asks_on_a_terminal(cli: Cli) -> None:
    answers = "a\ns\ne\nMy own wording of the third claim\nq\n"
    cli("extract", str(SEED), "--add", input=answers, env=Environment(stdin_isatty=True))
    texts = [c["text"] for c in cli.jsonl("list")]
    assert len(texts) == 2
    assert "My own wording of the third claim" in texts


def test_extract_takes_q_like_every_command_that_prints_records(cli: Cli, tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text("Budget\n\nThe ministry said spending rose by 12 percent.\n")
    failed = cli("extract", str(article), "-q", code=1)
    assert "no IDs before --add" in failed.stderr and failed.stdout == ""
    added = cli("extract", str(article), "--add", "--yes", "-q").stdout.split()
    assert added and [c["id"] for c in cli.jsonl("list")] == added


def test_extract_add_warns_of_a_claim_already_recorded_in_other_words(
    cli: Cli, tmp_path: Path
) -> None:
    existing = cli.add("Spending rose by 12 percent, the ministry said", "--story", "budget")
    article = tmp_path / "story.txt"
    article.write_text("Budget\n\nThe ministry said spending rose by 12 percent.\n")
    done = cli("extract", str(article), "--add", "--yes", "--story", "other")
    assert f"claim {existing[:7]} says much the same" in done.stderr
    assert len(cli.jsonl("list")) == 2  # added anyway, in a script
    quiet = cli("extract", str(article), "--add", "--yes", "--no-dupe-check", "--story", "x")
    assert "says much the same" not in quiet.stderr


def test_the_review_shows_a_claim_already_recorded_so_it_can_be_skipped(
    cli: Cli, tmp_path: Path
) -> None:
    existing = cli.add("Spending rose by 12 percent, the ministry said")
    article = tmp_path / "story.txt"
    article.write_text("Budget\n\nThe ministry said spending rose by 12 percent.\n")
    shown = cli("extract", str(article), "--add", input="s\n", env=Environment(stdin_isatty=True))
    assert f"already recorded, much the same: {existing[:7]}" in shown.stderr
    assert len(cli.jsonl("list")) == 1  # skipped
