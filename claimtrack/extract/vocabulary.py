"""The extractor's vocabulary: the English words that signal a claim, a claimant, a
news organisation, a date, a quantity or a name.

These lists are what gets tuned when an article is misread, so they live together,
apart from the patterns that use them: adding "reiterated" to the verbs of saying, or
"the regulator" to the descriptions that point back to an organisation, is a change to
this file only, and ``python tests/extract_eval.py -v`` shows what it gains and loses. A
pattern here is nothing more than one of these lists, compiled once; patterns with a
grammar of their own live in the module that uses them.
"""

import re

# The patterns' sources and flags, by name. Each is compiled when first used (PEP 562
# ``__getattr__`` below): compiling them all on import cost ``add``, which reads only the
# number words, 60-70 million instructions (about a seventh of the command).
PATTERNS: dict[str, tuple[str, int]] = {}


def _lazy(name: str, pattern: str, flags: int = 0) -> None:
    PATTERNS[name] = (pattern, flags)


# -- saying and alleging -------------------------------------------------------------------------

# The verbs that attribute a statement to someone ("X said", "..., X argues").
VERBS_OF_SAYING = (
    "said|says|say|told|tells|added|adds|noted|notes|note|believes|believe|believed|"
    "stated|states|claimed|claims|claim|argued|argues|argue|warned|warns|warn|"
    "estimated|estimates|estimate|reported|reports|report|reveals|revealed|reveal|"
    "highlights|highlighted|opined|explained|explains|insisted|insists|wrote|writes|"
    "announced|announces|confirmed|confirms|denied|denies|deny|alleged|alleges|allege|"
    "disputes|disputed|dispute|demanded|demands|found|finds|find|concluded|concludes|"
    "ranks|ranked|testified|acknowledged|admitted|predicted|projects|projected"
)
# More verbs that attribute what follows or what they govern ("X described the plan
# as ...", "X accused Y of ...", "Y, X countered"); not in VERBS_OF_SAYING, whose
# "X <verb>" pattern they would stretch too far in the old rules.
MORE_VERBS_OF_SAYING = (
    "continued|described|describes|accused|accuses|countered|counters|complained|"
    "complains|tweeted|posted|testified|testifies|urged|urges|called|calls|regard|regards|"
    "divulged|recalled|recalls|conceded|concedes|maintained|maintains|contended|contends|"
    "suggested|suggests|acknowledges|admits|asserted|asserts|replied|responded|agreed|"
    "agrees|put it|forecast|forecasts|expect|expects|think|thinks|thought|"
    "cautioned|cautions|observed|emphasized|emphasised|stressed|pointed out|recounted|"
    "vowed|vows|pledged|promised|blamed|blames|criticized|"
    "criticised|condemned|praised|questioned|predicts|projected|project|outlined|outlines|"
    r"listed|ruled out|rules out|blasted|slammed|related(?=\s+that)|suspected(?=\s+that)|"
    r"(?:is|are|was|were)\s+(?:concerned|adamant|confident|convinced)"
)
# Participles that hand the sentence's subject a statement (", saying ...").
SAYING_PARTICIPLES = (
    "saying|telling|claiming|noting|adding|arguing|warning|insisting|explaining|"
    "accusing|calling|describing|stating|writing|complaining|acknowledging"
)
# Verbs whose subject is a document or data set ("state figures show", "files show").
DOCUMENT_VERBS = "show|shows|showed|shown|indicate|indicates|suggest|suggests|reveal|reveals"
# Words that are verbs of saying and nouns alike ("examine reports of a fire"): a verb
# only after a name, a pronoun or a plural subject, or before "that", a comma or a quote.
NOUN_OR_VERB = frozenset(
    "report reports claim claims note notes estimate estimates finds find demands project "
    "projects disputes dispute forecast forecasts calls regard think expect".split()
)
# Plain nouns for a group that speaks without names ("officials said", "hydrologists
# say"): the claimant is the description, marked unnamed.
GROUP_NOUNS = (
    "officials|experts|analysts|economists|scientists|researchers|forecasters|lawmakers|"
    "legislators|investigators|prosecutors|police|witnesses|residents|authorities|sources|"
    "diplomats|doctors|activists|critics|observers|historians|hydrologists|engineers|"
    "strategists|traders|investors|executives|officers|people|locals|campaigners|"
    "meteorologists|statisticians|organizers|organisers|employees|workers|teachers|"
    "parents|students|members|supporters|opponents|aides|advisers|advisors|staff"
)
# Descriptions of an unnamed source (AP's anonymous sources): "a senior official", "people
# familiar with the talks", "a person with knowledge of the deal".
UNNAMED: re.Pattern[str]
_lazy(
    "UNNAMED",
    r"^(?:(?:a|an|one|two|three|several|some|many|other|senior|junior|top|the)\s+)*"
    r"(?:(?:[a-z-]+)\s+){0,3}(?:(?:" + GROUP_NOUNS + r")|official|source|person|"
    r"diplomat|aide|adviser|advisor|spokesperson|insider|executive|officer)\b"
    r"(?:\s+(?:familiar|with|close|who|briefed|knowledgeable|speaking|involved|at|in|"
    r"from|of)\b.*)?$",
    re.IGNORECASE,
)

