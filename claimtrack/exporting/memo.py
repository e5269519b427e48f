"""The editor's fact-check memo: Markdown, grouped by status, unresolved claims first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from claimtrack import ids
from claimtrack.exporting.formats import safe_text
from claimtrack.model import Claim, describe_quantity
from claimtrack.query import Presenter, claim_view
from claimtrack.views import LinkView

# Unresolved first: what still blocks publication, then the verdicts.
STATUS_ORDER = (
    "checking",
    "unverified",
    "disputed",
    "false",
    "unverifiable",
    "retracted",
    "verified",
)

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md(text: str | None) -> str:
    """User text as literal Markdown: specials escaped, controls neutralised, one line."""
    if not text:
        return ""
    flat = " ".join(safe_text(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def _source(link: LinkView) -> str:
    parts = [md(link["source"])]
    if link.get("date"):
        parts.append(md(link["date"]))
    if url := link["url"]:
        parts.append(f"<{url}>" if " " not in url else md(url))
    if link.get("quote"):
        parts.append(f"“{md(link['quote'])}”")
    if link.get("note"):
        parts.append(f"({md(link['note'])})")
    return ", ".join(parts)


def render(claims: Sequence[Claim], presenter: Presenter, *, title: str, made: str) -> str:
    groups: dict[str, list[Claim]] = {status: [] for status in STATUS_ORDER}
    for claim in claims:
        groups.setdefault(claim["status"], []).append(claim)
    counts = ", ".join(f"{len(v)} {k}" for k, v in groups.items() if v)
    summary = f"{len(claims)} claims: {counts}." if claims else "No claims."
    lines = [f"# Fact-check memo: {md(title)}", "", f"{made}. {summary}"]
    number = 0
    for status, members in groups.items():
        if not members:
            continue
        lines += ["", f"## {status.capitalize()} ({len(members)})"]
        for claim in sorted(members, key=lambda c: c["created"]):
            number += 1
            view = claim_view(claim, presenter)
            lines += ["", f"### {number}. {md(claim['text'])}", ""]
            head = f"- **ID:** `{ids.short(claim['id'])}` · **Status:** {status}"
            if claim.get("rating"):
                head += f" · **Rating:** {md(claim['rating'])}"
            lines.append(head)
            if claim.get("quote"):
                lines.append(f"- **Quote:** “{md(claim['quote'])}”")
            links = view["links"]
            said = [_source(k) for k in links if k["relation"] == "said-by"]
            lines.append("- **Said by:** " + ("; ".join(said) if said else "*nobody recorded*"))
            chain = [_source(k) for k in links if k["relation"] == "reported-by"]
            if chain:
                lines.append("- **Reported by:** " + " → ".join(chain))
            for relation in ("supports", "disputes"):
                evidence = [_source(k) for k in links if k["relation"] == relation]
                if evidence:
                    lines.append(f"- **{relation.capitalize()}:** " + "; ".join(evidence))
            for quantity in claim.get("quantities") or []:
                lines.append(f"- **Quantity:** {md(describe_quantity(quantity))}")
            if claim.get("tags"):
                lines.append("- **Tags:** " + ", ".join(md(t) for t in claim["tags"]))
            if claim["notes"]:
                lines.append("- **Notes:**")
                lines += [
                    f"  - {n['at'][:10]} {md(n['author'])}: {md(n['text'])}" for n in claim["notes"]
                ]
    return "\n".join(lines) + "\n"
