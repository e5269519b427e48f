"""Fixed-width tables written a row at a time, byte for byte as Rich draws them.

``list`` and ``log`` fix every column's width themselves and wrap every cell
beforehand (``render.claims_table``, ``render.events_table``), yet Rich's ``Table``
would still lay the whole table out in Python, cell by cell, before it printed a line:
at thousands of rows that costs many times what reading the records does.
``FixedTable`` writes each row as it comes, as Rich draws a ``plain_table`` whose
columns all have a fixed width and do not wrap:

- the header in bold over a rule, drawn by Rich itself (a table without rows);
- each cell's lines padded to the column's width, in the column's style, then one
  space (none after the last column), then the divider, one space;
- a cell with fewer lines than its row filled with blank lines in the column's style;
- each line's trailing spaces trimmed as ``print_trimmed`` trims them;
- each piece (a "segment") coloured as the console colours it (``Style.render`` in the
  console's colour system, colours removed under ``no_color``).

It lays out only what it can measure exactly: text whose characters are each one
terminal cell wide (``narrow``). Any other cell is laid out by Rich's own
``Console.render_lines``, as the table would lay it out; and a table the writer cannot
draw (wider than the terminal, on a console that is not UTF-8 or is a legacy Windows
console) is left to Rich whole (``FixedTable.drawable``). ``tests/test_tables.py``
holds the writer's bytes equal to Rich's for random text, widths and colours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.style import Style
    from rich.table import Table

# A piece of a line as Rich's segments carry it: its text and its style (None: none).
Run = tuple[str, "Style | None"]
# A cell: its lines, each a sequence of runs, as wide as the column's text.
Cell = Sequence[Sequence[Run]]

ELLIPSIS = "\u2026"
# Written to the terminal this many rows at a time.
_ROWS_A_WRITE = 256


def plain_table() -> Table:
    """A table with a rule under its header and no frame, its columns set apart by one
    space: what list, log and stats draw, so that the text gets the width."""
    from rich import box
    from rich.table import Table

    return Table(
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )


def print_trimmed(out: Console, renderable: Any) -> None:
    """Print without the padding Rich adds after the last character of a line (trailing
    spaces stay behind in ``less``, copied text and diffs)."""
    from rich.segment import Segment, SegmentLines

    lines = []
    for line in out.render_lines(renderable, out.options, pad=False):
        while line and not line[-1].control and not line[-1].text.rstrip(" "):
            line.pop()
        if line and not line[-1].control:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(" "), last.style)
        lines.append(line)
    out.print(SegmentLines(lines, new_lines=True))


# Characters one terminal cell wide in every Unicode version, none of which joins or
# combines with its neighbours: Latin, Greek and Cyrillic letters, digits, punctuation
# (the ranges Rich itself measures without its tables, ``rich.cells``).
NARROW_RANGES = ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482))
_narrow_chars: frozenset[str] = frozenset()


def narrow(text: str) -> bool:
    """Whether every character of ``text`` is one cell wide and stands alone, so that
    its width is its length (no tab, newline or control character)."""
    global _narrow_chars
    if text.isascii():
        return text.isprintable()
    if not _narrow_chars:
        _narrow_chars = frozenset(
            chr(code) for start, end in NARROW_RANGES for code in range(start, end + 1)
        )
    return _narrow_chars.issuperset(text)


# A word and the spaces around it, as Rich's wrapping reads words (``rich._wrap``).
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def _fitted(line: str, width: int) -> str:
    """A line of a ``narrow`` text cut to ``width`` as Rich cuts it (``Text.rstrip_end``,
    then ``Text.truncate`` with an ellipsis)."""
    if len(line) > width:
        spaces = _TRAILING_SPACE.search(line)
        if spaces:
            line = line[: len(line) - min(len(spaces.group()), len(line) - width)]
        if len(line) > width:
            line = line[: width - 1] + ELLIPSIS
    return line


def wrap_narrow(text: str, width: int, lines: int) -> tuple[list[str], bool]:
    """``render.wrapped`` for a ``narrow`` text and a width of 2 or more: its lines, and
    whether an ellipsis is to be added to the last one for the text left over. The
    steps are Rich's (``Text.wrap`` with ``overflow="ellipsis"``: words never split, a
    word longer than the line cut with an ellipsis), measured by length, which is the
    width here."""
    if len(text) <= width:
        return [text.rstrip()], False
    if text.isascii() and text[0] != " ":
        parts, more = _lines_of_words(text, width, max(1, lines))
    else:
        parts = [_fitted(text[a:b], width) for a, b in pairwise(_breaks(text, width))]
        more = len(parts) > max(1, lines)
    kept = [part.rstrip() for part in parts[: max(1, lines)]]
    if more and len(kept[-1]) >= width:
        kept[-1] = kept[-1][: width - 1].rstrip()
    return kept, more


def _breaks(text: str, width: int) -> list[int]:
    """Where Rich breaks ``text`` into lines (``rich._wrap.divide_line`` without folding),
    its start and end included: a word (with the spaces after it) goes on the line if
    its letters fit, a word longer than a line gets a line of its own."""
    breaks = [0]
    used = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        length = len(match.group().rstrip())
        if width - used >= length:
            used += end - start
        elif length > width:
            if start:
                breaks.append(start)
            used = end - start
        elif used and start:
            breaks.append(start)
            used = end - start
    breaks.append(len(text))
    return breaks


def _lines_of_words(text: str, width: int, lines: int) -> tuple[list[str], bool]:
    """``_breaks``'s first ``lines`` lines (each as ``_fitted`` cuts it) and whether
    more follow, for a text whose only space is " " and which starts with a word: a
    line runs to the last word whose letters end within the width, found from the end
    of the line rather than word by word."""
    parts: list[str] = []
    size = len(text)
    letters = len(text.rstrip(" "))
    start = 0
    while start < size and len(parts) < lines:
        limit = start + width
        if letters <= limit:
            rest = text[start:]
            parts.append(_fitted(rest, width) if len(rest) > width else rest)
            return parts, False
        if text[limit] == " ":
            # The line ends with a whole word; Rich trims the spaces after it.
            parts.append(text[start:limit])
            end = limit + 1
            while end < size and text[end] == " ":
                end += 1
        else:
            end = text.rfind(" ", start, limit) + 1
            if end > start:
                parts.append(text[start:end])
            else:  # a word longer than the line, on a line of its own
                end = text.find(" ", limit)
                if end < 0:
                    end = size
                while end < size and text[end] == " ":
                    end += 1
                parts.append(_fitted(text[start:end], width))
        start = end
    return parts, start < size


@dataclass(frozen=True)
class Column:
    """A column of fixed ``width`` (in cells, without the space after it)."""

    header: str
    width: int
    style: str = ""


class FixedTable:
    """A ``plain_table`` of fixed-width, unwrapped columns, written row by row.

    Build cells with ``text_cell``, ``wrapped_cell`` (the fast paths, or None where
    the text is not ``narrow``) or ``laid_out`` (any Rich text), then write them with
    ``row``; ``close`` writes what is left. Call nothing if ``drawable`` is False:
    draw ``rich_table()`` with Rich instead.
    """

    def __init__(self, out: Console, columns: Sequence[Column]) -> None:
        from rich.console import COLOR_SYSTEMS
        from rich.style import Style

        self.out = out
        self.columns = columns
        last = len(columns) - 1
        # A column's width with the space after it, as Rich's collapsed padding makes it.
        self._outer = [c.width + (i < last) for i, c in enumerate(columns)]
        self._styles = [out.get_style(c.style) if c.style else Style.null() for c in columns]
        options = out.options
        self.drawable = (
            not options.legacy_windows
            and not options.ascii_only
            and all(c.width > 0 for c in columns)
            and sum(self._outer) + last <= out.width
        )
        name = out.color_system
        self._colours = COLOR_SYSTEMS[name] if name else None
        self._without_colour = out.no_color and self._colours is not None
        self._blank = [" " * width for width in self._outer]
        # After each column but the last: the space after it and the divider.
        self._gaps = ["  "] * last + [""]
        self._blank_gapped = [
            blank + gap[1:] for blank, gap in zip(self._blank, self._gaps, strict=True)
        ]
        self._rows: list[str] = []
        self._styles_by_name: dict[str, Style] = {}
        self._cell_options = [
            options.update(
                width=c.width,
                justify="left",
                no_wrap=True,
                overflow="ellipsis",
                height=None,
                highlight=False,
            )
            for c in columns
        ]

    def rich_table(self) -> Table:
        """The same table, empty, for Rich to draw: its header, or all of it."""
        table = plain_table()
        for column in self.columns:
            table.add_column(column.header, style=column.style, no_wrap=True, width=column.width)
        return table

    def header(self) -> None:
        """Write the header and the rule under it (Rich draws them)."""
        print_trimmed(self.out, self.rich_table())

    def text_cell(self, text: str, style: str, column: int) -> Cell | None:
        """A ``Text(text, style=style)`` as the column lays it out: cut with an ellipsis
        if too long, padded to the width in its own style. None: ``text`` is not
        ``narrow``."""
        width = self.columns[column].width
        if width < 2 or not narrow(text):
            return None
        line = _fitted(text, width).ljust(width)
        return [((line, self._style(style)),)] if style else [((line, None),)]

    def wrapped_cell(self, text: str, style: str, column: int, lines: int) -> Cell | None:
        """``render.wrapped(out, Text(text, style=style), width, lines, style)`` as the
        column lays it out (the column's width). None: ``text`` is not ``narrow``."""
        width = self.columns[column].width
        if width < 2 or not narrow(text):
            return None
        parts, more = wrap_narrow(text, width, lines)
        last = len(parts) - 1
        if not style:
            if more:
                parts[last] += ELLIPSIS
            return [((part.ljust(width), None),) for part in parts]
        shown = self._style(style)
        cell = []
        for number, part in enumerate(parts):
            runs: list[Run] = [(part, shown)] if part else []
            if more and number == last:
                runs.append((ELLIPSIS, shown))
                part += ELLIPSIS
            if len(part) < width:
                runs.append((" " * (width - len(part)), None))
            cell.append(runs)
        return cell

    def _style(self, name: str) -> Style:
        """The console's style of that name (looked up once)."""
        style = self._styles_by_name.get(name)
        if style is None:
            style = self._styles_by_name[name] = self.out.get_style(name)
        return style

    def laid_out(self, text: Any, column: int) -> Cell:
        """Any renderable (a ``Text``) as the column lays it out, by Rich."""
        from rich.style import Style

        lines = self.out.render_lines(
            text, self._cell_options[column], style=Style.null(), pad=True
        )
        return [[(segment.text, segment.style) for segment in line] for line in lines]

    def row(self, cells: Sequence[Cell]) -> None:
        """Write a row: a cell for each column."""
        height = max(1, *(len(cell) for cell in cells))
        if self._colours is None:
            self._plain_row(cells, height)
        else:
            self._rows.extend(self._coloured_line(cells, n) for n in range(height))
        if len(self._rows) >= _ROWS_A_WRITE:
            self._flush()

    def close(self) -> None:
        self._flush()
        self.out.file.flush()

    def _flush(self) -> None:
        if self._rows:
            self.out.file.write("".join(self._rows))
            self._rows.clear()

    def _plain_row(self, cells: Sequence[Cell], height: int) -> None:
        """A row's lines where nothing is coloured: the runs' text, column by column."""
        columns = []
        for cell, gap, blank in zip(cells, self._gaps, self._blank_gapped, strict=True):
            lines = [
                line[0][0] + gap if len(line) == 1 else "".join([t for t, _ in line]) + gap
                for line in cell
            ]
            if len(lines) < height:
                lines.extend([blank] * (height - len(lines)))
            columns.append(lines)
        self._rows.extend("".join(parts).rstrip(" ") + "\n" for parts in zip(*columns, strict=True))

    def _coloured_line(self, cells: Sequence[Cell], number: int) -> str:
        line: list[Run] = []
        last = len(cells) - 1
        for index, cell in enumerate(cells):
            style = self._styles[index]
            if number < len(cell):
                if style:
                    line.extend((text, style + own) for text, own in cell[number])
                else:
                    line.extend(cell[number])
                if index < last:
                    line.append((" ", style))
            else:
                line.append((self._blank[index], style))
            if index < last:
                line.append((" ", None))
        while line and not line[-1][0].rstrip(" "):
            line.pop()
        if line:
            text, own = line[-1]
            line[-1] = (text.rstrip(" "), own)
        return "".join(self._render(text, style) for text, style in line) + "\n"

    def _render(self, text: str, style: Style | None) -> str:
        """A segment as the console writes it (``Console._render_buffer``)."""
        if style and self._without_colour:
            style = style.without_color
        if not style:
            return text
        return style.render(text, color_system=self._colours)
