"""The ``claimtrack`` command itself: answers ``--version`` without loading the CLI.

Typer alone takes 50-100 ms to import; printing a version string needs none of it.
Everything else goes to ``claimtrack.cli.main``.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        if sys.argv[1:] == ["--version"]:
            from claimtrack import __version__

            sys.stdout.write(f"claimtrack {__version__}\n")  # as Typer's --version prints it
            sys.stdout.flush()
            return
        from claimtrack.store.collector import paused_gc

        with paused_gc():  # Typer's import makes some 100,000 objects that live on
            from claimtrack.cli import main as run
        try:
            run()
        finally:
            # Output still buffered meets a closed pipe here, where it is handled below,
            # not at interpreter exit, which would end with status 120.
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader of a pipe (head, less) went away: stop quietly, like other tools;
        # a change already saved is a success all the same.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        from claimtrack.cli.status import ExitStatus, Outcome  # loaded, unless for --version

        sys.exit(ExitStatus.SUCCESS if Outcome.committed else ExitStatus.ERROR)
