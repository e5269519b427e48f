"""Evidence commands: archive, verify, evidence (``Desk.archive`` and ``Desk.verify``
read the database, fetch with no lock held, then write once)."""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import complete
from claimtrack.cli.common import (
    AllowPrivateOption,
    FormatOption,
    QuietOption,
    RevealOption,
    app,
    desk,
    environment,
    output_format,
    stdout_bytes,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options
from claimtrack.cli.record import TsaCaOption, TsaOption
from claimtrack.cli.status import ExitStatus
from claimtrack.exporting.formats import safe_text

if TYPE_CHECKING:
    from claimtrack.cli.context import Environment
    from claimtrack.operations import Progress
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
    "warning",
)
VERIFY_COLUMNS = (*LINK_COLUMNS, "status", "archived", "snapshot", "detail", "diff")
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
    allow_private: AllowPrivateOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
    timestamp: Annotated[
        bool,
        typer.Option(
            "--timestamp",
            help="Timestamp each new snapshot with the RFC 3161 authorities of --tsa "
            "or claimtrack.toml (as 'claimtrack seal'; only its SHA-256 is sent).",
        ),
    ] = False,
    tsa: TsaOption = None,
    tsa_ca: TsaCaOption = None,
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
      claimtrack archive --format jsonl | jq -r 'select(.result=="failed").error'
    """
    fmt = output_format(ctx, fmt, quiet)
    stamping = desk(ctx).authorities(tsa or [], tsa_ca) if timestamp else None
    reports = desk(ctx).archive(
        claims or [],
        filters.claim_filter(),
        reveal=reveal,
        again=again,
        wayback=wayback,
        allow_private=allow_private,
        progress=progress_bars(environment(ctx)),
        timestamp=stamping,
    )
    report_failures(reports)
    failed = [r for r in reports if r["result"] == "failed"]
    from claimtrack.operations.evidence import NOT_TIMESTAMPED

    unstamped = [r for r in reports if (r["warning"] or "").startswith(NOT_TIMESTAMPED)]
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
    if failed or unstamped:
        raise typer.Exit(ExitStatus.ERROR)


def progress_bars(env: "Environment") -> "Progress":
    """How a use case shows progress while pages are fetched (``_progress``)."""
    return lambda what, total: _progress(env, what, total)


def report_failures(reports: "Sequence[ArchiveReport]") -> None:
    """One ``Error:`` line on stderr per page that failed, one ``Warning:`` line per
    public copy that is missing (``archive``, ``link --archive``)."""
    for report in reports:
        if report["result"] == "failed":
            what = _label(report["link"], report["source"], report["url"])
            typer.echo(safe_text(f"Error: {what}: {report['error']}", single_line=True), err=True)
            continue
        what = _label(report["link"], report["source"], report["url"])
        if report["warning"]:
            line = f"Warning: {what}: {report['warning']}"
            typer.echo(safe_text(line, single_line=True), err=True)
        if report["wayback_error"]:
            line = f"Warning: {what}: no public copy: {report['wayback_error']}"
            typer.echo(safe_text(line, single_line=True), err=True)


@app.command()
@filter_options()
def verify(
    ctx: typer.Context,
    claims: ClaimsArg = None,
    filters: FilterOptions = NO_FILTERS,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff", help="Under each changed page, the sentences removed (-) and added (+)."
        ),
    ] = False,
    reveal: RevealOption = False,
    allow_private: AllowPrivateOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Fetch archived pages again: unchanged, changed, quote missing, gone or unreachable.

    Compares each archived link's page now with its snapshot: 'changed' when the main
    text differs, saying how many sentences were altered, removed or added and which
    figures changed (13% -> 11%); 'quote-missing' when the link's --quote is no longer
    on the page (whitespace, case and curly quotes do not count); 'gone' for HTTP 404
    or 410; 'unreachable' when nothing or an error answers. With --diff, a unified diff
    of the kept text and the page's follows each changed page (JSON has it as 'diff').
    Each link records what was found and when it was last checked ('check' reads it:
    quote-drift, page-changed). Exit 1 when any link needs a look, so it can run from
    cron or CI.

    \b
    Examples:
      claimtrack verify --story serbia-russians --diff
      claimtrack verify --format jsonl | jq -r 'select(.result!="unchanged") | .url'
    """
    fmt = output_format(ctx, fmt, quiet)
    reports, results, skipped = desk(ctx).verify(
        claims or [],
        filters.claim_filter(),
        reveal=reveal,
        allow_private=allow_private,
        progress=progress_bars(environment(ctx)),
    )
    if fmt == "table":
        for report in reports:
            line = (
                f"{report['result']:<13} {_label(report['link'], report['source'], report['url'])}"
            )
            if report["detail"]:
                line += f": {report['detail']}"
            typer.echo(safe_text(line, single_line=True))
            if diff and report["diff"]:
                for row in report["diff"].splitlines():
                    typer.echo("    " + safe_text(row, single_line=True))
    else:
        _write(reports, fmt, VERIFY_COLUMNS)
    look = [r for r in results if r.needs_a_look]
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
    snapshot, folder = desk(ctx).evidence(link, reveal=reveal)
    if path:  # both files checked against their SHA-256, never through a link
        typer.echo(str(folder.checked_warc(snapshot)))
        return
    text = folder.checked_text(snapshot)
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
    from claimtrack.exporting.formats import write_records

    if fmt == "ids":
        for record in records:
            typer.echo(record["link"])  # type: ignore[index]
        return
    write_records(records, fmt, stdout_bytes(), columns=columns)  # type: ignore[arg-type]
