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
    run(["git", "clone", "-q", str(tmp_path / "remote.git"), name], tmp_path, env)
    desk = Desk(tmp_path / name, env, user, key)
    if setup:  # in every clone: git does not copy its config
        desk.ct("git", "setup")
    return desk


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
        for folder, dirs, files in os.walk(repo):
            dirs[:] = [d for d in dirs if d != ".git"]
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

    # Ben leaves the desk's keys as they were; Ana removes a recipient she added.
    _, carl_public = identity(keys, "carl")
    ana.ct("keys", "add", carl_public, "--holder", "Carl")
    removed = ana.ct("keys", "rm", "Carl")
    assert "can still open" in removed.stderr
    ana.git("add", "-A")
    ana.git("commit", "-qm", "keys")
    ana.git("push", "-q", "origin", "main")

    no_plaintext(tmp_path, env, [tmp_path / "remote.git", ana.path, ben.path, laptop.path])
