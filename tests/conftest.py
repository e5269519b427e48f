from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from claimtrack.cli import app


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch the developer's real database or depend on their git config."""
    monkeypatch.setenv("CLAIMTRACK_USER", "tester")
    monkeypatch.delenv("CLAIMTRACK_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # Every test reads and writes through the sidecar index, however small its database;
    # tests/test_index.py checks that the same commands without it give the same results.
    monkeypatch.setenv("CLAIMTRACK_INDEX", "always")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "claims.json"


class Cli:
    """Runs claimtrack in-process against one database and decodes its output."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int = 0) -> Any:
        result = self.runner.invoke(app, ["--db", str(self.db_path), *args], input=input)
        if result.exit_code != code:
            raise AssertionError(
                f"claimtrack {' '.join(args)} exited {result.exit_code}, expected {code}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\n"
                f"exception: {result.exception!r}"
            )
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--format", "json").stdout)

    def jsonl(self, *args: str) -> list[dict[str, Any]]:
        out = self(*args, "--format", "jsonl").stdout
        return [json.loads(line) for line in out.splitlines()]

    def add(self, text: str, *options: str) -> str:
        return str(self("add", text, *options, "-q").stdout.strip())


@pytest.fixture
def cli(db_path: Path) -> Cli:
    return Cli(db_path)


@pytest.fixture
def raw_db(db_path: Path) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        return json.loads(db_path.read_text(encoding="utf-8"))

    return read


SECRETS = ("Olga", "Hiddenova", "Ministry clerk", "Novi Sad", "olga.example", "family")


def add_confidential_source(cli: Cli) -> str:
    """A protected source, named everywhere a name can hide; returns the claim citing it."""
    cli(
        "source",
        "add",
        "Olga Hiddenova",
        "--confidential",
        "--alias",
        "Olga H",
        "--reason",
        "safety of family",
        "--approved-by",
        "Desk editor",
        "--role",
        "Ministry clerk",
    )
    claim = cli.add("The list has 40 names", "--said-by", "Olga Hiddenova")
    cli(
        "link",
        claim,
        "Olga H",
        "--as",
        "supports",
        "--note",
        "Olga showed me the list",
        "--url",
        "https://olga.example",
    )
    cli("source", "edit", "Olga Hiddenova", "--notes", "lives in Novi Sad")
    return claim
