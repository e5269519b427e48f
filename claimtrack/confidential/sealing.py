"""Sealed fields: a confidential source's identity kept in the file only as ciphertext.

A shared repository, a backup or a laptop's disk holds a confidential source's
identifying fields (``SEALED_FIELDS``: name, aliases, role, URL, notes, reason,
approving editor, the IDs merged into it) only as one age-encrypted value
(age-encryption.org/v1, through ``pyrage``), sealed to the desk's recipients: the public
keys listed in the recipients file beside the database (``claims.recipients`` beside
``claims.json``), age X25519 keys or the SSH keys people already have. In clear stay
what names no one: the ID (and so the pseudonym), the kind, that it is confidential,
timestamps, author, and whether a reason and an approving editor were recorded (AP's
rule, which ``check`` checks).

A sealed source record is ``confidential.withhold_source``'s form of the source plus:

- ``sealed``: the ASCII-armored age file of a JSON object holding ``SEALED_FIELDS`` and
  ``key``, a random 32-byte commitment key (hex);
- ``commitment``: HMAC-SHA-256, under that key, of the folded name (``model.fold``): a
  recipient answers "is source X the person Y?" (``confirms``) without printing the name,
  and without the key (sealed) no one can test guesses against it.

Opening needs an identity (``Opener``): the file named by ``$CLAIMTRACK_IDENTITY``, else
``~/.ssh/id_ed25519``, else ``~/.ssh/id_rsa``; an age identity file (``AGE-SECRET-KEY-1``
lines, or one protected by a passphrase) or an OpenSSH private key (passphrase-protected
ones are opened with ``cryptography``). The core never prompts: a passphrase comes from
the command's callback (``confidential.use_passphrase_prompt``, which the CLI sets on a
terminal); without one, a protected identity is reported as such.

age authenticates every file: a ciphertext changed by one byte fails to open and is
reported as tampered, never shown as garbage.

``pyrage`` is imported only where something is sealed or opened: commands that do
neither start without it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from claimtrack.confidential import PassphrasePrompt, passphrase_prompt, recipients_file
from claimtrack.errors import ClaimtrackError, ValidationError
from claimtrack.model import Source, fold

if TYPE_CHECKING:
    import pyrage

RECIPIENTS_SUFFIX = ".recipients"
IDENTITY_ENV = "CLAIMTRACK_IDENTITY"
# Where an identity is looked for when $CLAIMTRACK_IDENTITY is not set (relative to ~),
# in the order ssh-keygen suggests them.
DEFAULT_IDENTITIES = (".ssh/id_ed25519", ".ssh/id_rsa")
# A confidential source's fields that are sealed (``confidential.withhold_source`` blanks
# the same fields in what stays in clear).
SEALED_FIELDS = ("name", "aliases", "role", "url", "notes", "reason", "approved_by", "merged")
# The fields a sealed record adds to the withheld source.
SEAL_KEYS = ("sealed", "commitment")

# A recipient line: an age X25519 key, or an OpenSSH public key of a kind age supports
# (``ssh-ed25519``, ``ssh-rsa``), then an optional comment naming its holder.
_AGE_KEY = re.compile(r"age1[02-9ac-hj-np-z]{58}")
_SSH_KEY = re.compile(r"(ssh-ed25519|ssh-rsa) [A-Za-z0-9+/]+={0,3}")


class SealError(ClaimtrackError):
    """A sealed value that cannot be opened although it was sealed to this identity:
    changed after it was sealed (age authenticates it), or not an age file at all."""


class IdentityProblem(ClaimtrackError):
    """An identity file that cannot be read, or is not an identity."""


# -- recipients ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One line of the recipients file: a public ``key`` and the ``holder`` it names."""

    key: str
    holder: str

    @property
    def kind(self) -> str:
        return "age" if self.key.startswith("age1") else self.key.split(" ", 1)[0]

    def line(self) -> str:
        return f"{self.key} {self.holder}".rstrip()

    def same_key(self, other: Recipient) -> bool:
        return self.key == other.key


