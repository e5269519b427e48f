"""Use cases on evidence: archive and verify read the database, fetch with no lock
held, then write once; evidence reads a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from claimtrack.operations.base import (
    DeskBase,
    Progress,
    no_progress,
)

if TYPE_CHECKING:
    from claimtrack.evidence import Archived, Cited, EvidenceFolder, Verified
    from claimtrack.model import Archive
    from claimtrack.query import ClaimFilter
    from claimtrack.views import (
        ArchiveReport,
        VerifyReport,
    )


class EvidenceCases(DeskBase):
    """Evidence: archive, verify, the text of a snapshot."""

    def archive(
        self,
        claim_refs: Sequence[str],
        flt: ClaimFilter,
        *,
        reveal: bool = False,
        again: bool = False,
        wayback: bool = False,
        progress: Progress | None = None,
    ) -> list[ArchiveReport]:
        """Keep a snapshot of each cited page of the chosen claims (``evidence``): read,
        fetch with no lock held, record in one write. One report per link with a URL."""
        from claimtrack.evidence import archive_reports, chosen_links, record_archives

        with self.reading() as db:
            cited = chosen_links(db, claim_refs, flt, reveal=reveal)
        results = fetch_archives(self.path, cited, again=again, wayback=wayback, progress=progress)
        if any(r.fresh for r in results):
            with self.writing() as db:
                record_archives(db, results)
        return archive_reports(results)

    def evidence(self, link_ref: str, *, reveal: bool = False) -> tuple[Archive, EvidenceFolder]:
        """The snapshot of a link (ID or prefix) and the folder that keeps it. Raises
        what ``evidence.evidence_of`` raises."""
        from claimtrack.evidence import EvidenceFolder, evidence_of

        with self.reading() as db:
            snapshot = evidence_of(db, link_ref, reveal=reveal)
        return snapshot, EvidenceFolder.of(self.path)

    def verify(
        self,
        claim_refs: Sequence[str],
        flt: ClaimFilter,
        *,
        reveal: bool = False,
        progress: Progress | None = None,
    ) -> tuple[list[VerifyReport], list[Verified], int]:
        """Fetch the archived pages of the chosen claims again and record what changed
        (``evidence``). Returns the reports, the results, and how many links with a URL
        have no snapshot."""
        from claimtrack.evidence import (
            EvidenceFolder,
            Fetcher,
            chosen_links,
            record_verifications,
            verify_pages,
            verify_reports,
        )

        with self.reading() as db:
            cited = chosen_links(db, claim_refs, flt, reveal=reveal)
        folder = EvidenceFolder.of(self.path)
        fetching = {c.url for c in cited if c.link.get("archive")}
        with (progress or no_progress)("Verifying", len(fetching)) as done:
            results = verify_pages(cited, folder, Fetcher(), done=done)
        if results:
            with self.writing() as db:
                record_verifications(db, results)
        skipped = sum(1 for c in cited if c.link.get("archive") is None)
        return verify_reports(results), results, skipped


def fetch_archives(
    path: Path, cited: Sequence[Cited], *, again: bool, wayback: bool, progress: Progress | None
) -> list[Archived]:
    """Fetch and keep the pages of these links, with no lock held (``archive``, ``link
    --archive``); with ``wayback`` ask for public copies too."""
    from claimtrack.evidence import (
        EvidenceFolder,
        Fetcher,
        SavePageNow,
        archive_pages,
        ask_wayback,
    )

    progress = progress or no_progress
    folder = EvidenceFolder.of(path)
    fetching = {c.url for c in cited if again or not c.link.get("archive")}
    with progress("Archiving", len(fetching)) as done:
        results = archive_pages(cited, folder, Fetcher(), again=again, done=done)
    if wayback:
        asking = {r.cited.url for r in results if r.fresh and not r.cited.confidential}
        with progress("Save Page Now", len(asking)) as done:
            ask_wayback(results, SavePageNow(), done=done)
    return results
