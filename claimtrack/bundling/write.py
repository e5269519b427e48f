"""Writing a story's WACZ bundle (the layout: ``claimtrack.bundling``).

``story_bundle`` gathers what the database holds about the claims of one story and
packs it; the WACZ's index is written by py-wacz's indexer (``wacz.waczindexer``, the
code ``wacz create`` runs), so that a replay tool finds the pages as in any WACZ.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimtrack import __version__
from claimtrack.bundling import layout
from claimtrack.errors import ClaimtrackError

if TYPE_CHECKING:
    from claimtrack.db import Database
    from claimtrack.exporting.claimreview import Reviewer
    from claimtrack.model import Archive, Claim

# What a sealed confidential source adds to its record, and what its history keeps
# sealed (``confidential.sealing.SEAL_KEYS``; ``sealed_fields`` in an event's states):
# ciphertext and commitments never leave in a bundle, whoever could open them.
SEAL_KEYS = frozenset({"sealed", "commitment", "sealed_fields"})
# The timestamps folder's files are small (RFC 3161 tokens); one far larger was not put
# there by claimtrack and is not read whole to find that out.
_MAX_TIMESTAMP_FILE = 16 * 1024 * 1024


@dataclass
class Bundled:
    """A story bundle: its bytes (``data``), and what it holds: the claims, the
    snapshots (``pages``), the snapshots left out because only a confidential source's
    link cites them (``withheld``), the ClaimReviews and the timestamp files."""

    data: bytes
    claims: int = 0
    pages: int = 0
    withheld: int = 0
    reviews: int = 0
    timestamps: int = 0


@dataclass
class _Member:
    path: str
    data: bytes


def story_bundle(
    db: Database,
    story: str,
    claims: list[Claim],
    reviewer: Reviewer | None,
    created: str,
) -> Bundled:
    """The WACZ bundle of ``story``: its ``claims`` (oldest first) as the database
    records them, the snapshots their public sources' links cite, the ClaimReviews
    ``reviewer`` signs (none when None), the timestamps folder's files. ``created`` is
    the moment the bundle says it was made (UTC, ``model.now``'s format): the same
    inputs and moment give the same bytes. Raises ``ClaimtrackError`` when a snapshot
    file is missing or does not match its SHA-256 (``EvidenceFolder.checked_warc``),
    or a timestamp file cannot be read."""
    from claimtrack.views.presenter import Presenter

    presenter = Presenter(db, reveal=False)
    snapshots, withheld = _snapshots(db, claims)
    members = _index_and_archive(snapshots)
    members.append(_Member(layout.PAGES, _pages(story, snapshots)))
    members.append(_Member(layout.RECORD, _record(db, claims)))
    members.append(_Member(layout.CLAIMS, _claims(claims, presenter)))
    reviews = _reviews(db, claims, presenter, reviewer)
    members.append(_Member(layout.CLAIMREVIEW, _json(reviews)))
    from claimtrack.integrity.timestamps import folder_of

    stamps = _timestamps(folder_of(db.path))
    members.extend(stamps)
    data = _pack(members, story, created)
    return Bundled(
        data,
        claims=len(claims),
        pages=len(snapshots),
        withheld=withheld,
        reviews=len(reviews),
        timestamps=len(stamps),
    )


# -- what goes in -------------------------------------------------------------------------


@dataclass
class _Snapshot:
    archive: Archive
    warc: bytes


def _snapshots(db: Database, claims: Iterable[Claim]) -> tuple[list[_Snapshot], int]:
    """The snapshots the claims' links cite, by SHA-256, read and checked; and how many
    only a confidential source's links cite (left out: the page says where the source's
    words came from)."""
    from claimtrack.confidential import Disclosure
    from claimtrack.evidence import EvidenceFolder

    hidden = Disclosure(False).hidden(db.store.records("sources"))
    chosen: dict[str, Archive] = {}
    confidential: set[str] = set()
    for claim in claims:
        for link in db.store.claim_links(claim["id"]):
            archive = link.get("archive")
            if not archive or not archive.get("sha256"):
                continue
            if link["source"] in hidden:
                confidential.add(archive["sha256"])
            else:
                chosen.setdefault(archive["sha256"], archive)
    folder = EvidenceFolder.of(db.path)
    snapshots = [
        _Snapshot(chosen[sha256], folder.checked_warc(chosen[sha256]).read_bytes())
        for sha256 in sorted(chosen)
    ]
    return snapshots, len(confidential - set(chosen))


def _index_and_archive(snapshots: list[_Snapshot]) -> list[_Member]:
    """The CDXJ index (compressed, and its summary) of the snapshots' WARCs, then the
    WARCs, as ``wacz create`` lays them out. No snapshot: neither."""
    if not snapshots:
        return []
    import tempfile

    from wacz.waczindexer import WACZIndexer

    with tempfile.TemporaryDirectory(prefix="claimtrack-bundle-") as scratch:
        paths = []
        for snapshot in snapshots:
            path = Path(scratch) / (snapshot.archive["sha256"] + layout.WARC_SUFFIX)
            path.write_bytes(snapshot.warc)
            paths.append(str(path))
        compressed = io.BytesIO()
        summary = io.StringIO()
        # The options ``wacz create`` passes (py-wacz's main.create_wacz).
        indexer = WACZIndexer(
            summary,
            paths,
            sort=True,
            post_append=True,
            compress=compressed,
            lines=1024,
            digest_records=True,
            fields="referrer,req.http:cookie",
            data_out_name="index.cdx.gz",
            hash_type=layout.HASH,
            main_url="",
            detect_pages=False,
        )
        indexer.process_all()
    members = [
        _Member(layout.INDEX, compressed.getvalue()),
        _Member(layout.INDEX_SUMMARY, summary.getvalue().encode("utf-8")),
    ]
    members += [_Member(layout.warc_member(s.archive["sha256"]), s.warc) for s in snapshots]
    return members


def capture(warc: bytes) -> tuple[str, str] | None:
    """The target address and WARC-Date of the last response record of a gzipped WARC
    file (the page a snapshot kept, and when), or None when it holds none."""
    from warcio.archiveiterator import ArchiveIterator

    found = None
    for record in ArchiveIterator(io.BytesIO(warc)):
        if record.rec_type == "response":
            headers = record.rec_headers
            found = (headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"))
    return found


def _pages(story: str, snapshots: list[_Snapshot]) -> bytes:
    """``pages/pages.jsonl`` (WACZ's json-pages-1.0): a header, then one page per
    snapshot: the page kept, when, titled by the address the claim cited."""
    header = {"format": "json-pages-1.0", "id": "pages", "title": f"Story {story}"}
    lines = [header]
    for snapshot in snapshots:
        url, when = capture(snapshot.warc) or (snapshot.archive["url"], snapshot.archive["at"])
        lines.append(
            {
                "id": snapshot.archive["sha256"],
                "url": url,
                "ts": when,
                "title": snapshot.archive["requested"],
            }
        )
    return b"".join(json.dumps(line, sort_keys=True).encode() + b"\n" for line in lines)


def without_seals(value: Any) -> Any:
    """``value`` (a record, an event, a list of them) with every sealed value and
    commitment taken out, however deep (``SEAL_KEYS``)."""
    if isinstance(value, Mapping):
        return {k: without_seals(v) for k, v in value.items() if k not in SEAL_KEYS}
    if isinstance(value, list):
        return [without_seals(v) for v in value]
    return value


def _record(db: Database, claims: list[Claim]) -> bytes:
    from claimtrack.exporting.bundle import dump_bundle, export_bundle

    bundle = export_bundle(db, claims=claims, events=True, reveal=False)
    return dump_bundle(without_seals(bundle))


def _claims(claims: list[Claim], presenter: Any) -> bytes:
    from claimtrack.exporting.formats import write_jsonl
    from claimtrack.exporting.tabular import jsonl_records

    out = io.BytesIO()
    write_jsonl((without_seals(view) for view in jsonl_records(claims, presenter)), out)
    return out.getvalue()


def _reviews(
    db: Database, claims: list[Claim], presenter: Any, reviewer: Reviewer | None
) -> list[dict[str, Any]]:
    if reviewer is None:
        return []
    from claimtrack.exporting import claimreview
    from claimtrack.history import verdict_times

    return claimreview.build(claims, presenter, reviewer, verdict_times(db)).reviews


def _json(value: Any) -> bytes:
    from claimtrack.exporting.formats import json_bytes

    return json_bytes(value, pretty=True)


def _timestamps(folder: Path) -> list[_Member]:
    """Every regular file of the timestamps folder, as it is, in name order; files
    whose name starts with a dot (a write's temporary file) and symbolic links are not
    the folder's record and stay out."""
    if not folder.is_dir():
        return []
    members = []
    for path in sorted(_files_under(folder)):
        relative = path.relative_to(folder).as_posix()
        name = layout.TIMESTAMPS + relative.replace("/", layout.FOLDER_MARK)
        members.append(_Member(name, _read_regular(path)))
    return members


def _files_under(folder: Path) -> Iterator[Path]:
    for entry in os.scandir(folder):
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _files_under(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def _read_regular(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise ClaimtrackError(f"cannot read {path}: {exc.strerror}") from None
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_TIMESTAMP_FILE:
            raise ClaimtrackError(f"{path} is not a timestamp file claimtrack wrote")
        return handle.read()


# -- the ZIP ------------------------------------------------------------------------------


def _pack(members: list[_Member], story: str, created: str) -> bytes:
    """The WACZ: the members, then ``datapackage.json`` listing them with their hashes
    and ``datapackage-digest.json`` (``layout.zipped``)."""
    package = _datapackage(members, story, created)
    digest = {"path": layout.DATAPACKAGE, "hash": layout.hashed(package)}
    entries = [(m.path, m.data) for m in members]
    entries += [(layout.DATAPACKAGE, package), (layout.DIGEST, _json(digest))]
    return layout.zipped(entries, created)


def _resource_name(path: str) -> str:
    """A member's name in ``datapackage.json``: its path in the characters a Frictionless
    name may hold (lower-case letters, digits, ``-._/``), as py-wacz names its members
    by their lower-cased file name. A timestamp file's name is another tool's choice."""
    return re.sub(r"[^-a-z0-9._/]", "-", path.lower())


def _datapackage(members: list[_Member], story: str, created: str) -> bytes:
    """``datapackage.json`` as py-wacz writes it (a Frictionless data package: each
    member's name, path, hash and size), with the story and claimtrack's version."""
    package = {
        "profile": "data-package",
        "resources": [
            {
                "name": _resource_name(member.path),
                "path": member.path,
                "hash": layout.hashed(member.data),
                "bytes": len(member.data),
            }
            for member in members
        ],
        "title": f"Story {story}",
        "description": f"The claimtrack record of the story {story}, with its evidence",
        "created": created[:19] + "Z",
        "wacz_version": layout.WACZ_VERSION,
        "software": f"claimtrack {__version__}",
    }
    return json.dumps(package, indent=2).encode("utf-8") + b"\n"
