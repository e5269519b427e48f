"""Real processes: pipes, parallel writers and a writer killed mid-write."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

from tests.helpers import Terminal, claims_at_scale

CLAIMTRACK = [sys.executable, "-m", "claimtrack"]


def run(*args: str, input: str | None = None, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLAIMTRACK, "--db", str(db), *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pipes_stdin_add_and_jsonl_list(db_path: Path) -> None:
    added = run(
        "add",
        "-",
        "--story",
        "serbia-russians",
        "-q",
        input="Belgrade welcomed tens of thousands of Russians\n",
        db=db_path,
    )
    assert added.returncode == 0, added.stderr
    claim_id = added.stdout.strip()
    # Shell pipeline: `claimtrack list --format jsonl | python -c ...` as a user would.
    pipeline = subprocess.run(
        f"{' '.join(CLAIMTRACK)} --db {db_path} list --format jsonl | "
        f'{sys.executable} -c "import sys, json; '
        f"print(*[json.loads(l)['id'] for l in sys.stdin])\"",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert pipeline.returncode == 0, pipeline.stderr
    assert pipeline.stdout.split() == [claim_id]
    piped_default = run("list", db=db_path)  # not a terminal: JSON Lines by default
    assert json.loads(piped_default.stdout.splitlines()[0])["id"] == claim_id


def test_errors_and_usage_exit_codes(db_path: Path) -> None:
    missing = run("show", "nothing", db=db_path)
    assert missing.returncode == 1
    assert (
        missing.stderr.startswith("Error: no claim matches") and "Traceback" not in missing.stderr
    )
    usage = run("list", "--no-such-option", db=db_path)
    assert usage.returncode == 2
    debug = run("--debug", "show", "nothing", db=db_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_closed_pipe_is_quiet(db_path: Path) -> None:
    synth.write(db_path, 3000)
    head = subprocess.run(
        f"{' '.join(CLAIMTRACK)} --db {db_path} list --format jsonl | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert len(head.stdout.splitlines()) == 1
    assert "Traceback" not in head.stderr and "BrokenPipe" not in head.stderr


WORKER = """
import sys
from claimtrack.cli import app
db, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for number in range(count):
    app(["--db", db, "add", f"worker {worker} claim {number}", "-q",
         "--said-by", f"source {number % 3}"], standalone_mode=False)
"""


def run_workers(code: str, db_path: Path, workers: int, each: int) -> None:
    """``workers`` processes running ``code`` at once, each ``each`` times; all must pass."""
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(db_path), str(n), str(each)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    for worker in started:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err


@pytest.mark.slow
def test_parallel_writers_lose_nothing(db_path: Path) -> None:
    start = claims_at_scale(0)  # an empty database, unless run at scale
    if start:
        synth.write(db_path, start)
    before = json.loads(db_path.read_bytes()) if start else {"claims": {}, "links": {}}
    run_workers(WORKER, db_path, 8, 25)
    data = json.loads(db_path.read_text(encoding="utf-8"))
    added = {key: claim for key, claim in data["claims"].items() if key not in before["claims"]}
    texts = {claim["text"] for claim in added.values()}
    assert texts == {f"worker {w} claim {n}" for w in range(8) for n in range(25)}
    assert len(data["claims"]) == start + 200  # and none of the others lost
    # Sources named by several writers at once were still created only once.
    names = sorted(s["name"] for s in data["sources"].values() if s["name"].startswith("source "))
    assert names == ["source 0", "source 1", "source 2"]
    assert len(data["links"]) == len(before["links"]) + 200
    made = [e for e in data["events"].values() if e["kind"] == "claim" and e["actor"] == "tester"]
    assert len(made) == 200


MIXED = """
import json, sys
from pathlib import Path
from claimtrack.cli import app
db, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for number in range(count):
    # A write through the index, a whole-file write (import), and reads, interleaved.
    app(["--db", db, "add", f"added {worker} {number}", "-q", "--said-by", "Ana"],
        standalone_mode=False)
    line = Path(db).with_name(f"import-{worker}-{number}.jsonl")
    line.write_text(json.dumps({"text": f"imported {worker} {number}", "said_by": ["Ana"]}))
    app(["--db", db, "import", str(line)], standalone_mode=False)
    app(["--db", db, "list", "--limit", "3", "-q"], standalone_mode=False)
