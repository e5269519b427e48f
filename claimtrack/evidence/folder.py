"""The evidence folder: snapshots kept beside the database, named by their SHA-256.

``claims.json``'s folder is ``claims.evidence/`` (the database's name, ``.evidence``
for its suffix), created readable by its owner only. A snapshot is two files named by
a SHA-256 of the address fetched and the page's body (``snapshot_digest``):

- ``<sha256>.warc.gz``: the fetch as WARC records (ISO 28500, written by warcio): a
  ``warcinfo`` record, the ``request`` and the ``response`` with its headers and body;
  any WARC tool (warcio, pywb, replayweb.page) reads and replays it.
- ``<sha256>.txt``: the page's main text (UTF-8), for ``claimtrack evidence``, ``grep``
  and the quote check.

The name is the content's: two links to one address, or the same unchanged page
archived twice, share one pair of files, and a file once written never changes (git keeps one
copy, diffs stay small). Files are written atomically and owner-only
(``store.files.atomic_write``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from pathlib import Path
from urllib.parse import urlsplit

from claimtrack import __version__
from claimtrack.errors import ClaimtrackError
from claimtrack.evidence.fetch import Page
from claimtrack.store.files import atomic_write

SUFFIX = ".evidence"
WARC_SUFFIX = ".warc.gz"
TEXT_SUFFIX = ".txt"


def evidence_folder(db_path: Path) -> Path:
    """Where the snapshots of the database at ``db_path`` live: ``claims.evidence``
    beside ``claims.json``."""
    return db_path.with_name(db_path.stem + SUFFIX)


def snapshot_digest(page: Page) -> str:
    """The SHA-256 that names a snapshot: of the address asked for, the final address
    and the body. Two links to one address share a snapshot; two addresses that serve
    the same bytes do not, so a snapshot never shows one link another link's address
    (which, for a confidential source's link, would say where its words came from)."""
    digest = hashlib.sha256()
    for part in (page.requested.encode(), page.url.encode(), page.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class EvidenceFolder:
    """The snapshot files of one database (``evidence_folder``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def of(cls, db_path: Path) -> EvidenceFolder:
        return cls(evidence_folder(db_path))

    def warc_path(self, sha256: str) -> Path:
        return self.path / (sha256 + WARC_SUFFIX)

    def text_path(self, sha256: str) -> Path:
        return self.path / (sha256 + TEXT_SUFFIX)

    def has(self, sha256: str) -> bool:
        return self.warc_path(sha256).is_file() and self.text_path(sha256).is_file()

    def keep(self, page: Page, text: str) -> str:
        """Keep ``page`` and its main ``text`` (unless the same snapshot is kept
        already); returns its SHA-256 (``snapshot_digest``). Raises ``ClaimtrackError`` when the
        folder cannot be written."""
        sha256 = snapshot_digest(page)
        self._make()
        if not self.warc_path(sha256).is_file():
            atomic_write(self.warc_path(sha256), warc_bytes(page, sha256))
        if not self.text_path(sha256).is_file():
            atomic_write(self.text_path(sha256), text.encode("utf-8"))
        return sha256

    def text(self, sha256: str) -> str:
        """The kept main text. Raises ``ClaimtrackError`` when the file is not here (a
        colleague archived it and it was not shared, or it was deleted)."""
        path = self.text_path(sha256)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ClaimtrackError(
                f"snapshot {sha256[:12]} is not in {self.path}",
                "'git pull' if a colleague archived it, or 'claimtrack archive --again'",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ClaimtrackError(f"cannot read {path}: {exc}") from None

    def _make(self) -> None:
        if self.path.is_dir():
            # Owner-only whatever made it: git (a clone makes folders 0755) or an editor.
            with contextlib.suppress(OSError):
                os.chmod(self.path, 0o700)
            return
        try:
            self.path.mkdir(mode=0o700, parents=False, exist_ok=True)
            os.chmod(self.path, 0o700)  # whatever the umask: snapshots are the desk's
        except OSError as exc:
            raise ClaimtrackError(f"cannot create {self.path}: {exc.strerror}") from None


def warc_bytes(page: Page, sha256: str) -> bytes:
    """``page`` as a gzipped WARC file: warcinfo, request and response records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    date = page.at[:19] + "Z"  # WARC-Date: ISO 8601 UTC, seconds
    info = writer.create_warcinfo_record(
        sha256 + WARC_SUFFIX,
        {"software": f"claimtrack {__version__}", "format": "WARC File Format 1.1"},
    )
    info.rec_headers.replace_header("WARC-Date", date)
    writer.write_record(info)
    version = page.http_version if page.http_version.startswith("HTTP/") else "HTTP/1.1"
    parts = urlsplit(page.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = writer.create_warc_record(
        page.url,
        "request",
        payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(
            f"GET {target} {version}", page.request_headers, is_http_request=True
        ),
        warc_headers_dict={"WARC-Date": date},
    )
    response = writer.create_warc_record(
        page.url,
        "response",
        payload=io.BytesIO(page.body),
        http_headers=StatusAndHeaders(
            f"{page.status} {page.reason}".strip(), page.headers, protocol=version
        ),
        warc_headers_dict={"WARC-Date": date},
    )
    request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers["WARC-Record-ID"])
    writer.write_record(request)
    writer.write_record(response)
    return out.getvalue()
