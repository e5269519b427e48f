"""Evidence commands: archive, verify, evidence (``claimtrack.evidence`` does the work).

``archive`` and ``verify`` read the database, fetch with no lock held, then write once:
three calls on the core instead of one, so that a slow site never locks the desk out.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import complete
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    RevealOption,
    app,
    db_path_for,
    environment,
    fail,
    open_db,
    output_format,
    stdout_bytes,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options
from claimtrack.cli.status import ExitStatus
from claimtrack.interchange.formats import safe_text

if TYPE_CHECKING:
    from claimtrack.cli.context import Environment
    from claimtrack.evidence import Cited
    from claimtrack.model import Link
    from claimtrack.views import ArchiveReport

# What each row of archive and verify says first: which link, and what came of it.
LINK_COLUMNS = ("link", "claim", "source", "relation", "url", "result")
ARCHIVE_COLUMNS = (
    *LINK_COLUMNS,
    "at",
    "status",
    "final_url",
    "snapshot",
    "error",
    "quote_found",
    "wayback",
    "wayback_error",
)
VERIFY_COLUMNS = (*LINK_COLUMNS, "status", "archived", "snapshot", "detail")
WaybackOption = Annotated[
    bool,
    typer.Option(
        "--wayback",
        help="Also ask the Internet Archive's Save Page Now for a public copy of each page "
        "archived now (never a confidential source's).",
    ),
]
ClaimsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[CLAIM]...",
        help="Claim IDs or prefixes (default: every claim the filters select).",
        click_type=complete.CLAIM,
    ),
]


def _chosen(
    ctx: typer.Context, claims: Sequence[str], filters: FilterOptions, reveal: bool
) -> "list[Cited]":
    from claimtrack.evidence import chosen_links

    with open_db(ctx) as db:
        return chosen_links(db, claims, filters.claim_filter(), reveal=reveal)


def link_cited(ctx: typer.Context, link: "Link") -> "list[Cited]":
    """The one link, as ``archive_cited`` takes it (``link --archive``)."""
    from claimtrack.evidence import chosen_links
    from claimtrack.query import ClaimFilter

    with open_db(ctx) as db:
        cited = chosen_links(db, [link["claim"]], ClaimFilter())
    return [c for c in cited if c.link["id"] == link["id"]]


def _label(link: str, source: str, url: str) -> str:
    return f"link {ids.short(link)} ({source}) {url}"


@app.command()
@filter_options()
def archive(
    ctx: typer.Context,
    claims: ClaimsArg = None,
    filters: FilterOptions = NO_FILTERS,
    again: Annotated[
        bool, typer.Option("--again", help="Fetch links archived before anew too.")
    ] = False,
    wayback: WaybackOption = False,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Keep a snapshot of each cited page, beside the database (the network is used).

    Fetches the URL of every link of the chosen claims that has one and keeps the
    response as a WARC file and the page's main text in the evidence folder
    (claims.evidence/ beside claims.json, files named by SHA-256); the link records
    when, the SHA-256, the HTTP status and the final URL. Links archived before are
    kept unless --again. A page that fails (offline, 404, too large, not HTML) is one
    'Error:' line and leaves its link unchanged; exit 1 if any failed. With --wayback,
    each page archived now is also sent to web.archive.org/save ($CLAIMTRACK_WAYBACK_URL)
    for a public copy, whose URL the link records; a copy that fails is a 'Warning:'
    line and the snapshot is kept.

    \b
    Examples:
      claimtrack archive --story serbia-russians
      claimtrack archive 3f9k2ab --again --wayback
      claimtrack archive --format jsonl | jq -r 'select(.result=="failed") | .error'
    """
    fmt = output_format(ctx, fmt, quiet)
    chosen = _chosen(ctx, claims or [], filters, reveal)
    reports = archive_cited(ctx, chosen, again=again, wayback=wayback)
    failed = [r for r in reports if r["result"] == "failed"]
    if fmt == "table":
        for report in reports:
            if report["result"] == "failed":
                continue
            line = (
                f"{report['result']:<9} {_label(report['link'], report['source'], report['url'])}"
            )
            if report["quote_found"] is False:
                line += "  (the link's quote is not on this page)"
            if report["wayback"]:
                line += f"  public copy: {report['wayback']}"
            typer.echo(safe_text(line, single_line=True))
    else:
        _write(reports, fmt, ARCHIVE_COLUMNS)
    counts = {r: sum(1 for x in reports if x["result"] == r) for r in ("archived", "kept")}
    typer.echo(
        f"{counts['archived']} archived, {counts['kept']} archived before, "
        f"{len(failed)} failed, of {len(reports)} link(s) with a URL.",
        err=True,
    )
    if failed:
        raise typer.Exit(ExitStatus.ERROR)


