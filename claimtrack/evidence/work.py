"""Archiving and verifying the links of chosen claims: choose, fetch, keep, compare, record.

Each step is one function, so a command reads the database, fetches with no lock held,
and writes once (see the package docstring): ``chosen_links`` (read), ``archive_pages``
or ``verify_pages`` (network and the evidence folder, never the database),
``record_archives`` or ``record_verifications`` (write), then ``archive_reports`` or
``verify_reports`` (what the command prints, confidential sources withheld). With
``--wayback``, ``ask_wayback`` asks Save Page Now for a public copy of each page just
archived, between the fetching and the recording.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from claimtrack import ids
from claimtrack.confidential import is_confidential, withhold_fields
from claimtrack.db import Database
from claimtrack.errors import ClaimtrackError
from claimtrack.evidence.compare import compare
from claimtrack.evidence.fetch import Fetcher, FetchFailure, Page
from claimtrack.evidence.folder import EvidenceFolder, Journal, snapshot_digest
from claimtrack.evidence.text import main_text, quote_found, quote_score, text_digest, whole_text
from claimtrack.evidence.wayback import SavePageNow, WaybackFailure
from claimtrack.model import Archive, Claim, Link, Verification, VerifyResult, now
from claimtrack.views import ArchiveReport, VerifyReport
from claimtrack.views.presenter import ClaimFilter, Presenter, select_claims

# At most this many figures gone from a page are recorded on its link (a page rewritten
# whole would otherwise copy its every number into the database).
MAX_NUMBERS_KEPT = 50
# What a report withholds for a confidential source's link (``confidential.withhold_fields``):
# addresses, the snapshot's name, and error text (it names the host).
WITHHELD_REPORT_FIELDS = (
    "url",
    "final_url",
    "snapshot",
    "error",
    "detail",
    "diff",
    "wayback",
    "warning",
)
# Why a confidential source's page gets no public copy (``ask_wayback``).
CONFIDENTIAL_NOT_SENT = (
    "not sent to the Internet Archive: the source is confidential, and a public copy "
    "would publish its URL"
)


@dataclass(frozen=True)
class Cited:
    """A link with a URL, as the command shows its source."""

    link: Link
    source: str  # the source's name, or its pseudonym while hidden
    hidden: bool  # a confidential source, not revealed
    confidential: bool  # a confidential source, revealed or not: its URL is never published

    @property
    def url(self) -> str:
        return self.link["url"] or ""


def archived(link: Link) -> Archive | None:
    """The link's snapshot, if it is of the link's current URL."""
    archive = link.get("archive")
    if archive and archive.get("requested") == link["url"]:
        return archive
    return None


def chosen_links(
    db: Database, claim_refs: Sequence[str], flt: ClaimFilter, *, reveal: bool = False
) -> list[Cited]:
    """The links with a URL of the claims named (ID prefixes) that ``flt`` (not yet
    prepared) also selects, or, when none is named, of every claim ``flt`` selects;
    claim by claim, newest first, each claim's links in chain order. Raises
    ``NotFound``, ``Ambiguous``, ``ValidationError`` (a bad filter)."""
    flt.prepare(db)
    claims: list[Claim]
    if claim_refs:
        named = {claim["id"]: claim for claim in (db.get_claim(ref) for ref in claim_refs)}
        claims = list(named.values())
        if flt.where() != ("", []):  # a filter too: the named claims it selects
            selected = {claim["id"] for claim in select_claims(db, flt)}
            claims = [claim for claim in claims if claim["id"] in selected]
    else:
        claims = select_claims(db, flt)
    presenter = Presenter(db, reveal=reveal)
    chosen: list[Cited] = []
    for claim in claims:
        for link in presenter.links(claim["id"]):
            if link.get("url"):
                name, hidden = presenter.display(link["source"])
                secret = is_confidential(presenter.source(link["source"]))
                chosen.append(Cited(cast(Link, dict(link)), name, hidden, secret))
    return chosen


# -- archive ----------------------------------------------------------------------------------


@dataclass
class Archived:
    """What ``archive`` did for one link: a new snapshot (``fresh``), the one it had
    (``kept``), or an ``error``; ``wayback_error``: why a public copy asked for is
    missing (the snapshot is kept all the same)."""

    cited: Cited
    archive: Archive | None = None
    fresh: bool = False
    error: str | None = None
    quote_found: bool | None = None
    wayback_error: str | None = None
    warning: str | None = None

    @property
    def result(self) -> str:
        if self.error is not None:
            return "failed"
        return "archived" if self.fresh else "kept"


@dataclass(frozen=True)
class _Kept:
    sha256: str
    text_sha256: str
    texts: tuple[str, str]  # main text, whole text
    warning: str | None


# Why a page archived without a word of text is worth a look: a snapshot of nothing is
# no evidence, and the quote check has nothing to find the quote in.
NO_TEXT = (
    "the page has no text (a page built by JavaScript, a paywall or an empty page): "
    "the snapshot keeps its HTML only"
)


def archive_pages(
    cited: Iterable[Cited],
    folder: EvidenceFolder,
    fetcher: Fetcher,
    *,
    again: bool = False,
    done: Callable[[str], None] | None = None,
    journal: Journal | None = None,
) -> list[Archived]:
    """Fetch each link's page (each URL once) and keep it in ``folder``; links archived
    before are kept as they are unless ``again``. ``done(url)`` follows the fetching;
    ``journal`` notes each snapshot before it is written (``folder.Journal``). Touches
    no database: ``record_archives`` records the result."""
    results = [Archived(c, archive=archived(c.link)) for c in cited]
    wanted = [r for r in results if again or r.archive is None]
    pages = fetcher.fetch_all((r.cited.url for r in wanted), done)
    kept: dict[str, _Kept | str] = {}
    for result in wanted:
        url = result.cited.url
        if url not in kept:
            kept[url] = _keep(pages[url], folder, journal)
        snapshot = kept[url]
        if isinstance(snapshot, str):
            result.error = snapshot
            continue
        result.warning = snapshot.warning
        page = pages[url]
        assert isinstance(page, Page)
        result.fresh = True
        result.archive = {
            "at": page.at,
            "requested": url,
            "url": page.url,
            "status": page.status,
            "sha256": snapshot.sha256,
            "text_sha256": snapshot.text_sha256,
            "wayback": None,
        }
        if quote := result.cited.link.get("quote"):
            result.quote_found = quote_found(quote, *snapshot.texts)
    return results


def _keep(
    page: Page | FetchFailure, folder: EvidenceFolder, journal: Journal | None
) -> _Kept | str:
    if isinstance(page, FetchFailure):
        return page.message
    html = page.text  # decoded by the page's own charset (header, BOM, meta, detection)
    text = main_text(html, page.url)
    sha256, replaced = folder.keep(page, text, journal)
    warning = "; ".join(filter(None, (NO_TEXT if not text.strip() else None, replaced)))
    return _Kept(sha256, text_digest(text), (text, whole_text(html)), warning or None)


def ask_wayback(
    results: Iterable[Archived],
    save_page_now: SavePageNow,
    *,
    done: Callable[[str], None] | None = None,
) -> None:
    """Ask Save Page Now (``wayback.SavePageNow``) for a public copy of the page of each
    link archived just now (``fresh``), each URL once, and put its web.archive.org URL
    in the snapshot's ``wayback``; a failure is the result's ``wayback_error``, and the
    snapshot stays. A confidential source's link is never sent (a capture publishes
    the URL): its ``wayback_error`` says so. Touches no database."""
    fresh = [r for r in results if r.fresh and r.archive is not None]
    for result in fresh:
        if result.cited.confidential:
            result.wayback_error = CONFIDENTIAL_NOT_SENT
    public = [r for r in fresh if not r.cited.confidential]
    copies = save_page_now.save_all((r.cited.url for r in public), done)
    for result in public:
        copy = copies[result.cited.url]
        assert result.archive is not None
        if isinstance(copy, WaybackFailure):
            result.wayback_error = copy.message
        else:
            result.archive = {**result.archive, "wayback": copy}


def record_archives(db: Database, results: Iterable[Archived]) -> int:
    """Record each new snapshot on its link (``Database.record_archive``): one change.
    A link deleted or given another URL while its page was fetched gets an error
    instead. Returns how many links were recorded."""
    count = 0
    for result in results:
        if result.fresh and result.archive is not None:
            try:
                db.record_archive(result.cited.link["id"], result.archive)
                count += 1
            except ClaimtrackError as exc:
                result.fresh = False
                result.error = exc.message
    return count


def archive_reports(results: Iterable[Archived]) -> list[ArchiveReport]:
    """What ``archive`` prints, one per link (``views.ArchiveReport``)."""
    reports: list[ArchiveReport] = []
    for result in results:
        link = result.cited.link
        archive = result.archive
        report: ArchiveReport = {
            "link": link["id"],
            "claim": link["claim"],
            "source": result.cited.source,
            "relation": link["relation"],
            "url": result.cited.url,
            "result": result.result,
            "at": archive["at"] if archive else None,
            "status": archive["status"] if archive else None,
            "final_url": archive["url"] if archive else None,
            "snapshot": archive["sha256"] if archive else None,
            "error": result.error,
            "quote_found": result.quote_found,
            "wayback": archive["wayback"] if archive else None,
            "wayback_error": result.wayback_error,
            "warning": result.warning,
        }
        if result.cited.hidden:
            report = withhold_fields(report, WITHHELD_REPORT_FIELDS)
        reports.append(report)
    return reports


# -- verify -----------------------------------------------------------------------------------


@dataclass
class Verified:
    """What ``verify`` found for one archived link."""

    cited: Cited
    archive: Archive
    result: VerifyResult
    status: int | None
    detail: str | None = None
    tampered: bool = False  # the snapshot's files fail their SHA-256: ``detail`` says how
    diff: str | None = None  # a unified diff of the kept text and the page's, by sentence
    numbers_gone: list[str] | None = None  # figures no longer on the page

    @property
    def needs_a_look(self) -> bool:
        return self.result != "unchanged" or self.tampered


def verify_pages(
    cited: Iterable[Cited],
    folder: EvidenceFolder,
    fetcher: Fetcher,
    *,
    done: Callable[[str], None] | None = None,
) -> list[Verified]:
    """Fetch each archived link's page again and compare it with its snapshot: gone
    (HTTP 404, 410), unreachable (no answer, another error), quote-missing (the link's
    quote is not on the page: ``text.quote_found``), changed (the normalised main text
    differs), else unchanged. Links not archived are left out. Touches no database."""
    chosen = [(c, a) for c in cited if (a := archived(c.link)) is not None]
    pages = fetcher.fetch_all((c.url for c, _ in chosen), done)
    texts: dict[str, tuple[str, str]] = {}
    results: list[Verified] = []
    for cited_link, archive in chosen:
        page = pages[cited_link.url]
        if isinstance(page, FetchFailure):
            result: VerifyResult = "gone" if page.kind == "gone" else "unreachable"
            if page.kind in ("not-html", "too-large"):
                result = "changed"  # it answers, with something else than the page kept
            results.append(Verified(cited_link, archive, result, page.status, page.message))
            continue
        if cited_link.url not in texts:
            html = page.text  # decoded by the page's own charset
            texts[cited_link.url] = (main_text(html, page.url), whole_text(html))
        text, whole = texts[cited_link.url]
        found = _compare(cited_link, archive, page, text, whole, folder)
        results.append(found)
    _check_snapshots(results, folder)
    return results


def _check_snapshots(results: Iterable[Verified], folder: EvidenceFolder) -> None:
    """The files kept for each result's snapshot checked against their SHA-256 (every
    read checks them): a snapshot changed or planted since it was archived needs a
    look, whatever the page says now."""
    problems: dict[str, str | None] = {}
    for result in results:
        sha256 = result.archive["sha256"]
        if sha256 not in problems:
            problems[sha256] = folder.problem(result.archive)
        problem = problems[sha256]
        if problem is not None:
            result.tampered = True
            result.detail = problem + (f"; {result.detail}" if result.detail else "")


def _compare(
    cited: Cited, archive: Archive, page: Page, text: str, whole: str, folder: EvidenceFolder
) -> Verified:
    quote = cited.link.get("quote")
    if quote and not quote_found(quote, text, whole):
        score = max(quote_score(quote, text), quote_score(quote, whole))
        detail = f"the quote is not on the page (best match {score:.0f}%)"
        return Verified(cited, archive, "quote-missing", page.status, detail)
    same_body = snapshot_digest(page) == archive["sha256"]
    if same_body or text_digest(text) == archive["text_sha256"]:
        return Verified(cited, archive, "unchanged", page.status)
    when = archive["at"][:10]
    detail = f"the main text differs from the snapshot of {when}"
    try:
        kept = folder.text(archive["sha256"])
    except ClaimtrackError:
        return Verified(cited, archive, "changed", page.status, detail)
    found = compare(kept, text, labels=(f"snapshot {when}", f"page {now()[:10]}"))
    return Verified(
        cited,
        archive,
        "changed",
        page.status,
        f"{detail} ({found.summary()})",
        diff=found.diff or None,
        numbers_gone=found.gone[:MAX_NUMBERS_KEPT],
    )


def record_verifications(db: Database, results: Iterable[Verified]) -> int:
    """Record on each link what verify found (``Database.record_verification``), so
    that ``check``'s ``quote-drift`` and ``page-changed`` rules see it, and when it
    looked (``checked``: people ask "when did we last look?"). ``since`` stays when the
    result is the one recorded before. Returns how many links were recorded."""
    count = 0
    at = now()
    for result in results:
        link = db.link_by_id(result.cited.link["id"])
        if link is None or archived(link) != result.archive:
            continue  # deleted, re-archived or given another URL meanwhile
        last = link.get("verify")
        same = last is not None and last["result"] == result.result
        verification: Verification = {
            "result": result.result,
            "since": last["since"] if last is not None and same else at,
            "status": result.status,
            "checked": at,
        }
        if result.numbers_gone:
            verification["numbers_gone"] = result.numbers_gone
        db.record_verification(link["id"], verification)
        count += 1
    return count


def verify_reports(results: Iterable[Verified]) -> list[VerifyReport]:
    """What ``verify`` prints, one per archived link (``views.VerifyReport``)."""
    reports: list[VerifyReport] = []
    for result in results:
        link = result.cited.link
        report: VerifyReport = {
            "link": link["id"],
            "claim": link["claim"],
            "source": result.cited.source,
            "relation": link["relation"],
            "url": result.cited.url,
            "result": result.result,
            "status": result.status,
            "archived": result.archive["at"],
            "snapshot": result.archive["sha256"],
            "detail": result.detail,
            "diff": result.diff,
        }
        if result.cited.hidden:
            report = withhold_fields(report, WITHHELD_REPORT_FIELDS)
        reports.append(report)
    return reports


# -- evidence ---------------------------------------------------------------------------------


def evidence_of(db: Database, link_ref: str, *, reveal: bool = False) -> Archive:
    """The snapshot of the link with this ID (or unique prefix). Raises ``NotFound``,
    ``Ambiguous``, and ``ClaimtrackError`` when the link is not archived or cites a
    confidential source and ``reveal`` is off (its snapshot names it as surely as its
    URL)."""
    link = db.get_link(link_ref)
    presenter = Presenter(db, reveal=reveal)
    if presenter.display(link["source"])[1]:
        raise ClaimtrackError(
            f"link {ids.short(link['id'])} cites a confidential source",
            "its snapshot is shown only with --reveal",
        )
    archive = archived(link)
    if archive is None:
        raise ClaimtrackError(
            f"link {ids.short(link['id'])} is not archived",
            f"'claimtrack archive {ids.short(link['claim'])}' keeps a snapshot of its page",
        )
    return archive
