"""One HTTP client policy for every fetch claimtrack makes.

``extract URL``, ``archive``, ``verify``, ``link --archive``, ``--wayback`` and
``import URL`` fetch through ``fetch``, and ``seal`` and ``archive --timestamp`` ask a
time-stamping authority through ``post``, so they share one set of rules:

- one GET (or one POST, whose redirects are not followed), with a user agent that
  names claimtrack and nothing about the user (no cookies, no referrer, no
  credentials: a ``user:password@`` in the address is not sent);
- timeouts to connect and between two pieces of the answer, and one total deadline
  for the whole fetch, redirects included (``DEADLINE``: 20 s, a reader's patience);
- redirects followed one by one, at most ``MAX_REDIRECTS``, each checked as the first
  address was: ``http``/``https`` only, never from ``https`` down to ``http`` or to
  another scheme; each redirect answer kept (``Page.redirects``) for the WARC record;
- addresses on the user's own machine or network refused after name resolution, at
  every hop (``guard``), unless ``allow_private``;
- a cap on the decoded body, enforced while it streams in (``decode.BodyDecoder``);
- the body's text decoded by the page's own charset (``Page.text``: ``decode``).

A failure is a ``FetchFailure`` with one line a journalist can act on, never an
exception from the HTTP library. The connection is httpcore's (the engine under httpx),
driven directly so that the policy sees the address connected to and every raw byte.
httpcore is imported only when a page is fetched. Proxies from the environment are not
used: the address check must see the address the page comes from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from claimtrack import __version__
from claimtrack.model import now

if TYPE_CHECKING:
    import httpcore
    import httpx

USER_AGENT = (
    f"claimtrack/{__version__} (evidence archiver for fact-checkers; "
    "+https://example.invalid/claimtrack)"
)
# A news article's HTML is rarely over 2 MB; 10 MB leaves room for inline images and
# stops a mistaken link to a video or a data dump before it fills memory or the disk.
MAX_BYTES = 10 * 1024 * 1024
# Seconds: to connect, between two pieces of the answer, and for the whole fetch.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
DEADLINE = 20.0
MAX_REDIRECTS = 10
HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT_PAGES = "text/html,application/xhtml+xml,*/*;q=0.8"
REDIRECTS = (301, 302, 303, 307, 308)

FailureKind = Literal["gone", "unreachable", "too-large", "not-html", "bad-url", "refused"]


class FetchFailure(Exception):
    """A page that could not be fetched: ``kind`` says why (``gone``: HTTP 404 or 410;
    ``refused``: an address on the user's own network, or a redirect to another
    scheme), ``message`` says it in one line, ``status`` is the HTTP status if a server
    answered."""

    def __init__(
        self,
        kind: FailureKind,
        message: str,
        status: int | None = None,
        answer: Exchange | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message
        self.status = status
        self.answer = answer  # the error answer itself, when one came (its headers)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer. ``headers`` are the answer's header lines as
    received, except that the body is kept decoded, so ``Content-Encoding`` and
    ``Transfer-Encoding`` are dropped and ``Content-Length`` is the body's length.
    ``ip``: the address the answer came from."""

    url: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    body: bytes
    ip: str | None
    at: str = field(default_factory=now)

    def header(self, name: str) -> str:
        """The first header line called ``name`` (any case), or ''."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")

    @property
    def content_type(self) -> str:
        """The media type, lower case, without parameters ('' when none is given)."""
        return self.header("content-type").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Page(Exchange):
    """The final answer of a fetch of ``requested``; ``redirects``: the redirect
    answers on the way, in order."""

    requested: str = ""
    redirects: tuple[Exchange, ...] = ()

    @property
    def text(self) -> str:
        """The body as text, in the page's own charset (``decode.page_text``)."""
        from claimtrack.net.decode import page_text

        return page_text(self.body, self.header("content-type"))


def _default(name: str) -> float:
    return float(globals()[name])


