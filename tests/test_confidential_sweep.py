"""Issue 16: a confidential source's identity leaves the database only with --reveal.

Each test is a kind of leak: the sweep runs every command and format with a protected
source present and greps every output, error and file written for what identifies it
(``tests.helpers.SECRETS``); the others pin each leak the sweep first found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import SECRETS, Cli, add_confidential_source


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_errors_about_a_confidential_source_never_name_it(cli: Cli) -> None:
    claim = add_confidential_source(cli)
    cli("source", "add", "Other")
    errors = [
        cli("unlink", claim, "Olga H", "--as", "disputes", code=1).stderr,
        cli("source", "add", "Olga H", code=1).stderr,
        cli("source", "add", "olga hiddenova", code=1).stderr,
        cli("source", "edit", "Other", "--add-alias", "Olga H", code=1).stderr,
        cli("source", "edit", "Other", "--name", "Olga H", code=1).stderr,
        # --debug: the traceback ends with the exception's own message.
        str(cli("--debug", "source", "edit", "Other", "--name", "Olga H", code=1).exception),
    ]
    for error in errors:
        assert "Confidential source" in error, error
        assert not _leaks(error), error
    # A public source's errors still name it, as before.
    assert "'Other' already names source" in cli("source", "add", "Other", code=1).stderr


def test_an_ambiguous_lookup_lists_a_confidential_source_by_pseudonym(cli: Cli) -> None:
    add_confidential_source(cli)
    cli("source", "add", "Olga Public")
    error = cli("source", "show", "olg", code=1).stderr
    assert "matches 2 sources: " in error and "Olga Public" in error
    assert "Confidential source" in error
    assert "Hiddenova" not in error


def test_source_list_places_a_confidential_source_by_its_pseudonym(cli: Cli) -> None:
    add_confidential_source(cli)  # "Olga Hiddenova" would sort between these two
    for name in ("Aardvark", "Nobody", "Peter", "Zed"):
        cli("source", "add", name)
    shown = [s["name"] for s in cli.jsonl("source", "list")]
    assert shown == sorted(shown, key=str.casefold)
    assert shown[1].startswith("Confidential source")
    revealed = [s["name"] for s in cli.jsonl("source", "list", "--reveal")]
    assert revealed.index("Olga Hiddenova") == 2


def test_claimreview_leaves_out_the_url_a_confidential_source_carried_it_at(cli: Cli) -> None:
    claim = add_confidential_source(cli)
    cli("link", claim, "Olga H", "--as", "reported-by", "--url", "https://olga.example/post")
    cli("source", "add", "Wire")
    cli("link", claim, "Wire", "--as", "reported-by", "--url", "https://wire.example/a")
    cli("status", claim, "verified")
    review = json.loads(
        cli("export", "--format", "claimreview", "--org", "Desk", "--allow-missing-url").stdout
    )[0]
    assert [a["url"] for a in review["itemReviewed"]["appearance"]] == ["https://wire.example/a"]
    assert not _leaks(json.dumps(review))


def test_import_dry_run_report_shows_pseudonyms_unless_revealed(cli: Cli, tmp_path: Path) -> None:
    add_confidential_source(cli)
    full = tmp_path / "full.json"
    cli("export", "--reveal", "-o", str(full))
    other = Cli(tmp_path / "other.json")
    for fmt in ("table", "jsonl", "json", "csv", "tsv"):
        report = other("import", str(full), "--dry-run", "--report-format", fmt)
        assert not _leaks(report.stdout + report.stderr), fmt
        assert "Confidential source" in report.stdout, fmt
    revealed = other("import", str(full), "--dry-run", "--report-format", "jsonl", "--reveal")
    assert "Olga Hiddenova" in revealed.stdout


@pytest.mark.slow
def test_every_command_and_file_keeps_the_secret(cli: Cli, tmp_path: Path) -> None:
    """The sweep: every reading command in every format, every export, errors, the
    history after edits, delete, undo, import and merge; stdout, stderr and files."""
    claim = add_confidential_source(cli)
    cli("link", claim, "Olga H", "--as", "reported-by", "--url", "https://olga.example/r")
    cli("link", claim, "Olga H", "--as", "disputes", "--quote", "Olga said no")
    cli("status", claim, "verified")
    cli("source", "add", "Volga Press")  # "olg" matches both
    unlinked = cli.add("A claim nobody confidential made")
    seen: list[str] = []

    def run(*args: str, code: int = 0) -> None:
        result = cli(*args, code=code)
        seen.append(f"{result.stdout}\n{result.stderr}")

    def sweep() -> None:
        for fmt in ("table", "json", "jsonl", "csv", "tsv", "ids"):
            for command in (
                ("list",),
                ("show", claim),
                ("source", "list"),
                ("source", "show", "Olga H"),
                ("log",),
                ("stats",),
            ):
                run(*command, "--format", fmt)
            run("check", "--format", fmt, code=1)
        for fmt in ("json", "jsonl", "csv", "tsv", "markdown", "claimreview"):
            run("export", "--format", fmt, "--org", "Desk", "--allow-missing-url")
            target = tmp_path / f"export.{fmt}"
            run(
                "export", "--format", fmt, "--org", "Desk", "--allow-missing-url", "-o", str(target)
            )
            seen.append(target.read_text(encoding="utf-8"))
        sqlite = tmp_path / "export.db"
        sqlite.unlink(missing_ok=True)
        run("export", "--format", "sqlite", "-o", str(sqlite))
        seen.append(sqlite.read_bytes().decode("latin-1"))
        run("source", "show", "olg", code=1)
        run("unlink", unlinked, "Olga H", code=1)  # an error that names the source
        run("source", "add", "Olga H", code=1)

    sweep()
    # A colleague's redacted export, imported back (and its dry run).
    colleague = Cli(tmp_path / "colleague.json")
    redacted = tmp_path / "redacted.json"
    cli("export", "-o", str(redacted))
    colleague("import", str(redacted))
    for fmt in ("json", "jsonl", "csv", "tsv"):
        out = tmp_path / f"handoff.{fmt}"
        colleague("export", "--format", fmt, "-o", str(out))
        seen.append(colleague("import", str(out), "--dry-run", "--report-format", "jsonl").stdout)
        run("import", str(out), "--dry-run", "--report-format", "jsonl")
        run("import", str(out))
        run("import", str(out), "--dry-run")
    sweep()
    # Deleted, undone, deleted again: the history of each step.
    run("source", "rm", "Olga Hiddenova", "--yes")
    sweep_after_delete = [("log",), ("log", "--format", "jsonl"), ("list", "--format", "csv")]
    for command in sweep_after_delete:
        run(*command)
    run("undo")
    sweep()
    for chunk in seen:
        found = _leaks(chunk)
        assert not found, (found, chunk[:3000])
    assert "Hiddenova" in cli("log", "--format", "jsonl", "--reveal").stdout


# -- a colleague's redacted export never damages ours --------------------------------------


def _source(cli: Cli) -> dict[str, object]:
    found: dict[str, object] = cli.json("source", "show", "Olga Hiddenova", "--reveal")
    return found


def test_importing_a_redacted_export_keeps_every_withheld_field(cli: Cli, tmp_path: Path) -> None:
    # Ours came in by import too (so no history of ours says when each field was set:
    # the records' 'updated' decides, as in the issue).
    origin = Cli(tmp_path / "origin.json")
    claim = add_confidential_source(origin)
    origin("link", claim, "Olga H", "--as", "reported-by", "--url", "https://olga.example/r")
    cli(
        "import", "-", "--format", "json", input=origin("export", "--reveal", "--no-history").stdout
    )
    before = _source(cli)
    colleague = Cli(tmp_path / "colleague.json")
    colleague("import", "-", "--format", "json", input=cli("export").stdout)
    # The colleague works on the source later (so their record is the newer one).
    colleague("source", "edit", before["id"], "--kind", "person")
    for fmt in ("json", "jsonl"):
        cli("import", "-", "--format", fmt, input=colleague("export", "--format", fmt).stdout)
    cli("import", "-", "--format", "json", input=colleague("list", "--format", "json").stdout)
    after = _source(cli)
    assert after["kind"] == "person"  # what the colleague knew is taken
    for key in ("name", "aliases", "role", "notes", "reason", "approved_by"):
        assert after[key] == before[key], key
    links = cli.json("show", claim, "--reveal")["links"]
    assert {k["url"] for k in links} >= {"https://olga.example", "https://olga.example/r"}
    assert "withheld" not in cli.db_path.read_text(encoding="utf-8")
    assert len(cli.jsonl("source", "list")) == 1  # no "Confidential source ..." twin
    problems = cli("check", "--format", "json", code=1).stdout
    assert "anonymity" not in {p["code"] for p in json.loads(problems)}


def test_a_redacted_source_new_here_is_stored_without_placeholders(
    cli: Cli, tmp_path: Path
) -> None:
    colleague = Cli(tmp_path / "colleague.json")
    add_confidential_source(colleague)
    cli("import", "-", "--format", "json", input=colleague("export").stdout)
    stored = cli.db_path.read_text(encoding="utf-8")
    assert "withheld" not in stored and not _leaks(stored)
    source = cli.jsonl("source", "list", "--reveal")[0]
    assert source["confidential"] is True and source["name"].startswith("Confidential source")


def test_a_confidential_sources_approval_shows_as_withheld_not_as_missing(cli: Cli) -> None:
    add_confidential_source(cli)
    shown = cli.jsonl("source", "list")
    hidden = next(s for s in shown if s["confidential"])
    # An editor reading this must not think nobody approved the source's anonymity.
    assert hidden["approved_by"] == hidden["reason"] == "[withheld: confidential source]"
