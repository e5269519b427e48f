"""Import, step one for other desks' fact-checks: schema.org ClaimReview, read into
``Incoming`` as claims with their verdicts, claimants, appearances and provenance.

What is read (schema.org ``ClaimReview``; Google's Fact Check structured-data
documentation, developers.google.com/search/docs/appearance/structured-data/factcheck):
a JSON-LD document holding one ClaimReview, an array of them, an ``@graph``, or a
``DataFeed`` (the feed fact-checkers submit to Google's Fact Check tools: its
``dataFeedElement`` items' ``item``); and HTML pages with the same JSON-LD embedded in
``<script type="application/ld+json">`` blocks, read by extruct (no HTML parsing of our
own). Any node typed ``ClaimReview`` at any depth is a review; ``{"@id": ...}``
references to nodes elsewhere in the document are followed.

Each review becomes:

- a claim: ``text`` from ``claimReviewed``; ``status`` from the rating
  (``status_from_rating``); ``rating`` the rating's words (``alternateName``, else its
  ``name``, else "ratingValue of worstRating-bestRating"); ``review`` the review's
  ``url``, its ``author``'s name (``by``: whose verdict it is) and ``datePublished``;
  a note saying whose verdict it is, where and when, so that ``show`` and the memo tell it;
- ``said-by``: ``itemReviewed.author`` (a Person is a source of kind person, an
  Organization of kind organisation; anything else of kind unknown);
- ``reported-by``: each ``itemReviewed.appearance`` (``firstAppearance`` first), a
  source named by its ``publisher``/``author`` or else by the page's host, with the
  URL and ``datePublished`` on the link;
- the reviewing organisation (``author``) as a source of kind organisation linked as
  evidence, with the review's URL, date and rating on the link: ``supports`` when the
  verdict is verified, ``disputes`` when it is false or disputed; a verdict with no
  direction (unverifiable, or a rating not understood) gets no evidence link, since
  neither relation would be true; its provenance is in ``review`` and the note.

IDs are derived (``ids.derived``) from the review's URL (else its author, text and
date), so the same review read twice is the same claim and importing it again changes
nothing; a review carrying a claimtrack claim ID as ``identifier`` (what
``export --format claimreview`` writes) keeps that ID, so our own export imports back
onto the claims it came from. ``Incoming.reviews`` lists these claims: the plan leaves
a review that is already here as it is (``import_plan``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from claimtrack import ids
from claimtrack.errors import ClaimtrackError
from claimtrack.importing.read import (
    Incoming,
    InvalidImport,
    Problems,
    claim_record,
    link_record,
    source_record,
)
from claimtrack.model import Quantity, Status, check_date, fold, now, number_fits

# -- the rating ------------------------------------------------------------------------------

# Words of a rating (``alternateName``), matched whole after case and punctuation are
# folded, longest first, so "mostly false" is read before "false" and "not true" before
# "true". The wording of the main fact-checkers' scales (PolitiFact's Truth-O-Meter,
# AFP, Full Fact, Snopes, the Washington Post's Pinocchios) and our own export's.
RATING_WORDS: dict[str, Status] = {
    **dict.fromkeys(
        (
            "false",
            "pants on fire",
            "fake",
            "fabricated",
            "hoax",
            "incorrect",
            "wrong",
            "untrue",
            "not true",
            "mostly false",
            "four pinocchios",
            "scam",
            "baseless",
        ),
        "false",
    ),
    **dict.fromkeys(
        (
            "disputed",
            "misleading",
            "half true",
            "mixture",
            "mixed",
            "partly false",
            "partly true",
            "partially false",
            "partially true",
            "exaggerated",
            "exaggeration",
            "needs context",
            "missing context",
            "lacks context",
            "out of context",
            "distorts the facts",
            "cherry picks",
            "spin",
            "two pinocchios",
            "three pinocchios",
            "altered",
            "satire",
        ),
        "disputed",
    ),
    **dict.fromkeys(
        (
            "true",
            "correct",
            "accurate",
            "mostly true",
            "mostly correct",
            "geppetto checkmark",
            "verified",
            "confirmed",
        ),
        "verified",
    ),
    **dict.fromkeys(
        (
            "unverifiable",
            "unverified",
            "unproven",
            "unsupported",
            "no evidence",
            "insufficient evidence",
            "not enough evidence",
            "cannot be verified",
            "can t be verified",
            "unclear",
            "research in progress",
        ),
        "unverifiable",
    ),
}
_BY_LENGTH = sorted(RATING_WORDS, key=lambda w: (-len(w), w))
# schema.org Rating's defaults when a review gives no scale.
DEFAULT_BEST, DEFAULT_WORST = 5, 1


def _folded_words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^\w]+", " ", fold(text)).split()) + " "


def status_from_rating(
    name: str | None, value: Any = None, best: Any = None, worst: Any = None
) -> Status:
    """The status a published rating means here.

    1. Its words (``alternateName``): the longest phrase of ``RATING_WORDS`` found in
       it as whole words ("False: no such bans" is false; "Mostly true" verified; "Half
       true", "Misleading" disputed; "Unproven" unverifiable).
    2. Else its number on the reviewer's own scale (``ratingValue`` between
       ``worstRating`` and ``bestRating``, schema.org's defaults 1 and 5): the bottom
       quarter is false, the top quarter verified, between them disputed. So our own
       export's 1, 3 and 5 read back as false, disputed and verified.
    3. Else ``unverified``: the review is kept, with its rating's text, but its verdict
       is not guessed.
    """
    if name:
        words = _folded_words(name)
        for phrase in _BY_LENGTH:
            if f" {phrase} " in words:
                return RATING_WORDS[phrase]
    number, high, low = _number(value), _number(best), _number(worst)
    high = DEFAULT_BEST if high is None else high
    low = DEFAULT_WORST if low is None else low
    if number is None or high == low:
        return "unverified"
    share = (number - low) / (high - low)
    if share <= 0.25:
        return "false"
    if share >= 0.75:
        return "verified"
    return "disputed"


def _number(value: Any) -> float | None:
    """A rating's number, or None for none; one a record could not hold (infinity,
    NaN, beyond ``model.MAX_NUMBER``) is refused."""
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    if number is not None and not (math.isfinite(number) and number_fits(number)):
        raise ClaimtrackError(f"rating value {value!r} is not a number a rating can be")
    return number


# -- finding the reviews ---------------------------------------------------------------------


def looks_like_claimreview(data: Any) -> bool:
    """Whether parsed JSON is JSON-LD holding ClaimReview (rather than a claimtrack
    export or a ``list`` output): some node is typed ClaimReview or DataFeed."""
    return any(True for _ in _nodes_of_type(data, ("ClaimReview", "DataFeed")))


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    # "ClaimReview", "schema:ClaimReview" and "https://schema.org/ClaimReview" alike
    return {re.split(r"[:/#]", k)[-1] for k in kinds if isinstance(k, str)}


def _nodes_of_type(data: Any, wanted: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Every node typed one of ``wanted`` in ``data``, in document order; a match is
    not searched further."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if _types(item) & set(wanted):
                yield item
                continue
            stack.extend(reversed(list(item.values())))


def _by_id(data: Any) -> dict[str, dict[str, Any]]:
    """Nodes with an ``@id`` and more than it, for following references."""
    found: dict[str, dict[str, Any]] = {}
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if isinstance(item.get("@id"), str) and len(item) > 1:
                found.setdefault(item["@id"], item)
            stack.extend(item.values())
    return found


def _resolved(value: Any, nodes: Mapping[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in nodes:
        return nodes[value["@id"]]
    return value


def _first(value: Any, nodes: Mapping[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        value = value[0] if value else None
    return _resolved(value, nodes)


def _all(value: Any, nodes: Mapping[str, dict[str, Any]]) -> list[Any]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [_resolved(item, nodes) for item in items]


def _string(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return _string(value.get("name")) or _string(value.get("legalName"))
    return None


def _date(value: Any, field: str, *, partial: bool = False) -> str | None:
    """A review's date as a day (``YYYY-MM-DD``): a moment's own date as written; with
    ``partial``, an appearance's month or year stays one (``model.check_date``)."""
    text = _string(value)
    if text is None:
        return None
    if re.match(r"\d{4}-\d\d-\d\d", text):
        text = text[:10]
    return check_date(text, field, partial=partial)


