"""The shape of the code, as issue 24 set it: a package root a newcomer can read at a
glance, and no module too long to hold in one's head. The import rules (the core never
imports the CLI, Typer or Rich; no import cycles) are import-linter's contracts in
pyproject.toml, run by CI as ``lint-imports``."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "claimtrack"
MOST_ROOT_MODULES = 14
MOST_LINES = 800


def test_the_package_root_holds_at_most_fourteen_modules() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MOST_ROOT_MODULES, modules


def test_no_module_is_over_800_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MOST_LINES
    }
    assert not long, long
