"""The README is the manual: its reference must match --help, its recipes must run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import readme_reference


def test_readme_reference_is_current() -> None:
    assert readme_reference.current_readme_section() == readme_reference.reference(), (
        "README command reference is stale: run python tests/readme_reference.py --write"
    )


def test_readme_starts_with_the_two_setup_commands() -> None:
    text = readme_reference.README.read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].endswith("pip install . && claimtrack demo")
    assert block[1].endswith("pip install -e '.[test]' && pytest")


@pytest.mark.parametrize("words", [w for w in readme_reference.COMMANDS if w])
def test_every_command_has_help_with_an_example(words: list[str]) -> None:
    text = readme_reference.help_text(words)
    assert "Example" in text, f"claimtrack {' '.join(words)} --help has no example"


HEAVY = (
    "rich",
    "tinydb",
    "filelock",
    "pydantic",
    "sqlite3",
    "sqlite_utils",
    "sentencex",
    "text2num",
    "claimtrack.db",
    "claimtrack.store.index",
    "claimtrack.store.layout",
    "claimtrack.extract",
    "claimtrack.exporting.tabular",
    "claimtrack.exporting.memo",
    "claimtrack.exporting.claimreview",
    "claimtrack.exporting.sqlite",
    "httpx",
    "warcio",
    "trafilatura",
    "rapidfuzz",
    "claimtrack.evidence",
)


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_start_up_imports_nothing_heavy(flag: str) -> None:
    """Start-up guard: --help and --version pay for no Rich, store, index, exporter or
    extractor."""
    code = (
        "import sys\n"
        f"sys.argv = ['claimtrack', {flag!r}]\n"
        "from claimtrack.launch import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "HEAVY []" in out, out


@pytest.mark.slow
def test_readme_workflow_runs_to_a_clean_check(tmp_path: Path) -> None:
    """The README's fact-checking walk-through, run as written in a real shell."""
    text = readme_reference.README.read_text(encoding="utf-8")
    block = text.split("<!-- workflow:start -->", 1)[1].split("<!-- workflow:end -->", 1)[0]
    script = block.split("```sh\n", 1)[1].rsplit("```", 1)[0]
    bindir = Path(sys.executable).parent
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "claimtrack").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m claimtrack "$@"\n')
    (shim / "claimtrack").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{shim}:{bindir}:{os.environ['PATH']}",
        "CLAIMTRACK_USER": "reporter",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "not ready yet" in result.stdout  # the first check found problems
    assert "Clean: 2 claim(s) checked" in result.stderr
    memo = (tmp_path / "memo.md").read_text()
    assert "## Verified (2)" in memo and "Confidential source" in memo
    assert "Lawyer" not in memo
