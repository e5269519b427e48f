"""A record that holds up: seal (trusted timestamps of the history)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from claimtrack.cli.common import app, desk

TsaOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tsa",
        metavar="URL",
        help="A time-stamping authority to ask (repeatable); default: those in "
        "claimtrack.toml, and none if it names none.",
    ),
]
TsaCaOption = Annotated[
    Path | None,
    typer.Option(
        "--tsa-ca",
        metavar="PEM",
        help="The authorities' certificate chains (PEM, up to the root), stored with each token.",
    ),
]


@app.command()
def seal(ctx: typer.Context, tsa: TsaOption = None, tsa_ca: TsaCaOption = None) -> None:
    """Timestamp the history with RFC 3161 time-stamping authorities.

    Sends each authority the SHA-256 of the history's newest event, which the hash
    chain ties to every event before it (never any content), checks the signed
    token, and keeps it in claims.timestamps/ beside the database. Nothing is sent
    unless an authority is named here or in claimtrack.toml. Not 'claimtrack keys
    seal', which encrypts confidential sources.

    \b
    Examples:
      claimtrack seal --tsa https://freetsa.org/tsr --tsa-ca freetsa-chain.pem
      claimtrack seal        # the authorities listed in claimtrack.toml
    """
    tokens = desk(ctx).seal(tsa or [], tsa_ca)
    for token in tokens:
        typer.echo(token.file)
        typer.echo(f"Sealed by {token.tsa} at {token.time}: chain head {token.imprint}", err=True)
