"""The use cases (``claimtrack.operations.Desk``) on their own, below the command line:
add's near-duplicate policy, and the destructive use cases' questions, which are asked
with no lock held and checked again under it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimtrack.analysis.similar import Match
from claimtrack.db import Database
from claimtrack.errors import NotFound
from claimtrack.operations import Changed, ClaimDraft, Desk, MergeProposal, SourceRemoval

BANS = "At least a dozen anti-war Russians faced entry bans in Serbia"
BANS_AGAIN = "At least a dozen anti-war Russians were given entry bans in Serbia"
OTHER = "The ministry opened a new office for foreign residents"


@pytest.fixture
def desk(db_path: Path) -> Desk:
    made = Desk(db_path)
    with Database.open(db_path, write=True, create=True):
        pass
    return made


def texts(desk: Desk) -> list[str]:
    with desk.reading() as db:
        return sorted(c["text"] for c in db.claim_list())


def added_id(desk: Desk, text: str, *said_by: str) -> str:
    added = desk.add(ClaimDraft(text, said_by=said_by), check_duplicates=False)
    assert added is not None
    return added.view["id"]


@contextlib.contextmanager
def counted_opens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Every ``Database.open`` made in the block, as whether it was for writing."""
    opens: list[bool] = []
    real = Database.open.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Database], path: Path, **options: Any) -> Any:
        opens.append(bool(options.get("write")))
        return real(cls, path, **options)

    monkeypatch.setattr(Database, "open", classmethod(counting))
    yield opens


# -- add: the near-duplicate policy ---------------------------------------------------------


def test_add_without_a_question_adds_and_warns_of_the_near_duplicate_in_one_write(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = added_id(desk, BANS)
    warned: list[Match] = []
    with counted_opens(monkeypatch) as opens:
        added = desk.add(ClaimDraft(BANS_AGAIN), warn=warned.append)
    assert added is not None and not added.existing
    assert [m.claim["id"] for m in warned] == [first]
    # The look and the write under one lock: nobody can add the duplicate in between.
    assert opens == [True]
    assert texts(desk) == sorted([BANS, BANS_AGAIN])


def test_add_of_a_claim_like_no_other_asks_nothing_and_warns_of_nothing(desk: Desk) -> None:
    added_id(desk, BANS)
    asked: list[list[Match]] = []
    warned: list[Match] = []

    def ask(found: list[Match]) -> Any:
        asked.append(found)
        return "skip"

    added = desk.add(ClaimDraft(OTHER), ask=ask, warn=warned.append)
    assert added is not None and added.view["text"] == OTHER
    assert asked == [] and warned == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("skip", [BANS]), ("use", [BANS]), ("add", sorted([BANS, BANS_AGAIN]))],
)
def test_add_asks_about_a_near_duplicate_and_does_as_answered(
    desk: Desk, answer: str, expected: list[str]
) -> None:
    first = added_id(desk, BANS)
    asked: list[list[str]] = []

    def ask(found: list[Match]) -> Any:
        asked.append([m.claim["id"] for m in found])
        return answer

    added = desk.add(ClaimDraft(BANS_AGAIN), ask=ask)
    assert asked == [[first]]
    assert texts(desk) == expected
    if answer == "skip":
        assert added is None
    elif answer == "use":
        assert added is not None and added.existing and added.view["id"] == first
    else:
        assert added is not None and not added.existing and added.view["text"] == BANS_AGAIN


def test_a_near_duplicate_recorded_while_the_user_answers_is_asked_about_too(
    desk: Desk, db_path: Path
) -> None:
    first = added_id(desk, BANS)
    colleague = Desk(db_path)
    asked: list[list[str]] = []

    def ask(found: list[Match]) -> Any:
        asked.append(sorted(m.claim["id"] for m in found))
        if len(asked) == 1:  # a colleague records it meanwhile (the lock is free)
            added_id(colleague, "At least a dozen anti-war Russians got entry bans in Serbia")
        return "add"

    added = desk.add(ClaimDraft(BANS_AGAIN), ask=ask)
    assert added is not None
    assert len(asked) == 2 and asked[0] == [first]
    assert first in asked[1] and len(asked[1]) == 2


def test_add_with_the_check_off_looks_for_nothing(desk: Desk) -> None:
    added_id(desk, BANS)
    warned: list[Match] = []
    desk.add(ClaimDraft(BANS_AGAIN), check_duplicates=False, warn=warned.append)
    assert warned == []
    assert texts(desk) == sorted([BANS, BANS_AGAIN])


# -- rm, merge, source rm: the question, then the check under the lock ---------------------


def test_rm_asks_then_deletes(desk: Desk) -> None:
    claim = added_id(desk, BANS)
    asked: list[list[str]] = []

    def confirm(claims: list[Any]) -> bool:
        asked.append([c["id"] for c in claims])
        return True

    removed = desk.remove_claims([claim[:6]], confirm=confirm)
    assert removed is not None and [c["id"] for c in removed] == [claim]
    assert asked == [[claim]] and texts(desk) == []


