"""A first pass over an article: the checkable claims, who made them, who carried them.

Rule-based and offline. Sentences come from ``sentencex`` (a maintained, rule-based
segmenter that keeps quotations whole); numbers written as words from ``text2num``.
Everything else is patterns over the sentence:

- which sentences: those with a number or quantity, a direct quote, an attribution
  ("said", "according to", "in a statement"), an allegation ("allegedly", "accused"), a
  year, or two or more proper names; headlines, captions, bylines and datelines are not
  sentences of the story;
- who said it: "according to X", "X said/told/believes/notes ...", "..., said X, ROLE,"
  "X opined, '...'", with pronouns ("she"), surnames ("Petrovic"), acronyms ("AP") and
  descriptions ("the think tank", "the American media outlet") resolved to the full
  name introduced earlier; "it was reported/alleged" stays unattributed; "allegedly"
  carries on the previous sentence's claimant; a sentence with no claimant is the
  publication's own statement;
- who carried it: "as quoted by X", "told X", "in a statement to X", "according to <a
  news organisation>", a dateline "(Reuters)", a byline, or a closing "Source: X" line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from claimtrack.model import Quantity

# -- text clean-up -------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text)
    text = text.translate(
        {0x201C: '"', 0x201D: '"', 0x201E: '"', 0x2018: "'", 0x2019: "'", 0x00AB: '"', 0x00BB: '"'}
    )
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


# -- vocabulary ----------------------------------------------------------------------------------

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|noted|notes|note|believes|believe|believed|"
    "stated|states|claimed|claims|claim|argued|argues|argue|warned|warns|warn|"
    "estimated|estimates|estimate|reported|reports|report|reveals|revealed|reveal|"
    "highlights|highlighted|opined|explained|explains|insisted|insists|wrote|writes|"
    "announced|announces|confirmed|confirms|denied|denies|deny|alleged|alleges|allege|"
    "disputes|disputed|dispute|demanded|demands|found|finds|find|concluded|concludes|"
    "ranks|ranked|testified|acknowledged|admitted|predicted|projects|projected|"
    "according"
)
_SPEECH = re.compile(rf"\b({SPEECH_VERBS})\b", re.IGNORECASE)
ATTRIBUTION_VERB = re.compile(
    rf"\b(?:{SPEECH_VERBS.replace('|according', '')})\b(?! to\b)", re.IGNORECASE
)
_PASSIVE = re.compile(
    r"\b(?:it|this)\s+(?:was|is|has\s+been|had\s+been)\s+(?:reported|alleged|claimed|said|"
    r"rumou?red|understood|believed)\b",
    re.IGNORECASE,
)
_ALLEGATION = re.compile(
    r"\b(allegedly|reportedly|purportedly|accused|accuses|alleged|alleges|allegation|"
    r"suspected|charged with|believe[sd]?)\b",
    re.IGNORECASE,
)
_CARRY_ON = re.compile(r"^(allegedly|reportedly|purportedly)\b", re.IGNORECASE)

MEDIA_WORDS = (
    "press",
    "reuters",
    "news",
    "times",
    "herald",
    "post",
    "agency",
    "television",
    "radio",
    "gazette",
    "journal",
    "tribune",
    "guardian",
    "bbc",
    "afp",
    "cnn",
    "associated",
    "telegraph",
    "observer",
    "chronicle",
    "broadcasting",
    "wire",
    "daily",
    "magazine",
)
ORG_WORDS = (
    "centre",
    "center",
    "ministry",
    "university",
    "office",
    "institute",
    "council",
    "party",
    "bank",
    "association",
    "commission",
    "police",
    "department",
    "company",
    "court",
    "government",
    "authority",
    "committee",
    "agency",
    "international",
    "group",
    "foundation",
    "union",
    "organisation",
    "organization",
    "service",
    "board",
    "fund",
    "press",
    "reuters",
    "news",
    "times",
    "herald",
    "gazette",
    "journal",
    "school",
    "hospital",
    "corporation",
    "inc",
    "ltd",
    "network",
    "assembly",
    "parliament",
    "federation",
    "society",
    "trust",
    "club",
    "army",
    "navy",
    "coalition",
    "alliance",
)
DESCRIPTORS = {
    "organisation": (
        "the think tank",
        "the organisation",
        "the organization",
        "the group",
        "the company",
        "the ministry",
        "the office",
        "the institute",
        "the council",
        "the charity",
        "the watchdog",
        "the firm",
        "the party",
        "the agency",
    ),
    "media": (
        "the american media outlet",
        "the media outlet",
        "the news agency",
        "the outlet",
        "the agency",
        "the wire service",
        "the broadcaster",
        "the newspaper",
        "the paper",
    ),
}
PRONOUNS = {"she", "he", "they"}
SKIP_LINE = re.compile(
    r"^(images? source|photo|image|picture|credit|source of images|related content|"
    r"read more|advertisement|share this|ed\.|editor:|copyright)\b|©",
    re.IGNORECASE,
)
_SOURCE_LINE = re.compile(r"^source:\s*(.+?)\.?$", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(.+)$", re.IGNORECASE)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]+(?:,\s*[A-Z][\w .'-]+)?)\s*(?:\((?P<agency>[^)]+)\))?\s*"
    r"[\u2014\u2013-]{1,2}\s*"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(\d{{1,2}}\s+(?:{_MONTHS})\.?\s+\d{{4}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")

# -- quantities ----------------------------------------------------------------------------------

_QUALIFIERS = (
    "at least|at most|more than|less than|fewer than|up to|nearly|almost|about|around|"
    "approximately|roughly|some|over|under|as many as|no fewer than|no more than|just over|"
    "just under|close to"
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million|billion"
)
_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "bn": 1e9,
    "m": 1e6,
    "k": 1e3,
}
_VAGUE = {
    "tens of thousands": (10_000, 99_999),
    "hundreds of thousands": (100_000, 999_999),
    "tens of millions": (10_000_000, 99_999_999),
    "hundreds of millions": (100_000_000, 999_999_999),
    "dozens": (24, 99),
    "hundreds": (200, 999),
    "thousands": (2_000, 9_999),
    "millions": (2_000_000, 9_999_999),
}
_QUANTITY = re.compile(
    rf"(?:\b(?P<qual>{_QUALIFIERS})\s+)?"
    r"(?:"
    r"(?P<age>\d{1,3})-year-old"
    r"|(?P<money>[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|m|k)\b)?)"
    r"|(?P<vague>tens of thousands|hundreds of thousands|tens of millions|"
    r"hundreds of millions|dozens|hundreds|thousands|millions)"
    r"|(?P<dozen>(?:a|one|half a)\s+dozen)"
    r"|(?P<fraction>a (?:third|quarter|half)|one in (?:two|three|four|five|ten))"
    rf"|(?P<digits>\d[\d,]*(?:\.\d+)?)(?:\s?(?P<scale>million|billion|trillion)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    rf"|(?P<words>\b(?:{_NUMBER_WORDS})(?:[\s-](?:and\s)?(?:{_NUMBER_WORDS}))*\b)"
    r"(?:\s?(?P<wpct>percent\b|per cent\b))?"
    r")"
    r"(?P<currency>\s(?:euros?|dollars?|pounds?|dinars?|rubles?|roubles?))?",
    re.IGNORECASE,
)
_COUNTED = re.compile(
    r"^\s*(?:of\s+)?(?:(?:other|more|additional|the|its|their|his|her)\s+)*"
    r"([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)",
    re.IGNORECASE,
)
_COUNTED_STOP = {
    "and",
    "or",
    "to",
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "than",
    "that",
    "who",
    "which",
    "was",
    "were",
    "is",
    "are",
    "had",
    "have",
    "has",
    "of",
    "between",
    "since",
    "ago",
    "last",
    "this",
    "next",
}


def _words_value(words: str) -> float | None:
    from text_to_num import text2num

    try:
        return float(text2num(words.lower().replace("-", " ").replace(" and ", " "), "en"))
    except ValueError:
        return None


def quantities(sentence: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for match in _QUANTITY.finditer(sentence):
        text = match.group(0).strip()
        qualifier = (match.group("qual") or "").lower() or None
        value: float | None = None
        low = high = None
        if match.group("age"):
            value = float(match.group("age"))
            counted: str | None = "years of age"
        else:
            counted = None
            if match.group("money"):
                raw = match.group("money")
                number = re.search(r"\d[\d,]*(?:\.\d+)?", raw)
                assert number is not None
                value = float(number.group().replace(",", ""))
                scale = re.search(r"(million|billion|trillion|bn|m|k)\b", raw[number.end() :])
                if scale:
                    value *= _SCALE[scale.group(1).lower()]
            elif match.group("vague"):
                low, high = _VAGUE[match.group("vague").lower()]
                qualifier = qualifier or "approximately"
            elif match.group("dozen"):
                value = 6.0 if match.group("dozen").lower().startswith("half") else 12.0
            elif match.group("fraction"):
                fraction = match.group("fraction").lower()
                value = {"third": 1 / 3, "quarter": 0.25, "half": 0.5}.get(fraction.split()[-1])
                if fraction.startswith("one in"):
                    value = 1 / (_words_value(fraction.split()[-1]) or 1)
                value = round(value, 4) if value is not None else None
            elif match.group("digits"):
                digits = match.group("digits").replace(",", "")
                if _YEAR.fullmatch(digits) and not match.group("pct") and not qualifier:
                    continue  # a year is a date, not a count
                value = float(digits)
                if match.group("scale"):
                    value *= _SCALE[match.group("scale").lower()]
            elif match.group("words"):
                words = match.group("words")
                if words.lower() == "one" and not qualifier:
                    continue  # "one of the", "one day": rarely a count
                value = _words_value(words)
                if value is None:
                    continue
            tail = _COUNTED.match(sentence[match.end() :])
            if tail:
                candidate = " ".join(
                    w for w in tail.group(1).split() if w.lower() not in _COUNTED_STOP
                )
                counted = candidate or None
        if match.group("pct") or match.group("wpct"):
            counted = "percent"
        if match.group("currency"):
            counted = match.group("currency").strip()
        if value is not None and value == int(value):
            value = int(value)
        found.append(
            {
                "text": text,
                "value": value,
                "low": low,
                "high": high,
                "qualifier": qualifier,
                "counted": counted,
            }
        )
    return found


# -- names ---------------------------------------------------------------------------------------

_CAP = r"(?:[A-Z][\w'.-]*|of|for|the|and|de|van|von|al|el|la|le|du|di)"
_NAME = re.compile(
    r"\b(?:(?:the|The)\s+)?([A-Z][\w'-]*\.?(?:\s+" + _CAP + r")*(?:\s+[A-Z][\w'-]*))"
)
_ROLE_TITLES = re.compile(
    r"^(?:(Mayor|President|Prime Minister|Minister|Senator|Governor|Judge|Dr\.|Professor|"
    r"Prof\.|Mr\.|Mrs\.|Ms\.|General|Chief|Sheriff|Councillor|Councilman|Councilwoman|"
    r"Council member|Rep\.|Sen\.|Gov\.|Inspector|Detective|Director)\s+)+",
)
_LOWER_JOIN = {"of", "for", "the", "and", "de", "van", "von", "al", "el", "la", "le", "du", "di"}
_NOT_NAMES = {
    "i",
    "it",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "they",
    "we",
    "his",
    "her",
    "their",
    "our",
    "its",
    "but",
    "and",
    "or",
    "if",
    "when",
    "while",
    "after",
    "before",
    "despite",
    "following",
    "according",
    "in",
    "on",
    "at",
    "for",
    "with",
    "as",
    "allegedly",
    "reportedly",
    "construction",
    "bus",
    "patient",
    "patients",
    "hospitals",
    "researchers",
    "prosecutors",
    "council",
    "members",
}


@dataclass
class Entity:
    name: str
    kind: str  # person, organisation, media
    role: str | None = None


def _kind_of(name: str) -> str:
    words = [w.lower().strip(".'") for w in name.split()]
    if any(w in MEDIA_WORDS for w in words) or (
        name.isupper() and name in ("AP", "AFP", "BBC", "CNN")
    ):
        return "media"
    if any(w in ORG_WORDS for w in words) or name.isupper():
        return "organisation"
    return "person"


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


class Mentions:
    """The people and organisations an article has introduced, in order."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self.last_person: Entity | None = None
        self.last_org: Entity | None = None
        self.last_media: Entity | None = None

    def find(self, name: str) -> Entity | None:
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
        return None

    def add(self, name: str, kind: str | None = None, role: str | None = None) -> Entity:
        found = self.find(name)
        if found is None:
            found = Entity(name, kind or _kind_of(name), role)
            self.entities.append(found)
        elif role and not found.role:
            found.role = role
        self.touch(found)
        return found

    def touch(self, entity: Entity) -> None:
        if entity.kind == "person":
            self.last_person = entity
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
            return self.last_person if lowered != "they" else (self.last_org or self.last_person)
        for kind, descriptions in DESCRIPTORS.items():
            if lowered in descriptions:
                if kind == "media" and self.last_media is not None:
                    return self.last_media
                return self.last_org
        return self.find(words)

    def scan(self, sentence: str) -> None:
        """Register the proper names a sentence introduces (described organisations,
        "the car parts maker Voltera", were added before the sentence was attributed)."""
        for match in _NAME.finditer(sentence):
            for name in _names_in(match.group(1)):
                self.add(name)
        for acronym in re.findall(r"\b[A-Z]{2,5}\b", sentence):
            entity = self.find(acronym)
            if entity is not None:
                self.touch(entity)


