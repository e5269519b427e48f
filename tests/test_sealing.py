"""Confidential sources sealed in the file to the desk's recipients (issue 26).

Real keys, made in each test: age X25519 identities from pyrage, SSH keys from
ssh-keygen. A recipient reveals; anyone else sees pseudonyms and no command fails.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyrage
import pytest

from claimtrack.confidential import sealing
from claimtrack.errors import ValidationError
from tests.helpers import Cli, without_ciphertext

SECRET_NAME = "Quilla Marrowfen"
SECRET_ROLE = "Clerk at the harbour registry"
SECRET_NOTES = "Reach her through the back office, ext 4417"
SECRETS = (
    "Quilla",
    "Marrowfen",
    "harbour registry",
    "ext 4417",
    "Q. Marrow",
    "retaliation",
    "Ed Vane",
)


def age_key(folder: Path, name: str) -> tuple[Path, str]:
    """A new age identity file and its public key."""
    identity = pyrage.x25519.Identity.generate()
    path = folder / f"{name}.age-identity"
    path.write_text(f"# {name}\n{identity}\n", encoding="utf-8")
    return path, str(identity.to_public())


def ssh_key(folder: Path, name: str, kind: str = "ed25519", passphrase: str = "") -> Path:
    path = folder / f"id_{name}"
    args = ["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", name, "-f", str(path)]
    if kind == "rsa":
        args += ["-b", "2048"]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return path


def add_secret_source(cli: Cli) -> str:
    out = cli(
        "source",
        "add",
        SECRET_NAME,
        "--confidential",
        "--alias",
        "Q. Marrow",
        "--role",
        SECRET_ROLE,
        "--notes",
        SECRET_NOTES,
        "--reason",
        "fears retaliation",
        "--approved-by",
        "Ed Vane",
        "-q",
    )
    return str(out.stdout.strip())


def no_secret_in(data: bytes, where: str) -> None:
    lowered = without_ciphertext(data).lower()
    for secret in SECRETS:
        assert secret.lower().encode() not in lowered, f"{secret!r} in {where}"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "keys"
    folder.mkdir()
    ana, ana_public = age_key(folder, "ana")
    ben, ben_public = age_key(folder, "ben")
    return {"ana": ana, "ana_public": ana_public, "ben": ben, "ben_public": ben_public}


@pytest.fixture
def sealed(
    cli: Cli, keys: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, str, dict[str, Any]]:
    """A database whose only recipient is Ana, holding one sealed source; Ana's identity
    is this user's."""
    cli("init")
    cli("keys", "add", keys["ana_public"], "--holder", "Ana")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    source = add_secret_source(cli)
    return cli, source, keys


# -- the file ----------------------------------------------------------------------------


def test_a_confidential_source_is_kept_only_as_ciphertext_and_a_pseudonym(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path, tmp_path: Path
) -> None:
    _, source, _ = sealed
    raw = db_path.read_bytes()
    no_secret_in(raw, "the database")
    record = json.loads(raw)["sources"][source]
    assert record["name"] == f"Confidential source {source[:7]}"
    assert record["sealed"].startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    assert len(record["commitment"]) == 64
    assert record["kind"] == "unknown" and record["confidential"] is True
    # the sidecar index (in the user's cache) holds no plaintext either
    cache = tmp_path / "xdg-cache"
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files, "the tests run with the index (CLAIMTRACK_INDEX=always)"
    for path in files:
        no_secret_in(path.read_bytes(), str(path))


def test_the_recipient_reveals_and_lookups_by_real_name_work_for_her(
    sealed: tuple[Cli, str, dict[str, Any]],
) -> None:
    cli, source, _ = sealed
    shown = cli.json("source", "show", "q. marrow", "--reveal")  # an alias, any case
    assert shown["id"] == source
    assert shown["name"] == SECRET_NAME and shown["role"] == SECRET_ROLE
    assert shown["approved_by"] == "Ed Vane"
    assert "sealed" not in shown and "commitment" not in shown
    claim = cli.add("The registry lost 300 files", "--said-by", SECRET_NAME)
    assert [s["id"] for s in cli.jsonl("source", "list")] == [source]  # linked, not new
    hidden = cli.json("show", claim)
    assert hidden["links"][0]["source"] == f"Confidential source {source[:7]}"
    assert cli.json("show", claim, "--reveal")["links"][0]["source"] == SECRET_NAME


