"""extract on layouts where the structure names the speaker, or the paste broke the text
(issue 28, item 2).

Every article here is written for these tests, in the style of a kind of copy: a Q&A
with speaker labels, a round-up with one expert per section heading, a release with a
transcript under "Remarks of", a live blog with time stamps, a list that lost its
bullets, a byline run into the body, copy wrapped into two lines, e-mail quoting and a
one-line paste without its last full stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimtrack.extract import extract
from claimtrack.extract.layout import read_layout
from claimtrack.extract.text import normalise, paragraphs
from tests.helpers import ARTICLES, article_candidates, the_candidate

if TYPE_CHECKING:
    pass


_candidates = article_candidates
_about = the_candidate


def test_speaker_labels_give_each_answer_its_speaker() -> None:
    found = _candidates("qa-speaker-labels.txt")
    assert _about(found, "14 sailings a day").claimant == "Tamsin Okafor"
    assert _about(found, "fell by a fifth").claimant == "Dev Halloran"
    # An answer runs on over an unlabelled paragraph, until the next question.
    assert _about(found, "The Sunday service starts").claimant == "Tamsin Okafor"
    assert _about(found, "9,000 season tickets").claimant == "Dev Halloran"
    # The label is not part of the claim.
    assert not any(c.sentence.startswith(("Tamsin:", "Dev:")) for c in found)


def test_a_label_used_once_and_never_introduced_is_no_speaker() -> None:
    text = (
        "Ferry fares to rise\n\nThe harbour board met on Monday to set next year's fares.\n\n"
        "Warning: fares will rise by 8 percent in April, the board said.\n\n"
        "Harbour Board: the board approved 3 new routes on Monday.\n"
    )
    found = extract(text).candidates
    assert _about(found, "8 percent").claimant == "board"
    assert _about(found, "3 new routes").claimant is None


def test_a_section_under_a_name_and_role_heading_is_that_persons() -> None:
    found = _candidates("roundup-name-headings.txt")
    assert _about(found, "fall by a third").claimant == "Oskar Lindqvist"
    assert _about(found, "12 per cent more canola").claimant == "Oskar Lindqvist"
    assert _about(found, "18 per cent in 2024").claimant == "Rui Okonkwo"
    # The introduction above the first heading is the article's own.
    assert _about(found, "We asked three forecasters").claimant is None


def test_a_role_line_whose_name_heading_was_lost_ends_the_section() -> None:
    text = (
        "Two views on rents\n\nAna Ruiz\n\nChief economist, Harbor Bank - Portvale\n\n"
        "Rents rose 6 per cent in 2024 and will rise again.\n\n"
        "Senior analyst, Quay Research - Northgate\n\n"
        "Vacancies fell to 2 per cent in the city last year.\n"
    )
    found = extract(text).candidates
    assert _about(found, "Rents rose 6 per cent").claimant == "Ana Ruiz"
    assert _about(found, "Vacancies fell").claimant is None  # not Ana Ruiz


def test_a_name_over_a_reporters_line_is_a_byline_not_a_speaker() -> None:
    text = (
        "Rents rise again\n\nJane Roe\n\nStaff reporter, The Portvale Courier\n\n"
        "Rents rose 6 per cent in 2024, the highest rise in a decade.\n"
    )
    assert _about(extract(text).candidates, "6 per cent").claimant is None


def test_remarks_of_a_speaker_make_the_transcript_theirs() -> None:
    found = _candidates("remarks-transcript.txt")
    assert _about(found, "212 children").claimant == "Nadia Ferreira"
    assert _about(found, "600 crossing guards").claimant == "Nadia Ferreira"
    # The release's own introduction, above the remarks, is the issuer's voice.
    intro = [c for c in found if "crossing guard at every primary school" in c.sentence]
    assert all(c.claimant is None for c in intro)


def test_a_live_blog_entry_starts_afresh() -> None:
    found = _candidates("liveblog-timestamps.txt")
    assert _about(found, "refunded in full").claimant == "Gwen Talbot"
    # A quotation in the next entry is not the last entry's speaker's.
    drivers = _about(found, "Drivers should stay at home")
    assert drivers.claimant is None and drivers.attribution == "unclear"
    assert not any(c.sentence.startswith(("09:", "10:")) for c in found)


def test_a_time_stamp_before_the_entrys_text_is_cut_off() -> None:
    text = (
        "Budget day live\n\n11:02 The finance minister said taxes on fuel would rise by "
        "2 percent in June.\n\n11:30 Ana Ruiz, who leads the opposition, said 40,000 jobs "
        "were at risk.\n"
    )
    found = extract(text).candidates
    assert [c.sentence[:9] for c in found] == ["The finan", "Ana Ruiz,"]
    assert found[1].claimant == "Ana Ruiz"


def test_a_list_that_lost_its_bullets_is_read_as_items() -> None:
    layout = read_layout(paragraphs(normalise((ARTICLES / "liveblog-timestamps.txt").read_text())))
    items = [layout.blocks[n].text for n in sorted(layout.items)]
    assert items == [
        "All primary schools in the harbour district",
        "Both leisure centres",
        "The library on Quay Street",
    ]


def test_lost_bullets_after_a_speaker_are_the_speakers() -> None:
    text = (
        "Council sets out cuts\n\nThe council's finance chief, Omar Haddad, said on Monday:\n\n"
        "Two of the 5 libraries will close in May\n\n"
        "Bus passes will cost 20 percent more\n\n"
        "The Portvale Courier will report on the vote next week.\n"
    )
    found = extract(text).candidates
    assert _about(found, "5 libraries").claimant == "Omar Haddad"
    assert _about(found, "20 percent more").claimant == "Omar Haddad"


def test_a_byline_run_into_the_body_is_split_from_it() -> None:
    text = (
        "Bridge to close for repairs\nBy Jane Roe The city will close the Elm Street bridge "
        "for 6 weeks from May, the transport department said on Tuesday. Repairs will cost "
        "$4 million, according to the department.\n"
    )
    found = extract(text).candidates
    assert _about(found, "6 weeks").claimant == "transport department"
    assert _about(found, "$4 million").claimant == "transport department"
    assert not any("Jane Roe" in c.sentence for c in found)


def test_a_paragraph_wrapped_into_two_lines_is_one_paragraph() -> None:
    text = (
        "Water bills to rise\nBy Jane Roe\n\n"
        "Water bills in the county will rise by 9 percent in April, Harbor Water\n"
        "said on Thursday.\n\n"
        "The average household pays about 400 pounds a year, according to\n"
        "Harbor Water, and will pay 36 pounds more.\n"
    )
    found = extract(text).candidates
    assert _about(found, "9 percent").claimant == "Harbor Water"
    assert _about(found, "400 pounds").claimant == "Harbor Water"
    assert len(found) == 2


def test_e_mail_quoting_marks_are_not_part_of_the_text() -> None:
    text = (
        "> Ferry fares to rise\n>\n> The harbour board said on Monday that fares would "
        'rise by 8\n> percent in April.\n>\n> "We held them for 3 years," said Ana Ruiz, '
        "the board's chair.\n"
    )
    found = extract(text).candidates
    assert _about(found, "8 percent").claimant == "harbour board"
    assert _about(found, "3 years").claimant == "Ana Ruiz"
    assert not any(">" in c.sentence for c in found)


def test_a_one_line_paste_without_a_final_full_stop_is_the_story() -> None:
    found = extract("The harbour board said fares would rise by 8 percent in April").candidates
    assert len(found) == 1 and found[0].claimant == "harbour board"
    text = (
        "The harbour board said fares would rise by 8 percent in April. Ana Ruiz, its chair, "
        "said 3 new routes would open in May. The board meets again in June"
    )
    result = extract(text)
    assert result.headline is None
    assert [c.claimant for c in result.candidates][:2] == ["harbour board", "Ana Ruiz"]


def test_a_live_blog_entry_heading_names_the_speaker_of_its_quotations() -> None:
    text = (
        "Storm live: the coast shuts down\n\n"
        "14:05 Jo Kerr\n\n"
        "Harbor Town Council says all 12 beaches will close at noon.\n\n"
        "13:50 Jo Kerr\n\n"
        "Riverside Leisure Centre - closed 'until further notice' from tonight\n\n"
        '"It is with regret that we close our doors at 10pm tonight after 4 good months.\n\n'
        '"All 300 memberships will be extended by a month.\n\n'
        "13:20 Jo Kerr\n\n"
        "Ferry link to stop at 6pm\n\n"
        '"The last crossing will leave at 6pm and 2 more will be cancelled.\n'
    )
    found = extract(text).candidates
    assert _about(found, "300 memberships").claimant == "Riverside Leisure Centre"
    assert _about(found, "close our doors").claimant == "Riverside Leisure Centre"
    # A heading with no name before a dash gives the next entry's quotation nobody.
    assert _about(found, "last crossing").attribution == "unclear"


def test_a_list_after_a_semicolon_line_is_the_lines_speakers() -> None:
    # "The figures the letter listed ...;": a paragraph ends in a semicolon only before a
    # list, and the subject of a relative clause without "that" is the one who listed.
    found = _candidates("liveblog-lists.txt")
    assert _about(found, "the letter listed").claimant == "letter"
    # Items of two sentences, and with a quotation inside, are items all the same.
    assert _about(found, '14 "red zone" streets').claimant == "letter"
    assert _about(found, "Most of them are in the lower town").claimant == "letter"
    assert _about(found, "85 percent").claimant == "letter"
    # A sub-heading after items with full stops ends the list.
    assert _about(found, "ring road will shut two hours").claimant is None


def test_a_list_after_an_update_is_the_bodys_that_gave_it() -> None:
    # "X published an update ...": a noun of saying after a verb of giving makes X the
    # speaker, and "Among the changes are:" hands its list to the sentence before.
    found = _candidates("liveblog-lists.txt")
    assert _about(found, "published an update").claimant == "Marlow Bay Council"
    assert _about(found, "order and pick up").claimant == "Marlow Bay Council"
    assert _about(found, "Both swimming pools").claimant == "Marlow Bay Council"
    assert _about(found, "Recycling centres").claimant == "Marlow Bay Council"


def test_a_claim_made_on_the_radio_is_the_speakers() -> None:
    found = _candidates("liveblog-lists.txt")
    assert _about(found, "made the claim").claimant == "Ines Calloway"


def test_they_in_an_entry_is_the_body_its_headline_is_about() -> None:
    found = _candidates("liveblog-lists.txt")
    assert _about(found, "40 lifeguards").claimant == "The Lido"
    # A storm in the headline does nothing a body does: "they" stays unknown.
    assert _about(found, "90 km/h").claimant is None


def test_a_three_word_intro_over_lost_bullets_still_names_their_speaker() -> None:
    text = (
        "Flood figures\n\nThe Harbor Water Board wrote to the council on Sunday.\n\n"
        "The letter warned:\n\n"
        "River levels will pass 3 metres by Friday.\n\n"
        "Pumps will run at 90 percent of capacity.\n"
    )
    found = extract(text).candidates
    assert _about(found, "3 metres").claimant == "letter"
    assert _about(found, "90 percent").claimant == "letter"
