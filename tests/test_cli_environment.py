"""The user's environment: names in every script and Unicode form, any locale,
any time zone, dates as people type them, shell completion in the real bash, and exit
statuses a script can trust. Each test runs claimtrack as a process, the way the user
meets the problem: under the locale or time zone in question, through a terminal or a
pipe, completed by bash itself.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tests.clock import faketime_env

pytestmark = pytest.mark.slow  # many real processes

NFC = "Petrović"
NFD = unicodedata.normalize("NFD", NFC)
assert NFC != NFD


class Run:
    """claimtrack in a process of its own, in a folder of its own, with ``env`` added."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.env = {
            "PATH": os.environ["PATH"],
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
            "HOME": str(tmp_path / "home"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "CLAIMTRACK_DB": str(tmp_path / "claims.json"),
            "CLAIMTRACK_USER": "tester",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
            "COLUMNS": "120",
            **env,
        }
        self.db = tmp_path / "claims.json"

    def __call__(
        self, *args: str, code: int = 0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(
            [sys.executable, "-m", "claimtrack", *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
        assert b"Traceback" not in done.stderr
        return done

    def jsonl(self, *args: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        out = self(*args, "--format", "jsonl", env=env).stdout.decode("utf-8")
        return [json.loads(line) for line in out.splitlines()]

    def terminal(
        self, *args: str, interrupt_at: bytes | None = None, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Run on a pseudo-terminal (stdin, stdout and stderr); with ``interrupt_at``,
        send SIGINT (what Ctrl-C sends) once that text has been shown."""
        main, side = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "claimtrack", *args],
            env={**self.env, **(env or {})},
            stdin=side,
            stdout=side,
            stderr=side,
            # As an interactive shell starts a command: Ctrl-C's default action, whatever
            # the test run inherited (one started in the background of a script, as
            # ``nohup ... &``, ignores SIGINT, and a child inherits an ignored signal).
            preexec_fn=_interruptible,
        )
        os.close(side)
        shown = b""
        interrupted = 0.0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal closed: the process ended
                    break
                if not chunk:
                    break
                shown += chunk
            if interrupt_at and interrupt_at in shown:
                # As a person would, a moment after the prompt shows (a signal that
                # lands before Python's readline waits for a key is seen only after
                # one: the same race a shell user never meets), and again if need be.
                if not interrupted:
                    interrupted = time.monotonic() + 0.5
                elif time.monotonic() > interrupted:
                    process.send_signal(signal.SIGINT)
                    interrupted = time.monotonic() + 2
            if process.poll() is not None and not ready:
                break
        # What the process wrote just before it ended may still wait in the terminal.
        while select.select([main], [], [], 0.2)[0]:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        os.close(main)
        code = process.wait(timeout=10)
        return code, shown.decode("utf-8", "replace")


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def run(tmp_path: Path) -> Run:
    made = Run(tmp_path)
    made("init", str(tmp_path))
    return made


INDEX_MODES = pytest.mark.parametrize("index", ["never", "always"])

# -- text -------------------------------------------------------------------------------


@INDEX_MODES
def test_a_name_typed_composed_or_decomposed_is_one_source_and_found_either_way(
    run: Run, index: str
) -> None:
    run.env["CLAIMTRACK_INDEX"] = index
    run("add", f"{NFC} said 12 Russians were banned", "--said-by", NFC)
    run("add", f"{NFD} said it again", "--said-by", NFD)
    sources = run.jsonl("source", "list")
    assert [s["name"] for s in sources] == [NFC]  # stored in NFC
    for typed in (NFC, NFD, "petrovic", "PETROVIC"):
        assert len(run.jsonl("list", "--search", typed)) == 2, typed
        assert len(run.jsonl("list", "--source", typed)) == 2, typed
    assert len(run.jsonl("list", "--search", "ПЕТРОВИЋ")) == 0  # another script, no match


@INDEX_MODES
def test_matching_folds_case_for_every_script(run: Run, index: str) -> None:
    run.env["CLAIMTRACK_INDEX"] = index
    run("add", "İstanbul's \uff21\uff30 bureau said ΟΔΥΣΣΕΑΣ left", "--story", "Türkiye-Straße")
    run("edit", run.jsonl("list")[0]["id"], "--add-tag", "ĐOKOVIĆ")
    assert len(run.jsonl("list", "--search", "istanbul's ap bureau")) == 1  # dotted İ, full width
    assert len(run.jsonl("list", "--search", "οδυσσεας")) == 1  # final sigma
    assert len(run.jsonl("list", "--story", "turkiye-strasse")) == 1  # ß is ss; story any case
    assert len(run.jsonl("list", "--tag", "dokovic")) == 1
    assert len(run.jsonl("list", "--tag", "đoković")) == 1


def test_bidirectional_controls_print_escaped_in_tables(run: Run) -> None:
    claim = run("add", "Price \u202e01$\u202c rose", "-q").stdout.decode().strip()
    shown = run("show", claim, "--format", "table").stdout.decode("utf-8")
    listed = run("list", "--format", "table").stdout.decode("utf-8")
    for out in (shown, listed):
        assert "\u202e" not in out and "\u202c" not in out
        assert "\\u202e01$\\u202c" in out
    assert run.jsonl("list")[0]["text"] == "Price \u202e01$\u202c rose"  # data kept as is


# -- locales ----------------------------------------------------------------------------

ASCII_ONLY = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def latin1_locale() -> str | None:
    found = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    for name in found.stdout.split():
        if name.lower().replace("-", "") in ("en_us.iso88591", "en_us.iso885915"):
            return name
    return None


def test_a_non_utf8_locale_never_crashes_and_machine_formats_stay_utf8(run: Run) -> None:
    run("add", "Zoë said the café shut…", "--said-by", "Zoë", env=ASCII_ONLY)
    # Rows of ASCII only, and long enough to be cut with an ellipsis.
    run("add", "ascii " * 60, env=ASCII_ONLY)
    code, shown = run.terminal("list", env={**ASCII_ONLY, "COLUMNS": "60"})
    assert code == 0, shown
    assert "Zoe said the cafe" in shown and "Error" not in shown
    code, shown = run.terminal("show", run.jsonl("list")[1]["id"], env=ASCII_ONLY)
    assert code == 0 and "Zoe" in shown, shown
    out = run("list", "--format", "jsonl", env=ASCII_ONLY).stdout
    assert "Zoë said the café shut…".encode() in out
    for fmt in ("csv", "tsv", "json"):
        assert "Zoë".encode() in run("list", "--format", fmt, env=ASCII_ONLY).stdout
    assert run("source", "list", "--format", "ids", env=ASCII_ONLY).stdout.isascii()


def test_latin1_locale_tables_print_in_latin1(run: Run) -> None:
    name = latin1_locale()
    if name is None:
        pytest.skip("no ISO-8859-1 locale here (localedef -i en_US -f ISO-8859-1 ...)")
    run("add", "Zoë said “twelve” → 12")
    code, shown = run.terminal("list", env={"LC_ALL": name})
    assert code == 0
    raw = shown.encode("utf-8", "replace")  # decoded as UTF-8 by the helper: Latin-1 ë is lost
    assert b"Error" not in raw and "Zo" in shown
    out = run("list", "--format", "jsonl", env={"LC_ALL": name}).stdout
    assert "Zoë said “twelve” → 12".encode() in out


# -- exit status ------------------------------------------------------------------------


def test_a_saved_change_exits_0_when_its_reader_has_gone(run: Run, tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # `claimtrack add ... | true`: the reader is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "claimtrack", "add", "Recorded once"],
            env=run.env,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert [c["text"] for c in run.jsonl("list")] == ["Recorded once"]


def test_ctrl_c_at_a_prompt_exits_130_and_deletes_nothing(run: Run) -> None:
    claim = run("add", "Keep me", "-q").stdout.decode().strip()
    code, shown = run.terminal("rm", claim, interrupt_at=b"[y/N]")
    assert code == 130, shown
    assert "Interrupted" in shown
    assert len(run.jsonl("list")) == 1


# -- time and dates ---------------------------------------------------------------------

LOS_ANGELES = {"TZ": "America/Los_Angeles"}


def backdate(run: Run, stamp: str) -> None:
    """Give every claim this creation time (same length, so the file stays valid)."""
    text = run.db.read_text(encoding="utf-8")
    text = re.sub(r'"(created|updated)": ?"[^"]+"', rf'"\1": "{stamp}"', text)
    run.db.write_text(text, encoding="utf-8")


def test_times_show_in_the_users_zone_and_days_are_the_users_days(run: Run) -> None:
    claim = run("add", "Late night claim", "-q").stdout.decode().strip()
    backdate(run, "2024-06-05T06:30:00.000000Z")  # 23:30 on 4 June in Los Angeles
    shown = run("show", claim, "--format", "table", env=LOS_ANGELES).stdout.decode()
    assert "created 2024-06-04 23:30:00 PDT" in shown
    shown = run("show", claim, "--format", "table").stdout.decode()
    assert "created 2024-06-05 06:30:00 UTC" in shown
    fourth = ("--since", "2024-06-04", "--until", "2024-06-04")
    assert len(run.jsonl("list", *fourth, env=LOS_ANGELES)) == 1
    assert run.jsonl("list", "--since", "2024-06-05", env=LOS_ANGELES) == []
    assert run.jsonl("list", "--until", "2024-06-04") == []  # in UTC it was the 5th


def link_date(run: Run, claim: str) -> object:
    shown = json.loads(run("show", claim, "--format", "json").stdout)
    return shown["links"][-1]["date"]


def test_every_date_option_stores_iso_8601(run: Run) -> None:
    claim = run("add", "Dated claim", "-q").stdout.decode().strip()
    for typed, stored in [
        ("20240605", "2024-06-05"),
        ("2024/6/5", "2024-06-05"),
        ("5 June 2024", "2024-06-05"),
        ("June 5, 2024", "2024-06-05"),
        ("13/06/2024", "2024-06-13"),
        ("2024-06-05T10:00Z", "2024-06-05T10:00:00Z"),
    ]:
        run("link", claim, "Agency", "--as", "supports", "--create", "--date", typed)
        assert link_date(run, claim) == stored, typed
        run("unlink", claim, "Agency")
    bad = run(
        "link", claim, "Agency", "--as", "supports", "--create", "--date", "05/06/2024", code=2
    )
    assert b"ambiguous" in bad.stderr and b"2024-06-05 or 2024-05-06" in bad.stderr
    bad = run("list", "--since", "someday soon", code=2)
    assert b"not a date" in bad.stderr and b"YYYY-MM-DD" in bad.stderr
    assert len(bad.stderr.decode().strip().splitlines()[-1]) > 0


def test_dates_in_words_are_resolved_when_typed(run: Run) -> None:
    # 23:30 on 4 March in Los Angeles is already 5 March in UTC: "yesterday" is the
    # user's 3 March, not UTC's 4 March. The processes' clock is frozen (libfaketime).
    evening = dt.datetime(2025, 3, 4, 23, 30, tzinfo=_zone("America/Los_Angeles"))
    there = faketime_env(evening, "America/Los_Angeles")
    claim = run("add", "Worded dates", "-q", env=there).stdout.decode().strip()
    run("link", claim, "Agency", "--as", "supports", "--create", "--date", "yesterday", env=there)
    assert link_date(run, claim) == "2025-03-03"
    run("unlink", claim, "Agency")
    run("link", claim, "Agency", "--as", "supports", "--date", "3 days ago", env=there)
    assert link_date(run, claim) == "2025-03-01"
    run("unlink", claim, "Agency")
    run("link", claim, "Agency", "--as", "supports", "--date", "2 March", env=there)
    assert link_date(run, claim) == "2025-03-02"
    assert len(run.jsonl("list", "--since", "last week", env=there)) == 1
    assert run.jsonl("list", "--until", "2 days ago", env=there) == []
    assert b"yesterday" in run("list", "--help").stdout


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# -- shell completion -------------------------------------------------------------------

BASH = shutil.which("bash")


def complete(run: Run, line: str) -> list[str]:
    """What bash puts in COMPREPLY for ``line`` with claimtrack's own completion script,
    and the words the shell then reads from each (as if it were inserted)."""
    script = run("--show-completion", "bash")
    # The completion script runs `claimtrack` through `env`, so it must be a program on
    # PATH (not a shell function): this Python's claimtrack, whatever PATH held.
    programs = run.db.parent / "bin"
    programs.mkdir(exist_ok=True)
    launcher = programs / "claimtrack"
    launcher.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m claimtrack "$@"\n')
    launcher.chmod(0o755)
    program = f"""
{script.stdout.decode()}
PATH={shlex.quote(str(programs))}:"$PATH"
read -r -a COMP_WORDS <<< {_quote(line)}
[[ {_quote(line)} == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_claimtrack_completion claimtrack
for reply in "${{COMPREPLY[@]}}"; do eval "set -- $reply"; echo "$#:$*"; done
"""
    assert BASH is not None
    done = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", program],
        env=run.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bash_completes_every_value_as_one_word(run: Run) -> None:
    run("add", "Claim", "--said-by", "Dragan Petrović", "--reported-by", "Associated Press",
        "--story", "serbia-russians", "--tag", "Serbia")  # fmt: skip
    run("source", "edit", "Associated Press", "--add-alias", "The AP")
    run("source", "add", "Anna Secret", "--confidential", "--alias", "Deep Throat")
    # A value with a space is one word when bash inserts it (the count before ':').
    assert complete(run, "claimtrack list --source Asso") == ["1:Associated Press"]
    assert complete(run, "claimtrack list --source petro") == ["1:Dragan Petrović"]  # a part
    assert complete(run, "claimtrack list --source the") == ["1:The AP"]  # an alias
    assert complete(run, "claimtrack add x --said-by drag") == ["1:Dragan Petrović"]
    assert complete(run, "claimtrack list --source an") == []  # confidential: never offered
    assert complete(run, "claimtrack list --source deep") == []
    assert complete(run, "claimtrack list --status ver") == ["1:verified"]
    assert complete(run, "claimtrack status abc dis") == ["1:disputed"]
    assert complete(run, "claimtrack link abc def --as s") == ["1:said-by", "1:supports"]
    assert complete(run, "claimtrack list --source x --relation rep") == ["1:reported-by"]
    assert complete(run, "claimtrack source add x --kind p") == ["1:person", "1:publication"]
    assert complete(run, "claimtrack list --format j") == ["1:json", "1:jsonl"]
    assert complete(run, "claimtrack list --story ser") == ["1:serbia-russians"]
    assert complete(run, "claimtrack list --tag S") == ["1:serbia"]
    assert complete(run, "claimtrack export --format c") == ["1:csv", "1:claimreview"]
    assert complete(run, "claimtrack import x.json --format t") == ["1:tsv"]
    assert complete(run, "claimtrack edit abc --add-tag ser") == ["1:serbia"]
    assert complete(run, "claimtrack edit abc --story serb") == ["1:serbia-russians"]
    assert complete(run, "claimtrack source merge Asso") == ["1:Associated Press"]


ZSH = shutil.which("zsh")
QUOTED_NAME = 'Mayor O\'Brien "Jr" back\\slash'


def zsh_complete(run: Run, *words: str) -> list[str]:
    """The values claimtrack's own zsh script hands to zsh's ``compadd`` for the words
    typed (as zsh holds them, quoting and all), in the real zsh. ``compadd`` itself is
    a stand-in that prints them: inserting them, quoted, is zsh's work."""
    script = run("--show-completion", "zsh").stdout.decode()
    programs = run.db.parent / "bin"
    programs.mkdir(exist_ok=True)
    launcher = programs / "claimtrack"
    launcher.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m claimtrack "$@"\n')
    launcher.chmod(0o755)
    typed = " ".join(_quote(word) for word in words)
    program = f"""
compdef() {{ : }}
compadd() {{ print -rl -- "${{(@P)${{@[-1]}}}}" }}
_files() {{ print -r -- '(files)' }}
{script}
PATH={shlex.quote(str(programs))}:"$PATH"
words=({typed})
CURRENT=${{#words}}
_claimtrack_completion
"""
    assert ZSH is not None
    done = subprocess.run(
        [ZSH, "-f", "-c", program],
        env=run.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.skipif(ZSH is None, reason="zsh is not installed")
def test_zsh_completes_names_with_quotes_and_backslashes_as_they_are(run: Run) -> None:
    run("add", "Claim", "--said-by", QUOTED_NAME, "--reported-by", "Associated Press")
    claim = run.jsonl("list")[0]["id"]
    assert zsh_complete(run, "claimtrack", "link", claim[:5], "may") == [QUOTED_NAME]
    # Typed with zsh's own quoting, as its completion inserts it.
    typed = "Mayor\\ O\\'Brien\\ \\\"J"
    assert zsh_complete(run, "claimtrack", "link", claim[:5], typed) == [QUOTED_NAME]
    assert zsh_complete(run, "claimtrack", "list", "--source", "asso") == ["Associated Press"]
    assert zsh_complete(run, "claimtrack", "list", "--status", "ver") == ["verified"]
    completed = run("link", claim[:5], QUOTED_NAME, "--as", "supports")
    assert completed.returncode == 0


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_the_shell_named_is_the_one_shown_and_installed_whatever_shell_runs_it(
    run: Run, tmp_path: Path, shell: str
) -> None:
    """Run from bash (the shell detected), ``--install-completion zsh`` installs zsh's."""
    assert BASH is not None
    claimtrack = f"{shlex.quote(sys.executable)} -m claimtrack"
    home = tmp_path / "home"
    env = {**run.env, "SHELL": BASH, "HOME": str(home)}

    def from_bash(command: str) -> str:
        done = subprocess.run(
            [BASH, "--norc", "--noprofile", "-c", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    own = {"zsh": "#compdef claimtrack", "fish": "complete --command claimtrack"}[shell]
    assert from_bash(f"{claimtrack} --show-completion {shell}").startswith(own)
    assert from_bash(f"{claimtrack} --show-completion={shell}").startswith(own)
    said = from_bash(f"{claimtrack} --install-completion {shell}")
    assert said.startswith(f"{shell} completion installed in ")
    installed = Path(said.split(" installed in ")[1].splitlines()[0])
    assert installed.read_text(encoding="utf-8").startswith(own)
    assert not (home / ".bashrc").exists()
    assert not (home / ".bash_completions").exists()


def test_latin1_locale_tables_measure_the_replacement_not_the_original(run: Run) -> None:
    """An emoji (two cells) or a CJK character printed as a one-cell "?" under
    ISO-8859-1: the columns after it stay where the header puts them."""
    name = latin1_locale()
    if name is None:
        pytest.skip("no ISO-8859-1 locale here (localedef -i en_US -f ISO-8859-1 ...)")
    run("add", "Zoë \U0001f600 said 中文 today", "--said-by", "Ana")
    run("add", "plain text here", "--said-by", "Ana")
    out = run("list", "--format", "table", env={"LC_ALL": name, "COLUMNS": "80"}).stdout
    lines = out.decode("latin-1").splitlines()
    said_by = lines[0].index("Said by")
    rows = [line for line in lines[2:] if "Ana" in line]
    assert len(rows) == 2
    assert [row.index("Ana") for row in rows] == [said_by, said_by]
    assert any("Zoë ? said ?? today" in row for row in rows)
