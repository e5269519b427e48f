"""The exit statuses of ``claimtrack``, one name for each number a script may test.

The numbers follow the shell's conventions (clig.dev; httpie's ``status.py``): 2 is what
Click gives a usage error, 130 is 128 + SIGINT, what a shell reports for a command stopped
by Ctrl-C. The epilog of ``claimtrack --help`` promises 0, 1 and 2.
"""

from enum import IntEnum


class ExitStatus(IntEnum):
    """How a command ended, as its exit code."""

    SUCCESS = 0  # done; an empty result is a success too
    ERROR = 1  # an error, a failed ``check``, a refused or declined deletion
    USAGE = 2  # a bad option or argument (Click's UsageError)
    INTERRUPTED = 130  # Ctrl-C


class Outcome:
    """What this run has done that its exit status must answer for: once a change is
    saved (``common.desk``), a reader of stdout that goes away (``claimtrack add ...
    | true``) does not make it a failure, or a script retrying on failure would make
    the change twice (``claimtrack.launch``)."""

    committed = False
