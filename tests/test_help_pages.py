"""Help pages kept in the user's cache (``claimtrack/launch/help_pages.py``): a kept page
is the page Typer prints, byte for byte, at every width and colour setting; it is
printed without importing Typer, Click or Rich; a change to the code, a corrupt or
foreign cache, or one that cannot be written sends the command through Typer as before,
with the same output, stderr and exit status.

Each page is compared with what Typer prints in a process that never looks at the
cache (``TYPER``), then printed by ``claimtrack`` twice: once missing the cache (Typer
prints it; it is kept), once from it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import typer.main

from claimtrack.cli import app
from claimtrack.launch import help_pages
from claimtrack.store.files import user_cache_folder

SEPARATOR = b"\0--- next page ---\0\n"

# Typer's pages as the command line printed them before pages were kept, in one process
# that never imports the launcher: the whole app (``tests/test_launch.py`` shows that the
# narrowed app ``cli.main`` runs prints the same pages).
TYPER = f"""
import json, sys
import typer.main
from claimtrack.cli import app
from claimtrack.cli.context import fit_text_streams
fit_text_streams()
command = typer.main.get_command(app)  # what ``app(args)`` makes on every call
for args in json.loads(sys.argv[1]):
    try:
        command.main(args, prog_name="claimtrack")
    except SystemExit as exc:
        assert exc.code == 0, (args, exc.code)
    sys.stdout.flush()
    sys.stdout.buffer.write({SEPARATOR!r})
"""

# Typer's pages again, each printed through ``help_pages.record`` (so kept), as the
# launcher prints a page it has not kept.
RECORDED = f"""
import json, sys
import typer.main
from claimtrack.cli import app
from claimtrack.cli.context import fit_text_streams
from claimtrack.launch import help_pages
fit_text_streams()
command = typer.main.get_command(app)
for args in json.loads(sys.argv[1]):
    try:
        help_pages.record(args, lambda: command.main(args, prog_name="claimtrack"))
    except SystemExit as exc:
        assert exc.code == 0, (args, exc.code)
    sys.stdout.flush()
    sys.stdout.buffer.write({SEPARATOR!r})
"""

# Kept pages printed by the launcher's own call, one after another in one process, and
# then which modules of Typer, Click, Rich and claimtrack's CLI that process imported.
KEPT = f"""
import json, sys
from claimtrack.launch import help_pages
for args in json.loads(sys.argv[1]):
    if not help_pages.print_kept(args):
        sys.stdout.buffer.write(b"MISSED")
    sys.stdout.buffer.write({SEPARATOR!r})
sys.stdout.flush()
sys.stderr.write("LOADED " + repr(sorted(
    m for m in sys.modules if m.split(".")[0] in ("typer", "click", "rich")
    or m.startswith("claimtrack.cli")
)))
"""

# ``claimtrack ARGS`` through the launcher, then the same list of modules, on stderr.
LAUNCH = """
import os, sys
exec(os.environ.get("TEST_PRELUDE", ""))
sys.argv = ["claimtrack", *sys.argv[1:]]
from claimtrack.launch import main
try:
    main()
except SystemExit as exc:
    status = exc.code
else:
    status = 0
sys.stdout.flush()
sys.stderr.write("\\nLOADED " + repr(sorted(
    m for m in sys.modules if m.split(".")[0] in ("typer", "click", "rich")
    or m.startswith("claimtrack.cli")
)))
sys.exit(status)
"""


def pages() -> list[list[str]]:
    """Every help page: the main one, each command's and group's, each group command's."""
    found: list[list[str]] = [["--help"]]
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        found.append([name, "--help"])
        for sub in getattr(command, "commands", {}):
            found.append([name, sub, "--help"])
    return found


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A user's environment: a cache of the test's own, and ``settings``."""
    keep = ("PATH", "PYTHONPATH", "SYSTEMROOT")
    return {
        **{name: os.environ[name] for name in keep if name in os.environ},
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "LC_ALL": "C.UTF-8",
        **settings,
    }


def claimtrack(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "claimtrack", *args],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def python(code: str, arg: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code, arg],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=True,
    )


def typer_pages(asked: list[list[str]], env: dict[str, str]) -> list[bytes]:
    printed = python(TYPER, json.dumps(asked), env)
    assert printed.stderr == b""
    return printed.stdout.split(SEPARATOR)[:-1]


def kept_pages(asked: list[list[str]], env: dict[str, str]) -> tuple[list[bytes], str]:
    """The kept pages, and the modules of Typer, Click, Rich and the CLI imported."""
    printed = python(KEPT, json.dumps(asked), env)
    return printed.stdout.split(SEPARATOR)[:-1], printed.stderr.decode()


def launched(args: list[str], env: dict[str, str]) -> tuple[int, bytes, str, str]:
    """``claimtrack ARGS`` through the launcher: status, stdout, stderr and the modules
    of Typer, Click, Rich and the CLI it imported."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH, *args],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    stderr, loaded = done.stderr.decode().rsplit("\nLOADED ", 1)
    return done.returncode, done.stdout, stderr, loaded


