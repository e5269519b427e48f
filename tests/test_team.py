"""Sharing a database through git: real repositories, real merges, no conflicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

CLAIMTRACK = [sys.executable, "-m", "claimtrack"]


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    config = tmp_path / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Test\n\temail = t@x\n")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("CLAIMTRACK_DB", None)
    return env


def sh(args: list[str], cwd: Path, env: dict[str, str], user: str = "ana") -> str:
    result = subprocess.run(
        args,
        cwd=cwd,
        env={**env, "CLAIMTRACK_USER": user},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{args} failed in {cwd}: {result.stdout}\n{result.stderr}")
    return result.stdout


def ct(cwd: Path, env: dict[str, str], *args: str, user: str = "ana") -> str:
    return sh([*CLAIMTRACK, *args], cwd, env, user)


def claims(cwd: Path, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    out = ct(cwd, env, "list", "--format", "jsonl")
    return {c["id"]: c for c in map(json.loads, out.splitlines())}


def make_pair(tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    a = tmp_path / "desk-a"
    a.mkdir()
    sh(["git", "init", "-q"], a, env)
    ct(a, env, "init")
    ct(a, env, "git", "setup")
    seed = Path(__file__).resolve().parent.parent / "seeds" / "serbia-russian-refugees.claims.json"
    ct(a, env, "import", str(seed))
    sh(["git", "add", "-A"], a, env)
    sh(["git", "commit", "-qm", "claims database"], a, env)
    b = tmp_path / "desk-b"
    sh(["git", "clone", "-q", str(a), str(b)], tmp_path, env)
    ct(b, env, "git", "setup", user="ben")
    return a, b


def test_setup_writes_attributes_and_config(tmp_path: Path, git_env: dict[str, str]) -> None:
    a, _ = make_pair(tmp_path, git_env)
    assert "claims.json merge=claimtrack" in (a / ".gitattributes").read_text()
    driver = sh(["git", "config", "merge.claimtrack.driver"], a, git_env)
    assert "merge-driver %O %A %B" in driver
    ct(a, git_env, "git", "setup")  # idempotent
    assert (a / ".gitattributes").read_text().count("merge=claimtrack") == 1


@pytest.mark.slow
def test_two_desks_merge_without_conflicts(tmp_path: Path, git_env: dict[str, str]) -> None:
    a, b = make_pair(tmp_path, git_env)
    base = claims(a, git_env)

    def by_text(start: str) -> str:
        return next(cid for cid, c in base.items() if c["text"].startswith(start))

    dozen = by_text("At least a dozen anti-war")
    eight = by_text("At least eight other Russians")
    koposova = by_text("Elena Koposova is 54 years")
    petrovic = by_text("There is a close political")
    # Desk A: add, re-word, change a status, delete an untouched claim, edit another.
    added_a = ct(a, git_env, "add", "Claim only A has", "--said-by", "Source A", "-q").strip()
    ct(a, git_env, "edit", dozen, "--text", "A's wording of the dozen claim")
    ct(a, git_env, "status", eight, "checking")
    ct(a, git_env, "rm", koposova, "--yes")
    ct(a, git_env, "edit", petrovic, "--add-tag", "quote")
    sh(["git", "commit", "-qam", "desk A"], a, git_env)
    time.sleep(0.01)
    # Desk B, later: add, note the re-worded claim, change the same status, delete the
    # claim A edited.
    added_b = ct(
        b, git_env, "add", "Claim only B has", "--said-by", "Source B", "-q", user="ben"
    ).strip()
    ct(b, git_env, "note", dozen, "B called the activists", user="ben")
    ct(b, git_env, "status", eight, "disputed", user="ben")
    ct(b, git_env, "rm", petrovic, "--yes", user="ben")
    sh(["git", "commit", "-qam", "desk B"], b, git_env)
    started = time.perf_counter()
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(b), "main"], a, git_env)
    elapsed = time.perf_counter() - started
    text = (a / "claims.json").read_text()
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    merged = claims(a, git_env)
    assert added_a in merged and added_b in merged
    assert merged[dozen]["text"] == "A's wording of the dozen claim"
    assert [n["text"] for n in merged[dozen]["notes"]][-1] == "B called the activists"
    assert merged[eight]["status"] == "disputed"  # both changed it: the later edit wins
    assert koposova not in merged  # deleted by A, untouched by B
    assert "merge-kept" in merged[petrovic]["tags"]  # deleted by B but edited by A
    events = [
        json.loads(line) for line in ct(a, git_env, "log", eight, "--format", "jsonl").splitlines()
    ]
    conflict = next(e for e in events if e["action"] == "merge")
    assert conflict["before"] == {"status": "checking"}
    assert conflict["after"] == {"status": "disputed"}
    assert any(e["actor"] == "ben" for e in events)  # who did what survives the merge
    check = subprocess.run(
        [*CLAIMTRACK, "check", "--format", "jsonl"],
        cwd=a,
        env=git_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode in (0, 1)
    assert all(json.loads(line)["code"] != "structure" for line in check.stdout.splitlines())
    print(f"\ngit pull with the claimtrack merge driver: {elapsed:.2f} s")


@pytest.mark.slow
def test_a_thousand_claims_per_side(tmp_path: Path, git_env: dict[str, str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import synth

    a, b = make_pair(tmp_path, git_env)
    for desk, seed, user in ((a, 1, "ana"), (b, 2, "ben")):
        bundle = synth.build(1000, seed)
        export = {
            "format": "claimtrack",
            "schema_version": 1,
            **{k: list(bundle[k].values()) for k in ("claims", "sources", "links")},
        }
        path = tmp_path / f"bulk-{seed}.json"
        path.write_text(json.dumps(export))
        ct(desk, git_env, "import", str(path), user=user)
        sh(["git", "commit", "-qam", f"bulk {seed}"], desk, git_env)
    started = time.perf_counter()
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(b), "main"], a, git_env)
    elapsed = time.perf_counter() - started
    assert len(claims(a, git_env)) == 16 + 2000
    print(f"\nmerge of 1,000 claims per side: {elapsed:.2f} s")
    assert elapsed < 120  # a generous ceiling; the figure is printed for the README


def test_merge_driver_rejects_damaged_input(tmp_path: Path, git_env: dict[str, str]) -> None:
    good = tmp_path / "good.json"
    ct(tmp_path, git_env, "--db", str(good), "add", "x")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = subprocess.run(
        [*CLAIMTRACK, "merge-driver", str(good), str(broken), str(good)],
        capture_output=True,
        text=True,
        env=git_env,
        check=False,
    )
    assert result.returncode == 1 and "not valid JSON" in result.stderr
    assert broken.read_text() == "{not json"


def test_ids_from_two_machines_do_not_collide(tmp_path: Path) -> None:
    code = "from claimtrack import ids; print('\\n'.join(ids.new_id() for _ in range(20000)))"
    first = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(set(first) | set(second)) == 40000
