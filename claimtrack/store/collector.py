"""Pausing Python's cyclic garbage collector while many long-lived objects are made.

Kept apart from the rest of the store so that the launcher can use it before anything heavy is
imported.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while many objects are made that will live on.

    Parsing 100,000 claims makes millions of small dicts and lists, and the collector
    walks them again and again as they appear: it doubled the parse time. The records
    are JSON trees, which hold no cycles, so reference counting frees them all the same.
    Importing Typer is the same story on a smaller scale (5-20 % of start-up).
    Afterwards the objects are frozen, so that the collector does not walk them later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
