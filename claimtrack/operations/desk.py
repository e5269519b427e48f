"""``Desk``: the claims database as a journalist works with it, one method per task.

Each method opens the database as its task needs (a read, or a write that holds the
lock until the file is saved), and never asks the user anything while the lock is held:
a question comes in as a callback, is asked after a read, and the write that follows
checks under the lock that the records the user said yes to are as they were. If one
changed or vanished in between, ``Changed`` is raised and nothing is done, so a person
thinking over a question never makes a colleague's command wait, and never deletes or
merges what they did not see.

Methods return views (``claimtrack.views``), ready to render; ``reveal`` says whether a
confidential source's identity may be shown, as everywhere. Errors: what
``Database`` raises (``NotFound``, ``Ambiguous``, ``ValidationError``,
``DatabaseError``), and ``Changed``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, cast

from claimtrack import ids
from claimtrack.errors import ClaimtrackError
from claimtrack.model import DEFAULT_STATUS

if TYPE_CHECKING:
    from claimtrack.checks import Problem
    from claimtrack.db import Database
    from claimtrack.evidence import Archived, Cited, EvidenceFolder, Verified
    from claimtrack.extract import Candidate, Extraction
    from claimtrack.history import Change
    from claimtrack.interchange.candidates import Recorded
    from claimtrack.interchange.exporters.claimreview import Result as ReviewResult
    from claimtrack.interchange.import_plan import Plan
    from claimtrack.interchange.import_read import Incoming
    from claimtrack.merging import Merge
    from claimtrack.model import Archive, Claim, Link, Quantity, Source
    from claimtrack.query import ClaimFilter
    from claimtrack.similar import Match
    from claimtrack.views import (
        ArchiveReport,
        ClaimView,
        SimilarView,
        SourceDetailView,
        SourceView,
        VerifyReport,
    )

# What a question about a near-duplicate may answer: add the claim anyway, use the
# claim already recorded, or add nothing.
DuplicateAnswer = Literal["add", "use", "skip"]
# ``progress(what, total)``: a context manager giving a ``done(url)`` callback, or None.
Progress = Callable[[str, int], AbstractContextManager[Callable[[str], None] | None]]
# An export: its bytes, or a function that writes them to a binary file.
Payload = bytes | Callable[[IO[bytes]], None]


class Changed(ClaimtrackError):
    """A record the user was asked about changed or vanished before the write lock was
    taken: nothing was done."""


class _AskAgain(Exception):
    """Inside a write: a near-duplicate the user has not seen turned up; leave the
    block unsaved and ask about it."""

    def __init__(self, found: list[Match]) -> None:
        super().__init__()
        self.found = found


@dataclass
class ClaimDraft:
    """A claim to add, as the user gave it (names are sources' names or aliases;
    ``quantities`` None: worked out from ``text``)."""

    text: str
    quote: str | None = None
    story: str | None = None
    tags: Sequence[str] = ()
    status: str = DEFAULT_STATUS
    rating: str | None = None
    said_by: Sequence[str] = ()
    reported_by: Sequence[str] = ()
    note: str | None = None
    quantities: list[Quantity] | None = None


@dataclass
class Added:
    """What ``Desk.add`` did: ``view`` is the claim added, or with ``existing`` the
    claim already recorded the user chose to use instead."""

    view: ClaimView
    existing: bool = False


@dataclass
class MergeProposal:
    """A merge as the user is asked about it: the ``plan`` (``merging.Merge``) and the
    name each source in it is shown by (``names``; empty for claims)."""

    plan: Merge
    names: dict[str, str] = field(default_factory=dict)

    def name(self, record_id: str) -> str:
        return self.names.get(record_id, ids.short(record_id))


@dataclass
class SourceRemoval:
    """A source to delete as the user is asked about it: its name as shown, and how
    many links to claims go with it."""

    source: Source
    name: str
    links: int


@dataclass
class CheckRun:
    """What ``Desk.check`` found: how many problems, the claims that have one (in the
    order found) and how many claims were checked."""

    problems: int = 0
    failing: dict[str, None] = field(default_factory=dict)
    checked: int = 0


class Desk:
    """The use cases on the database file at ``path``. ``saved`` is called after each
    write is saved (the CLI notes that a change is committed)."""

    def __init__(self, path: Path, *, saved: Callable[[], None] | None = None) -> None:
        self.path = path
        self._saved = saved

    # -- opening ------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self, *, history: bool = False, indexed: bool = True) -> Iterator[Database]:
        """The database to read, no lock held."""
        from claimtrack.db import Database

        with Database.open(self.path, history=history, indexed=indexed) as db:
            yield db

    @contextlib.contextmanager
    def writing(self, *, indexed: bool = True) -> Iterator[Database]:
        """The database to change, locked until the block ends and saved when it ends
        without an error."""
        from claimtrack.db import Database

        with Database.open(self.path, write=True, indexed=indexed) as db:
            yield db
        if self._saved is not None:
            self._saved()

    # -- claims -------------------------------------------------------------------------

    def add(
        self,
        draft: ClaimDraft,
        *,
        check_duplicates: bool = True,
        ask: Callable[[list[Match]], DuplicateAnswer] | None = None,
        warn: Callable[[Match], None] | None = None,
    ) -> Added | None:
        """Record a claim, unless it is a near-duplicate (``operations.duplicates``)
        the user does not want: ``ask(matches)`` is asked with no lock held and answers
        "add", "use" (the best match is returned, ``existing``) or "skip" (None is
        returned). Under the lock the claims are looked at again: one the user was not
        shown is asked about in turn. Without ``ask`` the claim is added and ``warn``
        told of the best near-duplicate. ``check_duplicates=False`` looks for none."""
        from claimtrack.operations.duplicates import near_duplicates, worked_out_quantities
        from claimtrack.query import Presenter, claim_view

        quantities = draft.quantities
        if quantities is None:
            quantities = worked_out_quantities(draft.text)
        look = check_duplicates and self.path.exists()
        shown: set[str] = set()
        found: list[Match] = []
        if look and ask is not None:
            with self.reading() as db:
                found = near_duplicates(db, draft.text, quantities, draft.said_by)
        while True:
            if found and ask is not None:
                answer = ask(found)
                if answer == "skip":
                    return None
                if answer == "use":
                    return Added(self.show(found[0].claim["id"]), existing=True)
                shown.update(m.claim["id"] for m in found)
            try:
                with self.writing() as db:
                    if look:
                        now = near_duplicates(db, draft.text, quantities, draft.said_by)
                        unseen = [m for m in now if m.claim["id"] not in shown]
                        if unseen and ask is not None:
                            raise _AskAgain(now)
                        if unseen and warn is not None:
                            warn(unseen[0])
                    claim = db.add_claim(
                        draft.text,
                        quote=draft.quote,
                        story=draft.story,
                        tags=draft.tags,
                        status=draft.status,
                        rating=draft.rating,
                        quantities=quantities,
                        said_by=draft.said_by,
                        reported_by=draft.reported_by,
                        note=draft.note,
                    )
                    view = claim_view(claim, Presenter(db))
                return Added(view)
            except _AskAgain as again:
                found = again.found

    def show(self, ref: str, *, reveal: bool = False) -> ClaimView:
        """One claim (ID or prefix) with its sources, links and notes."""
        from claimtrack.query import Presenter, claim_view

        with self.reading() as db:
            return claim_view(db.get_claim(ref), Presenter(db, reveal=reveal))

    def list_claims(
        self,
        flt: ClaimFilter,
        write: Callable[[Iterator[ClaimView]], int],
        *,
        sort: str = "created",
        reverse: bool = False,
        limit: int | None = None,
        reveal: bool = False,
    ) -> tuple[int, int]:
        """The claims ``flt`` selects, sorted, at most ``limit``, handed to ``write``
        one at a time while they are read (a large database is never held whole);
        ``write`` returns how many it wrote. Returns that and how many matched."""
        from claimtrack.query import Presenter, claim_view, iter_claims

        with self.reading() as db:
            flt.prepare(db)
            presenter = Presenter(db, reveal=reveal)
            claims, total = iter_claims(db, flt, sort=sort, reverse=reverse, limit=limit)
            shown = write(claim_view(c, presenter) for c in claims)
        return shown, total

    def _changed_claim(self, change: Callable[[Database], Claim]) -> ClaimView:
        from claimtrack.query import Presenter, claim_view

        with self.writing() as db:
            return claim_view(change(db), Presenter(db))

    def edit(
        self,
        ref: str,
        *,
        text: str | None = None,
        quote: str | None = None,
        story: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        rating: str | None = None,
        quantities: list[Quantity] | None = None,
    ) -> ClaimView:
        """Change a claim's fields (``Database.edit_claim``); a new ``text`` has its
        quantities worked out again unless ``quantities`` are given."""
        from claimtrack.operations.duplicates import worked_out_quantities

        if quantities is None and text is not None:
            quantities = worked_out_quantities(text)
        return self._changed_claim(
            lambda db: db.edit_claim(
                ref,
                text=text,
                quote=quote,
                story=story,
                add_tags=add_tags,
                remove_tags=remove_tags,
                rating=rating,
                quantities=quantities,
            )
        )

    def set_status(
        self,
        ref: str,
        status: str,
        *,
        note: str | None = None,
        rating: str | None = None,
        review_url: str | None = None,
    ) -> ClaimView:
        """Give a claim a status (``Database.set_status``)."""
        return self._changed_claim(
            lambda db: db.set_status(ref, status, note=note, rating=rating, review_url=review_url)
        )

    def note(self, ref: str, text: str) -> ClaimView:
        """Add a dated note to a claim."""
        return self._changed_claim(lambda db: db.add_note(ref, text))

    def remove_claims(
        self, refs: Sequence[str], *, confirm: Callable[[list[Claim]], bool] | None = None
    ) -> list[Claim] | None:
        """Delete claims and their links; None when ``confirm(claims)`` (asked with no
        lock held) says no. Raises ``Changed`` when a claim or its links changed in the
        meantime."""
        if confirm is None:
            with self.writing() as db:
                return db.remove_claims([db.get_claim(ref)["id"] for ref in refs])
        with self.reading() as db:
            seen = [db.get_claim(ref) for ref in refs]
            seen_links = {c["id"]: _link_ids(db.links_of_claim(c["id"])) for c in seen}
        if not confirm(seen):
            return None
        with self.writing() as db:
            for claim in seen:
                short = ids.short(claim["id"])
                if not db.has_claim(claim["id"]):
                    raise Changed(
                        f"claim {short} was deleted while you were asked; nothing deleted"
                    )
                now = dict(db.claim_by_id(claim["id"]))
                links = _link_ids(db.links_of_claim(claim["id"]))
                if now != claim or links != seen_links[claim["id"]]:
                    raise _changed("claim", short, "deleted")
            return db.remove_claims(c["id"] for c in seen)

    def similar(
        self,
        text: str,
        flt: ClaimFilter,
        *,
        by_id: bool = True,
        limit: int | None = 10,
        min_score: int = 50,
        reveal: bool = False,
    ) -> list[SimilarView]:
        """The claims ``flt`` selects that are like a claim (``text`` is its ID or
        prefix, when ``by_id`` and one has it) or like ``text`` itself, best first."""
        from claimtrack.operations.duplicates import worked_out_quantities
        from claimtrack.query import Presenter, similar_view
        from claimtrack.similar import Probe, claim_id_given, claim_probe, find_similar

        with self.reading() as db:
            flt.prepare(db)
            claim_id = claim_id_given(db, text) if by_id else None
            if claim_id is not None:
                probe = claim_probe(db, claim_id)
            else:
                probe = Probe(text, worked_out_quantities(text))
            found = find_similar(db, probe, flt, limit=limit, min_score=min_score)
            presenter = Presenter(db, reveal=reveal)
            return [similar_view(match, presenter) for match in found]

    # -- links ------------------------------------------------------------------------------

    def link(
        self,
        claim_ref: str,
        source_ref: str,
        relation: str,
        *,
        url: str | None = None,
        quote: str | None = None,
        date: str | None = None,
        note: str | None = None,
        create: bool = False,
        archive: bool = False,
        wayback: bool = False,
        progress: Progress | None = None,
    ) -> tuple[Link, str, ClaimView, list[ArchiveReport]]:
        """Link a claim to a source (``create``: a new source if none has the name);
        with ``archive`` keep a snapshot of the link's URL (as ``archive``, fetched
        after the lock is let go). Returns the link, the source's name as shown, the
        claim as it is now, and the archive's report (one per page, or none)."""
        from claimtrack.confidential import is_confidential
        from claimtrack.query import Presenter, claim_view

        cited: list[Cited] = []
        with self.writing() as db:
            if create:
                db.ensure_source(source_ref)
            made = db.link(
                claim_ref, source_ref, relation, url=url, quote=quote, date=date, note=note
            )
            presenter = Presenter(db)
            view = claim_view(db.get_claim(made["claim"]), presenter)
            name = presenter.name(made["source"])
            if archive and made["url"]:
                from claimtrack.evidence import Cited

                shown, hidden = presenter.display(made["source"])
                secret = is_confidential(presenter.source(made["source"]))
                cited = [Cited(cast("Link", dict(made)), shown, hidden, secret)]
        if not cited:
            return made, name, view, []
        results = self._fetch_archives(cited, again=False, wayback=wayback, progress=progress)
        from claimtrack.evidence import archive_reports, record_archives

        opened = self.writing() if any(r.fresh for r in results) else self.reading()
        with opened as db:
            if any(r.fresh for r in results):
                record_archives(db, results)
            view = claim_view(db.get_claim(made["claim"]), Presenter(db))
        return made, name, view, archive_reports(results)

    def unlink(
        self, claim_ref: str, source_ref: str, relation: str | None = None
    ) -> tuple[list[Link], ClaimView]:
        """Remove the links between a claim and a source (of ``relation``, or all)."""
        from claimtrack.query import Presenter, claim_view

        with self.writing() as db:
            removed = db.unlink(claim_ref, source_ref, relation)
            return removed, claim_view(db.get_claim(claim_ref), Presenter(db))

    # -- sources ----------------------------------------------------------------------------

    def add_source(self, name: str, **fields: Any) -> SourceView:
        """Add a source (``Database.add_source``'s fields)."""
        from claimtrack.query import Presenter, source_view

        with self.writing() as db:
            return source_view(db.add_source(name, **fields), Presenter(db))

    def list_sources(
        self, *, kind: str | None = None, search: str | None = None, reveal: bool = False
    ) -> list[SourceView]:
        """Sources by name, with how many claims cite each; only those of ``kind``, and
        with ``search`` in their name, an alias or the role (any case)."""
        from claimtrack.query import Presenter, source_view, sources_sorted

        with self.reading() as db:
            presenter = Presenter(db, reveal=reveal)
            chosen = sources_sorted(db.source_list(), presenter.disclosure)
            if kind:
                chosen = [s for s in chosen if s["kind"] == kind.strip().lower()]
            views = [source_view(s, presenter) for s in chosen]
        if search:
            needle = search.casefold()
            views = [
                v
                for v in views
                if needle in " ".join([v["name"], *v["aliases"], v.get("role") or ""]).casefold()
            ]
        return views

    def show_source(
        self, ref: str, *, reveal: bool = False
    ) -> tuple[SourceDetailView, list[tuple[str, Claim]]]:
        """A source and every claim that cites it (with the relation), as a view and as
        the claims themselves."""
        from claimtrack.query import Presenter, claim_view, source_claims, source_view

        with self.reading() as db:
            presenter = Presenter(db, reveal=reveal)
            found = db.get_source(ref)
            cited = source_claims(found, db, presenter)
            view: SourceDetailView = {
                **source_view(found, presenter),
                "cited_by": [
                    {"relation": relation, **claim_view(claim, presenter)}
                    for relation, claim in cited
                ],
            }
        return view, cited

    def edit_source(self, ref: str, **changes: Any) -> SourceView:
        """Change a source (``Database.edit_source``'s fields)."""
        from claimtrack.query import Presenter, source_view

        with self.writing() as db:
            return source_view(db.edit_source(ref, **changes), Presenter(db))

    def remove_source(
        self, ref: str, *, confirm: Callable[[SourceRemoval], bool] | None = None
    ) -> tuple[Source, list[Link]] | None:
        """Delete a source and its links; None when ``confirm`` (asked with no lock
        held) says no. Raises ``Changed`` when the source or its links changed in the
        meantime."""
        from claimtrack.query import Presenter

        def removal(db: Database) -> SourceRemoval:
            found = db.get_source(ref)
            presenter = Presenter(db)
            cited = len(presenter.source_links(found["id"]))
            return SourceRemoval(found, presenter.name(found["id"]), cited)

        if confirm is None:
            with self.writing() as db:
                return db.remove_source(removal(db).source["id"])
        with self.reading() as db:
            asked = removal(db)
            seen_links = _link_ids(db.links_of_source(asked.source["id"]))
        if not confirm(asked):
            return None
        source_id = asked.source["id"]
        with self.writing() as db:
            short = ids.short(source_id)
            found = db.record_of("source", source_id)
            if found is None:
                raise Changed(f"source {short} was deleted while you were asked; nothing deleted")
            now = dict(found)
            if now != asked.source or _link_ids(db.links_of_source(source_id)) != seen_links:
                raise _changed("source", short, "deleted")
            return db.remove_source(source_id)

    # -- merges -----------------------------------------------------------------------------

    def plan_merge(self, kind: Literal["claim", "source"], refs: Sequence[str]) -> MergeProposal:
        """What merging these claims or sources (the survivor first) would do; changes
        nothing (``--dry-run``)."""
        with self.reading() as db:
            return _proposal(db, kind, refs)

    def merge(
        self,
        kind: Literal["claim", "source"],
        refs: Sequence[str],
        *,
        confirm: Callable[[MergeProposal], bool] | None = None,
    ) -> tuple[MergeProposal, ClaimView | SourceView] | None:
        """Merge claims or sources that are one (``merging``); None when ``confirm``
        (asked with no lock held) says no. Returns what was done and the survivor as
        it is now. Raises ``Changed`` when a record or link in the merge changed in
        the meantime."""
        from claimtrack.merging import apply
        from claimtrack.query import Presenter, claim_view, source_view

        asked: MergeProposal | None = None
        if confirm is not None:
            asked = self.plan_merge(kind, refs)
            if not confirm(asked):
                return None
            refs = [asked.plan.survivor["id"], *(o["id"] for o in asked.plan.others)]
        with self.writing() as db:
            if asked is not None:
                gone = [i for i in refs if db.record_of(kind, i) is None]
                if gone:
                    raise Changed(
                        f"{kind} {ids.short(gone[0])} was deleted while you were asked; "
                        "nothing merged"
                    )
            proposal = _proposal(db, kind, refs)
            if asked is not None and not _same_merge(asked.plan, proposal.plan):
                raise _changed(kind, None, "merged")
            merged = apply(db, proposal.plan)
            presenter = Presenter(db)
            if kind == "claim":
                view: ClaimView | SourceView = claim_view(db.get_claim(merged["id"]), presenter)
            else:
                view = source_view(db.get_source(merged["id"]), presenter)
        return asked or proposal, view

    # -- evidence ---------------------------------------------------------------------------

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
        results = self._fetch_archives(cited, again=again, wayback=wayback, progress=progress)
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

    def _fetch_archives(
        self, cited: Sequence[Cited], *, again: bool, wayback: bool, progress: Progress | None
    ) -> list[Archived]:
        from claimtrack.evidence import (
            EvidenceFolder,
            Fetcher,
            SavePageNow,
            archive_pages,
            ask_wayback,
        )

        progress = progress or _no_progress
        folder = EvidenceFolder.of(self.path)
        fetching = {c.url for c in cited if again or not c.link.get("archive")}
        with progress("Archiving", len(fetching)) as done:
            results = archive_pages(cited, folder, Fetcher(), again=again, done=done)
        if wayback:
            asking = {r.cited.url for r in results if r.fresh and not r.cited.confidential}
            with progress("Save Page Now", len(asking)) as done:
                ask_wayback(results, SavePageNow(), done=done)
        return results

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
        with (progress or _no_progress)("Verifying", len(fetching)) as done:
            results = verify_pages(cited, folder, Fetcher(), done=done)
        if results:
            with self.writing() as db:
                record_verifications(db, results)
        skipped = sum(1 for c in cited if c.link.get("archive") is None)
        return verify_reports(results), results, skipped

    # -- before publication -------------------------------------------------------------

    def check(
        self,
        flt: ClaimFilter,
        write: Callable[[Iterator[Problem]], None],
        *,
        disabled: Iterable[str] = (),
        reveal: bool = False,
    ) -> CheckRun:
        """Check the claims ``flt`` selects before publication (``checks``, with the
        rules switched off in ``claimtrack.toml`` beside the database and ``disabled``),
        handing the problems to ``write`` as they are found. A damaged database (a link
        to nothing, a misfiled record) is a problem every time: the ``structure`` rule
        cannot be switched off."""
        from claimtrack import checks, config
        from claimtrack.query import Presenter, iter_claims

        settings = config.load(self.path)
        rules = checks.DisabledRules([*settings.check_disabled, *disabled], settings.story_disabled)
        run = CheckRun()
        with self.reading() as db:
            flt.prepare(db)
            presenter = Presenter(db, reveal=reveal)
            claims, run.checked = iter_claims(db, flt, sort="created", reverse=True)

            def found() -> Iterator[Problem]:
                for problem in checks.check(claims, presenter, rules):
                    run.problems += 1
                    run.failing[problem.claim] = None
                    yield problem
                for message in db.structural_problems():
                    run.problems += 1
                    yield checks.Problem("", "structure", message, None, "")

            write(found())
        return run

    def stats(self, flt: ClaimFilter, *, top: int = 20, reveal: bool = False) -> dict[str, Any]:
        """Counts of the claims ``flt`` selects by status, story and tag, and the
        ``top`` sources by how many claims each backs (``claimtrack.stats``)."""
        from claimtrack import stats
        from claimtrack.query import Presenter

        with self.reading() as db:
            flt.prepare(db)
            return stats.compute(db, flt, Presenter(db, reveal=reveal), top=top)

    # -- history ----------------------------------------------------------------------------

    def log(
        self,
        write: Callable[[Iterator[dict[str, Any]]], None],
        *,
        record: str | None = None,
        newest: int | None = None,
        reveal: bool = False,
    ) -> int:
        """The history of one record (ID or prefix of a claim, source, link or change)
        or of the whole database, newest first, at most ``newest`` events, handed to
        ``write`` as they are read. Returns how many events there are in all."""
        from claimtrack import history
        from claimtrack.query import Presenter

        with self.reading(history=True) as db:
            target = None if record is None else history.require_known(db, record)
            found = history.read_history(db, target, newest=newest, reveal=reveal)
            presenter = Presenter(db, reveal=reveal)

            def name(source_id: str) -> str:
                # A source deleted since is named by its short ID.
                if presenter.source(source_id) is None:
                    return f"deleted source {ids.short(source_id)}"
                return presenter.name(source_id)

            write(found.views(name))
            return found.total

    def reverse(
        self, action: Literal["undo", "redo"], *, dry_run: bool = False
    ) -> tuple[Change, list[tuple[str, str, str]]]:
        """Undo the last change, or redo the one the last undo reverted (``history``);
        with ``dry_run`` change nothing. Returns the change (a redo is named by the
        change it puts back) and what was (or would be) done to each record, as
        (action, kind, ID)."""
        from claimtrack import history

        opened = (
            self.reading(history=True, indexed=False) if dry_run else self.writing(indexed=False)
        )
        with opened as db:
            change = history.next_undo(db) if action == "undo" else history.next_redo(db)
            named = change if action == "undo" else history.restored_by(db, change)
            if dry_run:
                return named, [(e["action"], e["kind"], e["target"]) for e in change.events]
            done = history.revert(db, change, action)
        return named, done

    # -- export -----------------------------------------------------------------------------

    def export(
        self,
        request: ExportRequest,
        write: Callable[[Payload], None],
        *,
        reviewed: Callable[[ReviewResult], None] | None = None,
    ) -> dict[str, int] | None:
        """Export the claims ``request`` selects in its format, handing the payload (the
        bytes, or a function that writes them to a binary file, called while the
        database is open: a large database is never held whole, nor its export) to
        ``write``. ``sqlite`` writes ``request.sqlite_path`` itself and returns how many
        claims, sources and links it holds. For ``claimreview``, ``reviewed`` is told
        what the reviews leave out before they are written. Raises ``ClaimtrackError``
        for ClaimReview reviews without the URL Google requires (unless allowed)."""
        from claimtrack.query import Presenter, iter_claims, select_claims

        fmt = request.fmt
        filtered = request.narrowing or bool(request.claim_refs)
        whole = fmt == "json" and not filtered
        # One claim at a time, oldest first, through the index when there is one (as
        # ``list`` reads them): a large database is never held whole, nor its export.
        streamed = fmt in ("jsonl", "csv", "tsv", "claimreview", "sqlite")
        # ClaimReview's datePublished is when each verdict was given: the history says.
        events = (fmt == "json" and request.history) or fmt == "claimreview"
        flt, reveal = request.flt, request.reveal
        with self.reading(history=events, indexed=whole or streamed) as db:
            flt.prepare(db)
            chosen = {db.get_claim(ref)["id"] for ref in request.claim_refs}
            if whole:
                from claimtrack.interchange.bundle import write_bundle

                write(lambda out: write_bundle(db, out, events=request.history, reveal=reveal))
                return None
            presenter = Presenter(db, reveal=reveal and fmt not in ("claimreview", "sqlite"))
            if streamed:
                each, _ = iter_claims(db, flt, sort="created", reverse=True)
                if chosen:
                    each = (claim for claim in each if claim["id"] in chosen)
                if fmt == "claimreview":
                    from claimtrack.history import verdict_times

                    payload = self._claimreview(
                        request, each, presenter, verdict_times(db), reviewed
                    )
                    write(payload)
                    return None
                if fmt == "sqlite":
                    from claimtrack.interchange.exporters import sqlite

                    assert request.sqlite_path is not None
                    return sqlite.write(
                        request.sqlite_path, each, presenter, everything=not filtered
                    )
                from claimtrack.interchange.exporters import tabular

                if fmt == "jsonl":
                    write(lambda out: tabular.write_jsonl_export(each, presenter, out))
                else:
                    delimiter = "\t" if fmt == "tsv" else ","
                    write(
                        lambda out: tabular.write_csv_export(
                            each, presenter, out, delimiter=delimiter
                        )
                    )
                return None
            claims = select_claims(db, flt, sort="created", reverse=True)
            if chosen:
                claims = [claim for claim in claims if claim["id"] in chosen]
            if fmt == "json":
                from claimtrack.interchange.bundle import dump_bundle, export_bundle

                bundle = export_bundle(
                    db, claims=claims if filtered else None, events=request.history, reveal=reveal
                )
                write(dump_bundle(bundle))
                return None
            from claimtrack.interchange.exporters import memo
            from claimtrack.model import now

            stories = sorted({c.get("story") or "" for c in claims} - {""})
            heading = request.title or (", ".join(stories) if stories else "all claims")
            made = f"Exported {now()[:16].replace('T', ' ')} UTC from {db.path.name}"
            write(memo.render(claims, presenter, title=heading, made=made).encode())
            return None

    def _claimreview(
        self,
        request: ExportRequest,
        claims: Iterable[Claim],
        presenter: Any,
        verdict_times: dict[str, str],
        reviewed: Callable[[ReviewResult], None] | None,
    ) -> bytes:
        from claimtrack import config
        from claimtrack.interchange.exporters import claimreview
        from claimtrack.interchange.formats import json_bytes

        settings = dict(config.load(self.path).organisation)
        for key, value in zip(("name", "url", "review_url"), request.organisation, strict=True):
            if value is not None:
                settings[key] = value
        reviewer = claimreview.Reviewer.from_settings(settings)
        result = claimreview.build(claims, presenter, reviewer, verdict_times)
        if result.missing and not request.allow_missing_url:
            # Google's Fact Check structured data requires each review's url: an export
            # without it would be refused by whoever it is handed to, or worse, accepted.
            raise ClaimtrackError(
                f"{len(result.missing)} claim(s) have no review URL (the published "
                f"fact-check's page): {listed(result.missing)}; nothing was exported",
                "record each with 'claimtrack status CLAIM STATUS --review-url URL', give "
                "--review-url TEMPLATE, or pass --allow-missing-url",
            )
        if reviewed is not None:
            reviewed(result)
        return json_bytes(result.reviews, pretty=True)

    # -- extraction and import ------------------------------------------------------------

    def import_records(
        self,
        read: Callable[[], Incoming],
        *,
        dry_run: bool = False,
        progress: Callable[[Plan], Callable[[int], None] | None] | None = None,
    ) -> tuple[Plan, str]:
        """Import the records ``read()`` reads from a file (``interchange.importer``),
        before any lock is taken: plan what is added, updated or left alone, and with
        ``dry_run`` write nothing; else carry the plan out as one change.
        ``progress(plan)`` may give a callback told how many changes are done. Returns
        the plan and its summary (what it adds, updates and leaves alone)."""
        from claimtrack.interchange import importer

        incoming = read()  # held here only, so that it can go before the write
        if dry_run:
            with self.reading(history=True, indexed=False) as db:
                plan = importer.plan(db, incoming)
            return plan, plan.summary()
        with self.writing(indexed=False) as db:
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
        """Record an extraction's candidates as unverified claims (``interchange.
        candidates``), with the near-duplicate policy of ``add``: ``review`` (asked with
        no lock held, shown the near-duplicates) returns the candidates to keep; under
        the lock each kept candidate is looked at again and ``warn`` told of a
        near-duplicate nobody was shown."""
        from claimtrack.interchange.candidates import record_candidates
        from claimtrack.operations.duplicates import story_duplicates

        look = check_duplicates and bool(candidates) and self.path.exists()
        shown: dict[int, str] = {}
        if review is not None:
            dupes: dict[int, Match] = {}
            if look:
                with self.reading() as db:
                    dupes = story_duplicates(db, candidates, story)
            shown = {key: match.claim["id"] for key, match in dupes.items()}
            candidates = review(candidates, dupes)
        with self.writing(indexed=False) as db:
            if look and candidates:
                for candidate in candidates:
                    match = story_duplicates(db, [candidate], story).get(id(candidate))
                    unseen = match is not None and shown.get(id(candidate)) != match.claim["id"]
                    if unseen and warn is not None and match is not None:
                        warn(candidate, match)
            return record_candidates(
                db, extraction, candidates, story=story, source_name=source_name
            )