def archive_cited(
    ctx: typer.Context, cited: "Sequence[Cited]", *, again: bool = False, wayback: bool = False
) -> "list[ArchiveReport]":
    """Archive these links (``archive``, ``link --archive``): fetch with no lock held,
    with ``wayback`` ask Save Page Now for public copies, record in one write; one
    ``Error:`` line on stderr per page that failed, one ``Warning:`` line per public
    copy that is missing."""
    from claimtrack.evidence import (
        EvidenceFolder,
        Fetcher,
        SavePageNow,
        archive_pages,
        archive_reports,
        ask_wayback,
        record_archives,
    )

    folder = EvidenceFolder.of(db_path_for(ctx))
    fetching = {c.url for c in cited if again or not c.link.get("archive")}
    with _progress(environment(ctx), "Archiving", len(fetching)) as done:
        results = archive_pages(cited, folder, Fetcher(), again=again, done=done)
    if wayback:
        asking = {r.cited.url for r in results if r.fresh and not r.cited.confidential}
        with _progress(environment(ctx), "Save Page Now", len(asking)) as done:
            ask_wayback(results, SavePageNow(), done=done)
    if any(r.fresh for r in results):
        with open_db(ctx, write=True) as db:
            record_archives(db, results)
    reports = archive_reports(results)
    for report in reports:
        if report["result"] == "failed":
            what = _label(report["link"], report["source"], report["url"])
            typer.echo(safe_text(f"Error: {what}: {report['error']}", single_line=True), err=True)
        elif report["wayback_error"]:
            what = _label(report["link"], report["source"], report["url"])
            line = f"Warning: {what}: no public copy: {report['wayback_error']}"
            typer.echo(safe_text(line, single_line=True), err=True)
    return reports


@app.command()
@filter_options()
def verify(
    ctx: typer.Context,
    claims: ClaimsArg = None,
    filters: FilterOptions = NO_FILTERS,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Fetch archived pages again: unchanged, changed, quote missing, gone or unreachable.

    Compares each archived link's page now with its snapshot: 'changed' when the main
    text differs, 'quote-missing' when the link's --quote is no longer on the page
    (whitespace, case and curly quotes do not count), 'gone' for HTTP 404 or 410,
    'unreachable' when nothing or an error answers. A result is recorded on the link
    when it differs from the last one ('check' reads it: quote-drift). Exit 1 when any
    link needs a look, so it can run from cron or CI.

    \b
    Examples:
      claimtrack verify --story serbia-russians
      claimtrack verify --format jsonl | jq -r 'select(.result!="unchanged") | .url'
    """
    from claimtrack.evidence import (
        EvidenceFolder,
        Fetcher,
        record_verifications,
        verify_pages,
        verify_reports,
    )

    fmt = output_format(ctx, fmt, quiet)
    cited = _chosen(ctx, claims or [], filters, reveal)
    folder = EvidenceFolder.of(db_path_for(ctx))
    fetching = {c.url for c in cited if c.link.get("archive")}
    with _progress(environment(ctx), "Verifying", len(fetching)) as done:
        results = verify_pages(cited, folder, Fetcher(), done=done)
    if results:
        with open_db(ctx, write=True) as db:
            record_verifications(db, results)
    reports = verify_reports(results)
    if fmt == "table":
        for report in reports:
            line = (
                f"{report['result']:<13} {_label(report['link'], report['source'], report['url'])}"
            )
            if report["detail"]:
                line += f": {report['detail']}"
            typer.echo(safe_text(line, single_line=True))
    else:
        _write(reports, fmt, VERIFY_COLUMNS)
    look = [r for r in results if r.needs_a_look]
    skipped = sum(1 for c in cited if c.link.get("archive") is None)
    note = f"; {skipped} link(s) with a URL not archived" if skipped else ""
    typer.echo(f"{len(look)} of {len(results)} archived link(s) need a look{note}.", err=True)
    if look:
        raise typer.Exit(ExitStatus.ERROR)


@app.command()
def evidence(
    ctx: typer.Context,
    link: Annotated[
        str, typer.Argument(metavar="LINK", help="Link ID or unique prefix (show --format json).")
    ],
    path: Annotated[
        bool, typer.Option("--path", help="Print the snapshot's WARC file path instead.")
    ] = False,
    reveal: RevealOption = False,
) -> None:
    """Print the text kept when a link's page was archived (or --path: its WARC file).

    \b
    Examples:
      claimtrack evidence 7hq2m4x
      claimtrack evidence 7hq2m4x | grep -i "entry ban"
      warcio index "$(claimtrack evidence 7hq2m4x --path)"
    """
    from claimtrack.evidence import EvidenceFolder, evidence_of

    with open_db(ctx) as db:
        snapshot = evidence_of(db, link, reveal=reveal)
    folder = EvidenceFolder.of(db_path_for(ctx))
    if path:
        warc = folder.warc_path(snapshot["sha256"])
        if not warc.is_file():
            folder.text(snapshot["sha256"])  # the error that says what to do
            fail(f"snapshot {snapshot['sha256'][:12]} has no WARC file in {folder.path}")
        typer.echo(str(warc))
        return
    text = folder.text(snapshot["sha256"])
    stdout_bytes().write(safe_text(text).encode("utf-8") + (b"" if text.endswith("\n") else b"\n"))


class _progress:
    """A progress bar on stderr while pages are fetched, on a terminal and for more
    than one page; a ``done(url)`` callback for the core, or None."""

    def __init__(self, env: "Environment", what: str, total: int) -> None:
        self.env, self.what, self.total = env, what, total
        self.bar: object | None = None

    def __enter__(self) -> Callable[[str], None] | None:
        if self.total < 2 or not self.env.stderr_isatty:
            return None
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(transient=True, console=Console(stderr=True))
        task = bar.add_task(self.what, total=self.total)
        bar.start()
        self.bar = bar

        def done(_: str) -> None:
            bar.advance(task)

        return done

    def __exit__(self, *exc: object) -> None:
        stop = getattr(self.bar, "stop", None)
        if stop is not None:
            stop()


def _write(records: Sequence[object], fmt: str, columns: Sequence[str]) -> None:
    from claimtrack.interchange.formats import write_records

    if fmt == "ids":
        for record in records:
            typer.echo(record["link"])  # type: ignore[index]
        return
    write_records(records, fmt, stdout_bytes(), columns=columns)  # type: ignore[arg-type]
