"""The evidence folder: snapshots kept beside the database, named by their SHA-256.

``claims.json``'s folder is ``claims.evidence/`` (the database's name, ``.evidence``
for its suffix), created readable by its owner only. A snapshot is two files named by
a SHA-256 of the address asked for, the final address and the page's body
(``snapshot_digest``):

- ``<sha256>.warc.gz``: the fetch as WARC/1.0 records (ISO 28500, written by warcio):
  a ``warcinfo`` record, then for each redirect on the way and for the page itself a
  ``request`` and its ``response`` (with ``WARC-IP-Address``), so a replay tool (pywb,
  replayweb.page) answers for the address the claim cites as well as for the final
  one. WARC/1.0, not 1.1: 1.1 adds only sub-second dates, and warctools and other
  older readers cannot read it.
- ``<sha256>.txt``: the page's main text (UTF-8), for ``claimtrack evidence``, ``grep``
  and the quote check.

The name is the content's: two links to one address, or the same unchanged page
archived twice, share one pair of files, and a file once written never changes (git
keeps one copy, diffs stay small). Files are written atomically and owner-only
(``store.files.atomic_write``).

Every read checks what it reads (``problem``, ``checked_text``, ``checked_warc``): the
WARC's page must give back the SHA-256 it is named by, the text the SHA-256 its link
recorded; a file that is a symbolic link, or not a regular file, is never followed
(``O_NOFOLLOW``). A snapshot changed or planted after archiving is reported, and
``archive --again`` replaces it instead of keeping it.

A run that is killed between keeping files and recording them on their links leaves
files no link names, and perhaps a write's temporary file. Each run notes the
snapshots it writes in a journal (``.archiving-*``) that it holds locked until the
links are recorded (``Journal``); the next run removes what a dead run's journal lists
and no record names (``clean_up``). The temporary files and journals are ignored by
git (``scratch_files``, which ``git setup`` reads).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from claimtrack import __version__
from claimtrack.errors import ClaimtrackError
from claimtrack.net import Exchange, Page
from claimtrack.store.files import atomic_write

if TYPE_CHECKING:
    from claimtrack.model import Archive

SUFFIX = ".evidence"
WARC_SUFFIX = ".warc.gz"
TEXT_SUFFIX = ".txt"
JOURNAL_PREFIX = ".archiving-"
# A snapshot file is a page of at most net.MAX_BYTES and its records; a file far larger
# was not written by claimtrack, and is not read whole to find that out.
_MAX_SNAPSHOT = 64 * 1024 * 1024


def evidence_folder(db_path: Path) -> Path:
    """Where the snapshots of the database at ``db_path`` live: ``claims.evidence``
    beside ``claims.json``."""
    return db_path.with_name(db_path.stem + SUFFIX)


def scratch_files(database: Path) -> list[tuple[str, str]]:
    """What the evidence folder of ``database`` holds that belongs to this machine alone
    (git ignores it): the temporary files of a snapshot being written and the journal of
    an ``archive`` run (a killed run leaves them until the next one). Each as (name,
    glob), the folder's name then the ``fnmatch``-style rest inside it, as
    ``store.files.scratch_files`` gives the store's own."""
    folder = evidence_folder(database).name
    return [(folder, "/.*.tmp"), (folder, f"/{JOURNAL_PREFIX}*")]


def digest(requested: str, url: str, body: bytes) -> str:
    """The SHA-256 that names a snapshot: of the address asked for, the final address
    and the body. Two links to one address share a snapshot; two addresses that serve
    the same bytes do not, so a snapshot never shows one link another link's address
    (which, for a confidential source's link, would say where its words came from)."""
    hashed = hashlib.sha256()
    for part in (requested.encode(), url.encode(), body):
        hashed.update(len(part).to_bytes(8, "big"))
        hashed.update(part)
    return hashed.hexdigest()


