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

from claimtrack.extract.clauses import (
    AND_THEIRS,
    CONTACT_CLAUSE,
    CORE_SET,
    PARTICIPLE_SET,
    REPORTING_NOUN,
    TIME_TAIL,
    VERB,
    first_person_body,
    has_name,
    last_clause,
    role_like,
    speaker_phrase,
    subordinate,
    verbs_in,
)
from claimtrack.extract.names import gender_of, kind_of, split_role
from claimtrack.extract.vocabulary import (
    CARRY_ON,
    DOCUMENT_VERBS,
    NOT_PERSON_WORDS,
    NOUN_OR_VERB,
    ORG_WORDS,
    PASSIVE,
    PRONOUNS,
    ROLE_NOUNS,
    ROLE_TITLES,
    SPEECH,
    UNNAMED,
)

if TYPE_CHECKING:
    from claimtrack.extract.names import Entity, Kind, Mentions

_ACCORDING = re.compile(
    r"\baccording to\s+(?:a\s+(?:report|study|statement|survey|document|letter|analysis)"
    r"\s+(?:by|from)\s+)?(?P<who>[^,.;]+?)(?:\s+(?:seen|obtained|reviewed)\s+by\s+"
    r"(?P<via>[A-Z][^,.;]+))?(?=[,.;\u2013\u2014]|\s--?\s|$)",
    re.IGNORECASE,
)
# "a paper published in the journal Ocean Letters": the journal is the source.
_PUBLISHED_IN = re.compile(
    r"\bpublished\s+(?:on\s+\w+\s+)?in\s+(?:the\s+)?(?:(?:scientific|medical|academic)\s+)?"
    r"journal\s+(?P<name>[A-Z][\w&.'-]*(?:\s+(?:of\s+|for\s+)?[A-Z][\w&.'-]*)*)"
)
# A capitalised name after "according to" ("the United Provinces Relief Office"): a
# source, though its words may be a place's.
_PROPER = re.compile(r"[A-Z][\w&.'-]*(?:\s+(?:of\s+|for\s+|the\s+)?[A-Z][\w&.'-]*)*")
# "the Harbor Board's members": a body the sentence names as an owner, which a later "its"
# in the sentence means.
_OWNER_NAMED = re.compile(r"(?P<name>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)+)'s?\s")
_QUOTED_BY = re.compile(
    r"\b(?:as\s+quoted\s+by|in\s+a\s+statement\s+to|in\s+an\s+interview\s+with|told|"
    r"speaking\s+to)\s+(?P<who>(?:the\s+)?[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*)"
)
# A direct quotation of three characters or more; group 1 is what is quoted.
QUOTE = re.compile(r'"([^"]{3,})"')
_AFTER_QUOTE = re.compile(
    r'"\s*,?\s*(?:(?P<verb1>said|says|added|adds|told|wrote|explained|insisted|warned|'
    r'noted|stated)\s+(?P<who1>[^,."]+)|(?P<who2>[^,."]+?)\s+(?P<verb2>said|says|added|'
    r"adds|told|wrote|explained|insisted|warned|noted|stated))(?=[,.\s]|$)"
)
# Where a sentence goes on to a second, coordinate clause (a second speaker's).
_COORDINATED = re.compile(r"\s(?:and|but)\s|;", re.IGNORECASE)
# "of/on/for" + capitalised words + "and" before a subject: the subject is the tail of
# one name ("Department of Health and Human Services"), unlike "Roscosmos and NASA".
_NAME_CUT_AT_AND = re.compile(r"\b(?:of|on|for)\s+(?:[A-Z][\w'-]*\s+){1,3}(?:and|&)\s*$")
_WHOLE_NAME_AT_AND = r"(?:[A-Z][\w-]*\s+)+(?:of|on|for)\s+(?:[A-Z][\w'-]*\s+){1,3}(?:and|&)\s+"
# A title of a work in quotation marks, after the noun that says so.
_TITLE = re.compile(
    r"(\b(?:book|article|essay|report|film|song|album|paper|study|column|novel|play)\s)"
    r'"((?:[A-Z0-9][\w\'-]*|a|an|the|of|for|and|in|on|to)(?:\s+(?:[A-Z0-9][\w\'-]*|a|an|'
    r'the|of|for|and|in|on|to))*)(,?)"'
)
# "condemned the plan and said", "is shutting, and has said": a second verb of the
# sentence's own subject.
_AND_VERB = re.compile(r"\band\s+(?:also\s+)?(?:(?:has|have|had)\s+(?:also\s+)?)?$")
# "Seafront favourite The Anchor Tavern": a description, then the name it describes.
_DESCRIBED_NAME = re.compile(
    r"^[A-Z][a-z'-]+\s+(?:[a-z-]+\s+){1,3}(?P<name>(?:The\s+)?[A-Z][\w'&.-]*"
    r"(?:\s+[A-Z][\w'&.-]*)*)\s+(?:will|has|have|had|is|are|was|were|said|says)\b"
)
_RELATIVE = re.compile(r",\s*(?:who|which|whose)\b[^,]*,", re.IGNORECASE)
_DETERMINERS = re.compile(r"^(?:the|a|an|some|many|several|other)\s+", re.IGNORECASE)


