"""Working as a team through git: a merge driver for the database file."""

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from claimtrack.cli.common import app, fail, location

git_app = typer.Typer(
    help="Share the database through git without merge conflicts.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(git_app, name="git")

ATTRIBUTE = "merge=claimtrack"


def _git(args: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
        )
    except FileNotFoundError:
        fail("git is not installed")
    if result.returncode != 0:
        fail(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


@git_app.command("setup")
def git_setup(ctx: typer.Context) -> None:
    """Register claimtrack's merge driver for the database in this git repository.

    Adds '<database> merge=claimtrack' to .gitattributes (commit it), and a line marking
    the evidence folder's WARC files binary, and the driver to the repository's git
    config (which git does not copy: run this once in every clone).
    Afterwards 'git merge' and 'git pull' merge the database record by record and never
    leave conflict markers in it.

    \b
    Example:
      cd desk-repo && claimtrack init && claimtrack git setup
      git add .gitattributes claims.json && git commit -m "claims database"
    """
    db_path = location(ctx).path
    folder = db_path.parent
    if not folder.is_dir():
        fail(f"{folder} does not exist", "run claimtrack init first")
    root = Path(_git(["rev-parse", "--show-toplevel"], folder))
    try:
        relative = db_path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        fail(f"{db_path} is not inside the git repository {root}")
    attributes = root / ".gitattributes"
    from claimtrack.evidence.folder import WARC_SUFFIX, evidence_folder

    # Snapshots (claimtrack archive) are shared with the database; git must not diff them.
    warcs = f"{evidence_folder(Path(relative)).as_posix()}/*{WARC_SUFFIX} binary"
    for line in (f"{relative} {ATTRIBUTE}", warcs):
        existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        if line not in existing.splitlines():
            with attributes.open("a", encoding="utf-8") as handle:
                if existing and not existing.endswith("\n"):
                    handle.write("\n")
                handle.write(line + "\n")
    driver = f"{shlex.quote(sys.executable)} -m claimtrack merge-driver %O %A %B"
    _git(["config", "merge.claimtrack.name", "claimtrack: merge claims by record ID"], root)
    _git(["config", "merge.claimtrack.driver", driver], root)
    typer.echo(f"Merge driver set for {relative} in {root}.", err=True)
    typer.echo("Commit .gitattributes, and run 'claimtrack git setup' in every clone.", err=True)


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
    from claimtrack.interchange.merge import Merger
    from claimtrack.store.fileformat import dump, empty_data, parse
    from claimtrack.store.files import atomic_write

    versions = []
    for path in (base, ours, theirs):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}")
        # An empty ancestor means the file was added on both sides.
        versions.append(parse(raw, path) if raw.strip() else empty_data())
    merger = Merger(current_user())
    merged = merger.merge(*versions)
    atomic_write(ours.absolute(), dump(merged))
    typer.echo(f"claimtrack merged the database: {merger.report.summary()}", err=True)
