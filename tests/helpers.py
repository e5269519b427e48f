"""Helpers that test modules import: the in-process CLI runner and shared test data.

Fixtures stay in conftest.py (pytest finds them there); anything a test module names in
an import lives here, so no module imports from conftest.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import pty
import random
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import claimtrack
import claimtrack.ids
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


# -- reproducible record IDs -----------------------------------------------------------------


class SeededIds:
    """IDs of the real shape (16 characters of the ID alphabet), reproducible."""

    def __init__(self, seed: int) -> None:
        self.generator = random.Random(seed)
        self.made: set[str] = set()

    def __call__(self) -> str:
        made = "".join(self.generator.choice(claimtrack.ids.ALPHABET) for _ in range(16))
        self.made.add(made)
        return made


def patch_new_id(monkeypatch: pytest.MonkeyPatch, seeded: SeededIds) -> None:
    """Replace claimtrack.ids.new_id, and any copy of it a module imported by name (today
    every caller goes through the module attribute; a refactor may not)."""
    original = claimtrack.ids.new_id
    for info in pkgutil.walk_packages(claimtrack.__path__, "claimtrack."):
        if not info.name.endswith("__main__"):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if value is original:
                    monkeypatch.setattr(module, name, seeded)
    monkeypatch.setattr(claimtrack.ids, "new_id", seeded)


# An age ciphertext (ASCII armour) is base64: any short word or number may turn up in it
# by chance, in either case. A search for plaintext looks outside these blocks.
SEALED_BLOCK = re.compile(
    rb"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----", re.S | re.I
)


def without_ciphertext(data: bytes) -> bytes:
    """``data`` with every age ciphertext cut out (see ``SEALED_BLOCK``)."""
    return SEALED_BLOCK.sub(b"<sealed>", data)


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


# -- a web server on this machine, for the tests of fetching -----------------------------------

Handler = Callable[[BaseHTTPRequestHandler], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up on a slow or huge answer is what a test wants


class Server:
    """An HTTP server on ``host`` (a loopback address) whose paths are handlers."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        server = self

        class Handle(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.hits.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    answer(self, 404, b"no such page")
                else:
                    route(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server((host, 0), Handle)
        self.host = host
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    **headers: str,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def page(body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> Handler:
    return lambda handler: answer(handler, 200, body, content_type, **headers)


def redirect(to: str, status: int = 302) -> Handler:
    return lambda handler: answer(handler, status, b"", Location=to)


def drip(every: float, total: int = 1000) -> Handler:
    """A page that never ends in time: its headers at once, then one byte every
    ``every`` seconds."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        for _ in range(total):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(every)

    return handle


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


# -- extract: candidates of the project's own test articles ------------------------------

ARTICLES = Path(__file__).resolve().parent / "articles"


def article_candidates(name: str) -> list[Any]:
    """The candidates ``extract`` finds in ``tests/articles/<name>``."""
    from claimtrack.extract import extract

    return list(extract((ARTICLES / name).read_text(encoding="utf-8")).candidates)


def the_candidate(candidates: list[Any], words: str) -> Any:
    """The one candidate whose sentence holds ``words`` (fails if none or several do)."""
    found = [c for c in candidates if words in c.sentence]
    assert len(found) == 1, (words, [c.sentence for c in candidates])
    return found[0]


def story_of(*paragraphs: str) -> str:
    """An article: a headline, then the paragraphs."""
    return "Headline of the story\n\n" + "\n\n".join(paragraphs) + "\n"


def hold_lock(db_path: Path, command: list[str]) -> subprocess.Popen[str]:
    """Another process that takes the database's lock as ``command`` (its name as the
    command line gives it, its arguments on ``sys.argv``) and keeps it."""
    name = " ".join(command[:-1])  # the last word is the command's argument
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            f"sys.argv = {command!r}\n"
            "from claimtrack.store.files import locked, name_command\n"
            f"name_command({name!r})\n"
            f"with locked(Path({str(db_path)!r})):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def claims_at_scale(default: int) -> int:
    """The claims a kill or concurrency test starts from: ``default``, or the number in
    ``CLAIMTRACK_TEST_CLAIMS`` (issue 29 asks these tests to pass at 100,000 claims;
    ``CLAIMTRACK_TEST_CLAIMS=100000 pytest -m slow -k 'sigkill or writers'`` runs them
    there, by hand: it takes the best part of an hour)."""
    return int(os.environ.get("CLAIMTRACK_TEST_CLAIMS") or default)


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What every test runs under (``conftest.isolated_env``), and the scripts that write
    pinned test data: no developer's database, git config or data folders; the sidecar
    index always; fetching from 127.0.0.1 allowed (the tests' servers)."""
    monkeypatch.setenv("CLAIMTRACK_USER", "tester")
    monkeypatch.delenv("CLAIMTRACK_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # Every test reads and writes through the sidecar index, however small its database;
    # tests/test_index.py checks that the same commands without it give the same results.
    monkeypatch.setenv("CLAIMTRACK_INDEX", "always")
    # Tests serve their pages from 127.0.0.1, which claimtrack refuses to fetch unless
    # allowed; tests/test_fetching.py unsets it to test the refusal.
    monkeypatch.setenv("CLAIMTRACK_ALLOW_PRIVATE", "1")


@contextlib.contextmanager
def writing_pins() -> Iterator[tuple[Path, pytest.MonkeyPatch]]:
    """A scratch folder and the environment a script writing pinned test data runs in:
    the tests' own (``isolate``), and the frozen clock (``tests/clock.py``)."""
    import tempfile

    from tests.clock import freeze

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, Path(tmp))
        freeze(monkeypatch)
        yield Path(tmp), monkeypatch
