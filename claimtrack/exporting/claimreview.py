"""schema.org ClaimReview (JSON-LD), one per claim that has a verdict.

Checked against schema.org's ``ClaimReview`` and ``Claim`` and Google's Fact Check
structured-data documentation (developers.google.com/search/docs/appearance/
structured-data/factcheck), which requires ``claimReviewed``, ``reviewRating``,
``url``, ``author`` and recommends ``itemReviewed`` (a ``Claim`` with ``author``,
``appearance``, ``firstAppearance``, ``datePublished``) and ``datePublished``:

- ``url``, the page of the published fact-check, is the claim's ``review.url``
  (``status ... --review-url``), else the ``--review-url`` template; a claim with
  neither is listed in ``Result.missing`` and the command refuses it unless told.
- ``datePublished`` is when the claim took its verdict (``history.verdict_times``),
  never its ``updated``: a note added later does not move it.
- ``itemReviewed.author`` is a ``Person`` for a source of kind person, an
  ``Organization`` for an organisation or publication; a claimant of another kind
  (unknown, document, dataset) is named without a type, never guessed.

Rating scale (documented in docs/export-import.md): ``bestRating`` 5, ``worstRating`` 1;
``false`` = 1, ``disputed`` = 3, ``verified`` = 5. ``unverifiable`` has a textual
verdict only (no number). ``unverified``, ``checking`` and ``retracted`` claims have no
published verdict and are skipped, and so are claims whose verdict is another desk's
(read from its ClaimReview: ``review.by``). ``alternateName`` and ``name`` are the claim's
``rating`` text, or the default wording of its status. ``itemReviewed.datePublished``
(when the claim was made) is the date on its claimant's said-by link, else on its first
appearance, and left out where neither is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from claimtrack.confidential import is_confidential
from claimtrack.errors import ClaimtrackError
from claimtrack.model import Claim, Link
from claimtrack.views.presenter import Presenter

VERDICTS: dict[str, tuple[int | None, str]] = {
    "false": (1, "False"),
    "disputed": (3, "Disputed"),
    "verified": (5, "True"),
    "unverifiable": (None, "Unverifiable"),
}
BEST, WORST = 5, 1


@dataclass
class Reviewer:
    name: str
    url: str | None = None
    review_url: str | None = None  # a template with {id} (and {short}), for each review

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> Reviewer:
        name = (settings.get("name") or "").strip()
        if not name:
            raise ClaimtrackError(
                "ClaimReview needs the reviewing organisation's name",
                "pass --org NAME (and --org-url URL), or set [organisation] name in "
                "claimtrack.toml beside the database",
            )
        template = settings.get("review_url") or None
        if template is not None:
            check_review_template(template)
        return cls(name, settings.get("url") or None, template)


def check_review_template(template: str) -> str:
    """A ``--review-url`` template: an http(s) address with ``{id}`` or ``{short}`` (the
    claim's ID, or its first seven characters) and no other ``{...}``. Raises
    ``ClaimtrackError`` naming the fields it may use."""
    from urllib.parse import urlsplit

    try:
        made = template.format(id="0" * 16, short="0" * 7)
    except (KeyError, IndexError, ValueError, AttributeError):
        raise ClaimtrackError(
            f"--review-url {template!r} is not a template claimtrack can fill",
            "use {id} or {short} for the claim, e.g. https://desk.example/checks/{short}",
        ) from None
    parts = urlsplit(made)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ClaimtrackError(
            f"--review-url {template!r} does not make a web address",
            "ClaimReview's url is the published fact-check's page: https://...",
        )
    return template


@dataclass
class Result:
    """What ``build`` made: the reviews, and the IDs of the claims it left out or could
    not complete."""

    reviews: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # IDs: a large export skips most claims
    others: list[str] = field(default_factory=list)  # another desk's verdicts, not ours
    missing: list[str] = field(default_factory=list)  # reviews without a url (left in)
    untyped: list[str] = field(default_factory=list)  # claimants of no Person/Organization kind


# schema.org's types for a claimant, by the source's kind (Google: "Person or
# Organization"); the other kinds say nothing of which it is.
AUTHOR_TYPES = {"person": "Person", "organisation": "Organization", "publication": "Organization"}


def _person(source: Mapping[str, Any]) -> dict[str, Any]:
    kind = AUTHOR_TYPES.get(source.get("kind") or "unknown")
    author: dict[str, Any] = {"@type": kind} if kind else {}
    author["name"] = source["name"]
    if source.get("role") and kind == "Person":
        author["jobTitle"] = source["role"]
    if source.get("url"):
        author["url"] = source["url"]
    return author


def _appearance(link: Link, presenter: Presenter) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": link["url"]}
    if link.get("date"):
        work["datePublished"] = link["date"]
    source = presenter.sources.get(link["source"])
    if source is not None and not is_confidential(source):
        work["publisher"] = {"@type": "Organization", "name": source["name"]}
    return work


def review(
    claim: Claim, presenter: Presenter, reviewer: Reviewer, verdict_at: str | None = None
) -> dict[str, Any] | None:
    """The ClaimReview of one claim, or None when it has no verdict to publish (see the
    module). ``verdict_at``: when the claim took its status (``history.verdict_times``;
    None: its ``created``). ``url`` is left out when neither the claim nor the reviewer
    gives one (``build`` lists the claim in ``missing``)."""
    verdict = VERDICTS.get(claim["status"])
    if verdict is None or claim.get("review", {}).get("by"):
        return None
    value, wording = verdict
    words = claim.get("rating") or wording
    # Google reads ``alternateName``; schema.org's Rating is named by ``name``: both.
    rating: dict[str, Any] = {"@type": "Rating", "name": words, "alternateName": words}
    if value is not None:
        rating.update(ratingValue=value, bestRating=BEST, worstRating=WORST)
    links = presenter.links(claim["id"])
    item: dict[str, Any] = {"@type": "Claim"}
    # Confidential sources never appear in a ClaimReview, not even as a pseudonym.
    claimants = [
        presenter.sources[k["source"]]
        for k in links
        if k["relation"] == "said-by"
        and k["source"] in presenter.sources
        and not is_confidential(presenter.sources[k["source"]])
    ]
    if claimants:
        item["author"] = _person(claimants[0])
    # Nor does the URL where a confidential source carried the claim: it names them.
    appearances = [
        _appearance(k, presenter)
        for k in links
        if k["relation"] == "reported-by"
        and k.get("url")
        and not is_confidential(presenter.sources.get(k["source"]))
    ]
    if appearances:
        item["appearance"] = appearances
        item["firstAppearance"] = appearances[0]
    # When the claim was made: the date on its claimant's link (when it was said), else
    # on its first appearance; where neither is known, no date.
    said_on = [
        k["date"]
        for k in links
        if k["relation"] == "said-by"
        and k.get("date")
        and not is_confidential(presenter.sources.get(k["source"]))
    ]
    made_on = said_on[:1] or [a["datePublished"] for a in appearances[:1] if a.get("datePublished")]
    if made_on:
        item["datePublished"] = made_on[0]
    author: dict[str, Any] = {"@type": "Organization", "name": reviewer.name}
    if reviewer.url:
        author["url"] = reviewer.url
    result: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim["text"],
        "reviewRating": rating,
        "itemReviewed": item,
        "author": author,
        "datePublished": (verdict_at or claim["created"])[:10],
        "identifier": claim["id"],
    }
    url = claim.get("review", {}).get("url")
    if url:
        result["url"] = url
    elif reviewer.review_url:
        result["url"] = reviewer.review_url.format(id=claim["id"], short=claim["id"][:7])
    return result


def build(
    claims: Iterable[Claim],
    presenter: Presenter,
    reviewer: Reviewer,
    verdict_times: Mapping[str, str] | None = None,
) -> Result:
    """The ClaimReviews of ``claims``; ``verdict_times`` as ``history.verdict_times``
    gives them (claim ID -> when its verdict was given)."""
    result = Result()
    for claim in claims:
        made = review(claim, presenter, reviewer, (verdict_times or {}).get(claim["id"]))
        if made is None:
            if claim.get("review", {}).get("by") and claim["status"] in VERDICTS:
                result.others.append(claim["id"])
            else:
                result.skipped.append(claim["id"])
            continue
        result.reviews.append(made)
        if "url" not in made:
            result.missing.append(claim["id"])
        author = made["itemReviewed"].get("author")
        if author is not None and "@type" not in author:
            result.untyped.append(claim["id"])
    return result