# A Who of this kind is a document or data set, which a speaker in the sentence outranks.
_DOCUMENT_KIND: str = "document"
# The verbs news copy puts before their subject ("..., said Jane Roe, an analyst").
_INVERTING = frozenset(
    "said says say added adds wrote writes continued explained noted insisted warned argued "
    "recalled countered stated asked replied cautioned".split()
)
# A verb of saying that is never a noun: a phrase holding one is a clause, not a speaker.
_SAYS = re.compile(r"\b(?:" + "|".join(sorted(CORE_SET - NOUN_OR_VERB)) + r")\b", re.IGNORECASE)
_DATA_NOUNS = (
    r"data|figures|statistics|numbers|records|files|papers|documents|survey|poll|study|"
    r"report|reports|research|analysis|estimates|transcript|statement|release|filing|"
    r"minutes|letter|note|notes|memo|footage|video|images|photographs|accounts"
)
_OWNER = re.compile(
    rf"^(?:data|figures|statistics|numbers|a\s+report|a\s+survey|a\s+study)\s+"
    rf"(?:from|by|of)\s+(?P<who>.+)$|^(?P<who2>.+?)'s?\s+(?:[a-z]+\s+)?(?:{_DATA_NOUNS})$",
    re.IGNORECASE,
)
_DOCUMENT = re.compile(
    rf"(?:^|[,;]\s*|\bthat\s+)(?P<who>(?:[\w'.-]+\s+){{0,5}}(?:{_DATA_NOUNS})"
    r"(?:\s+(?:from|by|of)\s+[^,;]+?)?)\s+"
    rf"(?:{DOCUMENT_VERBS})\b",
    re.IGNORECASE,
)
_OPENING = re.compile(
    r"^(?:(?:In|On|At|By|For|From|Earlier|Later|But|And|However|Meanwhile|Still|Also|"
    r"After|Before|During|Since|Last|This|Asked|Speaking|Separately|Yet|Now|Then|"
    r"Instead|Elsewhere|Overall|Today|Yesterday|Tonight)\b[^,\"]{0,80},\s*|"
    r"(?:But|And|However|Yet|Still|Meanwhile|Also)\s+)",
)
# Words between a subject and its verb, never the end of the subject itself.
_AUXILIARY = (
    r"(?:would|will|could|should|can|may|might|must|has|have|had|was|were|is|are|did|does|"
    r"do|not|also|then|later)\b"
)
_HEAD = re.compile(
    rf"^(?P<who>(?:[Tt]he|[Aa]n?)\s+(?:[A-Z][\w'-]*\s+)?(?:(?!{_AUXILIARY})[a-z-]+\s+){{0,2}}"
    rf"(?!{_AUXILIARY})[a-z-]+(?=\s+[a-z])|"
    r"(?:[Tt]he\s+)?(?:[A-Z][\w'.&-]*\s+(?:(?:of|for|de)\s+)?){0,5}[A-Z][\w'&-]*|"
    r"[Hh]e|[Ss]he|[Tt]hey|"
    r"[Ii]t|(?:[Tt]he|[Aa]n?)\s+(?:[a-z-]+\s+){0,3}[a-z]+)"
    r"(?:\s*\([^()]*\))?(?:,\s*(?P<role>[^,]{3,90}),)?\s+(?:also\s+|then\s+|later\s+)?"
    r"[a-z]+(?:ed|s)?\b"
)
# A verb inside a phrase: the span ran past the speaker into the clause.
_NOT_A_SPAN = re.compile(
    r"\b(?:has|have|had|was|were|is|are|been|being)\s+(?!also\b)[a-z]+\b", re.IGNORECASE
)
# A count before capitalised words ("Two United States ..."): the subject is what is
# counted, which a sentence names after them, never a speaker's name.
_COUNTED_NAME = re.compile(
    r"^(?:\d+|(?i:two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds|thousands))"
    r"\s+(?:[A-Z][\w'.-]*\s*)+$"
)
# "Two loggers", "Many farmers": a group, though the sentence capitalises its first word.
_COUNT_WORD = re.compile(
    r"^(?:Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Many|Most|Some|Several|Other)\s+[a-z]"
)
# Words a claimant never starts with: conjunctions, interrogatives, fillers.
_NEVER_SPEAKERS = frozenset(
    "but also for what when where why how which whose however although though if "
    "while because so yet still even this that these those there here such many much "
    "in on at by from with as after before during since".split()
)
# "..., the council was quoted as saying": the one quoted is the outer speaker.
_QUOTED_AS = re.compile(
    r"(?:^|[,;]\s*)(?P<who>[^,;\"]{2,80}?)\s+(?:was|were|is|are|has\s+been|have\s+been)\s+"
    r"quoted\s+(?:by\s+[^,;]+?\s+)?as\s+(?:saying|telling|stating|writing)\b"
)
# "the 40 million Americans expected by the motoring club to travel": a named body's
# estimate, given with a passive verb of estimating.
_ESTIMATED_BY = re.compile(
    r"\b(?:expected|estimated|forecast|projected|predicted|calculated|counted|measured)\s+by\s+"
    r"(?P<who>(?:the\s+)?[A-Z][\w&.'-]*(?:\s+(?:of\s+|for\s+)?[A-Z][\w&.'-]*)*)"
)
# "Dan Roe with the city's police department", "Ana Ruiz of Harbor Bank": the person,
# with where they work.
_NAME_AT = re.compile(
    r"^(?P<who>(?:[A-Z][\w'.-]*\s+){1,4}[A-Z][\w'-]*)\s+(?P<at>(?:with|from|of|at)\s+.+)$"
)
# "X is said to believe ...": the belief is X's, as the article reports it.
_SAID_TO = re.compile(
    r"\b(?:is|are|was|were)\s+(?:said|thought|understood|reported|known)\s+to\s*$",
    re.IGNORECASE,
)
# A comma that separates clauses, not the thousands of a number ("15,000").
_COMMA = re.compile(r"(?<!\d),|,(?!\d{3}\b)")
# "the fisherman who swam ashore", "the union that speaks for dockers": a description
# with a restrictive clause (no commas) before the verb.
_RESTRICTED = re.compile(
    r"(?:^|\s)(?P<who>(?:[Tt]he|[Aa]n?)\s+(?:[a-z-]+\s+){0,2}[a-z-]+)\s+"
    r"(?P<word>who|that)\s+(?P<rest>(?:[^,]|(?<=\d),(?=\d))+)$"
)
_TRAILING_DESCRIPTION = re.compile(r"\b(?P<who>[Tt]he\s+(?:[\w'-]+\s+){0,3}[\w'-]+)\s*$")
# A name (with its title) right before a verb: "... his letter Mrs Thatcher said".
_TRAILING_NAME = re.compile(r"(?<![\w'])(?P<who>(?:[A-Z][\w'.-]*\s+){0,4}[A-Z][\w'-]*)\s*$")
_DETERMINERS_ONLY = re.compile(r"^the\s+", re.IGNORECASE)
# A plural common noun with up to two words before it, in lower case: a group of people.
_GROUP = re.compile(
    r"^(?:(?:many|most|some|several|other|local|the)\s+)?(?:[a-z-]+\s+){0,2}"
    r"(?:[a-z-]{3,}(?<![su]s)(?<!is)s|men|women|people|children)$"
)


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
        # The group last given as a speaker ("the loggers said") and its sentence.
        self.group: Who | None = None
        self.group_at = -1
        # The document last given as a speaker ("the statement said") and its sentence.
        self.document: tuple[Who | None, int] = (None, -9)

    def entity(self, phrase: str, role: str | None = None) -> Who:
        """The claimant a phrase names ("Union leader Goran Ilić", "she", "the think tank",
        "local residents"), with the role given beside it or in its title."""
        phrase = phrase.strip().strip(",").strip()
        phrase = TIME_TAIL.sub("", phrase)
        phrase, found_role = split_role(phrase)
        role = role or found_role
        acronym = re.match(r"^(?P<name>.+?)\s*\((?P<short>[A-Z][A-Za-z]{1,7})\)$", phrase)
        if acronym:  # "the Central Statistics Office (CSO)": the acronym is an alias
            phrase = acronym.group("name")
        title = ROLE_TITLES.match(phrase)
        if title:
            courtesy = re.fullmatch(r"(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame)\.?", title.group(0).strip())
            role = role or (None if courtesy else title.group(0).strip())
            phrase = phrase[title.end() :]
        resolved = self.mentions.resolve(phrase)
        if resolved is not None:
            return self._named(resolved, role)
        cleaned = _DETERMINERS.sub("", phrase).strip()
        if not cleaned:
            return Who(None)
        holder = self._role_holder(cleaned)
        if holder is not None:
            return holder
        if (
            cleaned[:1].isupper()
            and len(cleaned.split()) >= 2
            and not any(
                w.lower() in ("researchers", "members", "groups", "officials")
                for w in cleaned.split()[:1]
            )
        ):
            entity = self.mentions.add(cleaned, role=role)
            self.mentions.spoke(entity)
            return Who(entity.name, entity.kind, role)
        if cleaned[:1].isupper() and role and gender_of(role):
            # "her mother, Fiona": a person known by one name, whom "she" means next.
            entity = self.mentions.add(cleaned, "person", role=role)
            entity.gender = entity.gender or gender_of(role)
            self.mentions.spoke(entity)
            return Who(entity.name, entity.kind, role)
        return Who(cleaned, "organisation" if cleaned.lower().endswith("s") else None, role)

    def _role_holder(self, phrase: str) -> Who | None:
        """The person introduced earlier whom a bare title means ("US President", "Health
        Minister": no name after it), or None."""
        words = phrase.split()
        if not words or not ROLE_NOUNS.fullmatch(words[-1]) or len(words) > 4:
            return None
        if not all(w[:1].isupper() for w in words):
            return None
        holder = self.mentions.holder(words[-1].lower())
        if holder is None or holder.kind != "person":
            return None
        return self._named(holder, None)

    def claimant(self, sentence: str) -> Who | None:
        """The claimant named in the sentence, or None when it names none.

        Tried in order: "according to X"; a document or data set that "shows"; the
        speaker of a quotation; the verbs of saying, the last one first (the outer
        speaker governs: "Kim believed she was followed, her lawyer said"), each with
        its subject before it ("X, ROLE, said"), after it ("..., said X, ROLE") or, for
        a participle or a coordinated verb (", saying", "condemned ... and said"), the
        sentence's own subject. A phrase that is no plausible speaker ("for example",
        "What I", a place) is passed over, never returned."""
        document: Who | None = None
        quoted = _QUOTED_AS.search(sentence)
        if quoted:
            who = self._plausible(quoted.group("who"))
            if who is not None:
                return who
        according = _ACCORDING.search(sentence)
        if according:
            who = self._according(according.group("who"), sentence[: according.start()])
            if who is not None and who.kind != _DOCUMENT_KIND:
                return who if who.name else None
            document = who
        shown = _DOCUMENT.search(sentence)
        if shown and document is None:
            who = self._document_or_entity(shown.group("who"))
            if who is not None and who.kind != _DOCUMENT_KIND:
                return who
            document = who
        verbs = verbs_in(sentence)
        core = [v for v in verbs if v.group(0).lower() in CORE_SET]
        finite = [v for v in verbs if v.group(0).lower() not in PARTICIPLE_SET]
        ordered = core + [v for v in finite if v not in core]
        for verb in ordered + [v for v in verbs if v not in ordered]:
            if subordinate(sentence, verb):
                continue  # its speaker says the clause's part, not the sentence's
            who = self._speaker_of(sentence, verb)
            if who is not None:
                return self._sole(sentence, verb, who, verbs)
        noun = REPORTING_NOUN.search(sentence)
        if noun and not subordinate(sentence, noun):
            # "The council published an update on ...", "X made the claim that ...": a noun of
            # saying after a verb of giving is X's statement.
            who = self._subject_before(sentence[: noun.start()])
            if who is not None:
                return who
        if document is not None:
            return Who(document.name, "organisation", attribution="named")
        estimated = _ESTIMATED_BY.search(sentence)
        if estimated:
            who = self._plausible(estimated.group("who"))
            if who is not None and who.kind != "media":
                return who
        return None

    def _sole(
        self, sentence: str, verb: re.Match[str], who: Who, verbs: list[re.Match[str]]
    ) -> Who:
        """The speaker when the verb at ``verb`` (no trailing "..., X said") follows
        another's: inside the first one's words ("They claimed that Kim had told them")
        the first speaker (unclear if an unresolved pronoun); after "and", "but" or ";"
        two speakers' claims (the first perhaps unknown), so ``unclear``."""
        tail = TIME_TAIL.sub("", sentence[verb.end() :]).strip(" .,")
        if who.name is None or len(tail.split()) <= 3 or verb.group(0).lower() in PARTICIPLE_SET:
            return who
        if re.search(_AND_VERB, sentence[: verb.start()]):
            return who  # "condemned ... and said": one subject, one speaker
        for other in reversed(verbs):  # the first in the sentence first
            if other.start() >= verb.start() or other.group(0).lower() in PARTICIPLE_SET:
                continue
            if subordinate(sentence, other):
                continue
            between = sentence[other.end() : verb.start()]
            first = self._speaker_of(sentence, other)
            if _COORDINATED.search(between):
                if first is None or (first.name and first.name != who.name):
                    # another speaker's clause, or one whose speaker cannot be told
                    return Who(None, attribution="unclear")
                continue
            if first is not None and first.name:
                return first
            if re.search(r"\b(?:they|he|she|it)\s+$", sentence[: other.start()], re.I):
                return Who(None, attribution="unclear")
        return who

    def _pronoun(self, pronoun: str, role: str | None) -> Who | None:
        """Who a pronoun as a speaker means: the entity it resolves to, else for "they"
        a group that just spoke; None when that cannot be told."""
        resolved = self.mentions.resolve(pronoun)
        if resolved is None and pronoun == "they":
            return self._recent_group()
        if resolved is None and pronoun == "it" and self.mentions.sentence - self.document[1] <= 1:
            return self.document[0]  # "the statement said ... It gave no cause": the statement
        return None if resolved is None else self._named(resolved, role)

    def _recent_group(self) -> Who | None:
        """The unnamed group that spoke in the last two sentences, for "they"; None when
        no group spoke in the last two sentences."""
        if self.group is None or self.mentions.sentence - self.group_at > 2:
            return None
        return self.group

    def source(self, phrase: str) -> Who | None:
        """The source a phrase names as "according to" would ("the letter from the
        board", "the Harbor Board"), or None."""
        return self._according(phrase, "")

    def _according(self, phrase: str, before: str) -> Who | None:
        """The source "according to" names (see :meth:`_document_or_entity`), and more:
        the journal a paper was published in; a capitalised name, even one with a
        place's words ("the United Provinces Relief Office"), since what is "according
        to" is a source; a document of "its" or "their" whose owner the sentence names
        ``before`` it ("the Harbor Board's members expect ..., according to the minutes
        of its meeting"), or nobody (an empty name) when that owner cannot be told."""
        journal = _PUBLISHED_IN.search(phrase)
        if journal:
            return self._named(self.mentions.add(journal.group("name"), "media"), None)
        who = self._document_or_entity(phrase)
        if who is None and _PROPER.fullmatch(_DETERMINERS.sub("", phrase.strip())):
            return self._named(self.mentions.add(_DETERMINERS.sub("", phrase.strip())), None)
        if (
            who is not None
            and who.kind == _DOCUMENT_KIND
            and re.search(r"\b(?:its|their)\b", who.name or "")
        ):
            owners = {m.group("name") for m in _OWNER_NAMED.finditer(before)}
            if len(owners) != 1:
                return Who(None, attribution="unclear")
            return self._named(self.mentions.add(_DETERMINERS.sub("", owners.pop())), None)
        return who

    def _document_or_entity(self, phrase: str) -> Who | None:
        """ "the council's figures" -> the council; "Labor Department data" -> Labor
        Department; "newly released files", "a transcript" -> a document (``kind``
        "document"), which a speaker named in the same sentence outranks."""
        phrase = TIME_TAIL.sub("", phrase.strip()).strip()
        phrase = re.sub(
            r"\s+(?:published|released|issued|seen|obtained|reviewed|conducted|made public)"
            r"\s+(?:by|on|in|at|last|this|earlier|late|early)\b.*$",
            "",
            phrase,
        )
        made = re.search(
            r"\s(?:calculated|compiled|prepared|commissioned|conducted|gathered|collected|"
            r"analy[sz]ed)\s+(?:for\s+.+?\s+)?by\s+(?P<by>[^,;]+)$",
            phrase,
        )
        if made:  # "data calculated for the paper by X": X's data
            return self._plausible(made.group("by"))
        phrase = re.sub(
            r"\s+(?:cited|quoted|commissioned|calculated|corroborated|confirmed|backed)\s+"
            r"(?:by|for)\b.*$",
            "",
            phrase,
        )
        group = re.match(
            r"^(?:[a-z-]+\s+){1,4}(?P<name>[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*)+)$", phrase
        )
        if group:  # "whale rescue group Project Jonah": the name after its description
            return self._plausible(group.group("name"))
        owner = _OWNER.match(phrase)
        possessive = {"its": "it", "their": "they", "his": "he", "her": "she"}
        pronoun = re.match(
            rf"^(its|their|his|her)\s+(?:[a-z-]+\s+){{0,2}}(?:{_DATA_NOUNS})$", phrase
        )
        if pronoun:
            # "its annual report": the organisation "it" means, or nobody known.
            resolved = self.mentions.resolve(possessive[pronoun.group(1)])
            return self._named(resolved, None) if resolved else Who(None)
        owned = re.match(r"^(?:the\s+)?(?P<name>[A-Z][\w&.-]*'s)\s", phrase)
        if owned:  # "the Moody's report": a name that has its 's ("Moody's Analytics")
            known = self.mentions.starting(owned.group("name"))
            if known is not None:
                return self._named(known, None)
        if owner:
            who = self._plausible(owner.group("who") or owner.group("who2") or "")
            if who is not None:
                return who
        bare = re.sub(rf"\s+(?:{_DATA_NOUNS})$", "", phrase, flags=re.IGNORECASE)
        # "Labor Department data": the department's; "Drone footage": one capitalised
        # word nobody introduced is the sentence's first word, not an owner.
        capitalised = all(w[:1].isupper() for w in bare.split())
        single = len(bare.split()) == 1 and not bare.isupper()
        proper = (capitalised and not single) or self.mentions.find(bare)
        if bare != phrase and proper and not VERB.search(bare):
            return self._plausible(bare)
        head = re.search(rf"\b(?:{_DATA_NOUNS})\b", phrase, re.IGNORECASE)
        if head and len(phrase.split()) <= 8:
            name = re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.IGNORECASE)
            return Who(name, _DOCUMENT_KIND)  # type: ignore[arg-type]
        return self._plausible(phrase)

    def _speaker_of(self, sentence: str, verb: re.Match[str]) -> Who | None:
        """The speaker a verb of saying at ``verb`` names, or None."""
        word = verb.group(0).lower()
        before = sentence[: verb.start()]
        after = sentence[verb.end() :]
        if re.search(r"\b(?:which|that)\s+(?:it|he|she|they)\s+$", before, re.IGNORECASE):
            # "X claimed the attack, which it said ...": the pronoun is the sentence's
            # subject, whoever else was named last.
            main = self._main_subject(sentence)
            if main is not None:
                return main
        if word in PARTICIPLE_SET or re.search(_AND_VERB, before):
            return self._main_subject(sentence)
        # "..." said X, ROLE / ..., said X, ROLE.
        if word in _INVERTING and (re.search(r"""[",]\s*$""", before) or not before.strip()):
            inverted = re.match(
                r"\s+(?P<who>(?:the\s+|a\s+|an\s+)?[A-Za-z][\w'.&-]*(?:\s+[A-Za-z][\w'.&-]*){0,6}?)"
                r"(?:,\s*(?P<role>[^,.;\"]{3,90}))?(?=\s*(?:[,.;]|$|\s+(?:on|in|at|after|"
                r"before|when|while|during|last|this|late|early|from|with)\b))",
                after,
            )
            if inverted:
                role = inverted.group("role")
                if role and not role_like(role):
                    role = None
                who = self._plausible(inverted.group("who"), role)
                if who is not None:
                    return who
        return self._subject_before(before)

    def _subject_before(self, before: str) -> Who | None:
        """The subject right before a verb: "X", "X, ROLE,", "ROLE X", "X (R-Place)"."""
        # "Roe, author of the book "The Long Tide," said": a title in a role, not a quote.
        before = _TITLE.sub(lambda title: "".join(title.groups()), before)
        if '"' in before:
            before = before[before.rindex('"') + 1 :].lstrip(" ,")
        before = _SAID_TO.sub("", before)
        # "she eventually concluded", "Ruiz privately said": the adverb is no subject.
        before = re.sub(r"\b(he|she|they|it|[A-Z][\w'-]*)\s+[a-z]+ly\s*$", r"\1 ", before.rstrip())
        text = _RELATIVE.sub(",", re.sub(r"\s*\([^()]*\)", "", before)).rstrip()
        text = AND_THEIRS.sub("", text.replace(",,", ","))
        if re.search(r"\b(?:is|are|was|were|be|been|being)\s*$", text, re.IGNORECASE):
            return None  # "is expected", "was reported": passive, nobody speaks
        text = re.sub(
            r"\s+(?:(?:has|have|had)\s+(?:since|now|already|previously)|"
            r"has|have|had|also|then|later|again|previously|once|"
            r"further|would|will|has\s+also|had\s+also|did\s+not|does\s+not|did|does|do|"
            r"was|were|is|are|had\s+been|has\s+been)$",
            "",
            text,
            flags=re.IGNORECASE,
        ).rstrip()
        text = re.sub(r"\s+(?:also|then|later|again)$", "", text, flags=re.IGNORECASE)
        if not text:
            return None
        if text.endswith(","):
            parts = [p.strip() for p in _COMMA.split(text[:-1])]
            # "X, ROLE," or "ROLE, X," before the verb; "..., for example," is no subject.
            if len(parts) >= 2:
                name, role = parts[-2], parts[-1]
                name = last_clause(name)
                who = self._plausible(name, role) if role_like(role) else None
                if who is None and role_like(name):
                    who = self._plausible(role, name)
                if who is not None:
                    return who
                if len(parts[-1].split()) <= 3 and not role_like(role):
                    return self._plausible(last_clause(parts[-2]))
                return None
            return self._plausible(last_clause(parts[0]))
        clause = _COMMA.split(text)[-1].rstrip()
        subject = last_clause(clause)
        if subject.startswith('"') or subject.endswith('"'):
            return None
        contact = CONTACT_CLAUSE.match(subject)
        if contact:  # "the figures the letter listed": the letter
            subject = contact.group("who")
        if _NAME_CUT_AT_AND.search(clause[: len(clause) - len(subject)]):
            # "the Committee on Trade and Industry": the whole name, never its last word
            whole = re.search(_WHOLE_NAME_AT_AND + re.escape(subject) + "$", clause)
            return self._plausible(whole.group(0)) if whole else None
        who = self._described_subject(clause, subject)
        described = _TRAILING_DESCRIPTION.search(text)
        if who is None and described and described.start() > 0:
            # "In a blunt release the agency said": the agency, past the opening phrase.
            who = self._plausible(described.group("who"))
        named = _TRAILING_NAME.search(text)
        if who is None and named and named.start() > 0:
            preposition = re.search(
                r"\b(?:at|of|for|from|with|to|by|in|on)\s*$", text[: named.start()]
            )
            if not preposition:
                return self._plausible(named.group("who"))
        return who

    def _described_subject(self, clause: str, subject: str) -> Who | None:
        """The speaker of a subject cut from ``clause`` at its last clause word, when a
        description is longer than the cut: "the fisherman who swam ashore" (unnamed, as
        AP describes a source), "the union that speaks for dockers" (who "the union"
        stands for), "cafe and bakery owners" (one group with two nouns before it)."""
        restricted = _RESTRICTED.search(clause)
        owned = restricted and re.search(
            r"\b(?:of|for|to|with|by|from|at)\s*$", clause[: restricted.start("who")]
        )
        if restricted and not owned and not VERB.search(restricted.group("rest")):
            head = restricted.group("who")
            who = self._plausible(head)
            if who is None and restricted.group("word").lower() == "who":
                return Who(head, "person", attribution="unnamed")
            if who is not None:
                return who
        who = self._plausible(subject)
        joined = re.search(r"(?:^|\s)(?P<noun>[a-z-]+\s+and)\s+$", clause[: -len(subject)])
        if who is not None and who.attribution == "unnamed" and joined:
            return Who(f"{joined.group('noun')} {who.name}", None, who.role, "unnamed")
        return who

    def _main_subject(self, sentence: str) -> Who | None:
        """The subject a sentence opens with, past an opening phrase ("In Washington,",
        "Earlier Saturday,"): "Han, the party's leader, urged ..., telling ..."."""
        text = sentence
        opening = _OPENING.match(text)
        if opening:
            text = text[opening.end() :]
        head = _HEAD.match(text)
        if not head:
            return None
        name = head.group("who")
        role = head.group("role")
        if role and not role_like(role):
            role = None
        following = text[head.end("who") :].split()[:1]
        if (
            re.fullmatch(r"[A-Z][a-z'-]+", name)
            and name.lower() not in PRONOUNS
            and self.mentions.find(name) is None
            and following
            and re.fullmatch(r"[a-z]+", following[0])
            and not re.fullmatch(rf"[a-z]+(?:ed|s)|{_AUXILIARY}", following[0])
        ):
            # "Distraught pub groups ...": an adjective before the subject; but "Popular
            # bar The Anchor Tavern will ...": the name after its description.
            described = _DESCRIBED_NAME.match(text)
            return self._plausible(described.group("name")) if described else None
        return self._plausible(name, role)

    def _plausible(self, phrase: str, role: str | None = None) -> Who | None:
        """The claimant a phrase names when it can be a speaker: a name (with its title),
        a pronoun that resolves, "the <role or organisation>" that resolves, a group
        ("officials", "a senior official": unnamed); None for stray words."""
        phrase = speaker_phrase(phrase)
        person = self._person_at(phrase, role)
        if person is not None:
            return person
        if not phrase or len(phrase.split()) > 8 or _SAYS.search(phrase):
            return None
        lowered = phrase.lower()
        first = lowered.split()[0]
        if lowered in PRONOUNS:
            return self._pronoun(lowered, role)
        if lowered in _NEVER_SPEAKERS or lowered in ("the", "a", "an", "i", "we", "you"):
            return None
        if " " not in lowered and lowered.endswith("ing") and len(lowered) > 5:
            return None  # "Speaking on the radio he said": a participle, not a name
        if _NOT_A_SPAN.search(phrase) or _COUNTED_NAME.match(phrase):
            return None  # "two loggers have since", "Two United States": a cut span
        if ROLE_TITLES.match(phrase):
            return self.entity(phrase, role)
        counted = phrase
        if _COUNT_WORD.match(phrase) or re.match(r"The\s+[a-z]", phrase):
            counted = phrase[:1].lower() + phrase[1:]  # "The loggers said": a group too
        if _GROUP.match(counted) and not UNNAMED.match(phrase):
            # "indigenous elders say", "many farmers said": a group the article does not
            # name, as it describes it.
            self.group, self.group_at = (
                Who(phrase, None, role, attribution="unnamed"),
                self.mentions.sentence,
            )
            return self.group
        if first in _NEVER_SPEAKERS or lowered in ("i", "we", "you", "one"):
            return None
        if UNNAMED.match(phrase) and not has_name(phrase):
            return Who(
                _DETERMINERS_ONLY.sub("", phrase) if first in ("the",) else phrase,
                None,
                role,
                attribution="unnamed",
            )
        name, found_role = split_role(phrase)
        if found_role and name != phrase:
            return self.entity(name, role or found_role)
        if first in ("the", "a", "an", "its", "his", "her", "their"):
            return self._described(phrase, first, role)
        if not phrase[:1].isupper():
            return None
        return self._proper_name(phrase, role)

    def _person_at(self, phrase: str, role: str | None) -> Who | None:
        """The person of "<name> at <organisation>" ("a spokesperson at the ministry"
        is no name), when the phrase is one."""
        at = _NAME_AT.match(phrase)
        if at and kind_of(split_role(at.group("who"))[0]) == "person":
            title = ROLE_TITLES.match(at.group("who"))
            if title or len(at.group("who").split()) <= 3:
                who = self.entity(at.group("who"), role)
                if who.kind == "person":
                    return who
        return None

    def _described(self, phrase: str, first: str, role: str | None) -> Who | None:
        """The claimant a described speaker stands for ("the ministry", "a report",
        "the port authority", "her lawyer"): someone named earlier that the description
        resolves to, an organisation or a data source, else an unnamed person; None when
        the description names no speaker. ``first`` is the phrase's determiner."""
        if first in ("his", "her", "their", "its"):
            return Who(phrase, None, role, attribution="unnamed")
        resolved = self.mentions.resolve(phrase)
        if resolved is not None:
            return self._named(resolved, role)
        rest = _DETERMINERS.sub("", phrase)
        if rest[:1].isupper():
            return self.entity(rest, role)
        head = re.sub(r"'s?$", "", rest.split()[-1].lower()) if rest.split() else ""
        if re.fullmatch(_DATA_NOUNS, head):
            self.document = (Who(rest, "organisation", role), self.mentions.sentence)
            return self.document[0]
        if first == "the" and head in ORG_WORDS:
            # "the port authority": later "the authority" means it too.
            entity = self.mentions.add(rest, "organisation")
            return Who(entity.name, entity.kind, role)
        if first == "the" and ROLE_NOUNS.fullmatch(head):
            return Who(phrase, "person", role, attribution="unnamed")
        return None

    def _proper_name(self, phrase: str, role: str | None) -> Who | None:
        """The claimant a capitalised phrase names; None for capitalised words that are
        no speaker (a place, an event) and no organisation the article mentioned."""
        words = phrase.split()
        if any(w.lower() in NOT_PERSON_WORDS for w in words) and kind_of(phrase) == "organisation":
            resolved = self.mentions.find(phrase)
            if resolved is None and not any(w.lower() in ORG_WORDS for w in words):
                return None
        return self.entity(phrase, role)

    def _named(self, entity: Entity, role: str | None) -> Who:
        self.mentions.spoke(entity)
        if role and not entity.role:
            entity.role = role
        return Who(entity.name, entity.kind, role or entity.role)

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
        body = first_person_body(sentence) if who is None and opens_quote else None
        if body:  # '"From Monday we here at Quayside Lido ..."': the Lido's
            who = self.entity(body)
        if who is None:
            said = any(
                m.start() == 0 or not m.group(0)[:1].isupper() for m in SPEECH.finditer(sentence)
            )
            speaking = quote is not None or opens_quote or continued or said
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
            name = _DETERMINERS.sub("", match.group("who")).strip().rstrip(".")
            if kind_of(name) == "media":
                return self.mentions.add(name, "media").name
        according = _ACCORDING.search(sentence)
        if according and according.group("via"):
            return self.entity(according.group("via")).name
        return None