_DESCRIBED_ORG = re.compile(
    r"\b(?:[Tt]he|[Aa]n?)\s+(?:[a-z-]+\s+){0,3}(?:maker|company|firm|group|carmaker|bank|"
    r"retailer|manufacturer|producer|supplier|operator|insurer|lender|charity|publisher|"
    r"broadcaster|airline|startup|conglomerate|developer|chain)\s+"
    r"(?P<name>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)"
)
_ROLE_NOUNS = re.compile(
    r"\b(leader|spokes(?:wo)?man|spokesperson|director|minister|executive|chairman|"
    r"chairwoman|chair|president|secretary|head|chief|official|manager|founder|lawyer|"
    r"attorney|adviser|advisor|analyst|economist|researcher|professor|coordinator|member|"
    r"representative|commissioner|ambassador|editor|reporter|correspondent|mayor|governor|"
    r"senator|judge|prosecutor|officer|general|activist)\b",
    re.IGNORECASE,
)


def split_role(phrase: str) -> tuple[str, str | None]:
    """'Union leader Goran Ilić' -> ('Goran Ilić', 'Union leader'); a role and a name in
    apposition ("Voltera's chief executive, Sofia Lind") likewise, in either order."""
    if "," in phrase:
        first, second = (part.strip() for part in phrase.split(",", 1))
        for name, role in ((first, second), (second, first)):
            if _looks_like_name(name) and _ROLE_NOUNS.search(role):
                return name, role
    words = phrase.split()
    if len(words) >= 3 and _ROLE_NOUNS.search(" ".join(words[:-2])):
        tail = words[-2:]
        if all(w[:1].isupper() for w in tail):
            return " ".join(tail), " ".join(words[:-2])
    return phrase, None


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)


