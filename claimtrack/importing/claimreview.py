"""Import, step one for other desks' fact-checks: schema.org ClaimReview, read into
``Incoming`` as claims with their verdicts, claimants, appearances and provenance.

What is read (schema.org ``ClaimReview``; Google's Fact Check structured-data
documentation, developers.google.com/search/docs/appearance/structured-data/factcheck):
a JSON-LD document holding one ClaimReview, an array of them, an ``@graph``, or a
``DataFeed`` (the feed fact-checkers submit to Google's Fact Check tools: its
``dataFeedElement`` items' ``item``); and HTML pages with the same JSON-LD embedded in
``<script type="application/ld+json">`` blocks, read by extruct (no HTML parsing of our
own). Every document is read through a JSON-LD processor first (``schema_org``), so a
``schema:`` prefix or a context per block reads as schema.org's bare terms. Any node
typed ``ClaimReview`` at any depth is a review; ``{"@id": ...}`` references to nodes
elsewhere in the document are followed. A web address written without its scheme
(``factcheck.example/x``) is read as ``https://`` with a warning. A review that cannot
be imported (no text, a date that is not one...) is reported and left out
(``Incoming.skipped``), the others imported; ``import --strict`` refuses the input.

Each review becomes, recorded as the change of the user who imports it (the reviewer is
the verdict's author, named in ``review.by``, not the record's):

- a claim: ``text`` from ``claimReviewed``; ``status`` from the rating's words
  (``status_from_rating``, in six languages); ``rating`` the rating's words
  (``alternateName``, else its ``name``, else "ratingValue of worstRating-bestRating");
  ``review`` the review's ``url``, its ``author``'s name (``by``: whose verdict it is)
  and ``datePublished``; a note saying whose verdict it is, where and when, so that
  ``show`` and the memo tell it. A rating whose words claimtrack does not know, or a
  bare number, gives no verdict: the claim is ``checking``, its rating kept, and the
  note says why;
- ``said-by``: ``itemReviewed.author`` (a Person is a source of kind person, an
  Organization of kind organisation; anything else of kind unknown);
- ``reported-by``: each ``itemReviewed.appearance`` (``firstAppearance`` first, the
  claim's own ``url`` last), a source named by its ``publisher``/``author`` or else by
  the page's host, with the URL and ``datePublished`` on the link;
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
a review that is already here as it is (``plan``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from claimtrack import ids
from claimtrack.db import current_user
from claimtrack.errors import ClaimtrackError
from claimtrack.importing.incoming import (
    Incoming,
    InvalidImport,
    Problems,
    claim_record,
    link_record,
    source_record,
)
from claimtrack.merging import fold_link
from claimtrack.model import Quantity, Status, check_date, fold, now, number_fits

# -- the rating ------------------------------------------------------------------------------

# Words of a rating (``alternateName``, else ``name``), matched whole after case,
# accents, punctuation and underscores are folded, longest first, so "mostly false" is
# read before "false", "not true" before "true" and "verdadero pero" before
# "verdadero". The verdict vocabularies of the fact-checkers of the main languages of
# the IFCN's signatories: English (PolitiFact's Truth-O-Meter, AFP, Full Fact, Snopes,
# the Washington Post's Pinocchios), Spanish (Newtral, Maldita, Chequeado, Colombiacheck,
# AFP Factual), Portuguese (Aos Fatos, Lupa, Estadão Verifica, Polígrafo, AFP Checamos),
# French (AFP Factuel, Les Décodeurs, Libération's CheckNews), German (Correctiv, dpa,
# AFP Faktencheck, BR24), Italian (Pagella Politica, Facta, Open), and our own export's.
# A rating found in none of them is not guessed from its number (``status_from_rating``).
_RATINGS: dict[Status, str] = {
    "false": """
        false | pants on fire | fake | fabricated | hoax | incorrect | wrong | untrue |
        not true | mostly false | four pinocchios | scam | baseless | false context |
        falso | falsa | mayormente falso | mayormente falsa | bulo | no es cierto |
        no es verdad | no es verdadero | inventado | fake news | insostenible | estafa |
        falsos | maioritariamente falso | boato | nao e verdade | nao e verdadeiro |
        mentira | golpe |
        faux | fausse | plutot faux | c est faux | infonde | infondee | intox | inexact |
        inexacte | arnaque | fausse information | pas vrai |
        falsch | grosstenteils falsch | frei erfunden | erfunden | unwahr | nicht wahr |
        stimmt nicht | nicht richtig | betrug | fehlinformation |
        falso | falsa | in gran parte falso | panzana pazzesca | pinocchio andante |
        bufala | notizia falsa | non e vero | infondato | infondata | truffa
    """,
    "disputed": """
        disputed | misleading | half true | mixture | mixed | partly false | partly true |
        partially false | partially true | exaggerated | exaggeration | needs context |
        missing context | lacks context | out of context | distorts the facts |
        cherry picks | spin | two pinocchios | three pinocchios | altered | satire |
        manipulated | imprecise | inaccurate | distorted | miscaptioned | mislabeled |
        enganoso | enganosa | verdad a medias | media verdad | medio verdadero |
        parcialmente falso | parcialmente falsa | parcialmente verdadero | exagerado |
        exagerada | sin contexto | falta contexto | le falta contexto | fuera de contexto |
        satira | discutible | apresurado | impreciso | imprecisa | manipulado |
        manipulada | verdadero pero | engano | cuestionable | alterado | alterada |
        nao e bem assim | distorcido | distorcida | sem contexto | fora de contexto |
        falta contexto | contraditorio | subestimado | exagerado | verdadeiro mas |
        montagem | descontextualizado | descontextualizada | impreciso | parcialmente |
        trompeur | trompeuse | a moitie vrai | partiellement faux | partiellement vrai |
        en partie faux | exagere | exageree | manque de contexte | hors contexte |
        sorti de son contexte | sortie de son contexte | satirique | imprecis | imprecise |
        detourne | detournee | manipule | manipulee | trompeuses | trompeurs |
        irrefuhrend | teilweise falsch | teilweise richtig | halbwahr | halb wahr |
        ubertrieben | fehlender kontext | fehlende zusammenhange | ohne kontext |
        aus dem zusammenhang gerissen | aus dem kontext gerissen | manipuliert |
        verzerrt | satire |
        fuorviante | parzialmente falso | parzialmente vero | mezza verita | mezzo vero |
        esagerato | esagerata | senza contesto | manca di contesto | fuori contesto |
        contesto mancante | satira | manipolato | manipolata | impreciso | imprecisa
    """,
    "verified": """
        true | correct | accurate | mostly true | mostly correct | geppetto checkmark |
        verified | confirmed |
        verdadero | verdadera | cierto | cierta | mayormente verdadero | correcto |
        correcta | verificado | confirmado |
        verdadeiro | verdadeira | correto | correta | verdade | confirmado |
        vrai | vraie | plutot vrai | exact | exacte | correct | confirme |
        richtig | wahr | grosstenteils richtig | zutreffend | korrekt | bestatigt | stimmt |
        vero | vera | quasi vero | c eri quasi | corretto | corretta | confermato
    """,
    "unverifiable": """
        unverifiable | unverified | unproven | unsupported | no evidence |
        insufficient evidence | not enough evidence | cannot be verified |
        can t be verified | unclear | research in progress |
        no verificable | inverificable | sin pruebas | sin evidencia | inchequeable |
        sin datos | no comprobado | dudoso |
        insustentavel | sem provas | sem evidencias | nao comprovado | inconclusivo |
        ainda e cedo para dizer | de olho | impossivel verificar |
        non prouve | inverifiable | non verifiable | sans preuve | douteux | incertain |
        unbelegt | nicht belegt | unbewiesen | nicht uberprufbar | unklar |
        non dimostrato | non verificabile | senza prove | non provato | dubbio
    """,
}


def _folded_words(text: str) -> str:
    """``text`` as rating words are matched: folded (``model.fold``: case and accents),
    underscores and punctuation as spaces, with a space at each end."""
    return " " + " ".join(re.sub(r"[\W_]+", " ", fold(text)).split()) + " "


RATING_WORDS: dict[str, Status] = {
    _folded_words(phrase).strip(): status
    for status, phrases in _RATINGS.items()
    for phrase in phrases.split("|")
    if phrase.strip()
}
_BY_LENGTH = sorted(RATING_WORDS, key=lambda w: (-len(w), w))
# schema.org Rating's defaults when a review gives no scale.
DEFAULT_BEST, DEFAULT_WORST = 5, 1


def status_from_rating(name: str | None) -> Status | None:
    """The status a published rating's words mean here: the longest phrase of
    ``RATING_WORDS`` found in them as whole words ("False: no such bans" is false;
    "Mostly true" verified; "Half true", "Misleading", "não_é_bem_assim", "Engañoso"
    disputed; "Unproven" unverifiable), or None for words claimtrack does not know.

    A number alone (``ratingValue``) is never read as a verdict: scales differ from one
    fact-checker to the next (5 of 6 is "not quite so" on one), so a review whose words
    are unknown is marked for review (``checking``) rather than guessed.
    """
    if not name:
        return None
    words = _folded_words(name)
    for phrase in _BY_LENGTH:
        if f" {phrase} " in words:
            return RATING_WORDS[phrase]
    return None


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
    if isinstance(value, dict) and set(value) <= {"@value", "@type", "@language"}:
        value = value.get("@value")  # a typed or tagged literal
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


# A web address written without its scheme: a host name with a dot, then a path.
_BARE_HOST = re.compile(r"(?://)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)


def _web_address(value: Any, field: str, warn: Callable[[str], None]) -> str | None:
    """An http(s) address from ``value`` (None for none). One written without its
    scheme ("factcheck.example/x", as some pages write theirs) is read as https://,
    with a warning; anything else is an error."""
    if isinstance(value, dict):
        value = value.get("@id")
    text = _string(value)
    if text is None:
        return None
    if urlsplit(text).scheme in ("http", "https") and urlsplit(text).netloc:
        return text
    if _BARE_HOST.match(text):
        fixed = "https://" + text.removeprefix("//")
        warn(f"{field} {text!r} has no scheme; read as {fixed}")
        return fixed
    raise ClaimtrackError(f"{field} {text!r} is not a web address")


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
    ``InvalidImport`` when there is none, or no review is usable; a review that is not
    usable is left out and listed in ``Incoming.skipped`` (``--strict`` refuses them)."""
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
    write them). A block that is not JSON, or nests deeper than a parser can follow
    (a hostile page), is left out; a page with no block at all, or none that parses, is
    an error."""
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
        except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
            continue
    return found


def from_json_ld(data: Any, origin: str) -> Incoming:
    """The reviews in parsed JSON-LD (any of the shapes the module lists), read through
    a JSON-LD processor (``schema_org``) so that prefixes (``schema:ClaimReview``) and
    contexts mean what they say. A review that cannot be imported is reported in
    ``Incoming.skipped`` and left out; when none can, ``InvalidImport`` lists why."""
    from claimtrack.importing.schema_org import as_schema_org

    data = as_schema_org(data, origin)
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
    recorder = current_user()
    for number, review in enumerate(reviews):
        where = f"ClaimReview {number + 1}"
        said: list[str] = []
        made = dict(sources)  # a review left out adds no source
        try:
            _review(incoming, made, review, nodes, where, quantities, recorder, said.append)
        except ClaimtrackError as exc:
            problems.add(where, exc.message)
            continue
        sources.update(made)
        incoming.warnings.extend(f"{where}: {message}" for message in said)
    if len(problems.items) == len(reviews):
        problems.check()  # nothing usable: one error listing why
    incoming.skipped.extend(problems.items)
    for source in sources.values():
        incoming.add("sources", source_record(source), "")
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
    recorder: str,
    warn: Callable[[str], None],
) -> None:
    """Adds one review's claim and links to ``incoming`` (its sources to ``sources``);
    ``recorder`` is who imports it (the record's author; the reviewer is the verdict's).
    Raises ``ClaimtrackError`` for a review that cannot be imported, having added
    nothing to ``incoming``."""
    item = _first(review.get("itemReviewed"), nodes)
    item = item if isinstance(item, dict) else {}
    text = _string(review.get("claimReviewed")) or _string(item.get("text"))
    text = text or _string(item.get("name"))
    if text is None:
        raise ClaimtrackError("no claimReviewed (the claim's text)")
    url = _web_address(review.get("url"), "url", warn)
    author = _first(review.get("author"), nodes) or _first(review.get("publisher"), nodes)
    reviewer = _name(author) or (urlsplit(url).hostname if url else None)
    if reviewer is None:
        raise ClaimtrackError("no author (the reviewing organisation) and no url")
    date = _date(review.get("datePublished"), "datePublished")
    rating = _first(review.get("reviewRating"), nodes)
    rating = rating if isinstance(rating, dict) else {}
    words = _string(rating.get("alternateName")) or _string(rating.get("name"))
    scale = _scale(rating)
    understood = status_from_rating(words)
    status: Status = understood or "checking"
    claim_id = _claim_id(review, url, reviewer, text, date)
    stamp = f"{date}T00:00:00.000000Z" if date else now()
    said = _verdict_note(reviewer, date, words, scale, url, understood=understood is not None)
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
            "rating": words or scale,
            "review": review_field,
            "notes": [{"at": stamp, "author": recorder, "text": said}],
            "author": recorder,
        }
    )
    if claim_id in incoming.claims:
        return  # the same review twice in one file (a page and its feed): once
    links: list[dict[str, Any]] = []

    def link(relation: str, source_id: str, **fields: Any) -> None:
        if _folded(links, relation, source_id, fields):
            name = next(s["name"] for s in sources.values() if s["id"] == source_id)
            warn(
                f"claim {ids.short(claim_id)} names {name} as {relation} twice; "
                "one link kept, with both pages"
            )
            return
        position = sum(1 for k in links if k["relation"] == relation)
        key = "\x00".join(("claimreview link", claim_id, source_id, relation))
        links.append(
            {
                "id": ids.derived(key),
                "relation": relation,
                "source": source_id,
                "position": position,
                "author": recorder,
                **fields,
            }
        )

    claimant = _first(item.get("author"), nodes)
    claimant_name = _name(claimant)
    if claimant_name:
        url_of = _string(claimant.get("url")) if isinstance(claimant, dict) else None
        link("said-by", _source(sources, claimant_name, _claimant_kind(claimant), url_of))
    appearances = [
        _first(item.get("firstAppearance"), nodes),
        *_all(item.get("appearance"), nodes),
        item.get("url"),  # the claim's own page, where it has one
    ]
    seen: set[str] = set()
    for appearance in appearances:
        address = appearance.get("url") if isinstance(appearance, dict) else appearance
        page = _web_address(address, "appearance", warn)
        if page is None or page in seen:
            continue
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
        org_url = (
            _web_address(author.get("url"), "author url", warn)
            if isinstance(author, dict)
            else None
        )
        rated = words or scale
        note = f"ClaimReview by {reviewer}: {rated}" if rated else f"ClaimReview by {reviewer}"
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


def _folded(
    links: list[dict[str, Any]], relation: str, source_id: str, fields: Mapping[str, Any]
) -> bool:
    """Folds ``fields`` into the review's link to ``source_id`` as ``relation`` if it
    has one (two pages of one publisher): one link per source and relation, the later
    page's URL and date kept in its note (``merging.fold_link``)."""
    for number, other in enumerate(links):
        if other["relation"] == relation and other["source"] == source_id:
            links[number] = fold_link(other, fields, f"{relation} link of this review")
            return True
    return False


