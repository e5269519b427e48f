"""Attribution: who made a claim, and which news organisation it came through.

The claimant is found in the sentence's own words, tried in this order: "according to
X"; the speaker of a quotation (<"...," said X, ROLE>, <X said: "...">, <"...", X, ROLE,
said>); a subject before a verb of saying ("X said/told/believes/notes ..."); a trailing
"..., X said". The phrase found is resolved through :class:`~claimtrack.extract.names.
Mentions`: "she", "Petrovic", "AP" and "the think tank" become the full name introduced
earlier, and a role given beside it ("Union leader Goran Ilić") is kept. Then the
conventions of news writing: "it was reported" stays unattributed; a further quotation
is the previous speaker's; "allegedly" carries on the previous sentence's claimant; and
a sentence with no claimant is the publication's own statement.

The carrier ("as quoted by AP", "told Reuters", "in a statement to X", "a report seen
by X") is any news organisation the sentence names as the channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from claimtrack.extract.names import kind_of, looks_like_name, split_role
from claimtrack.extract.vocabulary import (
    CARRY_ON,
    PASSIVE,
    ROLE_TITLES,
    SPEECH,
    SPEECH_VERBS,
    VERBS_OF_SAYING,
)

if TYPE_CHECKING:
    from claimtrack.extract.names import Kind, Mentions

_ACCORDING = re.compile(
    r"\baccording to\s+(?:a\s+(?:report|study|statement|survey|document|letter|analysis)"
    r"\s+(?:by|from)\s+)?(?P<who>[^,.;]+?)(?:\s+(?:seen|obtained|reviewed)\s+by\s+"
    r"(?P<via>[A-Z][^,.;]+))?(?=[,.;]|$)",
    re.IGNORECASE,
)
_QUOTED_BY = re.compile(
    r"\b(?:as\s+quoted\s+by|in\s+a\s+statement\s+to|in\s+an\s+interview\s+with|told|"
    r"speaking\s+to)\s+(?P<who>(?:the\s+)?[A-Z][\w'.&-]*(?:\s+[A-Z][\w'.&-]*)*)"
)
# A direct quotation of three characters or more; group 1 is what is quoted.
QUOTE = re.compile(r'"([^"]{3,})"')
_AFTER_QUOTE = re.compile(
    r'"\s*,?\s*(?:(?P<verb1>said|says|added|adds|told|wrote|explained|insisted|warned|'
    r'noted|stated)\s+(?P<who1>[^,."]+)|(?P<who2>[^,."]+?)\s+(?P<verb2>said|says|added|'
    r"adds|told|wrote|explained|insisted|warned|noted|stated))(?=[,.\s]|$)"
)
_SUBJECT_VERB = re.compile(
    rf"(?P<subject>(?:[\w'.-]+\s+){{0,7}}?[\w'.-]+)\s*,?\s+"
    rf"(?:has\s+|have\s+|had\s+)?(?P<verb>{VERBS_OF_SAYING})\b",
    re.IGNORECASE,
)
_TRAILING_SAID = re.compile(
    rf",\s*(?P<who>[^,\d]{{2,60}}?)\s+(?:(?:has|have|had)\s+)?"
    rf"(?:{VERBS_OF_SAYING})"
    r"(?:\s+(?:on|in|at|last|this)\b[^,.]*)?\.?$",
    re.IGNORECASE,
)
_TIME_TAIL = re.compile(
    r"\s+(?:on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"last\s+(?:week|month|year|night)|this\s+(?:week|month|year)|"
    r"in\s+(?:a|an)\s+(?:statement|email|interview|letter)|after\s+the\s+\w+|"
    r"on\s+\w+day)\b.*$",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r",\s*(?:who|which|whose)\b[^,]*,", re.IGNORECASE)
_LEADING_ROLE = re.compile(
    r"^(?P<role>(?:his|her|their|its)\s+[a-z ]+),\s*(?P<who>[^,]+)$", re.IGNORECASE
)
_CLAUSE_WORDS = re.compile(r"\b(who|which|that|whose)\b", re.IGNORECASE)
_NOT_A_ROLE = re.compile(r"^(?:as|in|on|at|to|from|according|after|before|citing)\b", re.IGNORECASE)
_DETERMINERS = re.compile(r"^(?:the|a|an|some|many|several|other)\s+", re.IGNORECASE)


Attribution = Literal["named", "unnamed", "unclear", "article"]
"""How a candidate's claimant was found: ``named`` (a person or body the article names),
``unnamed`` (a description standing for someone the article does not name: "a senior
official", "people familiar with the talks"; AP's rules ask for a reason), ``unclear``
(someone is speaking but the rules cannot tell who: the claimant is left empty rather
than guessed, since a wrong name is the worst outcome), ``article`` (the article's own
voice, or "it was reported": no claimant; the publisher is the reporter)."""


@dataclass
class Who:
    """A claimant as attributed: ``name`` None means nobody is named (see
    ``attribution``); ``kind`` None means it cannot be told ("a resident")."""

    name: str | None
    kind: Kind | None = None
    role: str | None = None
    attribution: Attribution = "named"


class Attributor:
    """Attributes the sentences of one article, in order, through its :class:`Mentions`
    (which it updates: a claimant named in full is introduced for later sentences)."""

    def __init__(self, mentions: Mentions) -> None:
        self.mentions = mentions

    def entity(self, phrase: str, role: str | None = None) -> Who:
        """The claimant a phrase names ("Union leader Goran Ilić", "she", "the think tank",
        "local residents"), with the role given beside it or in its title."""
        phrase = phrase.strip().strip(",").strip()
        phrase = _TIME_TAIL.sub("", phrase)
        phrase, found_role = split_role(phrase)
        role = role or found_role
        title = ROLE_TITLES.match(phrase)
        if title:
            role = role or title.group(0).strip()
            phrase = phrase[title.end() :]
        resolved = self.mentions.resolve(phrase)
        if resolved is not None:
            self.mentions.touch(resolved)
            if role and not resolved.role:
                resolved.role = role
            return Who(resolved.name, resolved.kind, role or resolved.role)
        cleaned = _DETERMINERS.sub("", phrase).strip()
        if not cleaned:
            return Who(None)
        if (
            cleaned[:1].isupper()
            and len(cleaned.split()) >= 2
            and not any(
                w.lower() in ("researchers", "members", "groups", "officials")
                for w in cleaned.split()[:1]
            )
        ):
            entity = self.mentions.add(cleaned, role=role)
            return Who(entity.name, entity.kind, role)
        return Who(cleaned, "organisation" if cleaned.lower().endswith("s") else None, role)

    def claimant(self, sentence: str) -> Who | None:
        """The claimant named in the sentence, or None when it names none."""
        according = _ACCORDING.search(sentence)
        if according:
            return self.entity(according.group("who"))
        quote = QUOTE.search(sentence)
        if quote:
            after = _AFTER_QUOTE.search(sentence, quote.end() - 1)
            if after:
                who = after.group("who1") or after.group("who2") or ""
                role = None
                appositive = re.match(
                    r"^\s*(?P<who>[^,]+),\s*(?P<role>[^,]{3,80})",
                    sentence[after.start("who1") if after.group("who1") else after.start("who2") :],
                )
                if appositive and after.group("who1"):
                    who, role = appositive.group("who"), appositive.group("role").strip()
                    role = _TIME_TAIL.sub("", role).strip() or None
                    if role and (_CLAUSE_WORDS.match(role) or _NOT_A_ROLE.match(role)):
                        role = None
                return self.entity(who, role)
            before = sentence[: quote.start()]
            lead = re.search(
                rf"(?P<who>[\w'. -]+?),?\s+(?:{SPEECH_VERBS}),?\s*:?\s*$", before, re.IGNORECASE
            )
            if lead:
                return self.entity(lead.group("who"))
            following = sentence[quote.end() :]
            tail = re.match(
                r"\s*,?\s*(?P<who>(?:Dr\.\s+)?[A-Z][^,]+?)(?:,\s*(?P<role>who [^,]+"
                r"|[^,]+),)?\s+(?:" + SPEECH_VERBS + r")\b",
                following,
            )
            if tail:
                role = tail.group("role")
                if role and role.startswith("who "):
                    role = None
                if role and not looks_like_name(tail.group("who")) and looks_like_name(role):
                    return self.entity(role, tail.group("who"))
                return self.entity(tail.group("who"), role)
        unclaused = _RELATIVE.sub("", sentence)
        match = _SUBJECT_VERB.search(unclaused)
        if match and match.start() > 0:
            trailing = _TRAILING_SAID.search(sentence)
            if trailing and not QUOTE.search(trailing.group("who")):
                return self.entity(trailing.group("who"))
        if match:
            subject = match.group("subject")
            subject = re.split(r"[,;:]\s*|\bthat\b|\bwhen\b|\bbut\b", subject)[-1].strip()
            if subject:
                leading = _LEADING_ROLE.match(subject)
                if leading:
                    return self.entity(leading.group("who"), leading.group("role"))
                words = subject.split()
                # A subject is a short noun phrase; a long run of words is a clause.
                if 1 <= len(words) <= 6 and words[0].lower() not in ("it", "this", "there"):
                    return self.entity(subject)
        trailing = _TRAILING_SAID.search(sentence)
        if trailing and not QUOTE.search(trailing.group("who")):
            return self.entity(trailing.group("who"))
        lead_role = re.match(
            r"^(?P<role>(?:His|Her|Their|Its)\s+[a-z ]+),\s*(?P<who>[A-Z][^,]+),"
            r"\s*(?:said|told|added|wrote)\b",
            sentence,
        )
        if lead_role:
            return self.entity(lead_role.group("who"), lead_role.group("role"))
        return None

    def attribute(
        self,
        sentence: str,
        *,
        previous: Who | None,
        quote_speaker: Who | None,
        continued: bool = False,
    ) -> Who:
        """Who made the claim in a sentence: the claimant it names; else, for a sentence
        that opens with a quotation or carries on one left open by the paragraph before
        (``continued``), ``quote_speaker`` (who was quoted last); else, for one that opens
        with "allegedly", ``previous`` (the last sentence's claimant). A sentence with a
        quotation or a verb of saying and none of these is ``unclear``; one without is
        the article's own voice, like "it was reported"."""
        if PASSIVE.search(sentence):
            return Who(None, attribution="article")
        quote = QUOTE.search(sentence)
        who = self.claimant(sentence)
        if who is not None and who.name is None:
            who = None
        opens_quote = sentence.startswith('"')
        if who is None and (continued or opens_quote) and quote_speaker is not None:
            who = quote_speaker  # a further quotation from the speaker just quoted
        if who is None and CARRY_ON.match(sentence) and previous is not None:
            who = previous
        if who is None:
            speaking = quote is not None or opens_quote or continued or SPEECH.search(sentence)
            return Who(None, attribution="unclear" if speaking else "article")
        return who

    def via(self, sentence: str) -> str | None:
        """A news organisation the sentence says it came through."""
        for match in _QUOTED_BY.finditer(sentence):
            entity = self.mentions.resolve(match.group("who")) or self.mentions.find(
                match.group("who")
            )
            if entity is not None and entity.kind == "media":
                return entity.name
            name = _DETERMINERS.sub("", match.group("who")).strip()
            if kind_of(name) == "media":
                return self.mentions.add(name, "media").name
        according = _ACCORDING.search(sentence)
        if according and according.group("via"):
            return self.entity(according.group("via")).name
        return None


def strip_attribution(sentence: str) -> str:
    """The sentence without its "according to X," or "..., X said." (capitalised again),
    for the claim's own wording; the sentence itself if nothing is left."""
    text = re.sub(r"^according to [^,]+,\s*", "", sentence, flags=re.IGNORECASE)
    text = re.sub(r",\s*according to [^,.]+\.$", ".", text, flags=re.IGNORECASE)
    text = _TRAILING_SAID.sub(".", text)
    text = text.strip()
    return text[:1].upper() + text[1:] if text else sentence
