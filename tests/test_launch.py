"""The entry point: --version without Typer, and one command built instead of all."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.main import get_command_name
from typer.testing import CliRunner

from claimtrack import __version__
from claimtrack.cli import app, invoked, narrow
from tests.helpers import Cli


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["add", "text"], "add"),
        (["--db", "x.json", "show", "abc"], "show"),
        (["--db=x.json", "--debug", "--no-color", "source", "list"], "source"),
        (["--db", "--debug"], None),  # --db took "--debug" as its value; no command
        (["--help"], None),
        (["--version"], None),
        (["--unknown", "add"], None),
        ([], None),
    ],
)
def test_the_invoked_command_is_read_from_the_arguments(args: list[str], name: str | None) -> None:
    assert invoked(args) == name


def names(typer_app: typer.Typer) -> list[str]:
    commands = [
        info.name or get_command_name(info.callback.__name__)  # type: ignore[union-attr]
        for info in typer_app.registered_commands
    ]
    return commands + [str(info.name) for info in typer_app.registered_groups]


@pytest.fixture
def whole_app() -> Iterator[tuple[list[typer.models.CommandInfo], list[typer.models.TyperInfo]]]:
    """The app's full lists of commands and groups, put back after each narrowing."""
    commands, groups = list(app.registered_commands), list(app.registered_groups)
    yield commands, groups
    app.registered_commands, app.registered_groups = commands, groups


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def launched(args: list[str], then: str) -> str:
    """What a new Python prints that runs ``claimtrack ARGS`` through the launcher, as
    the console script does, then the statements ``then`` (with ``sys`` imported), also
    when the command ends in ``SystemExit``. A command that fails fails the test."""
    code = (
        "import sys\n"
        f"sys.argv = {['claimtrack', *args]!r}\n"
        "from claimtrack.launch import main\n"
        "try:\n    main()\nfinally:\n" + textwrap.indent(then, "    ")
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout


CASES = [("--help",), ("--no-such-option",)]  # help, and a usage error (no side effects)


def test_a_narrowed_app_answers_as_the_whole_one(
    whole_app: tuple[list[typer.models.CommandInfo], list[typer.models.TyperInfo]],
) -> None:
    everything = names(app)
    assert len(everything) > 20
    expected = {(name, case): run(name, *case) for name in everything for case in CASES}
    for name in everything:
        narrow(app, name)
        assert names(app) == [name]
        for case in CASES:
            assert run(name, *case) == expected[name, case], (name, case)
        app.registered_commands, app.registered_groups = list(whole_app[0]), list(whole_app[1])


def test_unknown_names_and_help_keep_every_command(
    whole_app: tuple[list[typer.models.CommandInfo], list[typer.models.TyperInfo]],
) -> None:
    for name in (None, "no-such-command", "lis"):
        narrow(app, name)
        assert len(names(app)) == len(whole_app[0]) + len(whole_app[1])
    code, _, stderr = run("lis")
    assert code == 2 and "No such command 'lis'" in stderr


def test_version_prints_without_loading_the_command_line() -> None:
    out = launched(
        ["--version"],
        "loaded = [m for m in sys.modules if m.startswith(('typer', 'claimtrack.cli'))]\n"
        "print('LOADED', sorted(loaded))\n",
    )
    assert out.splitlines() == [f"claimtrack {__version__}", "LOADED []"]
    # The same line Typer's --version prints, when it is asked for with other options.
    assert run("--no-color", "--version")[1] == f"claimtrack {__version__}\n"


# The use cases a command does not run, and the store's code for writes: what ``show``,
# a page of ``list`` and ``add`` must not pay for importing (``operations/desk.py``).
OTHER_USE_CASES = tuple(
    f"claimtrack.operations.{group}"
    for group in ("sources", "merges", "evidence", "publication", "history", "importing", "record")
)
NOT_FOR_READERS = ("claimtrack.operations.duplicates", "claimtrack.store.gitwatch")
# Where the cache folder is, on Linux, is worked out without it (``store.files``).
NOT_ON_LINUX = ("platformdirs",) if sys.platform.startswith("linux") else ()
# Kept help pages are looked at only for a command line that ends in --help or -h.
NOT_HELP = ("claimtrack.launch.help_pages",)


@pytest.mark.parametrize(
    ("args", "unused"),
    [
        (["show", "CLAIM"], OTHER_USE_CASES + NOT_FOR_READERS + NOT_ON_LINUX + NOT_HELP),
        (["list", "-n", "50"], OTHER_USE_CASES + NOT_FOR_READERS + NOT_ON_LINUX + NOT_HELP),
        (
            ["add", "The ministry", "--no-dupe-check", "-q"],
            OTHER_USE_CASES + NOT_ON_LINUX + NOT_HELP,
        ),
    ],
)
def test_a_command_imports_only_the_use_cases_it_runs(
    cli: Cli, db_path: Path, args: list[str], unused: tuple[str, ...]
) -> None:
    """Start-up guard: a command on the database loads its own group of use cases and
    no other (each cost a millisecond or two of every command when all were loaded)."""
    claim = cli.add("At least a dozen Russians faced entry bans", "--said-by", "Activists")
    out = launched(
        ["--db", str(db_path), *(claim if a == "CLAIM" else a for a in args)],
        "loaded = [m for m in sys.modules if m.startswith(('claimtrack.', 'plat'))]\n"
        "print('LOADED', sorted(loaded))\n",
    )
    loaded = out.rsplit("LOADED ", 1)[1]
    ran = "claimtrack.operations.claims"
    assert repr(ran) in loaded, out  # the command ran, through its use case
    assert [m for m in unused if repr(m) in loaded] == [], loaded


def test_add_compiles_only_the_patterns_of_the_numbers(cli: Cli, db_path: Path) -> None:
    """Start-up guard: ``add`` works out a claim's quantities, which read a few of the
    extractor's word lists; the extractor's other patterns (``extract.vocabulary``,
    compiled on first use) cost a fifth of its instructions when compiled on import."""
    cli.add("A first claim about 3 people")
    out = launched(
        ["--db", str(db_path), "add", "At least a dozen Russians", "-q"],
        "from claimtrack.extract import vocabulary\n"
        "print('COMPILED', sorted(n for n in vocabulary.PATTERNS if n in vars(vocabulary)))\n",
    )
    compiled = out.rsplit("COMPILED ", 1)[1].strip()
    assert compiled == "['MONTH_OR_DAY', 'YEAR']", out


def test_the_vocabulary_patterns_compile_when_first_used() -> None:
    """Every lazily compiled pattern resolves to the pattern it names, once; an unknown
    name is an AttributeError, as for any module."""
    import re

    from claimtrack.extract import vocabulary

    for name, (pattern, flags) in vocabulary.PATTERNS.items():
        compiled = getattr(vocabulary, name)
        assert isinstance(compiled, re.Pattern)
        assert (compiled.pattern, compiled.flags & ~re.UNICODE) == (pattern, flags)
        assert getattr(vocabulary, name) is compiled
    with pytest.raises(AttributeError, match="NO_SUCH_PATTERN"):
        vocabulary.NO_SUCH_PATTERN  # noqa: B018
