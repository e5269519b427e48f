"""Shell completion: claim IDs, source names, aliases and name parts, stories and tags
read from the database in use; statuses, relations, source kinds and formats from the
closed sets in ``model``. A confidential source is never offered (its name or aliases
would leave the database through the shell).

A value is written for the shell that asked: Typer's bash script puts each line it gets
into ``COMPREPLY`` as it is and bash inserts it unquoted, so for bash a space or a
quote in a value is escaped with a backslash ("Associated\\ Press"), as bash's own
file name completion does; zsh (``_arguments``) and fish quote what they insert
themselves and get the value plain.

The completers are Click parameter types (``completing``), not Typer's
``autocompletion``, which keeps only the values that start with what was typed as
typed: "petro" could never complete "Dragan Petrović", nor "Associated\\ P" an escaped
value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import typer

from claimtrack.confidential import is_confidential
from claimtrack.errors import ClaimtrackError
from claimtrack.exporting.formats import FORMATS, safe_text
from claimtrack.model import (
    RELATIONS,
    SOURCE_KINDS,
    STATUSES,
    check_kind,
    check_relation,
    check_status,
    fold,
    one_of,
)

if TYPE_CHECKING:
    from claimtrack.model import Claim

# Typer 0.26 and later carry their own copy of Click, whose classes an option's type
# must be made of (one of Click itself would be taken for a conversion function).
try:
    from typer._click.exceptions import BadParameter
    from typer._click.shell_completion import CompletionItem
    from typer._click.types import StringParamType
except ImportError:  # an older Typer, over Click itself
    from click.exceptions import BadParameter  # type: ignore[assignment,no-redef,unused-ignore]
    from click.shell_completion import CompletionItem  # type: ignore[assignment,no-redef,unused-ignore]
    from click.types import StringParamType  # type: ignore[assignment,no-redef,unused-ignore]

# How many values at most: enough for any list a person reads at a prompt.
LIMIT = 200
# Typer's environment variable for the shell asking: ``_CLAIMTRACK_COMPLETE=complete_bash``.
SHELL_VAR = "_CLAIMTRACK_COMPLETE"
# What bash reads as a word as it stands; everything else is escaped with a backslash.
_BASH_PLAIN = re.compile(r"[\w@%+=:,./-]")


def for_shell(value: str) -> str:
    """``value`` as the asking shell must get it to insert it as one word."""
    if not os.environ.get(SHELL_VAR, "").endswith("bash"):
        return value
    return "".join(c if _BASH_PLAIN.fullmatch(c) else "\\" + c for c in value)


def _offer(found: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Values (each once, for the shell) with their help, at most ``LIMIT``."""
    seen: set[str] = set()
    offered: list[tuple[str, str]] = []
    for value, help_text in found:
        if value not in seen:
            seen.add(value)
            offered.append((for_shell(value), safe_text(help_text, single_line=True)))
    return offered[:LIMIT]


def _names_match(name: str, wanted: str) -> bool:
    """Whether a name starts with ``wanted``, or one of its words does (both folded):
    "petro" and "dragan p" complete "Dragan Petrović"."""
    folded = fold(name)
    return folded.startswith(wanted) or any(w.startswith(wanted) for w in folded.split())