def test_rm_answered_no_changes_nothing(desk: Desk) -> None:
    claim = added_id(desk, BANS)
    assert desk.remove_claims([claim], confirm=lambda claims: False) is None
    assert texts(desk) == [BANS]


def test_rm_of_a_claim_edited_while_the_user_answers_deletes_nothing(
    desk: Desk, db_path: Path
) -> None:
    claim = added_id(desk, BANS)
    other = added_id(desk, OTHER)

    def confirm(claims: list[Any]) -> bool:
        Desk(db_path).edit(claim, text="At least 13 Russians faced entry bans")
        return True

    with pytest.raises(Changed, match="changed while you were asked; nothing deleted"):
        desk.remove_claims([claim, other], confirm=confirm)
    assert texts(desk) == sorted(["At least 13 Russians faced entry bans", OTHER])


def test_rm_of_a_claim_given_a_link_while_the_user_answers_deletes_nothing(
    desk: Desk, db_path: Path
) -> None:
    claim = added_id(desk, BANS)

    def confirm(claims: list[Any]) -> bool:
        Desk(db_path).link(claim, "Associated Press", "reported-by", create=True)
        return True

    with pytest.raises(Changed):
        desk.remove_claims([claim], confirm=confirm)
    assert desk.show(claim)["reported_by"] == ["Associated Press"]


def test_rm_of_a_claim_deleted_while_the_user_answers_says_so(desk: Desk, db_path: Path) -> None:
    claim = added_id(desk, BANS)
    other = added_id(desk, OTHER)

    def confirm(claims: list[Any]) -> bool:
        assert Desk(db_path).remove_claims([claim]) is not None
        return True

    with pytest.raises(Changed, match=f"claim {claim[:7]} was deleted while you were asked"):
        desk.remove_claims([claim, other], confirm=confirm)
    assert texts(desk) == [OTHER]


def test_merge_of_claims_changed_while_the_user_answers_merges_nothing(
    desk: Desk, db_path: Path
) -> None:
    kept = added_id(desk, BANS)
    merged = added_id(desk, BANS_AGAIN)
    proposals: list[MergeProposal] = []

    def confirm(proposal: MergeProposal) -> bool:
        proposals.append(proposal)
        Desk(db_path).link(merged, "Associated Press", "reported-by", create=True)
        return True

    with pytest.raises(Changed, match="nothing merged"):
        desk.merge("claim", [kept, merged], confirm=confirm)
    assert [p.plan.others[0]["id"] for p in proposals] == [merged]
    assert texts(desk) == sorted([BANS, BANS_AGAIN])
    assert desk.show(merged)["reported_by"] == ["Associated Press"]


def test_merge_of_a_claim_deleted_while_the_user_answers_says_so(desk: Desk, db_path: Path) -> None:
    kept = added_id(desk, BANS)
    merged = added_id(desk, BANS_AGAIN)

    def confirm(proposal: MergeProposal) -> bool:
        Desk(db_path).remove_claims([merged])
        return True

    with pytest.raises(Changed, match=f"claim {merged[:7]} was deleted while you were asked"):
        desk.merge("claim", [kept, merged], confirm=confirm)
    assert texts(desk) == [BANS]


def test_merge_unchanged_while_the_user_answers_is_done(desk: Desk) -> None:
    kept = added_id(desk, BANS)
    merged = added_id(desk, BANS_AGAIN)
    done = desk.merge("claim", [kept, merged], confirm=lambda proposal: True)
    assert done is not None and done[1]["id"] == kept
    assert texts(desk) == [BANS]


def test_source_merge_of_a_source_renamed_while_the_user_answers_merges_nothing(
    desk: Desk, db_path: Path
) -> None:
    desk.add_source("Associated Press")
    desk.add_source("AP wire")

    def confirm(proposal: MergeProposal) -> bool:
        assert proposal.name(proposal.plan.others[0]["id"]) == "AP wire"
        Desk(db_path).edit_source("AP wire", name="AP newswire")
        return True

    with pytest.raises(Changed, match="nothing merged"):
        desk.merge("source", ["Associated Press", "AP wire"], confirm=confirm)
    assert sorted(v["name"] for v in desk.list_sources()) == ["AP newswire", "Associated Press"]


def test_source_rm_of_a_source_cited_while_the_user_answers_deletes_nothing(
    desk: Desk, db_path: Path
) -> None:
    claim = added_id(desk, BANS)
    desk.add_source("Associated Press")
    asked: list[SourceRemoval] = []

    def confirm(removal: SourceRemoval) -> bool:
        asked.append(removal)
        Desk(db_path).link(claim, "Associated Press", "reported-by")
        return True

    with pytest.raises(Changed, match="nothing deleted"):
        desk.remove_source("Associated Press", confirm=confirm)
    assert [(a.name, a.links) for a in asked] == [("Associated Press", 0)]
    assert desk.show(claim)["reported_by"] == ["Associated Press"]


def test_source_rm_of_a_source_deleted_while_the_user_answers_says_so(
    desk: Desk, db_path: Path
) -> None:
    source = desk.add_source("Associated Press")

    def confirm(removal: SourceRemoval) -> bool:
        Desk(db_path).remove_source("Associated Press")
        return True

    with pytest.raises(Changed, match=f"source {source['id'][:7]} was deleted"):
        desk.remove_source("Associated Press", confirm=confirm)
    with pytest.raises(NotFound):
        desk.show_source("Associated Press")


