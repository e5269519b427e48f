"""The terminal a command runs in, as one object the CLI is handed (httpie's
``context.Environment``).

Whether stdin, stdout and stderr are terminals decides a command's defaults: a table or
JSON Lines, a question or a refusal, a progress bar or none. The CLI asks this object,
made from ``sys`` when the command starts, never ``isatty()`` itself; so a test passes
a fake terminal (``CliRunner().invoke(app, args, obj=Environment(stdin_isatty=True))``)
instead of patching functions.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Environment:
    """Which of the standard streams are terminals."""

    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False

    @classmethod
    def from_sys(cls) -> Environment:
        """The streams the process has now (a closed or missing one is no terminal)."""
        return cls(_isatty(sys.stdin), _isatty(sys.stdout), _isatty(sys.stderr))


def _isatty(stream: IO[Any] | None) -> bool:
    if stream is None:
        return False
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False
