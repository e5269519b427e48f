"""Fetching cited pages for evidence: the one HTTP policy (``claimtrack.net``), a few
pages at a time.

Each page is one ``net.fetch`` (timeouts and a total deadline, a cap on the decoded
body, redirects checked hop by hop, no address on the user's own network unless
allowed); only HTML pages are evidence. A failure is a ``FetchFailure`` for that page
alone, never an exception that ends the run: an error the policy did not foresee is
that page's failure too, so one link never costs the others their results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from claimtrack.net import USER_AGENT, FetchFailure, HttpPolicy, Page, fetch, one_line

__all__ = ["USER_AGENT", "WORKERS", "FetchFailure", "Fetcher", "Page", "one_line"]

# Pages fetched at once: a few, so that a story's sources (often one site) are not
# hammered, and a slow site does not hold up the rest.
WORKERS = 4


@dataclass(frozen=True)
class Fetcher:
    """How evidence pages are fetched: ``policy`` (the product's by default, tests
    shrink it), ``workers`` at a time."""

    policy: HttpPolicy = field(default_factory=HttpPolicy)
    workers: int = WORKERS

    def fetch_all(
        self, urls: Iterable[str], done: Callable[[str], None] | None = None
    ) -> dict[str, Page | FetchFailure]:
        """Each distinct URL fetched once, ``workers`` at a time: URL -> its ``Page`` or
        its ``FetchFailure``. ``done(url)`` is called as each finishes (a progress bar)."""
        wanted = list(dict.fromkeys(urls))
        results: dict[str, Page | FetchFailure] = {}
        if not wanted:
            return results
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            for url, result in pool.map(self._one, wanted):
                results[url] = result
                if done is not None:
                    done(url)
        return results

    def _one(self, url: str) -> tuple[str, Page | FetchFailure]:
        try:
            return url, fetch(url, self.policy)
        except FetchFailure as failure:
            return url, failure
        except Exception as exc:  # one page's failure, never the run's (MemoryError too)
            return url, FetchFailure("unreachable", f"{type(exc).__name__}: {one_line(exc)}")
