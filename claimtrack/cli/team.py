"""Working as a team through git: a merge driver for the database file."""

import shlex
import sys
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from claimtrack.cli.common import app, fail, location

git_app = typer.Typer(
    help="Share the database through git without merge conflicts.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(git_app, name="git")


@git_app.command("setup")
def git_setup(ctx: typer.Context) -> None:
    """Register claimtrack's merge driver for the database in this git repository.

    Adds '<database> merge=claimtrack' to .gitattributes, lines marking the evidence
    folder's WARC files and the timestamp tokens binary, and one merging the tokens'
    index.jsonl line by line (two clones that both seal keep both tokens); adds the
    database's lock files to .gitignore
    (commit both); and sets the driver in the repository's git config (which git does
    not copy: run this once in every clone). Running it again changes nothing.
    Afterwards 'git merge' and 'git pull' merge the database record by record and never
    leave conflict markers in it.

    \b
    Example:
      cd desk-repo && claimtrack init && claimtrack git setup
      git add .gitattributes .gitignore claims.json && git commit -m "claims database"
    """
    from claimtrack.evidence.folder import WARC_SUFFIX, evidence_folder
    from claimtrack.git.repo import Repository
    from claimtrack.integrity.timestamps import INDEX, folder_of

    repo = Repository.of(location(ctx).path)
    driver = f"{shlex.quote(sys.executable)} -m claimtrack merge-driver %O %A %B"
    # Snapshots (claimtrack archive) are shared with the database; git must not diff them.
    evidence = evidence_folder(Path(repo.database)).as_posix()
    warcs = repo.attribute_line(PurePosixPath(evidence), "binary", glob=f"/*{WARC_SUFFIX}")
    # Tokens (claimtrack seal): two clones that both seal each add a line to the index
    # at the same place; git's union merge keeps both (every line stands alone).
    stamps = folder_of(Path(repo.database)).as_posix()
    index = repo.attribute_line(PurePosixPath(stamps) / INDEX, "merge=union")
    tokens = repo.attribute_line(PurePosixPath(stamps), "binary", glob="/*.tsr")
    report = repo.setup(driver, [warcs, index, tokens])
    typer.echo(f"Merge driver set for {repo.database} in {repo.root}.", err=True)
    for name in report.untracked:
        typer.echo(f"git no longer tracks {name} (kept on disk).", err=True)
    if report.edited or report.untracked:
        changed = ", ".join([*report.edited, *(f"{n} (removed)" for n in report.untracked)])
        typer.echo(f"Commit {changed}; run 'claimtrack git setup' in every clone.", err=True)
    else:
        typer.echo("Already set up: nothing to commit.", err=True)
    typer.echo(
        "Note: git keeps no file modes: in a clone or after a pull the database is "
        "readable by every user of that computer (0644) until claimtrack's next write "
        "makes it owner-only (0600) again; confidential sources are safe only sealed "
        "('claimtrack keys add')",
        err=True,
    )


@git_app.command("resolve")
def git_resolve(
    ctx: typer.Context,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Merge even when the file holds no conflict markers (a hand edit)."
        ),
    ] = False,
) -> None:
    """Merge a database that git left with conflict markers, and stage it.

    For a merge or pull that stopped with 'CONFLICT (content): Merge conflict in
    claims.json' (a clone where 'claimtrack git setup' was not run): merges the three
    versions git keeps (common ancestor, ours, theirs) record by record, as the merge
    driver would have, writes the result and runs 'git add' on it. Finish with 'git
    commit', and run 'claimtrack git setup' so the next merge needs no help.

    \b
    Example:
      git pull               # CONFLICT (content): Merge conflict in claims.json
      claimtrack git resolve && git commit --no-edit
    """
    from claimtrack.db import current_user
    from claimtrack.git.repo import Repository

    repo = Repository.of(location(ctx).path)
    report = repo.resolve(current_user(), force=force)
    typer.echo(f"Resolved {repo.database}: {report.summary()}.", err=True)
    typer.echo("Staged it: finish the merge with 'git commit'.", err=True)


@app.command("merge-driver")
def merge_driver(
    base: Annotated[Path, typer.Argument(metavar="BASE", help="The common ancestor (%O).")],
    ours: Annotated[
        Path, typer.Argument(metavar="OURS", help="Our version, replaced by the result (%A).")
    ],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", help="Their version (%B).")],
) -> None:
    """Merge two versions of a database three ways, by record ID (git runs this).

    Records added on either side are kept; a field changed on one side takes that
    side's value; a field changed on both takes the later edit and records the other in
    the history; notes, aliases, links and history are combined; a deletion wins over an
    untouched record but not over an edited one (kept and tagged 'merge-kept').

    \b
    Example (what git runs after 'claimtrack git setup'):
      claimtrack merge-driver %O %A %B
    """
    from claimtrack.db import current_user
    from claimtrack.git.driver import merge_versions
    from claimtrack.store.files import atomic_write

    def read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}")

    merged, report = merge_versions(
        read(base), read(ours), read(theirs), current_user(), (base, ours, theirs)
    )
    atomic_write(ours.absolute(), merged)
    typer.echo(f"claimtrack merged the database: {report.summary()}", err=True)
