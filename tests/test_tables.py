"""The tables written row by row (``tables.FixedTable``) against Rich's own tables.

``list`` and ``log`` on a terminal no longer have Rich lay out their tables; these tests
hold the bytes they write equal to the bytes Rich's ``Table`` writes for the same rows
(what ``render.claims_table(..., rich=True)`` and ``render.events_table(..., rich=True)``
draw), for random text (wide, combining and
joined characters, emoji, tabs, control characters, long words, empty cells), at
random widths, with and without colour.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from claimtrack import ids
from claimtrack.cli import render, tables
from claimtrack.model import STATUSES

# Pieces of text each a reason for the writer to measure wrongly: one-cell letters of
# several scripts; wide, combining, zero-width and joined characters; spaces that are not
# " "; tabs, newlines and control characters (escaped before drawing, or not).
PIECES = (
    "police",
    "Ministry",
    "said",
    "a",
    "12,000",
    "x" * 23,
    "Belgrade-based-research-coordinator",
    "Petrović",
    "Ελλάδα",
    "Москва",
    "naïve",
    "e\u0301",
    "\u0301",
    "中文字符",
    "日本語のテキスト",
    "한국어",
    "ก\u0e34น",
    "😀",
    "👩\u200d💻",
    "❤\ufe0f",
    "\u200b",
    "\xa0",
    "\u2003",
    "\xad",
    "\t",
    "\n",
    "\x07",
    "\x1b[31m",
    "\u202e",
    "[bold]",
    ":warning:",
    "\u2026",
)
SEPARATORS = (" ", " ", " ", "  ", "", "\t")


@st.composite
def texts(draw: st.DrawFn, longest: int = 30, shortest: int = 0) -> str:
    pieces = draw(st.lists(st.sampled_from(PIECES), min_size=shortest, max_size=longest))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(pieces)))
    return "".join(p + s for p, s in zip(pieces, separators, strict=False))


@st.composite
def views(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(st.text("0123456789abcdefghjkmnpqrstvwxyz", min_size=10, max_size=10)),
        "status": draw(st.sampled_from(STATUSES)),
        "text": draw(texts(10) | texts(80, 20)),
        "said_by": draw(st.lists(texts(4), max_size=3)),
        "reported_by": draw(st.lists(texts(4), max_size=3)),
        "story": draw(st.none() | texts(3)),
        "tags": draw(st.lists(texts(2).filter(bool), max_size=3)),
    }


# How the terminal is set: not a terminal (no colour at all), or colour forced in each
# colour system (``no_color``, from NO_COLOR or --no-color, is drawn apart).
TERMINALS: tuple[dict[str, str], ...] = (
    {},
    {"FORCE_COLOR": "1", "TERM": "xterm"},
    {"FORCE_COLOR": "1", "TERM": "xterm-256color"},
    {"FORCE_COLOR": "1", "COLORTERM": "truecolor"},
)
_TERMINAL_NAMES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "COLORTERM")


@contextlib.contextmanager
def terminal(width: int, settings: dict[str, str]) -> Iterator[io.StringIO]:
    """stdout captured, on a terminal of ``width`` columns set as ``settings`` say."""
    with mock.patch.dict(os.environ):
        for name in _TERMINAL_NAMES:
            os.environ.pop(name, None)
        os.environ.update({"TERM": "xterm", **settings, "COLUMNS": str(width)})
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            yield captured


def claims_table(claims: list[dict[str, Any]], no_color: bool, *, rich: bool) -> None:
    """``list``'s table of ``claims`` (views), their IDs as short as they stay unique."""
    rows = [render.claim_row(view) for view in claims]  # type: ignore[arg-type]
    length = ids.unique_prefix_length(row[0] for row in rows)
    render.claims_table(rows, no_color, length, rich=rich)


def drawn(
    table: Callable[..., None],
    views: list[dict[str, Any]],
    width: int,
    settings: dict[str, str],
    no_color: bool,
    rich: bool,
) -> str:
    """What ``table`` (``claims_table``, ``render.events_table``) prints of ``views`` on
    a terminal of ``width`` columns set as ``settings`` say: written row by row, or
    drawn by Rich (``rich``)."""
    with terminal(width, settings) as captured:
        table(views, no_color, rich=rich)
    return captured.getvalue()


