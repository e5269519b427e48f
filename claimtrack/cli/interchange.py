"""export and import: hand work to editors, CMSs, spreadsheets and Datasette, and back."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack.cli import complete, emit
from claimtrack.cli.common import (
    QuietOption,
    RevealOption,
    app,
    db_path_for,
    environment,
    fail,
    location,
    open_db,
    open_input,
    output_format,
    stdout_bytes,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options
from claimtrack.errors import ClaimtrackError
from claimtrack.exporting import EXPORT_FORMATS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import IO

    from claimtrack.cli.context import Environment
    from claimtrack.model import Claim
    from claimtrack.query import Presenter


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file (through links, or the same path twice)."""
    try:
        return one.samefile(other)
    except OSError:
        return os.path.realpath(one) == os.path.realpath(other)


def _write_output(payload: "bytes | Callable[[IO[bytes]], None]", output: str | None) -> None:
    """Write the export, or have ``payload`` write it, to stdout or to the file named
    (``named_file``: atomically, or in place for a pipe or a device)."""
    if output is None or output == "-":
        if callable(payload):
            payload(stdout_bytes())
        else:
            stdout_bytes().write(payload)
        return
    from claimtrack.named_file import write_named

    if callable(payload):
        writer = payload

        def to_file(fd: int) -> None:
            with open(fd, "wb", closefd=False) as handle:
                writer(handle)

        write_named(Path(output).expanduser().absolute(), to_file)
    else:
        write_named(Path(output).expanduser().absolute(), payload)
    typer.echo(f"Wrote {output}", err=True)


