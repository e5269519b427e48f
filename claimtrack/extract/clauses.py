"""The grammar of attribution, by pattern: verbs of saying and the clauses they govern.

What :mod:`~claimtrack.extract.attribution` reads a sentence with, before it asks who a
phrase names: which words are verbs of saying used as verbs (not "reports" as a noun,
not a verb inside a quotation), whether one sits in a subordinate "while" clause, where
the last clause starts, whether an appositive reads as a role, and the sentence with
its attribution wrapper cut off for the claim's wording.
"""

from __future__ import annotations

import re

from claimtrack.extract.vocabulary import (
    MORE_VERBS_OF_SAYING,
    NOUN_OR_VERB,
    PRONOUNS,
    ROLE_NOUNS,
    SAYING_PARTICIPLES,
    VERBS_OF_SAYING,
)

_TRAILING_SAID = re.compile(
    rf",\s*(?P<who>[^,\d]{{2,60}}?)\s+(?:(?:has|have|had)\s+)?"
    rf"(?:{VERBS_OF_SAYING})"
    r"(?:\s+(?:on|in|at|last|this)\b[^,.]*)?\.?$",
    re.IGNORECASE,
)

TIME_TAIL = re.compile(
    r"\s+(?:on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"last\s+(?:week|month|year|night)|this\s+(?:week|month|year)|"
    r"in\s+(?:a|an)\s+(?:statement|email|interview|letter)|after\s+the\s+\w+|"
    r"on\s+\w+day)\b.*$",
    re.IGNORECASE,
)

# A noun of saying given by a verb of giving ("published an update", "issued a statement",
# "made the claim"): the subject before it is the speaker, as AP's "said" would be.
REPORTING_NOUN = re.compile(
    r"\b(?:gave|given|give|gives|issued|issues|issue|released|releases|published|"
    r"shared|shares|share|provided|provides|made|makes|put\s+out|sent\s+out)\s+"
    r"(?:a|an|the|its|their|his|her|this|new)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:update|statement|warning|claim|announcement|assurance|briefing|notice|pledge|"
    r"promise|prediction|list|response|reply|comment)s?\b",
    re.IGNORECASE,
)
# A relative clause without "that" before a verb ("the figures the letter listed"):
# the subject of the verb is the second noun phrase.
CONTACT_CLAUSE = re.compile(
    r"^(?:the|a|an|these|those)\s+[a-z-]+\s+(?P<who>(?:the|a|an|its|their)\s+.+)$",
    re.IGNORECASE,
)
_CLAUSE_WORDS = re.compile(r"\b(who|which|that|whose)\b", re.IGNORECASE)
_NOT_A_ROLE = re.compile(r"^(?:as|in|on|at|to|from|according|after|before|citing)\b", re.IGNORECASE)

VERB = re.compile(
    rf"\b(?:{VERBS_OF_SAYING}|{MORE_VERBS_OF_SAYING}|{SAYING_PARTICIPLES})\b", re.IGNORECASE
)
PARTICIPLE_SET = frozenset(SAYING_PARTICIPLES.split("|"))
CORE_SET = frozenset(VERBS_OF_SAYING.split("|"))

# A verb of saying in a clause that opens with one of these is not the governing one:
# "Prices rose, while the union said ..." leaves the main clause's claimant unknown.
_SUBORDINATE = re.compile(
    r"(?:^|[,;]\s*|\s)(?:while|whereas|although|though)\s+[^,;:\"]*$",
    re.IGNORECASE,
)

# "Ana Ruiz and her family", "Roe and his colleagues": the one named speaks for them.
AND_THEIRS = re.compile(r"\s+and\s+(?:his|her|their)\s+[a-z]+$")


def verbs_in(sentence: str) -> list[re.Match[str]]:
    """The verbs of saying in a sentence used as verbs, last first (outside quotations
    first: a quotation's own "said" is not the attribution of the sentence)."""
    found: list[re.Match[str]] = []
    quoted = quoted_spans(sentence)
    for match in VERB.finditer(sentence):
        if any(start < match.start() < end for start, end in quoted):
            continue
        if match.start() > 0 and match.group(0)[:1].isupper():
            continue  # "the United States", "Consumer Reports": a name, not a verb
        word = match.group(0).lower()
        if word in NOUN_OR_VERB:
            previous = sentence[: match.start()].split()[-1:] or [""]
            following = sentence[match.end() :].lstrip()[:1]
            prev = previous[0].strip(",")
            determiner = prev.lower() in ("the", "a", "an", "this", "that", "its", "his", "her")
            speaker_before = (
                (prev[:1].isupper() and not determiner)
                or prev.lower() in PRONOUNS
                or (
                    prev.lower().endswith("s") and prev.lower() not in ("its", "this", "has", "was")
                )
            )
            if (
                not speaker_before
                and following not in (",", '"', ":")
                and not re.match(r"\s*that\b", sentence[match.end() :])
            ):
                continue
        found.append(match)
    return list(reversed(found))


