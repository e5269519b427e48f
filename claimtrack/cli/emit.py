"""Printing records in the format a command was asked for."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import typer

from claimtrack import ids
from claimtrack.cli.common import environment, no_color, stdout_bytes
from claimtrack.exporting.formats import (
    CLAIM_COLUMNS,
    SOURCE_COLUMNS,
    OutputFormat,
    json_bytes,
    safe_text,
    write_records,
)

if TYPE_CHECKING:
    from claimtrack.views import ClaimView, SimilarView, SourceView


def claims(ctx: typer.Context, views: Iterable[ClaimView], fmt: OutputFormat) -> int:
    """Print claims as they come; returns how many were printed."""
    if fmt == "table":
        from claimtrack.cli import render

        # Only what the table shows is kept while the claims are read.
        rows = [render.claim_row(view) for view in views]
        if not rows:
            typer.echo("No claims match.", err=True)
            return 0
        length = ids.unique_prefix_length(row[0] for row in rows)
        render.claims_table(rows, no_color(ctx), length)
        return len(rows)
    counted = _Counted(views)
    # A sheet redirected to a file keeps its text as it is, to be imported back; on a
    # terminal or into a pipe (which may end on one), control characters are escaped.
    raw = environment(ctx).stdout_isfile
    write_records(_rows(counted, fmt), fmt, stdout_bytes(), columns=CLAIM_COLUMNS, raw=raw)
    return counted.count


def _rows(
    claims: Iterable[Mapping[str, object]], fmt: OutputFormat
) -> Iterable[Mapping[str, object]]:
    """Claims as CSV/TSV rows in the one sheet shape ``export`` writes too."""
    if fmt not in ("csv", "tsv"):
        return claims
    from claimtrack.exporting.tabular import sheet_row

    return map(sheet_row, claims)


def records(
    records: Iterable[Mapping[str, object]],
    fmt: OutputFormat,
    *,
    columns: Sequence[str] = CLAIM_COLUMNS,
) -> None:
    """Print stored records as they are (claims ``rm`` deleted, claims ``extract`` added),
    in any format but a table, which each command draws its own way."""
    if columns is CLAIM_COLUMNS:
        records = _rows(records, fmt)
    write_records(records, fmt, stdout_bytes(), columns=columns)


class _Counted:
    def __init__(self, items: Iterable[ClaimView]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[ClaimView]:
        for item in self.items:
            self.count += 1
            yield item


def similar(views: Sequence[SimilarView], fmt: OutputFormat) -> None:
    """Claims ``similar`` found, in a data format: a claim's columns, then ``score``,
    ``why`` and ``verdict_by``."""
    write_records(_rows(views, fmt), fmt, stdout_bytes(), columns=SIMILAR_COLUMNS)


SIMILAR_COLUMNS = (*CLAIM_COLUMNS, "score", "why", "verdict_by")


def sources(ctx: typer.Context, views: Sequence[SourceView], fmt: OutputFormat) -> None:
    if fmt == "table":
        from claimtrack.cli import render

        if not views:
            typer.echo("No sources match.", err=True)
            return
        length = ids.unique_prefix_length(v["id"] for v in views)
        render.sources_table(views, no_color(ctx), length)
        return
    write_records(views, fmt, stdout_bytes(), columns=SOURCE_COLUMNS)


def one(
    ctx: typer.Context,
    view: Mapping[str, object],
    fmt: OutputFormat,
    summary: str,
    *,
    columns: Sequence[str] = CLAIM_COLUMNS,
) -> None:
    """A record a command created or changed: a line on a terminal, else the record."""
    if fmt == "table":
        typer.echo(safe_text(summary))
    elif fmt == "json":
        stdout_bytes().write(json_bytes(view, pretty=True))
    else:
        rows = _rows([view], fmt) if columns is CLAIM_COLUMNS else [view]
        write_records(rows, fmt, stdout_bytes(), columns=columns)


def clip(value: str, width: int = 60) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "\u2026"
