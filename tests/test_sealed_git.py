"""A desk shares a database with sealed sources through git (issue 26): real git, a bare
remote and clones, one user a recipient and one not, real keys made in the test."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.helpers import without_ciphertext

CLAIMTRACK = [sys.executable, "-m", "claimtrack"]
SECRETS = ("Quilla", "Marrowfen", "harbour registry", "ext 4417", "Eastern annex", "Night shift")


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"{args} failed in {cwd}: {result.stdout}\n{result.stderr}")
    return result


class Desk:
    """One clone and the person working in it (their name and identity)."""

    def __init__(self, path: Path, env: dict[str, str], user: str, identity: Path) -> None:
        self.path = path
        self.env = {**env, "CLAIMTRACK_USER": user, "CLAIMTRACK_IDENTITY": str(identity)}

    def ct(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run([*CLAIMTRACK, *args], self.path, self.env)

    def git(self, *args: str) -> str:
        return run(["git", *args], self.path, self.env).stdout

    def source(self, source_id: str, *, reveal: bool) -> dict[str, Any]:
        args = ["source", "show", source_id[:7], "--format", "json"]
        return dict(json.loads(self.ct(*args, *(["--reveal"] if reveal else [])).stdout))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Test\n\temail = t@x\n")
    found = {**os.environ, "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
    found.pop("CLAIMTRACK_DB", None)
    return found


def identity(folder: Path, name: str) -> tuple[Path, str]:
    made = pyrage.x25519.Identity.generate()
    path = folder / f"{name}.key"
    path.write_text(f"{made}\n")
    return path, str(made.to_public())


def clone(
    tmp_path: Path, env: dict[str, str], name: str, user: str, key: Path, *, setup: bool = True
) -> Desk:
    # umask 022, as on most systems: git makes every file it checks out 0644
    run(
        [
            "sh",
            "-c",
            'umask 022 && exec git clone -q "$0" "$1"',
            str(tmp_path / "remote.git"),
            name,
        ],
        tmp_path,
        env,
    )
    desk = Desk(tmp_path / name, env, user, key)
    if setup:  # in every clone: git does not copy its config
        said = desk.ct("git", "setup").stderr
        assert "git keeps no file modes" in said
    return desk


def ssh_identity(folder: Path, name: str) -> tuple[Path, str]:
    """A new OpenSSH ed25519 key pair, made by ssh-keygen, and its public line."""
    path = folder / f"id_{name}"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path, path.with_suffix(".pub").read_text().strip()


def no_plaintext(tmp_path: Path, env: dict[str, str], repos: list[Path]) -> None:
    """Every object of every repository, decompressed, and every file of every working
    tree: not one byte of a sealed field."""
    for repo in repos:
        objects = subprocess.run(
            ["git", "cat-file", "--batch-all-objects", "--batch"],
            cwd=repo,
            env=env,
            capture_output=True,
            timeout=120,
            check=True,
        ).stdout
        assert len(objects) > 1000, repo
        plain = without_ciphertext(objects).lower()
        for secret in SECRETS:
            assert secret.lower().encode() not in plain, (secret, repo)
        # every other file, the working tree's and git's own (index, logs, merge
        # messages), read as it is; objects are compressed, and were read above
        for folder, dirs, files in os.walk(repo):
            dirs[:] = [d for d in dirs if d != "objects"]
            for name in files:
                data = without_ciphertext((Path(folder) / name).read_bytes()).lower()
                for secret in SECRETS:
                    assert secret.lower().encode() not in data, (secret, folder, name)


@pytest.mark.slow
def test_a_shared_repository_holds_only_ciphertext_and_merges_sealed_edits(
    tmp_path: Path, env: dict[str, str]
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    ana_key, ana_public = identity(keys, "ana")
    ben_key, _ = identity(keys, "ben")
    run(["git", "init", "-q", "--bare", "remote.git"], tmp_path, env)

    # Ana, a recipient, starts the desk's database with a confidential source.
    ana = clone(tmp_path, env, "ana", "ana", ana_key, setup=False)
    ana.ct("init")
    ana.ct("git", "setup")
    ana.ct("keys", "add", ana_public, "--holder", "Ana (editor)")
    source = ana.ct(
        "source",
        "add",
        "Quilla Marrowfen",
        "--confidential",
        "--role",
        "Clerk at the harbour registry",
        "--notes",
        "ext 4417",
        "-q",
    ).stdout.strip()
    claim = ana.ct("add", "The registry lost 300 files", "--said-by", source, "-q").stdout.strip()
    ana.git("add", "-A")
    ana.git("commit", "-qm", "desk database")
    ana.git("push", "-q", "origin", "main")

    # Ben clones: not a recipient. He sees pseudonyms, is told why, and still works.
    ben = clone(tmp_path, env, "ben", "ben", ben_key)
    assert stat.S_IMODE((ben.path / "claims.json").stat().st_mode) == 0o644  # as git made it
    shown = ben.ct("source", "show", source[:7], "--reveal", "--format", "json")
    assert json.loads(shown.stdout)["name"] == f"Confidential source {source[:7]}"
    assert "not one of the recipients" in shown.stderr
    ben.ct("source", "edit", source[:7], "--kind", "person", "-q")
    ben.ct("status", claim[:7], "checking")
    assert stat.S_IMODE((ben.path / "claims.json").stat().st_mode) == 0o600  # after a clone
    ben.git("commit", "-qam", "ben: kind and status")
    ben.git("push", "-q", "origin", "main")

    # Meanwhile Ana edits a sealed field; the merge driver merges the ciphertext as an
    # opaque value beside Ben's edit of a field in clear.
    ana.ct("source", "edit", source[:7], "--role", "Eastern annex clerk", "-q")
    ana.git("commit", "-qam", "ana: role")
    ana.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert "<<<<<<<" not in (ana.path / "claims.json").read_text()
    merged = ana.source(source, reveal=True)
    assert (merged["role"], merged["kind"]) == ("Eastern annex clerk", "person")
    assert merged["name"] == "Quilla Marrowfen" and merged["notes"] == "ext 4417"
    ana.git("push", "-q", "origin", "main")

    # Two recipients (Ana on a second laptop) edit the same sealed field: a conflict,
    # resolved as any field's (the later edit wins) and recorded in the history.
    laptop = clone(tmp_path, env, "laptop", "ana", ana_key)
    laptop.ct("source", "edit", source[:7], "--notes", "Night shift only", "-q")
    laptop.git("commit", "-qam", "laptop: notes")
    ana.ct("source", "edit", source[:7], "--notes", "ext 4417, mornings", "-q")
    ana.git("commit", "-qam", "ana: notes")
    laptop.git("push", "-q", "origin", "main")
    ana.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert ana.source(source, reveal=True)["notes"] == "ext 4417, mornings"  # the later
    log = [
        json.loads(line)
        for line in ana.ct("log", source[:7], "--format", "jsonl").stdout.split("\n")
        if line
    ]
    conflict = next(e for e in log if e["action"] == "merge")
    assert set(conflict["after"]) >= {"sealed"}
    ana.git("push", "-q", "origin", "main")
    ben.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert ben.source(source, reveal=True)["name"].startswith("Confidential source")

    # Carl joins with his SSH key and opens the sources in his clone. Ana removes him:
    # what she pushes next is sealed to the others only, and undo would put him back.
    carl_key, carl_public = ssh_identity(keys, "carl")
    ana.ct("keys", "add", carl_public, "--holder", "Carl")
    ana.git("add", "-A")
    ana.git("commit", "-qm", "keys: Carl")
    ana.git("push", "-q", "origin", "main")
    carl = clone(tmp_path, env, "carl", "carl", carl_key)
    assert carl.source(source, reveal=True)["role"] == "Eastern annex clerk"
    removed = ana.ct("keys", "rm", "Carl")
    assert "can still open" in removed.stderr
    ana.git("commit", "-qam", "keys: without Carl")
    ana.git("push", "-q", "origin", "main")
    carl.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert carl_public not in (carl.path / "claims.recipients").read_text()
    shown = carl.ct("source", "show", source[:7], "--reveal", "--format", "json")
    assert json.loads(shown.stdout)["name"] == f"Confidential source {source[:7]}"
    assert "not one of the recipients" in shown.stderr
    # the warning is true: the commit before still opens with his key
    earlier = json.loads(carl.git("show", "HEAD~1:claims.json"))["sources"][source]["sealed"]
    his = pyrage.ssh.Identity.from_buffer(carl_key.read_bytes())
    assert b"Marrowfen" in pyrage.decrypt(earlier.encode(), [his])

    # Packed, as a remote's objects end up: the packfiles are read decompressed too.
    run(["git", "gc", "-q"], tmp_path / "remote.git", env)
    assert list((tmp_path / "remote.git" / "objects" / "pack").glob("*.pack"))
    repos = [tmp_path / "remote.git", ana.path, ben.path, laptop.path, carl.path]
    no_plaintext(tmp_path, env, repos)
    # nor the sidecar indexes and scratch files in the users' cache
    for path in (tmp_path / "xdg-cache").rglob("*"):
        if path.is_file():
            data = without_ciphertext(path.read_bytes()).lower()
            assert not [x for x in SECRETS if x.lower().encode() in data], path