def _trim_name(raw: str) -> str | None:
    words = raw.split()
    while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _LOWER_JOIN):
        words = words[1:]
    while words and words[-1].lower() in _LOWER_JOIN:
        words = words[:-1]
    title = _ROLE_TITLES.match(" ".join(words))
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
    if not any(w in _LOWER_JOIN for w in words) or _kind_of(name) != "person":
        return [name]
    parts = re.split(r"\s+(?:" + "|".join(_LOWER_JOIN) + r")\s+", name)
    return [part for part in parts if len(part.split()) >= 2]


# -- sentences -----------------------------------------------------------------------------------


@dataclass
class Candidate:
    sentence: str
    text: str
    quote: str | None
    claimant: str | None
    claimant_kind: str | None
    role: str | None
    reporter: str | None
    quantities: list[dict[str, Any]]
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "text": self.text,
            "quote": self.quote,
            "claimant": self.claimant,
            "claimant_kind": self.claimant_kind,
            "role": self.role,
            "reporter": self.reporter,
            "quantities": self.quantities,
            "reasons": self.reasons,
        }


@dataclass
class Extraction:
    headline: str | None
    date: str | None
    outlet: str | None
    reporter: str | None
    candidates: list[Candidate]

    def as_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "date": self.date,
            "outlet": self.outlet,
            "reporter": self.reporter,
            "claims": [c.as_dict() for c in self.candidates],
        }


