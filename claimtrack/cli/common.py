"""The Typer application, its global options and the helpers every command shares."""

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from claimtrack import __version__
from claimtrack.cli import complete
from claimtrack.cli.context import Environment
from claimtrack.cli.status import ExitStatus, Outcome
from claimtrack.errors import ClaimtrackError
from claimtrack.exporting.formats import FORMATS, OutputFormat, safe_text
from claimtrack.location import Location, is_demo, locate
from claimtrack.model import one_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from claimtrack.operations import Desk

SETTINGS_KEY = "claimtrack.settings"


@dataclass
class Settings:
    db: str | None = None
    debug: bool = False
    no_color: bool = False


def settings(ctx: typer.Context) -> Settings:
    found = ctx.meta.get(SETTINGS_KEY)
    return found if isinstance(found, Settings) else Settings()


def fail(
    message: str,
    hint: str | None = None,
    status: ExitStatus = ExitStatus.ERROR,
    details: list[str] | None = None,
) -> NoReturn:
    """One ``Error:`` line on stderr (one more per bad record, and a hint), then exit."""
    line = f"Error: {safe_text(message, single_line=True)}"
    for detail in details or []:
        line += f"\n  {safe_text(detail, single_line=True)}"
    if hint:
        line += f"\nHint: {safe_text(hint, single_line=True)}"
    typer.echo(line, err=True)
    raise typer.Exit(status)


