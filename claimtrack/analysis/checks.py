"""The pre-publication check: every problem an editor would block publication for.

Each rule has a short code; ``claimtrack.toml`` can switch rules off for all stories or
for one (see ``config``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from claimtrack import ids
from claimtrack.model import Claim, Link, has_verdict
from claimtrack.views.presenter import Presenter

RULES: dict[str, str] = {
    "unattributed": "no said-by source and no note saying why",
    "unreported": "no reported-by source: nobody is recorded as publishing it (a note "
    "starting 'unreported:' says why, as for a claim the desk found itself)",
    "two-sources": "a number or a serious allegation rests on fewer than two independent "
    "sources (AFP's rule; reporters repeating one another do not count)",
    "open-status": "status is unverified, checking or disputed",
    "false-in-story": "rated false but still in the story",
    "anonymity": "a confidential source without a recorded reason and approving editor (AP's rule)",
    "reported-by-link": "a reported-by link without a URL or a date",
    "unarchived": "a reported-by, supports or disputes link with a URL but no snapshot "
    "('claimtrack archive')",
    "quote-drift": "the last 'claimtrack verify' found the link's quote missing or its page gone",
    "page-changed": "a claim with a verdict whose cited page, at the last 'claimtrack verify', "
    "no longer states a number the claim states",
}
# Links whose page is the evidence: a said-by link's URL is often a profile or a home page.
ARCHIVED_RELATIONS = ("reported-by", "supports", "disputes")
DRIFTED = {"quote-missing": "no longer has the link's quote", "gone": "is gone"}

OPEN_STATUSES = ("unverified", "checking", "disputed")
NOTE_PREFIXES = ("unattributed:", "attribution:")
UNREPORTED_PREFIXES = ("unreported:",)
NUMBER_WORDS = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|scores?|"
    r"hundreds?|thousands?|millions?|billions?|percent|per cent|half|third|quarter|twice|"
    r"double|triple)\b",
    re.IGNORECASE,
)
ALLEGATION_WORDS = re.compile(
    r"\b(alleg\w*|accus\w*|crimes?|criminal|corrupt\w*|fraud\w*|brib\w*|abus\w*|tortur\w*|"
    r"kill\w*|murder\w*|rap(e|ed|ist)|launder\w*|embezzl\w*|threat\w*|persecut\w*|target\w*|"
    r"deport\w*|illegal\w*|unlawful\w*|cover[- ]?up)\b",
    re.IGNORECASE,
)
ALLEGATION_TAGS = {"allegation", "allegations"}
# The same patterns with case kept, for ASCII text lower-cased first: on ASCII text they
# find exactly what the patterns above find (no character outside ASCII folds to an
# ASCII letter there), in half the time (sre folds case character by character).
_NUMBER_FOLDED = re.compile(NUMBER_WORDS.pattern)
_ALLEGATION_FOLDED = re.compile(ALLEGATION_WORDS.pattern)


class Problem(NamedTuple):
    """One problem ``check`` found (a tuple: a check of 10,000 claims makes 30,000)."""

    claim: str
    code: str
    message: str
    story: str | None
    text: str


def carries_number(claim: Claim) -> bool:
    return bool(claim.get("quantities")) or _found(NUMBER_WORDS, _NUMBER_FOLDED, claim["text"])


def is_serious_allegation(claim: Claim) -> bool:
    return bool(ALLEGATION_TAGS & set(claim["tags"])) or _found(
        ALLEGATION_WORDS, _ALLEGATION_FOLDED, claim["text"]
    )


def _found(pattern: re.Pattern[str], folded: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` (case ignored) is in ``text``: ``folded`` in the lower-cased
    text where it is ASCII."""
    if type(text) is str and text.isascii():
        return folded.search(text.lower()) is not None
    return pattern.search(text) is not None


def _noted(claim: Claim, prefixes: tuple[str, ...]) -> bool:
    """Whether one of the claim's notes starts with one of ``prefixes`` (case aside)."""
    return any(n["text"].strip().lower().startswith(prefixes) for n in claim["notes"])


def check_claim(claim: Claim, presenter: Presenter, disabled: Iterable[str] = ()) -> list[Problem]:
    """The claim's problems, rules in ``RULES``' order, then link by link in chain order.
    Every claim of a database passes through here: each fact about the claim or a link
    is worked out once (``disabled``: a set is used as it is, not copied)."""
    off = disabled if isinstance(disabled, (set, frozenset)) else set(disabled)
    found: list[tuple[str, str]] = []
    links = presenter.links(claim["id"])
    said = reported = False
    independent: set[str] = set()
    for link in links:
        relation = link["relation"]
        if relation == "said-by":
            said = True
            independent.add(link["source"])
        elif relation == "supports":
            independent.add(link["source"])
        elif relation == "reported-by":
            reported = True
    if not said and not _noted(claim, NOTE_PREFIXES):
        found.append(
            (
                "unattributed",
                "nobody is recorded as saying this; link a said-by "
                "source or add a note starting 'unattributed:' saying why",
            )
        )
    if not reported and not _noted(claim, UNREPORTED_PREFIXES):
        found.append(
            (
                "unreported",
                "nobody is recorded as publishing this; link a reported-by source "
                "or add a note starting 'unreported:' saying why",
            )
        )
    if len(independent) < 2:
        number = carries_number(claim)
        if number or is_serious_allegation(claim):
            why = "a number" if number else "a serious allegation"
            found.append(
                (
                    "two-sources",
                    f"carries {why} but has {len(independent)} independent "
                    "source(s); link a second one as supports",
                )
            )
    status = claim["status"]
    if status in OPEN_STATUSES:
        found.append(("open-status", f"status is {status}"))
    if status == "false" and claim.get("story"):
        found.append(("false-in-story", f"rated false but still in story {claim['story']}"))
    if links:
        _link_problems(claim, links, presenter, found)
    claim_id, story, text = claim["id"], claim.get("story"), claim["text"]
    if off:
        found = [(code, message) for code, message in found if code not in off]
    return [Problem(claim_id, code, message, story, text) for code, message in found]


