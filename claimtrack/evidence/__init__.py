"""Evidence that does not rot: snapshots of cited pages, and noticing when they change.

``archive`` fetches the URL of each chosen link (``fetch``: the one HTTP policy of
``claimtrack.net``, a few at a time), keeps the response as a WARC file and the page's
main text in the evidence folder beside the database (``folder``:
``claims.evidence/``, files named by the body's SHA-256), and records on the link when,
the SHA-256, the HTTP status and the final URL (``Database.record_archive``: a change in
the history, so ``undo`` reverts it); with ``--wayback``, ``wayback`` asks the Internet
Archive's Save Page Now for a public copy too, never of a confidential source's page.
``verify`` fetches each archived link again and says whether the page's main text is
unchanged, changed, has lost the link's quote (``text``: a fuzzy partial match on
normalised text), is gone (404, 410) or unreachable, and records the result on the
link when it differs from the last one (``Database.record_verification``).

The database is read, then every page fetched with no lock held, then the results
written in one short write: a slow site never blocks the desk's other commands. A page
that fails leaves its link as it was. Nothing here imports Typer or Rich; httpx, warcio,
trafilatura and rapidfuzz are imported only when a page is fetched, kept or compared.
"""

from claimtrack.evidence.fetch import Fetcher, FetchFailure, Page
from claimtrack.evidence.folder import EvidenceFolder, evidence_folder
from claimtrack.evidence.wayback import SavePageNow, WaybackFailure
from claimtrack.evidence.work import (
    Archived,
    Cited,
    Verified,
    archive_pages,
    archive_reports,
    ask_wayback,
    chosen_links,
    evidence_of,
    record_archives,
    record_verifications,
    verify_pages,
    verify_reports,
)
from claimtrack.net import HttpPolicy

__all__ = [
    "Archived",
    "Cited",
    "EvidenceFolder",
    "FetchFailure",
    "Fetcher",
    "HttpPolicy",
    "Page",
    "SavePageNow",
    "Verified",
    "WaybackFailure",
    "archive_pages",
    "archive_reports",
    "ask_wayback",
    "chosen_links",
    "evidence_folder",
    "evidence_of",
    "record_archives",
    "record_verifications",
    "verify_pages",
    "verify_reports",
]
