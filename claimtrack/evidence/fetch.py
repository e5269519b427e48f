"""Fetching cited pages: httpx with timeouts, a size cap, redirects and a bounded pool.

The only code in claimtrack that sends requests for evidence. A page is fetched with
one GET (redirects followed, at most ``MAX_REDIRECTS``), a user agent that names
claimtrack, and nothing else about the user: no cookies kept between pages, no
referrer. A failure is a ``FetchFailure`` with one line a journalist can act on, never
an exception from httpx. httpx is imported here, and only when a page is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from claimtrack import __version__
from claimtrack.model import now

if TYPE_CHECKING:
    import httpx

USER_AGENT = (
    f"claimtrack/{__version__} (evidence archiver for fact-checkers; "
    "+https://example.invalid/claimtrack)"
)
# A news article's HTML is rarely over 2 MB; 10 MB leaves room for inline images and
# stops a mistaken link to a video or a data dump before it fills the disk.
MAX_BYTES = 10 * 1024 * 1024
# Seconds: to connect, and between two pieces of the answer (not for the whole page).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
MAX_REDIRECTS = 10
# Pages fetched at once: a few, so that a story's sources (often one site) are not
# hammered, and a slow site does not hold up the rest.
WORKERS = 4
HTML_TYPES = ("text/html", "application/xhtml+xml")

FailureKind = Literal["gone", "unreachable", "too-large", "not-html", "bad-url"]


@dataclass(frozen=True)
class Page:
    """One fetched page: the final response after redirects.

    ``headers`` are the response's header lines as received, except that the body is
    kept decoded (httpx undoes gzip, brotli and chunking), so ``Content-Encoding`` and
    ``Transfer-Encoding`` are dropped and ``Content-Length`` is the body's length.
    """

    requested: str
    url: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    body: bytes
    at: str = field(default_factory=now)

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";", 1)[0].strip().lower()
        return ""


class FetchFailure(Exception):
    """A page that could not be fetched as evidence: ``kind`` says why (``gone``: HTTP
    404 or 410), ``message`` says it in one line, ``status`` is the HTTP status if a
    server answered."""

    def __init__(self, kind: FailureKind, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Fetcher:
    """How pages are fetched; the defaults are the product's, tests shrink them."""

    max_bytes: int = MAX_BYTES
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    workers: int = WORKERS

    def fetch_all(
        self, urls: Iterable[str], done: Callable[[str], None] | None = None
    ) -> dict[str, Page | FetchFailure]:
        """Each distinct URL fetched once, ``workers`` at a time: URL -> its ``Page`` or
        its ``FetchFailure``. ``done(url)`` is called as each finishes (a progress bar)."""
        import httpx

        wanted = list(dict.fromkeys(urls))
        results: dict[str, Page | FetchFailure] = {}
        if not wanted:
            return results
        timeout = httpx.Timeout(self.read_timeout, connect=self.connect_timeout)
        limits = httpx.Limits(max_connections=self.workers, max_keepalive_connections=self.workers)
        with httpx.Client(
            timeout=timeout,
            limits=limits,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT},
        ) as client:

            def one(url: str) -> tuple[str, Page | FetchFailure]:
                try:
                    return url, self._fetch(client, url)
                except FetchFailure as failure:
                    return url, failure

            with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
                for url, result in pool.map(one, wanted):
                    results[url] = result
                    if done is not None:
                        done(url)
        return results

    def _fetch(self, client: httpx.Client, url: str) -> Page:
        import httpx

        if not url.lower().startswith(("http://", "https://")):
            raise FetchFailure("bad-url", "not a web address (http:// or https://)")
        client.cookies.clear()  # one page's cookies are never sent to the next
        try:
            with client.stream("GET", url) as response:
                return self._read(url, response)
        except FetchFailure:
            raise
        except httpx.TooManyRedirects:
            raise FetchFailure("unreachable", f"more than {MAX_REDIRECTS} redirects") from None
        except httpx.TimeoutException:
            raise FetchFailure("unreachable", "timed out") from None
        except httpx.ConnectError as exc:
            raise FetchFailure("unreachable", f"cannot connect ({one_line(exc)})") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchFailure("bad-url", f"not a valid web address ({exc})") from None
        except httpx.HTTPError as exc:
            raise FetchFailure("unreachable", f"{type(exc).__name__}: {one_line(exc)}") from None
        except ValueError as exc:  # httpx raises it for a few malformed URLs
            raise FetchFailure("bad-url", f"not a valid web address ({exc})") from None

    def _read(self, url: str, response: httpx.Response) -> Page:
        status = response.status_code
        if status in (404, 410):
            raise FetchFailure("gone", f"HTTP {status} {response.reason_phrase}", status)
        if status >= 400:
            raise FetchFailure("unreachable", f"HTTP {status} {response.reason_phrase}", status)
        kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind not in HTML_TYPES:
            shown = kind or "no content type"
            raise FetchFailure("not-html", f"not an HTML page ({shown})", status)
        limit = f"larger than the {self.max_bytes // 1024:,} KB limit"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchFailure("too-large", limit, status)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchFailure("too-large", limit, status)
            chunks.append(chunk)
        body = b"".join(chunks)
        dropped = {"content-encoding", "transfer-encoding", "content-length"}
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in response.headers.raw
            if name.decode("latin-1").lower() not in dropped
        ]
        headers.append(("Content-Length", str(len(body))))
        request = response.request
        return Page(
            requested=url,
            url=str(response.url),
            status=status,
            reason=response.reason_phrase,
            http_version=response.http_version,
            headers=headers,
            request_headers=[
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in request.headers.raw
            ],
            body=body,
        )


def one_line(exc: Exception) -> str:
    """An exception's text on one line, at most 120 characters (an error line's reason)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "\u2026"
