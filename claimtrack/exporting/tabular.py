"""JSON Lines and CSV/TSV exports: one claim per line or row, sources inlined."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from claimtrack.exporting.formats import (
    CLAIM_COLUMNS,
    write_delimited,
    write_jsonl,
)
from claimtrack.model import Claim, describe_quantity
from claimtrack.views import ExportedClaimView
from claimtrack.views.presenter import Presenter, claim_view, source_view

# One sheet shape for `list` and `export` alike: what a spreadsheet round trip reads back.
CSV_COLUMNS = CLAIM_COLUMNS


def jsonl_records(claims: Iterable[Claim], presenter: Presenter) -> Iterator[ExportedClaimView]:
    """A claim with its links and, inlined, the full record of every source it cites."""
    for claim in claims:
        view = claim_view(claim, presenter)
        cited = {link["source_id"] for link in view["links"]}
        yield {
            **view,
            "sources": [
                source_view(presenter.sources[source_id], presenter)
                for source_id in sorted(cited)
                if source_id in presenter.sources
            ],
        }


def sheet_row(view: Mapping[str, Any]) -> dict[str, Any]:
    """A claim view (or a stored claim) as a row of ``CLAIM_COLUMNS``: sources by
    relation, link URLs, quantities and notes as text (lists joined by "; " later)."""
    links = view.get("links") or []
    return {
        **view,
        "supports": [k["source"] for k in links if k["relation"] == "supports"],
        "disputes": [k["source"] for k in links if k["relation"] == "disputes"],
        "urls": [k["url"] for k in links if k.get("url")],
        "quantities": [describe_quantity(q) for q in view.get("quantities") or []],
        "notes": [f"{n['at'][:10]} {n['author']}: {n['text']}" for n in view.get("notes") or []],
    }


def csv_rows(claims: Iterable[Claim], presenter: Presenter) -> Iterator[dict[str, Any]]:
    for claim in claims:
        yield sheet_row(claim_view(claim, presenter))


def write_jsonl_export(claims: Iterable[Claim], presenter: Presenter, out: IO[bytes]) -> None:
    write_jsonl(jsonl_records(claims, presenter), out)


def write_csv_export(
    claims: Iterable[Claim],
    presenter: Presenter,
    out: IO[bytes],
    *,
    delimiter: str = ",",
    raw: bool = True,
) -> None:
    """The sheet (``CSV_COLUMNS``) as CSV or TSV; ``raw``: see ``write_delimited``."""
    write_delimited(csv_rows(claims, presenter), CSV_COLUMNS, out, delimiter=delimiter, raw=raw)