def recipients_path(db_path: Path) -> Path:
    """The recipients file of the database at ``db_path``: ``claims.recipients`` beside
    ``claims.json``."""
    return db_path.with_suffix(RECIPIENTS_SUFFIX)


def is_private_key(text: str) -> bool:
    """Whether ``text`` holds an age identity or a PEM/OpenSSH private key."""
    return "AGE-SECRET-KEY-" in text.upper() or "PRIVATE KEY" in text


def parse_recipient(text: str, where: str = "recipient") -> Recipient:
    """One recipient from a line (``age1...`` or ``ssh-ed25519 AAAA...``, then an optional
    comment). Raises ``ValidationError`` naming ``where`` for anything else."""
    line = text.strip()
    if is_private_key(line):  # never echoed: an error may end up in a log or a chat
        raise ValidationError(
            f"{where}: that is a private key: never share it",
            "give the public half (the .pub file, or age-keygen -y's output)",
        )
    for pattern in (_AGE_KEY, _SSH_KEY):
        found = pattern.match(line)
        if found and (found.end() == len(line) or line[found.end()].isspace()):
            key = found.group(0)
            _check_key(key, where)
            return Recipient(key, line[found.end() :].strip())
    shown = line if len(line) <= 40 else line[:37] + "..."
    raise ValidationError(
        f"{where}: {shown!r} is not a public key",
        "a recipient is an age key (age1...) or an SSH public key (ssh-ed25519 or ssh-rsa, "
        "as in ~/.ssh/id_ed25519.pub), then a comment naming its holder",
    )


def _check_key(key: str, where: str) -> None:
    """Parse the key as age will (so a typo is caught when it is added, not when a
    source is sealed)."""
    try:
        _age_recipient(key)
    except ValueError as exc:
        raise ValidationError(f"{where}: not a valid public key ({exc})") from None