# -- reading ---------------------------------------------------------------------------------


def read_claimreview(raw: bytes, origin: str) -> Incoming:
    """The reviews in ``raw``: an HTML page (it starts with ``<``) or JSON-LD. Raises
    ``InvalidImport`` when there is none, or any review is unusable (nothing imported)."""
    from claimtrack.store.fileformat import strict_loads

    body = raw.lstrip()
    if not body:
        raise InvalidImport(f"{origin} is empty")
    if body[:1] == b"<":
        data: Any = html_json_ld(raw, origin)
    else:
        try:
            data = strict_loads(raw)
        except ValueError as exc:
            raise InvalidImport(f"{origin} is not valid JSON ({exc})") from None
    return from_json_ld(data, origin)


def html_json_ld(raw: bytes, origin: str) -> list[Any]:
    """The JSON-LD blocks embedded in an HTML page, each parsed by extruct (which also
    reads a block behind a leading ``//`` or ``<!-- -->`` comment line, as some pages
    write them). A block that is not JSON is left out; a page with no block at all, or
    none that parses, is an error."""
    from extruct.jsonld import JsonLdExtractor
    from extruct.utils import parse_html

    try:
        tree = parse_html(raw, encoding="UTF-8")
    except Exception as exc:  # lxml raises several types for what is not HTML
        raise InvalidImport(f"{origin} is not an HTML page ({exc})") from None
    blocks = tree.xpath('//script[@type="application/ld+json"]') if tree is not None else []
    if not blocks:
        raise InvalidImport(
            f'{origin} has no JSON-LD (no <script type="application/ld+json">)',
            "import reads the ClaimReview a fact-check page embeds; save the page itself",
        )
    extractor = JsonLdExtractor()
    found: list[Any] = []
    for block in blocks:
        # One block at a time: extruct gives up on the whole page at a broken block,
        # and a page's broken breadcrumb must not hide its ClaimReview.
        try:
            found.extend(extractor.extract_items(block))
        except ValueError:
            continue
    return found


