"""Checking a story bundle offline: every hash it holds, nothing fetched.

What is checked, in order (each failure names the member):

1. the ZIP: readable, no member twice, each member's CRC-32;
2. ``datapackage-digest.json``: the SHA-256 of ``datapackage.json``;
3. ``datapackage.json``: each resource's SHA-256 and size, and every member listed;
4. each WARC under ``archive/``: every record's block and payload digest (warcio),
   and the snapshot it keeps against the SHA-256 a link records for it in
   ``claimtrack/record.json`` (``evidence.folder.digest``: of the address asked for,
   the final address and the body), and each snapshot the record names is present;
5. each RFC 3161 token that ``timestamps/index.jsonl`` lists (``integrity.timestamps``):
   its signature and certificate chain against the chain file stored beside it, over
   the hash its entry names; a snapshot's token over its WARC's SHA-256, and a chain
   head's over that event's hash when the record holds the event.

A consistent rewrite of everything (members, ``datapackage.json`` and its digest) is
not caught by hashes alone: that is what a signature or a trusted timestamp is for.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimtrack.bundling import layout
from claimtrack.errors import ClaimtrackError

# The hashes a WACZ's datapackage.json may use (py-wacz: sha256 or md5).
_ALGORITHMS = ("sha256", "md5")
# A member larger than this is not read whole (a WACZ from claimtrack holds pages of
# at most 10 MB each): 2 GiB.
_MAX_MEMBER = 2 * 1024 * 1024 * 1024
# What the members may unpack to together, from a file of a given size: a WACZ's pages
# are gzipped WARCs already and claimtrack stores its members uncompressed, so a few
# times the file's size is generous; a "ZIP bomb" (a few kilobytes that unpack to
# gigabytes, all held in memory here) is refused before any member is read. The ZIP's
# declared sizes bound what zipfile unpacks, so checking them is enough.
_MAX_RATIO = 20
_SLACK = 16 * 1024 * 1024


@dataclass
class BundleCheck:
    """What ``verify_bundle`` found: how many members and snapshots were checked,
    whether the bundle holds a claimtrack record (whose snapshots were then matched to
    their links), and the problems, each "member: what does not match"."""

    members: int = 0
    snapshots: int = 0
    tokens: int = 0
    record: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: Path) -> BundleCheck:
    """Check the WACZ at ``path`` (see the module). Returns what was found; raises
    ``ClaimtrackError`` when ``path`` cannot be read or is not a WACZ at all (not a
    ZIP, or no ``datapackage.json``)."""
    import zipfile

    try:
        raw = path.read_bytes()
        wacz = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ClaimtrackError(f"{path} is not a WACZ file: not a ZIP archive") from None
    except OSError as exc:
        raise ClaimtrackError(f"cannot read {path}: {exc.strerror or exc}") from None
    with wacz:
        names = [n for n in wacz.namelist() if not n.endswith("/")]
        if layout.DATAPACKAGE not in names:
            raise ClaimtrackError(f"{path} is not a WACZ file: it has no {layout.DATAPACKAGE}")
        _refuse_a_bomb(path, wacz, len(raw))
        check = BundleCheck(members=len(names))
        members = _read_members(wacz, names, check)
        headers = sorted((info.header_offset, info.filename) for info in wacz.infolist())
        directory = wacz.start_dir
    package = _package(members, check)
    if package is not None:
        _check_resources(package, members, check)
    _check_snapshots(members, check)
    _check_tokens(members, check)
    if package is not None and not check.problems:
        _check_zip(raw, (headers, directory), members, package, check)
    return check


def _refuse_a_bomb(path: Path, wacz: Any, size: int) -> None:
    unpacked = sum(info.file_size for info in wacz.infolist())
    if unpacked > _MAX_RATIO * size + _SLACK:
        raise ClaimtrackError(
            f"{path} is not checked: its {size:,} bytes unpack to {unpacked:,} "
            "(a ZIP bomb, or not a WACZ)",
            hint="a WACZ's pages are compressed already; ask its maker for the original",
        )


def _check_zip(
    raw: bytes,
    layout_found: tuple[list[tuple[int, str]], int],
    members: dict[str, bytes],
    package: dict[str, Any],
    check: BundleCheck,
) -> None:
    """A bundle claimtrack made is exactly ``layout.zipped`` of its members: rebuilt and
    compared, a byte changed in the ZIP's own headers (a date, a flag) is found too.
    A WACZ made by another tool is not held to claimtrack's layout."""
    created = package.get("created")
    if not str(package.get("software", "")).startswith("claimtrack ") or not isinstance(
        created, str
    ):
        return
    headers, directory = layout_found
    try:
        rebuilt = layout.zipped(((name, members.get(name, b"")) for _, name in headers), created)
    except ValueError:
        check.problems.append(f"{layout.DATAPACKAGE}: its created date is not a date")
        return
    if rebuilt == raw:
        return
    changed = _first_difference(raw, rebuilt)
    before = [name for offset, name in headers if offset <= changed]
    where = before[-1] if before and changed < directory else "the ZIP's directory"
    check.problems.append(
        f"{where}: its ZIP header differs from the one claimtrack wrote (changed after the "
        "bundle was made; the files match their hashes)"
    )