# An unnamed source in AP's sense (a person the reporter knows but does not name), as
# against a group ("officials", "economists"): recorded as a confidential source.
ANONYMOUS: re.Pattern[str]
_lazy(
    "ANONYMOUS",
    r"\b(?:familiar with|knowledge of|close to|briefed on|condition of anonymity|"
    r"not authori[sz]ed|declined to be named|insiders?)\b|^(?:an?|one)\s+(?:[a-z-]+\s+){0,3}"
    r"(?:official|source|person|diplomat|aide|adviser|advisor|executive|officer|insider)$",
    re.IGNORECASE,
)

# The verbs of saying and "according (to)": any of them makes a sentence an attribution.
SPEECH_VERBS = VERBS_OF_SAYING + "|according"
SPEECH: re.Pattern[str]
_lazy("SPEECH", rf"\b({SPEECH_VERBS}|{MORE_VERBS_OF_SAYING}|{SAYING_PARTICIPLES})\b", re.IGNORECASE)
# "It was reported that ...": attributed to nobody, and kept that way.
PASSIVE: re.Pattern[str]
_lazy(
    "PASSIVE",
    r"\b(?:it|this)\s+(?:was|is|has\s+been|had\s+been)\s+(?:reported|alleged|claimed|said|"
    r"rumou?red|understood|believed)\b",
    re.IGNORECASE,
)
ALLEGATION: re.Pattern[str]
_lazy(
    "ALLEGATION",
    r"\b(allegedly|reportedly|purportedly|accused|accuses|alleged|alleges|allegation|"
    r"suspected|charged with|believe[sd]?)\b",
    re.IGNORECASE,
)
# A sentence that opens with one of these carries on the previous sentence's claimant.
CARRY_ON: re.Pattern[str]
_lazy("CARRY_ON", r"^(allegedly|reportedly|purportedly)\b", re.IGNORECASE)

# -- organisations, the media, and words that point back to them ---------------------------------

# A name with one of these words is a news organisation ("Associated Press", "BBC News").
# "agency" alone is not one: a food standards or space agency is a body that speaks for
# itself ("news agency" has "news").
MEDIA_WORDS = (
    "press",
    "reuters",
    "news",
    "times",
    "herald",
    "post",
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
    "media",
    "newspaper",
)
MEDIA_ACRONYMS = ("AP", "AFP", "BBC", "CNN")
# A name with one of these words is an organisation ("Belgrade Centre for Security Policy").
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
# Descriptions that refer back to the organisation, or news organisation, named last.
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
# Pronouns that refer back to the person named last ("they": the organisation, if any).
PRONOUNS = {"she", "he", "they", "it"}