@pytest.mark.slow
@settings(max_examples=150)
@given(
    claims=st.lists(views(), min_size=1, max_size=4),
    width=st.integers(70, 220),
    settings=st.sampled_from(TERMINALS),
    no_color=st.booleans(),
)
def test_the_written_table_is_byte_for_byte_the_table_rich_draws(
    claims: list[dict[str, Any]], width: int, settings: dict[str, str], no_color: bool
) -> None:
    written = drawn(claims_table, claims, width, settings, no_color, rich=False)
    assert written == drawn(claims_table, claims, width, settings, no_color, rich=True)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "at": f"2024-02-{draw(st.integers(10, 28))}T10:{draw(st.integers(10, 59))}:00.000000Z",
        "actor": draw(texts(4) | texts(8, 4)),
        "action": draw(st.sampled_from(("add", "edit", "status", "link", "merge"))),
        "kind": draw(st.sampled_from(("claim", "source"))),
        "target": "0123456789",
        "summary": draw(texts(10) | texts(120, 40)),
    }


@pytest.mark.slow
@settings(max_examples=100)
@given(
    views=st.lists(events(), min_size=1, max_size=4),
    width=st.integers(70, 220),
    settings=st.sampled_from(TERMINALS),
    no_color=st.booleans(),
)
def test_the_written_log_is_byte_for_byte_the_table_rich_draws(
    views: list[dict[str, Any]], width: int, settings: dict[str, str], no_color: bool
) -> None:
    written = drawn(render.events_table, views, width, settings, no_color, rich=False)
    assert written == drawn(render.events_table, views, width, settings, no_color, rich=True)


def test_colour_reaches_the_written_table() -> None:
    """The comparison above sees colour: forced colour gives the status its colour and
    the ID its weight; ``no_color`` keeps the weight only."""
    claim = {
        "id": "0123456789",
        "status": "unverified",
        "text": "The council approved a second bus depot",
        "said_by": ["Anneliese Voss"],
        "reported_by": [],
        "story": "budget",
        "tags": [],
    }
    coloured = drawn(claims_table, [claim], 160, TERMINALS[3], False, rich=False)
    assert "\x1b[33munverified" in coloured
    assert "\x1b[1m0123456\x1b[0m" in coloured
    assert "\x1b[2mbudget\x1b[0m" in coloured
    plain = drawn(claims_table, [claim], 160, TERMINALS[3], True, rich=False)
    assert "\x1b[33m" not in plain
    assert "\x1b[1m0123456\x1b[0m" in plain


def test_the_writer_lays_out_narrow_text_itself() -> None:
    """One-cell text never goes through Rich's layout (else the speed is gone while the
    bytes stay right), and a table that fits on a UTF-8 console is written."""
    out = Console(width=100, file=io.StringIO())
    table = tables.FixedTable(out, [tables.Column("ID", 7, "bold"), tables.Column("Claim", 30)])
    assert table.drawable
    assert table.text_cell("3f9k2ab", "", 0) is not None
    assert table.wrapped_cell("Entry bans for a dozen Russians", "", 1, 3) is not None
    assert table.wrapped_cell("Petrović said", "dim", 1, 3) is not None
    assert table.wrapped_cell("中文", "", 1, 3) is None
    assert table.wrapped_cell("tab\there", "", 1, 3) is None
    too_wide = tables.FixedTable(out, [tables.Column("ID", 7), tables.Column("Claim", 93)])
    assert not too_wide.drawable


def test_every_narrow_character_is_one_cell_wide() -> None:
    from rich.cells import cell_len

    singles = [chr(code) for start, end in tables.NARROW_RANGES for code in range(start, end + 1)]
    assert all(tables.narrow(char) and cell_len(char) == 1 for char in singles)
    assert cell_len("".join(singles)) == len(singles)
    assert cell_len(tables.ELLIPSIS) == 1


@settings(max_examples=500)
@given(
    text=st.text(st.sampled_from("ab Z-,.     "), max_size=80)
    | st.text(st.sampled_from("ab Zé-,.\xa0Ω"), max_size=80),
    width=st.integers(2, 30),
    lines=st.integers(1, 4),
    style=st.sampled_from(("", "dim")),
)
def test_narrow_text_wraps_as_rich_wraps_it(text: str, width: int, lines: int, style: str) -> None:
    out = Console(width=200, file=io.StringIO())
    expected = render.wrapped(out, Text(text, style=style), width, lines, style)
    parts, more = tables.wrap_narrow(text, width, lines)
    if more:
        parts[-1] += tables.ELLIPSIS
    assert "\n".join(parts) == expected.plain
