"""Web pages: the article's text and what the page says about it, and fetching a URL.

A news page is mostly not the story: navigation, related links, share buttons, ads,
comments. ``trafilatura`` (made for exactly this, well kept, used by research projects
that archive the web) finds the main text and reads the page's metadata: headline,
byline, publisher (the site's name), publication date and canonical URL. The publisher
becomes the claims' reporter, and the URL and date go on the ``reported-by`` link, so
that ``check``'s ``reported-by-link`` rule is satisfied without typing.

Fetching is the one place ``extract`` uses the network, through the one HTTP policy
(``claimtrack.net``: timeouts and a deadline, a size cap, the page's charset, no
private addresses unless allowed); every failure becomes one
:class:`~claimtrack.errors.ClaimtrackError`. Both are imported on first use, so that
reading a text file never pays for them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from claimtrack.errors import ClaimtrackError
from claimtrack.extract.pipeline import ArticleInfo

if TYPE_CHECKING:
    from claimtrack.extract.pipeline import Extraction

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def looks_like_html(data: bytes) -> bool:
    """Whether bytes are an HTML document (a doctype or an ``<html>``, ``<head>`` or
    ``<body>`` tag first, after any comments), not plain text that mentions a tag."""
    return bool(_HTML_START.match(data[:4096].lstrip(b"\xef\xbb\xbf")))


def read_page(html: bytes | str, url: str | None = None) -> tuple[str, ArticleInfo]:
    """The article in a web page as plain text (the headline, a blank line, then one
    paragraph a line) and what its metadata says: headline, publisher, date (ISO
    ``YYYY-MM-DD``) and URL (the page's canonical URL, else ``url``). Raises
    :class:`ClaimtrackError` when the page holds no article text."""
    import trafilatura

    found = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    document = found.as_dict() if found is not None and hasattr(found, "as_dict") else found
    if not isinstance(document, dict) or not (document.get("text") or "").strip():
        raise ClaimtrackError(
            "no article text found in the page" + (f" {url}" if url else ""),
            "save the article's text to a file and extract that",
        )
    title = _clean(document.get("title"))
    body = _from_dateline(str(document["text"]).strip())
    text = f"{title}\n\n{body}\n" if title else body + "\n"
    info = ArticleInfo(
        headline=title,
        publisher=_clean(document.get("sitename")) or _clean(document.get("hostname")),
        date=_clean(document.get("date")),
        url=_clean(document.get("url")) or url,
    )
    return text, info


def _from_dateline(body: str) -> str:
    """The page's text from the paragraph with the story's dateline on, when one has it
    (what a page shows above a wire story's "MOSCOW (AP) --", teasers for other stories,
    photo captions, "More", is the page's, not the story's), without captions."""
    from claimtrack.extract.article import opens_with_dateline
    from claimtrack.extract.layout import speaker_heading

    lines = body.split("\n")
    start = next((n for n, line in enumerate(lines) if opens_with_dateline(line)), 0)
    lines = lines[start:]
    # A heading naming the speaker of what follows ("Remarks of ...", a name over a role
    # line) is no caption, though it has no full stop either.
    headings = {n for n in range(len(lines)) if speaker_heading(lines, n)}
    return "\n".join(
        line
        for n, line in enumerate(lines)
        if not _caption(line) or n in headings or n - 1 in headings
    )


# A page keeps its sentences' punctuation: a line without it is a caption, a label or a
# teaser (a list item keeps its bullet, and a line introducing one ends in ":").
_CLOSED = re.compile(r"""[.!?:;)"'\]\u201d\u2019\u00bb]$""")
_LIST_ITEM = re.compile(r"^(?:[-*\u2022]|\d{1,2}[.)])\s")


def _caption(line: str) -> bool:
    line = line.strip()
    return bool(line) and not _CLOSED.search(line) and not _LIST_ITEM.match(line)


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def fetch(url: str, *, allow_private: bool = False) -> tuple[str, str]:
    """The text of a web page (decoded by its own charset) and its final URL (after
    redirects), fetched under the one HTTP policy (``claimtrack.net``), any media type
    accepted. Raises :class:`ClaimtrackError` with one line saying why when it cannot:
    no answer, too slow, an error status, over the size cap, an address on the user's
    own network (unless ``allow_private``)."""
    from claimtrack.net import FetchFailure, HttpPolicy
    from claimtrack.net import fetch as get

    policy = HttpPolicy(types=()).with_private(allow_private)
    try:
        page = get(url, policy)
    except FetchFailure as failure:
        hints = {
            "bad-url": None,
            "refused": None,
            "too-large": "not an article page: save the article's text and extract that",
        }
        hint = hints.get(failure.kind, "check the address, or save the page and extract the file")
        raise ClaimtrackError(f"could not fetch {url}: {failure.message}", hint) from None
    return page.text, page.url


def extract_page(
    html: bytes | str, url: str | None = None, given: ArticleInfo | None = None
) -> Extraction:
    """The candidate claims of a web page (see :func:`read_page`), what the user
    ``given`` winning over the page's metadata. Raises what :func:`read_page` raises."""
    from claimtrack.extract.pipeline import extract

    text, found = read_page(html, url)
    given = given or ArticleInfo()
    info = ArticleInfo(
        headline=given.headline or found.headline,
        publisher=given.publisher or found.publisher,
        date=given.date or found.date,
        url=given.url or found.url,
    )
    return extract(text, info)
