"""export and import: hand work to editors, CMSs, spreadsheets and Datasette, and back."""

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack.cli import complete, emit
from claimtrack.cli.common import (
    QuietOption,
    RevealOption,
    app,
    desk,
    environment,
    fail,
    location,
    open_input,
    output_format,
    stdout_bytes,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import IO

    from claimtrack.cli.context import Environment
    from claimtrack.exporting.claimreview import Result as ReviewResult
    from claimtrack.importing.incoming import Incoming


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
    from claimtrack.operations import ExportRequest

    if fmt == "sqlite" and (output is None or output == "-"):
        fail("the sqlite format writes a file", "pass -o FILE, e.g. -o claims.db")
    if output not in (None, "-"):
        from claimtrack.named_file import refuse_own_files

        refuse_own_files(Path(output).expanduser(), location(ctx).path, "an export")
    request = ExportRequest(
        fmt,
        filters.claim_filter(),
        narrowing=filters.narrowing,
        claim_refs=claim_refs or [],
        reveal=reveal,
        history=history,
        title=title,
        organisation=(org, org_url, review_url),
        allow_missing_url=allow_missing_url,
        sqlite_path=None if output is None else Path(output).expanduser().absolute(),
        # Control characters as they are, but for a terminal (``write_delimited``).
        raw_controls=output not in (None, "-") or environment(ctx).stdout_isfile,
    )
    counts = desk(ctx).export(
        request, lambda payload: _write_output(payload, output), reviewed=_reviewed
    )
    if counts is not None:
        typer.echo(
            f"Wrote {output}: {counts['claims']} claims, {counts['sources']} sources, "
            f"{counts['links']} links",
            err=True,
        )


def _reviewed(result: "ReviewResult") -> None:
    """What a ClaimReview export leaves out or lacks, on stderr."""
    from claimtrack.operations import listed

    if result.skipped:
        typer.echo(
            f"Skipped {len(result.skipped)} claim(s) without a verdict: {listed(result.skipped)}",
            err=True,
        )
    if result.others:
        typer.echo(
            f"Skipped {len(result.others)} claim(s) whose verdict is another desk's "
            f"(imported ClaimReview): {listed(result.others)}",
            err=True,
        )
    if result.missing:
        typer.echo(
            f"Warning: {len(result.missing)} review(s) without a url: {listed(result.missing)}",
            err=True,
        )
    if result.untyped:
        typer.echo(
            f"Note: {len(result.untyped)} claimant(s) of unknown kind, named without a "
            f"Person or Organization type: {listed(result.untyped)} (set it with "
            "'claimtrack source edit NAME --kind person' or '--kind organisation')",
            err=True,
        )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The file to import, or an http(s) address to fetch; '-' reads stdin.",
        ),
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
            click_type=complete.FORMAT,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="All or nothing: a ClaimReview file or feed with any review that cannot be "
            "imported imports none (default: such a review is reported and skipped).",
        ),
    ] = False,
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
    an HTML fact-check page embedding it, as a file or its https:// address): each
    review becomes a claim with its verdict, claimant (said-by), appearances
    (reported-by) and the reviewing organisation as evidence (supports or disputes)
    with the review's URL and date. A rating whose words claimtrack does not know is
    marked checking, for review. A review that cannot be imported is reported and
    skipped unless --strict.

    \b
    Examples:
      claimtrack import colleague.json --dry-run
      claimtrack import claims.csv
      claimtrack import fact-check.html
      claimtrack import https://factcheck.example/checks/123
      curl -s https://cms.example/claims.jsonl | claimtrack import - --format jsonl
    """
    from claimtrack.importing import importer

    shown_format = output_format(ctx, plan_format, quiet)
    with _import_input(file) as (handle, origin):
        # A --format given is one of them (``complete.IMPORT_FORMAT``); so is a guess.
        chosen = fmt or importer.guess_format(origin, importer.first_line(handle))
        env = environment(ctx)

        def read() -> "Incoming":
            # Read a piece at a time: an export of 100,000 claims is over 200 MB.
            incoming = importer.read_from(handle, chosen, origin)
            for warning in incoming.warnings:
                typer.echo(f"Warning: {warning}", err=True)
            if strict:
                importer.refuse_skipped(incoming, origin)
            for skipped in incoming.skipped:
                typer.echo(f"Warning: {skipped}; skipped", err=True)
            return incoming

        plan, summary = desk(ctx).import_records(
            read,
            dry_run=dry_run,
            progress=lambda planned: import_progress(len(planned.changes), env),
        )
    from claimtrack.confidential import Disclosure

    for folded in plan.folded:
        typer.echo(f"Warning: {folded.warning(Disclosure(reveal))}", err=True)
    verb = "Would import" if dry_run else "Imported"
    typer.echo(f"{verb} from {origin}: {summary}", err=True)
    if dry_run:
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


@contextlib.contextmanager
def _import_input(file: str) -> "Iterator[tuple[IO[bytes], str]]":
    """What ``import`` reads, and the name to give it in messages: a file, stdin
    ('-'), or a web page fetched (an http(s) address)."""
    if file.startswith(("http://", "https://")):
        import io

        from claimtrack.importing import importer

        yield io.BytesIO(importer.fetch(file)), file
        return
    with open_input(file, "import") as handle:
        yield handle, "standard input" if file == "-" else file


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


@app.command()
def bundle(
    ctx: typer.Context,
    story: Annotated[
        str | None,
        typer.Argument(
            metavar="[STORY]",
            help="The story's slug: its claims, evidence and history go in the bundle.",
            click_type=complete.STORY,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="The WACZ file to write (atomically)."),
    ] = None,
    verify: Annotated[
        str | None,
        typer.Option(
            "--verify",
            metavar="FILE",
            help="Check every hash in a bundle, offline, instead of writing one.",
        ),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", metavar="NAME", help="The reviewing organisation (ClaimReview)."),
    ] = None,
    org_url: Annotated[
        str | None, typer.Option("--org-url", metavar="URL", help="Its web site.")
    ] = None,
    review_url: Annotated[
        str | None,
        typer.Option(
            "--review-url",
            metavar="TEMPLATE",
            help="Each review's URL, with {id} or {short}, for claims without their own.",
        ),
    ] = None,
) -> None:
    """Write a story as one verifiable WACZ file (record and evidence), or check one.

    The bundle holds the archived pages of the story's evidence (WARC, with its index
    and page list: it opens in ReplayWeb.page), the claims with their attribution
    chains, verdicts and history, their ClaimReview JSON-LD, and the database's
    timestamp tokens, each listed with its SHA-256 in datapackage.json. Confidential
    sources appear only as pseudonyms, and their pages are left out. --verify checks
    every hash offline and names each file that does not match (exit 1).

    \b
    Examples:
      claimtrack bundle serbia-russians -o serbia-russians.wacz
      claimtrack bundle --verify serbia-russians.wacz
      wacz validate -f serbia-russians.wacz
    """
    if verify is not None:
        if story is not None or output is not None:
            raise typer.BadParameter("give either STORY with -o FILE, or --verify FILE")
        _verify_bundle(verify)
        return
    if story is None:
        raise typer.BadParameter("give a STORY to bundle (with -o FILE), or --verify FILE")
    if output is None or output == "-":
        raise typer.BadParameter("a bundle is a file: name it", param_hint="'-o'")
    from claimtrack.named_file import refuse_own_files, write_named

    refuse_own_files(Path(output).expanduser(), location(ctx).path, "a bundle")

    target = Path(output).expanduser().absolute()
    made = desk(ctx).bundle(
        story, lambda data: write_named(target, data), organisation=(org, org_url, review_url)
    )
    withheld = f", {made.withheld} confidential source's page(s) left out" if made.withheld else ""
    typer.echo(
        f"Wrote {output}: {made.claims} claim(s), {made.pages} archived page(s), "
        f"{made.reviews} ClaimReview(s), {made.timestamps} timestamp file(s){withheld}",
        err=True,
    )
    if not made.pages:
        typer.echo(
            "Note: no page of this story is archived; the bundle holds its record only "
            "('claimtrack archive --story SLUG' keeps them)",
            err=True,
        )


def _verify_bundle(path: str) -> None:
    """``bundle --verify``: one line when every hash matches, else the files that do not."""
    from claimtrack.operations import verify_bundle

    check = verify_bundle(Path(path).expanduser())
    if not check.ok:
        fail(
            f"{path} does not verify: {len(check.problems)} problem(s)",
            "a file was changed after the bundle was made; ask its maker for the original",
            details=check.problems,
        )
    record = "" if check.record else " (no claimtrack record in it: only its hashes checked)"
    tokens = f", {check.tokens} timestamp token(s)" if check.tokens else ""
    typer.echo(
        f"Verified {path}: {check.members} files{tokens} and {check.snapshots} archived "
        f"page(s), every hash matches{record}",
        err=True,
    )