# -- the article's furniture ---------------------------------------------------------------------

# Captions, credits and web page debris: lines that are not the story.
# A page's links to other stories ("[Read: ...]"), a date line in the body ("posted on
# April 21, 2015, at ..."), and the signature under an embedded post ("Ann Lee (@annlee)
# May 2, 2024") are among them.
SKIP_LINE: re.Pattern[str]
_lazy(
    "SKIP_LINE",
    r"^(images? source|photo|image|picture|credit|source of images|related content|"
    r"read more|advertisement|share this|ed\.|editor:|copyright)\b|©|"
    r"^\[(?:read|see|watch|related|more)\b|^(?:posted|updated|published)\s+(?:on\s+)?"
    r"[a-z]+\.?\s+\d|\(@\w{1,15}\)\s+[a-z]{3,9}\.?\s+\d{1,2},\s+\d{4}$",
    re.IGNORECASE,
)
# Credit lines at the end of wire and newspaper copy: "Jane Roe contributed to this
# report", "(Reporting by ...; Editing by ...)", "Jane Roe reported from Lagos."
CREDIT_LINE: re.Pattern[str]
_lazy(
    "CREDIT_LINE",
    r"contributed (?:reporting )?to this (?:report|story|article)|^\(?(?:additional )?"
    r"reporting by\b|^\(?(?:writing|editing|compiled) by\b|\breported from [A-Z][\w ,.'-]*\.?$|"
    r"\b(?:may|can) be reached at\b|^follow (?:him|her|them|us|me) on\b|"
    r"^find \S+ on (?:facebook|twitter|instagram|x)\b",
    re.IGNORECASE,
)
# A bullet at the start of a paragraph: a hyphen, asterisk, bullet, dash or "1.".
BULLET: re.Pattern[str]
_lazy("BULLET", r"^(?:[-*\u2022\u2023\u25aa\u25cf\u2013\u2014]|\d{1,2}[.)])\s+")

# Words that make a run of capitalised words a place or a time, never a speaker: a
# pronoun never resolves to "Elm Street", "South Harbor" or "Earlier Saturday".
NOT_PERSON_WORDS = frozenset(
    "street avenue road lane square park river lake sea ocean bay island islands mountain "
    "mountains valley county state states city town village province region district "
    "north south east west northern southern eastern western upper lower central united "
    "kingdom republic airport station bridge hall field stadium center centre earlier "
    "later monday tuesday wednesday thursday friday saturday sunday january february "
    "march april june july august september october november december morning evening "
    "night week weekend christmas thanksgiving easter".split()
)

# A name that ends in one of these is a place, which says nothing: "it said" never means
# "the International Space Station" or "Elm Street".
PLACE_NOUNS = frozenset(
    "street avenue road lane square park river lake sea ocean bay island islands mountain "
    "mountains valley airport station bridge field stadium square port harbor harbour "
    "coast beach forest desert canal".split()
)

# Words that tell a person's gender, for "he" and "she" to find the right person: courtesy
# titles before a name and gendered role nouns beside it.
MALE_WORDS = frozenset(
    "mr mr. sir lord king prince spokesman chairman businessman congressman councilman "
    "father husband son brother uncle grandfather".split()
)
FEMALE_WORDS = frozenset(
    "mrs mrs. ms ms. miss dame lady queen princess spokeswoman chairwoman businesswoman "
    "congresswoman councilwoman mother wife daughter sister aunt grandmother".split()
)

# -- dates ---------------------------------------------------------------------------------------

