"""The command-line interface: a thin Typer layer over the core.

Importing this package registers every command; Rich and the heavier core modules are
imported inside the commands that need them, so `claimtrack --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from claimtrack.cli import (  # noqa: F401  (registers the commands)
    admin,
    claims,
    complete,
    evidence,
    extraction,
    interchange,
    keys,
    merging,
    record,
    similar,
    sources,
    team,
    workflow,
)
from claimtrack.cli.common import app

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

# Options of the main command, before the command's name; --db takes a value.
_FLAGS = frozenset({"--debug", "--no-color"})


def main() -> None:
    """Run the command line; the caller (``claimtrack.launch``) handles closed pipes."""
    from claimtrack.cli.context import fit_text_streams

    fit_text_streams()
    named = complete.shell_named(sys.argv[1:])
    if named is not None:
        complete.named_shell_completion(*named)
        return
    narrow(app, invoked(sys.argv[1:]))
    app(prog_name="claimtrack")


def invoked(args: list[str]) -> str | None:
    """The command's name, when the arguments plainly give one; else None."""
    rest = iter(args)
    for arg in rest:
        if arg == "--db":
            next(rest, None)
        elif not (arg.startswith("--db=") or arg in _FLAGS):
            return None if arg.startswith("-") else arg
    return None


def narrow(typer_app: typer.Typer, name: str | None) -> None:
    """Leave only the named command (or group) in ``typer_app``: Typer builds a Click
    command for every command it holds on every run, about 1 ms each, and one is
    enough to run one. Help, completion and unknown names keep them all."""
    if name is None or os.environ.get("_CLAIMTRACK_COMPLETE"):
        return
    from typer.main import get_command_name

    commands = [
        info
        for info in typer_app.registered_commands
        if (info.name or get_command_name(getattr(info.callback, "__name__", ""))) == name
    ]
    groups = [info for info in typer_app.registered_groups if info.name == name]
    if len(commands) + len(groups) == 1:
        typer_app.registered_commands = commands
        typer_app.registered_groups = groups