@pytest.fixture(scope="session")
def bytecode_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Once: every help page run as the tests run them, so that Python has written the
    bytecode of every module they load. In a fresh checkout the first run makes the
    ``__pycache__`` folders, which changes the folders a page is stamped with, after
    ``settled_code`` looked at them (its page is then not kept, rightly)."""
    import time

    home = tmp_path_factory.mktemp("bytecode")
    for args in SOME:
        claimtrack(args, environment(home, COLUMNS="80"))
    time.sleep(help_pages.RACY_NS / 1e9 + 0.05)  # whatever those runs changed is settled


@pytest.fixture(autouse=True)
def settled_code(tmp_path: Path, bytecode_written: None) -> None:
    """A page is not kept while its code changed in the last ``RACY_NS`` (on a fresh
    checkout, Python writing ``__pycache__`` changes the folders): wait for that to
    pass, by the file system's clock, so that these tests find their pages kept."""
    import time

    newest = max(os.stat(path).st_mtime_ns for path in help_pages.code_files())
    probe = tmp_path / "clock"
    probe.write_bytes(b"")
    ahead = newest + help_pages.RACY_NS - probe.stat().st_mtime_ns
    if ahead > 0:  # at most RACY_NS: a file dated ahead of the clock is not waited for
        time.sleep(min(ahead, help_pages.RACY_NS) / 1e9 + 0.05)


# ``claimtrack --help`` through the launcher, then every module it imported that the
# interpreter had not loaded before it, on stderr.
IMPORTED = """
import sys
before = set(sys.modules)
sys.argv = ["claimtrack", "--help"]
from claimtrack.launch import main
main()
sys.stdout.flush()
sys.stderr.write(repr(sorted(set(sys.modules) - before)))
"""


def test_a_kept_page_imports_only_the_launcher_and_the_cache_folder(tmp_path: Path) -> None:
    """Start-up guard: a kept page is printed by the launcher's own modules and
    nothing else, not even ``__future__`` (``launch/help_pages.py``)."""
    env = environment(tmp_path, COLUMNS="80", NO_COLOR="1")
    claimtrack(["--help"], env)  # printed by Typer, and kept
    done = python(IMPORTED, "", env)
    assert done.stdout.startswith(b"Usage: claimtrack [OPTIONS] COMMAND [ARGS]...")
    assert done.stderr.decode() == repr(
        [
            "claimtrack",
            "claimtrack.launch",
            "claimtrack.launch.help_pages",
            "claimtrack.store",
            "claimtrack.store.user_cache",
        ]
    )


def test_the_main_page_is_kept_then_printed_without_typer_click_or_rich(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path, COLUMNS="80", NO_COLOR="1")
    [expected] = typer_pages([["--help"]], env)
    assert expected.startswith(b"Usage: claimtrack [OPTIONS] COMMAND [ARGS]...")
    first = launched(["--help"], env)
    assert first[:3] == (0, expected, "")
    assert "'typer'" in first[3]  # printed by Typer, and kept
    again = launched(["--help"], env)
    assert again == (0, expected, "", "[]")