"""


@pytest.mark.slow
def test_indexed_and_whole_file_writers_in_parallel(db_path: Path) -> None:
    start = claims_at_scale(400)
    synth.write(db_path, start)
    run_workers(MIXED, db_path, 4, 6)
    data = json.loads(db_path.read_bytes())
    texts = {claim["text"] for claim in data["claims"].values()}
    for w in range(4):
        for n in range(6):
            assert {f"added {w} {n}", f"imported {w} {n}"} <= texts
    assert [s["name"] for s in data["sources"].values()].count("Ana") == 1
    # The index the last writer left agrees with the file, record for record.
    listed = run("list", "--all", "--format", "jsonl", db=db_path)
    parsed = subprocess.run(
        [*CLAIMTRACK, "--db", str(db_path), "list", "--all", "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "CLAIMTRACK_INDEX": "never"},
    )
    assert listed.stdout == parsed.stdout
    assert len(listed.stdout.splitlines()) == start + 48
    assert "(current)" in run("db", "path", db=db_path).stderr


# A writer that adds one claim and kills itself (SIGKILL: no clean-up runs) at a chosen
# system call of the save: the Nth call of one of CALLS, just before it runs ("before")
# or just after it returned ("after"). With no kill point it prints the calls the save
# made, in order, with the file a rename wrote, so the test can aim at every one.
CALLS = ("write", "pwrite", "copy_file_range", "sendfile", "ftruncate", "fsync", "replace")
KILLED_WRITER = """
import os, random, signal, sys
from pathlib import Path
from claimtrack import ids
from claimtrack.db import Database

# The same IDs in every run: where the new lines fall decides how many pieces the save
# copies (two new events side by side make one piece), and the runs must make the same
# calls for a kill at each of them to mean anything.
rng = random.Random(1729)
ids.new_id = lambda: "".join(rng.choices(ids.ALPHABET, k=16))

aim = sys.argv[2:]
counts = {}
trace = []

def watch(name):
    real = getattr(os, name)
    def call(*args, **kwargs):
        counts[name] = counts.get(name, 0) + 1
        hit = aim and aim[0] == name and int(aim[1]) == counts[name]
        if hit and aim[2] == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if hit and aim[2] == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        target = os.path.basename(str(args[1])) if name == "replace" else ""
        trace.append((name, counts[name], target))
        return result
    setattr(os, name, call)

with Database.open(Path(sys.argv[1]), write=True) as db:
    db.add_claim("the new claim")
    for name in CALLS_HERE:
        if hasattr(os, name):
            watch(name)
for name, n, target in trace:
    print(name, n, target)
