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
    MEDIA_ACRONYMS,
    MEDIA_WORDS,
    NAME_PARTICLES,
    NOT_NAMES,
    NOT_PERSON_WORDS,
    ORG_WORDS,
    PRONOUNS,
    ROLE_NOUNS,
    ROLE_TITLES,
)

Kind = Literal["person", "organisation", "media"]
"""What an entity is: a person, an organisation, or a news organisation (the media)."""

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


def kind_of(name: str) -> Kind:
    """Whether a name is a news organisation ("Associated Press", "AP": a media word or
    acronym), another organisation (an organisation word, or all capitals) or a person."""
    words = [w.lower().strip(".'") for w in name.split()]
    if any(w in MEDIA_WORDS for w in words) or (name.isupper() and name in MEDIA_ACRONYMS):
        return "media"
    if any(w in ORG_WORDS or w in NOT_PERSON_WORDS for w in words) or name.isupper():
        return "organisation"
    return "person"


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

    def find(self, name: str) -> Entity | None:
        """The entity a name means: the full name (with or without "the"), else the latest
        person with that surname, else the organisation with those initials; or None."""
        folded = name.casefold().strip()
        folded = re.sub(r"^the\s+", "", folded)
        for entity in self.entities:
            full = entity.name.casefold()
            if folded == full or re.sub(r"^the\s+", "", full) == folded:
                return entity
        for entity in reversed(self.entities):
            if entity.kind == "person" and folded == entity.name.split()[-1].casefold():
                return entity
            if name.isupper() and len(name) >= 2 and _initials(entity.name) == name:
                return entity
        if " " not in folded:  # "Sir Keith": a person called by a given name
            for entity in reversed(self.entities):
                if entity.kind == "person" and folded in entity.name.casefold().split()[:-1]:
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

    def touch(self, entity: Entity) -> None:
        """Make an entity the latest mentioned of its kind."""
        if entity.kind == "person":
            self.last_person = entity
            if entity.role and self.last_speaker is not entity:
                self.last_speaker = entity
        elif entity.kind == "media":
            self.last_media = entity
            self.last_org = entity if self.last_org is None else self.last_org
        else:
            self.last_org = entity

    def resolve(self, phrase: str) -> Entity | None:
        """A pronoun, surname, acronym or description to the entity it means."""
        words = phrase.strip()
        lowered = words.lower()
        if lowered in PRONOUNS:
            if lowered == "it":
                return self.last_org if self.last_org is not self.last_media else None
            if lowered == "they":
                return self.last_org or self.last_person
            return self.last_speaker or self.last_person
        for kind, descriptions in DESCRIPTORS.items():
            if lowered in descriptions:
                if kind == "media" and self.last_media is not None:
                    return self.last_media
                # "the council" is a council named before, never any organisation.
                named = self.holder(lowered.split()[-1])
                if named is not None or lowered.split()[-1] not in _GENERIC:
                    return named
                return self.last_org
        if lowered.startswith("the ") and len(lowered.split()) <= 5:
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
        for match in _NAME.finditer(sentence):
            title = ROLE_TITLES.match(match.group(1))
            for number, name in enumerate(_names_in(match.group(1))):
                named = self.add(name, role=title.group(0).strip() if title else None)
                if match.start() == 0 and number == 0 and named.kind == "person":
                    # The subject of a sentence is whom the next "he" or "she" means.
                    self.last_speaker = named
        for acronym in re.findall(r"\b[A-Z]{2,5}\b", sentence):
            entity = self.find(acronym)
            if entity is not None:
                self.touch(entity)

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
    return phrase, None


def looks_like_name(text: str) -> bool:
    """Two to four words, each capitalised ("Sofia Lind", "Mr. Eric Reeves")."""
    words = text.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)


def _trim_name(raw: str) -> str | None:
    """A run of capitalised words without the sentence start, title or possessive around
    the name; None when what is left is one ordinary word."""
    words = raw.split()
    while words and (words[0].lower() in NOT_NAMES or words[0].lower() in NAME_PARTICLES):
        words = words[1:]
    while words and words[-1].lower() in NAME_PARTICLES:
        words = words[:-1]
    title = ROLE_TITLES.match(" ".join(words))
    if title:
        words = " ".join(words)[title.end() :].split()
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