def _scale(rating: Mapping[str, Any]) -> str | None:
    """A numeric rating with its scale ("2 of 1-5"; schema.org's default scale when the
    review gives none), or None when the rating has no number."""
    if _number(rating.get("ratingValue")) is None:
        return None
    best = _string(rating.get("bestRating")) or str(DEFAULT_BEST)
    worst = _string(rating.get("worstRating")) or str(DEFAULT_WORST)
    return f"{_string(rating.get('ratingValue'))} of {worst}-{best}"


def _claim_id(
    review: Mapping[str, Any], url: str | None, reviewer: str, text: str, date: str | None
) -> str:
    """The claim's ID: the review's ``identifier`` when it is one of ours (our own export
    coming back), else derived from the review's URL, or from who reviewed what and when,
    so that importing the same review again finds the same claim."""
    identifier = _string(review.get("identifier"))
    if identifier is not None and ids.is_id(identifier.lower()):
        return identifier.lower()
    key = url or "\x00".join((fold(reviewer), text, date or ""))
    return ids.derived("claimreview\x00" + key)


def _verdict_note(
    reviewer: str,
    date: str | None,
    words: str | None,
    scale: str | None,
    url: str | None,
    *,
    understood: bool,
) -> str:
    """The note recording the reviewer's verdict as published, and, when the rating is
    not ``understood`` as a status, why the claim is marked checking."""
    said = f"Verdict of {reviewer}" + (f", published {date}" if date else "")
    said += f": {words}" if words else ": no rating given" if scale is None else ""
    said += f" ({scale})" if words and scale else f": {scale}" if scale else ""
    said += f" ({url})." if url else "."
    if not understood:
        said += (
            f" claimtrack does not know what the rating {words!r} means"
            if words
            else " It gives no rating words, and a number alone is not read as a verdict"
        )
        said += ": marked checking, for someone to read the review and set the status."
    return said


def _links_of(links: list[dict[str, Any]], relation: str) -> list[dict[str, Any]]:
    return [k for k in links if k["relation"] == relation]
