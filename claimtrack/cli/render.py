"""Everything that draws on a terminal. Rich is imported here, and only when drawing.

User text always enters Rich as ``Text`` objects, never as markup strings, so
``[bold]``, ``[/]`` and ``:warning:`` in a claim print as written; control characters
are escaped first so that a claim cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from claimtrack import ids
from claimtrack.interchange.formats import describe_quantity, safe_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from claimtrack.model import Claim, Status
    from claimtrack.views import ClaimView, LinkView, SourceView

STATUS_STYLES: dict[Status, str] = {
    "unverified": "yellow",
    "checking": "cyan",
    "verified": "green",
    "disputed": "magenta",
    "false": "red",
    "unverifiable": "dim",
    "retracted": "red dim",
}


def console(no_color: bool, *, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, no_color=no_color, highlight=False, emoji=False, markup=False)


def text(value: Any, style: str = "") -> Text:
    from rich.text import Text

    if value is None:
        return Text("")
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return Text(safe_text(str(value)), style=style)


def _status(status: Status) -> Text:
    return text(status, STATUS_STYLES.get(status, ""))


def claims_table(views: Sequence[ClaimView], no_color: bool, id_length: int) -> None:
    from rich import box
    from rich.table import Table

    # One line per claim, like `gh issue list`: easier to scan, and wrapping long texts
    # is most of the cost of drawing a table (0.3 s for 50 wrapped rows, measured).
    table = Table(header_style="bold", expand=True, box=box.SIMPLE_HEAD)
    table.add_column("ID", style="bold", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Claim", ratio=5, no_wrap=True, overflow="ellipsis", min_width=20)
    table.add_column("Said by", ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column("Reported by", ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column("Story / tags", ratio=2, no_wrap=True, overflow="ellipsis")
    for view in views:
        where = view.get("story") or ""
        if view["tags"]:
            where = (where + " " if where else "") + " ".join("#" + t for t in view["tags"])
        table.add_row(
            text(ids.short(view["id"], id_length)),
            _status(view["status"]),
            text(" ".join(view["text"].split())),
            text(view["said_by"]),
            text(" > ".join(view["reported_by"])),
            text(where, "dim"),
        )
    console(no_color).print(table)


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
    """One claim: text, attribution chain as a tree, evidence, quantities and notes."""
    from rich.tree import Tree

    out = console(no_color)
    head = text(f"Claim {view['id']}  ", "bold")
    head.append_text(_status(view["status"]))
    if rating := view["rating"]:
        head.append("  rating: " + safe_text(rating), style="bold")
    out.print(head)
    out.print(text(view["text"]))
    if quote := view["quote"]:
        out.print(text("Quote: \u201c" + quote + "\u201d", "italic"))
    facts = []
    if story := view["story"]:
        facts.append("story " + story)
    if view["tags"]:
        facts.append("tags " + ", ".join(view["tags"]))
    if facts:
        out.print(text("  ".join(facts), "dim"))
    for quantity in view.get("quantities") or []:
        out.print(text("Quantity: " + describe_quantity(quantity), "dim"))

    links = view["links"]
    tree = Tree(text("Attribution", "bold"))
    node = tree
    said = [k for k in links if k["relation"] == "said-by"]
    reported = [k for k in links if k["relation"] == "reported-by"]
    for link in said:
        node = tree.add(_link_label("said by", link))
    if not said:
        node = tree.add(text("said by: (nobody recorded)", "yellow"))
    for link in reported:
        node = node.add(_link_label("reported by", link))
    out.print(tree)
    evidence = [k for k in links if k["relation"] in ("supports", "disputes")]
    if evidence:
        branch = Tree(text("Evidence", "bold"))
        for link in evidence:
            style = "green" if link["relation"] == "supports" else "magenta"
            branch.add(_link_label(link["relation"], link, style))
        out.print(branch)
    if view["notes"]:
        out.print(text("Notes", "bold"))
        for note in view["notes"]:
            line = text(f"  {note['at'][:16].replace('T', ' ')} {note['author']}: ", "dim")
            line.append_text(text(note["text"]))
            out.print(line)
    out.print(
        text(
            f"created {view['created'][:19].replace('T', ' ')} by {view['author']}, "
            f"updated {view['updated'][:19].replace('T', ' ')}",
            "dim",
        )
    )


def _archived(link: LinkView) -> Text:
    """Whether the link's page is archived, when, and what the last verify found."""
    archive, verify = link.get("archive"), link.get("verify")
    if not archive:
        return text("not archived", "yellow")
    line = text(f"archived {archive['at'][:16].replace('T', ' ')} UTC", "dim")
    if verify and verify["result"] != "unchanged":
        line.append(f"; verify: {verify['result']} since {verify['since'][:10]}", style="red")
    return line


