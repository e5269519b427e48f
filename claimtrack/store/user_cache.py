"""claimtrack's folder in the user's cache, where the index (``store.index``) and the
kept help pages (``launch.help_pages``) live, and what in it may be trusted.

One rule of each, for both. This module imports only ``os`` and ``sys`` (not even
``__future__``), which the interpreter has loaded before any of claimtrack: the
launcher finds a kept help page through it before anything else is imported
(docs/performance.md, "Start-up: help pages kept in the cache"), and ``store.files``
gives the same folder as a ``Path``.
"""

import os
import sys


def folder() -> str:
    """claimtrack's folder in the user's cache, as an absolute path.

    On Linux, as the XDG Base Directory Specification sets it: ``$XDG_CACHE_HOME/claimtrack``,
    or ``~/.cache/claimtrack`` where that variable is unset, empty or relative (the
    specification says to ignore a relative one). Elsewhere, and for a home that is not
    an absolute path, platformdirs' answer, which is the same on Linux (a test holds
    the two together): importing platformdirs cost every command that opens a large
    database about 4 % of its start-up (docs/performance.md)."""
    android = hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in os.environ
    if sys.platform.startswith("linux") and not android:
        cache = os.environ.get("XDG_CACHE_HOME", "")
        if os.path.isabs(cache):
            return os.path.join(cache, "claimtrack")
        if os.path.isabs(os.environ.get("HOME", "")):
            return os.path.join(os.path.expanduser("~/.cache"), "claimtrack")
    from platformdirs import user_cache_dir

    return user_cache_dir("claimtrack", appauthor=False)


def owned_privately(found: os.stat_result) -> bool:
    """Whether what ``found`` describes (``os.stat``) was made by this user and no one
    else may change it (DESIGN: a cache is never used when another user could have
    written it)."""
    if not hasattr(os, "geteuid"):
        return True  # Windows: the profile folder's permissions protect the cache
    return found.st_uid == os.geteuid() and not found.st_mode & 0o022
