"""Errors the core raises; the CLI turns each into one ``Error: ...`` line and exit 1."""

from __future__ import annotations


class ClaimtrackError(Exception):
    """A failure the user can act on. ``hint`` is printed after the message."""

    def __init__(
        self, message: str, hint: str | None = None, details: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details or []


class NotFound(ClaimtrackError):
    pass


class Ambiguous(ClaimtrackError):
    pass


class DatabaseError(ClaimtrackError):
    """The database file cannot be read, parsed, locked or written."""


class ValidationError(ClaimtrackError):
    pass


class NotRecipient(ClaimtrackError):
    """A change to a sealed confidential source by a user who cannot open it."""