def snapshot_digest(page: Page) -> str:
    """The SHA-256 that names ``page``'s snapshot (``digest``)."""
    return digest(page.requested, page.url, page.body)


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
        return _regular(self.warc_path(sha256)) and _regular(self.text_path(sha256))

    # -- keeping ------------------------------------------------------------------------------

    def keep(self, page: Page, text: str, journal: Journal | None = None) -> tuple[str, str | None]:
        """Keep ``page`` and its main ``text``, unless the same snapshot is kept already
        and intact; a file that is not (changed, replaced by a link, not a regular file)
        is written anew. Returns the SHA-256 (``snapshot_digest``) and, when a kept file
        had to be replaced, a line saying so. ``journal`` notes the snapshot before its
        files are written. Raises ``ClaimtrackError`` when the folder cannot be written."""
        sha256 = snapshot_digest(page)
        self.make()
        encoded = text.encode("utf-8")
        warc_ok = self._warc_problem(sha256, page.requested) is None
        text_ok = _same_text(_read_or_none(self.text_path(sha256)), text)
        replaced = [
            path.name
            for path, ok in ((self.warc_path(sha256), warc_ok), (self.text_path(sha256), text_ok))
            if not ok and os.path.lexists(path)
        ]
        if (not warc_ok or not text_ok) and journal is not None:
            journal.note(sha256)
        try:
            if not warc_ok:
                atomic_write(self.warc_path(sha256), warc_bytes(page, sha256))
            if not text_ok:
                atomic_write(self.text_path(sha256), encoded)
        except OSError as exc:
            raise ClaimtrackError(f"cannot write in {self.path}: {exc.strerror}") from None
        note = None
        if replaced:
            note = (
                f"snapshot {sha256[:12]} on disk did not match its SHA-256 "
                f"({', '.join(replaced)}: changed or replaced since it was archived); "
                "written anew from the page fetched now"
            )
        return sha256, note

    def make(self) -> None:
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

    # -- reading, checked ---------------------------------------------------------------------

    def problem(self, archive: Archive) -> str | None:
        """Why the snapshot files of ``archive`` (a link's record) cannot be trusted, in
        one line, or None when both are intact. Files that are missing are not a
        problem here (``checked_text`` says what to do about them)."""
        sha256 = archive["sha256"]
        found = self._warc_problem(sha256, archive["requested"], missing_ok=True)
        if found is None:
            found = self._text_problem(archive)
        if found is None:
            return None
        return f"snapshot {sha256[:12]} cannot be trusted: {found}"

    def checked_text(self, archive: Archive) -> str:
        """The kept main text of ``archive``, after checking both files. Raises
        ``ClaimtrackError`` when a file is not here (a colleague archived it and it was
        not shared, or it was deleted) or cannot be trusted (``problem``)."""
        self._present(archive["sha256"])
        found = self.problem(archive)
        if found is not None:
            raise ClaimtrackError(found, "'claimtrack archive --again' fetches the page anew")
        data = _read(self.text_path(archive["sha256"]))
        return data.decode("utf-8")

    def checked_warc(self, archive: Archive) -> Path:
        """The WARC file of ``archive``, after checking both files (as ``checked_text``)."""
        self.checked_text(archive)
        return self.warc_path(archive["sha256"])

    def text(self, sha256: str) -> str:
        """The kept main text, unchecked (for a comparison's "how alike", never shown as
        evidence). Raises ``ClaimtrackError`` when it cannot be read."""
        self._present(sha256)
        try:
            return _read(self.text_path(sha256)).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ClaimtrackError(f"cannot read {self.text_path(sha256)}: {exc}") from None

    def _present(self, sha256: str) -> None:
        for path in (self.text_path(sha256), self.warc_path(sha256)):
            if not os.path.lexists(path):
                raise ClaimtrackError(
                    f"snapshot {sha256[:12]} is not in {self.path}",
                    "'git pull' if a colleague archived it, or 'claimtrack archive --again'",
                )

    def _text_problem(self, archive: Archive) -> str | None:
        from claimtrack.evidence.text import text_digest

        path = self.text_path(archive["sha256"])
        if not os.path.lexists(path):
            return None
        try:
            text = _read(path).decode("utf-8")
        except ClaimtrackError as exc:
            return exc.message
        except UnicodeDecodeError:
            return f"{path.name} is not UTF-8 text"
        if text_digest(text) != archive["text_sha256"]:
            return f"{path.name} does not match the SHA-256 recorded when it was archived"
        return None

    def _warc_problem(self, sha256: str, requested: str, *, missing_ok: bool = False) -> str | None:
        path = self.warc_path(sha256)
        if not os.path.lexists(path):
            return None if missing_ok else "missing"
        try:
            data = _read(path)
        except ClaimtrackError as exc:
            return exc.message
        page = final_response(data)
        if page is None or digest(requested, page[0], page[1]) != sha256:
            return f"{path.name} does not match its SHA-256"
        return None


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _read(path: Path) -> bytes:
    """A file's bytes, never through a symbolic link, only from a regular file."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError as exc:
        if os.path.islink(path):
            raise ClaimtrackError(f"{path.name} is a symbolic link: not followed") from None
        raise ClaimtrackError(f"cannot read {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ClaimtrackError(f"{path.name} is not a regular file: not read")
        if info.st_size > _MAX_SNAPSHOT:
            raise ClaimtrackError(f"{path.name} is larger than any snapshot claimtrack writes")
        with open(fd, "rb", closefd=False) as handle:
            return handle.read(_MAX_SNAPSHOT + 1)
    finally:
        os.close(fd)


def _same_text(kept: bytes | None, text: str) -> bool:
    """Whether a kept text file says ``text`` (as its link's ``text_sha256`` compares)."""
    from claimtrack.evidence.text import text_digest

    try:
        return kept is not None and text_digest(kept.decode("utf-8")) == text_digest(text)
    except UnicodeDecodeError:
        return False


def referenced_in(db_path: Path) -> Callable[[str], bool]:
    """Whether a snapshot's SHA-256 is written anywhere in the database file (a link's
    record, or a change in its history that ``undo`` would bring back): the file is
    read once, on the first question."""
    cache: list[bytes] = []

    def referenced(sha256: str) -> bool:
        if not cache:
            try:
                cache.append(db_path.read_bytes())
            except OSError:
                return True  # cannot tell: keep the files
        return sha256.encode("ascii") in cache[0]

    return referenced


def _read_or_none(path: Path) -> bytes | None:
    try:
        return _read(path)
    except ClaimtrackError:
        return None


def final_response(warc: bytes) -> tuple[str, bytes] | None:
    """The target address and body of the last ``response`` record of a gzipped WARC
    file, or None when it holds none or cannot be read."""
    from warcio.archiveiterator import ArchiveIterator

    found: tuple[str, bytes] | None = None
    try:
        for record in ArchiveIterator(io.BytesIO(warc)):
            if record.rec_type == "response":
                target = record.rec_headers.get_header("WARC-Target-URI") or ""
                found = (target, record.content_stream().read(_MAX_SNAPSHOT))
    except Exception:  # warcio raises many kinds for a damaged file: all mean "unreadable"
        return None
    return found


def warc_bytes(page: Page, sha256: str) -> bytes:
    """``page`` as a gzipped WARC/1.0 file: a warcinfo record, then a request and a
    response record for each redirect and for the page."""
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.0")
    info = writer.create_warcinfo_record(
        sha256 + WARC_SUFFIX,
        {"software": f"claimtrack {__version__}", "format": "WARC File Format 1.0"},
    )
    info.rec_headers.replace_header("WARC-Date", _warc_date(page))
    writer.write_record(info)
    for exchange in (*page.redirects, page):
        _write_exchange(writer, exchange)
    return out.getvalue()


def _warc_date(exchange: Exchange) -> str:
    return exchange.at[:19] + "Z"  # WARC-Date: ISO 8601 UTC, seconds (WARC/1.0)


def _write_exchange(writer: object, exchange: Exchange) -> None:
    from warcio.statusandheaders import StatusAndHeaders

    date = _warc_date(exchange)
    version = exchange.http_version if exchange.http_version.startswith("HTTP/") else "HTTP/1.1"
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"WARC-Date": date}
    if exchange.ip:
        headers["WARC-IP-Address"] = exchange.ip
    create = writer.create_warc_record  # type: ignore[attr-defined]
    request = create(
        exchange.url,
        "request",
        payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(
            f"GET {target} {version}", exchange.request_headers, is_http_request=True
        ),
        warc_headers_dict=dict(headers),
    )
    response = create(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.body),
        http_headers=StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(), exchange.headers, protocol=version
        ),
        warc_headers_dict=dict(headers),
    )
    request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers["WARC-Record-ID"])
    writer.write_record(request)  # type: ignore[attr-defined]
    writer.write_record(response)  # type: ignore[attr-defined]


