"""The least a Typer + Rich command line can cost: the floor under claimtrack's start-up.

    python benchmarks/floor.py --help      # a bare Typer app's help
    python benchmarks/floor.py table       # a 50-row Rich table of fixed text
    python benchmarks/floor.py tree        # a small Rich tree of fixed text
    python benchmarks/floor.py write FILE  # the least durable write of FILE (see below)
    python benchmarks/floor.py parse FILE  # FILE parsed once with orjson, no Typer

No database, no files, no claimtrack: only the libraries the project is built on, used
the way claimtrack uses them (`rich_markup_mode=None`, Rich imported in the command).
`run.py` times these beside claimtrack's `--help`, `list` and `show`: the difference is
what claimtrack itself costs, and the floor is what no code of ours can go under.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def parse(path: Path) -> None:
    """The floor of bulk work (issue 29): the file read and parsed once with orjson."""
    import orjson

    orjson.loads(path.read_bytes())


if __name__ == "__main__" and sys.argv[1:2] == ["parse"]:
    parse(Path(sys.argv[2]))
    raise SystemExit(0)

import typer  # noqa: E402  (not for the parse floor above, which is Python alone)

app = typer.Typer(rich_markup_mode=None, help="A bare Typer + Rich program.")


@app.command()
def table(rows: int = 50) -> None:
    """Print a Rich table of ROWS rows and five columns."""
    from rich.console import Console
    from rich.table import Table

    grid = Table("ID", "Status", "Claim", "Story", "Links")
    for row in range(rows):
        grid.add_row(f"{row:07d}", "unverified", f"A claim about {row} people", "story-1", "2")
    Console().print(grid)


@app.command()
def tree() -> None:
    """Print a Rich tree of eight nodes."""
    from rich.console import Console
    from rich.tree import Tree

    root = Tree("Claim 0000001 unverified")
    said = root.add("said by: Source 17")
    said.add("reported by: Source 60")
    root.add("supports: Source 40")
    for note in range(4):
        root.add(f"note {note}: Called the press office.")
    Console().print(root)


@app.command()
def write(path: Path) -> None:
    """The least durable write of PATH in claimtrack's design: the whole file copied in
    the kernel (copy_file_range) to a temporary file beside it with one 4 KB record
    changed, fsynced, renamed over PATH.floor, the folder fsynced. A bare Typer
    command doing it: what `add` and `edit` cannot go under."""
    target = path.with_name(path.name + ".floor")
    temporary = path.with_name(path.name + ".floor-tmp")
    size = path.stat().st_size
    with path.open("rb") as source, temporary.open("wb") as out:
        half = size // 2
        copied = 0
        while copied < half:
            copied += os.copy_file_range(source.fileno(), out.fileno(), half - copied)
        out.write(b" " * 4096)
        out.flush()
        while copied < size:
            copied += os.copy_file_range(source.fileno(), out.fileno(), size - copied)
        os.fsync(out.fileno())
    os.replace(temporary, target)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


if __name__ == "__main__":
    app()