def _segment(paragraph: str) -> list[str]:
    from sentencex import segment

    pieces = [s.strip() for s in segment("en", paragraph) if s.strip()]
    merged: list[str] = []
    for piece in pieces:
        # Keep a quotation that spans sentences in one piece, with its attribution.
        if merged and merged[-1].count('"') % 2 == 1:
            merged[-1] = merged[-1] + " " + piece
        else:
            merged.append(piece)
    return merged


def _paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines; a block keeps its line breaks."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _is_story_paragraph(paragraph: str) -> bool:
    if SKIP_LINE.search(paragraph):
        return False
    words = paragraph.split()
    # Captions, section labels and headlines: short and without closing punctuation.
    return len(words) >= 4 and paragraph.rstrip()[-1:] in ".!?\"'"


# -- attribution ---------------------------------------------------------------------------------

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
_QUOTE = re.compile(r'"([^"]{3,})"')
_AFTER_QUOTE = re.compile(
    r'"\s*,?\s*(?:(?P<verb1>said|says|added|adds|told|wrote|explained|insisted|warned|'
    r'noted|stated)\s+(?P<who1>[^,."]+)|(?P<who2>[^,."]+?)\s+(?P<verb2>said|says|added|'
    r"adds|told|wrote|explained|insisted|warned|noted|stated))(?=[,.\s]|$)"
)
_SUBJECT_VERB = re.compile(
    rf"(?P<subject>(?:[\w'.-]+\s+){{0,7}}?[\w'.-]+)\s*,?\s+"
    rf"(?:has\s+|have\s+|had\s+)?(?P<verb>{SPEECH_VERBS.replace('|according', '')})\b",
    re.IGNORECASE,
)
_TRAILING_SAID = re.compile(
    rf",\s*(?P<who>[^,\d]{{2,60}}?)\s+(?:(?:has|have|had)\s+)?"
    rf"(?:{SPEECH_VERBS.replace('|according', '')})"
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
_MONTH_OR_DAY = re.compile(
    rf"\b(?:{_MONTHS.replace('|may|', '|')}|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b",
    re.IGNORECASE,
)
_APPOSITION = re.compile(r"^(?P<who>[^,]+),\s*(?P<role>[^,]{3,80}),\s*(?:in|on|at|to)\b")
_LEADING_ROLE = re.compile(
    r"^(?P<role>(?:his|her|their|its)\s+[a-z ]+),\s*(?P<who>[^,]+)$", re.IGNORECASE
)
_CLAUSE_WORDS = re.compile(r"\b(who|which|that|whose)\b", re.IGNORECASE)
_NOT_A_ROLE = re.compile(r"^(?:as|in|on|at|to|from|according|after|before|citing)\b", re.IGNORECASE)
_DETERMINERS = re.compile(r"^(?:the|a|an|some|many|several|other)\s+", re.IGNORECASE)


@dataclass
class Who:
    name: str | None
    kind: str | None = None
    role: str | None = None


class Attributor:
    def __init__(self, mentions: Mentions) -> None:
        self.mentions = mentions

    def entity(self, phrase: str, role: str | None = None) -> Who:
        phrase = phrase.strip().strip(",").strip()
        phrase = _TIME_TAIL.sub("", phrase)
        phrase, found_role = split_role(phrase)
        role = role or found_role
        title = _ROLE_TITLES.match(phrase)
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
        quote = _QUOTE.search(sentence)
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
                if role and not _looks_like_name(tail.group("who")) and _looks_like_name(role):
                    return self.entity(role, tail.group("who"))
                return self.entity(tail.group("who"), role)
        unclaused = _RELATIVE.sub("", sentence)
        match = _SUBJECT_VERB.search(unclaused)
        if match and match.start() > 0:
            trailing = _TRAILING_SAID.search(sentence)
            if trailing and not _QUOTE.search(trailing.group("who")):
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
        if trailing and not _QUOTE.search(trailing.group("who")):
            return self.entity(trailing.group("who"))
        lead_role = re.match(
            r"^(?P<role>(?:His|Her|Their|Its)\s+[a-z ]+),\s*(?P<who>[A-Z][^,]+),"
            r"\s*(?:said|told|added|wrote)\b",
            sentence,
        )
        if lead_role:
            return self.entity(lead_role.group("who"), lead_role.group("role"))
        return None

    def via(self, sentence: str) -> str | None:
        """A news organisation the sentence says it came through."""
        for match in _QUOTED_BY.finditer(sentence):
            entity = self.mentions.resolve(match.group("who")) or self.mentions.find(
                match.group("who")
            )
            if entity is not None and entity.kind == "media":
                return entity.name
            name = _DETERMINERS.sub("", match.group("who")).strip()
            if _kind_of(name) == "media":
                return self.mentions.add(name, "media").name
        according = _ACCORDING.search(sentence)
        if according and according.group("via"):
            return self.entity(according.group("via")).name
        return None


def _strip_attribution(sentence: str) -> str:
    text = re.sub(r"^according to [^,]+,\s*", "", sentence, flags=re.IGNORECASE)
    text = re.sub(r",\s*according to [^,.]+\.$", ".", text, flags=re.IGNORECASE)
    text = _TRAILING_SAID.sub(".", text)
    text = text.strip()
    return text[:1].upper() + text[1:] if text else sentence


# -- the article ---------------------------------------------------------------------------------


def _front_matter(
    paragraphs: list[str],
) -> tuple[str | None, str | None, str | None, str | None, int]:
    """Headline, date, outlet and reporter from the lines before the story starts."""
    headline = date = outlet = reporter = None
    start = 0
    lines = [(n, line) for n, block in enumerate(paragraphs) for line in block.split("\n")]
    story_start = next(
        (
            n
            for n, block in enumerate(paragraphs)
            if n > 0 and _is_story_paragraph(block.replace("\n", " ")) and not _BYLINE.match(block)
        ),
        len(paragraphs),
    )
    for number, paragraph in lines:
        if number >= story_start:
            start = story_start
            break
        if headline is None and not SKIP_LINE.search(paragraph):
            headline = paragraph
        found_date = _DATE.search(paragraph)
        if found_date and date is None:
            date = found_date.group(0)
        byline = _BYLINE.match(paragraph)
        if byline:
            parts = [p.strip() for p in byline.group(1).split(",")]
            media = [p for p in parts if _kind_of(p) == "media"]
            if media:
                outlet = media[-1]
        elif outlet is None and number > 0:
            first = paragraph.split(" | ")[0].strip()
            if _kind_of(first) == "media" and len(first.split()) <= 5:
                outlet = first
    else:
        start = len(paragraphs)
    for _, paragraph in lines:
        line = _SOURCE_LINE.match(paragraph)
        if line:
            reporter = line.group(1).strip()
    return headline, date, outlet, reporter, start


def extract(article: str) -> Extraction:
    text = normalise(article)
    paragraphs = _paragraphs(text)
    headline, date, outlet, reporter, start = _front_matter(paragraphs)
    mentions = Mentions()
    attributor = Attributor(mentions)
    for name in (reporter, outlet):
        if name:
            mentions.add(name, "media")
    publisher = reporter or outlet
    candidates: list[Candidate] = []
    for block in paragraphs[start:]:
        paragraph = block.replace("\n", " ")
        if _SOURCE_LINE.match(paragraph) or not _is_story_paragraph(paragraph):
            continue
        dateline = _DATELINE.match(paragraph)
        if dateline:
            if dateline.group("agency"):
                agency = mentions.add(dateline.group("agency").strip(), "media")
                reporter = reporter or agency.name
                publisher = reporter
            paragraph = paragraph[dateline.end() :]
        previous: Who | None = None
        previous_quote_speaker: Who | None = None
        for sentence in _segment(paragraph):
            # "The car parts maker Voltera ..., the company said": the description names
            # the organisation before the sentence refers back to it.
            for described in _DESCRIBED_ORG.finditer(sentence):
                mentions.add(described.group("name"), "organisation")
            candidate = _candidate(
                sentence,
                attributor,
                previous,
                previous_quote_speaker,
                publisher,
                reporter or outlet,
            )
            mentions.scan(sentence)
            if candidate is None:
                continue
            candidates.append(candidate)
            previous = Who(candidate.claimant, candidate.claimant_kind, candidate.role)
            if candidate.quote:
                previous_quote_speaker = previous
    return Extraction(headline, date, outlet, reporter or outlet, candidates)


def _candidate(
    sentence: str,
    attributor: Attributor,
    previous: Who | None,
    quote_speaker: Who | None,
    publisher: str | None,
    default_reporter: str | None,
) -> Candidate | None:
    reasons: list[str] = []
    found_quantities = quantities(sentence)
    if found_quantities:
        reasons.append("number")
    quote = _QUOTE.search(sentence)
    if quote:
        reasons.append("quote")
    passive = _PASSIVE.search(sentence)
    if passive or _SPEECH.search(sentence):
        reasons.append("attribution")
    if _ALLEGATION.search(sentence):
        reasons.append("allegation")
    if _YEAR.search(sentence) or _DATE.search(sentence) or _MONTH_OR_DAY.search(sentence):
        reasons.append("date")
    names = [n for m in _NAME.finditer(sentence) for n in _names_in(m.group(1))]
    capitalised = re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zé-ž]+", sentence[1:])
    if len(names) + len(capitalised) >= 2:
        reasons.append("names")
    if not reasons or len(sentence.split()) < 4 or sentence.endswith("?"):
        return None
    who: Who | None
    if passive:
        who = Who(None)
    else:
        who = attributor.claimant(sentence)
        if who is None and quote and quote.start() == 0 and quote_speaker is not None:
            who = quote_speaker  # a further quotation from the speaker just quoted
        if who is None and _CARRY_ON.match(sentence) and previous is not None:
            who = previous
        if who is None or who.name is None:
            who = Who(publisher, "media")
    via = attributor.via(sentence)
    text = _strip_attribution(sentence)
    if quote and len(quote.group(1)) > 0.6 * len(sentence):
        text = quote.group(1).strip().rstrip(",")  # the claim is what the quote says
    return Candidate(
        sentence=sentence,
        text=text,
        quote=quote.group(1).strip().rstrip(",") if quote else None,
        claimant=who.name,
        claimant_kind=who.kind,
        role=who.role,
        reporter=via or default_reporter,
        quantities=found_quantities,
        reasons=reasons,
    )


