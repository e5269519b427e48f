"""Everything that draws on a terminal. Rich is imported here, and only when drawing.

User text always enters Rich as ``Text`` objects, never as markup strings, so
``[bold]``, ``[/]`` and ``:warning:`` in a claim print as written; control characters
are escaped first so that a claim cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from claimtrack import ids
from claimtrack.cli.context import as_printed
from claimtrack.cli.tables import plain_table, print_trimmed
from claimtrack.exporting.formats import safe_text
from claimtrack.model import describe_quantity, local_time

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from claimtrack.cli.tables import Cell, Column, FixedTable
    from claimtrack.model import Claim, Status
    from claimtrack.views import ClaimView, LinkView, SimilarView, SourceView

STATUS_STYLES: dict[Status, str] = {
    "unverified": "yellow",
    "checking": "cyan",
    "verified": "green",
    "disputed": "magenta",
    "false": "red",
    "unverifiable": "dim",
    "retracted": "red dim",
}


# COLUMNS and LINES beyond this are no terminal's: a typo, not a size.
_MAX_CELLS = 100_000


def _sized_environ() -> dict[str, str]:
    """The environment as Rich reads it for the console's size, without a ``COLUMNS``
    or ``LINES`` that is no size (0, negative, not a number, absurdly large): Rich would
    draw everything 0 columns wide for ``COLUMNS=0`` (that is, print nothing). Such a
    value means the size is unknown: the terminal's own, else 80 columns."""
    import os

    environ = dict(os.environ)
    for name in ("COLUMNS", "LINES"):
        value = environ.get(name, "").strip()
        if not (value.isdigit() and 0 < int(value) <= _MAX_CELLS):
            environ.pop(name, None)
    return environ


def console(no_color: bool, *, stderr: bool = False) -> Console:
    """A console at the terminal's width (``COLUMNS`` wins when it is a size; piped, the
    width of the terminal the pipe starts in, else 80): user text never enters it as
    markup."""
    from rich.console import Console

    return Console(
        stderr=stderr,
        no_color=no_color,
        highlight=False,
        emoji=False,
        markup=False,
        _environ=_sized_environ(),
    )


def text(value: Any, style: str = "") -> Text:
    from rich.text import Text

    if value is None:
        return Text("")
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return Text(as_printed(safe_text(str(value))), style=style)


def _status(status: Status) -> Text:
    return text(status, STATUS_STYLES.get(status, ""))


def wrapped(out: Console, value: Text | str, width: int, lines: int, style: str = "") -> Text:
    """Text wrapped at spaces to ``width`` cells and at most ``lines`` lines: a word is
    never split across lines (one longer than the width is cut with an ellipsis), and
    text left over ends the last line with an ellipsis."""
    from rich.text import Text

    body = text(value, style) if isinstance(value, str) else value.copy()
    body.no_wrap = False
    if any(_spaceless(char) for char in body.plain):
        parts: Sequence[Text] = _wrap_by_cells(body, width)
    else:
        parts = list(body.wrap(out, width, overflow="ellipsis"))
    kept = list(parts)[: max(1, lines)]
    for part in kept:
        part.rstrip()
    if len(parts) > len(kept):
        last = kept[-1]
        if last.cell_len >= width:
            last.truncate(width - 1)
            last.rstrip()
        last.append("\u2026", style=style)
    return Text("\n").join(kept)