@app.command()
@filter_options()
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="json, jsonl, csv, tsv, markdown, claimreview or sqlite.",
            click_type=complete.EXPORT_FORMAT,
        ),
    ] = "json",
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write here (atomically); '-' or nothing: stdout.",
        ),
    ] = None,
    filters: FilterOptions = NO_FILTERS,
    claim_refs: Annotated[
        list[str] | None,
        typer.Option(
            "--claim",
            "-c",
            metavar="CLAIM",
            help="Only this claim (ID or prefix; repeatable). With filters: claims both select.",
        ),
    ] = None,
    reveal: RevealOption = False,
    history: Annotated[
        bool, typer.Option("--history/--no-history", help="json: include the change history.")
    ] = True,
    title: Annotated[
        str | None, typer.Option(metavar="TEXT", help="markdown: the memo's title.")
    ] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", metavar="NAME", help="claimreview: the reviewing organisation."),
    ] = None,
    org_url: Annotated[
        str | None, typer.Option("--org-url", metavar="URL", help="claimreview: its web site.")
    ] = None,
    review_url: Annotated[
        str | None,
        typer.Option(
            "--review-url",
            metavar="TEMPLATE",
            help="claimreview: each review's URL, with {id} or {short}, for claims without "
            "their own (status --review-url).",
        ),
    ] = None,
    allow_missing_url: Annotated[
        bool,
        typer.Option(
            "--allow-missing-url",
            help="claimreview: export claims that have no review URL (Google requires one).",
        ),
    ] = False,
) -> None:
    """Export claims, with their sources, links and history, in a format to hand on.

    json rebuilds the whole database; jsonl has one claim per line with its sources
    inlined; csv/tsv open in spreadsheets; markdown is an editor's memo grouped by
    status; claimreview is schema.org JSON-LD for claims with a verdict, each with the
    URL of its published fact-check (refused without one unless --allow-missing-url);
    sqlite is a database file for Datasette. The filters are those of 'list', and
    --claim picks claims by ID. Confidential sources leave only as pseudonyms (never, in
    claimreview and sqlite) unless --reveal.

    \b
    Examples:
      claimtrack export -o backup.json
      claimtrack export --format csv --story serbia-russians -o serbia.csv
      claimtrack export --format markdown --story serbia-russians > memo.md
      claimtrack export --format claimreview --org "Desk Fact Check" --review-url \\
          "https://factcheck.example/claims/{short}" | jq '.[].reviewRating'
      claimtrack export --format claimreview --org "Desk Fact Check" --claim 3f9k2ab
      claimtrack export --format sqlite -o claims.db && datasette claims.db
    """
    from claimtrack.query import Presenter, select_claims

    fmt = fmt.strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise typer.BadParameter(
            f"{fmt!r} is not one of {', '.join(EXPORT_FORMATS)}", param_hint="'--format'"
        )
    if fmt == "sqlite" and (output is None or output == "-"):
        fail("the sqlite format writes a file", "pass -o FILE, e.g. -o claims.db")
    if output not in (None, "-") and _same_file(Path(output).expanduser(), location(ctx).path):
        fail(
            f"{output} is the database itself; an export must not replace it",
            "name another file with -o",
        )
    flt = filters.claim_filter()
    filtered = filters.narrowing or bool(claim_refs)
    whole = fmt == "json" and not filtered
    # One claim at a time, oldest first, through the index when there is one (as `list`
    # reads them): a large database is never held whole, nor its export.
    streamed = fmt in ("jsonl", "csv", "tsv", "claimreview", "sqlite")
    # ClaimReview's datePublished is when each verdict was given: the history says.
    events = (fmt == "json" and history) or fmt == "claimreview"
    with open_db(ctx, history=events, indexed=whole or streamed) as db:
        flt.prepare(db)
        chosen = {db.get_claim(ref)["id"] for ref in claim_refs or ()}
        if whole:
            from claimtrack.exporting.bundle import write_bundle

            _write_output(lambda out: write_bundle(db, out, events=history, reveal=reveal), output)
            return
        presenter = Presenter(db, reveal=reveal and fmt not in ("claimreview", "sqlite"))
        if streamed:
            from claimtrack.query import iter_claims

            each, _ = iter_claims(db, flt, sort="created", reverse=True)
            if chosen:
                each = (claim for claim in each if claim["id"] in chosen)
            if fmt == "claimreview":
                from claimtrack.history import verdict_times

                settings = (org, org_url, review_url)
                _claimreview(
                    ctx, each, presenter, settings, verdict_times(db), output, allow_missing_url
                )
                return
            if fmt == "sqlite":
                from claimtrack.exporting import sqlite

                assert output is not None
                counts = sqlite.write(
                    Path(output).expanduser().absolute(), each, presenter, everything=not filtered
                )
                typer.echo(
                    f"Wrote {output}: {counts['claims']} claims, {counts['sources']} sources, "
                    f"{counts['links']} links",
                    err=True,
                )
                return
            from claimtrack.exporting import tabular

            if fmt == "jsonl":
                _write_output(lambda out: tabular.write_jsonl_export(each, presenter, out), output)
            else:
                delimiter = "\t" if fmt == "tsv" else ","
                _write_output(
                    lambda out: tabular.write_csv_export(each, presenter, out, delimiter=delimiter),
                    output,
                )
            return
        claims = select_claims(db, flt, sort="created", reverse=True)
        if chosen:
            claims = [claim for claim in claims if claim["id"] in chosen]
        if fmt == "json":
            from claimtrack.exporting.bundle import dump_bundle, export_bundle

            bundle = export_bundle(
                db, claims=claims if filtered else None, events=history, reveal=reveal
            )
            _write_output(dump_bundle(bundle), output)
        else:
            from claimtrack.exporting import memo
            from claimtrack.model import now

            stories = sorted({c.get("story") or "" for c in claims} - {""})
            heading = title or (", ".join(stories) if stories else "all claims")
            made = f"Exported {now()[:16].replace('T', ' ')} UTC from {db.path.name}"
            _write_output(memo.render(claims, presenter, title=heading, made=made).encode(), output)


def _listed(claim_ids: "list[str]") -> str:
    shown = ", ".join(claim_id[:7] for claim_id in claim_ids[:10])
    return shown + (f" and {len(claim_ids) - 10} more" if len(claim_ids) > 10 else "")


