"""Where each thing lives in a story bundle, and how its members are hashed: one place
for the writer and the checker (the WACZ 1.1.1 layout, as py-wacz writes it)."""

from __future__ import annotations

import hashlib

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