def read_recipients(path: Path) -> list[Recipient]:
    """The recipients listed in ``path`` (empty when there is no file). Raises
    ``ValidationError`` naming the line of a malformed key (``parse_recipients``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimtrackError(f"cannot read recipients file {path}: {exc}") from None
    return parse_recipients(text, path.name)


def parse_recipients(text: str, name: str) -> list[Recipient]:
    """The recipients a recipients file's ``text`` lists (``name``: the file's name, for
    errors). Blank lines and lines starting with ``#`` are skipped. Raises
    ``ValidationError`` naming the line of a malformed key."""
    found: list[Recipient] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            found.append(parse_recipient(line, f"{name} line {number}"))
    return found


RECIPIENTS_HEADER = (
    "# Who can open this database's confidential sources (claimtrack keys add|rm).\n"
    "# One public key a line, age (age1...) or SSH (ssh-ed25519, ssh-rsa), then its holder.\n"
)


def recipients_text(recipients: Sequence[Recipient]) -> str:
    """The text of a recipients file listing ``recipients`` (public keys: it is committed
    with the database)."""
    return RECIPIENTS_HEADER + "".join(r.line() + "\n" for r in recipients)


def write_recipients(path: Path, text: str | None) -> None:
    """Replace the recipients file with ``text`` atomically; None: remove it (there
    were no recipients)."""
    from claimtrack.store.files import atomic_write

    if text is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, text.encode("utf-8"))


def _age_recipient(key: str) -> pyrage.x25519.Recipient | pyrage.ssh.Recipient:
    import pyrage

    try:
        if key.startswith("age1"):
            return pyrage.x25519.Recipient.from_str(key)
        return pyrage.ssh.Recipient.from_str(key)
    except pyrage.RecipientError as exc:
        raise ValueError(str(exc)) from None


# -- sealing ------------------------------------------------------------------------------


def seal_value(payload: Mapping[str, Any], recipients: Sequence[Recipient]) -> str:
    """``payload`` as JSON in an ASCII-armored age file sealed to every recipient."""
    import pyrage

    if not recipients:
        raise ClaimtrackError("internal error: sealing to no one")
    keys = [_age_recipient(r.key) for r in recipients]
    plain = orjson.dumps(dict(payload), option=orjson.OPT_SORT_KEYS)
    return pyrage.encrypt(plain, keys, armored=True).decode("ascii")


def commitment(key: bytes, name: str) -> str:
    """HMAC-SHA-256 of the folded name under ``key`` (hex): equal for "Ana Petrović" and
    "ana  petrović", useless to anyone without the key."""
    return hmac.new(key, fold(name).encode("utf-8"), hashlib.sha256).hexdigest()


def is_sealed(source: Mapping[str, Any] | None) -> bool:
    return bool(source and source.get("sealed"))


def seal_source(source: Source, recipients: Sequence[Recipient]) -> Source:
    """The record kept in the file for a confidential ``source`` (module docstring)."""
    from claimtrack.confidential import withhold_source

    key = os.urandom(32)
    payload: dict[str, Any] = {k: source.get(k) for k in SEALED_FIELDS if k in source}
    payload["key"] = key.hex()
    kept = cast(dict[str, Any], withhold_source(source))
    kept["sealed"] = seal_value(payload, recipients)
    kept["commitment"] = commitment(key, source["name"])
    return cast(Source, kept)


def sealed_payload(source: Mapping[str, Any]) -> dict[str, Any]:
    """What a plain source would seal (its ``SEALED_FIELDS``): to tell whether an edit
    changed any of them."""
    return {k: source.get(k) for k in SEALED_FIELDS if k in source}


# -- opening ------------------------------------------------------------------------------


class Opener:
    """Opens sealed values with this user's identities, read once, on first use.

    ``prompt(description)`` asks for a passphrase (None: the command's, which the CLI
    gives on a terminal, ``confidential.use_passphrase_prompt``). After a
    failed ``open``, ``problem`` says why (no identity, not a recipient), for the notice a
    command gives once."""

    def __init__(
        self, paths: Sequence[Path] | None = None, prompt: PassphrasePrompt | None = None
    ) -> None:
        self._paths = paths
        self.prompt = prompt
        self._identities: list[Any] | None = None
        self._public: list[Callable[[], str | None]] = []  # each identity's public key
        self.problem: str | None = None
        self.noticed = False
        self._why: str | None = None
        self._skipped: list[str] = []  # why the usual places' keys could not be used
        self._cache: dict[str, dict[str, Any] | None] = {}

    def candidate_paths(self) -> list[Path]:
        if self._paths is not None:
            return list(self._paths)
        named = os.environ.get(IDENTITY_ENV, "").strip()
        if named:
            return [Path(named).expanduser()]
        home = Path.home()
        return [home / p for p in DEFAULT_IDENTITIES if (home / p).is_file()]

    def identities(self) -> list[Any]:
        """This user's identities. Raises ``IdentityProblem`` for a file named by
        ``$CLAIMTRACK_IDENTITY`` that cannot be read or is not an identity."""
        if self._identities is None:
            found: list[tuple[Any, Callable[[], str | None]]] = []
            explicit = self._paths is not None or bool(os.environ.get(IDENTITY_ENV, "").strip())
            skipped: list[str] = []
            prompt = self.prompt if self.prompt is not None else passphrase_prompt()
            for path in self.candidate_paths():
                try:
                    found.extend(load_identities(path, prompt))
                except IdentityProblem as exc:
                    if explicit:
                        raise
                    skipped.append(exc.message)
            self._identities = [identity for identity, _ in found]
            self._public = [public for _, public in found]
            self._skipped = skipped
        return self._identities

    def open(self, ciphertext: str) -> dict[str, Any] | None:
        """The sealed JSON object, or None when this user holds no identity it was sealed
        to (``problem`` says so). Raises ``SealError`` for a tampered value."""
        if ciphertext in self._cache:
            cached = self._cache[ciphertext]
            if cached is None:
                self.problem = self._why
            return cached
        identities = self.identities()
        opened: dict[str, Any] | None = None
        if not identities:
            self.problem = "; ".join(self._skipped) or (
                "no identity found (set $CLAIMTRACK_IDENTITY to an age identity file or an "
                "SSH private key, or keep one at ~/.ssh/id_ed25519)"
            )
        else:
            import pyrage

            try:
                plain = pyrage.decrypt(_dearmor(ciphertext), identities)
            except pyrage.DecryptError as exc:
                if "no matching keys" not in str(exc).lower():
                    raise _tampered() from None
                self.problem = self._not_opened()
            else:
                try:
                    value = orjson.loads(plain)
                except orjson.JSONDecodeError:
                    raise _tampered() from None
                if not isinstance(value, dict):
                    raise _tampered()
                opened = value
        self._cache[ciphertext] = opened
        self._why = self.problem
        return opened

    def _not_opened(self) -> str:
        """Why a value that age found no stanza for this user's keys in was not opened.
        age cannot tell a value sealed to other people from one whose stanza for this
        user was changed (an X25519 stanza names no one; an SSH stanza's tag is four
        bytes of the key's hash): when the recipients file lists one of this user's
        keys, the value should open, so it was changed after sealing or sealed before
        the key was listed, and the notice says both, never "not a recipient"."""
        path = recipients_file()
        try:
            text = path.read_text(encoding="utf-8") if path is not None else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        listed = {_key_of(line) for line in text.splitlines()}
        if path is not None and any(public() in listed for public in self._public):
            return (
                f"a sealed value does not open with your key although {path.name} lists "
                "it: it was changed after it was sealed (tampered), or sealed before your "
                "key was listed ('claimtrack keys seal' by a recipient who can open it "
                "seals it to everyone listed)"
            )
        return "this user is not one of the recipients of the sealed sources"

    def open_source(self, source: Source) -> Source | None:
        """The whole ``source`` from its sealed record, or None when it cannot be opened
        here. A record that is not sealed is returned as it is."""
        if not is_sealed(source):
            return source
        payload = self.open(cast(str, cast(Mapping[str, Any], source)["sealed"]))
        if payload is None:
            return None
        from claimtrack.confidential import withhold_source

        opened = {k: v for k, v in source.items() if k not in SEAL_KEYS}
        # What a sealed record keeps in a sealed field's place; anything else there was
        # written after it was sealed (a merge with an edit made while it was public)
        # and is newer than the sealed value.
        placeholder = cast(Mapping[str, Any], withhold_source(source))
        for key in SEALED_FIELDS:
            if opened.get(key) != placeholder.get(key):
                continue
            if key in payload:
                opened[key] = payload[key]
            elif key == "merged":
                opened.pop("merged", None)
        return cast(Source, opened)

    def confirms(self, source: Source, name: str) -> bool | None:
        """Whether ``name`` is the sealed source's name (its commitment, under the sealed
        key); None when it cannot be opened here."""
        record = cast(Mapping[str, Any], source)
        payload = self.open(str(record["sealed"]))
        if payload is None:
            return None
        key = bytes.fromhex(str(payload.get("key", "")))
        expected = str(record.get("commitment", ""))
        return hmac.compare_digest(commitment(key, name), expected)


def _tampered() -> SealError:
    return SealError(
        "a sealed field was changed after it was sealed (tampered): it cannot be opened",
        "restore the database from git or a backup; 'claimtrack check' lists the sources",
    )


def _dearmor(ciphertext: str) -> bytes:
    """The armored value's bytes (pyrage reads armor itself; this only checks it is text)."""
    try:
        return ciphertext.encode("ascii")
    except UnicodeEncodeError:
        raise _tampered() from None