def _link_label(label: str, link: LinkView, style: str = "") -> Text:
    line = text(f"{label}: ", style)
    line.append_text(text(link["source"], "bold"))
    extras = [value for value in (link["date"], link["url"]) if value]
    if extras:
        line.append("  " + safe_text(" ".join(extras)), style="dim")
    if link["url"]:
        line.append("  ")
        line.append_text(_archived(link))
    if quote := link["quote"]:
        line.append("  \u201c" + safe_text(quote) + "\u201d", style="italic")
    if note := link["note"]:
        line.append("  (" + safe_text(note) + ")", style="dim")
    return line


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


def events_table(views: Sequence[dict[str, Any]], no_color: bool) -> None:
    from rich.table import Table

    table = Table(header_style="bold", expand=True)
    table.add_column("When (UTC)", no_wrap=True)
    table.add_column("Who", overflow="fold")
    table.add_column("Action", no_wrap=True)
    table.add_column("Record", no_wrap=True)
    table.add_column("What changed", ratio=4, overflow="fold")
    for view in views:
        table.add_row(
            text(view["at"][:19].replace("T", " ")),
            text(view["actor"]),
            text(view["action"]),
            text(f"{view['kind']} {ids.short(view['target'])}"),
            text(view["summary"]),
        )
    console(no_color).print(table)


def problems_table(views: Sequence[dict[str, Any]], no_color: bool) -> None:
    from rich.table import Table

    table = Table(header_style="bold", expand=True)
    table.add_column("Claim", no_wrap=True, style="bold")
    table.add_column("Rule", no_wrap=True, style="red")
    table.add_column("Problem", ratio=3, overflow="fold")
    table.add_column("Claim text", ratio=3, overflow="fold")
    for view in views:
        table.add_row(
            text(view["short"]),
            text(view["code"]),
            text(view["message"]),
            text(view["text"], "dim"),
        )
    console(no_color).print(table)


def stats_tables(result: dict[str, Any], no_color: bool) -> None:
    from rich.table import Table

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
        table = Table(header_style="bold")
        table.add_column(title, overflow="fold")
        table.add_column("Claims", justify="right")
        table.add_column("", no_wrap=True)
        most = max(r["claims"] for r in rows)
        for row in rows:
            style = STATUS_STYLES.get(row[field], "cyan") if field == "status" else "cyan"
            table.add_row(text(row[field]), text(row["claims"]), _bar(row["claims"], most, style))
        out.print(table)
    if result["sources"]:
        table = Table(header_style="bold")
        table.add_column("Source", overflow="fold")
        table.add_column("Claims", justify="right")
        for heading in ("Said by", "Reported", "Supports", "Disputes"):
            table.add_column(heading, justify="right")
        table.add_column("", no_wrap=True)
        most = max(r["claims"] for r in result["sources"])
        for row in result["sources"]:
            table.add_row(
                text(row["name"]),
                text(row["claims"]),
                text(row["said_by"]),
                text(row["reported_by"]),
                text(row["supports"]),
                text(row["disputes"]),
                _bar(row["claims"], most, "green"),
            )
        out.print(table)


def _bar(value: int, most: int, style: str, width: int = 30) -> Text:
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