""".replace("CALLS_HERE", repr(CALLS))


@pytest.mark.parametrize("index", ["none", "built"])
def test_sigkill_at_every_step_of_a_save_leaves_old_or_new(db_path: Path, index: str) -> None:
    synth.write(db_path, claims_at_scale(300))
    pristine = db_path.read_bytes()
    cache = Path(os.environ["XDG_CACHE_HOME"])
    kept = db_path.parent / "kept-cache"
    if index == "built":  # a desk's usual case: the index is there, the save splices
        subprocess.run([*CLAIMTRACK, "--db", str(db_path), "list", "-n", "1"], check=True)
        shutil.copytree(cache, kept)

    def reset() -> None:
        """The same file, the same index (or none) and no lock note before every writer:
        the save's calls are then the same each time (a killed writer may leave the index
        stale, which changes how the next one writes)."""
        db_path.write_bytes(pristine)
        shutil.rmtree(cache, ignore_errors=True)
        if index == "built":
            shutil.copytree(kept, cache)
        for made in db_path.parent.glob(f"{db_path.name}.lock*"):
            made.unlink()  # the lock's note is written on the first save only

    reset()
    claims_before = len(json.loads(pristine)["claims"])
    counted = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(db_path)], capture_output=True, text=True
    )
    assert counted.returncode == 0, counted.stderr
    trace = [line.split(" ") for line in counted.stdout.splitlines()]
    renamed = [i for i, (name, _, target) in enumerate(trace) if target == db_path.name]
    assert len(renamed) == 1, trace  # the save renames the new file into place once
    assert len(trace) >= 3, trace
    for i, (name, n, _) in enumerate(trace):
        for when in ("before", "after"):
            reset()
            writer = subprocess.run(
                [sys.executable, "-c", KILLED_WRITER, str(db_path), name, n, when],
                capture_output=True,
            )
            where = (name, n, when, trace)
            assert writer.returncode == -signal.SIGKILL, (where, writer.stderr)
            after = json.loads(db_path.read_bytes())  # always parses
            if i < renamed[0] or (i == renamed[0] and when == "before"):
                assert db_path.read_bytes() == pristine, where  # nothing changed
            else:  # the new file is in place, whole
                grown = len(after["claims"]) - claims_before
                assert grown == 1, where
                assert "the new claim" in {c["text"] for c in after["claims"].values()}
    # The next writer cleans up whatever temp file a killed one left.
    subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(db_path)], check=True, capture_output=True
    )
    assert not list(db_path.parent.glob(f".{db_path.name}.*.tmp"))


def test_shell_completion_of_ids_and_sources(db_path: Path) -> None:
    claim_id = run(
        "add", "A claim to complete", "--said-by", "Predrag Petrovic", "-q", db=db_path
    ).stdout.strip()
    run("source", "add", "Hidden Person", "--confidential", db=db_path)

    def complete(line: str) -> str:
        env = {**os.environ, "_CLAIMTRACK_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
        return subprocess.run(
            CLAIMTRACK, env=env, capture_output=True, text=True, timeout=60, check=False
        ).stdout

    assert claim_id in complete(f"claimtrack --db {db_path} show {claim_id[:2]}")
    assert "Predrag Petrovic" in complete(f"claimtrack --db {db_path} link {claim_id[:4]} Pre")
    assert "Hidden" not in complete(f"claimtrack --db {db_path} link {claim_id[:4]} Hid")
    assert "source" in complete("claimtrack so")


def test_a_question_waiting_for_an_answer_never_makes_a_colleague_wait(db_path: Path) -> None:
    """``rm`` asks with no lock held: a colleague's ``add`` while the question waits
    for an answer gets the lock (were it held until the answer, the ``add`` would give
    up after its lock timeout, 5 s here); then the answer is heard, and the claim
    asked about deleted."""
    doomed = run("add", "The ministry closed the office", "-q", db=db_path).stdout.strip()
    asking = Terminal("--db", str(db_path), "rm", doomed)
    try:
        asking.wait_for("Delete this claim and its links?")
        colleague = subprocess.run(
            [*CLAIMTRACK, "--db", str(db_path), "add", "Twelve Russians faced entry bans", "-q"],
            env={**os.environ, "CLAIMTRACK_LOCK_TIMEOUT": "5"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert colleague.returncode == 0, colleague.stderr
        assert asking.process.poll() is None  # still waiting for its answer
        asking.type("y\n")
    finally:
        code = asking.finish()
    assert code == 0, asking.text
    assert f"Deleted claim {doomed[:7]}" in asking.text
    listed = run("list", "--format", "jsonl", db=db_path).stdout.splitlines()
    assert [json.loads(line)["text"] for line in listed] == ["Twelve Russians faced entry bans"]


def test_a_write_with_stdout_closed_is_saved_and_exits_0_without_a_traceback(
    db_path: Path,
) -> None:
    """``claimtrack add x -f json >&-``: the shell closed descriptor 1 before the start."""
    command = [*CLAIMTRACK, "--db", str(db_path)]
    added = subprocess.run(
        [*command, "add", "Saved though nobody reads", "-f", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),  # as the shell's >&-
    )
    assert added.returncode == 0, added.stderr
    assert "Traceback" not in added.stderr and "internal error" not in added.stderr
    assert len(added.stderr.splitlines()) <= 1
    listed = run("list", "-f", "jsonl", db=db_path)
    assert [json.loads(line)["text"] for line in listed.stdout.splitlines()] == [
        "Saved though nobody reads"
    ]
    # A read with nowhere to print fails, in one line.
    read = subprocess.run(
        [*command, "list", "-f", "jsonl"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert read.returncode == 1
    assert read.stderr.splitlines() == ["Error: standard output is closed; nothing was printed"]
