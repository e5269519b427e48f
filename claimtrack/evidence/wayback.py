"""A public copy of a cited page: the Internet Archive's Save Page Now (``--wayback``).

Asked only when the user passes ``--wayback``, and never for a confidential source's
link (``work.ask_wayback``): a capture is public, and so is the URL it was asked for.
One ``GET <base>/save/<url>`` per distinct URL, one at a time (anonymous captures are
rate-limited), through the one HTTP policy (``claimtrack.net``: claimtrack's user agent
and nothing else about the user, a total deadline, every answer capped at
``MAX_ANSWER`` bytes). The archived copy's address comes back in the
``Content-Location`` header (a path under ``/web/``), else in a ``Link: <...>;
rel="memento"`` header, else as the final URL after redirects.

What is sent, and what is believed, is checked:

- a page address that carries credentials (``user:password@``) or a query parameter
  that looks like one (``token``, ``key``, ``signature``, ``password``...) is not sent:
  the capture would publish it. The link's snapshot is kept; the warning says why.
- the copy's address is accepted only on the archive's own origin (``https://`` and
  the archive's host: a ``javascript:`` address, another host, or one holding control
  characters is refused), so what the link records and the terminal prints is a
  web.archive.org address.

Why not the ``savepagenow`` package: its ``capture`` hard-codes
``https://web.archive.org`` (tests could not point it at a fake on 127.0.0.1 without
patching ``requests``), and it would add ``requests`` and ``click``. The protocol is one
GET and three headers; this follows ``savepagenow.api.capture`` for which header wins
and what an error header means.

The base URL is ``$CLAIMTRACK_WAYBACK_URL`` when set (tests serve a fake Save Page Now
on 127.0.0.1, which private addresses being allowed lets them reach), else
``WAYBACK_URL``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from claimtrack.net import Exchange, FetchFailure, HttpPolicy, fetch, one_line

WAYBACK_URL = "https://web.archive.org"
WAYBACK_URL_VARIABLE = "CLAIMTRACK_WAYBACK_URL"
# Seconds. A capture makes the Internet Archive fetch the page itself, which takes a
# while: savepagenow waits 120 s for the answer, and so does this, in all.
DEADLINE = 120.0
# Save Page Now answers with a short page; nothing it says needs more than this.
MAX_ANSWER = 1024 * 1024
RATE_LIMITED = "Save Page Now is rate-limiting requests (HTTP 429); try again later"
# Query parameters that carry a secret, by name (case-insensitive, whole name or a
# suffix after "_" or "-": "access_token", "X-Amz-Signature").
_SECRET_PARAMETER = re.compile(
    r"(?:^|[_-])(?:token|key|apikey|secret|password|passwd|pwd|pass|auth|"
    r"authorization|signature|sig|session|sessionid|sid|credential|credentials)$",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
CREDENTIALS_NOT_SENT = (
    "not sent to the Internet Archive: the address carries credentials or a token "
    "({what}), which a public copy would publish"
)


def wayback_base() -> str:
    """Save Page Now's base URL: ``$CLAIMTRACK_WAYBACK_URL``, else ``WAYBACK_URL``."""
    return (os.environ.get(WAYBACK_URL_VARIABLE) or WAYBACK_URL).rstrip("/")


class WaybackFailure(Exception):
    """Save Page Now gave no copy: ``message`` says why in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def secrets_in(url: str) -> str | None:
    """What in ``url`` looks like a credential (``user:password@``, ``?token=``), in a
    few words, or None when nothing does."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return "user:password@"
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    found = [name for name in names if _SECRET_PARAMETER.search(name)]
    return ", ".join(f"?{name}=" for name in dict.fromkeys(found)) or None


@dataclass(frozen=True)
class SavePageNow:
    """How public copies are asked for; the defaults are the product's."""

    base: str = field(default_factory=wayback_base)
    policy: HttpPolicy = field(
        default_factory=lambda: HttpPolicy(deadline=DEADLINE, max_bytes=MAX_ANSWER, types=())
    )

    def save_all(
        self, urls: Iterable[str], done: Callable[[str], None] | None = None
    ) -> dict[str, str | WaybackFailure]:
        """Each distinct URL asked for once, in order: URL -> the web.archive.org URL of
        its copy, or a ``WaybackFailure``. After a 429 (rate limited) the rest are not
        asked and fail with the same message. ``done(url)`` follows the asking."""
        results: dict[str, str | WaybackFailure] = {}
        limited = False
        for url in dict.fromkeys(urls):
            try:
                if limited:  # asking again within the minute only prolongs the ban
                    raise WaybackFailure(RATE_LIMITED)
                results[url] = self._save(url)
            except WaybackFailure as failure:
                results[url] = failure
                limited = failure.message == RATE_LIMITED
            if done is not None:
                done(url)
        return results

    def _save(self, url: str) -> str:
        secret = secrets_in(url)
        if secret is not None:
            raise WaybackFailure(CREDENTIALS_NOT_SENT.format(what=secret))
        try:
            answer: Exchange = fetch(f"{self.base}/save/{url}", self.policy)
        except FetchFailure as failure:
            if failure.answer is not None:
                return self._copy(failure.answer)
            if failure.kind == "bad-url":
                raise WaybackFailure(failure.message) from None
            if failure.kind == "too-large":
                raise WaybackFailure(f"Save Page Now's answer is {failure.message}") from None
            raise WaybackFailure(f"cannot reach Save Page Now ({failure.message})") from None
        return self._copy(answer)

    def _copy(self, answer: Exchange) -> str:
        error = answer.header("x-archive-wayback-runtime-error")
        if error:
            raise WaybackFailure(f"Save Page Now refused: {one_line(Exception(error))}")
        status = answer.status
        if status == 429:
            raise WaybackFailure(RATE_LIMITED)
        if status >= 400:
            raise WaybackFailure(f"Save Page Now failed: HTTP {status} {answer.reason}")
        location = answer.header("content-location")
        if location:
            return self._accepted(urljoin(self.base + "/", location))
        memento = _memento(answer)
        if memento:
            return self._accepted(urljoin(self.base + "/", memento))
        if urlsplit(answer.url).path.startswith("/web/") and 200 <= status < 300:
            return self._accepted(answer.url)
        raise WaybackFailure(f"Save Page Now answered HTTP {status} without the copy's address")

    def _accepted(self, copy: str) -> str:
        """``copy`` when it is an address on the archive's own origin (its scheme,
        which must be https unless private addresses are allowed, and its host), else
        a ``WaybackFailure``."""
        base = urlsplit(self.base)
        secure = base.scheme == "https" or self.policy.allow_private
        found = urlsplit(copy) if not _CONTROL.search(copy) else None
        if (
            found is None
            or not secure
            or (found.scheme, found.netloc.lower()) != (base.scheme, base.netloc.lower())
            or not found.path.startswith("/web/")
        ):
            shown = one_line(Exception(copy.encode("unicode_escape").decode("ascii")))
            raise WaybackFailure(f"Save Page Now's answer is not an archive address: {shown}")
        return copy


def _memento(answer: Exchange) -> str | None:
    """The address of a ``Link`` header's ``rel="memento"`` (RFC 7089), or None."""
    import httpx

    links = httpx.Response(answer.status, headers=answer.headers).links
    found = links.get("memento", {}).get("url")
    return found if isinstance(found, str) and found else None
