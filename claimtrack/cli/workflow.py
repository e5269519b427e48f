"""The fact-checking desk: log, undo, redo, check and stats."""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    RevealOption,
    app,
    db_path_for,
    environment,
    no_color,
    open_db,
    output_format,
    stdout_bytes,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options
from claimtrack.cli.status import ExitStatus

if TYPE_CHECKING:
    from claimtrack.db import Database

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
) -> None:
    """Show the history of one record, or of the whole database, newest first.

    Each line is one event: who, when, what changed (before -> after). A claim's history
    includes its links. Confidential sources' history is withheld unless --reveal.

    \b
    Examples:
      claimtrack log 6fmx
      claimtrack log -n 20
      claimtrack log --format jsonl | jq -r 'select(.actor=="ana") | .summary'
    """
    from claimtrack import history

    fmt = output_format(ctx, fmt, quiet)
    if limit is not None and limit < 0:
        raise typer.BadParameter("must be 0 or more", param_hint="'--limit'")
    if limit is None and fmt == "table":
        limit = 50
    with open_db(ctx) as db:
        target = None if record is None else history.require_known(db, record)
        found = history.read_history(db, target, newest=limit, reveal=reveal)
        views = found.views(_source_names(db, reveal))
        if fmt != "table":
            from claimtrack.interchange.formats import write_records

            write_records(views, fmt, stdout_bytes(), columns=EVENT_COLUMNS)
            return
        shown = list(views)
    if not shown:
        typer.echo("No history yet.", err=True)
        return
    from claimtrack.cli import render

    render.events_table(shown, no_color(ctx))
    if found.total > len(shown) and environment(ctx).stdout_isatty:
        typer.echo(f"Showing {len(shown)} of {found.total} events; -n N shows more.", err=True)


def _source_names(db: "Database", reveal: bool) -> "Callable[[str], str]":
    """How ``log`` names a source: its name or pseudonym, or "deleted source" and the
    short ID of one that no longer exists."""
    from claimtrack.query import Presenter

    presenter = Presenter(db, reveal=reveal)

    def name(source_id: str) -> str:
        if presenter.source(source_id) is None:
            return f"deleted source {ids.short(source_id)}"
        return presenter.name(source_id)

    return name


def _reverse(ctx: typer.Context, action: str, dry_run: bool, fmt: str | None, quiet: bool) -> None:
    from claimtrack import history

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=not dry_run) as db:
        change = history.next_undo(db) if action == "undo" else history.next_redo(db)
        # A redo is named by the change it puts back, not by the undo it reverts.
        named = change if action == "undo" else history.restored_by(db, change)
        if dry_run:
            done = [(e["action"], e["kind"], e["target"]) for e in change.events]
        else:
            done = history.revert(db, change, action)
    verb = {"undo": "Undid", "redo": "Redid"}[action]
    if dry_run:
        verb = f"Would {action}"
    typer.echo(f"{verb} change {ids.short(named.id)}: {named.describe()}", err=True)
    records = [{"id": target, "kind": kind, "action": what} for what, kind, target in done]
    if fmt == "table":
        for record in records:
            typer.echo(f"{record['action']:<13} {record['kind']:<7} {ids.short(record['id'])}")
    else:
        from claimtrack.interchange.formats import write_records

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
      two-sources       a number or serious allegation with < 2 independent sources
      open-status       status unverified, checking or disputed
      false-in-story    rated false but still in the story
      anonymity         confidential source without a reason and approving editor
      reported-by-link  a reported-by link without a URL or a date
      unarchived        a reported-by, supports or disputes URL with no snapshot
      quote-drift       the last verify found the quote missing or the page gone
    A damaged database (links to missing records) always fails, as 'structure'.

    \b
    Examples:
      claimtrack check --story serbia-russians
      claimtrack check --story serbia-russians --format json | jq 'group_by(.code)'
      claimtrack check --story budget --disable two-sources && publish.sh
    """
    from claimtrack import checks, config
    from claimtrack.query import Presenter, iter_claims

    fmt = output_format(ctx, fmt, quiet)
    settings = config.load(db_path_for(ctx))
    rules = checks.DisabledRules(
        [*settings.check_disabled, *(disable or [])], settings.story_disabled
    )
    flt = filters.claim_filter()
    count = 0
    failing: dict[str, None] = {}  # claims with a problem, in the order found

    with open_db(ctx) as db:
        flt.prepare(db)
        presenter = Presenter(db, reveal=reveal)
        claims, total = iter_claims(db, flt, sort="created", reverse=True)

        def found() -> Iterator[checks.Problem]:
            nonlocal count
            for problem in checks.check(claims, presenter, rules):
                count += 1
                failing[problem.claim] = None
                yield problem
            # A database that is inconsistent (a link to nothing, a misfiled record)
            # fails every check: it cannot be switched off.
            for message in db.structural_problems():
                count += 1
                yield checks.Problem("", "structure", message, None, "")

        # Written as the claims are checked, except as a table: a large database's
        # problems are never all held at once.
        views = (checks.problem_view(p) for p in found())
        if fmt == "table":
            from claimtrack.cli import render

            shown = list(views)
            if shown:
                render.problems_table(shown, no_color(ctx))
        elif fmt == "ids":
            for _ in views:
                pass
            for claim_id in failing:
                typer.echo(claim_id)
        else:
            from claimtrack.interchange.formats import write_records

            write_records(views, fmt, stdout_bytes(), columns=PROBLEM_COLUMNS)
    if count:
        typer.echo(f"{count} problem(s) in {len(failing)} of {total} claim(s).", err=True)
        raise typer.Exit(ExitStatus.ERROR)
    typer.echo(f"Clean: {total} claim(s) checked, no problems.", err=True)


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
    from claimtrack import stats as counting
    from claimtrack.interchange.formats import json_bytes
    from claimtrack.query import Presenter

    fmt = output_format(ctx, fmt, False)
    flt = filters.claim_filter()
    with open_db(ctx) as db:
        flt.prepare(db)
        presenter = Presenter(db, reveal=reveal)
        result = counting.compute(db, flt, presenter, top=top)
    if fmt == "table":
        from claimtrack.cli import render

        render.stats_tables(result, no_color(ctx))
    elif fmt in ("json", "jsonl"):
        stdout_bytes().write(json_bytes(result, pretty=fmt == "json"))
    else:
        from claimtrack.interchange.formats import write_records

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
