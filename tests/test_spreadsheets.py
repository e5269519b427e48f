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


def test_a_claim_that_starts_with_a_dash_is_added_as_typed(cli: Cli) -> None:
    # Click reads "-12% ..." as options ("No such option: -1"); users type it so.
    texts = ["-12% fall in exports", "-5", "- and then it fell", "-3 more", "-4"]
    cli("add", texts[0], "--story", "trade", "-q")
    cli("add", "--story", "trade", texts[1], "--tag", "x")
    cli("add", texts[2])
    cli("add", "--tag", "-y", texts[3])  # an option's value is the option's, dash or not
    cli("add", "--", texts[4])  # and -- still says "text from here"
    claims = {c["text"]: c for c in cli.jsonl("list")}
    assert set(claims) == set(texts)
    assert claims["-12% fall in exports"]["story"] == "trade"
    assert claims["-5"]["tags"] == ["x"] and claims["-3 more"]["tags"] == ["-y"]
    claim = claims["-5"]["id"]
    cli("note", claim, "-2 since the last count")
    assert cli.json("show", claim)["notes"][0]["text"] == "-2 since the last count"
    cli("source", "add", "-5 percent group", "-q")
    assert cli.jsonl("source", "list")[0]["name"] == "-5 percent group"
    # An unknown option is still one.
    assert "No such option: -x" in cli("add", "-x", code=2).stderr


def _calc(tmp_path: Path, sheet: Path, fmt: str) -> Path:
    """``sheet`` opened in LibreOffice Calc (UTF-8, "detect special numbers" on, as a
    user ticks it in the Text Import dialog) and saved as CSV or as TSV (Calc's "Text
    CSV" with a tab), by real LibreOffice, headless, with a profile of its own."""
    out = tmp_path / f"calc-{fmt}"
    separator = "9" if fmt == "tsv" else "44"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--infilter=CSV:44,34,76,1,,1033,false,true",
            "--convert-to",
            f"{fmt}:Text - txt - csv (StarCalc):{separator},34,76,1",
            "--outdir",
            str(out),
            str(sheet),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    saved = out / f"{sheet.stem}.{fmt}"
    assert saved.exists(), f"LibreOffice wrote nothing for {fmt}"
    return saved


needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is not installed"
)


@pytest.mark.slow
@needs_libreoffice
def test_a_sheet_saved_by_libreoffice_round_trips(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("-12% fall in exports", "--story", "trade", "--tag", "exports")
    sheet = tmp_path / "out.csv"
    cli("export", "--format", "csv", "-o", str(sheet))
    saved = _calc(tmp_path, sheet, "csv")
    cli("import", str(saved))
    after = cli.json("show", claim)
    assert after["text"] == "-12% fall in exports" and after["tags"] == ["exports"]


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_calc_saved_sheets_of_an_export_change_nothing_but_the_edits(
    cli: Cli, tmp_path: Path, fmt: str
) -> None:
    quoted = cli.add('The mayor said "never" twice', "--story", "0042")
    cli("link", quoted, 'Ana\'s "Desk" Team', "--as", "said-by", "--create")
    rated = cli.add("Two lines\nin one claim", "--story", "0042", "--tag", "port")
    cli("status", rated, "verified", "--rating", "True")
    edited = cli.add("A path C:\\new\\table and a tab\there", "--story", "s")
    rows = _sheet(cli, "export", "--format", "csv")
    next(r for r in rows if r["id"] == edited)["status"] = "checking"  # the one edit
    sheet = _write(tmp_path / "sheet.csv", rows)
    saved = _calc(tmp_path, sheet, fmt)
    raw = saved.read_text(encoding="utf-8")
    assert "0042" not in raw and "TRUE" in raw  # Calc did retype the cells
    result = cli("import", str(saved))
    assert "claims: 0 added, 1 updated, 2 unchanged" in result.stderr
    assert "sources: 0 added" in result.stderr
    assert cli.json("show", quoted)["text"] == 'The mayor said "never" twice'
    assert cli.json("show", quoted)["said_by"] == ['Ana\'s "Desk" Team']
    assert cli.json("show", rated)["story"] == "0042"
    assert cli.json("show", rated)["rating"] == "True"
    assert cli.json("show", rated)["text"] == "Two lines\nin one claim"
    assert cli.json("show", edited)["status"] == "checking"


# -- issue 25: the sheets people really make -------------------------------------------------

SHEETS = Path(__file__).parent / "sheets"


def _export_rows(cli: Cli) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(cli("export", "--format", "csv").stdout))
    return list(reader.fieldnames or []), list(reader)