def _claimreview(
    ctx: typer.Context,
    claims: "Iterable[Claim]",
    presenter: "Presenter",
    given: tuple[str | None, str | None, str | None],
    verdict_times: dict[str, str],
    output: str | None,
    allow_missing_url: bool,
) -> None:
    from claimtrack import config
    from claimtrack.exporting import claimreview
    from claimtrack.exporting.formats import json_bytes

    settings = dict(config.load(db_path_for(ctx)).organisation)
    for key, value in zip(("name", "url", "review_url"), given, strict=True):
        if value is not None:
            settings[key] = value
    reviewer = claimreview.Reviewer.from_settings(settings)
    result = claimreview.build(claims, presenter, reviewer, verdict_times)
    if result.missing and not allow_missing_url:
        # Google's Fact Check structured data requires each review's url: an export
        # without it would be refused by whoever it is handed to, or worse, accepted.
        raise ClaimtrackError(
            f"{len(result.missing)} claim(s) have no review URL (the published "
            f"fact-check's page): {_listed(result.missing)}; nothing was exported",
            "record each with 'claimtrack status CLAIM STATUS --review-url URL', give "
            "--review-url TEMPLATE, or pass --allow-missing-url",
        )
    if result.skipped:
        typer.echo(
            f"Skipped {len(result.skipped)} claim(s) without a verdict: {_listed(result.skipped)}",
            err=True,
        )
    if result.others:
        typer.echo(
            f"Skipped {len(result.others)} claim(s) whose verdict is another desk's "
            f"(imported ClaimReview): {_listed(result.others)}",
            err=True,
        )
    if result.missing:
        typer.echo(
            f"Warning: {len(result.missing)} review(s) without a url: {_listed(result.missing)}",
            err=True,
        )
    if result.untyped:
        typer.echo(
            f"Note: {len(result.untyped)} claimant(s) of unknown kind, named without a "
            f"Person or Organization type: {_listed(result.untyped)} (set it with "
            "'claimtrack source edit NAME --kind person' or '--kind organisation')",
            err=True,
        )
    _write_output(json_bytes(result.reviews, pretty=True), output)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The file to import; '-' reads stdin.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="The file's format: json, jsonl, csv, tsv or claimreview (default: from "
            "the file name or its content).",
            click_type=complete.IMPORT_FORMAT,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would change; write nothing.")
    ] = False,
    plan_format: Annotated[
        str | None,
        typer.Option(
            "--report-format",
            metavar="FORMAT",
            help="--dry-run's report: table, json, jsonl, csv, tsv or ids (default: table "
            "on a terminal, jsonl when piped).",
        ),
    ] = None,
    reveal: RevealOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import claims from a claimtrack export, a CSV, or other desks' ClaimReview.

    Every record is checked before anything is written: a file with a bad record imports
    nothing and lists each problem with its line or index. Records match by ID (sources
    also by name or alias; CSV rows without an ID by identical text and story), so
    importing a file twice changes nothing the second time. Where a record is on both
    sides, the newer 'updated' wins and notes and links are combined.

    \b
    CSV columns: text (required), status, tags, story, said_by, reported_by
    (names separated by ';'), url (of the first reporter), id.

    ClaimReview (schema.org JSON-LD: one review, an array, an @graph or a DataFeed; or
    an HTML fact-check page embedding it): each review becomes a claim with its verdict,
    claimant (said-by), appearances (reported-by) and the reviewing organisation as
    evidence (supports or disputes) with the review's URL and date.

    \b
    Examples:
      claimtrack import colleague.json --dry-run
      claimtrack import claims.csv
      claimtrack import fact-check.html
      curl -s https://cms.example/claims.jsonl | claimtrack import - --format jsonl
    """
    from claimtrack.importing import importer

    shown_format = output_format(ctx, plan_format, quiet)
    with open_input(file, "import") as handle:
        origin = "standard input" if file == "-" else file
        chosen = (fmt or importer.guess_format(file, importer.first_line(handle))).strip().lower()
        if chosen not in importer.IMPORT_FORMATS:
            raise typer.BadParameter(
                f"{chosen!r} is not one of {', '.join(importer.IMPORT_FORMATS)}",
                param_hint="'--format'",
            )
        # Read a piece at a time: an export of 100,000 claims is over 200 MB.
        incoming = importer.read_from(handle, chosen, origin)
    with open_db(ctx, write=not dry_run) as db:
        plan = importer.plan(db, incoming)
        del incoming  # the plan holds what is written; the rest can go before the write
        summary = plan.summary()
        if not dry_run and plan.writes:
            importer.apply(db, plan, progress=import_progress(len(plan.changes), environment(ctx)))
    verb = "Would import" if dry_run else "Imported"
    typer.echo(f"{verb} from {origin}: {summary}", err=True)
    if dry_run:
        from claimtrack.confidential import Disclosure

        records = list(importer.plan_records(plan, disclosure=Disclosure(reveal)))
        if shown_format == "table":
            for record in records:
                typer.echo(
                    f"{record['action']:<7} {record['kind']:<7} {record['id'][:7]}  "
                    f"{emit.clip(record['label'])}"
                )
        else:
            from claimtrack.exporting.formats import write_records

            write_records(
                records, shown_format, stdout_bytes(), columns=("action", "kind", "id", "label")
            )


def import_progress(total: int, env: "Environment") -> "Callable[[int], None] | None":
    """A progress bar on a terminal for large imports; nothing otherwise."""
    if total < 5000 or not env.stderr_isatty:
        return None
    from rich.console import Console
    from rich.progress import Progress

    # On stderr: stdout carries data only, even while a bar is drawn.
    bar = Progress(transient=True, console=Console(stderr=True))
    task = bar.add_task("Importing", total=total)
    bar.start()

    def advance(done: int) -> None:
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return advance