def _link_problems(
    claim: Claim, links: list[Link], presenter: Presenter, found: list[tuple[str, str]]
) -> None:
    """``anonymity``, ``reported-by-link``, the evidence's and the verdict's problems,
    link by link, added to ``found``. A link's source is named only for a problem: most
    links have none."""
    sources = presenter.sources
    verdict = has_verdict(claim)
    for link in links:
        source_id, relation = link["source"], link["relation"]
        source = sources.get(source_id)
        if source is not None and source.get("sealed"):
            # Opened now, as it always was: a tampered seal is an error, and a recipient
            # may be asked for a passphrase, whether or not a problem names the source.
            presenter.name(source_id)
        if source is not None and source.get("confidential"):
            missing = [
                w
                for w, key in (("reason", "reason"), ("approving editor", "approved_by"))
                if not source.get(key)
            ]
            if missing:
                name = presenter.name(source_id)
                found.append(("anonymity", f"{name} has no recorded " + " or ".join(missing)))
        if relation == "reported-by":
            missing = [key for key in ("url", "date") if not link.get(key)]
            if missing:
                name = presenter.name(source_id)
                found.append(
                    (
                        "reported-by-link",
                        f"reported-by link to {name} has no " + " or ".join(missing),
                    )
                )
        if link.get("url") and relation in ARCHIVED_RELATIONS:
            found.extend(_evidence_problems(link, presenter.name(source_id)))
        if verdict and link.get("verify"):
            found.extend(_verdict_problems(claim, link, presenter.name(source_id)))


def _evidence_problems(link: Link, name: str) -> list[tuple[str, str]]:
    """``unarchived`` and ``quote-drift`` (issue 21): read from the link, never fetched."""
    url = link.get("url")
    archive = link.get("archive")
    if not url or link["relation"] not in ARCHIVED_RELATIONS:
        return []
    if not archive or archive.get("requested") != url:
        return [("unarchived", f"{link['relation']} link to {name} has no snapshot")]
    verify = link.get("verify")
    if verify and verify["result"] in DRIFTED:
        since = verify["since"][:10]
        what = DRIFTED[verify["result"]]
        return [
            (
                "quote-drift",
                f"the page of the {link['relation']} link to {name} {what} (verify, {since})",
            )
        ]
    return []


def _verdict_problems(claim: Claim, link: Link, name: str) -> list[tuple[str, str]]:
    """``page-changed``: the verdict was given on a page that, when verify last looked,
    had lost a figure the claim (its text, quote, quantities) or the link's quote states."""
    verify = link.get("verify")
    if not verify or verify["result"] != "changed" or not verify.get("numbers_gone"):
        return []
    from claimtrack.evidence.compare import stated

    texts = [claim["text"], claim.get("quote"), link.get("quote")]
    texts += [q.get("text") for q in claim.get("quantities") or []]
    lost = [n for n in verify.get("numbers_gone") or [] if n in stated(texts)]
    if not lost:
        return []
    since = verify["since"][:10]
    return [
        (
            "page-changed",
            f"the {claim['status']} verdict cites the {link['relation']} link to {name}, whose "
            f"page no longer states {', '.join(lost)} (verify, {since}); look again "
            "('claimtrack verify --diff')",
        )
    ]


def check(
    claims: Iterable[Claim],
    presenter: Presenter,
    disabled_for: DisabledRules,
) -> Iterator[Problem]:
    """The problems of each claim, as each claim is read."""
    for claim in claims:
        yield from check_claim(claim, presenter, disabled_for(claim.get("story")))


class DisabledRules:
    """Rules switched off, by story (from the command line and claimtrack.toml)."""

    def __init__(self, everywhere: Iterable[str], by_story: dict[str, list[str]]) -> None:
        unknown = (set(everywhere) | {r for rules in by_story.values() for r in rules}) - set(RULES)
        if unknown:
            from claimtrack.errors import ValidationError

            raise ValidationError(
                f"unknown check rule {sorted(unknown)[0]!r}",
                "rules are: " + ", ".join(RULES),
            )
        self.everywhere = set(everywhere)
        self.by_story = by_story
        self._known: dict[str | None, frozenset[str]] = {}

    def __call__(self, story: str | None) -> frozenset[str]:
        """The rules switched off for a claim of ``story`` (None: of no story), worked
        out once a story: ``check`` asks once a claim."""
        rules = self._known.get(story)
        if rules is None:
            chosen = self.by_story.get(story, []) if story is not None else []
            rules = self._known[story] = frozenset(self.everywhere.union(chosen))
        return rules


def problem_view(problem: Problem) -> dict[str, str | None]:
    return {
        "claim": problem.claim,
        "short": ids.short(problem.claim),
        "code": problem.code,
        "message": problem.message,
        "story": problem.story,
        "text": problem.text,
    }
