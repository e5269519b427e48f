"""A public copy of a cited page: the Internet Archive's Save Page Now (``--wayback``).

Asked only when the user passes ``--wayback``, and never for a confidential source's
link (``work.ask_wayback``): a capture is public, and so is the URL it was asked for.
One ``GET <base>/save/<url>`` per distinct URL, one at a time (anonymous captures are
rate-limited), with claimtrack's user agent and nothing else about the user. The
archived copy's address comes back in the ``Content-Location`` header (a path under
``/web/``), else in a ``Link: <...>; rel="memento"`` header, else as the final URL after
redirects.

Why not the ``savepagenow`` package: its ``capture`` hard-codes
``https://web.archive.org`` (tests could not point it at a fake on 127.0.0.1 without
patching ``requests``), and it would add ``requests`` and ``click`` beside the httpx
that ``fetch`` already uses. The protocol is one GET and three headers; this follows
``savepagenow.api.capture`` for which header wins and what an error header means.

The base URL is ``$CLAIMTRACK_WAYBACK_URL`` when set (tests serve a fake Save Page Now),
else ``WAYBACK_URL``. httpx is imported only when a copy is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from claimtrack.evidence.fetch import USER_AGENT, one_line

if TYPE_CHECKING:
    import httpx

WAYBACK_URL = "https://web.archive.org"
WAYBACK_URL_VARIABLE = "CLAIMTRACK_WAYBACK_URL"
# Seconds. A capture makes the Internet Archive fetch the page itself, which takes a
# while: savepagenow waits 120 s for the answer, and so does this.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0
RATE_LIMITED = "Save Page Now is rate-limiting requests (HTTP 429); try again later"


def wayback_base() -> str:
    """Save Page Now's base URL: ``$CLAIMTRACK_WAYBACK_URL``, else ``WAYBACK_URL``."""
    return (os.environ.get(WAYBACK_URL_VARIABLE) or WAYBACK_URL).rstrip("/")


class WaybackFailure(Exception):
    """Save Page Now gave no copy: ``message`` says why in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SavePageNow:
    """How public copies are asked for; the defaults are the product's."""

    base: str = field(default_factory=wayback_base)
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT

    def save_all(
        self, urls: Iterable[str], done: Callable[[str], None] | None = None
    ) -> dict[str, str | WaybackFailure]:
        """Each distinct URL asked for once, in order: URL -> the web.archive.org URL of
        its copy, or a ``WaybackFailure``. After a 429 (rate limited) the rest are not
        asked and fail with the same message. ``done(url)`` follows the asking."""
        import httpx

        wanted = list(dict.fromkeys(urls))
        results: dict[str, str | WaybackFailure] = {}
        if not wanted:
            return results
        timeout = httpx.Timeout(self.read_timeout, connect=self.connect_timeout)
        with httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
        ) as client:
            limited = False
            for url in wanted:
                try:
                    if limited:  # asking again within the minute only prolongs the ban
                        raise WaybackFailure(RATE_LIMITED)
                    results[url] = self._save(client, url)
                except WaybackFailure as failure:
                    results[url] = failure
                    limited = failure.message == RATE_LIMITED
                if done is not None:
                    done(url)
        return results

    def _save(self, client: httpx.Client, url: str) -> str:
        import httpx

        try:
            response = client.get(f"{self.base}/save/{url}")
        except httpx.TimeoutException:
            raise WaybackFailure("Save Page Now did not answer in time") from None
        except httpx.HTTPError as exc:
            raise WaybackFailure(f"cannot reach Save Page Now ({one_line(exc)})") from None
        except ValueError as exc:  # a malformed URL
            raise WaybackFailure(f"not a valid web address ({exc})") from None
        return self._copy(response)

    def _copy(self, response: httpx.Response) -> str:
        error = response.headers.get("x-archive-wayback-runtime-error")
        if error:
            raise WaybackFailure(f"Save Page Now refused: {one_line(Exception(error))}")
        status = response.status_code
        if status == 429:
            raise WaybackFailure(RATE_LIMITED)
        if status >= 400:
            raise WaybackFailure(f"Save Page Now failed: HTTP {status} {response.reason_phrase}")
        location: str | None = response.headers.get("content-location")
        if location:
            return urljoin(self.base + "/", location)
        memento = response.links.get("memento", {}).get("url")
        if isinstance(memento, str) and memento:
            return urljoin(self.base + "/", memento)
        if response.url.path.startswith("/web/"):
            return str(response.url)
        raise WaybackFailure(f"Save Page Now answered HTTP {status} without the copy's address")