# A date in full, day first or month first ("26 February 2024", "Feb. 26, 2024").
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
DATE: re.Pattern[str]
_lazy(
    "DATE",
    rf"\b(\d{{1,2}}\s+(?:{MONTHS})\.?\s+\d{{4}}|(?:{MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})\b",
    re.IGNORECASE,
)
# A year from 1800 to 2099: a date, never a count.
YEAR: re.Pattern[str]
_lazy("YEAR", r"\b(1[89]\d\d|20\d\d)\b")
# A month or weekday mentioned in passing ("on Friday"); "may" is left out, as the verb.
MONTH_OR_DAY: re.Pattern[str]
_lazy(
    "MONTH_OR_DAY",
    rf"\b(?:{MONTHS.replace('|may|', '|')}|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b",
    re.IGNORECASE,
)

# -- quantities ----------------------------------------------------------------------------------

# Words before a number that qualify it ("at least a dozen").
QUALIFIERS = (
    "at least|at most|more than|less than|fewer than|up to|nearly|almost|about|around|"
    "approximately|roughly|some|over|under|as many as|no fewer than|no more than|just over|"
    "just under|close to"
)
# Multipliers after a number ("4.2 million", "$3bn").
SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "bn": 1e9,
    "m": 1e6,
    "k": 1e3,
}
# Amounts given without a number, as the range they imply ("dozens": 24 to 99).
VAGUE_AMOUNTS = {
    "tens of thousands": (10_000, 99_999),
    "hundreds of thousands": (100_000, 999_999),
    "tens of millions": (10_000_000, 99_999_999),
    "hundreds of millions": (100_000_000, 999_999_999),
    "dozens": (24, 99),
    "hundreds": (200, 999),
    "thousands": (2_000, 9_999),
    "millions": (2_000_000, 9_999_999),
}
# Words after a number that are not what it counts ("40 of the", "12 in 2023").
NOT_COUNTED = {
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

# -- names and roles -----------------------------------------------------------------------------

# Lower-case words inside a name ("Centre for Security Policy", "Ursula von der Leyen").
NAME_PARTICLES = ("of", "for", "the", "and", "de", "van", "von", "al", "el", "la", "le", "du", "di")
# Capitalised words that start a sentence or a phrase but are no name, nor part of one.
NOT_NAMES = {
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
# Titles before a name, which are the person's role ("Mayor", "Prime Minister").
ROLE_TITLES: re.Pattern[str]
_lazy(
    "ROLE_TITLES",
    r"^(?:(?:(?:State|Deputy|Assistant|Vice|Acting|Former|Police|Fire|Lt\.|Chief)\s+)?"
    r"(Mayor|President|Prime Minister|Minister|Senator|Governor|Judge|Dr\.|Professor|"
    r"Prof\.|Mr\.?|Mrs\.?|Ms\.?|Dr|Sir|Dame|Lord|Lady|General|Chief|Sheriff|Councillor|Councilman|Councilwoman|"
    r"Council member|Rep\.|Sen\.|Gov\.|Inspector|Detective|Director|Sergeant|Sgt\.|"
    r"Captain|Capt\.|Lieutenant|Constable|Superintendent|Commissioner)\s+)+",
)
# Nouns that make a phrase a role rather than a name ("union leader", "chief executive").
ROLE_NOUNS: re.Pattern[str]
_lazy(
    "ROLE_NOUNS",
    r"\b(leader|spokes(?:wo)?man|spokesperson|director|minister|executive|chairman|"
    r"chairwoman|chair|president|secretary|head|chief|official|manager|founder|author|lawyer|"
    r"attorney|adviser|advisor|analyst|economist|researcher|professor|coordinator|member|"
    r"representative|commissioner|ambassador|editor|reporter|correspondent|mayor|governor|"
    r"senator|judge|prosecutor|officer|general|activist)\b",
    re.IGNORECASE,
)


def __getattr__(name: str) -> re.Pattern[str]:
    """A pattern named above, compiled on first use and kept as the module's attribute."""
    try:
        pattern, flags = PATTERNS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    compiled = re.compile(pattern, flags)
    globals()[name] = compiled
    return compiled