@dataclass
class ExportRequest:
    """What to export: the format (``interchange.exporters.EXPORT_FORMATS``), the
    claims (``flt``, not yet prepared; ``narrowing``: whether it leaves any out; and
    ``claim_refs``, IDs or prefixes, both selecting), whether confidential identities
    may leave (``reveal``), and the options of some formats: ``history`` (json), the
    memo's ``title`` (markdown), the reviewing ``organisation`` as (name, url, review
    URL template) and ``allow_missing_url`` (claimreview), ``sqlite_path`` (sqlite)."""

    fmt: str
    flt: ClaimFilter
    narrowing: bool = False
    claim_refs: Sequence[str] = ()
    reveal: bool = False
    history: bool = True
    title: str | None = None
    organisation: tuple[str | None, str | None, str | None] = (None, None, None)
    allow_missing_url: bool = False
    sqlite_path: Path | None = None


def listed(claim_ids: Sequence[str]) -> str:
    """Claim IDs for a message: the first ten, short, and how many more."""
    shown = ", ".join(claim_id[:7] for claim_id in claim_ids[:10])
    return shown + (f" and {len(claim_ids) - 10} more" if len(claim_ids) > 10 else "")


def _link_ids(links: Iterable[Link]) -> list[tuple[str, Any]]:
    return sorted((link["id"], dict(link)) for link in links)


def _changed(kind: str, short: str | None, verb: str) -> Changed:
    what = f"{kind} {short}" if short else f"a {kind} to merge or one of its links"
    return Changed(
        f"{what} changed while you were asked; nothing {verb}",
        "look at it again and run the command again",
    )


def _proposal(db: Database, kind: Literal["claim", "source"], refs: Sequence[str]) -> MergeProposal:
    from claimtrack.merging import plan_claims, plan_sources
    from claimtrack.query import Presenter

    if kind == "claim":
        return MergeProposal(plan_claims(db, refs))
    plan = plan_sources(db, refs)
    presenter = Presenter(db)
    names = {r["id"]: presenter.name(r["id"]) for r in (plan.survivor, *plan.others)}
    return MergeProposal(plan, names)


def _same_merge(asked: Merge, now: Merge) -> bool:
    """Whether a merge planned again under the lock does what the user was asked about
    (the merge notes' timestamps aside)."""
    return (
        asked.survivor == now.survivor
        and asked.others == now.others
        and [before for before, _ in asked.links] == [before for before, _ in now.links]
    )


@contextlib.contextmanager
def _no_progress(what: str, total: int) -> Iterator[None]:
    yield None