def record(
    db: Any,
    extraction: Extraction,
    candidates: list[Candidate],
    *,
    story: str | None,
    source_name: str | None = None,
) -> list[dict[str, Any]]:
    """Add accepted candidates as unverified claims, with their sources and links.

    Sources are matched by name or alias (never duplicated); a new claimant source gets
    the role the article gives it. The article's headline, date and outlet go in a note.
    """
    from claimtrack.db import Database

    assert isinstance(db, Database)
    where = ", ".join(
        part
        for part in (
            f'"{extraction.headline}"' if extraction.headline else None,
            extraction.outlet,
            extraction.date,
            source_name,
        )
        if part
    )
    kinds = {"person": "person", "organisation": "organisation", "media": "publication"}
    made: list[dict[str, Any]] = []
    for candidate in candidates:
        said: list[str] = []
        if candidate.claimant:
            existing = db.find_source(candidate.claimant)
            if existing is None:
                db.add_source(
                    candidate.claimant,
                    kind=kinds.get(candidate.claimant_kind or "", "unknown"),
                    role=candidate.role,
                )
            said.append(candidate.claimant)
        reported = [r for r in (candidate.reporter, extraction.outlet) if r]
        reported = list(dict.fromkeys(reported))
        for name in reported:
            if db.find_source(name) is None:
                db.add_source(name, kind="publication")
        claim = db.add_claim(
            candidate.text,
            quote=candidate.quote,
            story=story,
            quantities=cast("list[Quantity]", candidate.quantities),
            said_by=said,
            reported_by=reported,
            note=f"Extracted from {where}: {candidate.sentence}" if where else None,
        )
        made.append(dict(claim))
    return made
