"""JSON Lines and CSV/TSV exports: one claim per line or row, sources inlined."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from claimtrack.interchange.formats import describe_quantity, write_delimited, write_jsonl
from claimtrack.model import Claim
from claimtrack.query import Presenter, claim_view, source_view
from claimtrack.views import ExportedClaimView

CSV_COLUMNS = (
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


def csv_rows(claims: Iterable[Claim], presenter: Presenter) -> Iterator[dict[str, Any]]:
    for claim in claims:
        view = claim_view(claim, presenter)
        links = view["links"]
        yield {
            **view,
            "supports": [k["source"] for k in links if k["relation"] == "supports"],
            "disputes": [k["source"] for k in links if k["relation"] == "disputes"],
            "urls": [k["url"] for k in links if k.get("url")],
            "quantities": [describe_quantity(q) for q in claim.get("quantities") or []],
            "notes": [f"{n['at'][:10]} {n['author']}: {n['text']}" for n in claim["notes"]],
        }


def write_jsonl_export(claims: Iterable[Claim], presenter: Presenter, out: IO[bytes]) -> None:
    write_jsonl(jsonl_records(claims, presenter), out)


def write_csv_export(
    claims: Iterable[Claim], presenter: Presenter, out: IO[bytes], *, delimiter: str = ","
) -> None:
    write_delimited(csv_rows(claims, presenter), CSV_COLUMNS, out, delimiter=delimiter)
