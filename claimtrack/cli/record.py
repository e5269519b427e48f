"""A record that holds up: seal (trusted timestamps of the history) and prove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from claimtrack.cli import complete
from claimtrack.cli.common import app, desk, stdout_bytes
from claimtrack.cli.status import ExitStatus
from claimtrack.exporting.formats import json_bytes, safe_text

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


@app.command()
def prove(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(metavar="CLAIM", help="A claim ID (or prefix).")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="text or json.",
            click_type=complete.PROOF_FORMAT,
        ),
    ] = "text",
) -> None:
    """Show what the desk recorded about a claim, and when, with the proof.

    The claim, its attribution chain, its verdict history and its evidence (snapshot
    hashes), then every event of its history with the earliest timestamp token
    that covers it ('claimtrack seal') and the OpenSSL command anyone can run to
    check that token. Confidential sources appear as pseudonyms only.

    \b
    Examples:
      claimtrack prove 6fmx
      claimtrack prove 6fmx --format json | jq '.facts[] | select(.timestamp|not)'
    """
    proof = desk(ctx).prove(claim)
    if fmt.lower() == "json":
        # UTF-8 whatever the locale, as every command's JSON (common.stdout_bytes).
        stdout_bytes().write(json_bytes(proof, pretty=True))
    else:
        for line in proof_lines(proof):
            typer.echo(safe_text(line, single_line=True))
    if proof["problems"]:
        raise typer.Exit(ExitStatus.ERROR)


def proof_lines(proof: dict[str, Any]) -> list[str]:
    """``prove``'s text: one fact a line, each followed by what covers it."""
    claim = proof["claim"]
    lines = [f"Claim {claim['id']}: {claim['text']}"]
    lines.append(
        f"  status {claim['status']}" + (f", rated {claim['rating']}" if claim["rating"] else "")
    )
    lines.append("Attribution:")
    lines += [
        f"  {a['relation']}: {a['source']}"
        + (f" <{a['url']}>" if a["url"] else "")
        + (f" ({a['date']})" if a["date"] else "")
        for a in proof["attribution"]
    ] or ["  (none recorded)"]
    lines.append("Verdicts:")
    lines += [f"  {v['at']}  {v['status']}" for v in proof["verdicts"]] or ["  (none)"]
    lines.append("Evidence:")
    for item in proof["evidence"]:
        lines.append(f"  {item['url']} fetched {item['fetched']}, sha256 {item['sha256']}")
        lines += _covered(item["timestamp"])
    if not proof["evidence"]:
        lines.append("  (no snapshot)")
    lines.append("Record:")
    for fact in proof["facts"]:
        lines.append(f"  {fact['at']}  {fact['actor']}: {fact['summary']}")
        lines.append(f"    event {fact['event']}, hash {fact['hash']}")
        lines += _covered(fact["timestamp"])
    lines += [f"Problem: {problem}" for problem in proof["problems"]]
    return lines


def _covered(token: dict[str, str] | None) -> list[str]:
    if token is None:
        return ["    not timestamped yet ('claimtrack seal' covers it)"]
    return [
        f"    timestamped {token['time']} by {token['tsa']}",
        f"    check: {token['verify']}",
    ]
