"""JSON-LD as schema.org terms: what ClaimReview import reads, whatever prefixes and
contexts a page writes it with.

Fact-checkers' pages write the same ClaimReview several ways: ``"@context":
"https://schema.org"`` with bare terms, a ``schema:`` prefix (``"schema:ClaimReview"``,
``"schema:claimReviewed"``), ``http`` or ``https``, a context per block or none at all.
A JSON-LD processor (PyLD, the JSON-LD API's Python implementation) expands each
document to full IRIs and compacts it again against schema.org's vocabulary, so that the
reader sees bare terms (``claimReviewed``, ``@type: ClaimReview``) every time.

No network: a context named by a schema.org address is served from the copy shipped in
``data/schema-org-context.jsonld`` (the part of schema.org's published context that
reading depends on: its vocabulary, the ``schema:`` prefix and the ``id``/``type``
aliases; its term definitions only repeat the vocabulary). A document that names any
other remote context is refused with an error that says so, never fetched.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from claimtrack.importing.incoming import InvalidImport

VOCABULARY = "http://schema.org/"
# schema.org's own answer to which addresses are its context (it serves the same
# document at each): the site, with or without a slash, over http or https, and the
# context file's address.
SCHEMA_ORG_CONTEXTS = frozenset(
    f"{scheme}://schema.org{path}"
    for scheme in ("http", "https")
    for path in ("", "/", "/docs/jsonldcontext.json", "/docs/jsonldcontext.jsonld")
)


@cache
def schema_org_context() -> dict[str, Any]:
    """The shipped copy of schema.org's JSON-LD context (a document with ``@context``)."""
    text = resources.files("claimtrack.importing").joinpath("data/schema-org-context.jsonld")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


class RemoteContext(Exception):
    """A document names a context claimtrack would have to fetch."""


def load_document(url: str, options: Any = None) -> dict[str, Any]:
    """PyLD's document loader: schema.org's context from the shipped copy; anything
    else raises (nothing is fetched)."""
    if url.strip() in SCHEMA_ORG_CONTEXTS:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": schema_org_context(),
        }
    raise RemoteContext(url)


def as_schema_org(data: Any, origin: str) -> Any:
    """``data`` (parsed JSON-LD: a document or a list of them, as a page's blocks are)
    with every schema.org term bare (the ``@context`` dropped). Raises ``InvalidImport``
    for a document that is not valid JSON-LD or names a context other than
    schema.org's; of a list, such a document is left out when it holds no ClaimReview
    (a page's other blocks, a breadcrumb, must not stop its review)."""
    if isinstance(data, list):
        found: list[Any] = []
        for item in data:
            try:
                found.append(_compacted(item))
            except InvalidImport:
                if "ClaimReview" in json.dumps(item):
                    raise
        return found
    return _compacted(data, origin)


def _compacted(document: Any, origin: str = "the input") -> Any:
    from pyld import jsonld

    options = {"documentLoader": load_document, "expandContext": schema_org_context()}
    try:
        expanded = jsonld.expand(document, options)
        compacted = jsonld.compact(
            _http_schema_org(expanded), {"@vocab": VOCABULARY}, {"documentLoader": load_document}
        )
    except jsonld.JsonLdError as error:
        remote = _remote(error)
        if remote is not None:
            raise InvalidImport(
                f"{origin} uses the JSON-LD context {remote}, which claimtrack does not fetch",
                "import reads schema.org's vocabulary; write the context as "
                '"https://schema.org" or save the document with its context inline',
            ) from None
        raise InvalidImport(f"{origin} is not valid JSON-LD ({_first_line(error)})") from None
    compacted.pop("@context", None)
    return compacted


def _http_schema_org(value: Any) -> Any:
    """Expanded JSON-LD with ``https://schema.org/`` IRIs written as ``http://`` ones
    (schema.org's rule: the two name the same terms)."""
    if isinstance(value, list):
        return [_http_schema_org(item) for item in value]
    if isinstance(value, dict):
        return {
            _http(key): [_http(t) for t in item] if key == "@type" else _http_schema_org(item)
            for key, item in value.items()
        }
    return value


def _http(term: str) -> str:
    return "http://" + term[len("https://") :] if term.startswith("https://schema.org/") else term


def _remote(error: BaseException) -> str | None:
    """The address of a remote context behind a PyLD error, if that is what it is."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, RemoteContext):
            return str(seen)
        details = getattr(seen, "details", None)
        cause = details.get("cause") if isinstance(details, dict) else None
        seen = cause if isinstance(cause, BaseException) else seen.__cause__ or seen.__context__
    return None


def _first_line(error: BaseException) -> str:
    """PyLD's message, without the tuple its ``str`` wraps it in."""
    message = error.args[0] if error.args else ""
    return " ".join(str(message).split()).rstrip(".") or type(error).__name__
