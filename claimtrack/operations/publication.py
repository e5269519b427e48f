"""Use cases before and for publication: check (the rules of ``checks``), stats,
export, and the story bundle (``claimtrack.bundling``: one WACZ file holding a story's
record and evidence) with ``verify_bundle``, which checks one and needs no database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimtrack.errors import ClaimtrackError, NotFound
from claimtrack.operations.base import DeskBase, Payload, listed

if TYPE_CHECKING:
    from claimtrack.analysis.checks import Problem
    from claimtrack.bundling import BundleCheck, Bundled
    from claimtrack.exporting.claimreview import Result as ReviewResult
    from claimtrack.exporting.claimreview import Reviewer
    from claimtrack.model import Claim
    from claimtrack.views.presenter import ClaimFilter


@dataclass
class CheckRun:
    """What ``Desk.check`` found: how many problems, the claims that have one (in the
    order found) and how many claims were checked."""

    problems: int = 0
    failing: dict[str, None] = field(default_factory=dict)
    checked: int = 0


@dataclass
class ExportRequest:
    """What to export: the format (``exporting.EXPORT_FORMATS``), the
    claims (``flt``, not yet prepared; ``narrowing``: whether it leaves any out; and
    ``claim_refs``, IDs or prefixes, both selecting), whether confidential identities
    may leave (``reveal``), and the options of some formats: ``history`` (json), the
    memo's ``title`` (markdown), the reviewing ``organisation`` as (name, url, review
    URL template) and ``allow_missing_url`` (claimreview), ``sqlite_path`` (sqlite),
    ``raw_controls`` (csv, tsv: control characters kept as they are, for a file; escaped
    for a terminal or a pipe, ``formats.write_delimited``)."""

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
    raw_controls: bool = False


class PublicationCases(DeskBase):
    """Before and for publication: check, stats, export, the story bundle."""

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
        cannot be switched off; nor can ``chain``, a history whose hash chain does not
        hold (``integrity.chain``)."""
        from claimtrack import config
        from claimtrack.analysis import checks
        from claimtrack.views.presenter import Presenter, iter_claims

        settings = config.load(self.path)
        rules = checks.DisabledRules([*settings.check_disabled, *disabled], settings.story_disabled)
        run = CheckRun()
        with self.reading() as db:
            # The chain first, though its problems come last: its walk's memory is given
            # back before the claims' is taken, so that the two never add up.
            chain_breaks = db.chain_breaks()
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
                for broken in chain_breaks:
                    run.problems += 1
                    yield checks.Problem("", "chain", f"history: {broken.message}", None, "")

            write(found())
        return run

    def stats(self, flt: ClaimFilter, *, top: int = 20, reveal: bool = False) -> dict[str, Any]:
        """Counts of the claims ``flt`` selects by status, story and tag, and the
        ``top`` sources by how many claims each backs (``claimtrack.analysis.stats``)."""
        from claimtrack.analysis import stats
        from claimtrack.views.presenter import Presenter

        with self.reading() as db:
            flt.prepare(db)
            return stats.compute(db, flt, Presenter(db, reveal=reveal), top=top)

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
        from claimtrack.views.presenter import Presenter, iter_claims, select_claims

        fmt = request.fmt
        filtered = request.narrowing or bool(request.claim_refs)
        whole = fmt == "json" and not filtered
        # One claim at a time, oldest first, through the index when there is one (as
        # ``list`` reads them): a large database is never held whole, nor its export.
        streamed = fmt in ("jsonl", "csv", "tsv", "claimreview", "sqlite")
        flt, reveal = request.flt, request.reveal
        with self.reading() as db:
            flt.prepare(db)
            chosen = {db.get_claim(ref)["id"] for ref in request.claim_refs}
            if whole:
                from claimtrack.exporting.bundle import write_bundle

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
                    from claimtrack.exporting import sqlite

                    assert request.sqlite_path is not None
                    return sqlite.write(
                        request.sqlite_path, each, presenter, everything=not filtered
                    )
                from claimtrack.exporting import tabular

                if fmt == "jsonl":
                    write(lambda out: tabular.write_jsonl_export(each, presenter, out))
                else:
                    delimiter = "\t" if fmt == "tsv" else ","
                    write(
                        lambda out: tabular.write_csv_export(
                            each, presenter, out, delimiter=delimiter, raw=request.raw_controls
                        )
                    )
                return None
            claims = select_claims(db, flt, sort="created", reverse=True)
            if chosen:
                claims = [claim for claim in claims if claim["id"] in chosen]
            if fmt == "json":
                from claimtrack.exporting.bundle import dump_bundle, export_bundle

                bundle = export_bundle(
                    db, claims=claims if filtered else None, events=request.history, reveal=reveal
                )
                write(dump_bundle(bundle))
                return None
            from claimtrack import config
            from claimtrack.analysis import checks
            from claimtrack.exporting import memo
            from claimtrack.model import now

            stories = sorted({c.get("story") or "" for c in claims} - {""})
            heading = request.title or "Fact-check memo: " + (", ".join(stories) or "all claims")
            when = f"{now()[:16].replace('T', ' ')} UTC"
            settings = config.load(self.path)
            rules = checks.DisabledRules(settings.check_disabled, settings.story_disabled)
            page = memo.render(
                claims,
                presenter,
                title=heading,
                made=f"Exported {when} from {db.path.name}",
                date=when,
                disabled_for=rules,
            )
            write(page.encode())
            return None

    def _claimreview(
        self,
        request: ExportRequest,
        claims: Iterable[Claim],
        presenter: Any,
        verdict_times: dict[str, str],
        reviewed: Callable[[ReviewResult], None] | None,
    ) -> bytes:
        from claimtrack.exporting import claimreview
        from claimtrack.exporting.formats import json_bytes

        reviewer = claimreview.Reviewer.from_settings(self._organisation(request.organisation))
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

    def _organisation(self, given: tuple[str | None, str | None, str | None]) -> dict[str, str]:
        """The reviewing organisation of ClaimReviews: ``claimtrack.toml``'s
        ``[organisation]``, with what ``given`` (name, url, review URL template) names
        instead."""
        from claimtrack import config

        settings = dict(config.load(self.path).organisation)
        for key, value in zip(("name", "url", "review_url"), given, strict=True):
            if value is not None:
                settings[key] = value
        return settings

    def bundle(
        self,
        story: str,
        write: Callable[[bytes], None],
        *,
        organisation: tuple[str | None, str | None, str | None] = (None, None, None),
    ) -> Bundled:
        """Bundle the claims whose story is ``story`` (``claimtrack.bundling``) and hand
        the WACZ's bytes to ``write``. ``organisation`` (name, url, review URL template)
        overrides ``claimtrack.toml``'s ``[organisation]`` for the ClaimReviews. Raises
        ``NotFound`` when no claim has that story, ``ClaimtrackError`` when a claim has a
        verdict and no reviewing organisation is named (as ``export --format
        claimreview``), or a snapshot is missing or damaged."""
        from claimtrack.bundling import story_bundle
        from claimtrack.model import now
        from claimtrack.views.presenter import ClaimFilter, select_claims

        with self.reading() as db:
            flt = ClaimFilter(stories=[story]).prepare(db)
            claims = select_claims(db, flt, sort="created")
            if not claims:
                raise NotFound(
                    f"no claim has the story {story!r}",
                    "'claimtrack stats' lists the stories; 'claimtrack edit CLAIM --story "
                    "SLUG' files a claim under one",
                )
            reviewer = self._reviewer(claims, organisation)
            made = story_bundle(db, flt.stories[0], claims, reviewer, now())
        write(made.data)
        return made

    def _reviewer(
        self, claims: list[Claim], organisation: tuple[str | None, str | None, str | None]
    ) -> Reviewer | None:
        """Who signs the story's ClaimReviews: ``claimtrack.toml``'s organisation, as
        ``organisation`` overrides it. None when nobody is named and no claim has a
        verdict to publish; a claim with one needs a name (``Reviewer.from_settings``
        says so)."""
        from claimtrack.exporting import claimreview

        settings = self._organisation(organisation)
        verdicts = any(
            claim["status"] in claimreview.VERDICTS and not claim.get("review", {}).get("by")
            for claim in claims
        )
        if not settings.get("name") and not verdicts:
            return None
        return claimreview.Reviewer.from_settings(settings)


def verify_bundle(path: Path) -> BundleCheck:
    """Check the story bundle (any WACZ) at ``path`` offline: ``bundling.verify_bundle``.
    Needs no database."""
    from claimtrack.bundling import verify_bundle as verify

    return verify(path)