@pytest.mark.parametrize(
    "settings",
    [
        {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"},
        {"COLUMNS": "50", "FORCE_COLOR": "1", "TERM": "xterm-256color"},
    ],
    ids=["80-plain", "50-colour"],
)
def test_every_kept_page_is_what_typer_prints(tmp_path: Path, settings: dict[str, str]) -> None:
    """Every page, kept as the launcher keeps it (``help_pages.record`` around Typer),
    in one process rather than one each; the next tests run the launcher itself."""
    env = environment(tmp_path, **settings)
    asked = pages()
    assert len(asked) > 40 and ["source", "add", "--help"] in asked
    expected = typer_pages(asked, env)
    recorded = python(RECORDED, json.dumps(asked), env)
    assert recorded.stderr == b""
    assert recorded.stdout.split(SEPARATOR)[:-1] == expected
    kept, loaded = kept_pages(asked, env)
    assert loaded == "LOADED []"
    assert kept == expected


SOME = [["--help"], ["add", "-h"], ["source", "--help"], ["source", "add", "--help"]]


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    [
        {"COLUMNS": "40", "NO_COLOR": "1"},
        {"COLUMNS": "200", "NO_COLOR": "1"},
        {"COLUMNS": "60", "FORCE_COLOR": "1", "TERM": "xterm-256color", "COLORTERM": "truecolor"},
        {"COLUMNS": "100", "TERM": "xterm-256color", "PYTHONIOENCODING": "latin-1"},
    ],
    ids=["40-plain", "200-plain", "60-colour", "100-latin-1"],
)
def test_kept_pages_are_what_typer_prints_at_each_width_and_colour(
    tmp_path: Path, settings: dict[str, str]
) -> None:
    env = environment(tmp_path, **settings)
    expected = typer_pages(SOME, env)
    for args, page in zip(SOME, expected, strict=True):
        done = claimtrack(args, env)
        assert (done.returncode, done.stdout, done.stderr) == (0, page, b""), args
    assert kept_pages(SOME, env) == (expected, "LOADED []")


def test_each_width_has_a_page_of_its_own(tmp_path: Path) -> None:
    narrow, wide = (environment(tmp_path, COLUMNS=c, NO_COLOR="1") for c in ("50", "100"))
    claimtrack(["add", "--help"], narrow)
    assert kept_pages([["add", "--help"]], wide)[0] == [b"MISSED"]
    claimtrack(["add", "--help"], wide)
    [narrow_page] = kept_pages([["add", "--help"]], narrow)[0]
    [wide_page] = kept_pages([["add", "--help"]], wide)[0]
    assert (narrow_page, wide_page) == tuple(
        typer_pages([["add", "--help"]], env)[0] for env in (narrow, wide)
    )
    assert narrow_page != wide_page


