"""Commands on sources: source add, list, show, edit, rm."""

from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import complete, emit
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    RevealOption,
    YesOption,
    app,
    confirmer,
    declined,
    desk,
    no_color,
    output_format,
)
from claimtrack.exporting.formats import SOURCE_COLUMNS
from claimtrack.model import SOURCE_KINDS

if TYPE_CHECKING:
    from claimtrack.operations import SourceRemoval
    from claimtrack.views import SourceView

source_app = typer.Typer(
    help="People, organisations, publications, documents and datasets that claims cite.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(source_app, name="source")

SourceArg = Annotated[
    str,
    typer.Argument(
        metavar="SOURCE", help="Source name, alias or ID prefix.", click_type=complete.SOURCE
    ),
]
KIND_HELP = "One of: " + ", ".join(SOURCE_KINDS) + "."
# A confidential source's record of why (``source add`` and ``source edit``).
ReasonOption = Annotated[
    str | None, typer.Option(metavar="TEXT", help="Why anonymity was granted.")
]
ApprovedByOption = Annotated[
    str | None,
    typer.Option("--approved-by", metavar="NAME", help="The editor who approved anonymity."),
]


def _summary(verb: str, view: "SourceView") -> str:
    return f"{verb} source {ids.short(view['id'])}: {view['name']} ({view['kind']})"


@source_app.command("add")
def source_add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The source's name as you will cite it.")
    ],
    kind: Annotated[
        str, typer.Option(metavar="KIND", help=KIND_HELP, click_type=complete.KIND)
    ] = "unknown",
    role: Annotated[str | None, typer.Option(metavar="TEXT", help="Role or affiliation.")] = None,
    url: Annotated[str | None, typer.Option(metavar="URL", help="Home page or profile.")] = None,
    alias: Annotated[
        list[str] | None,
        typer.Option("--alias", metavar="NAME", help="Another name, e.g. AP (repeatable)."),
    ] = None,
    notes: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Anything worth knowing.")
    ] = None,
    confidential: Annotated[
        bool, typer.Option("--confidential", help="Anonymous in print: kept out of output.")
    ] = False,
    reason: ReasonOption = None,
    approved_by: ApprovedByOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Add a source.

    \b
    Examples:
      claimtrack source add "Associated Press" --kind publication --alias AP --url https://apnews.com
      claimtrack source add "Predrag Petrovic" --kind person \\
          --role "Research Coordinator, Belgrade Centre for Security Policy"
    """
    fmt = output_format(ctx, fmt, quiet)
    view = desk(ctx).add_source(
        name,
        kind=kind,
        role=role,
        url=url,
        aliases=alias or [],
        notes=notes,
        confidential=confidential,
        reason=reason,
        approved_by=approved_by,
    )
    emit.one(ctx, view, fmt, _summary("Added", view), columns=SOURCE_COLUMNS)


@source_app.command("list")
def source_list(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Option(metavar="KIND", help="Only this kind.", click_type=complete.KIND)
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-S", metavar="TEXT", help="Text in the name, alias or role."),
    ] = None,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """List sources by name, with how many claims cite each.

    \b
    Examples:
      claimtrack source list
      claimtrack source list --kind person --format csv > people.csv
    """
    fmt = output_format(ctx, fmt, quiet)
    views = desk(ctx).list_sources(kind=kind, search=search, reveal=reveal)
    emit.sources(ctx, views, fmt)


@source_app.command("show")
def source_show(
    ctx: typer.Context,
    source: SourceArg,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Show a source and every claim that cites it.

    \b
    Examples:
      claimtrack source show "Associated Press"
      claimtrack source show AP --format json | jq '.cited_by[].id'
    """
    fmt = output_format(ctx, fmt, quiet)
    view, cited = desk(ctx).show_source(source, reveal=reveal)
    if fmt == "table":
        from claimtrack.cli import render

        render.source_detail(view, cited, no_color(ctx))
    else:
        emit.one(ctx, view, fmt, "", columns=SOURCE_COLUMNS)


