"""The demo data and how the database file is chosen."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from claimtrack.cli import app
from claimtrack.demo import seed_file
from claimtrack.importing import importer
from claimtrack.location import locate
from tests.helpers import Cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def by_text(records: list[dict[str, object]], fragment: str) -> dict[str, object]:
    matches = [r for r in records if fragment in str(r["text"])]
    assert len(matches) == 1, fragment
    return matches[0]


def test_seed_file_is_valid_and_covers_the_article() -> None:
    bundle = importer.read(seed_file().read_bytes(), "json", "seed")
    assert len(bundle.claims) >= 12
    # The article has non-breaking spaces ("a\xa0dozen"); compare on folded whitespace.
    article = " ".join((SEEDS / "serbia-russian-refugees.txt").read_text("utf-8").split())
    for claim in map(orjson.loads, bundle.claims.values()):
        if claim["quote"]:
            assert claim["quote"] in article  # quotes are verbatim from the article
        for quantity in claim["quantities"]:
            assert quantity["text"] in article


def test_demo_loads_and_lists(tmp_path: Path) -> None:
    demo_db = tmp_path / "demo.json"
    result = CliRunner().invoke(app, ["--db", str(demo_db), "demo", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    claims = json.loads(result.stdout)
    assert len(claims) >= 12
    dozen = by_text(claims, "At least a dozen")
    assert dozen["said_by"] == ["pro-democracy Russian activists"]
    assert dozen["reported_by"][0] == "Associated Press"  # type: ignore[index]
    assert dozen["quantities"][0]["value"] == 12  # type: ignore[index]
    thousands = by_text(claims, "tens of thousands")
    assert thousands["said_by"] == ["Associated Press"]
    eight = by_text(claims, "At least eight")
    assert eight["quantities"][0]["qualifier"] == "at least"  # type: ignore[index]
    petrovic = [c for c in claims if c["said_by"] == ["Predrag Petrovic"]]
    koposova = [c for c in claims if c["said_by"] == ["Elena Koposova"]]
    assert petrovic and koposova
    assert all(c["quote"] for c in petrovic)
    # Loading again is idempotent: fixed IDs, nothing duplicated.
    again = CliRunner().invoke(app, ["--db", str(demo_db), "demo", "-q"])
    assert again.exit_code == 0 and len(again.stdout.split()) == len(claims)


def test_demo_never_touches_the_real_database(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.add("my real claim")
    before = cli.db_path.read_bytes()
    monkeypatch.setenv("CLAIMTRACK_DB", str(cli.db_path))
    result = CliRunner().invoke(app, ["demo", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert cli.db_path.read_bytes() == before
    assert "demo.json" in result.stderr
    table = CliRunner().invoke(app, ["demo", "--format", "table"])
    assert "At least a dozen" in table.stdout.replace("\n", " ") or "dozen" in table.stdout


def test_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "story"
    deep = project / "notes" / "drafts"
    deep.mkdir(parents=True)
    assert locate(cwd=deep).reason == "per-user default"
    assert str(locate(cwd=deep).path).startswith(str(tmp_path / "xdg-data"))
    (project / "claims.json").write_text("{}")
    found = locate(cwd=deep)
    assert found.path == project / "claims.json" and "nearest" in found.reason
    monkeypatch.setenv("CLAIMTRACK_DB", str(tmp_path / "env.json"))
    assert locate(cwd=deep).path == tmp_path / "env.json"
    assert locate(tmp_path / "flag.json", cwd=deep).path == tmp_path / "flag.json"


def test_init_and_db_path(tmp_path: Path) -> None:
    runner = CliRunner()
    story = tmp_path / "story"
    story.mkdir()
    made = runner.invoke(app, ["init", str(story)])
    assert made.exit_code == 0 and "Created" in made.stderr
    assert json.loads((story / "claims.json").read_text())["_meta"]["schema"]["version"] == 1
    again = runner.invoke(app, ["init", str(story)])
    assert again.exit_code == 0 and "already exists" in again.stderr
    (story / "sub").mkdir()
    import os

    os.chdir(story / "sub")
    where = runner.invoke(app, ["db", "path"])
    assert where.stdout.strip() == str(story / "claims.json")
    assert "nearest claims.json" in where.stderr
    (story / "claims.json").write_text("{broken")
    broken = runner.invoke(app, ["init", str(story)])
    assert broken.exit_code == 1 and "not valid JSON" in broken.stderr
    assert (story / "claims.json").read_text() == "{broken"


def test_init_warns_when_commands_would_use_another_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "env.json"
    monkeypatch.setenv("CLAIMTRACK_DB", str(elsewhere))
    made = runner.invoke(app, ["init", "story"])
    assert made.exit_code == 0
    created = tmp_path / "story" / "claims.json"
    assert made.stderr.splitlines() == [
        f"Created {created}",
        f"Warning: commands run in {created.parent} use {elsewhere} ($CLAIMTRACK_DB), not "
        f"this file; unset CLAIMTRACK_DB, or name it with --db {created} or "
        f"CLAIMTRACK_DB={created}",
    ]
    again = runner.invoke(app, ["init", "story"])  # an existing file: the same warning
    assert again.exit_code == 0 and "Warning: commands run in" in again.stderr
    itself = runner.invoke(app, ["init", str(elsewhere)])  # the file commands use: no warning
    assert itself.exit_code == 0 and itself.stderr == f"Created {elsewhere}\n"
    monkeypatch.delenv("CLAIMTRACK_DB")
    here = runner.invoke(app, ["init", "story"])
    assert here.exit_code == 0 and "Warning" not in here.stderr


def test_init_takes_a_path_ending_in_json_as_the_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    made = runner.invoke(app, ["init", "my claims.JSON"])
    assert made.exit_code == 0, made.stderr
    created = tmp_path / "my claims.JSON"
    assert created.is_file()
    assert json.loads(created.read_text())["_meta"]["schema"]["version"] == 1
    # Only a file named claims.json is found by itself: say how to use this one.
    assert f"name it with --db '{created}'" in made.stderr
    nested = runner.invoke(app, ["init", "desk/serbia.json"])
    assert nested.exit_code == 0 and (tmp_path / "desk" / "serbia.json").is_file()
    (tmp_path / "folder.json").mkdir()  # an existing folder stays a folder
    folder = runner.invoke(app, ["init", "folder.json"])
    assert folder.exit_code == 0 and (tmp_path / "folder.json" / "claims.json").is_file()
    added = runner.invoke(app, ["--db", str(created), "add", "x", "-q"])
    assert added.exit_code == 0 and added.stderr == ""


def test_init_refuses_both_db_and_a_path(tmp_path: Path) -> None:
    both = CliRunner().invoke(app, ["--db", str(tmp_path / "a.json"), "init", str(tmp_path / "b")])
    assert both.exit_code == 2 and "not both" in both.stderr
    assert not (tmp_path / "a.json").exists() and not (tmp_path / "b").exists()


def test_writes_to_the_demo_database_say_that_demo_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    demo = runner.invoke(app, ["demo", "-q"])
    assert demo.exit_code == 0, demo.stderr
    path = locate_demo()
    note = f"Note: {path} is the demo database, which 'claimtrack demo' makes afresh;"
    assert note not in demo.stderr
    claim = demo.stdout.split()[0]
    for argv in (["--db", str(path), "note", claim, "mine"], ["status", claim, "checking"]):
        monkeypatch.setenv("CLAIMTRACK_DB", str(path))
        written = runner.invoke(app, argv)
        assert written.exit_code == 0, written.stderr
        assert note in written.stderr
    read = runner.invoke(app, ["show", claim])
    assert read.exit_code == 0 and "Note:" not in read.stderr
    monkeypatch.setenv("CLAIMTRACK_DB", str(tmp_path / "demo.json"))  # a file of one's own
    own = runner.invoke(app, ["add", "x", "-q"])
    assert own.exit_code == 0 and own.stderr == ""


def locate_demo() -> Path:
    from claimtrack.location import demo_location

    return demo_location(None).path


def test_a_database_link_leading_nowhere_is_refused_naming_where_it_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found from the current folder or named with --db, a dangling link or a loop is
    refused: no claim lands in the per-user database or at the link's far end."""
    runner = CliRunner()
    project = tmp_path / "story"
    project.mkdir()
    (project / "claims.json").symlink_to(Path("..") / "missing" / "claims.json")
    monkeypatch.chdir(project)
    refused = runner.invoke(app, ["add", "Lost claim"])
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0] == (
        f"Error: database {project / 'claims.json'} is a symbolic link to "
        "../missing/claims.json, which does not exist"
    )
    named = runner.invoke(app, ["--db", str(project / "claims.json"), "add", "Lost claim"])
    assert named.exit_code == 1 and "which does not exist" in named.stderr
    (project / "one.json").symlink_to("two.json")
    (project / "two.json").symlink_to("one.json")
    looped = runner.invoke(app, ["--db", "one.json", "add", "Lost claim"])
    assert looped.exit_code == 1
    assert "one.json is a symbolic link to two.json, which leads round a loop" in looped.stderr
    assert not (tmp_path / "missing").exists()
    assert not list((tmp_path / "xdg-data").rglob("claims.json"))