def _db(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from claimtrack.db import Database
    from claimtrack.location import locate

    root = ctx.find_root()
    explicit = root.params.get("db") if root.params else None
    path = locate(explicit).path
    return Database.open(path)


def complete_claim(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        with _db(ctx) as db:
            wanted = incomplete.lower()
            return _offer(
                (claim["id"], claim["text"][:60])
                for claim in db.claim_list()
                if claim["id"].startswith(wanted)
            )
    except ClaimtrackError:
        return []


def complete_source(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Sources by name, alias, a word of either, or ID prefix; never a confidential one."""
    try:
        with _db(ctx) as db:
            wanted = fold(incomplete)
            found: list[tuple[str, str]] = []
            for source in db.source_list():
                if is_confidential(source):
                    continue  # never offer a protected identity to the shell
                if _names_match(source["name"], wanted):
                    found.append((source["name"], source["kind"]))
                for alias in source.get("aliases", []):
                    if _names_match(alias, wanted):
                        found.append((alias, source["name"]))
                if incomplete and source["id"].startswith(incomplete.lower()):
                    found.append((source["id"], source["name"]))
            return _offer(found)
    except ClaimtrackError:
        return []


def complete_story(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _claim_values(ctx, incomplete, lambda claim: [claim["story"]], "story")


def complete_tag(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _claim_values(ctx, incomplete, lambda claim: claim["tags"], "tag")


def _claim_values(
    ctx: typer.Context,
    incomplete: str,
    values: Callable[[Claim], Iterable[str | None]],
    what: str,
) -> list[tuple[str, str]]:
    """The stories or tags the claims have that start with ``incomplete`` (folded),
    with how many claims have each."""
    try:
        with _db(ctx) as db:
            wanted = fold(incomplete)
            counts: dict[str, int] = {}
            for claim in db.claim_list():
                for value in values(claim):
                    if value and fold(value).startswith(wanted):
                        counts[value] = counts.get(value, 0) + 1
            return _offer((v, f"{what} of {n} claim(s)") for v, n in sorted(counts.items()))
    except ClaimtrackError:
        return []


def _choices(choices: Iterable[str], incomplete: str) -> list[tuple[str, str]]:
    wanted = incomplete.strip().lower()
    return [(c, "") for c in choices if c.startswith(wanted)]


def complete_status(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _choices(STATUSES, incomplete)


def complete_relation(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _choices(RELATIONS, incomplete)


def complete_kind(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _choices(SOURCE_KINDS, incomplete)


def complete_format(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _choices(FORMATS, incomplete)


def complete_export_format(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from claimtrack.exporting import EXPORT_FORMATS

    return _choices(EXPORT_FORMATS, incomplete)


# ``prove``'s: a text a person reads, or JSON for jq.
PROOF_FORMATS = ("text", "json")


def complete_proof_format(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _choices(PROOF_FORMATS, incomplete)


def complete_import_format(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from claimtrack.importing.importer import IMPORT_FORMATS

    return _choices(IMPORT_FORMATS, incomplete)


Completer = Callable[[typer.Context, str], list[tuple[str, str]]]


class Completing(StringParamType):
    """Text, as typed, completed at the shell by ``complete(ctx, incomplete)``: the
    ``click_type`` of an option or argument (``typer.Option(click_type=...)``)."""

    def __init__(self, complete: Completer) -> None:
        self.complete = complete

    def shell_complete(self, ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
        return [
            CompletionItem(value, help=help_text or None)
            for value, help_text in self.complete(ctx, incomplete)  # type: ignore[arg-type,unused-ignore]
        ]


class Closed(Completing):
    """A value of a closed set (a status, relation, source kind or format): completed
    from the set, and checked once, when the command line is parsed, by ``check``
    (which returns the member the value names, or raises ``ClaimtrackError``): an
    unknown value is a usage error (exit 2), before anything is read or written."""

    def __init__(self, complete: Completer, check: Callable[[str], str]) -> None:
        super().__init__(complete)
        self.check = check

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.check(value)
        except ClaimtrackError as exc:
            message = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
            raise BadParameter(message, ctx=ctx, param=param, param_hint=_hint(param)) from None


def _hint(param: Any) -> str | None:
    """How an error names the option (its first name, '--format' rather than
    "'--format' / '-f'") or the argument (its metavar, 'STATUS')."""
    if param is None:
        return None
    opts = getattr(param, "opts", None)
    if getattr(param, "param_type_name", "") == "option" and opts:
        return f"'{opts[0]}'"
    return f"'{param.metavar or param.name.upper()}'"


def _one_format(choices: Callable[[], tuple[str, ...]]) -> Callable[[str], str]:
    def check(value: str) -> str:
        found = one_of(value.strip().lower(), choices())
        if found is None:
            raise ClaimtrackError(f"{value!r} is not one of {', '.join(choices())}")
        return found

    return check


def _export_formats() -> tuple[str, ...]:
    from claimtrack.exporting import EXPORT_FORMATS

    return tuple(EXPORT_FORMATS)


def _import_formats() -> tuple[str, ...]:
    from claimtrack.importing.importer import IMPORT_FORMATS

    return tuple(IMPORT_FORMATS)


CLAIM = Completing(complete_claim)
SOURCE = Completing(complete_source)
STORY = Completing(complete_story)
TAG = Completing(complete_tag)
STATUS = Closed(complete_status, check_status)
RELATION = Closed(complete_relation, check_relation)
KIND = Closed(complete_kind, check_kind)
FORMAT = Closed(complete_format, _one_format(lambda: FORMATS))
EXPORT_FORMAT = Closed(complete_export_format, _one_format(_export_formats))
IMPORT_FORMAT = Closed(complete_import_format, _one_format(_import_formats))
PROOF_FORMAT = Closed(complete_proof_format, _one_format(lambda: PROOF_FORMATS))


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def shell_named(args: list[str]) -> tuple[str, str] | None:
    """``("--install-completion", "zsh")`` when the main command's options (before a
    command's name) name a shell after ``--install-completion`` or ``--show-completion``
    (``--show-completion zsh``, ``--show-completion=zsh``), else None."""
    at = 0
    while at < len(args) and args[at].startswith("-"):
        option, _, value = args[at].partition("=")
        if option in ("--install-completion", "--show-completion"):
            value = value or (args[at + 1] if at + 1 < len(args) else "")
            return (option, value) if value in SHELLS else None
        at += 2 if args[at] == "--db" else 1
    return None


def named_shell_completion(option: str, shell: str) -> None:
    """Show or install the completion script of ``shell``, the one named, whatever
    shell this runs in. Typer's options take no shell's name where it can detect the
    shell: ``--install-completion zsh`` run from bash installed bash's script and edited
    ``~/.bashrc``."""
    from typer._completion_shared import get_completion_script, install

    use_plain_zsh()
    if option == "--show-completion":
        typer.echo(
            get_completion_script(prog_name="claimtrack", complete_var=SHELL_VAR, shell=shell)
        )
        return
    installed, path = install(shell=shell, prog_name="claimtrack", complete_var=SHELL_VAR)
    typer.echo(f"{installed} completion installed in {path}")
    typer.echo("Completion will take effect once you restart the terminal")


# -- zsh -------------------------------------------------------------------------------
# Typer's zsh script runs `eval $(...)` over an `_arguments` spec built from the values,
# and its escaping loses quotes and backslashes on the way ("Mayor O'Brien" came back
# as `Mayor\ OBrien`). Ours reads one value a line, a tab and its help after it, and
# hands the values to `compadd` as they are: zsh itself quotes what it inserts.
ZSH_SCRIPT = r"""
#compdef %(prog_name)s

%(complete_func)s() {
  local -a values descriptions
  local line value help
  local answer
  answer=$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" \
    %(autocomplete_var)s=complete_zsh %(prog_name)s)
  for line in "${(@f)answer}"; do
    [[ -n $line ]] || continue
    value=${line%%%%$'\t'*}
    help=${line#*$'\t'}
    values+=("$value")
    if [[ $line == *$'\t'* && -n $help ]]; then
      descriptions+=("$value  -- $help")
    else
      descriptions+=("$value")
    fi
  done
  if (( ${#values} )); then
    compadd -U -V unsorted -l -d descriptions -a values
  else
    _files
  fi
}

compdef %(complete_func)s %(prog_name)s
"""


def _zsh_class() -> type:
    from typer._completion_classes import ZshComplete

    class PlainZshComplete(ZshComplete):
        """Typer's zsh completion, answering one value a line: value, tab, help."""

        source_template = ZSH_SCRIPT

        def format_completion(self, item: Any) -> str:
            value = " ".join(str(item.value).splitlines())
            help_text = " ".join((item.help or "").split())
            return f"{value}\t{help_text}" if help_text else value

        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            completions = self.get_completions(args, incomplete)
            return "\n".join(self.format_completion(item) for item in completions)

    return PlainZshComplete


def use_plain_zsh() -> None:
    """Make ``--show-completion zsh``, ``--install-completion zsh`` and zsh's requests
    use ``ZSH_SCRIPT`` and its one-value-a-line answers. Typer registers its own class
    each time it builds the command, so this runs after that, before completing."""
    from typer import _completion_shared

    try:
        from typer._click.shell_completion import add_completion_class
    except ImportError:  # an older Typer, over Click itself
        from click.shell_completion import (  # type: ignore[assignment,no-redef,unused-ignore]
            add_completion_class,
        )

    # Typer's table of scripts by shell, which --show- and --install-completion read.
    _completion_shared._completion_scripts["zsh"] = ZSH_SCRIPT  # noqa: SLF001
    add_completion_class(_zsh_class(), "zsh")