def _key_of(line: str) -> str | None:
    """The public key a recipients file's line lists, as ``Recipient.key`` has it."""
    words = line.split()
    if not words or words[0].startswith("#"):
        return None
    return words[0] if words[0].startswith("age1") else " ".join(words[:2])


def load_identities(
    path: Path, prompt: PassphrasePrompt | None
) -> list[tuple[Any, Callable[[], str | None]]]:
    """The identities in one file: age ``AGE-SECRET-KEY-1...`` lines, an age file
    protected by a passphrase holding such lines, or an OpenSSH private key (with a
    passphrase or without). Raises ``IdentityProblem`` for a file that cannot be read,
    is another kind of file, or whose passphrase is not given or wrong. Each identity
    comes with a function giving its public key as a recipients file lists it (None
    where it cannot be worked out)."""
    import pyrage

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IdentityProblem(f"cannot read identity file {path}: {exc.strerror}") from None
    if data.startswith((b"age-encryption.org/", b"-----BEGIN AGE ENCRYPTED FILE-----")):
        secret = _ask(prompt, f"passphrase for the age identity {path}", path)
        try:
            data = pyrage.passphrase.decrypt(data, secret)
        except pyrage.DecryptError:
            raise IdentityProblem(f"wrong passphrase for identity file {path}") from None
    text = data.decode("utf-8", errors="replace")
    if "-----BEGIN OPENSSH PRIVATE KEY-----" in text or "-----BEGIN RSA PRIVATE KEY-----" in text:
        try:
            identity = pyrage.ssh.Identity.from_buffer(data)
        except pyrage.IdentityError as exc:
            if "decrypted" not in str(exc):
                raise IdentityProblem(f"{path} is not an SSH key age can use ({exc})") from None
            data = _unlocked_ssh_key(data, path, prompt)
            identity = pyrage.ssh.Identity.from_buffer(data)
        return [(identity, lambda: _ssh_public_key(data))]
    keys = [line.strip() for line in text.splitlines() if line.startswith("AGE-SECRET-KEY-1")]
    if not keys:
        raise IdentityProblem(
            f"{path} is not an identity file",
            "an identity is an age identity file (age-keygen) or an SSH private key; "
            "the .pub file is the public half, for 'claimtrack keys add'",
        )
    try:
        found = [pyrage.x25519.Identity.from_str(k) for k in keys]
    except pyrage.IdentityError as exc:
        raise IdentityProblem(f"{path}: not a valid age identity ({exc})") from None
    return [(identity, _age_public_key(identity)) for identity in found]


