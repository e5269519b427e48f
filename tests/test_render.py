"""What a journalist reads on a terminal, at 60, 80, 120 and 200 columns (issue 18).

Each test runs the real command on the demo data with ``COLUMNS`` set (Rich draws at that
width) and checks what a reader needs: how much of each claim shows, that no name is
split inside a word, that URLs are whole, that nothing is wider than the terminal and
no line ends in spaces.
"""

from __future__ import annotations

import re

import pytest

from claimtrack.cli.context import Environment
from claimtrack.extract.quantities import quantities
from claimtrack.extract.vocabulary import VAGUE_AMOUNTS
from claimtrack.model import NUMBER_WORDS
from claimtrack.operations.duplicates import worked_out_quantities
from tests.helpers import Cli

WIDTHS = (60, 80, 120, 200)
TERMINAL = Environment(stdin_isatty=True, stdout_isatty=True, stderr_isatty=True)
URL = "https://apnews.com/article/serbia-russia-ukraine-war-critics-expulsions-0c2b1f6e4d5a4a3e9b"


@pytest.fixture
def demo(cli: Cli) -> Cli:
    cli("demo")
    return cli


def screen(cli: Cli, monkeypatch: pytest.MonkeyPatch, width: int, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    out: str = cli(*args, "--format", "table").stdout
    lines = out.split("\n")
    assert lines[0].strip(), "no blank first line"
    assert all(len(line) <= width for line in lines), f"wider than {width} columns"
    assert not [line for line in lines if line != line.rstrip()], "trailing spaces"
    return out


def whole(word: str, out: str) -> bool:
    """Whether ``word`` shows whole, neither run into nor cut from its neighbours."""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", out) is not None


def column(out: str, header: str, following: str) -> str:
    """The text of one table column, its lines joined (``following``: the next header)."""
    head = out.splitlines()[0]
    start, end = head.index(header), head.index(following)
    return " ".join(" ".join(line[start:end].split()) for line in out.splitlines()[2:])


def claims_of(cli: Cli) -> list[dict[str, object]]:
    return cli.jsonl("list")


@pytest.mark.parametrize("width", WIDTHS)
def test_list_gives_the_claim_the_room_and_never_splits_a_name(
    demo: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    out = screen(demo, monkeypatch, width, "list")
    flat = " ".join(out.split())
    for claim in claims_of(demo):
        text = " ".join(str(claim["text"]).split())
        first_words = text.split()[:3]
        assert all(w in flat for w in first_words)
        for name in claim["said_by"]:  # type: ignore[attr-defined]
            for word in name.split():
                # Whole, or cut with an ellipsis at the end of a short cell: never
                # carried over to the next line in pieces.
                cut = re.search(re.escape(word[:4]) + r"\S*\u2026", out)
                assert whole(word, out) or cut, word
    for name in ("Predrag", "Petrovic", "Koposova", "pro-democracy", "Republishing"):
        assert whole(name, out), name
    if width >= 70:
        assert out.startswith("ID")
        # How much of a long claim shows: three lines of the claim column.
        long = "The Belgrade Centre for Security Policy demanded clarification"
        shown_chars = min(len(long), {80: 50, 120: 60, 200: 60}[width])
        assert long[:shown_chars] in column(out, "Claim", "Said by")
    else:
        # Stacked: one block per claim, the ID first on its line.
        ids = [line.split()[0] for line in out.splitlines() if re.match(r"^[0-9a-z]{7} ", line)]
        assert len(ids) == 16


def test_a_wide_list_shows_whole_claims_with_story_and_tags(
    demo: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = screen(demo, monkeypatch, 200, "list")
    assert "Story / tags" in out
    claims = column(out, "Claim", "Said by")
    for claim in claims_of(demo):
        assert " ".join(str(claim["text"]).split()) in claims


@pytest.mark.parametrize("width", WIDTHS)
def test_stats_never_breaks_a_source_name_inside_a_word(
    demo: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    out = screen(demo, monkeypatch, width, "stats")
    for word in "Republishing news site ed. PJM Associated Press pro-democracy".split():
        assert whole(word, out), word
    assert ("\u2588" in out.split("Source")[1]) == (width >= 120)


@pytest.mark.parametrize("width", WIDTHS)
def test_check_names_each_claim_once_with_its_problems_under_it(
    demo: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    out = demo("check", "--format", "table", code=1).stdout
    heads = [line.split()[0] for line in out.splitlines() if re.match(r"^[0-9a-z]{7} ", line)]
    assert len(heads) == len(set(heads)) == 16
    assert out.count("Elena Koposova is 54 years old") == 1
    assert out.count("reported-by-link") > 16


@pytest.mark.parametrize("width", WIDTHS)
def test_show_prints_urls_whole(demo: Cli, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    demo("link", "6fmx", "Associated Press", "--as", "reported-by", "--url", URL)
    demo("link", "6fmx", "BCSP letter", "--as", "supports", "--create", "--url", URL + "/x")
    monkeypatch.setenv("COLUMNS", str(width))
    out = demo("show", "6fmx", "--format", "table").stdout
    assert [line.strip() for line in out.splitlines()].count(URL) == 1
    assert URL + "/x" in out.splitlines()[-4] or URL + "/x" in out
    assert "supports: BCSP letter" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_log_says_what_changed_in_words(
    demo: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    note = "Activists sent 14 names; 12 confirmed with lawyers, two pending in court"
    demo("note", "6fmx", note)
    demo("link", "6fmx", "BCSP letter", "--as", "supports", "--create")
    demo("edit", "6fmx", "--add-tag", "bans", "--rm-tag", "russia")
    out = screen(demo, monkeypatch, width, "log", "-n", "5")
    flat = " ".join(out.split())
    assert f"note added: {note}" in flat
    assert "linked BCSP letter as supports to claim 6fmxk1p" in flat
    assert "tag removed: russia; tag added: bans" in flat


def test_redo_names_the_change_it_puts_back(cli: Cli) -> None:
    claim = cli.add("Rents rose by half")
    cli("note", claim, "asked the agency")
    change = cli.jsonl("log", "-n", "1")[0]["change"]
    assert f"Undid change {change[:7]}: note" in cli("undo").stderr
    assert f"Redid change {change[:7]}: note" in cli("redo").stderr


def test_quantities_are_worked_out_and_read_as_people_write_them(cli: Cli) -> None:
    claim = cli.add("Russian firms brought $60 billion and at least a dozen lawyers")
    quantities = cli.json("show", claim)["quantities"]
    assert [q["value"] for q in quantities] == [60_000_000_000, 12]
    shown = cli("show", claim, "--format", "table").stdout
    assert "= 60,000,000,000" in shown and "e+" not in shown
    cli("edit", claim, "--text", "Tens of thousands of Russians arrived")
    (moved,) = cli.json("show", claim)["quantities"]
    assert (moved["low"], moved["high"]) == (10_000, 99_999)
    assert "= 10,000 to 99,999" in cli("show", claim, "--format", "table").stdout
    cli("edit", claim, "--quantity", "at least 30,000 Russians")
    assert [q["value"] for q in cli.json("show", claim)["quantities"]] == [30_000]
    cli("edit", claim, "--no-quantities")
    assert cli.json("show", claim)["quantities"] == []
    assert "holds 2 quantities" in cli("edit", claim, "--quantity", "2 or 3", code=2).stderr


def test_the_quick_check_for_a_number_knows_every_word_the_extractor_values() -> None:
    words = [*NUMBER_WORDS.split("|"), *VAGUE_AMOUNTS, "a dozen", "a third", "half a dozen"]
    for word in words:
        sentence = f"Officials counted {word} cases, at least {word} of them new"
        assert quantities(sentence), word
        assert worked_out_quantities(sentence) == quantities(sentence), word
    assert worked_out_quantities("Serbia welcomed Russians") == []


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--all", "-n", "3"),
        ("list", "--relation", "supports"),
        ("list", "--status", "maybe"),
        ("check", "--status", "maybe"),
        ("add", "A claim", "--status", "maybe"),
        ("edit", "6fmx"),
        ("edit", "6fmx", "--quantity", "12 bans", "--no-quantities"),
    ],
)
def test_contradictory_or_incomplete_options_are_usage_errors(
    demo: Cli, args: tuple[str, ...]
) -> None:
    result = demo(*args, code=2)
    assert "Traceback" not in result.stderr and "Error" in result.stderr


def test_an_unknown_status_is_a_usage_error(demo: Cli) -> None:
    assert "choose one of" in demo("status", "6fmx", "maybe", code=2).stderr


def test_the_link_message_reads_the_right_way_round(demo: Cli) -> None:
    made = demo("link", "6fmx", "BCSP letter", "--as", "supports", "--create", "-f", "table")
    assert made.stdout == "Linked: BCSP letter supports claim 6fmxk1p\n"
    said = demo("link", "6fmx", "Predrag Petrovic", "--as", "said-by", "-f", "table")
    assert said.stdout == "Linked: claim 6fmxk1p said by Predrag Petrovic\n"


def test_rm_asks_with_the_whole_claim_and_no_is_not_an_error(demo: Cli) -> None:
    asked = demo("rm", "6fmx", input="n\n", env=TERMINAL)
    text = "At least a dozen anti-war Russians in Serbia recently faced entry bans or "
    assert text + "revocation of their residence permits" in asked.stderr
    assert "Nothing deleted." in asked.stderr
    assert len(demo.jsonl("list")) == 16


@pytest.mark.parametrize("columns", ["0", "-3", "abc", "", "99999999999"])
@pytest.mark.parametrize(
    "args",
    [("list",), ("show", "6fmx"), ("stats",), ("log", "-n", "3"), ("source", "list")],
)
def test_a_columns_value_that_is_no_size_is_an_unknown_width(
    demo: Cli, monkeypatch: pytest.MonkeyPatch, columns: str, args: tuple[str, ...]
) -> None:
    """Not a terminal (CliRunner's stdout): unknown width is Rich's 80 columns."""
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("NO_COLOR", "1")
    out: str = demo(*args, "--format", "table").stdout
    lines = out.splitlines()
    assert lines and lines[0].strip()
    assert max(len(line) for line in lines) <= 80
    monkeypatch.setenv("COLUMNS", "80")
    assert demo(*args, "--format", "table").stdout == out


def _row_lines(out: str, short_id: str) -> list[str]:
    """The lines of one claim's row in a ``list`` table: its first, and those under it."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(short_id))
    rest = lines[start + 1 :]
    following = next((i for i, line in enumerate(rest) if not line[:2].isspace()), len(rest))
    return [lines[start], *rest[:following]]


@pytest.mark.parametrize("width", (60, 100))
def test_a_chinese_claim_wraps_like_a_german_one_of_the_same_display_width(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    # Two texts of 88 terminal cells each: 44 wide characters, and German words.
    chinese = (
        "市议会说新桥的费用比原计划高出三倍而且工程还要再拖两年才能完成通车据说明年春天开始施工啦"
    )
    german = (
        "Der Stadtrat sagt, die neue Brücke koste dreimal so viel wie geplant, und sie kommt spät"
    )
    from rich.cells import cell_len

    assert cell_len(chinese) == cell_len(german) == 88
    zh = cli.add(chinese)
    de = cli.add(german)
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    out = cli("list", "--format", "table").stdout
    zh_lines, de_lines = _row_lines(out, zh[:7]), _row_lines(out, de[:7])
    assert len(zh_lines) == len(de_lines) > 1
    assert all(cell_len(line) <= width for line in out.splitlines())
    shown = "".join(char for line in zh_lines for char in line if ord(char) > 0x2E80)
    assert chinese.startswith(shown) and len(shown) > len(chinese) // 2


def test_only_a_non_empty_no_color_turns_colour_off(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """no-color.org: NO_COLOR "when present and not an empty string"."""
    cli.add("A claim in colour")
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich colours though CliRunner is no terminal
    yellow = "\x1b[33m"  # "unverified" (bold stays without colour: it is no colour)
    monkeypatch.setenv("NO_COLOR", "")
    assert yellow in cli("list", "--format", "table").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert yellow not in cli("list", "--format", "table").stdout