def from_json_ld(data: Any, origin: str) -> Incoming:
    """The reviews in parsed JSON-LD (any of the shapes the module lists)."""
    nodes = _by_id(data)
    reviews = list(_nodes_of_type(data, ("ClaimReview",)))
    if not reviews:
        raise InvalidImport(
            f"{origin} holds no ClaimReview",
            "import reads claimtrack exports, CSV, and schema.org ClaimReview JSON-LD or "
            "fact-check pages that embed it",
        )
    from claimtrack.extract.quantities import quantities

    problems = Problems(origin)
    incoming = Incoming()
    sources: dict[str, Mapping[str, Any]] = {}
    for number, review in enumerate(reviews):
        where = f"ClaimReview {number + 1}"
        try:
            _review(incoming, sources, review, nodes, where, quantities)
        except ClaimtrackError as exc:
            problems.add(where, exc.message)
    for source in sources.values():
        incoming.add("sources", source_record(source), "")
    problems.check()
    return incoming


def _source(
    sources: dict[str, Mapping[str, Any]], name: str, kind: str, url: str | None = None
) -> str:
    """The ID of the source named ``name`` in this file (one per name, as folded)."""
    key = fold(name)
    if key not in sources:
        sources[key] = {
            "id": ids.derived("claimreview source\x00" + key),
            "name": name,
            "kind": kind,
            "url": url,
        }
    return str(sources[key]["id"])


_KINDS = {"Person": "person", "Organization": "organisation"}


def _claimant_kind(node: Any) -> str:
    if not isinstance(node, dict):
        return "unknown"
    types = _types(node)
    for schema_type, kind in _KINDS.items():
        if schema_type in types:
            return kind
    if types & {"NewsMediaOrganization", "GovernmentOrganization", "NGO", "Corporation"}:
        return "organisation"
    return "unknown"