def on_terminal(args: list[str], env: dict[str, str], columns: int) -> bytes:
    """What ``claimtrack ARGS`` shows on a terminal ``columns`` wide (stdout a terminal;
    stderr, which must stay empty, a pipe)."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "claimtrack", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=side,
        stderr=subprocess.PIPE,
    )
    os.close(side)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (0, b"")
    return shown


@pytest.mark.slow
def test_on_a_terminal_the_kept_page_is_the_terminal_width_page(tmp_path: Path) -> None:
    env = environment(tmp_path, TERM="xterm-256color")
    env.pop("COLUMNS", None)
    for args in (["--help"], ["source", "add", "--help"]):
        before = on_terminal(args, {**env, "XDG_CACHE_HOME": str(tmp_path / "none")}, 64)
        assert before.startswith(b"Usage: claimtrack")
        assert on_terminal(args, env, 64) == before  # printed by Typer, and kept
        assert on_terminal(args, env, 64) == before  # the kept page
        assert on_terminal(args, env, 100) != before  # another width: another page


def kept_files(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["XDG_CACHE_HOME"]) / "claimtrack" / "help").iterdir())


def test_a_kept_page_is_stamped_with_claimtracks_code_and_typers(tmp_path: Path) -> None:
    env = environment(tmp_path, COLUMNS="80")
    launched(["--help"], env)
    [kept] = kept_files(env)
    lines = kept.read_bytes().splitlines()
    stamps = lines[3 : 3 + int(lines[2])]
    stamped = {line.split(b" ", 2)[2].decode() for line in stamps}
    package = Path(help_pages.__file__).parent.parent
    for module in ("cli/common.py", "cli/claims.py", "cli/__init__.py", "model.py"):
        assert str(package / module) in stamped
    assert str(package / "cli") in stamped  # a module added to the CLI's folder
    assert str(Path(typer.main.__file__)) in stamped


def kept_here(files: list[Path]) -> bytes:
    """A page kept in the test's cache under a key of the test's, stamped with
    ``files``, which are made to look a minute old (older than ``RACY_NS``)."""
    for path in files:
        found = path.stat()
        os.utime(path, ns=(found.st_atime_ns, found.st_mtime_ns - 60_000_000_000))
    key = b"('a key of this test',)"
    help_pages.keep(key, b"Usage: a page\n", [str(path) for path in files])
    return key


def kept_page(key: bytes) -> bytes | None:
    folder = Path(help_pages._folder())  # noqa: SLF001  (the folder under test)
    return help_pages.parse((folder / help_pages._name(key)).read_bytes(), key)  # noqa: SLF001


@pytest.mark.parametrize("change", ["same size", "longer", "removed", "a module added"])
def test_a_page_whose_code_changed_is_not_printed(tmp_path: Path, change: str) -> None:
    code = tmp_path / "code"
    code.mkdir()
    module = code / "module.py"
    module.write_text("HELP = 'Add a claim.'\n")
    key = kept_here([module, code])
    assert kept_page(key) == b"Usage: a page\n"
    if change == "same size":
        module.write_text("HELP = 'Add a claim!'\n")
    elif change == "longer":
        module.write_text("HELP = 'Add a claim, quickly.'\n")
    elif change == "removed":
        module.unlink()
    else:
        (code / "other.py").write_text("")
    if change == "removed":
        with pytest.raises(FileNotFoundError):
            kept_page(key)
    else:
        assert kept_page(key) is None


def test_a_page_whose_code_just_changed_is_not_kept(tmp_path: Path) -> None:
    """A file changed within ``RACY_NS`` of the page being kept could change again
    without its stamp changing: such a page is not kept (here: a file dated ahead)."""
    module = tmp_path / "module.py"
    module.write_text("HELP = 'Add a claim.'\n")
    found = module.stat()
    os.utime(module, ns=(found.st_atime_ns, found.st_mtime_ns + help_pages.RACY_NS))
    key = b"('a key of this test',)"
    help_pages.keep(key, b"Usage: a page\n", [str(module)])
    assert not (Path(help_pages._folder()) / help_pages._name(key)).exists()  # noqa: SLF001


@pytest.mark.parametrize(
    "damage", ["garbage", "cut short", "another key", "empty", "a folder"], ids=str
)
def test_a_corrupt_page_is_a_miss_and_is_kept_again(tmp_path: Path, damage: str) -> None:
    env = environment(tmp_path, COLUMNS="80")
    [expected] = typer_pages([["--help"]], env)
    launched(["--help"], env)
    [kept] = kept_files(env)
    good = kept.read_bytes()
    if damage == "garbage":
        kept.write_bytes(b"\x00\xff not a page")
    elif damage == "cut short":
        kept.write_bytes(good[:-100])
    elif damage == "another key":
        kept.write_bytes(good.replace(b"'--help'", b"'-h'", 1))
    elif damage == "empty":
        kept.write_bytes(b"")
    else:
        kept.unlink()
        kept.mkdir()
    status, stdout, stderr, loaded = launched(["--help"], env)
    assert (status, stdout, stderr) == (0, expected, "")
    assert "'typer'" in loaded  # printed by Typer
    if damage != "a folder":
        assert kept.read_bytes() == good  # and kept again
        assert launched(["--help"], env) == (0, expected, "", "[]")


@pytest.mark.parametrize("cache", ["a file", "open to others"])
def test_a_cache_that_cannot_be_written_or_trusted_is_passed_by(tmp_path: Path, cache: str) -> None:
    env = environment(tmp_path, COLUMNS="80")
    [expected] = typer_pages([["--help"]], env)
    folder = Path(env["XDG_CACHE_HOME"]) / "claimtrack"
    if cache == "a file":
        folder.parent.mkdir()
        folder.write_bytes(b"")
    else:
        launched(["--help"], env)  # a page kept, then the folder opened to others
        folder.chmod(0o777)
    for _ in range(2):
        status, stdout, stderr, loaded = launched(["--help"], env)
        assert (status, stdout, stderr) == (0, expected, "")
        assert "'typer'" in loaded  # never the page someone else could have written


@pytest.mark.parametrize(
    "args",
    [
        ["nosuch", "--help"],  # an error: exit 2, on stderr
        ["--db", "x.json", "--help"],
        ["add", "A claim", "--help"],
        ["--help", "--debug"],
        ["-h", "add"],
    ],
)
def test_only_a_help_page_that_succeeded_is_kept(tmp_path: Path, args: list[str]) -> None:
    env = environment(tmp_path, COLUMNS="80")
    first = launched(args, env)
    assert launched(args, env) == first  # the same status, output and modules
    assert "'typer'" in first[3]
    folder = Path(env["XDG_CACHE_HOME"]) / "claimtrack" / "help"
    assert not folder.exists() or list(folder.iterdir()) == []


# Run before the launcher (``TEST_PRELUDE``): Typer's path made to say something on
# stderr, or to fail quietly, after printing its page.
WARNED = """
import claimtrack.cli.context as context
fit = context.fit_text_streams
def warned():
    sys.stderr.write("Warning: something to say\\n")
    fit()
