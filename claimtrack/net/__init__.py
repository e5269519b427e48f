"""The network: one HTTP client policy for every command whose job is to fetch.

``fetch(url, policy)`` is the one call (``client``): timeouts and a total deadline,
a cap on the decoded body enforced while it streams, claimtrack's user agent, the
page's charset, redirects checked hop by hop, and no address on the user's own machine
or network unless allowed (``guard``). Importing this package imports no HTTP library;
``fetch`` does, on first use.
"""

from claimtrack.net.client import (
    DEADLINE,
    HTML_TYPES,
    MAX_BYTES,
    USER_AGENT,
    Exchange,
    FetchFailure,
    HttpPolicy,
    Page,
    fetch,
    one_line,
)

__all__ = [
    "DEADLINE",
    "HTML_TYPES",
    "MAX_BYTES",
    "USER_AGENT",
    "Exchange",
    "FetchFailure",
    "HttpPolicy",
    "Page",
    "fetch",
    "one_line",
]