def subordinate(sentence: str, verb: re.Match[str]) -> bool:
    """Whether a verb of saying sits in a "while" or "although" clause after a main
    clause of four words or more, so that its speaker does not govern the sentence."""
    if verb.group(0).lower() in PARTICIPLE_SET:
        return False  # "..., while saying ...": the sentence's subject says it
    before = sentence[: verb.start()]
    found = _SUBORDINATE.search(before)
    return found is not None and len(before[: found.start()].split()) >= 4


def quoted_spans(sentence: str) -> list[tuple[int, int]]:
    """Where the quotations are; one left open runs to the end of the sentence."""
    spans = [(m.start(), m.end()) for m in re.finditer(r'"[^"]*"', sentence)]
    if sentence.count('"') % 2 == 1:
        spans.append((sentence.rindex('"'), len(sentence)))
    return spans


def last_clause(text: str) -> str:
    """The words after the last clause boundary ("that", "when", ";", ":", "--")."""
    parts = re.split(
        r"[;:]\s*|\s--?\s|\s[\u2014\u2013]\s|\b(?:that|when|because|as|while|"
        r"if|after|before|and|but|where|who|which)\s+",
        text,
    )
    return parts[-1].strip() if parts else text


def role_like(text: str) -> bool:
    """Whether an appositive reads as a role ("the party's leader", "an economist at
    X", "then her private secretary"), not a clause."""
    text = text.strip()
    if not text or _CLAUSE_WORDS.match(text) or _NOT_A_ROLE.match(text):
        return False
    return bool(ROLE_NOUNS.search(text)) or bool(
        re.match(r"^(?:the|a|an|his|her|their|its|then|now|former)\b", text, re.IGNORECASE)
    )


def has_name(phrase: str) -> bool:
    """Two capitalised words in a row after the first word: a name inside a description."""
    return bool(re.search(r"\s[A-Z][\w'-]*\s+[A-Z]", phrase))


def speaker_phrase(phrase: str) -> str:
    """A phrase that may name a speaker, without its quotes, punctuation, trailing time
    ("on Monday"), leading conjunction ("and", "but") or "and their ..." tail."""
    phrase = phrase.strip().strip(",").strip().strip('"').strip().rstrip(".")
    phrase = TIME_TAIL.sub("", phrase).strip()
    phrase = re.sub(
        r"^(?:and|but|so|yet|while|as|or|however|still|meanwhile|instead)\s+",
        "",
        phrase,
        flags=re.I,
    )
    return AND_THEIRS.sub("", phrase)


def strip_attribution(sentence: str) -> str:
    """The sentence without its "according to X," or "..., X said." (capitalised again),
    for the claim's own wording; the sentence itself if nothing is left."""
    text = re.sub(r"^according to [^,]+,\s*", "", sentence, flags=re.IGNORECASE)
    text = re.sub(r",\s*according to [^,.]+\.$", ".", text, flags=re.IGNORECASE)
    text = _TRAILING_SAID.sub(".", text)
    text = text.strip()
    return text[:1].upper() + text[1:] if text else sentence


# "from Monday we here at Quayside Lido", "we at Quay Cafe": the body a
# quotation in the first person plural speaks for.
_WE_AT = re.compile(
    r"\b(?:we|us|our)\b[^\"]*?\b(?:here\s+at|we\s+at|us\s+at|all\s+of\s+us\s+at)\s+"
    r"(?P<name>(?:the\s+)?[A-Z][\w'&.-]*(?:\s+(?:of\s+|for\s+)?[A-Z][\w'&.-]*){0,5})"
)


def first_person_body(sentence: str) -> str | None:
    """The body a quotation in the first person plural names as "here at X" or "we at
    X" ("From Monday we here at Quayside Lido will open 2 lanes"): a statement issued by X, as a
    business or a club words one; None when it names none."""
    quoted = re.match(r'\s*"([^"]*)', sentence)
    found = _WE_AT.search(quoted.group(1)) if quoted else None
    return found.group("name") if found else None