def _first_difference(one: bytes, other: bytes) -> int:
    """The offset of the first byte where ``one`` and ``other`` differ (they do)."""
    block = 64 * 1024
    start = 0
    while one[start : start + block] == other[start : start + block]:
        start += block
    end = min(len(one), len(other), start + block)
    found = (i for i in range(start, end) if one[i] != other[i])
    return next(found, end)


def _read_members(wacz: Any, names: list[str], check: BundleCheck) -> dict[str, bytes]:
    """Each member's bytes; a member the ZIP cannot give back whole (a changed byte
    fails its CRC-32) is a problem, and so is a name given twice."""
    seen: set[str] = set()
    members: dict[str, bytes] = {}
    for name in names:
        if name in seen:
            check.problems.append(f"{name}: in the ZIP twice")
            continue
        seen.add(name)
        try:
            if wacz.getinfo(name).file_size > _MAX_MEMBER:
                check.problems.append(f"{name}: larger than any member a bundle holds")
                continue
            members[name] = wacz.read(name)
        except Exception as exc:  # zipfile, zlib and EOF errors: all mean damaged
            check.problems.append(f"{name}: cannot be read from the ZIP ({exc})")
    return members


def _package(members: dict[str, bytes], check: BundleCheck) -> dict[str, Any] | None:
    """``datapackage.json``, after checking it against ``datapackage-digest.json``."""
    data = members.get(layout.DATAPACKAGE)
    if data is None:
        return None  # unreadable: said already
    digest = members.get(layout.DIGEST)
    if digest is None:
        check.problems.append(f"{layout.DIGEST}: missing")
    else:
        recorded = _json(digest, layout.DIGEST, check)
        expected = recorded.get("hash") if isinstance(recorded, dict) else None
        if recorded is not None and (
            not isinstance(expected, str) or _hashed(data, expected) != expected
        ):
            check.problems.append(
                f"{layout.DATAPACKAGE}: does not match the hash in {layout.DIGEST}"
            )
    package = _json(data, layout.DATAPACKAGE, check)
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        if package is not None:
            check.problems.append(f"{layout.DATAPACKAGE}: lists no resources")
        return None
    return package


def _check_resources(
    package: dict[str, Any], members: dict[str, bytes], check: BundleCheck
) -> None:
    listed: set[str] = set()
    for resource in package["resources"]:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            check.problems.append(f"{layout.DATAPACKAGE}: a resource without a path")
            continue
        name = resource["path"]
        listed.add(name)
        data = members.get(name)
        if data is None:
            check.problems.append(f"{name}: listed in {layout.DATAPACKAGE} but not in the ZIP")
            continue
        expected = resource.get("hash")
        if not isinstance(expected, str) or _hashed(data, expected) != expected:
            check.problems.append(f"{name}: does not match its hash in {layout.DATAPACKAGE}")
        elif resource.get("bytes") not in (None, len(data)):
            check.problems.append(f"{name}: does not have the size {layout.DATAPACKAGE} gives")
    for name in sorted(set(members) - listed - {layout.DATAPACKAGE, layout.DIGEST}):
        check.problems.append(f"{name}: not listed in {layout.DATAPACKAGE}")


def _hashed(data: bytes, expected: str) -> str | None:
    """``data`` hashed as ``expected`` says ("sha256:<hex>"), or None for a hash this
    check does not know."""
    algorithm = expected.split(":", 1)[0]
    if algorithm not in _ALGORITHMS:
        return None
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def _json(data: bytes, name: str, check: BundleCheck) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        check.problems.append(f"{name}: not JSON")
        return None


# -- the snapshots ------------------------------------------------------------------------


