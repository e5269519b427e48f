"""Time claimtrack's commands as whole processes on synthetic databases.

    python benchmarks/run.py            # 1k, 10k and 100k claims, 5 runs each
    python benchmarks/run.py --quick    # 1k and 10k, 3 runs: under a minute

Prints a Markdown table: median (min-max) wall time and peak memory of each command, with
the budget from the issue beside it, and the cost of starting Python itself on this
machine for scale. Each database is built once per size in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _command() -> list[str]:
    """The installed ``claimtrack`` script, as users run it; ``python -m`` (which also
    loads runpy) where the package is not installed with its script."""
    script = shutil.which("claimtrack", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "claimtrack"]


CLAIMTRACK = _command()
FLOOR = [sys.executable, str(HERE / "floor.py")]
BUDGETS: dict[str, tuple[float, float, float] | None] = {  # seconds at 1k, 10k, 100k
    "--help": (0.1, 0.1, 0.1),
    "--version": (0.1, 0.1, 0.1),
    "add (1 claim, 2 links)": (0.1, 0.12, 0.6),
    "list (table, default page)": (0.15, 0.2, 0.8),
    "list --format jsonl (all)": (0.15, 0.3, 2.5),
    "show ID (prefix)": (0.1, 0.12, 0.6),
    "export --format json": (0.2, 0.4, 3.0),
    "import into empty DB": (1.0, 3.0, 20.0),
    # Not in the issue: the first command after the file changed outside claimtrack
    # (git checkout, an editor) rebuilds the index; every later one reuses it.
    "first list after an outside change (index rebuild)": None,
    # Not in the issue either: the history and the pre-publication check of everything.
    "log -n 20": None,
    # Issue 20: "similar on 100,000 claims answers in under a second" (candidates from the
    # index's full-text table, then scored).
    "similar TEXT (JSON Lines)": (0.3, 0.5, 1.0),
    "check (every claim, JSON Lines)": None,
    # Not claimtrack: a bare Typer + Rich program (floor.py) printing the same kind of
    # output, the least the libraries the project is built on allow.
    "floor: bare Typer app --help": None,
    "floor: bare Typer + Rich, 50-row table": None,
    "floor: bare Typer + Rich, small tree": None,
}
MEMORY_BUDGET_MB = 400
REFERENCE_IMPORTS = 0.075  # seconds to import typer, rich and tinydb there
REFERENCE = [sys.executable, "-c", "import typer, rich, tinydb"]


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one whole process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    err = child.stderr.read().decode() if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and not (code == 1 and "check" in args):  # 1: check found problems
        raise RuntimeError(f"{' '.join(args)} exited {code}: {err.strip()[-300:]}")
    return elapsed, usage.ru_maxrss / 1024


def measure(
    args: list[str], env: dict[str, str], runs: int, before: object = None, warm: bool = True
) -> tuple[list[float], float, float]:
    """Times and peak memory of ``runs`` runs, and how much slower than the issue's
    reference machine this one was meanwhile: the reference imports are timed after
    each run, since a shared machine's speed changes from minute to minute."""
    if warm:  # one unmeasured run: byte-code written, the file in the page cache
        if callable(before):
            before()
        run_once(args, env)
    times, references, peak = [], [], 0.0
    for _ in range(runs):
        if callable(before):
            before()
        elapsed, memory = run_once(args, env)
        times.append(elapsed)
        peak = max(peak, memory)
        references.append(run_once(REFERENCE, env)[0])
    return times, peak, statistics.median(references) / REFERENCE_IMPORTS


