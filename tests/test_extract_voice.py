"""extract: statements of fact in the article's own voice, the order a review asks in,
and abstaining where the rules cannot tell who spoke (issue 28, items 3 and "abstain").

The articles are written for these tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from claimtrack.db import Database
from claimtrack.extract import extract
from claimtrack.extract.pipeline import by_checkworthiness
from claimtrack.operations import Desk
from tests.helpers import the_candidate

if TYPE_CHECKING:
    from claimtrack.analysis.similar import Match
    from claimtrack.extract import Candidate

BRIEFING = (
    "Storm closes the coast\n\n"
    "Both ferry terminals will stay shut overnight.\n\n"
    "Every harbour car park is now full.\n\n"
    "You should stay indoors if you can!\n\n"
    "Will the ferries run again soon?\n\n"
    "The council said 31 schools would close at noon.\n\n"
    "Police accused two drivers of ignoring the closed road.\n"
)


_about = the_candidate


def test_a_plain_statement_of_fact_is_the_articles_claim() -> None:
    found = extract(BRIEFING).candidates
    shut = _about(found, "Both ferry terminals")
    assert shut.reasons == ["fact"]
    assert shut.claimant is None and shut.attribution == "article"
    assert _about(found, "Every harbour car park").reasons == ["fact"]


def test_advice_questions_and_the_first_person_are_no_facts() -> None:
    sentences = [c.sentence for c in extract(BRIEFING).candidates]
    assert not any(s.startswith(("You should", "Will the")) for s in sentences)
    column = "Rents are up\n\nWe pay too much for rent here.\n\nOur town deserves better.\n"
    assert extract(column).candidates == []


def test_in_a_speakers_turn_the_first_person_is_the_speakers_claim() -> None:
    text = (
        "Rebuilding the booking site\n\nAna Ruiz and Tom Reyes rebuilt the site.\n\n"
        "What did you change?\n\nAna: We moved every page to the new server.\n\n"
        "Tom: I wrote the booking form again.\n\nWhat next?\n\n"
        "Ana: We will move the archive too.\n"
    )
    found = extract(text).candidates
    assert _about(found, "every page to the new server").claimant == "Ana Ruiz"
    assert _about(found, "booking form again").claimant == "Tom Reyes"
    assert _about(found, "archive too").reasons == ["fact"]


def test_the_most_checkable_come_first_in_article_order_among_equals() -> None:
    found = extract(BRIEFING).candidates
    ranked = by_checkworthiness(found)
    worth = [c.checkworthiness for c in ranked]
    assert worth == sorted(worth, reverse=True)
    assert ranked[0].sentence.startswith("Police accused two drivers")  # number, allegation
    facts = [c.sentence for c in ranked if c.reasons == ["fact"]]
    assert facts == [c.sentence for c in found if c.reasons == ["fact"]]
    assert ranked[-1].reasons == ["fact"]
    assert extract(BRIEFING).as_dict()["claims"][0]["checkworthiness"] == ranked[-1].checkworthiness


def test_the_review_asks_the_most_checkable_first_and_records_in_article_order(
    db_path: Path,
) -> None:
    desk = Desk(db_path)
    with Database.open(db_path, write=True, create=True):
        pass
    result = extract(BRIEFING)
    asked: list[str] = []

    def review(candidates: list[Candidate], dupes: dict[int, Match]) -> list[Candidate]:
        asked.extend(c.sentence for c in candidates)
        return candidates[:2]  # the reviewer keeps the first two and stops

    desk.record_extraction(result, result.candidates, story="storm", review=review)
    assert asked == [c.sentence for c in by_checkworthiness(result.candidates)]
    assert asked != [c.sentence for c in result.candidates]
    with desk.reading() as db:
        recorded = [c["text"] for c in db.claim_list()]
    kept = [c.text for c in result.candidates if c.sentence in asked[:2]]
    assert sorted(recorded) == sorted(kept)


@pytest.mark.parametrize(
    "sentence",
    [
        "Speaking on the radio he said 40 jobs would go.",
        "Speaking on the radio, she said 40 jobs would go.",
    ],
)
def test_a_participle_opening_a_sentence_is_never_the_speaker(sentence: str) -> None:
    found = extract(f"Jobs cut\n\n{sentence}\n").candidates
    assert found and found[0].claimant != "Speaking"


# -- abstain rather than guess ----------------------------------------------------------


def _one(text: str, words: str) -> Candidate:
    return _about(extract(f"Port news\n\n{text}\n").candidates, words)


def test_a_speaker_inside_a_while_clause_does_not_govern_the_sentence() -> None:
    found = _one("Fares rose 8 percent in April, while the union said pay was frozen.", "8 percent")
    assert found.claimant is None and found.attribution == "unclear"


def test_which_it_said_is_the_sentences_subject_not_the_last_body_named() -> None:
    text = (
        "Harbor Bank lent the city 4 million dollars. The Port Union claimed the strike, "
        "which it said would last 3 days."
    )
    assert _one(text, "3 days").claimant == "Port Union"


def test_a_count_before_capitalised_words_is_no_name() -> None:
    text = "Two Portvale City players were hurt in the 3-1 win. It said the club would appeal."
    assert _one(text, "would appeal").claimant != "Two Portvale City"
    assert _one("Two loggers have since said they heard 2 shots.", "2 shots").claimant == (
        "Two loggers"
    )


def test_a_bare_title_is_the_holder_introduced_before() -> None:
    text = "US President Ana Ruiz visited the port in May. The US President said 40 ships waited."
    assert _one(text, "40 ships").claimant == "Ana Ruiz"


def test_in_a_turn_what_the_speaker_says_others_did_is_still_the_speakers() -> None:
    text = (
        "Rebuilding the site\n\nAna Ruiz and Tom Reyes rebuilt the site.\n\nWho did what?\n\n"
        "Ana: Tom's team wrote the booking form in 2023.\n\nWho else?\n\n"
        "Tom: Ana wrote the search page in 2024.\n"
    )
    found = extract(text).candidates
    assert _about(found, "booking form").claimant == "Ana Ruiz"


def test_a_capitalised_adjective_opening_a_sentence_is_no_speaker() -> None:
    text = "Angry shop owners criticised the rules, claiming 400 jobs will go."
    assert _one(text, "400 jobs").claimant != "Angry"
    text = "Voltera criticised the rules, claiming 400 jobs will go."
    assert _one(text, "400 jobs").claimant == "Voltera"


def test_a_body_named_with_of_is_named_in_full() -> None:
    text = "The Traders Association of Portvale criticised the rules, saying 400 jobs will go."
    assert _one(text, "400 jobs").claimant == "Traders Association of Portvale"


def test_a_quotation_after_a_paragraph_without_the_speaker_is_unclear() -> None:
    text = (
        "Ferries cut\n\n"
        '"We will cut 3 sailings a day," said Ana Ruiz, the ferry company\'s chief.\n\n'
        '"Fares will stay at 4 pounds until May."\n\n'
        "The harbour board will meet on Monday to set next year's budget of 2 million pounds.\n\n"
        '"Drivers should expect 20-minute queues at the port."\n'
    )
    found = extract(text).candidates
    assert _about(found, "4 pounds").claimant == "Ana Ruiz"  # her quotation carries on
    queues = _about(found, "20-minute queues")
    assert queues.claimant is None and queues.attribution == "unclear"


def test_a_contracted_auxiliary_is_a_finite_verb() -> None:
    found = extract("Ferry news\n\nThey'll keep the late boat on the timetable.\n").candidates
    assert [c.reasons for c in found] == [["fact"]]