def _check_snapshots(members: dict[str, bytes], check: BundleCheck) -> None:
    """Each WARC's own digests, then, when the bundle holds claimtrack's record, each
    snapshot against the SHA-256 its link records, and each recorded one present."""
    warcs = sorted(
        n for n in members if n.startswith(layout.ARCHIVE) and n.endswith(layout.WARC_SUFFIX)
    )
    intact = [name for name in warcs if _warc_problem(name, members[name], check) is None]
    check.snapshots = len(warcs)
    record = members.get(layout.RECORD)
    if record is None:
        return
    check.record = True
    recorded = _recorded_snapshots(_json(record, layout.RECORD, check))
    for name in intact:
        sha256 = layout.snapshot_of(name)
        if sha256 not in recorded:
            check.problems.append(f"{name}: no link in {layout.RECORD} records this snapshot")
        elif not _same_snapshot(members[name], recorded[sha256], sha256):
            check.problems.append(
                f"{name}: the page it keeps does not match the SHA-256 its link records"
            )
    present = {layout.snapshot_of(name) for name in warcs}
    for sha256 in sorted(set(recorded) - present):
        check.problems.append(
            f"{layout.RECORD}: snapshot {sha256[:12]} is recorded but not in the bundle"
        )


def _warc_problem(name: str, data: bytes, check: BundleCheck) -> str | None:
    """Read every record of a WARC, checking each digest it declares (warcio)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
            record.content_stream().read()
    except ArchiveLoadFailed as exc:
        problem = f"{name}: a WARC record does not match its digest ({exc})"
    except Exception as exc:  # warcio raises many kinds for a damaged file
        problem = f"{name}: not a readable WARC file ({type(exc).__name__})"
    else:
        return None
    check.problems.append(problem)
    return problem


def _recorded_snapshots(record: Any) -> dict[str, str]:
    """The snapshots the record's links name: SHA-256 -> the address asked for. A
    confidential source's link names none (its SHA-256 is withheld)."""
    found: dict[str, str] = {}
    links = record.get("links") if isinstance(record, dict) else None
    for link in links if isinstance(links, list) else []:
        archive = link.get("archive") if isinstance(link, dict) else None
        if not isinstance(archive, dict):
            continue
        sha256, requested = archive.get("sha256"), archive.get("requested")
        if isinstance(sha256, str) and len(sha256) == 64 and isinstance(requested, str):
            found[sha256] = requested
    return found


def _same_snapshot(warc: bytes, requested: str, sha256: str) -> bool:
    from claimtrack.evidence.folder import digest, final_response

    page = final_response(warc)
    return page is not None and digest(requested, page[0], page[1]) == sha256


# -- the timestamp tokens -------------------------------------------------------------------


def _check_tokens(members: dict[str, bytes], check: BundleCheck) -> None:
    """Each token the timestamps index lists, checked offline (see the module)."""
    from claimtrack.integrity.timestamps import TimestampError, Token, verify_token

    index = members.get(layout.TIMESTAMPS + "index.jsonl")
    if index is None:
        return
    events = _recorded_events(members.get(layout.RECORD))
    for number, line in enumerate(index.splitlines(), 1):
        if not line.strip():
            continue
        try:
            token = Token.from_entry(json.loads(line))
        except ValueError as exc:
            why = "not JSON" if isinstance(exc, json.JSONDecodeError) else str(exc)
            check.problems.append(
                f"{layout.TIMESTAMPS}index.jsonl, line {number}: not a token ({why})"
            )
            continue
        name = layout.TIMESTAMPS + token.file
        answer, chain_pem = members.get(name), members.get(layout.TIMESTAMPS + token.ca)
        if answer is None or chain_pem is None:
            check.problems.append(f"{name}: listed in the timestamps index but not in the bundle")
            continue
        check.tokens += 1
        try:
            imprint = bytes.fromhex(token.imprint)
            verify_token(answer, imprint, chain_pem)
        except (TimestampError, ValueError) as exc:
            why = exc.message if isinstance(exc, TimestampError) else "its hash is not hex"
            check.problems.append(f"{name}: {why}")
            continue
        stamped = _stamped_hash(token.kind, token.subject, members, events)
        if stamped is not None and stamped != token.imprint:
            check.problems.append(f"{name}: the token is for another hash than its {token.kind}")


def _recorded_events(record: bytes | None) -> dict[str, Any]:
    try:
        events = json.loads(record).get("events") if record else None
    except (ValueError, AttributeError):
        return {}
    if not isinstance(events, list):
        return {}
    return {e["id"]: e for e in events if isinstance(e, dict) and isinstance(e.get("id"), str)}


def _stamped_hash(
    kind: str, subject: str, members: dict[str, bytes], events: dict[str, Any]
) -> str | None:
    """The hash a token should be over, when the bundle holds what it stamped: a
    snapshot's WARC, or the chain's head event (None when it does not)."""
    if kind == "snapshot":
        warc = members.get(layout.warc_member(subject))
        return None if warc is None else hashlib.sha256(warc).hexdigest()
    if kind == "chain" and subject in events:
        from claimtrack.integrity.chain import event_hash

        return event_hash(events[subject])
    return None
