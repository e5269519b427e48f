"""Use cases on evidence: archive and verify read the database, fetch with no lock
held, then write once; evidence reads a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from claimtrack.errors import ClaimtrackError
from claimtrack.operations.base import (
    DeskBase,
    Progress,
    no_progress,
)

if TYPE_CHECKING:
    from claimtrack.evidence import Archived, Cited, EvidenceFolder, Verified
    from claimtrack.model import Archive
    from claimtrack.views import (
        ArchiveReport,
        VerifyReport,
    )
    from claimtrack.views.presenter import ClaimFilter

# How an ``archive --timestamp`` report's warning starts when its new snapshot could not
# be timestamped (the snapshot is kept; the command exits 1).
NOT_TIMESTAMPED = "snapshot kept, not timestamped: "


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
        allow_private: bool = False,
        progress: Progress | None = None,
        timestamp: tuple[list[str], bytes] | None = None,
    ) -> list[ArchiveReport]:
        """Keep a snapshot of each cited page of the chosen claims (``evidence``): read,
        fetch with no lock held, record in one write. One report per link with a URL.
        ``allow_private``: fetch addresses on the user's own machine or network too.
        ``timestamp``: the TSAs and their chains' PEM (``authorities``) to timestamp
        each new snapshot's WARC file with; one that cannot be is kept untimestamped,
        its report's warning starting ``NOT_TIMESTAMPED``."""
        from claimtrack.evidence import archive_reports, chosen_links

        with self.reading() as db:
            cited = chosen_links(db, claim_refs, flt, reveal=reveal)
        results = archive_and_record(
            self,
            cited,
            again=again,
            wayback=wayback,
            allow_private=allow_private,
            progress=progress,
        )
        if timestamp is not None:
            self._timestamp_snapshots(results, *timestamp)
        return archive_reports(results)

    def _timestamp_snapshots(self, results: list[Archived], tsa: list[str], pem: bytes) -> None:
        """Timestamp each new snapshot's WARC file (``integrity.timestamps``): only its
        SHA-256 is sent; all its tokens are checked before any is stored."""
        import hashlib

        from claimtrack.evidence import EvidenceFolder
        from claimtrack.integrity import timestamps

        folder = EvidenceFolder.of(self.path)
        for result in results:
            if not result.fresh or result.archive is None:
                continue
            sha256 = result.archive["sha256"]
            try:
                warc = folder.checked_warc(result.archive).read_bytes()
                answers = [(url, *timestamps.request_token(url, warc, pem)) for url in tsa]
            except (timestamps.TimestampError, OSError) as exc:
                reason = exc.message if isinstance(exc, ClaimtrackError) else str(exc)
                result.warning = f"{NOT_TIMESTAMPED}{reason}"
                continue
            for url, answer, stamped, serial in answers:
                timestamps.keep(
                    timestamps.folder_of(self.path),
                    answer,
                    pem,
                    kind="snapshot",
                    subject=sha256,
                    imprint=hashlib.sha256(warc).hexdigest(),
                    tsa=url,
                    stamped=stamped,
                    serial=serial,
                )

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
        allow_private: bool = False,
        progress: Progress | None = None,
    ) -> tuple[list[VerifyReport], list[Verified], int]:
        """Fetch the archived pages of the chosen claims again and record what changed
        (``evidence``). Returns the reports, the results, and how many links with a URL
        have no snapshot."""
        from claimtrack.evidence import (
            EvidenceFolder,
            Fetcher,
            HttpPolicy,
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
            fetcher = Fetcher(HttpPolicy().with_private(allow_private))
            results = verify_pages(cited, folder, fetcher, done=done)
        if results:
            with self.writing() as db:
                record_verifications(db, results)
        skipped = sum(1 for c in cited if c.link.get("archive") is None)
        return verify_reports(results), results, skipped


def archive_and_record(
    desk: DeskBase,
    cited: Sequence[Cited],
    *,
    again: bool,
    wayback: bool,
    allow_private: bool,
    progress: Progress | None,
) -> list[Archived]:
    """Fetch and keep the pages of these links with no lock held, then record the new
    snapshots in one write (``archive``, ``link --archive``); with ``wayback`` ask for
    public copies too. First removes what a killed run left; this run's journal is held
    until its snapshots are recorded, so that a run killed meanwhile is cleaned up by the
    next (``evidence.folder``)."""
    from claimtrack.evidence import (
        EvidenceFolder,
        Fetcher,
        HttpPolicy,
        SavePageNow,
        archive_pages,
        ask_wayback,
        record_archives,
    )
    from claimtrack.evidence.folder import clean_up, journal, referenced_in

    progress = progress or no_progress
    folder = EvidenceFolder.of(desk.path)
    clean_up(folder, referenced_in(desk.path))
    fetching = {c.url for c in cited if again or not c.link.get("archive")}
    with journal(folder) as notes:
        with progress("Archiving", len(fetching)) as done:
            fetcher = Fetcher(HttpPolicy().with_private(allow_private))
            results = archive_pages(cited, folder, fetcher, again=again, done=done, journal=notes)
        if wayback:
            asking = {r.cited.url for r in results if r.fresh and not r.cited.confidential}
            with progress("Save Page Now", len(asking)) as done:
                ask_wayback(results, SavePageNow(), done=done)
        if any(r.fresh for r in results):
            with desk.writing() as db:
                record_archives(db, results)
    return results
