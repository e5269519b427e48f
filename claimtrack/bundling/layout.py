"""Where each thing lives in a story bundle, how its members are hashed and how they
are laid in the ZIP: one place for the writer and the checker (the WACZ 1.1.1 layout,
as py-wacz writes it)."""

from __future__ import annotations

import hashlib
import io
import stat
from collections.abc import Iterable

# The WACZ version written: the one py-wacz 0.5 and later write and validate.
WACZ_VERSION = "1.1.1"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
ARCHIVE = "archive/"
WARC_SUFFIX = ".warc.gz"
INDEX = "indexes/index.cdx.gz"
INDEX_SUMMARY = "indexes/index.idx"
PAGES = "pages/pages.jsonl"
RECORD = "claimtrack/record.json"
CLAIMS = "claimtrack/claims.jsonl"
CLAIMREVIEW = "claimtrack/claimreview.json"
TIMESTAMPS = "timestamps/"
# A timestamps sub-folder's separator in a member's name: py-wacz's validator matches
# a member to ``datapackage.json`` by its last two path parts only.
FOLDER_MARK = "--"
# The one hash of WACZ (``datapackage.json``'s ``hash``: "sha256:<hex>").
HASH = "sha256"


def hashed(data: bytes) -> str:
    """A member's hash as ``datapackage.json`` writes it."""
    return f"{HASH}:{hashlib.sha256(data).hexdigest()}"


def warc_member(sha256: str) -> str:
    return f"{ARCHIVE}{sha256}{WARC_SUFFIX}"


def snapshot_of(member: str) -> str:
    """The SHA-256 that names the snapshot of a WARC member (``warc_member``)."""
    return member[len(ARCHIVE) : -len(WARC_SUFFIX)]


def zipped(members: Iterable[tuple[str, bytes]], created: str) -> bytes:
    """The ZIP of ``members`` (path, bytes), in order, as claimtrack lays a bundle out:
    every member stored (WACZ requires it of the WARCs and the index; the rest is small
    next to them), dated ``created`` (``model.now``'s format), a regular file readable
    by all, made on Unix. Stored, not deflated, so that the same members give the same
    bytes whichever zlib the machine has: ``verify`` rebuilds the ZIP and compares."""
    import zipfile

    when = _zip_time(created)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as wacz:
        for path, data in members:
            info = zipfile.ZipInfo(path, when)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, wherever it is made: the same bytes everywhere
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            wacz.writestr(info, data)
    return out.getvalue()


def _zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    year, month, day = (int(part) for part in created[:10].split("-"))
    hour, minute, second = (int(part) for part in created[11:19].split(":"))
    return (max(year, 1980), month, day, hour, minute, second)  # ZIP dates start in 1980