class ClaimtrackGroup(TyperGroup):
    """Turns core errors into one line and ``ExitStatus.ERROR``; a traceback only with
    --debug. A command's text that starts with a dash is its text (``text_arguments``)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, TyperGroup):  # source, db, git: their commands' args
            if rest and not rest[0].startswith("-"):
                sub = command.get_command(ctx, rest[0])
                if sub is not None and not isinstance(sub, TyperGroup):
                    rest = [rest[0], *text_arguments(sub, ctx, rest[1:])]
        elif command is not None:
            rest = text_arguments(command, ctx, rest)
        return name, command, rest

    def _main_shell_completion(
        self, ctx_args: Any, prog_name: str, complete_var: Any = None
    ) -> None:
        # Only when completing, or showing or installing a script: every run comes here.
        if os.environ.get("_CLAIMTRACK_COMPLETE") or any(
            arg.startswith(("--show-completion", "--install-completion")) for arg in sys.argv
        ):
            from claimtrack.cli.complete import use_plain_zsh

            use_plain_zsh()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def invoke(self, ctx: Any) -> Any:
        sealing = sys.modules.get("claimtrack.confidential.sealing")
        if sealing is not None:
            sealing.reset_opener()  # each command reads its user's identity afresh
        try:
            result = super().invoke(ctx)
            _sealed_notice()
            return result
        except ClaimtrackError as exc:
            _sealed_notice()
            if settings(ctx).debug:
                raise
            fail(exc.message, exc.hint, details=exc.details)
        except (KeyboardInterrupt, typer.Abort):
            # Click turns Ctrl-C (and Ctrl-D) at a prompt into Abort, which it would end
            # with status 1: an interrupted command says so as the shell does, 130.
            typer.echo("\nInterrupted.", err=True)
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
        except BrokenPipeError:
            if not Outcome.committed:
                raise  # a closed pipe is handled quietly in main()
            # The change is saved; only its report found no reader (``Outcome``).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitStatus.SUCCESS) from None
        except (typer.Exit, SystemExit):
            _sealed_notice()
            raise  # a closed pipe is handled quietly in main()
        except Exception as exc:  # the last line of defence: no traceback by default
            if settings(ctx).debug or exc.__class__.__module__.startswith(("click", "typer")):
                raise
            fail(f"internal error: {exc.__class__.__name__}: {exc}", "run with --debug for details")


def text_arguments(command: Any, ctx: Any, args: list[str]) -> list[str]:
    """``args`` with the text a user typed that starts with a dash read as text, not as
    an option: ``add "-12% fall in exports"``, ``add "- and then"``. A token is such
    text when it is not an option's value and a dash is followed by anything but a
    letter (a digit, a space, ``%``, ``$``), or when it holds a space and names no
    option of the command. Click reads any dashed token as an option (and fails with
    "No such option: -1"); the text is moved after a ``--``, in the order of the other
    arguments, which is what a user would have typed to say the same. ``-the ...``
    stays an option (``-t`` with ``he ...``): a ``--`` says it is text."""
    end = args.index("--") if "--" in args else len(args)
    options: dict[str, Any] = {}  # name -> Click option (Typer's own copy of Click)
    for param in command.get_params(ctx):
        if param.param_type_name == "option":
            options.update(dict.fromkeys([*param.opts, *param.secondary_opts], param))
    kept: list[str] = []
    texts: list[str] = []
    moved = False
    index = 0
    while index < end:
        token = args[index]
        index += 1
        if len(token) < 2 or not token.startswith("-"):
            texts.append(token)
            continue
        wanted = _option_values(token, options)
        if wanted is None and _is_text(token):
            texts.append(token)
            moved = True
            continue
        kept.append(token)
        if wanted and index < end:  # the option's value, whatever it starts with
            kept.append(args[index])
            index += 1
    if not moved:
        return args
    return [*kept, "--", *texts, *args[end + 1 :]]


def _option_values(token: str, options: dict[str, Any]) -> bool | None:
    """Whether ``token``, an option, takes the next argument as its value; None when it
    names no option of the command."""

    def takes_value(option: Any) -> bool:
        return not option.is_flag and not option.count and bool(option.nargs > 0)

    if token.startswith("--"):
        name, _, value = token.partition("=")
        option = options.get(name)
        return None if option is None else takes_value(option) and not value
    for position, char in enumerate(token[1:], start=1):  # -q, -qy, -fjson, -f json
        option = options.get("-" + char)
        if option is None:
            return None if position == 1 else False
        if takes_value(option):
            return position == len(token) - 1
    return False


def _is_text(token: str) -> bool:
    start = token[2:3] if token.startswith("--") else token[1:2]
    return not (start.isascii() and start.isalpha()) or any(c.isspace() for c in token)


def _sealed_notice() -> None:
    """Once, after a command that tried to open sealed sources and could not: why they
    were shown by pseudonym (``claimtrack.confidential.sealing.Opener.problem``)."""
    # The module is loaded only if something was sealed.
    sealing = sys.modules.get("claimtrack.confidential.sealing")
    found = sealing.used_opener() if sealing is not None else None
    if found is not None and found.problem and not found.noticed:
        found.noticed = True
        typer.echo(f"Note: sealed sources are shown by pseudonym: {found.problem}", err=True)


EPILOG = (
    "Run 'claimtrack COMMAND --help' for a command's options and examples. "
    "Exit codes: 0 success, 1 error or failed check, 2 usage error."
)

app = typer.Typer(
    name="claimtrack",
    cls=ClaimtrackGroup,
    help=(
        "Track checkable claims, who made them and who reported them, and work each "
        "claim to a verdict.\n\n"
        "\b\n"
        "Quick start:\n"
        "  claimtrack demo                  # the seed article's claims, in a demo database\n"
        "  claimtrack init                  # claims.json in this folder\n"
        '  claimtrack add "At least a dozen Russians faced entry bans" \\\n'
        '      --said-by "pro-democracy Russian activists" --reported-by "Associated Press"\n'
        "  claimtrack list --status unverified\n"
        "  claimtrack show 3f9k2ab"
    ),
    epilog=EPILOG,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claimtrack {__version__}")
        raise typer.Exit(ExitStatus.SUCCESS)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help="Database file to use (default: $CLAIMTRACK_DB, else the nearest "
            "claims.json upward, else the per-user database).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain output, no colour.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    ctx.meta[SETTINGS_KEY] = Settings(db=db, debug=debug, no_color=no_color)
    if not isinstance(ctx.obj, Environment):  # a test may have passed its own
        ctx.obj = Environment.from_sys()


# -- shared helpers -------------------------------------------------------------------------


def location(ctx: typer.Context) -> Location:
    return locate(settings(ctx).db)


def desk(ctx: typer.Context) -> "Desk":
    """The use cases (``claimtrack.operations.Desk``) on the database in use."""
    from claimtrack.operations import Desk
    from claimtrack.store.files import name_command

    path = location(ctx).path
    name_command(ctx.command_path)  # for the note a held lock leaves: no arguments
    return Desk(path, saved=lambda: _saved(path), ask_passphrase=_passphrase_prompt(ctx))


def _passphrase_prompt(ctx: typer.Context) -> Callable[[str], str] | None:
    """How a use case asks for an identity's passphrase: typed on the terminal, not
    echoed; None without a terminal (the core then reports the protected identity)."""
    env = environment(ctx)
    if not (env.stdin_isatty and env.stderr_isatty):
        return None

    def ask(description: str) -> str:
        answer = typer.prompt(
            f"Enter the {description}", default="", show_default=False, hide_input=True, err=True
        )
        return str(answer)

    return ask


def _saved(path: Path) -> None:
    """After a write: the change is committed (``Outcome``), and one made in the demo
    database is said to be lost on the next 'claimtrack demo'."""
    Outcome.committed = True
    if is_demo(path):
        typer.echo(
            f"Note: {path} is the demo database, which 'claimtrack demo' makes afresh; "
            "keep your own work in a database of your own ('claimtrack init')",
            err=True,
        )


def environment(ctx: typer.Context) -> Environment:
    """The terminal the command runs in: made when it starts, or given by a test."""
    found = ctx.find_object(Environment)
    return found if found is not None else Environment.from_sys()


def output_format(ctx: typer.Context, fmt: str | None, quiet: bool) -> OutputFormat:
    """``-q`` means IDs; no ``--format`` means a table on a terminal, JSON Lines in a pipe."""
    if quiet:
        return "ids"
    if fmt is None:
        return "table" if environment(ctx).stdout_isatty else "jsonl"
    value = one_of(fmt.strip().lower(), FORMATS)
    # The option's type (``complete.FORMAT``) has checked it: a usage error otherwise.
    assert value is not None, fmt
    return value


def read_text(value: str, what: str) -> str:
    """The argument itself, or standard input when it is ``-``."""
    if value != "-":
        return value
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimtrackError(f"{what} on standard input is not UTF-8 text") from None
    if not text.strip():
        raise ClaimtrackError(f"{what} on standard input is empty")
    return text.replace("\r\n", "\n")


def read_input(file: str, what: str) -> bytes:
    """The bytes of a file named on the command line, or of stdin for '-'."""
    with open_input(file, what) as handle:
        return handle.read()


@contextmanager
def open_input(file: str, what: str) -> Iterator[IO[bytes]]:
    """A seekable binary handle on a file named on the command line, or on stdin for
    '-', for reading in pieces; a pipe (stdin, ``<(...)``) is copied to a temporary
    file first."""
    with contextlib.ExitStack() as stack:
        if file == "-":
            source: IO[bytes] = sys.stdin.buffer
        else:
            try:
                source = stack.enter_context(Path(file).expanduser().open("rb"))
            except FileNotFoundError:
                fail(f"no such file: {file}")
            except IsADirectoryError:
                fail(f"{file} is a directory")
            except OSError as exc:
                fail(f"cannot read {file}: {exc.strerror}")
        if _is_device(source) and not source.isatty():
            fail(f"{file} is a device, not a file", f"{what} reads a file, a pipe or '-'")
        if not source.seekable():
            import tempfile

            spooled = stack.enter_context(tempfile.TemporaryFile())
            _copy_at_most(source, spooled, MAX_INPUT_BYTES, file)
            spooled.seek(0)
            source = spooled
        if file == "-":
            start = source.tell()
            if not any(line.strip() for line in source):
                raise ClaimtrackError(f"{what} on standard input is empty")
            source.seek(start)
        yield source


# The most an input from a pipe is copied before claimtrack gives up on it: a pipe that
# never ends (`yes | claimtrack import -`) must not fill the disk.
MAX_INPUT_BYTES = 8 << 30


def _is_device(handle: IO[bytes]) -> bool:
    import stat

    try:
        mode = os.fstat(handle.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _copy_at_most(source: IO[bytes], target: IO[bytes], limit: int, name: str) -> None:
    copied = 0
    while chunk := source.read(1 << 20):
        copied += len(chunk)
        if copied > limit:
            fail(f"{name} is larger than {limit >> 30} GB; nothing was read from it")
        target.write(chunk)


def confirmer(
    ctx: typer.Context, yes: bool, *, verb: str = "delete"
) -> "Callable[[str], bool] | None":
    """The question a destructive use case asks before it takes the write lock: None
    with --yes (nothing to ask); else a callback that asks ``question`` on a terminal
    and, without one, refuses. ``verb`` names what would be done ("delete", "merge")
    in the refusal and the answer to a no."""
    if yes:
        return None

    def confirm(question: str) -> bool:
        if not environment(ctx).stdin_isatty:
            fail(f"refusing to {verb} without confirmation", "pass --yes to confirm in scripts")
        if typer.confirm(safe_text(question), default=False, err=True):
            return True
        typer.echo(f"Nothing {verb}d.", err=True)
        return False

    return confirm


def declined() -> NoReturn:
    """The user said no to a question: an answer, not a failure (a script that asked
    gets 0)."""
    raise typer.Exit(ExitStatus.SUCCESS)


def stdout_bytes() -> Any:
    return sys.stdout.buffer


def no_color(ctx: typer.Context) -> bool:
    # no-color.org: "when present and not an empty string"; NO_COLOR= turns nothing off.
    return settings(ctx).no_color or bool(os.environ.get("NO_COLOR"))


# Options that several commands share, declared once.
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table, json, jsonl, csv, tsv or ids (default: table on a terminal, "
        "jsonl when piped).",
        click_type=complete.FORMAT,
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only IDs.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
RevealOption = Annotated[
    bool, typer.Option("--reveal", help="Show confidential sources' real identities.")
]
AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Fetch addresses on this machine or its network too (loopback, private, "
        "link-local; also CLAIMTRACK_ALLOW_PRIVATE=1).",
    ),
]