# -- extract --add: the same policy -----------------------------------------------------------

ARTICLE = (
    "The city council approved 12 new electric buses for the northern district, "
    "the mayor said on Monday.\n"
)


def extraction() -> Any:
    from claimtrack.extract import ArticleInfo, extract

    found = extract(ARTICLE, ArticleInfo())
    assert len(found.candidates) == 1
    return found


def test_extract_add_without_review_warns_of_a_near_duplicate_in_one_write(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = extraction()
    first = added_id(desk, found.candidates[0].text.replace("approved", "agreed to buy"))
    warned: list[str] = []
    with counted_opens(monkeypatch) as opens:
        recorded = desk.record_extraction(
            found,
            found.candidates,
            story="buses",
            warn=lambda candidate, match: warned.append(match.claim["id"]),
        )
    assert len(recorded.made) == 1 and warned == [first]
    assert opens == [True]


def test_extract_add_warns_of_a_near_duplicate_recorded_while_the_user_reviewed(
    desk: Desk, db_path: Path
) -> None:
    found = extraction()
    meanwhile: list[str] = []
    warned: list[str] = []

    def review(candidates: list[Any], dupes: dict[int, Match]) -> list[Any]:
        assert dupes == {}  # nothing like it yet: nothing to show
        text = candidates[0].text.replace("approved", "agreed to buy")
        meanwhile.append(added_id(Desk(db_path), text))
        return candidates

    recorded = desk.record_extraction(
        found,
        found.candidates,
        story="buses",
        review=review,
        warn=lambda candidate, match: warned.append(match.claim["id"]),
    )
    assert len(recorded.made) == 1
    assert warned == meanwhile


def test_extract_add_shows_a_near_duplicate_in_the_review_and_warns_no_more(desk: Desk) -> None:
    found = extraction()
    first = added_id(desk, found.candidates[0].text.replace("approved", "agreed to buy"))
    shown: list[str] = []
    warned: list[str] = []

    def review(candidates: list[Any], dupes: dict[int, Match]) -> list[Any]:
        shown.extend(m.claim["id"] for m in dupes.values())
        return candidates

    desk.record_extraction(
        found,
        found.candidates,
        story="buses",
        review=review,
        warn=lambda candidate, match: warned.append(match.claim["id"]),
    )
    assert shown == [first] and warned == []


# -- Desk: each group of use cases loaded when first used ---------------------------------


def test_the_desk_knows_every_use_case_of_every_group_and_no_other() -> None:
    """``GROUPS`` names each group's public methods, so a command finds its method
    without importing the other groups (``operations/desk.py``)."""
    import importlib

    from claimtrack.operations.base import DeskBase
    from claimtrack.operations.desk import GROUPS, METHODS

    shared = {name for name in dir(DeskBase) if not name.startswith("_")}
    for module, (class_name, methods) in GROUPS.items():
        group = getattr(importlib.import_module(f"claimtrack.operations.{module}"), class_name)
        assert issubclass(group, DeskBase), module
        public = {
            name
            for name, value in vars(group).items()
            if callable(value) and not name.startswith("_") and name not in shared
        }
        assert public == set(methods), module
    assert len(METHODS) == sum(len(methods) for _, methods in GROUPS.values())  # no name twice


def test_a_desk_loads_a_group_of_use_cases_when_one_of_its_methods_is_used(
    desk: Desk, db_path: Path
) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from claimtrack.operations import Desk\n"
        "desk = Desk(Path(sys.argv[1]))\n"
        "def loaded():\n"
        "    return sorted(m for m in sys.modules if m.startswith('claimtrack.operations.'))\n"
        "print(loaded())\n"
        "print(desk.show(sys.argv[2])['text'])\n"
        "print(loaded())\n"
        "print(desk.list_sources.__self__ is desk.show_source.__self__)\n"
        "print(loaded())\n"
    )
    claim = added_id(desk, BANS, "Activists")
    out = subprocess.run(
        [sys.executable, "-c", code, str(db_path), claim[:7]],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    base = ["claimtrack.operations.base", "claimtrack.operations.desk"]
    assert out[0] == str(base)
    assert out[1] == BANS
    assert out[2] == str(sorted([*base, "claimtrack.operations.claims"]))
    assert out[3] == "True"  # one object per group, made once
    assert out[4] == str(
        sorted([*base, "claimtrack.operations.claims", "claimtrack.operations.sources"])
    )


def test_a_desk_gives_each_group_its_file_and_callbacks(desk: Desk, db_path: Path) -> None:
    saved: list[str] = []
    made = Desk(db_path, saved=lambda: saved.append("saved"), ask_passphrase=lambda _: "")
    claim = added_id(made, BANS)
    made.add_source("Activists")
    assert saved == ["saved", "saved"]  # a write of the claims group, then of the sources'
    assert made.show(claim)["id"] == claim
    with pytest.raises(AttributeError):
        made.no_such_use_case  # noqa: B018
