"""extract: the first pass over an article, for the journalist to review."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import emit
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    app,
    environment,
    fail,
    location,
    no_color,
    open_db,
    output_format,
    read_input,
    stdout_bytes,
)
from claimtrack.cli.dates import DATE_HELP, date_callback

if TYPE_CHECKING:
    from claimtrack.extract import ArticleInfo, Candidate, Extraction
    from claimtrack.similar import Match

CANDIDATE_COLUMNS = ("claimant", "role", "reporter", "text", "quote", "sentence")


@app.command()
def extract(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE|URL",
            help="An article: a text file (UTF-8), a saved web page (.html), an http(s) "
            "URL to fetch, or '-' for stdin.",
        ),
    ],
    story: Annotated[
        str | None, typer.Option(metavar="SLUG", help="Story slug for the claims added.")
    ] = None,
    reported_by: Annotated[
        str | None,
        typer.Option(
            "--reported-by",
            metavar="NAME",
            help="The publication the article came from (a web page's own name otherwise).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(metavar="URL", help="Where the article was published (for the link)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help=f"When the article was published ({DATE_HELP}).",
            callback=date_callback,
        ),
    ] = None,
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="Record the claims (asks per claim on a terminal); "
            "claims already in the story are not added again.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --add: take every claim.")] = False,
    no_dupe_check: Annotated[
        bool,
        typer.Option(
            "--no-dupe-check",
            help="With --add: do not look for claims already recorded that say much the same.",
        ),
    ] = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Find the checkable claims in an article, with who made them and who reported them.

    A rule-based first pass, fast and offline (but for fetching a URL): sentences with
    numbers, quotes, attributions, allegations, dates or several names; the claimant
    ("according to X", "X said", "..., said X, ROLE"), with "she", surnames, acronyms
    and "the think tank" resolved to names given earlier; "attribution": "unclear" and
    no claimant when it cannot tell who speaks; the reporter (a dateline, a byline, a
    web page's publisher, --reported-by); and the quantities. Any layout: blank lines,
    one paragraph a line, or one line. A web page (a saved .html file or a URL) is read
    for its main text, headline, publisher, date and URL; the publisher's reported-by
    link gets the URL and date. Review what it finds: it does not judge whether a
    claim matters.

    \b
    Examples:
      claimtrack extract seeds/serbia-russian-refugees.txt
      claimtrack extract story.txt --format jsonl | jq -r .claimant | sort | uniq -c
      claimtrack extract page.html --story serbia-russians --add
      claimtrack extract https://example.org/news/story.html --format json
      claimtrack extract story.txt --reported-by "Daily Ledger" --date 2024-02-26 \\
          --url https://example.org/story --add --yes
    """
    from claimtrack.extract import web

    fmt = output_format(ctx, fmt, quiet)
    if fmt == "ids" and not add:
        fail("extract has no IDs before --add", "use -q with --add, or --format jsonl")
    if add and not yes and not environment(ctx).stdin_isatty:
        fail("--add asks about each claim on a terminal", "pass --yes to take them all")
    given = extracting_info(reported_by, url, date)
    if file.startswith(("http://", "https://")):
        page, final_url = web.fetch(file)
        result = web.extract_page(page, final_url, given)
        name = None
    else:
        raw = read_input(file, "article")
        name = None if file == "-" else Path(file).name
        if file.lower().endswith((".html", ".htm", ".xhtml")) or web.looks_like_html(raw):
            result = web.extract_page(raw, url, given)
        else:
            result = _extract_text(raw, file, given)
    if not result.candidates:
        typer.echo(f"Nothing found: {result.why_nothing()}.", err=True)
    chosen = result.candidates
    dupes = {} if not add or no_dupe_check else _near_duplicates(ctx, chosen, story)
    if add and not yes:
        chosen = _review(chosen, dupes)
    elif dupes:
        for candidate in chosen:
            match = dupes.get(id(candidate))
            if match is not None:
                typer.echo(
                    f"Warning: claim {ids.short(match.claim['id'])} says much the same "
                    f"(score {match.score}) as {emit.clip(candidate.text, 60)!r}; added "
                    "anyway ('claimtrack similar' shows it; --no-dupe-check skips this check)",
                    err=True,
                )
    if add:
        from claimtrack.interchange.candidates import record_candidates

        with open_db(ctx, write=True) as db:
            made, already = record_candidates(db, result, chosen, story=story, source_name=name)
        more = f"; {already} already recorded in this story, not added again" if already else ""
        typer.echo(f"Added {len(made)} claim(s) as unverified{more}.", err=True)
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
    else:
        from claimtrack.interchange.formats import write_records

        write_records(
            [c.as_dict() for c in result.candidates],
            fmt,
            stdout_bytes(),
            columns=CANDIDATE_COLUMNS,
        )
    typer.echo(f"{len(result.candidates)} candidate claim(s).", err=True)


