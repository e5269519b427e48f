"""The fact-checking desk: log, undo, redo, check and stats."""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import typer

from claimtrack import ids
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    RevealOption,
    app,
    desk,
    environment,
    no_color,
    output_format,
    stdout_bytes,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options
from claimtrack.cli.status import ExitStatus
from claimtrack.errors import ClaimtrackError

EVENT_COLUMNS = ("at", "actor", "action", "kind", "target", "change", "summary")
PROBLEM_COLUMNS = ("claim", "code", "story", "message", "text")
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Say what would be reverted; change nothing.")
]


@app.command()
def log(
    ctx: typer.Context,
    record: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="A claim, source, link or change ID (or prefix)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", help="Show at most N events.")
    ] = None,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Walk the history's hash chain instead: print its head, or name the "
            "first event that does not match and exit 1.",
        ),
    ] = False,
) -> None:
    """Show the history of one record, or of the whole database, newest first.

    Each line is one event: who, when, what changed (before -> after). A claim's history
    includes its links. Confidential sources' history is withheld unless --reveal.

    \b
    Examples:
      claimtrack log 6fmx
      claimtrack log -n 20
      claimtrack log --format jsonl | jq -r 'select(.actor=="ana") | .summary'
      claimtrack log --verify
    """
    if verify:
        if record is not None:
            raise typer.BadParameter("walks the whole history: give no ID", param_hint="'--verify'")
        _verify_history(ctx)
        return
    fmt = output_format(ctx, fmt, quiet)
    if limit is not None and limit < 0:
        raise typer.BadParameter("must be 0 or more", param_hint="'--limit'")
    if limit is None and fmt == "table":
        limit = 50
    shown: list[dict[str, Any]] = []

    def write(views: "Iterator[dict[str, Any]]") -> None:
        if fmt == "table":
            shown.extend(views)
            return
        from claimtrack.exporting.formats import write_records

        write_records(views, fmt, stdout_bytes(), columns=EVENT_COLUMNS)

    total = desk(ctx).log(write, record=record, newest=limit, reveal=reveal)
    if fmt != "table":
        return
    if not shown:
        typer.echo("No history yet.", err=True)
        return
    from claimtrack.cli import render

    render.events_table(shown, no_color(ctx))
    if total > len(shown) and environment(ctx).stdout_isatty:
        typer.echo(f"Showing {len(shown)} of {total} events; -n N shows more.", err=True)


def _verify_history(ctx: typer.Context) -> None:
    report = desk(ctx).verify_history()
    if report.breaks:
        first = report.breaks[0]
        others = len(report.breaks) - 1
        raise ClaimtrackError(
            f"the history's hash chain is broken: {first.message}",
            f"{others} more place(s) do not hold; 'claimtrack check' lists them all"
            if others
            else "restore the file from git or a backup; 'claimtrack log' shows the event",
        )
    for head in report.heads:
        typer.echo(head)
    if report.older and not report.heads:
        typer.echo(
            f"The chain has not started: {report.older} event(s) older than it; the next "
            "change starts it, covering them.",
            err=True,
        )
        return
    older = ""
    if report.older:
        older = f", {report.older} of them older than the chain and covered by it"
    typer.echo(f"The chain holds: {report.events} event(s){older}.", err=True)


def _reverse(
    ctx: typer.Context,
    action: "Literal['undo', 'redo']",
    dry_run: bool,
    fmt: str | None,
    quiet: bool,
) -> None:
    fmt = output_format(ctx, fmt, quiet)
    named, done = desk(ctx).reverse(action, dry_run=dry_run)
    verb = {"undo": "Undid", "redo": "Redid"}[action]
    if dry_run:
        verb = f"Would {action}"
    typer.echo(f"{verb} change {ids.short(named.id)}: {named.describe()}", err=True)
    records = [{"id": target, "kind": kind, "action": what} for what, kind, target in done]
    if fmt == "table":
        for record in records:
            typer.echo(f"{record['action']:<13} {record['kind']:<7} {ids.short(record['id'])}")
    else:
        from claimtrack.exporting.formats import write_records

        write_records(records, fmt, stdout_bytes(), columns=("action", "kind", "id"))


