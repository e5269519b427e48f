"""extract: the first pass over an article, for the journalist to review."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import emit
from claimtrack.cli.common import (
    FormatOption,
    app,
    environment,
    fail,
    no_color,
    open_db,
    output_format,
    read_input,
    stdout_bytes,
)

if TYPE_CHECKING:
    from claimtrack.extract import Candidate

CANDIDATE_COLUMNS = ("claimant", "role", "reporter", "text", "quote", "sentence")


@app.command()
def extract(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="A plain-text article (UTF-8); '-' reads stdin.")
    ],
    story: Annotated[
        str | None, typer.Option(metavar="SLUG", help="Story slug for the claims added.")
    ] = None,
    add: Annotated[
        bool, typer.Option("--add", help="Record the claims (asks per claim on a terminal).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --add: take every claim.")] = False,
    fmt: FormatOption = None,
) -> None:
    """Find the checkable claims in an article, with who made them and who reported them.

    A rule-based first pass, offline and fast: sentences with numbers, quotes,
    attributions, allegations, dates or several names; the claimant ("according to X",
    "X said", "..., said X, ROLE"), with "she", surnames, acronyms and "the think tank"
    resolved to names given earlier; the reporter ("as quoted by AP", a dateline, a
    byline or a closing "Source:" line); and the quantities. Review what it finds:
    it does not judge whether a claim matters.

    \b
    Examples:
      claimtrack extract seeds/serbia-russian-refugees.txt
      claimtrack extract story.txt --format jsonl | jq -r .claimant | sort | uniq -c
      claimtrack extract story.txt --story serbia-russians --add
      curl -s https://example.org/story.txt | claimtrack extract - --add --yes
    """
    from claimtrack import extract as extracting

    fmt = output_format(ctx, fmt, False)
    raw = read_input(file, "article")
    try:
        article = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text", "convert it, e.g. iconv -f latin1 -t utf-8")
    name = None if file == "-" else Path(file).name
    if not article.strip():
        fail("the article is empty")
    if add and not yes and not environment(ctx).stdin_isatty:
        fail("--add asks about each claim on a terminal", "pass --yes to take them all")
    result = extracting.extract(article)
    chosen = result.candidates
    if add and not yes:
        chosen = _review(chosen)
    if add:
        from claimtrack.interchange.candidates import record_candidates

        with open_db(ctx, write=True) as db:
            made = record_candidates(db, result, chosen, story=story, source_name=name)
        typer.echo(f"Added {len(made)} claim(s) as unverified.", err=True)
        if fmt == "table":
            for claim in made:
                typer.echo(f"{ids.short(claim['id'])}  {emit.clip(claim['text'], 70)}")
        else:
            emit.records(made, fmt)
        return
    if fmt == "table":
        from claimtrack.cli import render

        render.candidates_table(result, no_color(ctx))
    elif fmt == "json":
        from claimtrack.interchange.formats import json_bytes

        stdout_bytes().write(json_bytes(result.as_dict(), pretty=True))
    elif fmt == "ids":
        fail("extract has no IDs before --add", "use --format jsonl")
    else:
        from claimtrack.interchange.formats import write_records

        write_records(
            [c.as_dict() for c in result.candidates],
            fmt,
            stdout_bytes(),
            columns=CANDIDATE_COLUMNS,
        )
    typer.echo(f"{len(result.candidates)} candidate claim(s).", err=True)


def _review(candidates: "list[Candidate]") -> "list[Candidate]":
    """Ask about each candidate: accept, skip, edit the wording, or stop."""
    from claimtrack.interchange.formats import safe_text

    kept: list[Candidate] = []
    for number, candidate in enumerate(candidates, start=1):
        who = candidate.claimant or "nobody named"
        typer.echo(
            f"\n[{number}/{len(candidates)}] {safe_text(candidate.text)}\n"
            f"    said by: {safe_text(who)}; reported by: {safe_text(candidate.reporter or '-')}",
            err=True,
        )
        answer = typer.prompt("  [a]ccept, [s]kip, [e]dit, [q]uit", default="a", err=True)
        choice = answer.strip().lower()[:1]
        if choice == "q":
            break
        if choice == "s":
            continue
        if choice == "e":
            candidate.text = typer.prompt("  claim text", default=candidate.text, err=True)
        kept.append(candidate)
    print(file=sys.stderr)
    return kept
