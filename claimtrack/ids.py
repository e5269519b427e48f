"""Stable record IDs: random, unique across machines, short to type by prefix.

IDs are 16 characters of Crockford's base32 (80 random bits), so two desks' databases
merge without collisions, and the first 7 characters (35 bits) are almost always
unique inside one database. They are random rather than time-ordered so that
prefixes differ from the first character on.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable

from claimtrack.errors import Ambiguous, NotFound

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 16
SHORT = 7


def new_id() -> str:
    # 80 bits from the OS's CSPRNG (what `secrets` uses); importing `secrets` itself
    # would cost every command ~10 ms for hmac and hashlib.
    return _written(os.urandom(10))


def _written(bits: bytes) -> str:
    """80 bits (10 bytes) as an ID: 16 digits of ``ALPHABET``, the lowest first."""
    number = int.from_bytes(bits, "big")
    digits = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, 32)
        digits.append(ALPHABET[digit])
    return "".join(digits)


def derived(key: str) -> str:
    """A stable ID made from ``key`` (an ID's 16 base32 digits of its SHA-256): the same
    record read twice from another system's file (a ClaimReview by its URL) gets the same
    ID, so importing it again changes nothing. Keys are namespaced by the caller."""
    import hashlib

    return _written(hashlib.sha256(key.encode("utf-8")).digest()[:10])


def is_id(value: str) -> bool:
    """Whether ``value`` is an ID as ``new_id`` makes them (16 digits of ``ALPHABET``)."""
    return len(value) == ID_LENGTH and all(c in ALPHABET for c in value)


def short(record_id: str, length: int = SHORT) -> str:
    return record_id[:length]


def resolve(prefix: str, ids: Iterable[str], what: str) -> str:
    """Return the one ID that equals or starts with ``prefix``."""
    wanted = prefix.strip().lower()
    if not wanted:
        raise NotFound(f"no {what} ID given")
    matches: list[str] = []
    for record_id in ids:
        if record_id == wanted:
            return record_id
        if record_id.startswith(wanted):
            matches.append(record_id)
    if not matches:
        raise NotFound(f"no {what} matches {prefix!r}", f"'claimtrack list' shows {what} IDs")
    if len(matches) > 1:
        shown = ", ".join(sorted(m[: max(len(wanted) + 2, SHORT)] for m in matches)[:10])
        more = "" if len(matches) <= 10 else f" and {len(matches) - 10} more"
        raise Ambiguous(
            f"{what} ID prefix {prefix!r} is ambiguous: {shown}{more}",
            "type more characters of the ID",
        )
    return matches[0]


def unique_prefix_length(ids: Iterable[str], minimum: int = SHORT) -> int:
    """The shortest length (at least ``minimum``) at which every ID is distinct."""
    ordered = sorted(ids)
    longest = minimum
    for left, right in itertools.pairwise(ordered):
        common = 0
        for a, b in zip(left, right, strict=False):
            if a != b:
                break
            common += 1
        longest = max(longest, common + 1)
    return longest