@app.command()
def undo(
    ctx: typer.Context,
    dry_run: DryRunOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Revert the last change (an import or a bulk edit is one change).

    Run it again to go one change further back. Undo is recorded in the history like any
    change, so 'claimtrack redo' can put the change back.

    \b
    Examples:
      claimtrack undo --dry-run
      claimtrack undo
    """
    _reverse(ctx, "undo", dry_run, fmt, quiet)


@app.command()
def redo(
    ctx: typer.Context,
    dry_run: DryRunOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Put back the change the last undo reverted (before any other change).

    \b
    Example:
      claimtrack undo && claimtrack redo
    """
    _reverse(ctx, "redo", dry_run, fmt, quiet)


@app.command()
@filter_options()
def check(
    ctx: typer.Context,
    filters: FilterOptions = NO_FILTERS,
    disable: Annotated[
        list[str] | None,
        typer.Option("--disable", metavar="RULE", help="Switch a rule off (repeatable)."),
    ] = None,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Check claims before publication; exit 1 if anything would block it.

    \b
    Rules (switch off with --disable, or in claimtrack.toml beside the database):
      unattributed      no said-by source and no note starting 'unattributed:'
      unreported        no reported-by source and no note starting 'unreported:'
      two-sources       a number or serious allegation with < 2 independent sources
      open-status       status unverified, checking or disputed
      false-in-story    rated false but still in the story
      anonymity         confidential source without a reason and approving editor
      reported-by-link  a reported-by link without a URL or a date
      unarchived        a reported-by, supports or disputes URL with no snapshot
      quote-drift       the last verify found the quote missing or the page gone
      page-changed      a verdict's cited page no longer states the claim's number
    A damaged database (links to missing records) always fails, as 'structure'.

    \b
    Examples:
      claimtrack check --story serbia-russians
      claimtrack check --story serbia-russians --format json | jq 'group_by(.code)'
      claimtrack check --story budget --disable two-sources && publish.sh
    """
    from claimtrack.analysis import checks

    fmt = output_format(ctx, fmt, quiet)

    # Written as the claims are checked, except as a table: a large database's problems
    # are never all held at once.
    def write(found: "Iterator[checks.Problem]") -> None:
        views = (checks.problem_view(p) for p in found)
        if fmt == "table":
            from claimtrack.cli import render

            shown = list(views)
            if shown:
                render.problems_table(shown, no_color(ctx))
        elif fmt == "ids":
            for _ in views:
                pass
        else:
            from claimtrack.exporting.formats import write_records

            write_records(views, fmt, stdout_bytes(), columns=PROBLEM_COLUMNS)

    run = desk(ctx).check(filters.claim_filter(), write, disabled=disable or [], reveal=reveal)
    if fmt == "ids":
        for claim_id in run.failing:
            typer.echo(claim_id)
    if run.problems:
        typer.echo(
            f"{run.problems} problem(s) in {len(run.failing)} of {run.checked} claim(s).",
            err=True,
        )
        raise typer.Exit(ExitStatus.ERROR)
    typer.echo(f"Clean: {run.checked} claim(s) checked, no problems.", err=True)


@app.command()
@filter_options("status", "tag", "story")
def stats(
    ctx: typer.Context,
    filters: FilterOptions = NO_FILTERS,
    top: Annotated[int, typer.Option(metavar="N", help="How many tags and sources.")] = 20,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
) -> None:
    """Counts of claims by status, story and tag, and how many claims each source backs.

    \b
    Examples:
      claimtrack stats --story serbia-russians
      claimtrack stats --format json | jq .by_status
    """
    from claimtrack.exporting.formats import json_bytes

    fmt = output_format(ctx, fmt, False)
    result = desk(ctx).stats(filters.claim_filter(), top=top, reveal=reveal)
    if fmt == "table":
        from claimtrack.cli import render

        render.stats_tables(result, no_color(ctx))
    elif fmt in ("json", "jsonl"):
        stdout_bytes().write(json_bytes(result, pretty=fmt == "json"))
    else:
        from claimtrack.exporting.formats import write_records

        rows = [
            {"group": group, "key": row.get(key), "claims": row["claims"]}
            for group, key in (
                ("status", "status"),
                ("story", "story"),
                ("tag", "tag"),
                ("source", "name"),
            )
            for row in result["by_" + group if group != "source" else "sources"]
        ]
        write_records(
            [{**r, "id": r["key"]} for r in rows],
            fmt,
            stdout_bytes(),
            columns=("group", "key", "claims"),
        )