def _write_rows(path: Path, fields: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_row_added_to_an_exported_sheet_is_a_new_claim(cli: Cli, tmp_path: Path) -> None:
    cli.add("Ferry fares rose by a third", "--said-by", "Port authority", "--story", "port")
    fields, rows = _export_rows(cli)
    # A new row typed under the others: the text, a claimant and a story; every other
    # cell blank (created, updated, quantities, notes...).
    new = dict.fromkeys(fields, "")
    new.update(text="Bus fares fell by 5%", said_by="City council", story="port")
    result = cli("import", str(_write_rows(tmp_path / "back.csv", fields, [*rows, new])))
    assert "claims: 1 added, 0 updated, 1 unchanged" in result.stderr
    added = next(c for c in cli.jsonl("list") if c["text"] == "Bus fares fell by 5%")
    assert added["said_by"] == ["City council"] and added["story"] == "port"
    assert added["status"] == "unverified" and added["quantities"] == []


def test_a_new_row_may_give_its_notes_evidence_and_times(cli: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "new.csv"
    sheet.write_text(
        "text,notes,supports,disputes,created,quantities\n"
        "Rents rose 8%,Ask the agency,Housing survey,Landlords' union,"
        "2024-02-26 14:00:07+00,8% = 8\n",
        encoding="utf-8",
    )
    cli("import", str(sheet))
    claim = cli.json("show", cli.jsonl("list")[0]["id"])
    assert [n["text"] for n in claim["notes"]] == ["Ask the agency"]
    assert claim["created"] == "2024-02-26T14:00:07.999999Z"
    relations = {(k["relation"], k["source"]) for k in claim["links"]}
    assert relations == {("supports", "Housing survey"), ("disputes", "Landlords' union")}


def test_a_calc_quoted_tsv_is_not_read_as_escapes(cli: Cli) -> None:
    cli("import", str(SHEETS / "calc-quoted.tsv"))
    claims = {c["text"]: c for c in cli.jsonl("list")}
    assert set(claims) == {
        'The mayor said "never" twice',
        "Two lines\nin one cell\twith a tab",
        "A path C:\\new\\table stays",
    }
    assert claims['The mayor said "never" twice']["said_by"] == ['Ana\'s "Desk" Team']
    assert claims['The mayor said "never" twice']["tags"] == ["port"]


def test_claimtracks_own_tsv_with_a_quoted_claim_keeps_its_quotes(cli: Cli, tmp_path: Path) -> None:
    cli.add('"We will never raise fares"', "--said-by", "Transport minister")
    cli.add('He said "no" and then\tleft')
    tsv = cli("export", "--format", "tsv").stdout
    other = Cli(tmp_path / "other.json")
    other("import", "-", "--format", "tsv", input=tsv)
    assert {c["text"] for c in other.jsonl("list")} == {
        '"We will never raise fares"',
        'He said "no" and then\tleft',
    }
    # Read back into the database it came from, nothing changes.
    assert (
        "0 added, 0 updated, 2 unchanged" in cli("import", "-", "--format", "tsv", input=tsv).stderr
    )


def test_a_calc_tsv_of_an_export_updates_nothing(cli: Cli, tmp_path: Path) -> None:
    for number in range(3):
        cli.add(f'Claim {number} quoting "someone"\tand a tab', "--said-by", 'Ana\'s "Desk" Team')
    fields, rows = _export_rows(cli)
    # What Calc writes when it saves that sheet as TSV: cells quoted where needed.
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    result = cli("import", "-", "--format", "tsv", input=buffer.getvalue())
    assert "claims: 0 added, 0 updated, 3 unchanged" in result.stderr
    assert "sources: 0 added" in result.stderr


def test_cells_a_spreadsheet_retyped_are_not_edits(cli: Cli, tmp_path: Path) -> None:
    zeros = cli.add("Harbour fees doubled", "--story", "0042")
    day = cli.add("Tram lines close", "--story", "2024-03-05", "--tag", "0007")
    rated = cli.add("The bridge reopens", "--story", "1,200")
    cli("status", rated, "verified", "--rating", "True")
    edited = cli.add("Ferries run late", "--story", "0042")
    fields, rows = _export_rows(cli)
    by_id = {r["id"]: r for r in rows}
    by_id[zeros]["story"] = "42"
    by_id[day]["story"] = "3/5/2024"
    by_id[day]["tags"] = "7"
    by_id[rated]["rating"] = "TRUE"
    by_id[rated]["story"] = "1200"
    by_id[edited]["story"] = "43"  # a real edit beside them
    result = cli("import", str(_write_rows(tmp_path / "back.csv", fields, rows)))
    assert "claims: 0 added, 1 updated, 3 unchanged" in result.stderr
    assert cli.json("show", zeros)["story"] == "0042"
    assert cli.json("show", day)["story"] == "2024-03-05"
    assert cli.json("show", day)["tags"] == ["0007"]
    assert cli.json("show", rated)["rating"] == "True"
    assert cli.json("show", edited)["story"] == "43"


@pytest.mark.parametrize(
    ("stored", "shown", "same"),
    [
        ("0042", "42", True),
        ("42", "0042", False),
        ("1,200", "1200", True),
        ("2.50", "2.5", True),
        ("12", "12.0", False),
        ("12", "13", False),
        ("2024-03-05", "3/5/2024", True),
        ("2024-03-05", "05/03/2024", True),
        ("2024-03-05", "5.3.24", True),
        ("2024-03-05", "2024/3/5", True),
        ("2024-03-05", "4/5/2024", False),
        ("2024-03-05", "2024-03-06", False),
        ("True", "TRUE", True),
        ("false", "FALSE", True),
        ("True", "False", False),
        ("Mostly true", "MOSTLY TRUE", False),
        ("port", "Port", False),
    ],
)
def test_what_counts_as_the_same_cell(stored: str, shown: str, same: bool) -> None:
    from claimtrack.importing.sheets import same_cell

    assert same_cell(stored, shown) is same


def _rewrite_updated(rows: list[dict[str, str]], form: str) -> None:
    import datetime as dt

    for row in rows:
        moment = dt.datetime.strptime(row["updated"], "%Y-%m-%dT%H:%M:%S.%fZ")
        row["updated"] = moment.strftime(form)


def test_a_rewritten_updated_column_still_protects_later_changes(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("A claim", "--story", "s")
    fields, rows = _export_rows(cli)
    _rewrite_updated(rows, "%Y-%m-%d %H:%M:%S.%f+00")  # as pandas and DuckDB write it
    cli("status", claim, "verified")  # after the sheet was exported
    rows[0]["story"] = "edited-in-sheet"
    cli("import", str(_write_rows(tmp_path / "back.csv", fields, rows)))
    after = cli.json("show", claim)
    assert after["status"] == "verified"
    assert after["story"] == "edited-in-sheet"


def test_an_updated_shown_to_the_second_still_applies_the_sheets_edits(
    cli: Cli, tmp_path: Path
) -> None:
    claim = cli.add("A claim", "--story", "s")
    cli("status", claim, "checking")
    fields, rows = _export_rows(cli)
    # Excel shows the time without its fraction: the status change that gave the claim
    # this time must not look later than the sheet.
    _rewrite_updated(rows, "%Y-%m-%d %H:%M:%S")
    rows[0]["status"] = "verified"
    cli("import", str(_write_rows(tmp_path / "back.csv", fields, rows)))
    assert cli.json("show", claim)["status"] == "verified"


@pytest.mark.parametrize(
    ("shown", "read"),
    [
        ("2024-02-26 14:00:07+00", "2024-02-26T14:00:07.999999Z"),
        ("2024-02-26T14:00:07.123456Z", "2024-02-26T14:00:07.123456Z"),
        ("2024-02-26 15:00:07.5+01:00", "2024-02-26T14:00:07.599999Z"),
        ("2/26/2024 14:00:07", "2024-02-26T14:00:07.999999Z"),
        ("26.02.2024 14:00", "2024-02-26T14:00:59.999999Z"),
        ("2024-02-26", "2024-02-26T23:59:59.999999Z"),
    ],
)
def test_an_exported_time_as_spreadsheets_show_it(shown: str, read: str) -> None:
    from claimtrack.importing.sheets import sheet_time

    assert sheet_time(shown, "updated") == read


@pytest.mark.parametrize("shown", ["03/05/2024 10:00", "14:00", "soon"])
def test_a_time_that_is_not_one_moment_is_refused(shown: str) -> None:
    from claimtrack.importing.sheets import UnreadableTime, sheet_time

    with pytest.raises(UnreadableTime):
        sheet_time(shown, "updated")


def test_an_updated_that_could_be_two_days_is_refused(cli: Cli, tmp_path: Path) -> None:
    claim = cli.add("A claim", "--story", "s")
    fields, rows = _export_rows(cli)
    rows[0]["updated"] = "03/05/2024 10:00"
    rows[0]["status"] = "verified"
    error = cli("import", str(_write_rows(tmp_path / "back.csv", fields, rows)), code=1).stderr
    assert "could be two days" in error and "nothing was imported" in error
    assert cli.json("show", claim)["status"] == "unverified"


TRICKY = "carriage\rreturn, form\x0cfeed, next\x85line, line\u2028separator, escape\x1b end"


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_line_breaking_characters_survive_a_round_trip(cli: Cli, tmp_path: Path, fmt: str) -> None:
    cli("add", "-", input=TRICKY)
    cli("note", cli.json("list")[0]["id"], "paragraph\u2029break")
    sheet = tmp_path / f"out.{fmt}"
    cli("export", "--format", fmt, "-o", str(sheet))
    other = Cli(tmp_path / "other.json")
    other("import", str(sheet))
    # (JSON, not JSON Lines: splitlines would break the line at U+2028)
    assert other.json("list")[0]["text"] == TRICKY
    # Back into the database it came from: nothing changes.
    assert "0 updated, 1 unchanged" in cli("import", str(sheet)).stderr


def test_a_tsv_in_a_pipe_is_safe_and_round_trips(cli: Cli, tmp_path: Path) -> None:
    cli("add", "-", input=TRICKY)
    piped = cli("list", "--format", "tsv").stdout
    assert "\x1b" not in piped and "\r" not in piped and "\x0c" not in piped
    other = Cli(tmp_path / "other.json")
    other("import", "-", "--format", "tsv", input=piped)
    assert other.json("list")[0]["text"] == TRICKY


@pytest.mark.slow
def test_a_csv_redirected_to_a_file_round_trips(cli: Cli, tmp_path: Path) -> None:
    cli("add", "-", input=TRICKY)
    sheet = tmp_path / "redirected.csv"
    for command in (["export", "--format", "csv"], ["list", "--format", "csv"]):
        with sheet.open("wb") as out:  # the shell's `> redirected.csv`
            subprocess.run(
                ["claimtrack", "--db", str(cli.db_path), *command], stdout=out, check=True
            )
        other = Cli(tmp_path / f"{command[0]}.json")
        other("import", str(sheet))
        assert other.json("list")[0]["text"] == TRICKY, command


def test_a_sheet_on_a_terminal_shows_control_characters_escaped(cli: Cli) -> None:
    from claimtrack.cli.context import Environment

    cli("add", "-", input="bell\x07 and escape\x1b[2J")
    shown = cli("list", "--format", "csv", env=Environment(stdout_isatty=True)).stdout
    assert "\x1b" not in shown and "\\x1b[2J" in shown


def test_crlf_inside_a_quoted_cell_is_a_line_break(cli: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "windows.csv"
    sheet.write_bytes(b'text,said_by\r\n"first\r\nsecond",Someone\r\n')
    cli("import", str(sheet))
    assert cli.jsonl("list")[0]["text"] == "first\nsecond"
    out = tmp_path / "again.csv"
    cli("export", "--format", "csv", "-o", str(out))
    assert b"\\x0d" not in out.read_bytes()
    other = Cli(tmp_path / "other.json")
    other("import", str(out))
    assert other.jsonl("list")[0]["text"] == "first\nsecond"


def test_an_excel_sheet_with_a_sep_line(cli: Cli) -> None:
    result = cli("import", str(SHEETS / "excel-sep-line.csv"))
    assert "claims: 2 added" in result.stderr
    claims = {c["text"]: c for c in cli.jsonl("list")}
    harbour = claims["Harbour traffic doubled;\nfreight too"]
    assert harbour["status"] == "checking" and harbour["story"] == "0042"
    assert harbour["said_by"] == ["Port authority"]
    tram = claims["Tram fares stay at 2 euros"]
    assert tram["status"] == "unverified" and tram["said_by"] == ["City council"]
    shown = cli.json("show", tram["id"])
    assert [n["text"] for n in shown["notes"]] == ["Asked the press office"]


def test_excels_unicode_text_is_read(cli: Cli) -> None:
    # Excel's "Unicode Text (*.txt)": UTF-16 with a byte order mark, tabs, quoted cells.
    cli("import", str(SHEETS / "excel-unicode-text.txt"))
    claims = {c["text"]: c for c in cli.jsonl("list")}
    assert set(claims) == {'Tolls rose "sharply"\nlast year', "Bridge opens in 2025"}
    assert claims['Tolls rose "sharply"\nlast year']["story"] == "0042"
    assert claims["Bridge opens in 2025"]["said_by"] == ["City council"]


def test_a_sheet_in_another_character_set_is_refused_with_a_hint(cli: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "ansi.csv"
    sheet.write_bytes("text\nCaf\u00e9 prices rose\n".encode("cp1252"))
    error = cli("import", str(sheet), code=1).stderr
    assert "is not UTF-8 text" in error and "CSV UTF-8" in error
    assert cli.jsonl("list") == []


def test_a_tab_separated_csv_file_is_read_as_csv(cli: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "tabs.csv"
    sheet.write_text('text\tsaid_by\n"Exports fell"\tMinistry of Trade\n', encoding="utf-8")
    cli("import", str(sheet))
    assert cli.jsonl("list")[0]["text"] == "Exports fell"
