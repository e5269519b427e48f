"""Issue 16: a CSV or TSV handed to a colleague, edited in a spreadsheet, imported back.

A row naming a claim by ID edits only the columns it has; a cell that differs from the
database is an edit, applied unless the database changed that field after the sheet
was exported. Separators and headings are those spreadsheets write.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import Cli


def _sheet(cli: Cli, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli(*args).stdout)))


def _write(path: Path, rows: list[dict[str, str]], *, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_list_and_export_have_one_csv_shape(cli: Cli) -> None:
    cli.add("A claim", "--said-by", "Someone", "--tag", "x")
    listed = cli("list", "--format", "csv").stdout.splitlines()[0]
    exported = cli("export", "--format", "csv").stdout.splitlines()[0]
    assert listed == exported


def test_an_edited_status_cell_is_applied(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("Ferry fares rose by a third", "--story", "port", "--tag", "ferry")
    rows = _sheet(cli, "export", "--format", "csv")
    rows[0]["status"] = "disputed"
    result = cli("import", str(_write(tmp_path / "back.csv", rows)))
    assert "1 updated" in result.stderr
    shown = cli.json("show", claim)
    assert shown["status"] == "disputed"
    assert shown["story"] == "port" and shown["tags"] == ["ferry"]
    # Imported again: nothing changes.
    assert "0 updated" in cli("import", str(tmp_path / "back.csv")).stderr


def test_a_sheet_with_some_columns_leaves_the_rest_alone(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("At least a dozen were banned", "--story", "serbia", "--tag", "bans")
    before = cli.json("show", claim)
    sheet = tmp_path / "part.csv"
    sheet.write_text(f"id,text,status\n{claim},{before['text']},checking\n", encoding="utf-8")
    cli("import", str(sheet))
    after = cli.json("show", claim)
    assert after["status"] == "checking"
    for key in ("story", "tags", "quantities", "author", "notes", "said_by"):
        assert after[key] == before[key], key


def test_a_later_change_in_the_database_wins_over_a_stale_cell(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("A claim", "--story", "s")
    rows = _sheet(cli, "export", "--format", "csv")
    cli("status", claim, "verified")  # after the sheet was exported
    rows[0]["story"] = "edited-in-sheet"  # and the sheet's own edit
    cli("import", str(_write(tmp_path / "back.csv", rows)))
    after = cli.json("show", claim)
    assert after["status"] == "verified"  # the sheet's old 'unverified' does not undo it
    assert after["story"] == "edited-in-sheet"


def test_semicolon_sheets_and_other_headings(cli: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "europe.csv"
    sheet.write_text(
        'Claim;Status;Said By\n"Exports fell by 12,5%";checking;Ministry of Trade\n',
        encoding="utf-8",
    )
    cli("import", str(sheet))
    claim = cli.jsonl("list")[0]
    assert claim["text"] == "Exports fell by 12,5%" and claim["status"] == "checking"
    assert claim["said_by"] == ["Ministry of Trade"]
    bad = tmp_path / "bad.csv"
    bad.write_text("words,who\nx,y\n", encoding="utf-8")
    error = cli("import", str(bad), code=1).stderr
    assert "no column for the claim's text" in error and "claim, claim_text, statement" in error


def test_import_format_is_the_input_format(cli: Cli) -> None:
    data = "text\tstatus\nA tab-separated claim\tverified\n"
    cli("import", "-", "--format", "tsv", input=data)
    assert cli.jsonl("list")[0]["status"] == "verified"
    assert "--report-format" in cli("import", "--help").stdout


def test_tsv_escapes_tabs_and_newlines_and_round_trips(cli: Cli, tmp_path: Path) -> None:
    text = "first line\nsecond\tcolumn \\ backslash"
    cli("add", "-", input=text)
    tsv = cli("export", "--format", "tsv").stdout
    lines = tsv.splitlines()
    assert len(lines) == 2 and all(line.count("\t") == lines[0].count("\t") for line in lines)
    assert "first line\\nsecond\\tcolumn \\\\ backslash" in lines[1]
    other = Cli(tmp_path / "other.json")
    other("import", "-", "--format", "tsv", input=tsv)
    assert other.jsonl("list")[0]["text"] == text
    if shutil.which("cut"):
        column = str(lines[0].split("\t").index("text") + 1)
        cut = subprocess.run(
            ["cut", "-f", column], input=tsv, capture_output=True, text=True, check=True
        )
        assert cut.stdout.splitlines()[1] == "first line\\nsecond\\tcolumn \\\\ backslash"


def test_defused_cells_come_back_as_they_were(cli: Cli, tmp_path: Path) -> None:
    for text in ("=1+1", "-12% fall in exports", "@everyone", "-1+cmd|' /C calc'!A0"):
        cli("add", "--", text)
    sheet = tmp_path / "s.csv"
    cli("export", "--format", "csv", "-o", str(sheet))
    other = Cli(tmp_path / "other.json")
    other("import", str(sheet))
    assert {c["text"] for c in other.jsonl("list")} == {
        "=1+1",
        "-12% fall in exports",
        "@everyone",
        "-1+cmd|' /C calc'!A0",
    }


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_sheet_saved_by_libreoffice_round_trips(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("-12% fall in exports", "--story", "trade", "--tag", "exports")
    sheet = tmp_path / "out.csv"
    cli("export", "--format", "csv", "-o", str(sheet))
    saved = tmp_path / "saved"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "csv", "--outdir", str(saved), str(sheet)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    cli("import", str(saved / "out.csv"))
    after = cli.json("show", claim)
    assert after["text"] == "-12% fall in exports" and after["tags"] == ["exports"]
