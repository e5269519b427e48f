"""The ``claimtrack`` command itself: answers ``--version`` without loading the CLI.

Typer alone takes 50-100 ms to import; printing a version string needs none of it.
Everything else goes to ``claimtrack.cli.main``.
"""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    try:
        if sys.argv[1:] == ["--version"]:
            from claimtrack import __version__

            sys.stdout.write(f"claimtrack {__version__}\n")  # as Typer's --version prints it
            sys.stdout.flush()
            return
        # Importing Typer makes some 100,000 objects, almost none of them garbage, and
        # the cyclic collector walks them again and again meanwhile: pausing it saves
        # 5-20 % of start-up. Frozen afterwards, they are never walked again.
        gc.disable()
        try:
            from claimtrack.cli import main as run
        finally:
            gc.freeze()
            gc.enable()
        run()
    except BrokenPipeError:
        # The reader of a pipe (head, less) went away: stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
