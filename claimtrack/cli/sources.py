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
    confirm_destruction,
    no_color,
    open_db,
    output_format,
)
from claimtrack.interchange.formats import SOURCE_COLUMNS
from claimtrack.model import SOURCE_KINDS

if TYPE_CHECKING:
    from claimtrack.views import SourceDetailView, SourceView

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
    reason: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why anonymity was granted.")
    ] = None,
    approved_by: Annotated[
        str | None,
        typer.Option("--approved-by", metavar="NAME", help="The editor who approved anonymity."),
    ] = None,
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
    from claimtrack.query import Presenter, source_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=True) as db:
        source = db.add_source(
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
        view = source_view(source, Presenter(db))
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
    from claimtrack.query import Presenter, source_view, sources_sorted

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx) as db:
        presenter = Presenter(db, reveal=reveal)
        chosen = sources_sorted(db.source_list(), presenter.disclosure)
        if kind:
            chosen = [s for s in chosen if s["kind"] == kind.strip().lower()]
        views = [source_view(s, presenter) for s in chosen]
    if search:
        needle = search.casefold()
        views = [
            v
            for v in views
            if needle in " ".join([v["name"], *v["aliases"], v.get("role") or ""]).casefold()
        ]
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
    from claimtrack.query import Presenter, claim_view, source_claims, source_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx) as db:
        presenter = Presenter(db, reveal=reveal)
        found = db.get_source(source)
        summary = source_view(found, presenter)
        cited = source_claims(found, db, presenter)
        view: SourceDetailView = {
            **summary,
            "cited_by": [
                {"relation": relation, **claim_view(claim, presenter)} for relation, claim in cited
            ],
        }
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
    reason: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why anonymity was granted.")
    ] = None,
    approved_by: Annotated[
        str | None,
        typer.Option("--approved-by", metavar="NAME", help="The editor who approved anonymity."),
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Change a source's name, kind, role, URL, aliases or notes.

    \b
    Examples:
      claimtrack source edit "pro-democracy Russian activists" --kind organisation
      claimtrack source edit "Associated Press" --add-alias AP
    """
    from claimtrack.query import Presenter, source_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=True) as db:
        updated = db.edit_source(
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
        view = source_view(updated, Presenter(db))
    emit.one(ctx, view, fmt, _summary("Edited", view), columns=SOURCE_COLUMNS)


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
    from claimtrack.query import Presenter

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=True) as db:
        found = db.get_source(source)
        presenter = Presenter(db)
        cited = len(presenter.source_links(found["id"]))
        confirm_destruction(
            ctx,
            f"Delete source {presenter.name(found['id'])!r} and its {cited} link(s) to claims?",
            yes,
        )
        removed, links = db.remove_source(found["id"])
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
