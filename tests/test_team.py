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
    assert elapsed < 120  # a generous ceiling; the figure is printed for docs/team.md


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


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_setup_quotes_a_path_git_reads_specially_and_is_idempotent(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    repo = tmp_path / "desk [A] #1"
    story = repo / "!my story"
    story.mkdir(parents=True)
    sh(["git", "init", "-q"], repo, git_env)
    # What claimtrack before issue 16 wrote: git warns and reads no attribute from it.
    (repo / ".gitattributes").write_text("!my story/claims.json merge=claimtrack\n*.pdf binary")
    ct(story, git_env, "init")
    ct(story, git_env, "git", "setup")
    again = run([*CLAIMTRACK, "git", "setup"], story, git_env)
    assert again.returncode == 0 and "Already set up: nothing to commit." in again.stderr
    attributes = (repo / ".gitattributes").read_text()
    assert attributes.count("merge=claimtrack") == 1 and "*.pdf binary\n" in attributes
    assert r'"\\!my story/claims.json" merge=claimtrack' in attributes.splitlines()
    checked = run(
        [
            "git",
            "check-attr",
            "merge",
            "binary",
            "--",
            "!my story/claims.json",
            "!my story/claims.evidence/x.warc.gz",
            "claims.json",
        ],
        repo,
        git_env,
    )
    assert checked.returncode == 0 and checked.stderr == ""  # no "not a valid attribute name"
    assert checked.stdout.splitlines() == [
        "!my story/claims.json: merge: claimtrack",
        "!my story/claims.json: binary: unspecified",
        "!my story/claims.evidence/x.warc.gz: merge: unset",
        "!my story/claims.evidence/x.warc.gz: binary: set",
        "claims.json: merge: unspecified",
        "claims.json: binary: unspecified",
    ]
    drivers = sh(["git", "config", "--get-all", "merge.claimtrack.driver"], repo, git_env)
    assert len(drivers.splitlines()) == 1
    # The lock and its holder note stay out of 'git status' and 'git add .'.
    ct(story, git_env, "add", "a claim")
    (story / "claims.json.lock.holder").write_text("1\nclaimtrack add\n")
    (story / ".claims.json.abc.tmp").write_text("half")
    # A killed 'archive' leaves a snapshot's temporary file and its run's journal.
    (story / "claims.evidence").mkdir()
    (story / "claims.evidence" / f".{'a' * 64}.warc.gz.x1y2.tmp").write_text("half")
    (story / "claims.evidence" / ".archiving-x1y2").write_text("a" * 64 + "\n")
    assert (story / "claims.json.lock").stat().st_size == 1
    status = sh(["git", "status", "--porcelain", "-uall"], repo, git_env)
    assert "lock" not in status and ".tmp" not in status and "claims.json" in status
    assert "archiving" not in status
    sh(["git", "add", "."], repo, git_env)
    staged = sh(["git", "ls-files", "-z"], repo, git_env).split("\0")
    assert sorted(filter(None, staged)) == ["!my story/claims.json", ".gitattributes", ".gitignore"]


def test_setup_stops_tracking_a_lock_file_committed_before(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    desk = tmp_path / "desk"
    desk.mkdir()
    sh(["git", "init", "-q"], desk, git_env)
    ct(desk, git_env, "init")
    ct(desk, git_env, "add", "a claim")
    sh(["git", "add", "."], desk, git_env)  # before git setup: the lock goes in too
    sh(["git", "commit", "-qm", "claims"], desk, git_env)
    done = run([*CLAIMTRACK, "git", "setup"], desk, git_env)
    assert "git no longer tracks claims.json.lock (kept on disk)." in done.stderr
    assert (desk / "claims.json.lock").exists()
    sh(["git", "add", ".gitattributes", ".gitignore"], desk, git_env)
    sh(["git", "commit", "-qm", "setup"], desk, git_env)
    assert sh(["git", "ls-files"], desk, git_env).split() == [
        ".gitattributes",
        ".gitignore",
        "claims.json",
    ]


def test_patterns_match_every_awkward_path_git_can_hold(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    from claimtrack.git.repo import attribute_pattern, ignore_pattern

    paths = [
        '"quoted" name/claims.json',
        "tab\there/claims.json",
        "star*and?[x]/claims.json",
        "back\\slash/claims.json",
        "#hash/claims.json",
        "trailing /claims.json ",
        "Zürich/claims.json",
    ]
    sh(["git", "init", "-q"], tmp_path, git_env)
    (tmp_path / ".gitattributes").write_text(
        "".join(f"{attribute_pattern(p)} merge=claimtrack\n" for p in paths)
    )
    (tmp_path / ".gitignore").write_text("".join(ignore_pattern(p) + "\n" for p in paths))
    near = ["star-and-x/claims.json", "back/claims.json", "claims.json"]
    checked = run(
        ["git", "-c", "core.quotePath=false", "check-attr", "-z", "merge", "--", *paths, *near],
        tmp_path,
        git_env,
    )
    assert checked.stderr == ""
    fields = checked.stdout.split("\0")
    values = dict(zip(fields[0::3], fields[2::3], strict=False))
    assert [values[p] for p in paths] == ["claimtrack"] * len(paths)
    assert [values[p] for p in near] == ["unspecified"] * len(near)
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin", "-z"],
        input="".join(p + "\0" for p in [*paths, *near]),
        cwd=tmp_path,
        env=git_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sorted(filter(None, ignored.stdout.split("\0"))) == sorted(paths)


def conflicting_pull(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str, str]:
    """Neither desk ran git setup; both edit one claim's line, and B pulls A's work.
    Returns B's folder, the claim both edited and the claim only B added."""
    a = tmp_path / "desk a"
    a.mkdir()
    sh(["git", "init", "-q"], a, env)
    ct(a, env, "init")
    claim = ct(a, env, "add", "The list has 40 names", "-q").strip()
    other = ct(a, env, "add", "Another claim", "-q").strip()
    sh(["git", "add", "claims.json"], a, env)
    sh(["git", "commit", "-qm", "claims"], a, env)
    b = tmp_path / "desk b"
    sh(["git", "clone", "-q", str(a), str(b)], tmp_path, env)
    ct(a, env, "status", claim, "checking")
    ct(a, env, "rm", other, "--yes")
    sh(["git", "commit", "-qam", "A"], a, env)
    ct(b, env, "note", claim, "B called the ministry", user="ben")
    added = ct(b, env, "add", "Only B has this", "-q", user="ben").strip()
    sh(["git", "commit", "-qam", "B"], b, env)
    pulled = run(["git", "pull", "-q", "--no-rebase", "--no-edit", str(a), "main"], b, env)
    assert pulled.returncode != 0 and "CONFLICT" in pulled.stdout + pulled.stderr
    return b, claim, added


@pytest.mark.slow
def test_a_pull_without_the_driver_is_explained_and_resolved(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    b, claim, added = conflicting_pull(tmp_path, git_env)
    marked = (b / "claims.json").read_bytes()
    assert b"<<<<<<<" in marked
    listed = run([*CLAIMTRACK, "list"], b, git_env)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert "holds git conflict markers" in listed.stderr
    assert "claimtrack git resolve" in listed.stderr
    written = run([*CLAIMTRACK, "add", "lost?"], b, git_env)
    assert written.returncode == 1 and (b / "claims.json").read_bytes() == marked
    resolved = run([*CLAIMTRACK, "git", "resolve"], b, {**git_env, "CLAIMTRACK_USER": "ben"})
    assert resolved.returncode == 0, resolved.stderr
    assert "Resolved claims.json: 1 added" in resolved.stderr
    assert "git commit" in resolved.stderr
    assert sh(["git", "diff", "--name-only", "--diff-filter=U"], b, git_env) == ""
    merged = claims(b, git_env)
    assert set(merged) == {claim, added}  # A's deletion of an untouched claim wins
    assert merged[claim]["status"] == "checking"
    assert [n["text"] for n in merged[claim]["notes"]] == ["B called the ministry"]
    sh(["git", "commit", "-q", "--no-edit"], b, git_env)
    assert sh(["git", "status", "--porcelain"], b, git_env).strip() == "?? claims.json.lock"
    again = run([*CLAIMTRACK, "git", "resolve"], b, git_env)
    assert again.returncode == 1
    assert again.stderr.startswith("Error: git has no merge conflict for claims.json")


@pytest.mark.slow
def test_resolve_keeps_a_resolution_made_by_hand_unless_forced(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    b, _, _ = conflicting_pull(tmp_path, git_env)
    sh(["git", "checkout", "--ours", "--", "claims.json"], b, git_env)
    by_hand = (b / "claims.json").read_bytes()
    refused = run([*CLAIMTRACK, "git", "resolve"], b, git_env)
    assert refused.returncode == 1 and "holds no conflict markers" in refused.stderr
    assert (b / "claims.json").read_bytes() == by_hand
    forced = run([*CLAIMTRACK, "git", "resolve", "--force"], b, git_env)
    assert forced.returncode == 0, forced.stderr
    assert len(claims(b, git_env)) == 2


def test_ids_from_two_machines_do_not_collide(tmp_path: Path) -> None:
    code = "from claimtrack import ids; print('\\n'.join(ids.new_id() for _ in range(20000)))"
    first = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(set(first) | set(second)) == 40000


def links_of(cwd: Path, env: dict[str, str], claim: str) -> list[dict[str, Any]]:
    shown = json.loads(ct(cwd, env, "show", claim, "--format", "json"))
    return list(shown["links"])


def test_a_claim_deleted_on_one_side_and_edited_on_the_other_comes_back_whole(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    a, b = make_pair(tmp_path, git_env)
    claim = ct(a, git_env, "add", "The port handled 40 ships", "--said-by", "Harbour Office", "-q")
    claim = claim.strip()
    ct(a, git_env, "source", "add", "Daily Wire Desk")
    ct(
        a,
        git_env,
        "link",
        claim,
        "Daily Wire Desk",
        "--as",
        "reported-by",
        "--url",
        "https://news.example/port",
        "--date",
        "2024-03-01",
    )
    sh(["git", "add", "-A"], a, git_env)
    sh(["git", "commit", "-qm", "port claim"], a, git_env)
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(a), "main"], b, git_env)
    before = links_of(b, git_env, claim)
    assert {k["relation"] for k in before} == {"said-by", "reported-by"}
    ct(a, git_env, "rm", claim, "--yes")
    sh(["git", "commit", "-qam", "A deletes"], a, git_env)
    ct(b, git_env, "note", claim, "B called the harbour", user="ben")
    sh(["git", "commit", "-qam", "B edits"], b, git_env)
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(b), "main"], a, git_env)
    kept = claims(a, git_env)[claim]
    assert "merge-kept" in kept["tags"]
    after = links_of(a, git_env, claim)
    assert sorted((k["relation"], k["url"]) for k in after) == sorted(
        (k["relation"], k["url"]) for k in before
    )
    check = run([*CLAIMTRACK, "check", "--format", "jsonl"], a, git_env)
    assert all(json.loads(line)["code"] != "structure" for line in check.stdout.splitlines())


def test_status_and_rating_come_from_one_side_of_a_git_merge(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    a, b = make_pair(tmp_path, git_env)
    claim = next(iter(claims(a, git_env)))
    ct(a, git_env, "status", claim, "disputed", "--rating", "Misleading")
    sh(["git", "commit", "-qam", "A rates"], a, git_env)
    time.sleep(0.01)
    ct(b, git_env, "status", claim, "unverifiable", user="ben")  # later
    sh(["git", "commit", "-qam", "B reopens"], b, git_env)
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(b), "main"], a, git_env)
    merged = claims(a, git_env)[claim]
    assert (merged["status"], merged["rating"]) == ("unverifiable", None)
    events = [
        json.loads(line) for line in ct(a, git_env, "log", claim, "--format", "jsonl").splitlines()
    ]
    conflict = next(e for e in events if e["action"] == "merge")
    assert conflict["before"] == {"status": "disputed", "rating": "Misleading"}


@pytest.mark.parametrize("broken", [b"", b"  \n", b'{"_meta": {"schema": {"vers'])
def test_a_version_that_is_not_a_database_stops_the_merge_and_deletes_nothing(
    tmp_path: Path, git_env: dict[str, str], broken: bytes
) -> None:
    a, b = make_pair(tmp_path, git_env)
    count = len(claims(a, git_env))
    (b / "claims.json").write_bytes(broken)  # a colleague commits a broken file
    sh(["git", "commit", "-qam", "oops"], b, git_env)
    ct(a, git_env, "note", next(iter(claims(a, git_env))), "A's own work")
    sh(["git", "commit", "-qam", "A works"], a, git_env)
    ours = (a / "claims.json").read_bytes()
    pulled = run(["git", "pull", "--no-rebase", "--no-edit", str(b), "main"], a, git_env)
    assert pulled.returncode != 0 and "CONFLICT" in pulled.stdout + pulled.stderr
    assert "not merged: theirs is not a claims database" in pulled.stderr
    assert (a / "claims.json").read_bytes() == ours  # untouched, every record there
    assert len(claims(a, git_env)) == count
    resolved = run([*CLAIMTRACK, "git", "resolve", "--force"], a, git_env)
    assert resolved.returncode == 1
    assert resolved.stderr.startswith("Error: not merged: theirs is not a claims database")
    assert (a / "claims.json").read_bytes() == ours


def test_the_merge_driver_refuses_an_empty_version_and_leaves_the_file(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    good = tmp_path / "good.json"
    ct(tmp_path, git_env, "--db", str(good), "add", "x")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    ours = tmp_path / "ours.json"
    ours.write_bytes(good.read_bytes())
    result = run([*CLAIMTRACK, "merge-driver", str(good), str(ours), str(empty)], tmp_path, git_env)
    assert result.returncode == 1 and "theirs is not a claims database" in result.stderr
    assert "is empty" in result.stderr and ours.read_bytes() == good.read_bytes()
    added = run([*CLAIMTRACK, "merge-driver", str(empty), str(ours), str(good)], tmp_path, git_env)
    assert added.returncode == 0, added.stderr  # an empty ancestor: added on both sides


def test_old_ids_resolve_through_merges_made_on_two_branches(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    a, b = make_pair(tmp_path, git_env)
    first, second, third = list(claims(a, git_env))[:3]
    ct(a, git_env, "merge", second, first, "--yes")  # first merged into second
    sh(["git", "commit", "-qam", "A merges"], a, git_env)
    ct(b, git_env, "merge", third, second, "--yes", user="ben")  # second into third
    ct(b, git_env, "note", first, "B's note on the first", user="ben")
    sh(["git", "commit", "-qam", "B merges"], b, git_env)
    for desk, other in ((b, a), (a, b)):
        sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(other), "main"], desk, git_env)
        for old in (first, second, third):
            shown = json.loads(ct(desk, git_env, "show", old, "--format", "json"))
            assert shown["id"] == third
        merged = claims(desk, git_env)
        assert first not in merged and second not in merged
        assert "B's note on the first" in [n["text"] for n in merged[third]["notes"]]
        check = run([*CLAIMTRACK, "check", "--format", "jsonl"], desk, git_env)
        assert all(json.loads(line)["code"] != "structure" for line in check.stdout.splitlines())


def slow_driver(desk: Path, env: dict[str, str], seconds: float) -> Path:
    """Make ``desk``'s merge driver sleep first (a large database, a slow disk); returns
    the file the driver creates when it starts."""
    driver = sh(["git", "config", "merge.claimtrack.driver"], desk, env).strip()
    started = desk.parent / f"{desk.name}-driver-started"
    script = desk.parent / f"{desk.name}-slow-driver.sh"
    script.write_text(
        f"#!/bin/sh\ntouch '{started}'\nsleep {seconds}\n"
        + driver.replace("%O %A %B", '"$1" "$2" "$3"')
        + "\n"
    )
    sh(["git", "config", "merge.claimtrack.driver", f"sh '{script}' %O %A %B"], desk, env)
    return started


@pytest.mark.slow
def test_a_write_acknowledged_during_a_slow_pull_is_in_the_file_git_leaves(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    a, b = make_pair(tmp_path, git_env)
    theirs = ct(b, git_env, "add", "Only B has this", "-q", user="ben").strip()
    sh(["git", "commit", "-qam", "B"], b, git_env)
    ours = ct(a, git_env, "add", "Only A has this", "-q").strip()
    sh(["git", "commit", "-qam", "A"], a, git_env)
    started = slow_driver(a, git_env, 3)
    pull = subprocess.Popen(
        ["git", "pull", "-q", "--no-rebase", "--no-edit", str(b), "main"],
        cwd=a,
        env=git_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not started.exists():
        assert pull.poll() is None and time.monotonic() < deadline, pull.communicate()
        time.sleep(0.02)
    written = run([*CLAIMTRACK, "add", "Written during the pull", "-q"], a, git_env)
    _, pulled_err = pull.communicate(timeout=120)
    assert pull.returncode == 0, pulled_err
    assert written.returncode == 0, written.stderr
    final = claims(a, git_env)
    assert written.stdout.strip() in final  # acknowledged, so kept
    assert {ours, theirs} <= set(final)  # and the merge too
    check = run([*CLAIMTRACK, "check", "--format", "jsonl"], a, git_env)
    assert all(json.loads(line)["code"] != "structure" for line in check.stdout.splitlines())


def test_a_write_waits_for_gits_index_lock_and_gives_up_with_one_error(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    desk = tmp_path / "desk"
    desk.mkdir()
    sh(["git", "init", "-q"], desk, git_env)
    ct(desk, git_env, "init")
    ct(desk, git_env, "add", "before")
    before = (desk / "claims.json").read_bytes()
    (desk / ".git" / "index.lock").write_text("")  # git at work (or crashed)
    env = {**git_env, "CLAIMTRACK_LOCK_TIMEOUT": "0.5"}
    blocked = run([*CLAIMTRACK, "add", "while git works"], desk, env)
    assert blocked.returncode == 1
    assert blocked.stderr.startswith("Error: git has held ") and "index.lock" in blocked.stderr
    assert (desk / "claims.json").read_bytes() == before
    assert run([*CLAIMTRACK, "list"], desk, env).returncode == 0  # reading never waits
    (desk / ".git" / "index.lock").unlink()
    assert run([*CLAIMTRACK, "add", "after git"], desk, env).returncode == 0


def test_every_change_undoes_in_order_after_merges_met_on_two_branches(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    a, b = make_pair(tmp_path, git_env)
    first, second, third = list(claims(a, git_env))[:3]
    ct(a, git_env, "merge", second, first, "--yes")  # first merged into second
    sh(["git", "commit", "-qam", "A merges"], a, git_env)
    ct(b, git_env, "merge", third, second, "--yes", user="ben")  # second into third
    ct(b, git_env, "note", first, "B's note on the first", user="ben")
    sh(["git", "commit", "-qam", "B merges"], b, git_env)
    sh(["git", "pull", "-q", "--no-rebase", "--no-edit", str(a), "main"], b, git_env)

    def consistent() -> None:
        check = run([*CLAIMTRACK, "check", "--format", "jsonl"], b, git_env)
        assert all(json.loads(line)["code"] != "structure" for line in check.stdout.splitlines())

    # The git merge itself is git's to undo: undo passes over it, to B's note...
    undone = run([*CLAIMTRACK, "undo"], b, git_env)
    assert undone.returncode == 0 and "note by ben" in undone.stderr, undone.stderr
    notes = [n["text"] for n in claims(b, git_env)[third]["notes"]]
    assert "B's note on the first" not in notes and len(notes) >= 2  # only that note
    consistent()
    # ...then B's merge, then A's (met through the pull), each leaving it consistent.
    for who, back in (("ben", second), ("ana", first)):
        undone = run([*CLAIMTRACK, "undo"], b, git_env)
        assert undone.returncode == 0 and f"merge by {who}" in undone.stderr, undone.stderr
        consistent()
        assert back in claims(b, git_env)
    for old in (first, second, third):
        assert json.loads(ct(b, git_env, "show", old, "--format", "json"))["id"] == old
