"""``merge`` and ``source merge``: one claim recorded twice, two names for one source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer

from claimtrack import ids
from claimtrack.cli import complete, emit
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    YesOption,
    app,
    confirmer,
    declined,
    desk,
    environment,
    output_format,
)
from claimtrack.cli.sources import source_app
from claimtrack.exporting.formats import SOURCE_COLUMNS, safe_text

if TYPE_CHECKING:
    from claimtrack.operations import MergeProposal
    from claimtrack.views import SourceView

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
    add_claimants: Annotated[
        bool,
        typer.Option(
            "--add-claimants",
            help="Give a claim with a verdict the merged claims' said-by sources too "
            "(asked on a terminal; left out otherwise).",
        ),
    ] = False,
    yes: YesOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Merge claims that are one: the first keeps its ID, text, status and rating.

    The others' links (one per source and relation), notes, tags and quantities move to
    it, a note records each merged claim's text, and their IDs find it from now on
    (show, link, scripts). A quantity that contradicts the first claim's (the same thing
    counted, another figure) is not taken: the note names it. When the first claim has
    a verdict, the others' said-by sources are added only if you say so (asked on a
    terminal, or --add-claimants); otherwise a warning and the note name them. Asks
    first on a terminal; 'claimtrack undo' reverts it whole.

    \b
    Examples:
      claimtrack similar 3f9k2ab
      claimtrack merge 3f9k2ab 8hd02kq --dry-run
      claimtrack merge 3f9k2ab 8hd02kq --yes
    """
    fmt = output_format(ctx, fmt, quiet)
    asking = not yes and environment(ctx).stdin_isatty

    def claimants(proposal: MergeProposal) -> bool:
        """Whether the survivor, a claim with a verdict, takes the merged claims'
        claimants: --add-claimants, else asked on a terminal, else no (with a warning)."""
        if add_claimants:
            return True
        plan = proposal.plan
        named = ", ".join(sorted({proposal.name(k["source"]) for k in plan.claimants}))
        verdict = f"claim {ids.short(plan.survivor['id'])} is {plan.survivor['status']}"
        question = f"{verdict}: add said-by {named} from the merged claim(s)?"
        if asking and not dry_run:
            return typer.confirm(safe_text(question), default=False, err=True)
        warning = (
            f"Warning: {verdict}: said-by {named} not added (the note names it); "
            "--add-claimants adds it"
        )
        typer.echo(safe_text(warning, single_line=True), err=True)
        return False

    if dry_run:
        _print_plan(desk(ctx).plan_merge("claim", claims, claimants=claimants), fmt)
        return
    ask = confirmer(ctx, yes, verb="merge")

    def confirm(proposal: MergeProposal) -> bool:
        assert ask is not None
        plan = proposal.plan
        listing = "".join(
            f"\n  {ids.short(c['id'])}  {' '.join(c['text'].split())}" for c in plan.others
        )
        survivor = plan.survivor
        return ask(
            f"Into {ids.short(survivor['id'])}  {' '.join(survivor['text'].split())}\n"
            f"merge:{listing}\n{_report(proposal)}. Merge?"
        )

    done = desk(ctx).merge(
        "claim", claims, confirm=None if ask is None else confirm, claimants=claimants
    )
    if done is None:
        declined()
    proposal, view = done
    emit.one(ctx, view, fmt, f"Merged into claim {ids.short(view['id'])}: {_report(proposal)}")


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
    fmt = output_format(ctx, fmt, quiet)
    if dry_run:
        _print_plan(desk(ctx).plan_merge("source", sources), fmt)
        return
    ask = confirmer(ctx, yes, verb="merge")

    def confirm(proposal: MergeProposal) -> bool:
        assert ask is not None
        plan = proposal.plan
        survivor = proposal.name(plan.survivor["id"])
        names = ", ".join(repr(proposal.name(o["id"])) for o in plan.others)
        question = f"Merge {names} into source {survivor!r}? ({_report(proposal)})"
        if plan.exposes:
            question = (
                f"{survivor!r} is public and {names} is not: "
                "after the merge the source is confidential, its name withheld wherever "
                f"it is cited.\n{question}"
            )
        return ask(question)

    done = desk(ctx).merge("source", sources, confirm=None if ask is None else confirm)
    if done is None:
        declined()
    proposal, merged = done
    view = cast("SourceView", merged)
    summary = f"Merged into source {ids.short(view['id'])} ({view['name']}): {_report(proposal)}"
    emit.one(ctx, view, fmt, summary, columns=SOURCE_COLUMNS)


def _report(proposal: MergeProposal) -> str:
    """What the merge does, in words: "2 claims merged, 3 links moved, 1 duplicate
    link folded"."""
    plan = proposal.plan
    others = len(plan.others)
    parts = [
        f"{others} {plan.kind}{'s' if others != 1 else ''} merged",
        f"{plan.moved} link{'s' if plan.moved != 1 else ''} moved",
    ]
    if plan.folded:
        parts.append(f"{plan.folded} duplicate link{'s' if plan.folded != 1 else ''} folded")
    if plan.left_out:
        parts.append(f"{len(plan.left_out)} said-by link(s) left out")
    if plan.exposes:
        parts.append(f"{proposal.name(plan.survivor['id'])!r} becomes confidential")
    return ", ".join(parts)


def _print_plan(proposal: MergeProposal, fmt: str) -> None:
    """``--dry-run``: the records the merge would absorb, then what it would do."""
    plan = proposal.plan
    report = _report(proposal)
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
