"""Machine-readable output: JSON, JSON Lines, CSV, TSV and bare IDs.

Nothing here knows about terminals beyond making text safe to print there.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, Literal, get_args

# What ``--format`` takes where a command prints records (``export`` has its own).
OutputFormat = Literal["table", "json", "jsonl", "csv", "tsv", "ids"]
FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)

# C0 and C1 control characters except newline and tab; DEL too. Printed raw they can
# move the cursor, rewrite the screen or hide text, so they are shown as escapes. So are
# the bidirectional embedding, override and isolate controls (U+202A-U+202E,
# U+2066-U+2069): they reorder what a reader sees ("Trojan Source", CVE-2021-42574).
_BIDI = "\u202a-\u202e\u2066-\u2069"
# The patterns of this module are compiled by ``re`` (and kept in its cache) when first
# used, not when it is imported: every command imports it, few use each pattern.
_CONTROL = f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]"
_CONTROL_ALL = f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(text: str, *, single_line: bool = False) -> str:
    """Text with terminal control characters neutralised (newlines kept unless asked)."""
    pattern = _CONTROL_ALL if single_line else _CONTROL
    return re.sub(pattern, _escape, text)


# OWASP CSV injection: a cell starting with one of these may run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# A cell starting with + or - that is plainly a number ("-12", "+3.5%", "-1,200").
_NUMBER = r"[+-]\d[\d,.]*%?"
# What a formula needs to do harm: a function call, a DDE link (cmd|'...'!A1), a nested
# formula or a string. A cell starting with + or - without any of these is arithmetic
# at worst ("-12% fall in exports" reads as text, or as #NAME? where it is evaluated).
_FORMULA_SYNTAX = r"[()|!=@\"'\t\r\n;]"


def defuse_cell(value: str) -> str:
    """A cell a spreadsheet cannot run (OWASP "CSV Injection"): one starting with ``=``,
    ``@``, a tab, CR or newline gets a leading ``'``; so does one starting with ``+`` or
    ``-``, unless it is plainly a number or holds none of ``( ) | ! = @ " ' ;``, tab,
    CR and newline (then no function can be called). Import removes the ``'`` again."""
    if not value.startswith(_FORMULA_START):
        return value
    if value[0] in "+-" and (re.fullmatch(_NUMBER, value) or not re.search(_FORMULA_SYNTAX, value)):
        return value
    return "'" + value


