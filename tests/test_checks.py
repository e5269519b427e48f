"""Unit tests of ``claimtrack.analysis.checks``: each rule fires on the case it names and
not on a near miss; rules switched off everywhere or for one story."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimtrack.analysis.checks import (
    RULES,
    DisabledRules,
    carries_number,
    check,
    check_claim,
    is_serious_allegation,
    problem_view,
)
from claimtrack.db import Database
from claimtrack.errors import ValidationError
from claimtrack.model import Archive, Claim, Verification
from claimtrack.views.presenter import Presenter
from tests.clock import freeze

Build = Callable[[Database], Claim]

CASES = itertools.count()
URL = "https://example.org/report"


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    freeze(monkeypatch)
    return tmp_path / "claims.json"


def problems(path: Path, build: Build, disabled: tuple[str, ...] = ()) -> dict[str, str]:
    """The problems ``check_claim`` finds in the claim ``build`` makes in a database of
    its own (beside ``path``): code -> message."""
    path = path.with_name(f"case-{next(CASES)}.json")
    with Database.open(path, write=True) as db:
        claim_id = build(db)["id"]
    with Database.open(path) as db:
        found = check_claim(db.claim_by_id(claim_id), Presenter(db), disabled)
    codes = [p.code for p in found]
    assert len(codes) == len(set(codes)), codes
    return {p.code: p.message for p in found}


def report(db: Database, claim_id: str) -> None:
    """Link the Gazette as the claim's reported-by source: with a URL, a date and a
    snapshot of its page."""
    if db.find_source("Gazette") is None:
        db.add_source("Gazette")
    link = db.link(claim_id, "Gazette", "reported-by", url=URL, date="2025-03-01")
    db.record_archive(link["id"], archive())


def clean(db: Database, text: str = "The mayor opened the bridge", **options: Any) -> Claim:
    """A claim with nothing to fix: a claimant, a supporting second source, a dated and
    archived reported-by link, and a verdict."""
    claim = db.add_claim(text, said_by=["Mayor"], **options)
    db.add_source("City Hall")
    db.link(claim["id"], "City Hall", "supports")
    report(db, claim["id"])
    return db.set_status(claim["id"], options.get("status", "verified"))


def test_a_clean_claim_has_no_problem(path: Path) -> None:
    assert problems(path, clean) == {}


def test_unattributed_and_its_explaining_note(path: Path) -> None:
    def bare(db: Database) -> Claim:
        return db.add_claim("The bridge opened", status="verified")

    found = problems(path, bare)
    assert set(found) == {"unattributed", "unreported"}
    assert found["unattributed"].startswith("nobody is recorded as saying this")

    def explained(db: Database) -> Claim:
        claim = db.add_claim("The bridge opened", status="verified")
        db.add_note(claim["id"], "Unattributed: our reporter saw it")
        return db.add_note(claim["id"], "unreported: seen by our own desk")

    assert problems(path, explained) == {}


def test_two_sources_for_a_number_or_an_allegation(path: Path) -> None:
    def one_source(text: str) -> Build:
        def build(db: Database) -> Claim:
            claim = db.add_claim(text, said_by=["Mayor"], status="verified")
            report(db, claim["id"])
            return claim

        return build

    number = problems(path, one_source("12 people were hurt"))
    assert number == {
        "two-sources": "carries a number but has 1 independent source(s); "
        "link a second one as supports"
    }
    allegation = problems(path, one_source("The firm bribed an official"))
    assert set(allegation) == {"two-sources"}
    assert "a serious allegation" in allegation["two-sources"]
    # Near miss: a claim with neither needs only one source.
    assert problems(path, one_source("The firm opened an office")) == {}
    # A reported-by source is no second source; a supporting one is.
    assert problems(path, lambda db: clean(db, "12 people were hurt")) == {}


def test_carries_number_and_is_serious_allegation() -> None:
    def claim(text: str, **fields: Any) -> Claim:
        base: dict[str, Any] = {"text": text, "tags": [], "quantities": []}
        return base | fields  # type: ignore[return-value]

    assert carries_number(claim("a dozen arrests")) is True
    assert carries_number(claim("7 arrests")) is True
    assert carries_number(claim("arrests", quantities=[{"text": "many"}])) is True
    assert carries_number(claim("someone was arrested")) is False
    assert carries_number(claim("the tenfold rise")) is False  # "ten" inside a word
    assert is_serious_allegation(claim("he was accused of theft")) is True
    assert is_serious_allegation(claim("he was praised", tags=["allegation"])) is True
    assert is_serious_allegation(claim("the target date moved")) is True  # the rule is broad
    assert is_serious_allegation(claim("he was praised")) is False


@pytest.mark.parametrize(
    ("status", "codes"),
    [
        ("unverified", {"open-status"}),
        ("checking", {"open-status"}),
        ("disputed", {"open-status"}),
        ("verified", set()),
        ("unverifiable", set()),
        ("false", {"false-in-story"}),
    ],
)
def test_open_status_and_false_in_story(path: Path, status: str, codes: set[str]) -> None:
    found = problems(path, lambda db: clean(db, story="bridge", status=status))
    assert set(found) == codes
    if "open-status" in codes:
        assert found["open-status"] == f"status is {status}"
    if "false-in-story" in codes:
        assert found["false-in-story"] == "rated false but still in story bridge"


def test_false_outside_a_story_is_no_problem(path: Path) -> None:
    assert problems(path, lambda db: clean(db, status="false")) == {}


def test_anonymity_needs_a_reason_and_an_approving_editor(path: Path) -> None:
    def with_source(**fields: Any) -> Build:
        def build(db: Database) -> Claim:
            claim = clean(db)
            source = db.add_source("Insider", confidential=True, **fields)
            db.link(claim["id"], source["id"], "supports")
            return claim

        return build

    found = problems(path, with_source(reason="safety"))
    assert set(found) == {"anonymity"}
    assert found["anonymity"].endswith(" has no recorded approving editor")
    assert found["anonymity"].startswith("Confidential source ")
    assert "Insider" not in found["anonymity"]
    neither = problems(path, with_source())
    assert neither["anonymity"].endswith("has no recorded reason or approving editor")
    assert problems(path, with_source(reason="safety", approved_by="Editor")) == {}


def test_reported_by_link_needs_a_url_and_a_date(path: Path) -> None:
    def reported(**fields: Any) -> Build:
        def build(db: Database) -> Claim:
            claim = db.add_claim("The bridge opened", said_by=["Mayor"], status="verified")
            db.add_source("Gazette")
            db.link(claim["id"], "Gazette", "reported-by", **fields)
            return claim

        return build

    undated = problems(path, reported(), disabled=("unarchived",))
    assert undated == {"reported-by-link": "reported-by link to Gazette has no url or date"}
    no_url = problems(path, reported(date="2025-03-01"))
    assert no_url == {"reported-by-link": "reported-by link to Gazette has no url"}
    both = problems(path, reported(date="2025-03-01", url=URL), disabled=("unarchived",))
    assert both == {}


def archive(url: str = URL) -> Archive:
    return {
        "at": "2025-03-04T10:00:00.000000Z",
        "requested": url,
        "url": url,
        "status": 200,
        "sha256": "a" * 64,
        "text_sha256": "b" * 64,
        "wayback": None,
    }


def evidence_claim(
    text: str = "The mayor opened the bridge",
    verification: Verification | None = None,
    archived: bool = True,
    quote: str | None = None,
) -> Build:
    """A clean claim whose supporting link has a URL, archived (or not) and verified."""

    def build(db: Database) -> Claim:
        claim = clean(db, text)
        db.add_source("Ministry")
        link = db.link(claim["id"], "Ministry", "supports", url=URL, quote=quote)
        if archived:
            db.record_archive(link["id"], archive())
        if verification is not None:
            db.record_verification(link["id"], verification)
        return claim

    return build


def test_unarchived_link(path: Path) -> None:
    found = problems(path, evidence_claim(archived=False))
    assert found == {"unarchived": "supports link to Ministry has no snapshot"}
    assert problems(path, evidence_claim()) == {}

    def moved(db: Database) -> Claim:
        claim = evidence_claim()(db)
        (link,) = [
            k
            for k in db.links_of_claim(claim["id"])
            if k["url"] == URL and k["relation"] == "supports"
        ]
        # A link whose URL changed with its snapshot kept (as a file merged by git can
        # hold): the snapshot is of another page.
        db.put_record("link", {**link, "url": "https://example.org/moved"})
        return claim

    assert problems(path, moved) == {"unarchived": "supports link to Ministry has no snapshot"}


def test_a_said_by_link_with_a_url_needs_no_snapshot(path: Path) -> None:
    def said(db: Database) -> Claim:
        claim = clean(db)
        db.link(claim["id"], "Mayor", "said-by", url="https://example.org/mayor")
        return claim

    assert problems(path, said) == {}


@pytest.mark.parametrize(
    ("result", "what"),
    [("quote-missing", "no longer has the link's quote"), ("gone", "is gone")],
)
def test_quote_drift(path: Path, result: Any, what: str) -> None:
    verification: Verification = {
        "result": result,
        "since": "2025-03-02T09:00:00.000000Z",
        "status": 404,
    }
    found = problems(path, evidence_claim(verification=verification))
    assert found == {
        "quote-drift": f"the page of the supports link to Ministry {what} (verify, 2025-03-02)"
    }


def test_an_unchanged_page_is_no_drift(path: Path) -> None:
    verification: Verification = {
        "result": "unchanged",
        "since": "2025-03-02T09:00:00.000000Z",
        "status": 200,
    }
    assert problems(path, evidence_claim(verification=verification)) == {}


def changed(numbers_gone: list[str]) -> Verification:
    return {
        "result": "changed",
        "since": "2025-03-02T09:00:00.000000Z",
        "status": 200,
        "numbers_gone": numbers_gone,
    }


def test_page_changed_when_a_stated_number_is_gone(path: Path) -> None:
    text = "Unemployment fell to 13% last year"
    found = problems(path, evidence_claim(text, changed(["13%"])))
    assert set(found) == {"page-changed"}
    assert found["page-changed"].startswith(
        "the verified verdict cites the supports link to Ministry, whose page no longer "
        "states 13% (verify, 2025-03-02)"
    )
    # Near misses: a figure the claim does not state; a claim with no verdict.
    assert problems(path, evidence_claim(text, changed(["11%"]))) == {}

    def open_claim(db: Database) -> Claim:
        claim = evidence_claim(text, changed(["13%"]))(db)
        return db.set_status(claim["id"], "checking")

    assert set(problems(path, open_claim)) == {"open-status"}


def test_rules_switched_off_everywhere_and_per_story(path: Path) -> None:
    def build(db: Database) -> Claim:
        return db.add_claim("The bridge opened", story="bridge")

    everything = problems(path, build)
    assert set(everything) == {"unattributed", "unreported", "open-status"}
    assert set(problems(path, build, ("unreported", "open-status"))) == {"unattributed"}

    disabled = DisabledRules(["open-status"], {"bridge": ["unreported"], "other": ["unattributed"]})
    assert disabled("bridge") == {"open-status", "unreported"}
    assert disabled(None) == {"open-status"}
    assert disabled("elsewhere") == {"open-status"}
    with Database.open(path, write=True) as db:
        build(db)
        db.add_claim("Another story", story="other")
        db.add_claim("No story")
    with Database.open(path) as db:
        claims = sorted(db.claim_list(), key=lambda c: c["text"])
        found = [(p.text, p.code) for p in check(claims, Presenter(db), disabled)]
    assert sorted(found) == [
        ("Another story", "unreported"),
        ("No story", "unattributed"),
        ("No story", "unreported"),
        ("The bridge opened", "unattributed"),
    ]


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown check rule 'no-such-rule'"):
        DisabledRules([], {"bridge": ["no-such-rule"]})
    assert set(RULES) >= {"unattributed", "page-changed"}


def test_problem_view(path: Path) -> None:
    with Database.open(path, write=True) as db:
        claim = db.add_claim("The bridge opened", story="bridge", said_by=["Mayor"])
    with Database.open(path) as db:
        (problem, *_) = check_claim(db.claim_by_id(claim["id"]), Presenter(db), ["unreported"])
    assert problem_view(problem) == {
        "claim": claim["id"],
        "short": claim["id"][:7],
        "code": "open-status",
        "message": "status is unverified",
        "story": "bridge",
        "text": "The bridge opened",
    }


def test_check_help_lists_every_rule(cli: Any) -> None:
    """`check --help` is where a journalist learns the rule codes to --disable: every
    rule must be there, each on a line of its own."""
    shown = cli("check", "--help").stdout
    listed = [line.split()[0] for line in shown.splitlines() if line.startswith("    ")]
    assert [code for code in RULES if code not in listed] == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Twelve",
                "DOZENS",
                "percent",
                "Per Cent",
                "7",
                "alleged",
                "ACCUSED",
                "cover-up",
                "Cover Up",
                "rape",
                "raped",
                "draped",
                "one",
                "someone",
                "x",
                " ",
                ",",
                "_",
                "\u212a",
                "\u017f",
                "İ",
                "é",
                "\n",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_number_and_allegation_words_are_found_as_the_case_blind_patterns_find_them(
    text: str,
) -> None:
    """The fast path for ASCII text (lower-cased, case kept) finds what the patterns,
    case ignored, find; other text goes through the patterns themselves."""
    from claimtrack.analysis import checks

    claim: Any = {"text": text, "tags": [], "quantities": []}
    assert carries_number(claim) == bool(checks.NUMBER_WORDS.search(text))
    assert is_serious_allegation(claim) == bool(checks.ALLEGATION_WORDS.search(text))