def extracting_info(reported_by: str | None, url: str | None, date: str | None) -> "ArticleInfo":
    """What the user said about the article's origin, for the extractor."""
    from claimtrack.extract import ArticleInfo

    return ArticleInfo(publisher=reported_by or None, date=date or None, url=url or None)


def _extract_text(raw: bytes, file: str, given: "ArticleInfo") -> "Extraction":
    from claimtrack.extract import extract as extract_text

    try:
        article = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text", "convert it, e.g. iconv -f latin1 -t utf-8")
    if not article.strip():
        fail("the article is empty")
    return extract_text(article, given)


def _near_duplicates(
    ctx: typer.Context, candidates: "list[Candidate]", story: str | None
) -> "dict[int, Match]":
    """For each candidate (by ``id()``) the best claim already recorded that says much
    the same (``similar.DUPLICATE``), as ``add`` looks for one; a claim with the very
    text in the same story is left out: ``--add`` skips that candidate anyway."""
    from claimtrack.model import fold
    from claimtrack.records import clean_story
    from claimtrack.similar import DUPLICATE, Probe, claimants_named, find_similar

    if not candidates or not location(ctx).path.exists():
        return {}
    slug = clean_story(story)
    found: dict[int, Match] = {}
    with open_db(ctx) as db:
        for candidate in candidates:
            claimants = claimants_named(db, [candidate.claimant] if candidate.claimant else [])
            probe = Probe(candidate.text, candidate.quantities, claimants)
            for match in find_similar(db, probe, limit=3, min_score=DUPLICATE):
                same = fold(match.claim["text"]) == fold(candidate.text)
                if not (same and match.claim.get("story") == slug):
                    found[id(candidate)] = match
                    break
    return found


def _review(
    candidates: "list[Candidate]", dupes: "dict[int, Match] | None" = None
) -> "list[Candidate]":
    """Ask about each candidate: accept, skip, edit the wording, change the claimant or
    the reporter, or stop. Shows the quantities found, so a misread number is seen, and
    a claim already recorded that says much the same (``dupes``), so it can be skipped."""
    from claimtrack.interchange.formats import safe_text

    kept: list[Candidate] = []
    for number, candidate in enumerate(candidates, start=1):
        while True:
            who = candidate.claimant or (
                "unclear: nobody named" if candidate.attribution == "unclear" else "nobody named"
            )
            amounts = "; ".join(q["text"] for q in candidate.quantities) or "-"
            match = (dupes or {}).get(id(candidate))
            already = (
                f"\n    already recorded, much the same: {ids.short(match.claim['id'])} "
                f"(score {match.score}) {safe_text(emit.clip(match.claim['text'], 60))}"
                if match is not None
                else ""
            )
            typer.echo(
                f"\n[{number}/{len(candidates)}] {safe_text(candidate.text)}\n"
                f"    said by: {safe_text(who)}; reported by: "
                f"{safe_text(candidate.reporter or '-')}\n    quantities: {safe_text(amounts)}"
                f"{already}",
                err=True,
            )
            answer = typer.prompt(
                "  [a]ccept, [s]kip, [e]dit, [c]laimant, [r]eporter, [q]uit", default="a", err=True
            )
            choice = answer.strip().lower()[:1]
            if choice == "e":
                candidate.text = typer.prompt("  claim text", default=candidate.text, err=True)
            elif choice == "c":
                name = typer.prompt(
                    "  said by ('-' for nobody)", default=candidate.claimant or "-", err=True
                ).strip()
                candidate.claimant = None if name in ("", "-") else name
                candidate.claimant_kind = None
                candidate.attribution = "named" if candidate.claimant else "article"
                continue
            elif choice == "r":
                name = typer.prompt(
                    "  reported by ('-' for nobody)", default=candidate.reporter or "-", err=True
                ).strip()
                candidate.reporter = None if name in ("", "-") else name
                continue
            break
        if choice == "q":
            break
        if choice == "s":
            continue
        kept.append(candidate)
    print(file=sys.stderr)
    return kept