@dataclass(frozen=True)
class HttpPolicy:
    """How pages are fetched. The defaults are the product's (read when a policy is
    made, so a test may shrink the module's constants); ``allow_private`` defaults to
    ``$CLAIMTRACK_ALLOW_PRIVATE``. ``types``: the media types accepted (others are a
    ``not-html`` failure), or empty for any."""

    max_bytes: int = field(default_factory=lambda: int(_default("MAX_BYTES")))
    connect_timeout: float = field(default_factory=lambda: _default("CONNECT_TIMEOUT"))
    read_timeout: float = field(default_factory=lambda: _default("READ_TIMEOUT"))
    deadline: float = field(default_factory=lambda: _default("DEADLINE"))
    max_redirects: int = MAX_REDIRECTS
    allow_private: bool = field(default_factory=lambda: _private_allowed())
    types: Sequence[str] = HTML_TYPES
    user_agent: str = USER_AGENT

    def with_private(self, allowed: bool) -> HttpPolicy:
        """This policy, with private addresses allowed when ``allowed`` (a command's
        ``--allow-private``) or already."""
        from dataclasses import replace

        return replace(self, allow_private=self.allow_private or allowed)


def _private_allowed() -> bool:
    from claimtrack.net.guard import private_allowed_by_environment

    return private_allowed_by_environment()


def post(url: str, body: bytes, content_type: str, policy: HttpPolicy | None = None) -> Page:
    """POST ``body`` (of ``content_type``) to ``url`` under ``policy``, as ``fetch``
    gets a page (the same timeouts, deadline, address checks and cap on the answer),
    but no redirect is followed: a 3xx answer is a failure, as any other that is not
    2xx. Raises ``FetchFailure``."""
    return _pooled(url, policy, lambda pool, policy: _posted(pool, url, body, content_type, policy))


def _posted(
    pool: httpcore.ConnectionPool, url: str, body: bytes, content_type: str, policy: HttpPolicy
) -> Page:
    answer = _exchange(pool, _parse(url), policy, ("POST", body, content_type))
    _check(answer)
    return Page(**{**answer.__dict__, "requested": url, "redirects": ()})


def fetch(url: str, policy: HttpPolicy | None = None) -> Page:
    """GET ``url`` under ``policy`` (default: the product's, ``HttpPolicy()``): the final
    answer after redirects, its body decoded (content codings undone, at most
    ``max_bytes``). Raises ``FetchFailure`` for everything that goes wrong, one line
    each: an address not http(s) (``bad-url``), one on the user's own network or a
    redirect to another scheme (``refused``), no answer or too slow, ``deadline``
    seconds passed, an HTTP error (404 and 410 are ``gone``), a media type not in
    ``types`` (``not-html``), a body over the cap (``too-large``)."""
    return _pooled(url, policy, lambda pool, policy: _follow(pool, url, policy))


def _pooled(
    url: str,
    policy: HttpPolicy | None,
    exchange: Callable[[httpcore.ConnectionPool, HttpPolicy], Page],
) -> Page:
    """``exchange`` over a connection pool guarded by ``policy``, its failures each
    turned into a ``FetchFailure``."""
    import httpcore

    from claimtrack.net.guard import DeadlineExceeded, GuardedBackend, PrivateAddress

    policy = policy or HttpPolicy()
    backend = GuardedBackend(time.monotonic() + policy.deadline, allow_private=policy.allow_private)
    try:
        with httpcore.ConnectionPool(network_backend=backend, max_connections=1) as pool:
            return exchange(pool, policy)
    except FetchFailure:
        raise
    except DeadlineExceeded:
        message = f"no complete answer within {policy.deadline:g} s (the limit for one page)"
        raise FetchFailure("unreachable", message) from None
    except PrivateAddress as exc:
        hint = "; --allow-private or CLAIMTRACK_ALLOW_PRIVATE=1 allows it"
        raise FetchFailure("refused", exc.message + hint) from None
    except httpcore.TimeoutException:
        raise FetchFailure("unreachable", "timed out") from None
    except httpcore.ConnectError as exc:
        raise FetchFailure("unreachable", f"cannot connect ({one_line(exc)})") from None
    except (httpcore.ProtocolError, httpcore.NetworkError) as exc:
        raise FetchFailure("unreachable", f"{type(exc).__name__}: {one_line(exc)}") from None


def _parse(url: str, base: httpx.URL | None = None) -> httpx.URL:
    import httpx

    try:
        parsed = base.join(url) if base is not None else httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchFailure("bad-url", f"not a valid web address ({one_line(exc)})") from None
    if parsed.scheme not in ("http", "https"):
        if base is None:
            raise FetchFailure("bad-url", "not a web address (http:// or https://)")
        raise FetchFailure("refused", f"refused a redirect to another scheme ({parsed.scheme}:)")
    if not parsed.host:
        raise FetchFailure("bad-url", "not a valid web address (no host)")
    if base is not None and base.scheme == "https" and parsed.scheme == "http":
        raise FetchFailure("refused", "refused a redirect from https to http")
    return parsed


