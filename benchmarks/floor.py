"""The least a Typer + Rich command line can cost: the floor under claimtrack's start-up.

    python benchmarks/floor.py --help      # a bare Typer app's help
    python benchmarks/floor.py table       # a 50-row Rich table of fixed text
    python benchmarks/floor.py tree        # a small Rich tree of fixed text

No database, no files, no claimtrack: only the libraries the project is built on, used
the way claimtrack uses them (`rich_markup_mode=None`, Rich imported in the command).
`run.py` times these beside claimtrack's `--help`, `list` and `show`: the difference is
what claimtrack itself costs, and the floor is what no code of ours can go under.
"""

from __future__ import annotations

import typer

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


if __name__ == "__main__":
    app()
