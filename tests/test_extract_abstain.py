"""extract: where the rules abstain (issue 28, second round) rather than name the wrong
speaker, one made-up case each.

Every sentence here is written for these tests; the dev sets only measure. A claim pinned
on someone who did not make it is the worst outcome, so a pronoun or a description that
could mean a place, a carrier or a second speaker gives ``unclear``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from claimtrack.extract import extract
from tests.helpers import story_of, the_candidate

if TYPE_CHECKING:
    from claimtrack.extract import Candidate


def _about(text: str, words: str) -> Candidate:
    return cast("Candidate", the_candidate(extract(text).candidates, words))


_story = story_of


def test_it_is_not_a_country_named_last() -> None:
    text = _story(
        "A cargo plane crashed in the hills on Monday, killing 4 crew members.",
        "The aircraft belonged to the air force of the United Federated States.",
        "It did not give the cause and said it would name the crew on Friday.",
    )
    found = _about(text, "name the crew")
    assert found.claimant != "United Federated States"
    assert found.attribution == "unclear"


def test_it_is_still_a_body_its_name_shows() -> None:
    text = _story(
        "The Harbor Water Board raised prices by 12 percent in March.",
        "It said the rise would pay for 3 new pumps.",
    )
    assert _about(text, "3 new pumps").claimant == "Harbor Water Board"


def test_they_is_not_a_district_named_before() -> None:
    text = _story(
        "Two fishermen found a body on the shore of Lake District Four on Sunday.",
        "Police have questioned both men, and a boat was seen at 2am.",
        "They claimed that they heard 2 engines shortly after.",
    )
    found = _about(text, "heard 2 engines")
    assert found.claimant != "Lake District Four"
    assert found.attribution == "unclear"


def test_they_is_the_group_that_just_spoke() -> None:
    text = _story(
        "Two fishermen found a body on the shore of Lake District Four on Sunday.",
        "The men told police that they had seen a boat at 2am.",
        "They claimed that they heard 2 engines shortly after.",
    )
    found = _about(text, "heard 2 engines")
    assert (found.claimant, found.attribution) == ("The men", "unnamed")


def test_the_paper_is_the_newspaper_quoted_not_the_agency_that_carried_it() -> None:
    text = (
        "North land paper attacks neighbour\n\n"
        "PORTVALE, May 3 (Harbor News Agency) -- A state newspaper in the north attacked "
        "its neighbour on Tuesday over 2 border posts.\n\n"
        '"The posts are an act of war," the Morning Torch said in a commentary.\n\n'
        "The paper also said the posts had been built in 2019, in breach of a treaty.\n"
    )
    found = _about(text, "built in 2019")
    assert found.claimant != "Harbor News Agency"
    assert found.attribution == "unclear"


def test_the_paper_is_a_newspaper_quoted_before() -> None:
    text = _story(
        "The Valley Gazette said on Monday that 40 jobs would go at the mill.",
        "The paper said the mill had lost 2 contracts in May.",
    )
    assert _about(text, "lost 2 contracts").claimant == "Valley Gazette"


def test_a_second_speaker_after_and_makes_the_sentence_unclear() -> None:
    text = _story(
        "Police arrested 2 men after a fire destroyed a barn at Mill Farm on Friday.",
        "Neighbours said that the barn had been empty for 3 years, and farmer Joe Platt "
        "told reporters that the men had set it alight at night.",
    )
    found = _about(text, "empty for 3 years")
    assert found.attribution == "unclear"
    assert found.claimant is None


def test_words_inside_a_speakers_clause_stay_the_outer_speakers() -> None:
    text = _story(
        "Mara Quist, head of the port, said on Monday that 12 ships were waiting.",
        "Quist said that Tom Bly had told her the cranes would be fixed within 2 weeks.",
    )
    assert _about(text, "within 2 weeks").claimant == "Mara Quist"


def test_an_unresolved_pronoun_does_not_hand_its_words_to_a_name_inside_them() -> None:
    text = _story(
        "Two hikers were rescued from Pine Ridge on Sunday after 3 nights outdoors.",
        "They claimed that Ezra Lund had told them to wait by the river for 2 days.",
    )
    found = _about(text, "by the river")
    assert found.claimant != "Ezra Lund"
    assert found.attribution == "unclear"


def test_a_trailing_speaker_still_governs_the_sentence() -> None:
    text = _story(
        "Ada Kim, the mayor, opened the new bridge on Monday.",
        "Kim believed the bridge had cost 4 million dollars, her deputy Sam Ortiz said.",
    )
    assert _about(text, "4 million").claimant == "Sam Ortiz"


def test_a_named_speaker_after_an_unnamed_groups_clause_is_not_the_claimant() -> None:
    text = _story(
        "Ezra Lund, 40, went hunting on Friday with 2 carters from the valley.",
        "The carters claimed that he was still alive and in pain and they carried him "
        "out but along the way, Lund allegedly told them that he could not go on.",
    )
    found = _about(text, "still alive")
    assert found.claimant != "Ezra Lund"
    assert found.attribution == "unclear"


def test_a_quotation_after_a_paraphrase_is_the_paraphrased_speakers() -> None:
    text = _story(
        '"We saw 2 boats at midnight," the deckhands Omar Pell and Lee Sato said.',
        "Speaking on Monday, the fisherman's brother, Ravi Dass said that he had left "
        'home at 8pm. "He took the boat out on Friday and fished all his life." Dass '
        "told this newspaper.",
    )
    found = _about(text, "fished all his life")
    assert found.claimant == "Ravi Dass"


def test_a_quotation_paragraph_after_a_paraphrase_is_the_paraphrased_speakers() -> None:
    text = _story(
        '"The pumps failed at 3am," said Tom Bly, the harbour master.',
        "Publicans' spokeswoman Nora Finch said that 40 bars would shut on Monday.",
        '"We have followed every rule and 300 staff will lose their jobs."',
    )
    assert _about(text, "300 staff").claimant == "Nora Finch"


def test_a_name_with_and_inside_is_read_whole_not_cut_to_its_last_word() -> None:
    text = _story(
        "The bill would let police read the records of 3 million callers.",
        "But, as the Senate Committee on Trade and Industry has pointed out, it would "
        "also be used to find a reporter's sources.",
    )
    found = _about(text, "pointed out")
    assert found.claimant == "Senate Committee on Trade and Industry"


def test_two_bodies_joined_by_and_still_speak() -> None:
    text = _story(
        "A supply rocket broke up over the sea on Tuesday with 2 tonnes of cargo.",
        "Both Orbitex and Skyward said the loss would not delay the next 3 launches.",
    )
    found = _about(text, "next 3 launches")
    assert found.attribution == "named"
    assert found.claimant == "Skyward"


def test_the_group_described_before_speaks_as_the_group() -> None:
    text = _story(
        "Two carters have since claimed that they heard 2 shots on the ridge.",
        "The carters told police that while they were resting on Sunday the horse bolted.",
        "The men alleged that around 11pm they heard a third shot.",
    )
    carters = _about(text, "horse bolted")
    assert (carters.claimant, carters.attribution) == ("The carters", "unnamed")
    men = _about(text, "third shot")
    assert (men.claimant, men.attribution) == ("The men", "unnamed")


def test_the_relative_clause_of_an_owner_is_not_the_subject() -> None:
    # "The mother of a man who ..." speaks; "a man who ..." is not the subject.
    text = _story(
        "The mother of a man who bought 2 boats online has described how her son was "
        "treated at the harbour clinic."
    )
    assert _about(text, "2 boats").claimant != "a man"


def test_an_author_line_under_the_headline_is_the_byline() -> None:
    text = (
        "Harbour streets renamed\nAuthor Ben Moss\nDate 19.01.2024\n\n"
        "The city is renaming 2 streets this year, the council said.\n\n"
        "The project will involve 5 years of events across the city.\n"
    )
    found = _about(text, "5 years of events")
    assert found.claimant is None
