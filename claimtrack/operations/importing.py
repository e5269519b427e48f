"""Use cases that bring records in: import, and recording an extraction
(``extract --add``, with the near-duplicate policy of ``add``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from claimtrack.operations.base import (
    DeskBase,
)

if TYPE_CHECKING:
    from claimtrack.analysis.similar import Match
    from claimtrack.extract import Candidate, Extraction
    from claimtrack.importing.candidates import Recorded
    from claimtrack.importing.incoming import Incoming
    from claimtrack.importing.plan import Plan


class ImportCases(DeskBase):
    """Records that come from elsewhere: an import, an extraction."""

    def import_records(
        self,
        read: Callable[[], Incoming],
        *,
        dry_run: bool = False,
        progress: Callable[[Plan], Callable[[int], None] | None] | None = None,
    ) -> tuple[Plan, str]:
        """Import the records ``read()`` reads from a file (``importing.importer``),
        before any lock is taken: plan what is added, updated or left alone, and with
        ``dry_run`` write nothing; else carry the plan out as one change.
        ``progress(plan)`` may give a callback told how many changes are done. Returns
        the plan and its summary (what it adds, updates and leaves alone)."""
        from claimtrack.importing import importer

        incoming = read()  # held here only, so that it can go before the write
        if dry_run:
            with self.reading() as db:
                plan = importer.plan(db, incoming)
            return plan, plan.summary()
        with self.writing() as db:
            plan = importer.plan(db, incoming)
            del incoming  # the plan holds what is written; the rest can go before the write
            summary = plan.summary()  # applying the plan empties it
            if plan.writes:
                importer.apply(db, plan, progress=None if progress is None else progress(plan))
        return plan, summary

    def record_extraction(
        self,
        extraction: Extraction,
        candidates: list[Candidate],
        *,
        story: str | None,
        source_name: str | None = None,
        check_duplicates: bool = True,
        review: Callable[[list[Candidate], dict[int, Match]], list[Candidate]] | None = None,
        warn: Callable[[Candidate, Match], None] | None = None,
    ) -> Recorded:
        """Record an extraction's candidates as unverified claims (``importing.
        candidates``), with the near-duplicate policy of ``add``: ``review`` (asked with
        no lock held, shown the near-duplicates) returns the candidates to keep; under
        the lock each kept candidate is looked at again and ``warn`` told of a
        near-duplicate nobody was shown."""
        from claimtrack.extract.pipeline import by_checkworthiness
        from claimtrack.importing.candidates import record_candidates
        from claimtrack.operations.duplicates import story_duplicates

        look = check_duplicates and bool(candidates) and self.path.exists()
        shown: dict[int, str] = {}
        if review is not None:
            dupes: dict[int, Match] = {}
            if look:
                with self.reading() as db:
                    dupes = story_duplicates(db, candidates, story)
            shown = {key: match.claim["id"] for key, match in dupes.items()}
            # The most checkable first, so a reviewer who stops early has kept those;
            # recorded in the article's order all the same.
            place = {id(candidate): n for n, candidate in enumerate(candidates)}
            kept = review(by_checkworthiness(candidates), dupes)
            candidates = sorted(kept, key=lambda candidate: place.get(id(candidate), 0))
        with self.writing() as db:
            if look and candidates:
                for candidate in candidates:
                    match = story_duplicates(db, [candidate], story).get(id(candidate))
                    unseen = match is not None and shown.get(id(candidate)) != match.claim["id"]
                    if unseen and warn is not None and match is not None:
                        warn(candidate, match)
            return record_candidates(
                db, extraction, candidates, story=story, source_name=source_name
            )
