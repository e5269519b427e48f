from __future__ import annotations

import pytest

from claimtrack import ids
from claimtrack.errors import Ambiguous, NotFound


def test_new_ids_are_long_random_and_in_alphabet() -> None:
    made = {ids.new_id() for _ in range(2000)}
    assert len(made) == 2000
    for record_id in made:
        assert len(record_id) == ids.ID_LENGTH
        assert set(record_id) <= set(ids.ALPHABET)
    # Random, not time-ordered: short prefixes spread over the alphabet.
    assert len({record_id[0] for record_id in made}) == len(ids.ALPHABET)


def test_a_derived_id_is_the_same_in_every_release() -> None:
    """An imported record's ID is made from its key (a ClaimReview's URL): a later
    release that wrote it otherwise would add again what an earlier import added. The
    value below is what the first release with ``derived`` made."""
    made = ids.derived("claimreview:https://example.org/review/1")
    assert made == "7tppr3gjqqv8q8wz"
    assert ids.is_id(made)
    assert ids.derived("claimreview:https://example.org/review/2") != made


def test_resolve_exact_prefix_ambiguous_and_missing() -> None:
    known = ["abc1234xyz", "abc9999xyz", "def0000aaa"]
    assert ids.resolve("def", known, "claim") == "def0000aaa"
    assert ids.resolve("ABC1", known, "claim") == "abc1234xyz"
    assert ids.resolve("abc9999xyz", known, "claim") == "abc9999xyz"
    with pytest.raises(Ambiguous) as ambiguous:
        ids.resolve("abc", known, "claim")
    assert "abc1234" in ambiguous.value.message and "abc9999" in ambiguous.value.message
    with pytest.raises(NotFound):
        ids.resolve("zzz", known, "claim")
    with pytest.raises(NotFound):
        ids.resolve("  ", known, "claim")


def test_unique_prefix_length_grows_only_when_needed() -> None:
    assert ids.unique_prefix_length(["aaaaaaaaaa", "bbbbbbbbbb"]) == 7
    assert ids.unique_prefix_length(["abcdefgh1", "abcdefgh2"]) == 9
    assert ids.unique_prefix_length([]) == 7