def test_a_non_recipient_sees_pseudonyms_and_is_told_why(
    sealed: tuple[Cli, str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, keys = sealed
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    result = cli("source", "list", "--reveal", "--format", "jsonl")
    [shown] = [json.loads(line) for line in result.stdout.splitlines()]
    assert shown["name"] == f"Confidential source {source[:7]}"
    assert "not one of the recipients" in result.stderr
    no_secret_in(result.stdout.encode() + result.stderr.encode(), "a non-recipient's output")
    # a lookup by the real name finds nothing for him; by ID it works
    cli("source", "show", SECRET_NAME, code=1)
    assert cli.json("source", "show", source[:7])["id"] == source
    # he may change what is in clear, never what is sealed
    cli("source", "edit", source[:7], "--kind", "person", "-q")
    refused = cli("source", "edit", source[:7], "--role", "Somebody else", code=1)
    assert "sealed and cannot be opened here" in refused.stderr
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    shown = cli.json("source", "show", source[:7], "--reveal")
    assert (shown["kind"], shown["role"]) == ("person", SECRET_ROLE)


def test_without_any_identity_reveal_shows_pseudonyms_and_nothing_fails(
    sealed: tuple[Cli, str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, _ = sealed
    monkeypatch.delenv("CLAIMTRACK_IDENTITY")  # and ~ (tmp) has no ~/.ssh
    result = cli("source", "show", source[:7], "--reveal", "--format", "json")
    assert json.loads(result.stdout)["name"].startswith("Confidential source")
    assert "no identity found" in result.stderr
    from claimtrack.cli import app

    cli.add("The registry lost 300 files", "--said-by", source)
    for args in (
        ["list", "--reveal"],
        ["stats"],
        ["check"],
        ["log", "--reveal"],
        ["export", "--format", "json", "--reveal"],
    ):
        outcome = cli.runner.invoke(app, ["--db", str(cli.db_path), *args])
        assert outcome.exit_code in (0, 1), (args, outcome.stderr)
        assert "Error" not in outcome.stderr, (args, outcome.stderr)
        no_secret_in(outcome.stdout.encode(), f"{args} for someone with no identity")


def test_an_edit_by_the_recipient_is_sealed_anew_and_undo_restores_it(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path
) -> None:
    cli, source, _ = sealed
    before = json.loads(db_path.read_bytes())["sources"][source]["sealed"]
    cli("source", "edit", source[:7], "--role", "Head of the archive room", "-q")
    after = json.loads(db_path.read_bytes())["sources"][source]["sealed"]
    assert after != before
    no_secret_in(db_path.read_bytes(), "the database after an edit")
    assert b"archive room" not in db_path.read_bytes()
    assert cli.json("source", "show", source[:7], "--reveal")["role"] == "Head of the archive room"
    # the history: opened for the recipient, as the change was made; withheld otherwise
    [edit] = [e for e in cli.jsonl("log", source[:7], "--reveal") if e["action"] == "edit"]
    assert edit["before"]["role"] == SECRET_ROLE
    assert edit["after"]["role"] == "Head of the archive room"
    assert "name" not in edit["after"] and "sealed" not in edit["after"]
    no_secret_in(cli("log", "--format", "jsonl").stdout.encode(), "log without --reveal")
    cli("undo")
    assert cli.json("source", "show", source[:7], "--reveal")["role"] == SECRET_ROLE
    assert json.loads(db_path.read_bytes())["sources"][source]["sealed"] == before


def test_a_tampered_ciphertext_is_reported_as_tampered_never_shown(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path
) -> None:
    cli, source, _ = sealed
    data = json.loads(db_path.read_bytes())
    armored = data["sources"][source]["sealed"]
    binary = bytearray(base64.b64decode("".join(armored.splitlines()[1:-1])))
    binary[-1] ^= 0x01  # the payload's last byte, after the header naming the recipients
    encoded = base64.b64encode(bytes(binary)).decode()
    body = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    lines = [armored.splitlines()[0], *body, armored.splitlines()[-1]]
    data["sources"][source]["sealed"] = "\n".join(lines) + "\n"
    from claimtrack.store.fileformat import dump

    db_path.write_bytes(dump(data))
    result = cli("source", "show", source[:7], "--reveal", code=1)
    assert "tampered" in result.stderr
    assert result.stdout == ""
    # without --reveal nothing is opened, and nothing fails
    assert cli.json("source", "show", source[:7])["name"].startswith("Confidential source")


def _rewritten(armored: str, stanza: int, *, tag: bool = False) -> str:
    """``armored`` with one character of the body of its ``stanza``-th recipient stanza
    (0: the first recipient's) changed, or with ``tag`` of the SSH key's tag on its
    "-> ssh-ed25519 TAG ..." line; the rest of the file as it was."""
    lines = armored.splitlines()
    binary = base64.b64decode("".join(lines[1:-1]))
    header, rest = binary.split(b"\n---", 1)
    parts = header.split(b"\n")
    body = [i + 1 for i, part in enumerate(parts) if part.startswith(b"-> ")][stanza]
    where, at = (body - 1, len(b"-> ssh-ed25519 ")) if tag else (body, 0)
    changed = bytearray(parts[where])
    changed[at] = ord("A") if changed[at] != ord("A") else ord("B")
    parts[where] = bytes(changed)
    encoded = base64.b64encode(b"\n".join(parts) + b"\n---" + rest).decode()
    body_lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return "\n".join([lines[0], *body_lines, lines[-1]]) + "\n"


def _replace_sealed(db_path: Path, source: str, sealed_value: str) -> None:
    from claimtrack.store.fileformat import dump

    data = json.loads(db_path.read_bytes())
    data["sources"][source]["sealed"] = sealed_value
    db_path.write_bytes(dump(data))


def test_a_tampered_header_is_tampered_for_a_listed_recipient_never_not_a_recipient(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, keys = sealed
    cli("keys", "add", keys["ben_public"], "--holder", "Ben")  # stanzas: Ana's, then Ben's
    armored = json.loads(db_path.read_bytes())["sources"][source]["sealed"]
    # Ben's stanza changed: Ana's opens the file key, and the header's MAC fails
    _replace_sealed(db_path, source, _rewritten(armored, 1))
    result = cli("source", "show", source[:7], "--reveal", code=1)
    assert "tampered" in result.stderr and result.stdout == ""
    # Ana's own stanza changed: age finds no stanza for her key, as if sealed to others;
    # her key is listed, so she is told it was changed (or sealed before she was listed)
    _replace_sealed(db_path, source, _rewritten(armored, 0))
    shown = cli("source", "show", source[:7], "--reveal", "-f", "json")
    assert json.loads(shown.stdout)["name"].startswith("Confidential source")
    assert "tampered" in shown.stderr
    assert "not one of the recipients" not in shown.stderr
    # someone the recipients file does not list is told just that
    carl, _ = age_key(db_path.parent, "carl")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(carl))
    other = cli("source", "show", source[:7], "--reveal", "-f", "json")
    assert "not one of the recipients" in other.stderr and "tampered" not in other.stderr


def test_a_tampered_ssh_stanza_is_tampered(
    cli: Cli, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ssh_key(tmp_path, "ed")
    cli("init")
    cli("keys", "add", str(key) + ".pub", "--holder", "Ed")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(key))
    source = add_secret_source(cli)
    armored = json.loads(db_path.read_bytes())["sources"][source]["sealed"]
    _replace_sealed(db_path, source, _rewritten(armored, 0))
    result = cli("source", "show", source[:7], "--reveal", code=1)
    assert "tampered" in result.stderr and result.stdout == ""
    # the tag naming the key changed: no stanza is hers, and her key is listed
    _replace_sealed(db_path, source, _rewritten(armored, 0, tag=True))
    shown = cli("source", "show", source[:7], "--reveal", "-f", "json")
    assert json.loads(shown.stdout)["name"].startswith("Confidential source")
    assert "tampered" in shown.stderr


# -- recipients ----------------------------------------------------------------------------


def test_a_malformed_recipient_names_its_line(tmp_path: Path, cli: Cli) -> None:
    cli("init")
    _, public = age_key(tmp_path, "ok")
    path = tmp_path / "claims.recipients"
    path.write_text(f"# desk\n{public} Ana\n\nssh-ed25519 AAAAnotakey Ben\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"claims\.recipients line 4"):
        sealing.read_recipients(path)
    result = cli("keys", "list", code=1)
    assert "claims.recipients line 4" in result.stderr
    path.write_text("age1nothing Ana\n", encoding="utf-8")
    assert "line 1" in cli("keys", "list", code=1).stderr


def test_keys_add_refuses_a_private_key_and_a_duplicate(
    sealed: tuple[Cli, str, dict[str, Any]],
) -> None:
    cli, _, keys = sealed
    refused = cli("keys", "add", str(keys["ana"]), code=1)
    assert "private key" in refused.stderr
    again = cli("keys", "add", keys["ana_public"], code=1)
    assert "already a recipient" in again.stderr


def test_keys_rm_reseals_so_a_removed_key_opens_nothing_new(
    sealed: tuple[Cli, str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    cli, source, keys = sealed
    cli("keys", "add", keys["ben_public"], "--holder", "Ben")
    assert [line.split("\t")[1] for line in cli("keys", "list").stdout.splitlines()] == [
        "Ana",
        "Ben",
    ]
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    assert cli.json("source", "show", source[:7], "--reveal")["name"] == SECRET_NAME
    old = json.loads(db_path.read_bytes())["sources"][source]["sealed"]
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    removed = cli("keys", "rm", "ben")
    assert "can still open what was sealed to them before" in removed.stderr
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    hidden = cli.json("source", "show", source[:7], "--reveal")
    assert hidden["name"].startswith("Confidential source")
    # what he kept from before still opens for him: the warning is true
    ben = sealing.Opener([keys["ben"]])
    assert ben.open(old) is not None
    assert ben.open(json.loads(db_path.read_bytes())["sources"][source]["sealed"]) is None


def test_keys_add_is_one_change_that_one_undo_reverts(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path
) -> None:
    cli, source, keys = sealed
    add_secret_source_two = cli("source", "add", "Second Person", "--confidential", "-q")
    second = add_secret_source_two.stdout.strip()
    recipients = db_path.parent / "claims.recipients"
    before = json.loads(db_path.read_bytes())["sources"]
    listed_before = recipients.read_bytes()
    cli("keys", "add", keys["ben_public"], "--holder", "Ben")
    log = cli.jsonl("log")  # newest first
    events = [e for e in log if e["change"] == log[0]["change"]]
    assert sorted(e["kind"] for e in events) == ["recipients", "source", "source"]
    assert [e["summary"] for e in events if e["kind"] == "recipients"] == [
        "recipients: Ana \u2192 Ana, Ben"
    ]
    after = json.loads(db_path.read_bytes())["sources"]
    listed_after = recipients.read_bytes()
    assert keys["ben_public"].encode() in listed_after
    assert all(after[k]["sealed"] != before[k]["sealed"] for k in (source, second))
    undone = cli("undo")
    assert "keys-add" in undone.stderr
    restored = json.loads(db_path.read_bytes())["sources"]
    assert all(restored[k]["sealed"] == before[k]["sealed"] for k in (source, second))
    assert recipients.read_bytes() == listed_before
    no_secret_in(db_path.read_bytes(), "the database after undoing keys add")
    cli("redo")
    assert recipients.read_bytes() == listed_after
    redone = json.loads(db_path.read_bytes())["sources"]
    assert all(redone[k]["sealed"] == after[k]["sealed"] for k in (source, second))
    no_secret_in(db_path.read_bytes(), "the database after redoing keys add")


def test_keys_rm_is_undone_and_redone_with_its_recipients_file(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, keys = sealed
    recipients = db_path.parent / "claims.recipients"
    cli("keys", "add", keys["ben_public"], "--holder", "Ben")
    both = recipients.read_bytes(), json.loads(db_path.read_bytes())["sources"][source]
    cli("keys", "rm", "Ben")
    ana_only = recipients.read_bytes(), json.loads(db_path.read_bytes())["sources"][source]
    cli("undo")
    assert (recipients.read_bytes(), json.loads(db_path.read_bytes())["sources"][source]) == both
    # Ben opens the source again, as before the removal, and new sources are his too
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    assert cli.json("source", "show", source[:7], "--reveal")["name"] == SECRET_NAME
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    cli("redo")
    assert (recipients.read_bytes(), json.loads(db_path.read_bytes())["sources"][source]) == (
        ana_only
    )
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    assert cli.json("source", "show", source[:7], "--reveal")["name"] != SECRET_NAME


def test_undo_of_keys_add_refuses_a_recipients_file_changed_since(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path
) -> None:
    cli, _, keys = sealed
    recipients = db_path.parent / "claims.recipients"
    cli("keys", "add", keys["ben_public"], "--holder", "Ben")
    # comments and line endings are no change; another list of keys is
    recipients.write_bytes(b"# edited\r\n" + recipients.read_bytes().replace(b"\n", b"\r\n"))
    cli("undo", "--dry-run")
    cli("undo")
    cli("redo")
    _, carl_public = age_key(db_path.parent, "carl")
    recipients.write_text(recipients.read_text() + f"{carl_public} Carl\n")
    database = db_path.read_bytes()
    refused = cli("undo", code=1)
    assert "lists other keys than this change left" in refused.stderr
    assert db_path.read_bytes() == database
    assert carl_public in recipients.read_text()


def test_undo_of_the_first_keys_add_never_puts_sources_back_in_clear(
    cli: Cli, keys: dict[str, Any], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("init")
    recipients = db_path.parent / "claims.recipients"
    # no confidential source yet: the first recipient is undone, file and all
    cli("keys", "add", keys["ana_public"], "--holder", "Ana")
    cli("undo")
    assert not recipients.exists()
    cli("redo")
    assert keys["ana_public"] in recipients.read_text()
    cli("undo")
    add_secret_source(cli)  # kept as before sealing: there are no recipients
    cli("keys", "add", keys["ana_public"], "--holder", "Ana")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    sealed_file, listed = db_path.read_bytes(), recipients.read_bytes()
    refused = cli("undo", code=1)
    assert "in clear" in refused.stderr
    assert (db_path.read_bytes(), recipients.read_bytes()) == (sealed_file, listed)
    no_secret_in(db_path.read_bytes(), "the database after a refused undo")


def test_only_a_recipient_can_change_the_recipients(
    sealed: tuple[Cli, str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    cli, _, keys = sealed
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    before = db_path.read_bytes()
    recipients = (db_path.parent / "claims.recipients").read_bytes()
    result = cli("keys", "add", keys["ben_public"], "--holder", "Ben", code=1)
    assert "cannot be opened here" in result.stderr
    assert db_path.read_bytes() == before
    assert (db_path.parent / "claims.recipients").read_bytes() == recipients


def test_keys_rm_refuses_the_last_recipient(sealed: tuple[Cli, str, dict[str, Any]]) -> None:
    cli, _, _ = sealed
    assert "last recipient" in cli("keys", "rm", "Ana", code=1).stderr


# -- older databases, and sources made confidential later -------------------------------


def test_keys_seal_seals_an_old_database_and_its_history(
    cli: Cli, keys: dict[str, Any], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("init")
    source = add_secret_source(cli)  # no recipients yet: kept as before sealing
    cli("source", "edit", source[:7], "--notes", "Moved to the 4417 desk")
    assert b"Marrowfen" in db_path.read_bytes()
    (db_path.parent / "claims.recipients").write_text(f"{keys['ana_public']} Ana\n")
    result = cli("keys", "seal")
    assert "git filter-repo" in result.stderr
    no_secret_in(db_path.read_bytes(), "the database after keys seal")
    # the rewritten history events are vouched for in the hash chain, which still holds
    assert "vouched in the chain" in cli("log", "-n", "1").stdout
    cli("log", "--verify")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    assert cli.json("source", "show", source[:7], "--reveal")["notes"] == "Moved to the 4417 desk"
    # the sealed history still undoes: the notes edit, then the seal
    cli("undo")
    no_secret_in(db_path.read_bytes(), "the database after undoing the seal")
    cli("undo")
    assert cli.json("source", "show", source[:7], "--reveal")["notes"] == SECRET_NOTES
    no_secret_in(db_path.read_bytes(), "the database after undoing an edit")
    cli("log", "--verify")


@pytest.mark.parametrize("how", ["rm", "undo", "merge"])
def test_sealing_covers_the_history_of_confidential_sources_removed_before_it(
    cli: Cli, keys: dict[str, Any], db_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    cli("init")
    source = add_secret_source(cli)  # no recipients yet: kept as before sealing
    if how == "rm":
        cli("source", "rm", source[:7], "--yes")
    elif how == "undo":
        cli("undo")
    else:
        other = cli("source", "add", "Port authority press office", "-q").stdout.strip()
        cli("source", "merge", source[:7], other[:7], "--yes")
    assert b"Marrowfen" in db_path.read_bytes()  # in its history only
    cli("keys", "add", keys["ana_public"], "--holder", "Ana")
    no_secret_in(db_path.read_bytes(), f"the database after keys add ({how} before)")
    cli("log", "--verify")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    if how == "merge":  # the merged-away source's name opens for the recipient
        survivor = cli.json("source", "list", "--reveal")[0]
        assert "Q. Marrow" in survivor["aliases"] or SECRET_NAME in survivor["aliases"]
    # undoing the first keys add would put that history back in clear: refused
    assert "in clear" in cli("undo", code=1).stderr
    no_secret_in(db_path.read_bytes(), "the database after a refused undo")


def test_making_a_source_confidential_seals_it_and_says_old_commits_keep_the_text(
    cli: Cli, keys: dict[str, Any], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("init")
    cli("keys", "add", keys["ana_public"], "--holder", "Ana")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ana"]))
    source = cli("source", "add", SECRET_NAME, "--role", SECRET_ROLE, "-q").stdout.strip()
    result = cli("source", "edit", source[:7], "--confidential", "-q")
    assert "earlier commits" in result.stderr and "git filter-repo" in result.stderr
    no_secret_in(db_path.read_bytes(), "the database")
    cli("undo")
    assert cli.json("source", "show", source[:7])["name"] == SECRET_NAME


def test_confirm_answers_without_printing_the_name(
    sealed: tuple[Cli, str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, keys = sealed
    yes = cli("source", "confirm", source[:7], "  quilla   MARROWFEN ")
    assert yes.stdout == "yes\n"
    no = cli("source", "confirm", source[:7], "Quilla Marrow", code=1)
    assert no.stdout == "no\n"
    no_secret_in((yes.stderr + no.stderr).encode(), "confirm's messages")
    for empty in ("", "   "):  # an error, not an answer of "no"
        nothing = cli("source", "confirm", source[:7], empty, code=1)
        assert nothing.stdout == "" and nothing.stderr.startswith("Error: no name given")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(keys["ben"]))
    refused = cli("source", "confirm", source[:7], SECRET_NAME, code=1)
    assert refused.stdout == ""


def test_a_json_export_keeps_the_ciphertext_and_restores_sealed(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path
) -> None:
    cli, source, _ = sealed
    backup = tmp_path / "backup.json"
    cli("export", "--format", "json", "-o", str(backup))
    no_secret_in(backup.read_bytes(), "the export")
    restored_db = tmp_path / "restored.json"
    restored = Cli(restored_db)
    restored("init")
    restored("import", str(backup))
    record = json.loads(restored_db.read_bytes())["sources"][source]
    assert record["sealed"] == json.loads(backup.read_bytes())["sources"][0]["sealed"]
    (tmp_path / "restored.recipients").write_bytes((tmp_path / "claims.recipients").read_bytes())
    assert restored.json("source", "show", source[:7], "--reveal")["name"] == SECRET_NAME


# -- identities ------------------------------------------------------------------------------


def test_ssh_ed25519_and_rsa_keys_are_recipients_and_identities(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ed = ssh_key(tmp_path, "ed")
    rsa = ssh_key(tmp_path, "rsa", "rsa")
    cli("init")
    cli("keys", "add", str(ed) + ".pub")
    cli("keys", "add", str(rsa) + ".pub")
    assert [line.split("\t")[0] for line in cli("keys", "list").stdout.splitlines()] == [
        "ssh-ed25519",
        "ssh-rsa",
    ]
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(rsa))
    source = add_secret_source(cli)
    assert cli.json("source", "show", source[:7], "--reveal")["name"] == SECRET_NAME
    # no $CLAIMTRACK_IDENTITY: ~/.ssh/id_ed25519 is used
    monkeypatch.delenv("CLAIMTRACK_IDENTITY")
    home = Path(os.environ["HOME"])
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_bytes(ed.read_bytes())
    assert cli.json("source", "show", source[:7], "--reveal")["name"] == SECRET_NAME


def test_a_usual_key_with_a_passphrase_and_no_terminal_is_named_in_the_notice(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, _ = sealed
    monkeypatch.delenv("CLAIMTRACK_IDENTITY")
    locked = ssh_key(tmp_path, "locked", passphrase="correct horse")
    home = Path(os.environ["HOME"])
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_bytes(locked.read_bytes())
    result = cli("source", "show", source[:7], "--reveal", "--format", "json")
    assert json.loads(result.stdout)["name"].startswith("Confidential source")
    assert "protected by a passphrase, and none was given" in result.stderr


def test_passphrase_protected_identities_open_with_the_passphrase(tmp_path: Path) -> None:
    ssh = ssh_key(tmp_path, "locked", passphrase="correct horse")
    identity = pyrage.x25519.Identity.generate()
    age_locked = tmp_path / "locked.age"
    age_locked.write_bytes(
        pyrage.passphrase.encrypt(f"{identity}\n".encode(), "battery staple", armored=True)
    )
    recipients = [
        sealing.parse_recipient((tmp_path / "id_locked.pub").read_text()),
        sealing.parse_recipient(str(identity.to_public())),
    ]
    value = sealing.seal_value({"name": SECRET_NAME}, recipients)
    for path, secret in ((ssh, "correct horse"), (age_locked, "battery staple")):
        asked: list[str] = []

        def prompt(description: str, secret: str = secret, asked: list[str] = asked) -> str:
            asked.append(description)
            return secret

        assert sealing.Opener([path], prompt).open(value) == {"name": SECRET_NAME}
        assert len(asked) == 1 and str(path) in asked[0]
        with pytest.raises(sealing.IdentityProblem, match="wrong passphrase"):
            sealing.Opener([path], lambda _: "wrong").open(value)
        with pytest.raises(sealing.IdentityProblem, match="protected by a passphrase"):
            sealing.Opener([path], None).open(value)


@pytest.fixture
def locked_recipient(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, str]:
    """The sealed database with a second recipient whose SSH key has a passphrase
    ("correct horse"), which is this user's identity from now on."""
    cli, source, _ = sealed
    locked = ssh_key(tmp_path, "locked", passphrase="correct horse")
    cli("keys", "add", str(locked) + ".pub", "--holder", "Lee")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(locked))
    return cli, source


def test_a_passphrase_is_asked_by_the_cli_on_a_terminal_before_the_lock(
    locked_recipient: tuple[Cli, str], db_path: Path
) -> None:
    from claimtrack.cli.context import Environment

    cli, source = locked_recipient
    terminal = Environment(stdin_isatty=True, stderr_isatty=True)
    shown = cli(
        "source",
        "show",
        source[:7],
        "--reveal",
        "-f",
        "json",
        input="correct horse\n",
        env=terminal,
    )
    assert json.loads(shown.stdout)["name"] == SECRET_NAME
    assert "Enter the passphrase for the SSH key" in shown.stderr
    assert "correct horse" not in shown.stderr + shown.stdout  # not echoed
    # a use case that writes asks before it takes the write lock
    from claimtrack.operations import Desk
    from claimtrack.store.files import locked

    asked: list[str] = []

    def ask(description: str) -> str:
        with locked(db_path, timeout=0):  # free: nobody holds it while the user types
            asked.append(description)
        return "correct horse"

    sealing.reset_opener()  # a new command: the identity is read afresh
    Desk(db_path, ask_passphrase=ask).remove_recipient("Lee")
    assert len(asked) == 1
    assert [r.holder for r in sealing.read_recipients(db_path.with_suffix(".recipients"))] == [
        "Ana"
    ]


def test_without_a_terminal_a_protected_identity_is_one_error_line_not_a_prompt(
    locked_recipient: tuple[Cli, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    def no_prompt(*args: object, **kwargs: object) -> str:
        raise AssertionError("the core asked for a passphrase itself")

    monkeypatch.setattr(getpass, "getpass", no_prompt)
    cli, source = locked_recipient
    result = cli("source", "show", source[:7], "--reveal", code=1)
    assert result.stdout == ""
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        f"Error: identity file {os.environ['CLAIMTRACK_IDENTITY']} is protected by a "
        "passphrase, and none was given"
    ]
    # the core alone, given no way to ask, says the same
    opener = sealing.Opener([Path(os.environ["CLAIMTRACK_IDENTITY"])])
    with pytest.raises(sealing.IdentityProblem, match="protected by a passphrase"):
        opener.identities()


def test_an_identity_file_of_the_wrong_kind_or_missing_says_so(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, source, _ = sealed
    public = tmp_path / "public.txt"
    public.write_text("age1notanidentity\n")
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(public))
    result = cli("source", "show", source[:7], "--reveal", code=1)
    assert "is not an identity file" in result.stderr
    monkeypatch.setenv("CLAIMTRACK_IDENTITY", str(tmp_path / "nowhere"))
    result = cli("source", "show", source[:7], "--reveal", code=1)
    assert "cannot read identity file" in result.stderr


# -- start-up -----------------------------------------------------------------------------------


def test_commands_that_do_not_reveal_never_import_the_crypto(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path
) -> None:
    cli, source, _ = sealed
    claim = cli.add("The registry lost 300 files")
    env = {**os.environ, "CLAIMTRACK_DB": str(db_path)}
    for args in (
        ["--help"],
        ["add", "Another claim", "-q"],
        ["list"],
        ["show", claim],
        ["source", "list"],
        ["source", "show", source[:7]],
        ["log"],
        ["check"],
        ["stats"],
        ["export", "--format", "json"],
        ["export", "--format", "csv"],
        ["status", claim, "checking", "-q"],
        ["undo"],  # of a claim's status: no sealed value to open
    ):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "claimtrack", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode in (0, 1), (args, result.stderr[-500:])  # check: 1
        assert "Error" not in result.stderr, (args, result.stderr[-500:])
        imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
        assert not {"pyrage", "claimtrack.confidential.sealing", "cryptography"} & imported, args
    revealed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "claimtrack", "source", "list", "--reveal"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "pyrage" in {line.rsplit("|", 1)[-1].strip() for line in revealed.stderr.splitlines()}


def test_merging_a_sealed_source_into_a_public_one_seals_the_survivor_and_its_history(
    sealed: tuple[Cli, str, dict[str, Any]], db_path: Path
) -> None:
    cli, source, _ = sealed
    public = cli("source", "add", "Orrin Blackwater", "--role", "Harbour pilot", "-q")
    survivor = public.stdout.strip()
    cli("source", "merge", survivor, source, "--yes")
    raw = db_path.read_bytes()
    no_secret_in(raw, "the database after the merge")
    assert b"Orrin" not in raw and b"Harbour pilot" not in raw
    shown = cli.json("source", "show", survivor[:7], "--reveal")
    assert shown["name"] == "Orrin Blackwater"
    assert SECRET_NAME in shown["aliases"] and "Q. Marrow" in shown["aliases"]
    assert shown["confidential"] is True
    cli("undo")
    assert cli.json("source", "show", source[:7], "--reveal")["role"] == SECRET_ROLE
    assert cli.json("source", "show", survivor[:7])["name"] == "Orrin Blackwater"


def test_importing_a_revealed_export_seals_its_confidential_sources_and_history(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path
) -> None:
    cli, source, _ = sealed
    cli("source", "edit", source[:7], "--notes", "Moved to the 4417 desk", "-q")
    revealed = tmp_path / "revealed.json"
    cli("export", "--format", "json", "--reveal", "-o", str(revealed))
    assert SECRET_NAME.encode() in revealed.read_bytes()  # what --reveal is for
    other_db = tmp_path / "other.json"
    other = Cli(other_db)
    other("init")
    (tmp_path / "other.recipients").write_bytes((tmp_path / "claims.recipients").read_bytes())
    other("import", str(revealed))
    no_secret_in(other_db.read_bytes(), "a database that imported a revealed export")
    assert other.json("source", "show", source[:7], "--reveal")["notes"] == "Moved to the 4417 desk"


def test_a_field_written_in_clear_over_a_sealed_record_is_newer_and_kept(
    keys: dict[str, Any],
) -> None:
    # A merge with an edit made on another clone while the source was public leaves
    # that field in clear beside the sealed value: the edit wins, as any later edit.
    recipients = [sealing.parse_recipient(keys["ana_public"])]
    whole = {
        "id": "abcdefghjkmnpqrs",
        "name": SECRET_NAME,
        "kind": "person",
        "role": SECRET_ROLE,
        "url": None,
        "aliases": [],
        "notes": None,
        "confidential": True,
        "reason": "fears retaliation",
        "approved_by": None,
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
        "author": "ana",
    }
    record: dict[str, Any] = dict(sealing.seal_source(whole, recipients))  # type: ignore[arg-type]
    opener = sealing.Opener([keys["ana"]])
    assert opener.open_source(record) == whole  # type: ignore[arg-type]
    record["role"] = "Edited on the other clone"
    opened = opener.open_source(record)  # type: ignore[arg-type]
    assert opened is not None
    assert opened["role"] == "Edited on the other clone"
    assert opened["name"] == SECRET_NAME and opened["reason"] == "fears retaliation"


def test_a_private_key_given_as_text_is_refused_and_never_echoed(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path
) -> None:
    cli, _, keys = sealed
    age_secret = keys["ana"].read_text(encoding="utf-8").splitlines()[1]
    ssh_secret = ssh_key(tmp_path, "pasted").read_text(encoding="utf-8")
    secret_lines = [age_secret, *ssh_secret.splitlines()[1:-1]]
    for given in ([age_secret], [ssh_secret], ["-"]):
        result = cli("keys", "add", *given, input=age_secret + "\n", code=1)
        assert result.stderr.startswith("Error: key: that is a private key: never share it")
        assert not any(line[:12] in result.stderr for line in secret_lines)
    # In the recipients file, too, the line is named and the key not shown.
    path = cli.db_path.with_suffix(".recipients")
    path.write_text(path.read_text(encoding="utf-8") + age_secret + "\n", encoding="utf-8")
    listed = cli("keys", "list", code=1).stderr
    assert "that is a private key" in listed and age_secret[:20] not in listed


def test_an_empty_or_binary_key_is_one_clear_error(
    sealed: tuple[Cli, str, dict[str, Any]], tmp_path: Path
) -> None:
    cli, _, _ = sealed
    assert cli("keys", "add", "", code=1).stderr.startswith("Error: no key given\n")
    binary = tmp_path / "random.pub"
    binary.write_bytes(b"\xa7\x00\xff" * 8)
    result = cli("keys", "add", str(binary), code=1)
    assert result.stderr == f"Error: {binary} is not a public key file: not text\n"


# Each writing use case that opens a sealed source, with the arguments it is given:
# (desk, the sealed source, a second sealed source) -> the call.
OPENING_WRITES: dict[str, Callable[[Any, str, str], object]] = {
    "source edit --notes": lambda desk, s, _: desk.edit_source(s, notes="met twice"),
    "source edit --name": lambda desk, s, _: desk.edit_source(s, name="Another Name"),
    "source edit --alias": lambda desk, s, _: desk.edit_source(s, add_aliases=["A. N."]),
    "source edit --public": lambda desk, s, _: desk.edit_source(s, confidential=False),
    "source merge": lambda desk, s, t: desk.merge("source", [s, t], confirm=lambda _: True),
}


@pytest.mark.parametrize("case", list(OPENING_WRITES))
def test_every_write_that_opens_a_sealed_source_asks_before_the_lock(
    locked_recipient: tuple[Cli, str], db_path: Path, case: str
) -> None:
    """The rule for questions (docs/architecture.md): a passphrase is typed with no
    lock held, so a colleague's command never waits on it. ``source edit`` asked under
    the lock; a change to a field in clear (the kind) asks nothing at all."""
    from claimtrack.operations import Desk
    from claimtrack.store.files import locked

    _, source = locked_recipient
    other = Desk(db_path, ask_passphrase=lambda _: "correct horse").add_source(
        "Second Person", confidential=True
    )["id"]
    asked: list[str] = []

    def ask(description: str) -> str:
        with locked(db_path, timeout=0):  # raises if the command holds the lock
            asked.append(description)
        return "correct horse"

    sealing.reset_opener()  # a new command: the identity is read afresh
    OPENING_WRITES[case](Desk(db_path, ask_passphrase=ask), source[:7], other[:7])
    assert len(asked) == 1


def test_an_edit_of_a_sealed_source_in_clear_asks_nothing(
    locked_recipient: tuple[Cli, str], db_path: Path
) -> None:
    from claimtrack.operations import Desk

    _, source = locked_recipient

    def ask(description: str) -> str:
        raise AssertionError(f"asked for the {description} to change a field in clear")

    sealing.reset_opener()
    edited = Desk(db_path, ask_passphrase=ask).edit_source(source[:7], kind="organisation")
    assert edited.view["kind"] == "organisation"
