"""Quantities in a sentence: the numbers a fact-checker checks, with what they count.

"at least a dozen entry bans" is the value 12, the qualifier "at least" and the thing
counted, "entry bans"; "tens of thousands" is a range with no single value; "$4.2
million" is 4,200,000; a year is a date and no quantity. The result has the shape of the
claim record's ``quantities`` (:class:`claimtrack.model.Quantity`), so that an accepted
candidate is stored as found. Numbers written as words are valued by ``text2num``,
imported on first use.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from claimtrack.extract.vocabulary import (
    MONTH_OR_DAY,
    MONTHS,
    NOT_COUNTED,
    QUALIFIERS,
    SCALES,
    VAGUE_AMOUNTS,
    YEAR,
)
from claimtrack.model import NUMBER_WORDS, number_fits

if TYPE_CHECKING:
    from claimtrack.model import Quantity

_QUANTITY = re.compile(
    rf"(?:\b(?P<qual>{QUALIFIERS})\s+)?"
    r"(?:"
    r"(?P<age>\d{1,3})-year-old"
    r"|(?P<money>[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|m|k)\b)?)"
    r"|(?P<vague>tens of thousands|hundreds of thousands|tens of millions|"
    r"hundreds of millions|dozens|hundreds|thousands|millions)"
    r"|(?P<dozen>(?:a|one|half a)\s+dozen)"
    r"|(?P<fraction>a (?:third|quarter|half)|one in (?:two|three|four|five|ten))"
    rf"|(?P<digits>\d[\d,]*(?:\.\d+)?)(?:\s?(?P<scale>million|billion|trillion)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    rf"|(?P<words>\b(?:{NUMBER_WORDS})(?:[\s-](?:and\s)?(?:{NUMBER_WORDS}))*\b)"
    r"(?:\s?(?P<wpct>percent\b|per cent\b))?"
    r")"
    r"(?P<currency>\s(?:euros?|dollars?|pounds?|dinars?|rubles?|roubles?))?",
    re.IGNORECASE,
)
_COUNTED = re.compile(
    r"^(?:\s*|-)(?:of\s+)?(?:(?:other|more|additional|the|its|their|his|her)\s+)*"
    r"([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)",
    re.IGNORECASE,
)
# A number that is part of a date ("Sept. 6", "6 September"), a time ("8:51 p.m.",
# "at 9 a.m.") or a name ("G7", "F-16", "Covid-19"): no count to check.
_MONTH_BEFORE = re.compile(rf"\b(?:{MONTHS})\.?\s*$", re.IGNORECASE)
_NOT_A_COUNT_AFTER = re.compile(
    rf"^(?::\d|\s*(?:[ap]\.?m\b\.?|o'clock\b|(?:{MONTHS})\b)|(?:st|nd|rd|th)\b)",
    re.IGNORECASE,
)


def _not_a_count(sentence: str, start: int, end: int) -> bool:
    """Whether the number at ``start:end`` is part of a date, a time or a name."""
    # Only the end of what comes before matters (every pattern is anchored at it): a
    # search of the whole prefix made a text with thousands of numbers quadratic.
    before = sentence[max(0, start - 64) : start]
    if before[-1:].isalpha() or re.search(r"[A-Za-z]-$|\d[:.]$|:$", before):
        return True  # "G7", "F-16", the minutes of "8:51"
    return bool(_MONTH_BEFORE.search(before) or _NOT_A_COUNT_AFTER.match(sentence[end:]))


def _words_value(words: str) -> float | None:
    """ "three hundred and forty-two" -> 342.0; None when the words are no number."""
    from text_to_num import text2num

    try:
        return float(text2num(words.lower().replace("-", " ").replace(" and ", " "), "en"))
    except ValueError:
        return None


def quantities(sentence: str) -> list[Quantity]:
    """The quantities in a sentence, in order of appearance.

    Each has every key of :class:`~claimtrack.model.Quantity`: ``text`` as written,
    ``value`` (a number, or None for a range), ``low`` and ``high`` (a range's bounds,
    else None), ``qualifier`` ("at least"; "approximately" for a vague amount) and
    ``counted`` (what is counted: "Russians", "percent", "euros", "years of age"; None
    when nothing follows). Whole numbers are ``int``. A number beyond what a record can
    hold (``model.number_fits``: 19 digits and more) is left out. Never raises.
    """
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(sentence):
        amount = _amount(match, sentence)
        if amount is None:
            continue  # a date, a time, a name, a year or a stray "one": no count
        value = amount.value
        if value is not None and not number_fits(value):
            continue  # more than a record can hold (model.MAX_NUMBER): no count to check
        if value is not None and value == int(value):
            value = int(value)
        found.append(
            {
                "text": match.group(0).strip(),
                "value": value,
                "low": amount.low,
                "high": amount.high,
                "qualifier": amount.qualifier,
                "counted": _counted(match, sentence),
            }
        )
    return found


class _Amount(NamedTuple):
    """How much a quantity says: a ``value``, or a range from ``low`` to ``high``."""

    value: float | None
    low: float | None
    high: float | None
    qualifier: str | None


def _amount(match: re.Match[str], sentence: str) -> _Amount | None:
    """The amount a match of ``_QUANTITY`` in ``sentence`` states, by the form it is
    written in (an age, money, a vague amount, a dozen, a fraction, digits, words);
    None when it is no count (see ``_number``)."""
    qualifier = (match.group("qual") or "").lower() or None
    if match.group("age"):
        return _Amount(float(match.group("age")), None, None, qualifier)
    if match.group("money"):
        return _Amount(_money(match.group("money")), None, None, qualifier)
    if match.group("vague"):
        low, high = VAGUE_AMOUNTS[match.group("vague").lower()]
        return _Amount(None, low, high, qualifier or "approximately")
    if match.group("dozen"):
        dozen = 6.0 if match.group("dozen").lower().startswith("half") else 12.0
        return _Amount(dozen, None, None, qualifier)
    if match.group("fraction"):
        return _Amount(_fraction(match.group("fraction")), None, None, qualifier)
    if match.group("digits") or match.group("words"):
        value = _number(match, sentence, qualifier)
        return None if value is None else _Amount(value, None, None, qualifier)
    return _Amount(None, None, None, qualifier)


def _money(raw: str) -> float:
    """ "$4.2 million" -> 4200000.0."""
    number = re.search(r"\d[\d,]*(?:\.\d+)?", raw)
    assert number is not None
    value = float(number.group().replace(",", ""))
    scale = re.search(r"(million|billion|trillion|bn|m|k)\b", raw[number.end() :])
    if scale:
        value *= SCALES[scale.group(1).lower()]
    return value


def _fraction(written: str) -> float | None:
    """ "a third" -> 0.3333, "one in five" -> 0.2 (to four places)."""
    fraction = written.lower()
    value = {"third": 1 / 3, "quarter": 0.25, "half": 0.5}.get(fraction.split()[-1])
    if fraction.startswith("one in"):
        value = 1 / (_words_value(fraction.split()[-1]) or 1)
    return round(value, 4) if value is not None else None


def _number(match: re.Match[str], sentence: str, qualifier: str | None) -> float | None:
    """The value of a number in digits ("1,200", "3.5 million") or in words ("forty-two");
    None for one that is part of a date, a time or a name, a bare year, a bare "one"
    ("one of the", "one day": rarely a count), or words that are no number."""
    if match.group("words"):
        words = match.group("words")
        if words.lower() == "one" and not qualifier:
            return None
        return _words_value(words)
    if not match.group("pct") and _not_a_count(
        sentence, match.start("digits"), match.end("digits")
    ):
        return None
    digits = match.group("digits").replace(",", "")
    if YEAR.fullmatch(digits) and not match.group("pct") and not qualifier:
        return None  # a year is a date, not a count
    value = float(digits)
    if match.group("scale"):
        value *= SCALES[match.group("scale").lower()]
    return value


def _counted(match: re.Match[str], sentence: str) -> str | None:
    """What a quantity counts: "years of age" for an age, "percent", the currency named
    after the number ("euros"), else the words that follow it ("entry bans"), if any."""
    if match.group("currency"):
        return match.group("currency").strip()
    if match.group("pct") or match.group("wpct"):
        return "percent"
    if match.group("age"):
        return "years of age"
    # The words right after it are all that is read: a slice of the whole rest, split,
    # made a text with thousands of numbers quadratic.
    after = sentence[match.end() : match.end() + 200]
    first = after.split(maxsplit=1)[:1]
    if first and first[0].lower() in NOT_COUNTED - {"of", "other", "more"}:
        return None  # "$1.03 on Monday": what follows is no count
    tail = _COUNTED.match(after)
    if not tail:
        return None
    counted = " ".join(
        w
        for w in tail.group(1).split()
        if w.lower() not in NOT_COUNTED and not MONTH_OR_DAY.fullmatch(w)
    )
    return counted or None