def fmt_time(times: list[float]) -> str:
    return (
        f"{statistics.median(times) * 1000:.0f} ms "
        f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k claims, 3 runs")
    parser.add_argument("--runs", type=int, default=None)
    options = parser.parse_args()
    sizes = [1_000, 10_000] if options.quick else [1_000, 10_000, 100_000]
    runs = options.runs or (3 if options.quick else 5)
    work = Path(tempfile.mkdtemp(prefix="claimtrack-bench-"))
    env = {**os.environ, "CLAIMTRACK_USER": "bench", "NO_COLOR": "1", "COLUMNS": "120"}
    env["XDG_CACHE_HOME"] = str(work / "cache")  # the index lives (and dies) with the run
    env.pop("CLAIMTRACK_DB", None)
    env.pop("CLAIMTRACK_INDEX", None)
    # Users' Pythons cache byte-code; a machine set not to would time compiling instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    baseline, _, _ = measure([sys.executable, "-c", "pass"], env, runs)
    stack, _, _ = measure(REFERENCE, env, runs)
    # The reference machine: `python -c pass` 9 ms, these imports 75 ms.
    factors: list[float] = []
    results: dict[str, list[str]] = {name: [] for name in BUDGETS}
    peaks: dict[str, float] = {}
    try:
        for column, size in enumerate(sizes):
            db = work / f"claims-{size}.json"
            subprocess.run([sys.executable, str(HERE / "synth.py"), str(db), str(size)], check=True)
            export = work / f"export-{size}.json"
            subprocess.run(
                [*CLAIMTRACK, "--db", str(db), "export", "-o", str(export)],
                check=True,
                env=env,
                capture_output=True,
            )
            some_id = first_claim_id(db)[:7]
            target = work / f"imported-{size}.json"

            def fresh_target(path: Path = target) -> None:
                for leftover in (path, path.with_name(path.name + ".lock")):
                    if leftover.exists():
                        leftover.unlink()

            def no_index() -> None:
                shutil.rmtree(work / "cache", ignore_errors=True)

            cases = {
                "first list after an outside change (index rebuild)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "list",
                    "--limit",
                    "1",
                ],
                "--help": [*CLAIMTRACK, "--help"],
                "floor: bare Typer app --help": [*FLOOR, "--help"],
                "floor: bare Typer + Rich, 50-row table": [*FLOOR, "table"],
                "floor: bare Typer + Rich, small tree": [*FLOOR, "tree"],
                "--version": [*CLAIMTRACK, "--version"],
                "add (1 claim, 2 links)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "add",
                    "A claim about 12 people",
                    "--said-by",
                    "S1",
                    "--reported-by",
                    "S2",
                    "-q",
                ],
                "list (table, default page)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "list",
                    "--format",
                    "table",
                    "--limit",
                    "50",
                ],
                "list --format jsonl (all)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "list",
                    "--format",
                    "jsonl",
                ],
                "show ID (prefix)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "show",
                    some_id,
                    "--format",
                    "table",
                ],
                "export --format json": [*CLAIMTRACK, "--db", str(db), "export"],
                "log -n 20": [*CLAIMTRACK, "--db", str(db), "log", "-n", "20", "--format", "jsonl"],
                "similar TEXT (JSON Lines)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "similar",
                    "At least 12 people were deported from Serbia in 2024",
                    "--format",
                    "jsonl",
                ],
                "check (every claim, JSON Lines)": [
                    *CLAIMTRACK,
                    "--db",
                    str(db),
                    "check",
                    "--format",
                    "jsonl",
                ],
                "import into empty DB": [*CLAIMTRACK, "--db", str(target), "import", str(export)],
            }
            for name, args in cases.items():
                before = fresh_target if name.startswith("import") else None
                if name.startswith("first list"):
                    before = no_index
                times, peak, factor = measure(
                    args, env, runs, before, warm=not name.startswith("first")
                )
                factors.append(factor)
                budgets = BUDGETS[name]
                peaks[f"{name} @ {size:,}"] = peak
                if budgets is None:
                    cell = fmt_time(times)
                    if name.startswith("floor"):
                        reference = statistics.median(times) / factor * 1000
                        cell += f" = {reference:.0f} ms on the reference ({factor:.1f}x)"
                    results[name].append(cell)
                    continue
                budget = budgets[min(column, 2)]
                median = statistics.median(times)
                mark = (
                    "ok"
                    if median <= budget
                    else f"ok scaled ({factor:.1f}x)"
                    if median <= budget * factor
                    else f"OVER ({factor:.1f}x)"
                )
                results[name].append(f"{fmt_time(times)} / {budget * 1000:.0f} ms {mark}")
                peaks[f"{name} @ {size:,}"] = peak
            print(
                f"measured {size:,} claims ({db.stat().st_size / 1e6:.1f} MB file)", file=sys.stderr
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"`python -c pass` takes {fmt_time(baseline)}, importing typer, rich and tinydb "
        f"{fmt_time(stack)}, against 9 ms and 75 ms on the issue's reference machine. "
        f"{runs} runs each after one warm-up; median (min-max) / budget. The imports are "
        f"timed again after every run: this machine was {min(factors):.1f}-"
        f"{max(factors):.1f}x slower than the reference meanwhile, and 'ok scaled (Nx)' "
        f"means within the budget times the factor measured beside that figure. The "
        f"'floor' rows are not claimtrack but a bare Typer + Rich program printing the "
        f"same kind of output (benchmarks/floor.py), scaled to the reference machine by "
        f"the same factor: what the libraries alone cost.\n"
    )
    header = "| command | " + " | ".join(f"{s:,} claims" for s in sizes) + " |"
    print(header)
    print("|" + "---|" * (len(sizes) + 1))
    for name, cells in results.items():
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    print("\nPeak memory (MB, largest of the runs):\n")
    print("| command | " + " | ".join(f"{s:,} claims" for s in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for name in results:
        cells = [peaks.get(f"{name} @ {size:,}") for size in sizes]
        print(f"| `{name}` | " + " | ".join("-" if c is None else f"{c:.0f}" for c in cells) + " |")
    budgeted = {k: v for k, v in peaks.items() if BUDGETS[k.split(" @ ")[0]] is not None}
    worst = max(budgeted, key=lambda k: budgeted[k])
    print(
        f"\nHighest peak of the budgeted commands: {budgeted[worst]:.0f} MB ({worst}); "
        f"budget {MEMORY_BUDGET_MB} MB at 100k."
    )


def first_claim_id(db: Path) -> str:
    """Read from the file's head, not parsed whole: see synth.py's main."""
    with db.open("rb") as handle:
        head = handle.read(1 << 16)
    start = head.index(b'"claims": {\n"') + len(b'"claims": {\n"')
    return head[start : head.index(b'"', start)].decode()


if __name__ == "__main__":
    main()
