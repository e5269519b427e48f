"""Helpers that test modules import: the in-process CLI runner and shared test data.

Fixtures stay in conftest.py (pytest finds them there); anything a test module names in
an import lives here, so no module imports from conftest.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from claimtrack.cli import app
from claimtrack.cli.context import Environment


class Cli:
    """Runs claimtrack in-process against one database and decodes its output."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(
        self, *args: str, input: str | None = None, code: int = 0, env: Environment | None = None
    ) -> Any:
        """Run a command; ``env`` is the terminal it sees (default: none, as in a pipe)."""
        result = self.runner.invoke(app, ["--db", str(self.db_path), *args], input=input, obj=env)
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


class Terminal:
    """claimtrack in a process of its own on a pseudo-terminal (stdin, stdout and
    stderr), as a person at a terminal runs it: ``wait_for`` what it shows, ``type``
    an answer, ``finish`` for its exit status and everything it showed."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        main, side = pty.openpty()
        self.main = main
        self.shown = b""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "claimtrack", *args],
            env={**os.environ, **(env or {})},
            stdin=side,
            stdout=side,
            stderr=side,
        )
        os.close(side)

    def _read(self, timeout: float) -> bool:
        if not select.select([self.main], [], [], timeout)[0]:
            return True
        try:
            chunk = os.read(self.main, 65536)
        except OSError:  # the terminal closed: the process ended
            return False
        self.shown += chunk
        return bool(chunk)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Read what the process shows until ``text`` is among it."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.shown:
            if time.monotonic() > deadline or not self._read(0.1):
                raise AssertionError(f"{text!r} never shown; shown: {self.text}")

    def type(self, keys: str) -> None:
        os.write(self.main, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        """Wait for the process to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.2) and select.select([self.main], [], [], 0)[0]:
            pass
        os.close(self.main)
        return self.process.wait(timeout=10)

    @property
    def text(self) -> str:
        return self.shown.decode("utf-8", "replace")
