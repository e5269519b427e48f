"""Names and mentions: who an article introduces, and what later words refer back to them.

A story names a person once in full ("Predrag Petrovic, Research Coordinator at the
Belgrade Centre for Security Policy") and then as "Petrovic", "he", or an organisation
as "BCSP" or "the think tank". :class:`Mentions` keeps the people and organisations in
the order the article introduces them, with the kind of each (person, organisation,
media) and a role when one is given, so that attribution can resolve a pronoun, a
surname, an acronym or a description to the full name. Proper names are runs of
capitalised words, trimmed of sentence starts and titles and split where they join two
people ("Omar Haddad and Lisa Brenner").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from claimtrack.extract.vocabulary import (
    DESCRIPTORS,
    FEMALE_WORDS,
    MALE_WORDS,
    MEDIA_ACRONYMS,
    MEDIA_WORDS,
    NAME_PARTICLES,
    NOT_NAMES,
    NOT_PERSON_WORDS,
    ORG_WORDS,
    PLACE_NOUNS,
    PRONOUNS,
    ROLE_NOUNS,
    ROLE_TITLES,
)

Kind = Literal["person", "organisation", "media"]
"""What an entity is: a person, an organisation, or a news organisation (the media)."""

Gender = Literal["he", "she"]
"""The pronoun a person goes by, as far as the article shows it."""

_CAP = r"(?:[A-Z][\w'.-]*|" + "|".join(NAME_PARTICLES) + ")"
_NAME = re.compile(
    r"\b(?:(?:the|The)\s+)?([A-Z][\w'-]*\.?(?:\s+" + _CAP + r")*(?:\s+[A-Z][\w'-]*))"
)
# "The car parts maker Voltera": a description that introduces an organisation by name.
_DESCRIBED_ORG = re.compile(
    r"\b(?:[Tt]he|[Aa]n?)\s+(?:[a-z-]+\s+){0,3}(?:maker|company|firm|group|carmaker|bank|"
    r"retailer|manufacturer|producer|supplier|operator|insurer|lender|charity|publisher|"
    r"broadcaster|airline|startup|conglomerate|developer|chain)\s+"
    r"(?P<name>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)"
)


# Descriptions any organisation may go by ("the company" after "the car parts maker
# Voltera"); the others ("the council", "the ministry") mean one whose name has the word.
_GENERIC = frozenset(
    ("company", "firm", "group", "organisation", "organization", "tank", "charity", "watchdog")
)


@dataclass
class Entity:
    """A person or organisation the article names, as it first gives the name in full;
    ``role`` is the first role or title the article gives it ("Research Coordinator")."""

    name: str
    kind: Kind
    role: str | None = None
    gender: Gender | None = None  # from a title, a gendered role noun or a pronoun


def gender_of(words: str) -> Gender | None:
    """The gender a title or role shows ("Mrs", "spokeswoman", "her mother"), else None."""
    found = {w.lower().strip(",") for w in words.split()}
    male, female = bool(found & MALE_WORDS), bool(found & FEMALE_WORDS)
    if male == female:
        return None
    return "he" if male else "she"


def can_speak(entity: Entity) -> bool:
    """Whether an entity can be a speaker: not a place ("the International Space Station",
    "Elm Street"), whatever else its name holds."""
    last = entity.name.lower().split()[-1:] or [""]
    return last[0] not in PLACE_NOUNS


def kind_of(name: str) -> Kind:
    """Whether a name is a news organisation ("Associated Press", "AP": a media word or
    acronym), another organisation (an organisation word, or all capitals) or a person."""
    words = [w.lower().strip(".'") for w in name.split()]
    if any(w in MEDIA_WORDS for w in words) or (name.isupper() and name in MEDIA_ACRONYMS):
        return "media"
    if any(w in ORG_WORDS or w in NOT_PERSON_WORDS for w in words) or name.isupper():
        return "organisation"
    if any(w.endswith("'s") for w in name.split()[:-1]):
        return "organisation"  # "New York's JFK": a person's name holds no possessive
    return "person"


def _org_worded(name: str) -> bool:
    """Whether a name says by its words that it is a body ("Harbor Bank", "the Water
    Board", "NPHET"), which a bare "it" may stand for."""
    words = [w.lower().strip(".'") for w in name.split()]
    return name.isupper() or any(w in ORG_WORDS for w in words)


def _initials(name: str) -> str:
    """ "Belgrade Centre for Security Policy" -> "BCSP"."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())


class Mentions:
    """The people and organisations an article has introduced, in order."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self.last_person: Entity | None = None
        # The last person quoted or given a role: who "he" or "she" means in news copy.
        self.last_speaker: Entity | None = None
        self.last_org: Entity | None = None
        self.last_media: Entity | None = None
        # The news organisation last quoted: "the paper" means it, never an agency that
        # only carried the story (a dateline's "(Reuters)").
        self.media_speaker: Entity | None = None
        # People, the latest mentioned last: "she" is the latest who may be a she.
        self.people: list[Entity] = []
        # The organisation that spoke last, and when (sentences are counted by scan):
        # "Voltera said ... It said ..." is Voltera even when other bodies were named.
        self.sentence = 0
        self.org_speaker: Entity | None = None
        self.org_spoke_at = -1
        self.org_named_at = -1

    def find(self, name: str) -> Entity | None:
        """The entity a name means: the full name (with or without "the"), else the person
        with that surname (none when two share it), else the organisation
        with those initials, else a person called by a given name; or None."""
        folded = name.casefold().strip()
        folded = re.sub(r"^the\s+", "", folded)
        for entity in self.entities:
            full = entity.name.casefold()
            if folded == full or re.sub(r"^the\s+", "", full) == folded:
                return entity
        if re.match(r"^the\s", name.strip(), re.IGNORECASE):
            return None  # "the Russian" is never a person called by one of their names
        namesakes = [
            e
            for e in self.entities
            if e.kind == "person" and folded == e.name.split()[-1].casefold()
        ]
        if namesakes:
            # Two people with one surname: either may be meant, so neither is; the
            # surname stays as the article writes it.
            return namesakes[0] if len(namesakes) == 1 else None
        for entity in reversed(self.entities):
            if name.isupper() and len(name) >= 2 and _initials(entity.name) == name:
                return entity
        if " " not in folded:  # "Sir Keith": a person called by a given name
            for entity in reversed(self.entities):
                if entity.kind == "person" and folded in entity.name.casefold().split()[:-1]:
                    return entity
        return None

    def starting(self, possessive: str) -> Entity | None:
        """The organisation whose name starts with a possessive ("Moody's" -> "Moody's
        Analytics"), latest first; None when the article introduced none."""
        for entity in reversed(self.entities):
            if entity.kind != "person" and re.match(
                rf"{re.escape(possessive)}(?:\s|$)", entity.name
            ):
                return entity
        return None

    def add(self, name: str, kind: Kind | None = None, role: str | None = None) -> Entity:
        """The entity a name means, introduced now if it is new (its kind guessed from the
        name unless given); a role fills in one not known yet. It becomes the latest of
        its kind, for pronouns and descriptions to refer back to."""
        found = self.find(name)
        if found is None:
            found = Entity(name, kind or kind_of(name), role)
            self.entities.append(found)
        elif role and not found.role:
            found.role = role
        self.touch(found)
        return found

    def spoke(self, entity: Entity) -> None:
        """Note that a person was just quoted or named as a claimant."""
        self.touch(entity)
        if entity.kind == "person":
            self.last_speaker = entity
        elif entity.kind == "organisation" and can_speak(entity):
            self.org_speaker, self.org_spoke_at = entity, self.sentence
        elif entity.kind == "media":
            self.media_speaker = entity

    def new_section(self) -> None:
        """Forget who was salient: a live-blog entry or a new speaker's turn starts afresh,
        so "he", "it" and "the company" do not reach back into the one before. The names
        introduced stay known ("Ruiz" still means Ana Ruiz)."""
        self.last_person = self.last_speaker = self.last_org = None
        self.org_speaker = None
        self.people.clear()

    def touch(self, entity: Entity) -> None:
        """Make an entity the latest mentioned of its kind."""
        if entity.kind == "person":
            self.last_person = entity
            if entity in self.people:
                self.people.remove(entity)
            self.people.append(entity)
            if entity.role and self.last_speaker is not entity:
                self.last_speaker = entity
        elif entity.kind == "media":
            self.last_media = entity
            self.last_org = entity if self.last_org is None else self.last_org
        else:
            if entity is not self.org_speaker:
                self.org_named_at = self.sentence
            self.last_org = entity

    def _person(self, pronoun: str) -> Entity | None:
        """Who "he" or "she" means: of the last speaker and the latest person mentioned,
        the first the article shows to be of that gender, else the first whose gender it
        does not show; when both are of the other gender, the latest person who may be.
        A person of unknown gender taken for "he" is a he from then on."""
        gender: Gender = "he" if pronoun == "he" else "she"
        salient = [p for p in (self.last_speaker, self.last_person) if p is not None]
        found = next((p for p in salient if p.gender == gender), None)
        found = found or next((p for p in salient if p.gender is None), None)
        if found is None:
            found = next((p for p in reversed(self.people) if p.gender in (None, gender)), None)
        if found is not None:
            found.gender = gender
        return found

    def _organisation(self) -> Entity | None:
        """Who "it" means as a speaker: the organisation that spoke in the last two
        sentences, unless another was named since; else the latest organisation named,
        when it is no place and no news organisation; None when that cannot be told."""
        recent = self.org_speaker is not None and self.sentence - self.org_spoke_at <= 2
        if recent and self.org_named_at <= self.org_spoke_at:
            return self.org_speaker
        if recent or self.last_org is None or self.last_org is self.last_media:
            return None
        if not _org_worded(self.last_org.name):
            return None  # "the United States", "Region Two": a name no body's by its words
        return self.last_org if can_speak(self.last_org) else None

    def _group(self) -> Entity | None:
        """Who "they" means as a speaker: the organisation that spoke in the last two
        sentences, unless another was named since; else None. A place, a body merely
        named or a single person is no "they": crime copy's "they" is mostly a group
        of people the rules cannot name."""
        recent = self.org_speaker is not None and self.sentence - self.org_spoke_at <= 2
        if recent and self.org_named_at <= self.org_spoke_at:
            return self.org_speaker
        return None

    def resolve(self, phrase: str) -> Entity | None:
        """A pronoun, surname, acronym or description to the entity it means."""
        words = phrase.strip()
        lowered = words.lower()
        if lowered in PRONOUNS:
            if lowered == "it":
                return self._organisation()
            if lowered == "they":
                return self._group()
            return self._person(lowered)
        for kind, descriptions in DESCRIPTORS.items():
            if lowered in descriptions:
                if kind == "media":
                    return self.media_speaker
                # "the council" is a council named before, never any organisation.
                named = self.holder(lowered.split()[-1])
                if named is not None or lowered.split()[-1] not in _GENERIC:
                    return named
                return self.last_org
        variation = re.match(r"^[Tt]he\s+(?:then|former|now)\s+(?P<role>[a-z ]+)$", words)
        if variation:
            # "the then prime minister": the holder named before, else the person the
            # story is about (the last speaker, when no role is known for them).
            role = variation.group("role")
            holder = self.holder(role.split()[-1])
            person = self.last_speaker or self.last_person
            if holder is None and person is not None and person.role is None:
                person.role = words[4:]
                holder = person
            return holder
        if re.match(r"^[Tt]he\s+(?:[a-z-]+\s+){0,3}[a-z-]+$", words):
            return self.holder(lowered.split()[-1])
        return self.find(words)

    def holder(self, noun: str) -> Entity | None:
        """Who "the <noun>" means: the latest person whose role has that word ("the
        mayor": Mayor Ada Kim), else the latest organisation whose name has it ("the
        bank": Harbor Bank); None when nobody introduced fits."""
        for entity in reversed(self.entities):
            if entity.kind == "person" and entity.role:
                if re.search(rf"\b{re.escape(noun)}\b", entity.role, re.IGNORECASE):
                    return entity
            elif entity.kind != "person" and noun in entity.name.lower().split():
                return entity
        return None

    def scan(self, sentence: str) -> None:
        """Register the proper names a sentence introduces (described organisations,
        "the car parts maker Voltera", were added before the sentence was attributed)."""
        people: list[Entity] = []
        subject: Entity | None = None
        for match in _NAME.finditer(sentence):
            title = _title(match.group(1))
            for number, name in enumerate(_names_in(match.group(1))):
                named = self.add(name, role=title if number == 0 else None)
                if named.kind == "person":
                    people.append(named)
                    if number == 0 and title and named.gender is None:
                        named.gender = gender_of(title)
                if match.start() == 0 and number == 0 and named.kind == "person":
                    # The subject of a sentence is whom the next "he" or "she" means.
                    self.last_speaker = subject = named
        for acronym in re.findall(r"\b[A-Z]{2,5}\b", sentence):
            entity = self.find(acronym)
            if entity is not None:
                self.touch(entity)
        unquoted = re.sub(r'"[^"]*"?', " ", sentence).lower()
        for described in re.finditer(r"([A-Z][\w'-]+),\s+who\s+([^,.;]*)", sentence):
            # "Elena Koposova, who fled with her family": the clause says whose.
            person = self.find(described.group(1))
            owned = set(re.findall(r"\b(?:his|her)\b", described.group(2)))
            if person is not None and person.kind == "person" and len(owned) == 1:
                person.gender = person.gender or ("he" if owned == {"his"} else "she")
        if (
            subject is not None
            and subject.gender is None
            and {id(p) for p in people} == {id(subject)}
        ):
            # A person who is the sentence's subject and the only one in it, and "his" or
            # "her" outside quotation: theirs ("Kim believed she was followed").
            pronouns = set(re.findall(r"\b(?:he|his|him|she|her|hers)\b", unquoted))
            male, female = pronouns & {"he", "his", "him"}, pronouns & {"she", "her", "hers"}
            if bool(male) != bool(female):
                subject.gender = "he" if male else "she"
        self.sentence += 1

    def add_described(self, sentence: str) -> None:
        """Register the organisations a sentence introduces by description ("the car parts
        maker Voltera"), so that the sentence's own "the company said" resolves to them."""
        for described in _DESCRIBED_ORG.finditer(sentence):
            self.add(described.group("name"), "organisation")


def proper_names(sentence: str) -> list[str]:
    """The names of people and organisations in a sentence, in order, repeats included."""
    return [name for match in _NAME.finditer(sentence) for name in _names_in(match.group(1))]


def split_role(phrase: str) -> tuple[str, str | None]:
    """'Union leader Goran Ilić' -> ('Goran Ilić', 'Union leader'); a role and a name in
    apposition ("Voltera's chief executive, Sofia Lind") likewise, in either order."""
    if "," in phrase:
        first, second = (part.strip() for part in phrase.split(",", 1))
        for name, role in ((first, second), (second, first)):
            if looks_like_name(name) and ROLE_NOUNS.search(role):
                return name, role
    words = phrase.split()
    if len(words) >= 3 and ROLE_NOUNS.search(" ".join(words[:-2])):
        tail = words[-2:]
        if all(w[:1].isupper() for w in tail):
            return " ".join(tail), " ".join(words[:-2])
    # "CNN meteorologist Todd Borek", "chief inspector Ana Ruiz": a role noun in lower
    # case (no preposition, article or particle) right before a person's name.
    trailing = re.search(
        r"^(?P<role>.*\b(?P<noun>[a-z][a-z-]+))\s+(?P<name>(?:[A-Z][\w'.-]*\s+){1,3}[A-Z][\w'-]*)$",
        phrase,
    )
    if (
        trailing
        and trailing.group("noun") not in _NOT_ROLE_WORDS
        and kind_of(trailing.group("name")) == "person"
    ):
        return trailing.group("name"), trailing.group("role")
    return phrase, None


# Lower-case words that cannot end a role before a name ("officials at Harbor Bank").
_NOT_ROLE_WORDS = frozenset(
    NAME_PARTICLES
    + tuple(
        "at in on by to from with without about against between among into onto over under "
        "after before during since until than as like said says told and or but nor that "
        "which who whom whose when where while an a is was are were be been has have had "
        "also then".split()
    )
)


def _title(run: str) -> str | None:
    """The title in a run of capitalised words, with what comes before it: "Mayor" in
    "Mayor Ada Kim", "South Korean President" in "South Korean President Yoon Suk Yeol"."""
    words = run.split()
    for start in range(len(words) - 1):
        title = ROLE_TITLES.match(" ".join(words[start:]))
        if title and len(" ".join(words[start:])) > title.end():
            if start and any(w.lower() in NOT_NAMES for w in words[:start]):
                return None
            return " ".join(words[:start] + title.group(0).split())
    return None


def looks_like_name(text: str) -> bool:
    """Two to four words, each capitalised ("Sofia Lind", "Mr. Eric Reeves")."""
    words = text.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)


