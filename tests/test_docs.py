"""The README and the manual (docs/): the reference matches --help, the screens are what
the commands print, the walk-throughs run as written, and the manual builds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from claimtrack.cli import app
from tests import docs_reference, docs_screens

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def test_the_command_reference_is_current() -> None:
    assert docs_reference.current_section() == docs_reference.reference(), (
        "docs/reference.md is stale: run python tests/docs_reference.py --write"
    )


def test_every_command_is_in_the_reference() -> None:
    def commands(command: object, words: list[str]) -> list[list[str]]:
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            return [] if getattr(command, "hidden", False) else [words]
        found = [words] if not words else []
        for name, sub in subcommands.items():
            found += commands(sub, [*words, name])
        return found

    assert sorted(commands(typer.main.get_command(app), [])) == sorted(docs_reference.COMMANDS)


def test_readme_starts_with_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].endswith("pip install . && claimtrack demo")
    assert block[1].endswith("pip install -e '.[test]' && pytest")


def test_readme_is_read_in_five_minutes() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 400


def nav_pages() -> list[str]:
    """The pages listed in mkdocs.yml's nav, in order."""

    def pages(entry: str | list[Any] | dict[str, Any]) -> list[str]:
        """A page, a section ({title: [entries]}) or a list of entries."""
        if isinstance(entry, str):
            return [entry]
        values = entry.values() if isinstance(entry, dict) else entry
        return [page for value in values for page in pages(value)]

    return pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])


def test_the_readme_maps_every_page_of_the_manual_and_nothing_else() -> None:
    linked = re.findall(r"\]\(docs/([^)#]+)", README.read_text(encoding="utf-8"))
    assert set(linked) == set(nav_pages())


def test_the_manuals_home_page_lists_every_other_page() -> None:
    linked = re.findall(r"\]\(([^)#:]+\.md)", (DOCS / "index.md").read_text(encoding="utf-8"))
    assert set(linked) == set(nav_pages()) - {"index.md"}


def test_every_page_of_the_manual_is_in_its_nav() -> None:
    pages = {str(page.relative_to(DOCS)) for page in DOCS.glob("**/*.md")}
    assert pages == set(nav_pages())


def test_the_manual_builds_without_a_warning(tmp_path: Path) -> None:
    """--strict: a broken link, a missing heading or a page left out of the nav fails.
    (Not with --quiet: MkDocs 1.6 then skips the check of links to headings.)"""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "reference" / "index.html").is_file()


def test_the_screens_are_what_the_commands_print() -> None:
    assert docs_screens.stale() == [], "run python tests/docs_screens.py --write"


def test_every_screen_is_shown_somewhere() -> None:
    shown = "".join(docs_screens.read(page) for page in docs_screens.pages())
    for name in docs_screens.SCREENS:
        assert docs_screens.markers(name)[0] in shown, name


def test_the_screens_do_not_depend_on_the_readers_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        with monkeypatch.context() as zone:
            zone.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: every time shown would move
            time.tzset()
            fresh = docs_screens.screens.__wrapped__()
    finally:
        time.tzset()  # the process's zone back to the environment's
    assert fresh == docs_screens.screens()
    assert "UTC" in fresh["show"]


@pytest.mark.parametrize("words", [w for w in docs_reference.COMMANDS if w])
def test_every_command_has_help_with_an_example(words: list[str]) -> None:
    text = docs_reference.help_text(words)
    assert "Example" in text, f"claimtrack {' '.join(words)} --help has no example"


HEAVY = (
    "rich",
    "orjson",  # and the json module it imports: only where JSON is read or written
    "csv",
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
    "claimtrack.bundling",
    "wacz",
    "zipfile",
    "rfc3161_client",
    "pyrage",
    "claimtrack.integrity.timestamps",
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
        # A Typer with its own copy of Click has no use for Click itself (an option
        # type made of it would cost start-up, and be taken for a conversion function).
        "if 'typer._click' in sys.modules and 'click' in sys.modules:\n"
        "    heavy.append('click')\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "HEAVY []" in out, out


def run_as_written(
    script: str, folder: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a page's commands in bash -e, with ``claimtrack`` this checkout's."""
    shim = folder / "bin"
    shim.mkdir()
    (shim / "claimtrack").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m claimtrack "$@"\n')
    (shim / "claimtrack").chmod(0o755)
    path = f"{shim}:{Path(sys.executable).parent}:{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=folder,
        env={**env, "PATH": path, "CLAIMTRACK_USER": "reporter"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def commands_shown(block: str) -> str:
    """The commands of a page's ``sh`` blocks and of the ``$`` lines of its ``console``
    blocks, in order, as one script."""
    script = []
    for kind, body in re.findall(r"```(sh|console)\n(.*?)```", block, re.DOTALL):
        if kind == "sh":
            script.append(body)
        else:
            script += [line[2:] + "\n" for line in body.splitlines() if line.startswith("$ ")]
    return "".join(script)


@pytest.mark.slow
def test_the_readme_walk_through_and_own_story_run_as_written(tmp_path: Path) -> None:
    """Every command the README shows after the set-up, typed in order in one shell."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    script = commands_shown(block)
    assert script.startswith("claimtrack demo\n") and "claimtrack init" in script
    # The README's paths are the per-user defaults under $HOME.
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    result = run_as_written(script, tmp_path, {**env, "HOME": str(tmp_path / "home")})
    assert result.returncode == 0, result.stderr
    assert "\n6fmxk1pxphgby69n\n" in result.stdout  # list --search dozen -q
    demo = tmp_path / "home" / ".local" / "share" / "claimtrack" / "demo.json"
    worked = json.loads(demo.read_text(encoding="utf-8"))["claims"]["6fmxk1pxphgby69n"]
    assert (worked["status"], worked["rating"]) == ("verified", "Accurate")
    assert result.stdout.rstrip().endswith("not ready to publish yet")  # own story's check
    own = json.loads((tmp_path / "serbia" / "claims.json").read_text(encoding="utf-8"))
    assert len(own["claims"]) == 1  # the second was removed
    reported = [link for link in own["links"].values() if link["relation"] == "reported-by"]
    assert [(link["url"], link["date"]) for link in reported] == [
        ("https://apnews.com/", "2024-02-25")  # linking again filled in the one link
    ]


@pytest.mark.slow
def test_the_manuals_workflow_runs_to_a_clean_check(tmp_path: Path) -> None:
    """The fact-checking workflow of docs/workflow.md, run as written in a real shell."""
    text = (DOCS / "workflow.md").read_text(encoding="utf-8")
    block = text.split("<!-- workflow:start -->", 1)[1].split("<!-- workflow:end -->", 1)[0]
    script = block.split("```sh\n", 1)[1].rsplit("```", 1)[0]
    result = run_as_written(script, tmp_path, dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert "not ready yet" in result.stdout  # the first check found problems
    assert "Clean: 2 claim(s) checked" in result.stderr
    memo = (tmp_path / "memo.md").read_text()
    assert "## Verified (2)" in memo and "Confidential source" in memo
    assert "Lawyer" not in memo