def _spaceless(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words, where
    a line may break between any two characters: Chinese and Japanese (and the other
    wide, East Asian characters: Unicode's East Asian Width W and F), Thai, Lao,
    Myanmar and Khmer."""
    import unicodedata

    code = ord(char)
    return (
        0x0E00 <= code <= 0x0EFF
        or 0x1000 <= code <= 0x109F
        or 0x1780 <= code <= 0x17FF
        or (code >= 0x1100 and unicodedata.east_asian_width(char) in "WF")
    )


def _wrap_by_cells(body: Text, width: int) -> list[Text]:
    """``body`` in lines of at most ``width`` terminal cells, broken at spaces and
    between any two characters of a script without spaces (``_spaceless``), so that a
    Chinese sentence fills its lines as a German one of the same display width does
    (Rich breaks at spaces only, and would cut it after one line). A word of another
    script longer than the line is cut with an ellipsis, as ``wrapped`` says."""
    import unicodedata

    from rich.cells import cell_len

    plain = body.plain
    breaks: list[int] = []
    used = 0
    start = 0
    while start < len(plain):
        char = plain[start]
        end = start + 1
        if char.isspace():
            while end < len(plain) and plain[end].isspace():
                end += 1
            used += cell_len(plain[start:end])
            start = end
            continue
        if not _spaceless(char):
            while end < len(plain) and not plain[end].isspace() and not _spaceless(plain[end]):
                end += 1
        # A combining mark (a Thai vowel sign above its consonant) stays with its base.
        while end < len(plain) and unicodedata.category(plain[end]) in ("Mn", "Mc", "Me"):
            end += 1
        cells = cell_len(plain[start:end])
        if used and used + cells > width:
            breaks.append(start)
            used = 0
        used += cells
        start = end
    lines = list(body.divide(breaks))
    for line in lines:
        line.rstrip()
        if line.cell_len > width:
            line.truncate(width, overflow="ellipsis")
    return lines


# Below this many columns a list is a stack of blocks, one per claim: a table there
# leaves the claim a dozen characters.
STACK_BELOW = 70
CLAIM_LINES = 3  # a claim shows this many lines in a list, then an ellipsis
SIDE_LINES = 3  # as many for its attribution, story and tags
_GAP = 2  # the space between two columns


# A claim as a row of ``list``'s table: its ID, status, text (on one line), who said it,
# who reported it, and its story and tags, each as printed (``printed``).
ClaimRow = tuple[str, str, str, str, str, str]
# A cell's text, its style, and how many lines it wraps to (None: it does not wrap).
_CellText = tuple[str, str, int | None]
# The style and lines of the claims table's wrapped columns: claim, said by, reported
# by, story and tags.
_WRAPPED = (("", CLAIM_LINES), ("", SIDE_LINES), ("", SIDE_LINES), ("dim", SIDE_LINES))


def printed(value: str) -> str:
    """User text as a table shows it: control characters escaped, and characters the
    terminal's encoding lacks replaced (what ``text`` gives Rich)."""
    # Printable text (no character of Unicode's "other" categories) has nothing to escape.
    return as_printed(value if value.isprintable() else safe_text(value))


def claim_row(view: ClaimView) -> ClaimRow:
    """What ``claims_table`` shows of a claim, kept while the others are read (much
    smaller than the view)."""
    where = view.get("story") or ""
    if view["tags"]:
        where = (where + " " if where else "") + " ".join("#" + t for t in view["tags"])
    return (
        view["id"],
        printed(view["status"]),
        printed(" ".join(view["text"].split())),
        printed(", ".join(view["said_by"])),
        printed(" > ".join(view["reported_by"])),
        printed(where),
    )


def claims_table(
    rows: Sequence[ClaimRow], no_color: bool, id_length: int, *, rich: bool = False
) -> None:
    """The claims as ``list`` shows them on a terminal of any width.

    The claim text gets the room: ID and status keep their width, the attribution and
    story columns are as narrow as their longest word and header allow (at most about a
    sixth of the free width each), the claim takes the rest and wraps to three lines,
    then an ellipsis; the story column is left out when it would leave the claim fewer
    than 40 columns. Below ``STACK_BELOW`` columns each claim is a block of lines.

    The table is written a row at a time by ``tables.FixedTable``, byte for byte as
    Rich's ``Table`` draws it; ``rich`` (for tests), or a table the writer cannot
    draw, has Rich draw it.
    """
    from claimtrack.cli.tables import FixedTable

    out = console(no_color)
    if out.width < STACK_BELOW:
        _claims_stacked(out, rows, id_length)
        return
    columns = _claim_columns(rows, id_length, out.width)
    table = FixedTable(out, columns)
    if rich or not table.drawable:
        drawn = table.rich_table()
        for row in rows:
            texts = _cell_texts(row, id_length, len(columns))
            drawn.add_row(
                *(_rich_cell(out, c.width, t) for c, t in zip(columns, texts, strict=True))
            )
        print_trimmed(out, drawn)
        return
    table.header()
    for row in rows:
        texts = _cell_texts(row, id_length, len(columns))
        table.row([_written_cell(table, text, n) for n, text in enumerate(texts)])
    table.close()


def _claim_columns(rows: Sequence[ClaimRow], id_length: int, width: int) -> list[Column]:
    """The columns of the claims table at ``width`` (see ``claims_table``)."""
    from claimtrack.cli.tables import Column

    status_width = max(len("Status"), *(len(r[1]) for r in rows))
    fixed = id_length + status_width
    sides = [("Said by", 3), ("Reported by", 4), ("Story / tags", 5)]
    widths = {name: _side_width(name, [r[i] for r in rows], width) for name, i in sides}
    shown = [name for name, _ in sides]
    if width - fixed - sum(widths.values()) - _GAP * 5 < 40:
        shown.remove("Story / tags")
    claim_width = width - fixed - sum(widths[n] for n in shown) - _GAP * (len(shown) + 2)
    longest = max(len(r[2]) for r in rows)
    claim_width = max(10, min(claim_width, longest))
    return [
        Column("ID", id_length, "bold"),
        Column("Status", status_width),
        Column("Claim", claim_width),
        *(Column(name, widths[name]) for name in shown),
    ]


def _cell_texts(row: ClaimRow, id_length: int, count: int) -> list[_CellText]:
    """A row's text in each of the first ``count`` columns of ``_claim_columns`` (the
    story column last, if shown): the text, its style, and how many lines it wraps to
    (None: it does not wrap)."""
    status_style = STATUS_STYLES.get(cast("Status", row[1]), "")
    texts: list[_CellText] = [
        (ids.short(row[0], id_length), "", None),
        (row[1], status_style, None),
    ]
    texts += [(row[n], *_WRAPPED[n - 2]) for n in range(2, count)]
    return texts


def _rich_cell(out: Console, width: int, text: _CellText) -> Text:
    """A cell as Rich is given it."""
    from rich.text import Text

    value, style, lines = text
    cell = Text(value, style=style)
    return cell if lines is None else wrapped(out, cell, width, lines, style)


def _written_cell(writer: FixedTable, text: _CellText, column: int) -> Cell:
    """A cell as ``writer`` writes it: laid out by the writer where it can, else by
    Rich, the same way."""
    value, style, lines = text
    if lines is None:
        written = writer.text_cell(value, style, column)
    else:
        written = writer.wrapped_cell(value, style, column, lines)
    if written is None:
        width = writer.columns[column].width
        written = writer.laid_out(_rich_cell(writer.out, width, text), column)
    return written


def _side_width(header: str, cells: Sequence[str], width: int) -> int:
    """A side column's width: its header, its longest word and an ellipsis (up to 17, so
    that no name is split), its widest cell if that fits in a sixth of the free width."""
    longest_word = max((len(w) for cell in cells for w in cell.split()), default=0)
    widest = max((len(cell) for cell in cells), default=0)
    share = round((width - 30) * 0.16)
    return max(len(header), min(longest_word + 1, 17), min(widest, share))


def _claim_cells(row: ClaimRow, id_length: int) -> tuple[Text, Text, Text, Text, Text, Text]:
    from rich.text import Text

    short, status, claim, said, reported, where = row
    return (
        Text(ids.short(short, id_length)),
        Text(status, style=STATUS_STYLES.get(cast("Status", status), "")),
        Text(claim),
        Text(said),
        Text(reported),
        Text(where, style="dim"),
    )


def _claims_stacked(out: Console, rows: Sequence[ClaimRow], id_length: int) -> None:
    """One block per claim: ID, status and story; the claim; who said and reported it."""
    from rich.padding import Padding
    from rich.text import Text

    inner = max(20, out.width - 2)
    blocks: list[Any] = []
    for number, row in enumerate(rows):
        short, status, claim, said, reported, where = _claim_cells(row, id_length)
        head = Text.assemble(short, "  ", status)
        if where.plain:
            head.append("  ")
            head.append_text(where)
        if number:
            blocks.append(Text(""))
        blocks.append(wrapped(out, head, out.width, 2))
        blocks.append(Padding(wrapped(out, claim, inner, CLAIM_LINES + 1), (0, 0, 0, 2)))
        who = Text(style="dim")
        if said.plain:
            who.append("said by ")
            who.append_text(said)
        if reported.plain:
            who.append("; " if said.plain else "")
            who.append("reported by ")
            who.append_text(reported)
        if who.plain:
            blocks.append(Padding(wrapped(out, who, inner, SIDE_LINES - 1, "dim"), (0, 0, 0, 2)))
    from rich.console import Group

    print_trimmed(out, Group(*blocks))


def sources_table(views: Sequence[SourceView], no_color: bool, id_length: int) -> None:
    from rich.table import Table

    table = Table(header_style="bold", expand=True)
    table.add_column("ID", style="bold", no_wrap=True)
    table.add_column("Name", ratio=3, overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Role / affiliation", ratio=3, overflow="fold")
    table.add_column("Claims", justify="right")
    for view in views:
        name = text(view["name"])
        if view.get("aliases"):
            name.append(" (" + safe_text(", ".join(view["aliases"])) + ")", style="dim")
        if view.get("confidential"):
            name.append(" [confidential]", style="red")
        table.add_row(
            text(ids.short(view["id"], id_length)),
            name,
            text(view["kind"]),
            text(view.get("role")),
            text(view["claims"]),
        )
    console(no_color).print(table)


def claim_detail(view: ClaimView, no_color: bool) -> None:
    """One claim: text, attribution chain as a tree, evidence, quantities and notes.

    Text wraps between words at the terminal's width. A URL is never wrapped by
    claimtrack: it has a line of its own and is printed whole, as a terminal hyperlink
    (a narrower terminal folds it on screen; copying it still gives the whole URL).
    """
    out = console(no_color)
    head = text(f"Claim {view['id']}  ", "bold")
    head.append_text(_status(view["status"]))
    if rating := view["rating"]:
        head.append("  rating: " + safe_text(rating), style="bold")
    _say(out, head)
    _say(out, text(view["text"]))
    if quote := view["quote"]:
        _say(out, text("Quote: \u201c" + quote + "\u201d", "italic"))
    facts = []
    if story := view["story"]:
        facts.append("story " + story)
    if view["tags"]:
        facts.append("tags " + ", ".join(view["tags"]))
    if facts:
        _say(out, text("  ".join(facts), "dim"))
    for quantity in view.get("quantities") or []:
        _say(out, text("Quantity: " + describe_quantity(quantity), "dim"))

    links = view["links"]
    said = [k for k in links if k["relation"] == "said-by"]
    reported = [k for k in links if k["relation"] == "reported-by"]
    # The chain: every claimant at the first level, the reporters under the last one,
    # each under the one it took the claim from.
    nodes: list[_Node] = [(1, n == len(said) - 1, k, "said by") for n, k in enumerate(said)]
    if not said:
        nodes.append((1, True, None, "said by"))
    nodes += [(depth, True, k, "reported by") for depth, k in enumerate(reported, start=2)]
    _say(out, text("Attribution", "bold"))
    _tree(out, nodes)
    evidence = [k for k in links if k["relation"] in ("supports", "disputes")]
    if evidence:
        _say(out, text("Evidence", "bold"))
        last = len(evidence) - 1
        _tree(out, [(1, n == last, k, k["relation"]) for n, k in enumerate(evidence)])
    if view["notes"]:
        _say(out, text("Notes", "bold"))
        for note in view["notes"]:
            at = local_time(note["at"], seconds=False)
            _say(out, text(f"{at} {note['author']}", "dim"), lead=2)
            _say(out, text(note["text"]), lead=4)
    created = local_time(view["created"])  # the user's time and zone (issue 17)
    updated = local_time(view["updated"])
    _say(out, text(f"created {created} by {view['author']}, updated {updated}", "dim"))


# A node of a drawn tree: depth (1 for the first level), whether it is the last of its
# siblings, its link (None: a placeholder) and its label.
_Node = tuple[int, bool, "LinkView | None", str]
_RELATION_STYLES = {"supports": "green", "disputes": "magenta"}


def _say(out: Console, line: Text, *, lead: int | str = 0, first: str | None = None) -> None:
    """A paragraph wrapped between words at the terminal's width, each line after
    ``lead`` (spaces, or a prefix such as tree guides); the first after ``first`` if
    given."""
    from rich.text import Text

    rest = lead if isinstance(lead, str) else " " * lead
    start = rest if first is None else first
    width = max(20, out.width - max(len(start), len(rest)))
    for number, part in enumerate(wrapped(out, line, width, 1_000).split("\n")):
        prefix = start if number == 0 else rest
        out.print(Text(prefix, style="dim") + part if prefix else part)


def _url(out: Console, url: str, prefix: str) -> None:
    """A URL on a line of its own, never wrapped, as a terminal hyperlink."""
    from rich.style import Style
    from rich.text import Text

    shown = safe_text(url, single_line=True)
    line = Text(prefix, style="dim")
    line.append(shown, style=Style(link=url) if shown == url else "")
    out.print(line, soft_wrap=True)


def _archived(link: LinkView) -> Text:
    """Whether the link's page is archived, when, and what the last verify found."""
    archive, verify = link.get("archive"), link.get("verify")
    if not archive:
        return text("not archived", "yellow")
    line = text(f"archived {archive['at'][:16].replace('T', ' ')} UTC", "dim")
    if verify and verify["result"] != "unchanged":
        line.append(f"; verify: {verify['result']} since {verify['since'][:10]}", style="red")
    return line


def _tree(out: Console, nodes: Sequence[_Node]) -> None:
    """Nodes drawn with guides as Rich's ``Tree`` draws them, each link's date after its
    source, then its URL whole on a line of its own, its quote and its note."""
    more_below: list[bool] = []  # for each level above: whether a later sibling follows
    for depth, last, link, label in nodes:
        del more_below[depth - 1 :]
        guides = "".join("\u2502   " if more else "    " for more in more_below)
        branch = guides + ("\u2514\u2500\u2500 " if last else "\u251c\u2500\u2500 ")
        under = guides + ("    " if last else "\u2502   ") + "  "
        if link is None:
            _say(out, text(f"{label}: (nobody recorded)", "yellow"), lead=under, first=branch)
        else:
            line = text(f"{label}: ", _RELATION_STYLES.get(label, ""))
            line.append_text(text(link["source"], "bold"))
            if link["date"]:
                line.append("  " + safe_text(link["date"]), style="dim")
            _say(out, line, lead=under, first=branch)
            if url := link["url"]:
                _url(out, url, under)
                _say(out, _archived(link), lead=under)
            if quote := link["quote"]:
                _say(out, text("\u201c" + quote + "\u201d", "italic"), lead=under)
            if note := link["note"]:
                _say(out, text("(" + note + ")", "dim"), lead=under)
        more_below.append(not last)


def source_detail(view: SourceView, cited: Sequence[tuple[str, Claim]], no_color: bool) -> None:
    out = console(no_color)
    head = text(f"Source {view['id']}  ", "bold")
    head.append_text(text(view["name"], "bold"))
    out.print(head)
    rows = [
        ("kind", view["kind"]),
        ("role", view.get("role")),
        ("url", view.get("url")),
        ("aliases", ", ".join(view.get("aliases") or [])),
        ("notes", view.get("notes")),
    ]
    if view.get("confidential"):
        rows.append(("confidential", "yes: " + (view.get("reason") or "no reason recorded")))
    for key, value in rows:
        if value:
            line = text(f"{key}: ", "dim")
            line.append_text(text(value))
            out.print(line)
    out.print(text(f"Cited by {len(cited)} claim(s)", "bold"))
    for relation, claim in cited:
        line = text(f"  {ids.short(claim['id'])} ", "bold")
        line.append_text(text(f"{relation:<24}", "dim"))
        line.append_text(_status(claim["status"]))
        line.append(" ")
        line.append_text(text(claim["text"]))
        out.print(line)


def events_table(views: Sequence[dict[str, Any]], no_color: bool, *, rich: bool = False) -> None:
    """``log`` on a terminal: when, who, what action on which record, and what changed
    in words. The change gets the room (who wraps between words at 16 columns); where
    that leaves it under 30 columns, each event is a block: its facts, then the change.

    The table is written a row at a time by ``tables.FixedTable``, as for
    ``claims_table`` (``rich``: drawn by Rich, for tests)."""
    from claimtrack.cli.tables import Column, FixedTable

    out = console(no_color)
    rows = [
        (
            text(local_time(view["at"])),
            text(view["actor"]),
            text(view["action"]),
            text(f"{view['kind']} {ids.short(view['target'])}"),
            text(view["summary"]),
        )
        for view in views
    ]
    fixed = [max(len(header), *(r[i].cell_len for r in rows)) for i, header in _EVENT_FIXED]
    who = max(3, min(16, max(r[1].cell_len for r in rows)))
    change = out.width - sum(fixed) - who - _GAP * 4
    if change < 30:
        from rich.text import Text

        blocks: list[Any] = []
        for when, actor, action, record, summary in rows:
            head = Text.assemble(when, "  ", action, "  ", record, "  ", actor)
            head.stylize("dim")
            blocks += [wrapped(out, head, out.width, 3), _indented(out, summary, 2)]
        from rich.console import Group

        print_trimmed(out, Group(*blocks))
        return
    columns = [
        Column("When (UTC)", fixed[0]),
        Column("Who", who),
        Column("Action", fixed[1]),
        Column("Record", fixed[2]),
        Column("What changed", change),
    ]
    writer = FixedTable(out, columns)
    lines = (None, 3, None, None, 1_000)  # how many lines each column wraps to
    if rich or not writer.drawable:
        table = writer.rich_table()
        for row in rows:
            texts = [(c.plain, "", n) for c, n in zip(row, lines, strict=True)]
            table.add_row(
                *(_rich_cell(out, c.width, t) for c, t in zip(columns, texts, strict=True))
            )
        print_trimmed(out, table)
        return
    writer.header()
    for row in rows:
        writer.row([_written_cell(writer, (c.plain, "", lines[n]), n) for n, c in enumerate(row)])
    writer.close()


_EVENT_FIXED = ((0, "When (UTC)"), (2, "Action"), (3, "Record"))


def _indented(out: Console, line: Text, indent: int) -> Any:
    from rich.padding import Padding

    return Padding(wrapped(out, line, max(20, out.width - indent), 1_000), (0, 0, 0, indent))


def problems_table(views: Sequence[dict[str, Any]], no_color: bool) -> None:
    """``check`` on a terminal: each claim once (its ID and whole text), its problems
    listed under it, rule and message; problems of the database itself come last."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table

    out = console(no_color)
    groups: dict[str, list[dict[str, Any]]] = {}
    for view in views:
        groups.setdefault(view["claim"], []).append(view)
    rule_width = max(len(v["code"]) for v in views)
    blocks: list[Any] = []
    for claim, problems in groups.items():
        if blocks:
            blocks.append(text(""))
        if claim:
            short = problems[0]["short"]
            head = Table.grid(padding=(0, _GAP, 0, 0))
            head.add_column(no_wrap=True, style="bold")
            head.add_column(no_wrap=True)
            head.add_row(
                text(short),
                wrapped(out, problems[0]["text"], max(20, out.width - len(short) - _GAP), 20),
            )
            blocks.append(head)
        else:
            blocks.append(text("The database itself", "bold"))
        listing = Table.grid(padding=(0, _GAP, 0, 0))
        listing.add_column(no_wrap=True, style="red", width=rule_width)
        listing.add_column(no_wrap=True)
        message_width = max(20, out.width - 2 - rule_width - _GAP)
        for problem in problems:
            listing.add_row(
                text(problem["code"]), wrapped(out, problem["message"], message_width, 10)
            )
        blocks.append(Padding(listing, (0, 0, 0, 2)))
    print_trimmed(out, Group(*blocks))


def stats_tables(result: dict[str, Any], no_color: bool) -> None:
    """``stats`` on a terminal: a table per count, each with a bar.

    Names are never split inside a word: a table narrower than its names gives up its
    bar first (down to nothing), then wraps names between words.
    """
    out = console(no_color)
    out.print(text(f"{result['claims']} claims", "bold"))
    sections = (
        ("Status", "by_status", "status"),
        ("Story", "by_story", "story"),
        ("Tag", "by_tag", "tag"),
    )
    for title, key, field in sections:
        rows = result[key]
        if not rows:
            continue
        out.print()
        counts = [
            (
                text(row[field]),
                [row["claims"]],
                STATUS_STYLES.get(row[field], "cyan") if field == "status" else "cyan",
            )
            for row in rows
        ]
        _count_table(out, title, ["Claims"], counts)
    if result["sources"]:
        out.print()
        counts = [
            (
                text(row["name"]),
                [row[k] for k in ("claims", "said_by", "reported_by", "supports", "disputes")],
                "green",
            )
            for row in result["sources"]
        ]
        headers = ["Claims", "Said by", "Reported", "Supports", "Disputes"]
        _count_table(out, "Source", headers, counts)


BAR_WIDTH = 30  # the longest bar, in columns, when the terminal has room for it
_MIN_BAR = 4  # a bar column narrower than this is left out


def _count_table(
    out: Console, title: str, headers: Sequence[str], rows: Sequence[tuple[Text, list[int], str]]
) -> None:
    """A name column, right-aligned counts (the first one barred), a bar if it fits."""

    numbers = sum(max(len(h), *(len(str(r[1][i])) for r in rows)) for i, h in enumerate(headers))
    gaps = _GAP * len(headers)
    longest_word = max(len(word) for name, _, _ in rows for word in name.plain.split() or [""])
    widest = max(len(title), *(name.cell_len for name, _, _ in rows))
    room = out.width - numbers - gaps
    name_width = max(len(title), longest_word, min(widest, room))
    bar = min(BAR_WIDTH, room - name_width - _GAP)
    table = plain_table()
    table.add_column(title, no_wrap=True, width=name_width)
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    if bar >= _MIN_BAR:
        table.add_column("", no_wrap=True, width=bar)
    most = max(r[1][0] for r in rows)
    for name, values, style in rows:
        cells = [wrapped(out, name, name_width, 10), *(text(v) for v in values)]
        if bar >= _MIN_BAR:
            cells.append(_bar(values[0], most, style, bar))
        table.add_row(*cells)
    print_trimmed(out, table)


def _bar(value: int, most: int, style: str, width: int = BAR_WIDTH) -> Text:
    size = max(1, round(width * value / most)) if most and value else 0
    return text("\u2588" * size, style)


def candidates_table(result: Any, no_color: bool) -> None:
    from rich.table import Table

    out = console(no_color)
    facts = [
        part
        for part in (
            result.headline,
            result.outlet,
            result.date,
            f"reported by {result.reporter}" if result.reporter else None,
        )
        if part
    ]
    if facts:
        out.print(text(" | ".join(facts), "dim"))
    table = Table(header_style="bold", expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Claim", ratio=5, overflow="fold")
    table.add_column("Said by", ratio=2, overflow="fold")
    table.add_column("Reported by", ratio=2, overflow="fold")
    table.add_column("Quantities", ratio=2, overflow="fold")
    for number, candidate in enumerate(result.candidates, start=1):
        who = text(candidate.claimant or "(unattributed)")
        if candidate.role:
            who.append(f", {safe_text(candidate.role)}", style="dim")
        table.add_row(
            text(number),
            text(candidate.text),
            who,
            text(candidate.reporter),
            text("; ".join(describe_quantity(q) for q in candidate.quantities), "dim"),
        )
    out.print(table)


def similar_table(views: Sequence[SimilarView], no_color: bool) -> None:
    """The claims ``similar`` found, a block each, best first: ID, score, status and who
    said it; the claim (three lines at most); why, dimmed."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    out = console(no_color)
    length = ids.unique_prefix_length(v["id"] for v in views)
    inner = max(20, out.width - 2)
    blocks: list[Any] = []
    for number, view in enumerate(views):
        head = Text.assemble(
            text(ids.short(view["id"], length), "bold"), "  ", text(f"{view['score']:>3}")
        )
        head.append("  ")
        head.append_text(_status(view["status"]))
        if view["verdict_by"]:  # another desk's published verdict (ClaimReview)
            head.append("  verdict of ", style="dim")
            head.append_text(text(view["verdict_by"]))
        if view["said_by"]:
            head.append("  said by ", style="dim")
            head.append_text(text(", ".join(view["said_by"])))
        if number:
            blocks.append(Text(""))
        blocks.append(wrapped(out, head, out.width, 2))
        claim = text(" ".join(view["text"].split()))
        blocks.append(Padding(wrapped(out, claim, inner, CLAIM_LINES), (0, 0, 0, 2)))
        if view["why"]:
            why = text("; ".join(view["why"]), "dim")
            blocks.append(Padding(wrapped(out, why, inner, SIDE_LINES, "dim"), (0, 0, 0, 2)))
    print_trimmed(out, Group(*blocks))
