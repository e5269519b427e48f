"""A frozen clock for tests: claimtrack reads the time through ``model.utc_now`` only.

``freeze(monkeypatch, moment)`` makes the whole program (timestamps it stores, dates
typed in words, "today" in filters) live at ``moment``. The clock still moves forward by
``step`` on every reading, so the events of successive commands keep their order, and a
run is reproducible: the same commands read the same times.

Tests that run claimtrack as a real process cannot reach this seam; they freeze the
process's clock with libfaketime instead (``faketime_env``).
"""

from __future__ import annotations

import datetime as dt
import glob
import os

import pytest

from claimtrack import model

# A Tuesday morning, far from any day boundary in the zones the tests use (UTC,
# Los Angeles, Kiritimati): what "today" is does not depend on where the test runs.
FROZEN = dt.datetime(2025, 3, 4, 10, 0, 0, tzinfo=dt.UTC)


class Clock:
    """The moment, moving forward by ``step`` each time it is read."""

    def __init__(self, start: dt.datetime, step: dt.timedelta) -> None:
        self.moment = start
        self.step = step

    def __call__(self) -> dt.datetime:
        now = self.moment
        self.moment += self.step
        return now


def freeze(
    monkeypatch: pytest.MonkeyPatch,
    start: dt.datetime = FROZEN,
    step: dt.timedelta = dt.timedelta(milliseconds=1),
) -> Clock:
    """Replace claimtrack's clock with one starting at ``start``; returns it."""
    clock = Clock(start, step)
    monkeypatch.setattr(model, "utc_now", clock)
    return clock


def libfaketime() -> str | None:
    """The path of libfaketime's preload library, or None where it is not installed
    (Debian package ``faketime``; CI installs it)."""
    for pattern in (
        "/usr/lib/*/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
        "/usr/local/lib/faketime/libfaketime.so.1",
    ):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def faketime_env(moment: dt.datetime, zone: str = "UTC") -> dict[str, str]:
    """Environment variables that start a real process's clock at ``moment`` (and let it
    run on from there), in the time zone ``zone`` (set as ``TZ``: libfaketime reads an
    absolute time as local time). Skips the test where libfaketime is missing: CI
    installs it and fails on any skipped test."""
    from zoneinfo import ZoneInfo

    library = libfaketime()
    if library is None:
        pytest.skip("libfaketime is not installed (apt-get install faketime)")
    preload = " ".join(p for p in (library, os.environ.get("LD_PRELOAD", "")) if p)
    stamp = moment.astimezone(ZoneInfo(zone)).strftime("@%Y-%m-%d %H:%M:%S")
    return {"LD_PRELOAD": preload, "FAKETIME": stamp, "TZ": zone}