def _review(
    incoming: Incoming,
    sources: dict[str, Mapping[str, Any]],
    review: Mapping[str, Any],
    nodes: Mapping[str, dict[str, Any]],
    where: str,
    quantities: Callable[[str], list[Quantity]],
) -> None:
    item = _first(review.get("itemReviewed"), nodes)
    item = item if isinstance(item, dict) else {}
    text = _string(review.get("claimReviewed")) or _string(item.get("text"))
    text = text or _string(item.get("name"))
    if text is None:
        raise ClaimtrackError("no claimReviewed (the claim's text)")
    url = _string(review.get("url"))
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise ClaimtrackError(f"url {url!r} is not a web address")
    author = _first(review.get("author"), nodes) or _first(review.get("publisher"), nodes)
    reviewer = _name(author) or (urlsplit(url).hostname if url else None)
    if reviewer is None:
        raise ClaimtrackError("no author (the reviewing organisation) and no url")
    date = _date(review.get("datePublished"), "datePublished")
    rating = _first(review.get("reviewRating"), nodes)
    rating = rating if isinstance(rating, dict) else {}
    words = _string(rating.get("alternateName")) or _string(rating.get("name"))
    value = rating.get("ratingValue")
    status = status_from_rating(words, value, rating.get("bestRating"), rating.get("worstRating"))
    if words is None and _number(value) is not None:
        best = _string(rating.get("bestRating")) or str(DEFAULT_BEST)
        worst = _string(rating.get("worstRating")) or str(DEFAULT_WORST)
        words = f"{_string(value)} of {worst}-{best}"

    identifier = _string(review.get("identifier"))
    if identifier is not None and ids.is_id(identifier.lower()):
        claim_id = identifier.lower()
    else:
        key = url or "\x00".join((fold(reviewer), text, date or ""))
        claim_id = ids.derived("claimreview\x00" + key)
    stamp = f"{date}T00:00:00.000000Z" if date else now()
    said = f"Verdict of {reviewer}" + (f", published {date}" if date else "")
    said += f": {words}" if words else ": no rating given"
    said += f" ({url})." if url else "."
    review_field: dict[str, str] = {"by": reviewer}
    if url:
        review_field["url"] = url
    if date:
        review_field["date"] = date
    claim = claim_record(
        {
            "id": claim_id,
            "text": text,
            # Worked out as ``add`` and ``extract`` do, so that ``similar`` weighs numbers.
            "quantities": quantities(" ".join(text.split())),
            "status": status,
            "rating": words,
            "review": review_field,
            "notes": [{"at": stamp, "author": reviewer, "text": said}],
            "author": reviewer,
        }
    )
    if claim_id in incoming.claims:
        return  # the same review twice in one file (a page and its feed): once
    links: list[dict[str, Any]] = []

    def link(relation: str, source_id: str, **fields: Any) -> None:
        position = sum(1 for k in links if k["relation"] == relation)
        key = "\x00".join(("claimreview link", claim_id, source_id, relation))
        links.append(
            {
                "id": ids.derived(key),
                "relation": relation,
                "source": source_id,
                "position": position,
                "author": reviewer,
                **fields,
            }
        )

    claimant = _first(item.get("author"), nodes)
    claimant_name = _name(claimant)
    if claimant_name:
        url_of = _string(claimant.get("url")) if isinstance(claimant, dict) else None
        link("said-by", _source(sources, claimant_name, _claimant_kind(claimant), url_of))
    appearances = [_first(item.get("firstAppearance"), nodes), *_all(item.get("appearance"), nodes)]
    seen: set[str] = set()
    for appearance in appearances:
        page = _string(appearance) if isinstance(appearance, str) else None
        if isinstance(appearance, dict):
            page = _string(appearance.get("url"))
        if page is None or page in seen:
            continue
        if urlsplit(page).scheme not in ("http", "https"):
            raise ClaimtrackError(f"appearance {page!r} is not a web address")
        seen.add(page)
        publisher = None
        if isinstance(appearance, dict):
            publisher = _name(_first(appearance.get("publisher"), nodes)) or _name(
                _first(appearance.get("author"), nodes)
            )
        publisher = publisher or urlsplit(page).hostname or page
        when = (
            _date(appearance.get("datePublished"), "appearance datePublished", partial=True)
            if isinstance(appearance, dict)
            else None
        )
        if when is None and not _links_of(links, "reported-by"):
            when = _date(item.get("datePublished"), "itemReviewed datePublished", partial=True)
        link("reported-by", _source(sources, publisher, "publication"), url=page, date=when)
    relation = {"verified": "supports", "false": "disputes", "disputed": "disputes"}.get(status)
    if relation is not None:
        org_url = _string(author.get("url")) if isinstance(author, dict) else None
        note = f"ClaimReview by {reviewer}: {words}" if words else f"ClaimReview by {reviewer}"
        link(
            relation,
            _source(sources, reviewer, "organisation", org_url),
            url=url,
            date=date,
            note=note,
        )
    incoming.add("claims", claim, where)
    incoming.reviews.add(claim_id)
    for made in links:
        incoming.add("links", link_record(made, claim_id), where)


def _links_of(links: list[dict[str, Any]], relation: str) -> list[dict[str, Any]]:
    return [k for k in links if k["relation"] == relation]
