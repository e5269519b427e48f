"""``merge`` and ``source merge``: one claim recorded twice, two names for one source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import complete, emit
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    YesOption,
    app,
    confirm_destruction,
    open_db,
    output_format,
)
from claimtrack.cli.sources import source_app
from claimtrack.interchange.formats import SOURCE_COLUMNS

if TYPE_CHECKING:
    from claimtrack.merging import Merge
    from claimtrack.query import Presenter

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Say what the merge would do; change nothing.")
]


@app.command()
def merge(
    ctx: typer.Context,
    claims: Annotated[
        list[str],
        typer.Argument(
            metavar="CLAIM CLAIM...",
            help="Claim IDs or prefixes: the first survives, the others merge into it.",
            click_type=complete.CLAIM,
        ),
    ],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Merge claims that are one: the first keeps its ID, text, status and rating.

    The others' links (one per source and relation), notes, tags and quantities move to
    it, a note records each merged claim's text, and their IDs find it from now on
    (show, link, scripts). Asks first on a terminal; 'claimtrack undo' reverts it whole.

    \b
    Examples:
      claimtrack similar 3f9k2ab
      claimtrack merge 3f9k2ab 8hd02kq --dry-run
      claimtrack merge 3f9k2ab 8hd02kq --yes
    """
    from claimtrack.merging import apply, plan_claims
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=not dry_run) as db:
        plan = plan_claims(db, claims)
        presenter = Presenter(db)
        report = _report(plan, presenter)
        if dry_run:
            _print_plan(plan, report, fmt)
            return
        listing = "".join(
            f"\n  {ids.short(c['id'])}  {' '.join(c['text'].split())}" for c in plan.others
        )
        survivor = plan.survivor
        confirm_destruction(
            ctx,
            f"Into {ids.short(survivor['id'])}  {' '.join(survivor['text'].split())}\n"
            f"merge:{listing}\n{report}. Merge?",
            yes,
            verb="merge",
        )
        merged = apply(db, plan)
        view = claim_view(db.get_claim(merged["id"]), presenter)
    emit.one(ctx, view, fmt, f"Merged into claim {ids.short(view['id'])}: {report}")


@source_app.command("merge")
def source_merge(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="SOURCE SOURCE...",
            help="Source names, aliases or ID prefixes: the first survives.",
            click_type=complete.SOURCE,
        ),
    ],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Merge sources that are one: the first keeps its ID and name, the others' names
    become its aliases and their links move to it.

    A confidential source stays confidential: merging one into a public source makes
    that source confidential (its name withheld wherever it is cited), and the question
    says so. Asks first on a terminal, needs --yes in a script; 'claimtrack undo'
    reverts the merge whole.

    \b
    Examples:
      claimtrack source merge "Ada Kim" "Mr Kim" --dry-run
      claimtrack source merge "Ada Kim" "Mr Kim" --yes
    """
    from claimtrack.merging import apply, plan_sources
    from claimtrack.query import Presenter, source_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=not dry_run) as db:
        plan = plan_sources(db, sources)
        presenter = Presenter(db)
        report = _report(plan, presenter)
        if dry_run:
            _print_plan(plan, report, fmt)
            return
        names = ", ".join(repr(presenter.name(o["id"])) for o in plan.others)
        question = f"Merge {names} into source {presenter.name(plan.survivor['id'])!r}? ({report})"
        if plan.exposes:
            question = (
                f"{presenter.name(plan.survivor['id'])!r} is public and {names} is not: "
                "after the merge the source is confidential, its name withheld wherever "
                f"it is cited.\n{question}"
            )
        confirm_destruction(ctx, question, yes, verb="merge")
        merged = apply(db, plan)
        view = source_view(db.get_source(merged["id"]), Presenter(db))
    summary = f"Merged into source {ids.short(merged['id'])} ({view['name']}): {report}"
    emit.one(ctx, view, fmt, summary, columns=SOURCE_COLUMNS)


def _report(plan: Merge, presenter: Presenter) -> str:
    """What the merge does, in words: "2 claims merged, 3 links moved, 1 duplicate
    link folded"."""
    others = len(plan.others)
    parts = [
        f"{others} {plan.kind}{'s' if others != 1 else ''} merged",
        f"{plan.moved} link{'s' if plan.moved != 1 else ''} moved",
    ]
    if plan.folded:
        parts.append(f"{plan.folded} duplicate link{'s' if plan.folded != 1 else ''} folded")
    if plan.exposes:
        parts.append(f"{presenter.name(plan.survivor['id'])!r} becomes confidential")
    return ", ".join(parts)


def _print_plan(plan: Merge, report: str, fmt: str) -> None:
    """``--dry-run``: the records the merge would absorb, then what it would do."""
    typer.echo(f"Would merge into {plan.kind} {ids.short(plan.survivor['id'])}: {report}", err=True)
    if fmt == "ids":
        for other in plan.others:
            typer.echo(other["id"])
        return
    rows = [
        {
            "id": other["id"],
            "into": plan.survivor["id"],
            "kind": plan.kind,
            "links": sum(1 for before, _ in plan.links if other["id"] in before.values()),
        }
        for other in plan.others
    ]
    if fmt == "table":
        for row in rows:
            typer.echo(
                f"{ids.short(row['id'])} -> {ids.short(row['into'])} ({row['links']} link(s))"
            )
        return
    emit.records(rows, fmt, columns=("id", "into", "kind", "links"))  # type: ignore[arg-type]