@source_app.command("edit")
def source_edit(
    ctx: typer.Context,
    source: SourceArg,
    name: Annotated[str | None, typer.Option(metavar="NAME", help="New name.")] = None,
    kind: Annotated[
        str | None, typer.Option(metavar="KIND", help=KIND_HELP, click_type=complete.KIND)
    ] = None,
    role: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Role or affiliation ('' clears).")
    ] = None,
    url: Annotated[str | None, typer.Option(metavar="URL", help="URL ('' clears).")] = None,
    add_alias: Annotated[
        list[str] | None, typer.Option("--add-alias", metavar="NAME", help="Add an alias.")
    ] = None,
    rm_alias: Annotated[
        list[str] | None, typer.Option("--rm-alias", metavar="NAME", help="Remove an alias.")
    ] = None,
    notes: Annotated[str | None, typer.Option(metavar="TEXT", help="Notes ('' clears).")] = None,
    confidential: Annotated[
        bool | None,
        typer.Option("--confidential/--public", help="Mark as anonymous in print, or not."),
    ] = None,
    reason: ReasonOption = None,
    approved_by: ApprovedByOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Change a source's name, kind, role, URL, aliases or notes.

    \b
    Examples:
      claimtrack source edit "pro-democracy Russian activists" --kind organisation
      claimtrack source edit "Associated Press" --add-alias AP
    """
    fmt = output_format(ctx, fmt, quiet)
    edited = desk(ctx).edit_source(
        source,
        name=name,
        kind=kind,
        role=role,
        url=url,
        add_aliases=add_alias or [],
        remove_aliases=rm_alias or [],
        notes=notes,
        confidential=confidential,
        reason=reason,
        approved_by=approved_by,
    )
    view = edited.view
    emit.one(ctx, view, fmt, _summary("Edited", view), columns=SOURCE_COLUMNS)
    if edited.made_confidential:
        from claimtrack.cli.keys import PURGE_NOTE

        if edited.sealed:
            typer.echo(
                "Note: the source is sealed from now on; " + PURGE_NOTE[len("Note: ") :],
                err=True,
            )
        else:
            typer.echo(
                "Note: the database has no recipients, so the source is withheld from output "
                "but not sealed in the file ('claimtrack keys add' seals it)",
                err=True,
            )


@source_app.command("confirm")
def source_confirm(
    ctx: typer.Context,
    source: SourceArg,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name to check ('-': stdin).")],
) -> None:
    """Check whether a sealed confidential source is the person NAME, without printing
    the name: prints 'yes' (exit 0) or 'no' (exit 1). For a recipient only.

    \b
    Example:
      claimtrack source confirm 3f9k2ab "the name the editor asks about"
    """
    from claimtrack.cli.common import read_text

    same = desk(ctx).confirm_source(source, read_text(name, "name"))
    typer.echo("yes" if same else "no")
    if not same:
        raise typer.Exit(1)


@source_app.command("rm")
def source_rm(
    ctx: typer.Context,
    source: SourceArg,
    yes: YesOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Delete a source and its links to claims (asks first on a terminal).

    \b
    Example:
      claimtrack source rm "Duplicate Agency" --yes
    """
    from claimtrack.confidential import is_confidential, withhold_source

    fmt = output_format(ctx, fmt, quiet)
    ask = confirmer(ctx, yes)

    def confirm(asked: "SourceRemoval") -> bool:
        assert ask is not None
        return ask(f"Delete source {asked.name!r} and its {asked.links} link(s) to claims?")

    done = desk(ctx).remove_source(source, confirm=None if ask is None else confirm)
    if done is None:
        declined()
    removed, links = done
    view: SourceView = {
        **(withhold_source(removed) if is_confidential(removed) else removed),
        "claims": len({k["claim"] for k in links}),
    }
    emit.one(
        ctx,
        view,
        fmt,
        f"Deleted source {ids.short(removed['id'])}: {view['name']} and {len(links)} link(s)",
        columns=SOURCE_COLUMNS,
    )
