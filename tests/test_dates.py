"""Dates as people type them: a month is not a day, a year alone is a year, and the
calendar's ends are dates like any other (``model.check_date``, ``model.day_bound``,
``cli/dates.py``). The clock is frozen (``tests/clock.py``): 4 March 2025, 10:00 UTC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimtrack.errors import ValidationError
from claimtrack.model import check_date, day_bound
from tests.clock import freeze
from tests.helpers import Cli


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)


def _backdate(raw_db: Callable[[], dict[str, Any]], cli: Cli, stamps: dict[str, str]) -> None:
    """Give claims (by ID) the ``created`` stamps wanted, in the file itself."""
    data = raw_db()
    for record in data["claims"].values():
        if record["id"] in stamps:
            record["created"] = stamps[record["id"]]
    cli.db_path.write_text(json.dumps(data, indent=1), encoding="utf-8")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("May 2024", "2024-05"),
        ("may 2024", "2024-05"),
        ("Sept. 2023", "2023-09"),
        ("2024-05", "2024-05"),
        ("2024/5", "2024-05"),
        ("05/2024", "2024-05"),
        ("2024", "2024"),
    ],
)
def test_a_month_or_a_year_is_kept_as_one_where_a_date_may_be_partial(
    typed: str, stored: str
) -> None:
    assert check_date(typed, partial=True) == stored


def test_a_month_where_a_day_is_needed_is_refused_saying_so() -> None:
    with pytest.raises(ValidationError, match="is a month or a year, not a day"):
        check_date("May 2024")
    with pytest.raises(ValidationError, match="not a date"):
        check_date("2024-13", partial=True)


def test_a_filter_on_a_month_or_a_year_takes_all_of_it() -> None:
    assert day_bound("May 2024", "--since", end=False) == "2024-05-01T00:00:00.000000Z"
    assert day_bound("May 2024", "--until", end=True) == "2024-05-31T23:59:59.999999Z"
    assert day_bound("2024-02", "--until", end=True) == "2024-02-29T23:59:59.999999Z"
    assert day_bound("2023", "--until", end=True) == "2023-12-31T23:59:59.999999Z"
    assert day_bound("2023", "--since", end=False) == "2023-01-01T00:00:00.000000Z"


def test_list_since_and_until_the_same_month_lists_that_month(
    cli: Cli, raw_db: Callable[[], dict[str, Any]]
) -> None:
    before = cli.add("April claim")
    first = cli.add("Early May claim")
    last = cli.add("Late May claim")
    after = cli.add("June claim")
    _backdate(
        raw_db,
        cli,
        {
            before: "2024-04-30T23:59:59.000000Z",
            first: "2024-05-01T00:00:00.000000Z",
            last: "2024-05-31T23:00:00.000000Z",
            after: "2024-06-01T00:00:00.000000Z",
        },
    )
    listed = cli.jsonl("list", "--since", "May 2024", "--until", "May 2024")
    assert sorted(claim["id"] for claim in listed) == sorted([first, last])
    in_words = cli.jsonl("list", "--since", "last year", "--until", "May")
    assert sorted(claim["id"] for claim in in_words) == sorted([before, first, last])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("May 2024", "2024-05"),
        ("2024", "2024"),
        ("last month", "2025-02"),  # the frozen today is in March 2025
        ("May", "2024-05"),  # the most recent May
        ("next Friday", "2025-03-07"),  # what was typed, though past dates are preferred
        ("last week", "2025-02-25"),  # a day: a week ago
        ("24 June", "2024-06-24"),
    ],
)
def test_link_date_stores_the_month_typed_never_a_guessed_day(
    cli: Cli, typed: str, stored: str
) -> None:
    claim = cli.add("A dated claim")
    cli("link", claim, "Agency", "--as", "supports", "--create", "--date", typed)
    assert cli.json("show", claim)["links"][0]["date"] == stored


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("5 June 24", "two-digit year"),
        ("1 May 99", "two-digit year"),
        ("q2 2024", "names a quarter"),
    ],
)
def test_a_date_whose_day_or_century_would_be_guessed_is_refused(
    cli: Cli, typed: str, said: str
) -> None:
    claim = cli.add("A dated claim")
    refused = cli("link", claim, "Agency", "--as", "supports", "--create", "--date", typed, code=2)
    assert said in refused.stderr
    assert cli.json("show", claim)["links"] == []


def test_claimreview_publishes_a_partial_date_as_it_is(cli: Cli) -> None:
    claim = cli.add("A dated claim")
    cli(
        "link",
        claim,
        "Daily Paper",
        "--as",
        "reported-by",
        "--create",
        "--url",
        "https://paper.example/story",
        "--date",
        "May 2024",
    )
    cli("status", claim, "verified", "--review-url", "https://desk.example/checks/1")
    out = cli("export", "-f", "claimreview", "--org", "Desk").stdout
    assert '"datePublished": "2024-05"' in out
    assert "2024-05-0" not in out and "2024-05-1" not in out and "2024-05-2" not in out


ZONES = ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"]


@pytest.mark.parametrize("zone", ZONES)
def test_the_calendars_ends_are_dates_in_every_zone(tmp_path: Path, zone: str) -> None:
    """Year 1 and year 9999 as bounds, and a stored moment at the end of 9999, in zones
    where local time crosses the calendar's ends (UTC+14 and UTC-8): no crash."""
    db = tmp_path / "claims.json"
    env = {**os.environ, "TZ": zone, "CLAIMTRACK_DB": str(db)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "claimtrack", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (args, done.stderr)
        assert "internal error" not in done.stderr
        return done

    claim = run("add", "A far claim", "-q").stdout.strip()
    data = json.loads(db.read_text(encoding="utf-8"))
    for record in data["claims"].values():
        record["created"] = record["updated"] = "9999-12-31T23:00:00.000000Z"
    db.write_text(json.dumps(data, indent=1), encoding="utf-8")
    listed = run("list", "--since", "0001-01-01", "--until", "9999-12-31", "-f", "jsonl")
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [claim]
    assert run("list", "--since", "9999", "-f", "ids").stdout.split() == [claim]
    assert run("list", "--until", "0001", "-f", "ids").stdout.split() == []
    shown = run("show", claim, "-f", "table").stdout
    # In Kiritimati 23:00 UTC is already year 10000: shown in UTC, as stored.
    local = {"UTC": "23:00:00 UTC", "Pacific/Kiritimati": "23:00:00 UTC"}
    assert "9999-12-31 " + local.get(zone, "15:00:00 PST") in shown
