"""The editor's fact-check memo: Markdown, grouped by status, unresolved claims first.

Written for CommonMark and pandoc alike: the title is YAML metadata (pandoc, Quarto,
Jekyll, Hugo and GitHub read it; pandoc makes it the document's title, so the body has
no heading of its own to repeat it); user text is escaped for both (``md``), web
addresses are autolinks only when they can be (``_url``); each claim shows what
``check`` finds about it and what ``verify`` last found about its pages.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence

import orjson

from claimtrack import ids
from claimtrack.analysis.checks import check_claim
from claimtrack.exporting.formats import safe_text
from claimtrack.model import Claim, describe_quantity
from claimtrack.views import LinkView
from claimtrack.views.presenter import Presenter, claim_view

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

# Escaped wherever they are: CommonMark's inline syntax (emphasis, code, links, HTML,
# entities) and pandoc's extensions to it (citations @key, math $, superscript ^,
# subscript and strike-out ~, attributes {}, footnotes [^]). Any ASCII punctuation may
# be escaped in both, so an escape never shows.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~@$^&{}!])")


def md(text: str | None) -> str:
    """User text as literal Markdown: specials escaped, controls neutralised, one line."""
    if not text:
        return ""
    flat = " ".join(safe_text(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


# A URI scheme (RFC 3986): what makes <...> an autolink in CommonMark and pandoc.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:\S")


def _url(url: str) -> str:
    """A link's URL as an autolink, which may hold no space, ``<``, ``>`` or control
    character: those are percent-encoded (the same address). One without a scheme
    cannot be an autolink and is shown as text."""
    if not _SCHEME.match(url):
        return md(url)
    safe = "".join(
        urllib.parse.quote(c, safe="") if c in "<> " or not c.isprintable() else c for c in url
    )
    return f"<{safe}>"


# What ``verify`` last found, as the memo says it (``model.VerifyResult``).
_VERIFIED = {
    "changed": "page changed since its snapshot",
    "quote-missing": "quote no longer on the page",
    "gone": "page gone",
    "unreachable": "page unreachable",
}


def _source(link: LinkView) -> str:
    parts = [md(link["source"])]
    if link.get("date"):
        parts.append(md(link["date"]))
    if url := link["url"]:
        parts.append(_url(url))
    if link.get("quote"):
        parts.append(f"“{md(link['quote'])}”")
    if link.get("note"):
        parts.append(f"({md(link['note'])})")
    verify = link.get("verify")
    if verify and verify.get("result") in _VERIFIED:
        parts.append(f"**⚠ {_VERIFIED[verify['result']]}** (verify, {md(verify['since'][:10])})")
    return ", ".join(parts)


def _front_matter(title: str, date: str) -> list[str]:
    # JSON strings are YAML double-quoted scalars; pandoc reads a metadata string as
    # Markdown, so the title is escaped as text is.
    fields = {"title": md(title), "date": date}
    return ["---", *(f"{k}: {orjson.dumps(v).decode()}" for k, v in fields.items()), "---"]


# The rules whose findings the memo repeats: open-status says what the status line does.
_NOT_REPEATED = {"open-status"}


def render(
    claims: Sequence[Claim],
    presenter: Presenter,
    *,
    title: str,
    made: str,
    date: str,
    disabled_for: Callable[[str | None], Iterable[str]] = lambda story: (),
) -> str:
    """The memo of ``claims``: ``title`` (as given: no prefix is added), ``made`` (the
    first sentence, who made it when), ``date`` (its metadata date), and the findings
    of ``check`` for each claim under the rules ``disabled_for`` its story leaves on."""
    groups: dict[str, list[Claim]] = {status: [] for status in STATUS_ORDER}
    for claim in claims:
        groups.setdefault(claim["status"], []).append(claim)
    counts = ", ".join(f"{len(v)} {k}" for k, v in groups.items() if v)
    summary = f"{len(claims)} claims: {counts}." if claims else "No claims."
    lines = [*_front_matter(title, date), "", f"{made}. {summary}"]
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
            found = [
                p
                for p in check_claim(claim, presenter, disabled_for(claim.get("story")))
                if p.code not in _NOT_REPEATED
            ]
            if found:
                lines.append("- **Check:**")
                lines += [f"  - {p.code}: {md(p.message)}" for p in found]
            if claim["notes"]:
                lines.append("- **Notes:**")
                lines += [
                    f"  - {n['at'][:10]} {md(n['author'])}: {md(n['text'])}" for n in claim["notes"]
                ]
    return "\n".join(lines) + "\n"
