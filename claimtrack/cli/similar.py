"""``similar``: have we checked this before? Claims that say the same thing as a claim or
a text, best first, with a score and the reasons (``claimtrack.similar``)."""

from typing import Annotated

import typer

from claimtrack.cli import emit
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    RevealOption,
    app,
    no_color,
    open_db,
    output_format,
    read_text,
)
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options

MinScoreOption = Annotated[
    int,
    typer.Option(
        "--min-score",
        metavar="N",
        min=0,
        max=100,
        help="Leave out claims scoring under N (0-100; 85 and over is a near-duplicate).",
    ),
]


@app.command()
@filter_options()
def similar(
    ctx: typer.Context,
    given: Annotated[
        str,
        typer.Argument(
            metavar="CLAIM|TEXT",
            help="A claim ID (or unique prefix), or the text of a claim; '-' reads stdin.",
        ),
    ],
    filters: FilterOptions = NO_FILTERS,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Show at most N claims.")
    ] = 10,
    min_score: MinScoreOption = 50,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Find claims that say the same thing, best first, with a score and why.

    The score (0-100) weighs the words (in any order) and the numbers: "at least 12
    people were deported" is nearer "a dozen were expelled" than "14 people were
    deported"; a claimant both claims have raises it. Imported ClaimReviews are searched
    too: a match that is another desk's verdict says whose ("verdict of ..."). The JSON
    formats add "score", "why" and "verdict_by" (null for this desk's verdicts).

    \b
    Examples:
      claimtrack similar 3f9k2ab
      claimtrack similar "At least 12 Russians were expelled" --status verified --status false
      claimtrack similar - --format jsonl < claim.txt | jq -r 'select(.score >= 85) | .id'
    """
    from claimtrack.query import Presenter, similar_view
    from claimtrack.similar import Probe, claim_id_given, claim_probe, find_similar

    fmt = output_format(ctx, fmt, quiet)
    flt = filters.claim_filter()
    text = read_text(given, "claim text")
    if not text.strip():
        raise typer.BadParameter(
            "is empty: give a claim ID or a claim's text", param_hint="'CLAIM|TEXT'"
        )
    with open_db(ctx) as db:
        flt.prepare(db)
        claim_id = None if given == "-" else claim_id_given(db, text)
        if claim_id is not None:
            probe = claim_probe(db, claim_id)
        else:
            from claimtrack.cli.claims import worked_out_quantities

            probe = Probe(text, worked_out_quantities(text))
        found = find_similar(db, probe, flt, limit=limit, min_score=min_score)
        presenter = Presenter(db, reveal=reveal)
        views = [similar_view(match, presenter) for match in found]
    if fmt == "table":
        if not views:
            typer.echo("No similar claims.", err=True)
            return
        from claimtrack.cli import render

        render.similar_table(views, no_color(ctx))
        return
    emit.similar(views, fmt)
