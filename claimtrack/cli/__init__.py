"""The command-line interface: a thin Typer layer over the core.

Importing this package registers every command; Rich and the heavier core modules are
imported inside the commands that need them, so `claimtrack --help` starts fast.
"""

from __future__ import annotations

import os
import sys

from claimtrack.cli import (  # noqa: F401  (registers the commands)
    admin,
    claims,
    extraction,
    interchange,
    sources,
    team,
    workflow,
)
from claimtrack.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app(prog_name="claimtrack")
    except BrokenPipeError:
        # The reader of a pipe (head, less) went away: stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