# -- a run's journal, and cleaning up after a killed one ----------------------------------------


class Journal:
    """The snapshots one ``archive`` run writes, noted before their files are, in a file
    the run holds locked (``flock``) until its links are recorded. A journal nobody
    holds is a dead run's (``clean_up``). The file is made on the first note: a run
    that writes nothing leaves nothing, not even the folder."""

    def __init__(self, folder: EvidenceFolder) -> None:
        self.folder = folder
        self.fd: int | None = None
        self.path: Path | None = None

    def note(self, sha256: str) -> None:
        if self.fd is None:
            import fcntl
            import tempfile

            self.folder.make()
            fd, name = tempfile.mkstemp(prefix=JOURNAL_PREFIX, dir=self.folder.path)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.fd, self.path = fd, Path(name)
        os.write(self.fd, sha256.encode("ascii") + b"\n")
        os.fsync(self.fd)

    def abandon(self) -> None:
        """The run stops without recording: the journal stays, unlocked, as a dead
        run's (``clean_up``)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def close(self) -> None:
        """The run's links are recorded (or it wrote nothing): the journal goes."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self.abandon()


@contextlib.contextmanager
def journal(folder: EvidenceFolder) -> Iterator[Journal | None]:
    """A ``Journal`` for one run, removed when the block ends; left, unlocked, for
    ``clean_up`` when the block fails or is interrupted (Ctrl-C), as a killed process
    leaves it. None where ``flock`` is not available: there is no cleaning up after a
    killed run there."""
    try:
        import fcntl  # noqa: F401
    except ImportError:
        yield None
        return
    kept = Journal(folder)
    try:
        yield kept
    except BaseException:
        kept.abandon()  # stopped before recording: the next run cleans up after it
        raise
    kept.close()


def clean_up(folder: EvidenceFolder, referenced: Callable[[str], bool]) -> list[str]:
    """Remove what dead ``archive`` runs left: the snapshot files their journals list
    that no record names (``referenced(sha256)`` is False), their temporary files, and
    the journals. A journal still locked is a live run's and is left alone. Returns the
    names removed."""
    try:
        import fcntl
    except ImportError:
        return []
    removed: list[str] = []
    if not folder.path.is_dir():
        return removed
    for path in sorted(folder.path.glob(JOURNAL_PREFIX + "*")):
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a run still going
            with open(fd, "rb", closefd=False) as handle:
                listed = handle.read(1024 * 1024).decode("ascii", "replace").split()
            for sha256 in dict.fromkeys(listed):
                if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
                    continue
                names = [sha256 + WARC_SUFFIX, sha256 + TEXT_SUFFIX]
                leftovers = [p for n in names for p in folder.path.glob(f".{n}.*.tmp")]
                if not referenced(sha256):
                    leftovers += [folder.path / n for n in names]
                for leftover in leftovers:
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
                        removed.append(leftover.name)
            path.unlink()
        finally:
            os.close(fd)
    return removed
