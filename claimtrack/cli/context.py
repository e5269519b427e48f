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
    """Which of the standard streams are terminals, and whether stdout is a regular
    file (a shell's ``> file``: data no terminal shows)."""

    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    stdout_isfile: bool = False

    @classmethod
    def from_sys(cls) -> Environment:
        """The streams the process has now (a closed or missing one is no terminal)."""
        return cls(
            _isatty(sys.stdin), _isatty(sys.stdout), _isatty(sys.stderr), _isfile(sys.stdout)
        )


FALLBACK = "claimtrack-fallback"


def fit_text_streams() -> None:
    """Let stdout and stderr print any text in any locale: a character the locale's
    encoding lacks (``LC_ALL=C`` without Python's UTF-8 mode, ``en_US.ISO-8859-1``) is
    printed as its nearest form the encoding has ("ë" as "e", "…" as "...", a box line
    as Rich's ASCII box), else as "?", never as a crash. Machine formats do not pass
    here: they write UTF-8 bytes to ``sys.stdout.buffer`` (``common.stdout_bytes``)."""
    import codecs

    codecs.register_error(FALLBACK, _nearest)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding and not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=FALLBACK)


def as_printed(text: str) -> str:
    """``text`` as stdout will print it: in a locale whose encoding lacks some of its
    characters, with each replaced as ``fit_text_streams`` replaces it. Rich measures
    what it is given, so a table must be given this: an emoji (two cells) printed as a
    one-cell "?" would otherwise shift every column after it."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if encoding.lower().replace("_", "-").startswith("utf"):
        return text
    try:
        return text.encode(encoding, errors=FALLBACK).decode(encoding)
    except (LookupError, UnicodeError):  # no such codec, or the handler not registered
        return text


def _nearest(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler of ``fit_text_streams``."""
    import unicodedata

    if not isinstance(error, UnicodeEncodeError):
        raise error
    shown = []
    for char in error.object[error.start : error.end]:
        plain = unicodedata.normalize("NFKD", char)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        try:
            plain.encode(error.encoding)
        except UnicodeEncodeError:
            plain = "?"
        shown.append(plain or "?")
    return "".join(shown), error.end


def _isatty(stream: IO[Any] | None) -> bool:
    if stream is None:
        return False
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def _isfile(stream: IO[Any] | None) -> bool:
    import os
    import stat

    try:
        return stream is not None and stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # closed, or no descriptor (a test's)
        return False