def cell(value: Any, *, raw: bool = False) -> str:
    """A value as a CSV/TSV cell: None empty, booleans as true/false, lists joined by
    "; ", control characters escaped (kept as they are if ``raw``) and formulas
    defused (``defuse_cell``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "; ".join(cell(item, raw=raw) for item in value)
    return defuse_cell(str(value) if raw else safe_text(str(value)))


def row_cells(values: list[Any], *, raw: bool = False) -> list[str]:
    """``[cell(v, raw=raw) for v in values]`` at a third of the cost for the usual row:
    strings and lists of strings are only defused, and one search of the whole row
    says whether any of them needs escaping after all (then the row is made again,
    cell by cell)."""
    cells = []
    for value in values:
        kind = value.__class__
        if kind is str:
            text = value
        elif kind is list and all(item.__class__ is str for item in value):
            text = "; ".join([defuse_cell(i) for i in value])
        else:
            cells.append("" if value is None else cell(value))
            continue
        cells.append(defuse_cell(text))
    if raw or re.search(_CONTROL, "".join(cells)) is None:
        return cells
    return [cell(value) for value in values]


# JSON escapes C0 controls but not DEL or the C1 range (U+0080-U+009F), which some
# terminals obey (U+009B is CSI). In UTF-8 they are 0x7F and 0xC2 0x80-0x9F, bytes that
# can only occur inside strings, so escaping them there keeps the JSON valid and equal.
_JSON_UNSAFE = rb"\x7f|\xc2[\x80-\x9f]"


def _escape_json(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode("utf-8"))


def json_bytes(value: Any, *, pretty: bool = False) -> bytes:
    import orjson  # here, not on import: ``--help`` has no use for it

    option = orjson.OPT_APPEND_NEWLINE | (orjson.OPT_INDENT_2 if pretty else 0)
    data = orjson.dumps(value, option=option)
    if b"\x7f" in data or b"\xc2" in data:
        data = re.sub(_JSON_UNSAFE, _escape_json, data)
    return data


def write_json(records: Iterable[Mapping[str, Any]], out: IO[bytes]) -> None:
    """A JSON array written record by record, byte for byte what ``json_bytes`` of the
    whole list gives, without holding every record (or all the text) at once."""
    first = True
    for record in records:
        item = json_bytes(record, pretty=True)[:-1].replace(b"\n", b"\n  ")
        out.write((b"[\n  " if first else b",\n  ") + item)
        first = False
    out.write(b"[]\n" if first else b"\n]\n")


def write_jsonl(records: Iterable[Mapping[str, Any]], out: IO[bytes]) -> None:
    out.writelines(json_bytes(record) for record in records)


def write_delimited(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    out: IO[bytes],
    *,
    delimiter: str = ",",
    raw: bool = False,
) -> None:
    """Rows as CSV (RFC 4180, CRLF between rows) or, with a tab ``delimiter``, TSV with
    escapes (``tsv_field``, which keep every character). CSV has no escapes: control
    characters in a cell are shown escaped (``safe_text``, for a terminal) unless
    ``raw``, for a file, which then holds the text as it is (a CR, a form feed, NEL)
    for import to read back."""
    import csv

    buffer = io.StringIO(newline="")
    tsv = delimiter == "\t"  # escapes every control character itself (``tsv_field``)
    if tsv:
        writer: Any = _TsvWriter(buffer)
    else:
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for number, row in enumerate(rows, 1):
        writer.writerow(row_cells([row.get(column) for column in columns], raw=raw or tsv))
        if number % 1000 == 0:
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))


# TSV as Miller, PostgreSQL's COPY and the IANA text/tab-separated-values type read it:
# no quoting; a tab, newline, CR or backslash inside a field is written \t, \n, \r, \\.
# Every other control character (and the bidi controls) is written \xHH or \uHHHH, as
# PostgreSQL's COPY and Python write them: a TSV is safe on a terminal and still gives
# back the very text (a form feed, NEL), since a backslash is always escaped itself.
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TSV_CONTROL = f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI}]"
_TSV_UNESCAPE = r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)"
_TSV_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def tsv_field(value: str) -> str:
    """A TSV field: tabs, newlines, CRs and backslashes escaped, other control
    characters written as code points (``tsv_unescape`` reverses both)."""
    value = value.translate(_TSV_ESCAPES)
    if re.search(_TSV_CONTROL, value) is None:
        return value
    return re.sub(_TSV_CONTROL, _escape, value)


def _unescaped(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        point = int(code[1:], 16)
        return match.group() if 0xD800 <= point <= 0xDFFF else chr(point)  # no surrogates
    return _TSV_UNESCAPES.get(code, match.group())


def tsv_unescape(field: str) -> str:
    """The text of a TSV field ``tsv_field`` wrote; an unknown escape is kept as it is."""
    if "\\" not in field:
        return field
    return re.sub(_TSV_UNESCAPE, _unescaped, field)


class _TsvWriter:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def writerow(self, cells: Iterable[str]) -> None:
        self.out.write("\t".join(tsv_field(c) for c in cells) + "\n")


def write_ids(records: Iterable[Mapping[str, Any]], out: IO[bytes]) -> None:
    out.writelines(str(record["id"]).encode() + b"\n" for record in records)


def write_records(
    records: Iterable[Mapping[str, Any]],
    fmt: str,
    out: IO[bytes],
    *,
    columns: Sequence[str],
    raw: bool = False,
) -> None:
    """``records`` in a data format; ``raw``: see ``write_delimited``."""
    if fmt == "json":
        write_json(records, out)
    elif fmt == "jsonl":
        write_jsonl(records, out)
    elif fmt == "csv":
        write_delimited(records, columns, out, raw=raw)
    elif fmt == "tsv":
        write_delimited(records, columns, out, delimiter="\t", raw=raw)
    elif fmt == "ids":
        write_ids(records, out)
    else:
        raise ValueError(f"not a data format: {fmt}")


# The columns of a claim as CSV or TSV, for `list` and `export` alike (one sheet shape:
# what a spreadsheet round trip reads back).
CLAIM_COLUMNS = (
    "id",
    "status",
    "rating",
    "story",
    "tags",
    "text",
    "quote",
    "said_by",
    "reported_by",
    "supports",
    "disputes",
    "urls",
    "quantities",
    "notes",
    "created",
    "updated",
    "author",
)
SOURCE_COLUMNS = (
    "id",
    "name",
    "kind",
    "role",
    "url",
    "aliases",
    "confidential",
    "claims",
    "created",
    "updated",
)