def _age_public_key(identity: pyrage.x25519.Identity) -> Callable[[], str | None]:
    return lambda: str(identity.to_public())


def _ssh_public_key(data: bytes) -> str | None:
    """The ``ssh-ed25519 AAAA...`` (``ssh-rsa``) line of an unprotected private key,
    without a comment; None for a key ``cryptography`` does not read."""
    from cryptography.hazmat.primitives import serialization

    try:
        if b"-----BEGIN OPENSSH PRIVATE KEY-----" in data:
            key: Any = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
        public = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return str(public.decode("ascii"))


def _ask(prompt: PassphrasePrompt | None, description: str, path: Path) -> str:
    secret = prompt(description) if prompt is not None else ""
    if not secret:
        raise IdentityProblem(
            f"identity file {path} is protected by a passphrase, and none was given",
            "run the command on a terminal to be asked for it",
        )
    return secret


def _unlocked_ssh_key(data: bytes, path: Path, prompt: PassphrasePrompt | None) -> bytes:
    """The OpenSSH private key in ``data`` without its passphrase, in memory only
    (pyrage reads only unprotected keys; ``cryptography`` opens OpenSSH's format)."""
    from cryptography.hazmat.primitives import serialization

    secret = _ask(prompt, f"passphrase for the SSH key {path}", path)
    try:
        key = serialization.load_ssh_private_key(data, password=secret.encode("utf-8"))
    except (ValueError, TypeError):
        raise IdentityProblem(f"wrong passphrase for SSH key {path}") from None
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )


# -- this process's opener ------------------------------------------------------------------

_opener: Opener | None = None


def opener() -> Opener:
    """This process's opener (identities read once per command); it asks for a
    passphrase with the command's prompt (``confidential.use_passphrase_prompt``)."""
    global _opener
    if _opener is None:
        _opener = Opener()
    return _opener


def used_opener() -> Opener | None:
    """The opener if this command used one (for the notice after it), else None."""
    return _opener


def reset_opener() -> None:
    """Forget identities read (tests run many commands in one process)."""
    global _opener
    _opener = None


def describe(recipients: Iterable[Recipient]) -> list[str]:
    """``kind holder`` per recipient, for ``keys list`` and messages."""
    return [f"{r.kind} {r.holder or '(no comment)'}" for r in recipients]
