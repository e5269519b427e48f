"""RFC 3161 trusted timestamps of the history's chain head and of evidence snapshots.

A time-stamping authority (TSA) signs "this SHA-256 existed at this time". claimtrack
sends it only the hash (the request's message imprint, made here): for ``seal``, the
chain head's hash (the SHA-256 of the newest event's canonical bytes,
``integrity.chain``), which covers every event before it; for ``archive --timestamp``,
the SHA-256 of a snapshot's WARC file. No authority is asked unless the user names one
(``--tsa URL``) or configures one (``[timestamps]`` in ``claimtrack.toml``).

**The folder** ``<db stem>.timestamps/`` beside the database (``claims.timestamps/``
for ``claims.json``), committed in git like ``claims.evidence/``, owner-only:

- ``<name>.tsr``: one per token, the TSA's answer as it came (a DER ``TimeStampResp``,
  RFC 3161 section 2.4.2), which ``openssl ts -reply -in`` and ``-verify -in`` read;
  ``<name>`` is the first 24 hex digits of the answer's SHA-256.
- ``<name>.pem``: the certificate chain (PEM, the TSA's up to its root) the token was
  verified against when it was stored: what ``openssl ts -verify -CAfile`` is given.
- ``index.jsonl``: one JSON object per token, sorted by file name: ``file``, ``ca``,
  ``kind`` (``chain`` or ``snapshot``), ``subject`` (the head event's ID, or the
  snapshot's SHA-256 as its link records it), ``imprint`` (hex SHA-256 stamped),
  ``tsa`` (the URL asked), ``time`` (the token's genTime, UTC ISO 8601), ``serial``.

A token is checked before anything is stored (imprint, nonce, signature, certificate
chain, the time-stamping key usage): a TSA that is down, slow, answers for another hash
or with a bad signature stores nothing.

``verify_token(answer, imprint, chain_pem)`` checks a stored token offline; a third
party needs only OpenSSL::

    openssl ts -verify -digest IMPRINT -in claims.timestamps/NAME.tsr \\
        -CAfile claims.timestamps/NAME.pem
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import orjson

from claimtrack.errors import ClaimtrackError

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

SUFFIX = ".timestamps"
INDEX = "index.jsonl"
# Seconds to connect and to wait for the answer: a TSA answers in well under a second;
# the same patience as a page fetch (``net.client``).
TIMEOUT = 20.0
# A TimeStampResp is a few kilobytes; anything far larger is not one.
MAX_ANSWER = 1024 * 1024
Kind = Literal["chain", "snapshot"]
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A file the index names is in the folder itself: no separator, not hidden, not "..".
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class TimestampError(ClaimtrackError):
    """A token that could not be had or does not hold; nothing was stored."""


@dataclass(frozen=True)
class Token:
    """One stored token, as ``index.jsonl`` lists it (see the module docstring)."""

    file: str
    ca: str
    kind: Kind
    subject: str
    imprint: str
    tsa: str
    time: str
    serial: str

    @classmethod
    def from_entry(cls, entry: object) -> Token:
        """The token an ``index.jsonl`` line (parsed JSON) lists. Raises ``ValueError``
        saying what is wrong: a field missing, added or not a string, a kind other than
        ``chain`` or ``snapshot``, an imprint that is not a hex SHA-256, or a file name
        that is not a plain name in the folder (the index may be edited by hand, or
        come from someone else's bundle: it must not name a file elsewhere)."""
        names = {f.name for f in fields(cls)}
        if not isinstance(entry, dict) or set(entry) != names:
            raise ValueError(f"an entry has exactly the fields {', '.join(sorted(names))}")
        if not all(isinstance(value, str) for value in entry.values()):
            raise ValueError("every field of an entry is a string")
        if entry["kind"] not in ("chain", "snapshot"):
            raise ValueError(f"kind {entry['kind']!r} is neither 'chain' nor 'snapshot'")
        if not _SHA256_HEX.fullmatch(entry["imprint"]):
            raise ValueError("its imprint is not a SHA-256 in hex")
        for key in ("file", "ca"):
            if not _PLAIN_NAME.fullmatch(entry[key]):
                raise ValueError(f"its {key} {entry[key]!r} is not a file name in the folder")
        return cls(**entry)

    def openssl_command(self, folder: Path) -> str:
        """The command a third party runs to check this token with OpenSSL alone."""
        return (
            f"openssl ts -verify -digest {self.imprint} -in {folder / self.file} "
            f"-CAfile {folder / self.ca}"
        )


def folder_of(db_path: Path) -> Path:
    """``claims.json`` -> ``claims.timestamps``."""
    return db_path.with_suffix(SUFFIX)


def verify_token(
    answer: bytes, imprint: bytes, chain_pem: bytes, nonce: int | None = None
) -> tuple[dt.datetime, int]:
    """Check a TSA's answer offline: it grants a token, signed by a key whose
    certificate (marked for time-stamping, RFC 3161 section 2.3) chains to a root in
    ``chain_pem`` (PEM certificates: the self-signed ones are the roots, the others
    intermediates), over exactly ``imprint`` (a SHA-256 digest, 32 bytes), and, when
    given, with ``nonce``. Returns the token's time (UTC) and serial number. Raises
    ``TimestampError`` saying what does not hold.

    For a token stored in ``<db stem>.timestamps/`` (layout: this module's docstring),
    ``answer`` is ``NAME.tsr``, ``chain_pem`` is ``NAME.pem`` and ``imprint`` is
    ``bytes.fromhex`` of its ``index.jsonl`` entry's ``imprint`` (``check_stored`` does
    exactly that). No network is used."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        response = decode_timestamp_response(answer)
    except ValueError:
        raise TimestampError(
            f"the answer is not an RFC 3161 timestamp ({_described(answer)})"
        ) from None
    certificates, roots = read_chain_pem(chain_pem)
    builder = VerifierBuilder()
    for certificate in certificates:
        if certificate in roots:
            builder = builder.add_root_certificate(certificate)
        else:
            builder = builder.add_intermediate_certificate(certificate)
    if nonce is not None:
        builder = builder.nonce(nonce)
    if response.tst_info.message_imprint.message != imprint:
        raise TimestampError(
            "the token is for another hash "
            f"({response.tst_info.message_imprint.message.hex()[:16]}..., "
            f"not {imprint.hex()[:16]}...)"
        )
    try:
        builder.build().verify(response, imprint)
    except VerificationError as exc:
        raise TimestampError(f"the token does not verify: {exc}") from None
    info = response.tst_info
    return info.gen_time.astimezone(dt.UTC), info.serial_number


def _described(answer: bytes) -> str:
    """What an answer that is not a token looks like, for the error (the parser's own
    message is a Rust debug string that helps no one)."""
    if not answer.strip():
        return "it is empty"
    start = answer[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<body" in start:
        return f"a web page of {len(answer):,} bytes"
    if all(32 <= b < 127 or b in b"\t\r\n" for b in start):
        return f"{len(answer):,} bytes of text"
    return f"{len(answer):,} bytes that are not a DER TimeStampResp"


def read_chain_pem(chain_pem: bytes) -> tuple[list[Certificate], list[Certificate]]:
    """The certificates of a PEM chain file, and those of them that are roots
    (self-signed). Raises ``TimestampError`` when it holds no PEM certificate or no
    root: what a TSA publishes is its chain up to its root."""
    from cryptography import x509

    try:
        certificates = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise TimestampError(
            "the certificate chain is not PEM certificates "
            "(text blocks from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)"
        ) from None
    roots = [c for c in certificates if c.issuer == c.subject]
    if not roots:
        raise TimestampError("the certificate chain has no root (self-signed) certificate")
    return certificates, roots


def request_token(url: str, imprint_of: bytes, chain_pem: bytes) -> tuple[bytes, dt.datetime, int]:
    """Ask the TSA at ``url`` to timestamp the SHA-256 of ``imprint_of`` (hashed here:
    only the digest is sent) and check the answer (``verify_token``). Returns the
    answer's bytes, its time and serial. Raises ``TimestampError``."""
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

    request = (
        TimestampRequestBuilder()
        .data(imprint_of)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    from claimtrack.net.client import FetchFailure, HttpPolicy, post

    # The user named this authority (an address on the desk's own network is theirs to
    # use); its answer is a token of a few kilobytes, in whatever media type it says.
    policy = HttpPolicy(
        max_bytes=MAX_ANSWER,
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
        deadline=TIMEOUT,
        allow_private=True,
        types=(),
    )
    try:
        reply = post(url, request.as_bytes(), "application/timestamp-query", policy)
    except FetchFailure as exc:
        if exc.kind == "too-large":
            raise TimestampError(f"{url} answered with more than a timestamp ({exc})") from None
        if exc.status is not None:
            raise TimestampError(f"{url} answered {exc.message}") from None
        if "timed out" in exc.message or "within" in exc.message:
            raise TimestampError(f"{url} did not answer within {TIMEOUT:g} s") from None
        raise TimestampError(f"cannot reach {url} ({exc.message})") from None
    try:
        stamped, serial = verify_token(
            reply.body, hashlib.sha256(imprint_of).digest(), chain_pem, request.nonce
        )
    except TimestampError as exc:
        raise TimestampError(f"{url}: {exc.message}", "nothing was stored") from None
    return reply.body, stamped, serial


def keep(
    folder: Path,
    answer: bytes,
    chain_pem: bytes,
    *,
    kind: Kind,
    subject: str,
    imprint: str,
    tsa: str,
    stamped: dt.datetime,
    serial: int,
) -> Token:
    """Store a checked token and its certificate chain in ``folder`` (made owner-only)
    and list it in the index. Returns what the index lists."""
    from claimtrack.store.files import atomic_write

    folder.mkdir(mode=0o700, exist_ok=True)
    name = hashlib.sha256(answer).hexdigest()[:24]
    token = Token(
        file=f"{name}.tsr",
        ca=f"{name}.pem",
        kind=kind,
        subject=subject,
        imprint=imprint,
        tsa=tsa,
        time=stamped.strftime("%Y-%m-%dT%H:%M:%SZ"),
        serial=str(serial),
    )
    atomic_write(folder / token.file, answer)
    atomic_write(folder / token.ca, chain_pem)
    listed = {t.file: t for t in read_index(folder)}
    listed[token.file] = token
    lines = b"".join(
        orjson.dumps(asdict(t), option=orjson.OPT_SORT_KEYS) + b"\n"
        for _, t in sorted(listed.items())
    )
    atomic_write(folder / INDEX, lines)
    return token


def read_index(folder: Path) -> list[Token]:
    """The tokens ``index.jsonl`` lists, by file name (none if there is no folder).
    Raises ``TimestampError`` for a line that is not a token's entry."""
    try:
        raw = (folder / INDEX).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TimestampError(f"cannot read {folder / INDEX}: {exc.strerror}") from None
    tokens = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            tokens.append(Token.from_entry(orjson.loads(line)))
        except ValueError as exc:  # orjson.JSONDecodeError is a ValueError too
            why = "not JSON" if isinstance(exc, orjson.JSONDecodeError) else str(exc)
            raise TimestampError(
                f"{folder / INDEX}, line {number}: not a token's entry ({why})"
            ) from None
    return tokens


def check_stored(folder: Path, token: Token) -> tuple[dt.datetime, int]:
    """Check a stored token against its own chain file and its imprint
    (``verify_token``). Raises ``TimestampError`` naming the file."""
    try:
        answer = (folder / token.file).read_bytes()
        chain_pem = (folder / token.ca).read_bytes()
    except OSError as exc:
        raise TimestampError(f"cannot read {folder / token.file}: {exc.strerror}") from None
    try:
        return verify_token(answer, bytes.fromhex(token.imprint), chain_pem)
    except (TimestampError, ValueError) as exc:
        raise TimestampError(f"{folder / token.file}: {exc}") from None