def _follow(pool: httpcore.ConnectionPool, url: str, policy: HttpPolicy) -> Page:
    current = _parse(url)
    redirects: list[Exchange] = []
    while True:
        answer = _exchange(pool, current, policy)
        location = answer.header("location")
        if answer.status not in REDIRECTS or not location:
            break
        if len(redirects) >= policy.max_redirects:
            raise FetchFailure("unreachable", f"more than {policy.max_redirects} redirects")
        redirects.append(answer)
        current = _parse(location, current)
    _check(answer)
    return Page(**{**answer.__dict__, "requested": url, "redirects": tuple(redirects)})


def _check(answer: Exchange) -> None:
    status = answer.status
    if status in (404, 410):
        raise FetchFailure("gone", f"HTTP {status} {answer.reason}".strip(), status, answer)
    if status >= 300:
        message = f"HTTP {status} {answer.reason}".strip()
        raise FetchFailure("unreachable", message, status, answer)


def _exchange(
    pool: httpcore.ConnectionPool,
    url: httpx.URL,
    policy: HttpPolicy,
    posting: tuple[str, bytes, str] | None = None,
) -> Exchange:
    """One GET of ``url`` (or, with ``posting``, the method, body and its content type
    sent): its answer, the body read and decoded under the cap (a redirect's too, which
    a server may make as large as it likes)."""
    import httpcore

    from claimtrack.net import decode

    method, content, content_type = posting or ("GET", b"", "")
    request_headers = [
        ("Host", url.netloc.decode("ascii")),
        ("User-Agent", policy.user_agent),
        ("Accept", (", ".join(policy.types) or "*/*") if posting else ACCEPT_PAGES),
        ("Accept-Encoding", decode.ACCEPT_ENCODING),
    ]
    if posting:
        request_headers += [("Content-Type", content_type), ("Content-Length", str(len(content)))]
    target = httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )
    timeouts = {
        "connect": policy.connect_timeout,
        "read": policy.read_timeout,
        "write": policy.read_timeout,
        "pool": policy.connect_timeout,
    }
    with pool.stream(
        method,
        target,
        headers=request_headers,
        content=content or None,
        extensions={"timeout": timeouts},
    ) as response:
        status = response.status
        reason = bytes(response.extensions.get("reason_phrase", b"")).decode("latin-1")
        raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers]
        headers = {k.lower(): v for k, v in reversed(raw)}
        limit = f"larger than the {policy.max_bytes // 1024:,} KB limit"
        if 200 <= status < 300 and policy.types:
            kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if kind not in policy.types:
                shown = kind or "no content type"
                raise FetchFailure("not-html", f"not an HTML page ({shown})", status)
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > policy.max_bytes:
            raise FetchFailure("too-large", limit, status)
        try:
            decoder = decode.BodyDecoder(headers.get("content-encoding", ""), policy.max_bytes)
            for chunk in response.iter_stream():
                decoder.feed(chunk)
            body = decoder.finish()
        except decode.TooLarge:
            raise FetchFailure("too-large", limit, status) from None
        except decode.UnsupportedCoding as exc:
            unsupported = f"unsupported Content-Encoding {exc}"
            raise FetchFailure("unreachable", unsupported, status) from None
        except decode.BadCoding as exc:
            raise FetchFailure("unreachable", f"a corrupt body ({exc})", status) from None
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        version = bytes(response.extensions.get("http_version", b"HTTP/1.1")).decode("ascii")
    dropped = {"content-encoding", "transfer-encoding", "content-length"}
    kept = [(k, v) for k, v in raw if k.lower() not in dropped]
    kept.append(("Content-Length", str(len(body))))
    return Exchange(
        url=str(url.copy_with(userinfo=b"")) if url.userinfo else str(url),
        status=status,
        reason=reason,
        http_version=version,
        headers=kept,
        request_headers=request_headers,
        body=body,
        ip=str(peer[0]) if isinstance(peer, tuple) and peer else None,
    )


def one_line(exc: BaseException) -> str:
    """An exception's text on one line, at most 120 characters (an error line's reason)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "\u2026"
