"""Commands about the database itself: init, db path, demo."""

import contextlib
import shlex
from pathlib import Path
from typing import Annotated

import typer

from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    app,
    location,
    output_format,
    settings,
)
from claimtrack.location import DB_ENV

db_app = typer.Typer(help="Where the database is.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db_app, name="db")


@app.command()
def init(
    ctx: typer.Context,
    target: Annotated[
        Path | None,
        typer.Argument(
            metavar="PATH",
            help="Folder for claims.json (default: this one), or the database file itself "
            "when it ends in .json.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create claims.json in a folder, for one story or one desk.

    Commands run in that folder or below it use it (unless --db or $CLAIMTRACK_DB say
    otherwise: then it warns). A PATH ending in .json is the database file to create,
    which commands use when named with --db or $CLAIMTRACK_DB. With --db and no PATH,
    that file is created.

    \b
    Examples:
      mkdir serbia && cd serbia && claimtrack init
      claimtrack init ~/desk/serbia.json
      claimtrack --db ~/desk/claims.json init
    """
    from claimtrack.db import Database
    from claimtrack.location import init_target, used_instead

    explicit = settings(ctx).db
    if explicit and target is not None:
        raise typer.BadParameter(
            "give the new database's path with --db or as PATH, not both",
            param_hint="'PATH'",
        )
    path = init_target(target or Path(".")) if not explicit else location(ctx).path
    if path.exists():
        with Database.open(path):  # refuses an unreadable file with a clear error
            pass
        typer.echo(f"{path} already exists; nothing changed.", err=True)
    else:
        with Database.open(path, write=True, create=True):
            pass
        typer.echo(f"Created {path}", err=True)
    other = used_instead(path, explicit)
    if other is not None:
        named = shlex.quote(str(path))
        how = f"unset {DB_ENV}, or " if other.reason == f"${DB_ENV}" else ""
        typer.echo(
            f"Warning: commands run in {path.parent} use {other.path} ({other.reason}), "
            f"not this file; {how}name it with --db {named} or {DB_ENV}={named}",
            err=True,
        )


@db_app.command("path")
def db_path(ctx: typer.Context) -> None:
    """Print the database file in use, and on stderr why it was chosen and where its
    index is.

    \b
    Example:
      claimtrack db path
    """
    from claimtrack.store.build import describe_cache

    found = location(ctx)
    typer.echo(str(found.path))
    exists = "" if found.path.exists() else " (not created yet)"
    typer.echo(f"chosen by: {found.reason}{exists}", err=True)
    index = describe_cache(found.path)
    if index is not None:
        typer.echo(f"index: {index}", err=True)


@app.command()
def demo(
    ctx: typer.Context,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Load the seed article's claims into a demo database and list them.

    The demo uses a database of its own in your data folder, made afresh each run;
    your real database is never touched unless you name it with --db.

    \b
    Examples:
      claimtrack demo
      claimtrack --db /tmp/demo.json demo --format json | jq length
    """
    from claimtrack.cli.claims import list_claims
    from claimtrack.db import Database
    from claimtrack.demo import load_demo
    from claimtrack.location import demo_location

    output_format(ctx, fmt, quiet)  # reject a bad --format before doing any work
    explicit = settings(ctx).db
    target = demo_location(explicit)
    if explicit is None:
        with contextlib.suppress(FileNotFoundError):
            target.path.unlink()
    with Database.open(target.path, write=True, create=True) as db:
        loaded = load_demo(db)
    settings(ctx).db = str(target.path)
    typer.echo(
        f"Demo database {target.path}: {loaded}.\nTry: claimtrack --db {target.path} show <ID>",
        err=True,
    )
    ctx.invoke(list_claims, ctx=ctx, show_all=True, fmt=fmt, quiet=quiet)
