"""The ``claimtrack`` command itself: answers ``--version``, and a help page kept from
an earlier run (``help_pages``), without loading the CLI.

Typer alone takes 50-100 ms to import; printing a version string or a page printed
before needs none of it. Everything else goes to ``claimtrack.cli.main``. Nothing here
imports ``__future__`` (``help_pages`` says why).
"""

import io
import os
import sys


class _ClosedStdout(io.RawIOBase):
    """What ``sys.stdout`` writes to when the shell closed it (``claimtrack add x >&-``):
    every write fails as a pipe without a reader does, so a closed stdout is handled as
    one, below (a saved change is a success; nothing else reaches the user)."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        import errno

        raise BrokenPipeError(errno.EPIPE, "standard output is closed")

    def fileno(self) -> int:
        return 1  # /dev/null: ``_guard_closed_stdout`` put it there


def _guard_closed_stdout() -> bool:
    """With file descriptor 1 closed, Python sets ``sys.stdout`` to None, and the first
    file a command opens (the database's lock, the database) would be given descriptor
    1, where a child process such as git writes its output. Keep descriptor 1 taken
    (by /dev/null) and make writes to stdout fail as to a closed pipe. True if it was
    closed."""
    if sys.stdout is not None:
        return False
    fd = os.open(os.devnull, os.O_WRONLY)
    if fd != 1:
        os.dup2(fd, 1)
        os.close(fd)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_ClosedStdout()), encoding="utf-8")
    return True


def main() -> None:
    closed = _guard_closed_stdout()
    try:
        if sys.argv[1:] == ["--version"]:
            from claimtrack import __version__

            sys.stdout.write(f"claimtrack {__version__}\n")  # as Typer's --version prints it
            sys.stdout.flush()
            return
        args = sys.argv[1:]
        page = False
        if not closed and args[-1:] in (["--help"], ["-h"]):  # not imported for the rest
            from claimtrack.launch import help_pages

            page = help_pages.asked_for(args)
            if page and help_pages.print_kept(args):
                return
        from claimtrack.store.collector import paused_gc

        with paused_gc():  # Typer's import makes some 100,000 objects that live on
            from claimtrack.cli import main as run
        try:
            if page:
                help_pages.record(args, run)  # printed as ever, and kept
            else:
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
        if closed:  # what is still buffered would fail again at the interpreter's exit
            sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        from claimtrack.cli.status import ExitStatus, Outcome  # loaded, unless for --version

        if closed and not Outcome.committed:
            sys.stderr.write("Error: standard output is closed; nothing was printed\n")
        sys.exit(ExitStatus.SUCCESS if Outcome.committed else ExitStatus.ERROR)