# Counts that open a sentence before capitalised words ("Two Portvale City players"):
# what is counted follows, and the count is no part of a name.
_COUNTS = frozenset("two three four five six seven eight nine ten dozens hundreds".split())


def _trim_name(raw: str) -> str | None:
    """A run of capitalised words without the sentence start, title or possessive around
    the name; None when what is left is one ordinary word."""
    words = raw.split()
    while words and (
        words[0].lower() in NOT_NAMES
        or words[0].lower() in NAME_PARTICLES
        or words[0].lower() in _COUNTS
    ):
        words = words[1:]
    while words and words[-1].lower() in NAME_PARTICLES:
        words = words[:-1]
    title = _title(" ".join(words))
    if title:
        words = words[len(title.split()) :]
    if not words:
        return None
    name = " ".join(words).rstrip(".,'")
    name = re.sub(r"'s$", "", name)
    if len(words) == 1 and not name.isupper():
        return None  # single capitalised words are places and sentence starts, mostly
    return name


def _names_in(raw: str) -> list[str]:
    """Names in a run of capitalised words: "Omar Haddad and Lisa Brenner" is two, and
    "Russia for Serbia" none, but "Belgrade Centre for Security Policy" is one."""
    name = _trim_name(raw)
    if name is None:
        return []
    words = name.split()
    if not any(w in NAME_PARTICLES for w in words) or kind_of(name) != "person":
        return [name]
    parts = re.split(r"\s+(?:" + "|".join(NAME_PARTICLES) + r")\s+", name)
    return [part for part in parts if len(part.split()) >= 2]