context.fit_text_streams = warned
"""
FAILED = """
import claimtrack.cli as cli
run = cli.main
def failed():
    try:
        run()
    finally:
        raise SystemExit(1)
cli.main = failed
"""


@pytest.mark.parametrize(
    ("prelude", "status", "stderr"),
    [(WARNED, 0, "Warning: something to say\n"), (FAILED, 1, "")],
    ids=["warned", "failed"],
)
def test_a_page_printed_with_a_warning_or_a_failure_is_not_kept(
    tmp_path: Path, prelude: str, status: int, stderr: str
) -> None:
    """Only a page printed alone, by a command that succeeded, is kept: a page printed
    with a warning, or by a command that then failed, is printed by Typer each time."""
    env = environment(tmp_path, COLUMNS="80", TEST_PRELUDE=prelude)
    [expected] = typer_pages([["--help"]], environment(tmp_path, COLUMNS="80"))
    for _ in range(2):
        assert launched(["--help"], env)[:3] == (status, expected, stderr)
    assert not (Path(env["XDG_CACHE_HOME"]) / "claimtrack" / "help").exists()


def test_an_unknown_command_keeps_its_error_and_status(tmp_path: Path) -> None:
    env = environment(tmp_path, COLUMNS="80")
    status, stdout, stderr, _ = launched(["nosuch", "--help"], env)
    assert (status, stdout) == (2, b"")
    assert "No such command 'nosuch'" in stderr


def test_completion_goes_through_typer(tmp_path: Path) -> None:
    env = environment(tmp_path, COLUMNS="80")
    launched(["--help"], env)  # a page kept
    completing = {**env, "_CLAIMTRACK_COMPLETE": "complete_bash", "COMP_WORDS": "claimtrack --help"}
    assert "'typer'" in launched(["--help"], {**completing, "COMP_CWORD": "1"})[3]


@pytest.mark.parametrize(
    ("args", "asked"),
    [
        (["--help"], True),
        (["-h"], True),
        (["add", "--help"], True),
        (["merge-driver", "-h"], True),
        (["source", "add", "--help"], True),
        ([], False),
        (["--version"], False),
        (["add", "--help", "-q"], False),
        (["a", "b", "c", "--help"], False),
        (["--db=x", "--help"], False),
        (["add", "some text", "--help"], False),
        (["3f9k2ab", "--help"], False),
        (["-x", "--help"], False),
    ],
)
def test_a_help_page_is_asked_for_by_names_then_the_help_option(
    args: list[str], asked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO()))
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(io.BytesIO()))
    assert help_pages.asked_for(args) is asked


@pytest.mark.parametrize(
    "settings",
    [
        {"XDG_CACHE_HOME": "/somewhere/cache", "HOME": "/home/reporter"},
        {"XDG_CACHE_HOME": "relative/cache", "HOME": "/home/reporter"},
        {"XDG_CACHE_HOME": "", "HOME": "/home/reporter"},
        {"HOME": "/home/reporter/"},
    ],
)
def test_pages_are_kept_in_the_cache_folder_of_the_store(
    settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    found = help_pages._folder()  # noqa: SLF001  (the help pages' own folder)
    assert Path(found) == user_cache_folder() / "help"
