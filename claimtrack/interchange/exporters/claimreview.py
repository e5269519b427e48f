"""schema.org ClaimReview (JSON-LD), one per claim that has a verdict.

Rating scale (documented in the README): ``bestRating`` 5, ``worstRating`` 1;
``false`` = 1, ``disputed`` = 3, ``verified`` = 5. ``unverifiable`` has a textual
verdict only (no number). ``unverified``, ``checking`` and ``retracted`` claims have no
published verdict and are skipped. ``alternateName`` is the claim's ``rating`` text, or
the default wording of its status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from claimtrack.confidential import is_confidential
from claimtrack.errors import ClaimtrackError
from claimtrack.model import Claim, Link
from claimtrack.query import Presenter

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
        return cls(name, settings.get("url") or None, settings.get("review_url") or None)


@dataclass
class Result:
    reviews: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # IDs: a large export skips most claims


def _person(source: Mapping[str, Any]) -> dict[str, Any]:
    kind = "Person" if source.get("kind") == "person" else "Organization"
    author: dict[str, Any] = {"@type": kind, "name": source["name"]}
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


def review(claim: Claim, presenter: Presenter, reviewer: Reviewer) -> dict[str, Any] | None:
    verdict = VERDICTS.get(claim["status"])
    if verdict is None:
        return None
    value, wording = verdict
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": claim.get("rating") or wording,
    }
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
        if appearances[0].get("datePublished"):
            item["datePublished"] = appearances[0]["datePublished"]
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
        "datePublished": claim["updated"][:10],
        "identifier": claim["id"],
    }
    if reviewer.review_url:
        result["url"] = reviewer.review_url.format(id=claim["id"], short=claim["id"][:7])
    return result


def build(claims: Iterable[Claim], presenter: Presenter, reviewer: Reviewer) -> Result:
    result = Result()
    for claim in claims:
        made = review(claim, presenter, reviewer)
        if made is None:
            result.skipped.append(claim["id"])
        else:
            result.reviews.append(made)
    return result
