"""Commands about the database itself: init, db path, demo."""

import contextlib
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
from claimtrack.location import DB_FILENAME

db_app = typer.Typer(help="Where the database is.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db_app, name="db")


@app.command()
def init(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="Folder for claims.json (default: this one).")
    ] = Path("."),
) -> None:
    """Create claims.json in a folder, for one story or one desk.

    Commands run in that folder or below it use it (unless --db or $CLAIMTRACK_DB say
    otherwise). With --db, that file is created instead.

    \b
    Examples:
      mkdir serbia && cd serbia && claimtrack init
      claimtrack --db ~/desk/claims.json init
    """
    from claimtrack.db import Database

    explicit = settings(ctx).db
    path = Path(explicit).expanduser() if explicit else folder / DB_FILENAME
    path = path.absolute()
    if path.exists():
        with Database.open(path):  # refuses an unreadable file with a clear error
            pass
        typer.echo(f"{path} already exists; nothing changed.", err=True)
        return
    with Database.open(path, write=True, create=True):
        pass
    typer.echo(f"Created {path}", err=True)


@db_app.command("path")
def db_path(ctx: typer.Context) -> None:
    """Print the database file in use, and on stderr why it was chosen and where its
    index is.

    \b
    Example:
      claimtrack db path
    """
    from claimtrack.store.snapshot import describe_cache

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
