"""Who can open confidential sources: the recipients file and sealing
(``claimtrack.confidential.sealing``)."""

from pathlib import Path
from typing import Annotated

import typer

from claimtrack.cli.common import app, desk, location, read_text

keys_app = typer.Typer(
    help="The people who can open confidential sources (their public keys).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(keys_app, name="keys")

REMOVED_WARNING = (
    "Note: {who} can still open what was sealed to them before: earlier commits of a "
    "shared repository, backups and exports; only sources added from now on are "
    "beyond them"
)


def _recipients_file(ctx: typer.Context) -> Path:
    from claimtrack.confidential.sealing import recipients_path

    return recipients_path(location(ctx).path)


@keys_app.command("list")
def keys_list(ctx: typer.Context) -> None:
    """List the recipients: one line each, the key's kind, its holder and the key.

    \b
    Example:
      claimtrack keys list
    """
    from claimtrack.confidential.sealing import read_recipients

    path = _recipients_file(ctx)
    recipients = read_recipients(path)
    if not recipients:
        typer.echo(
            f"No recipients ({path.name} does not list any): confidential sources are not "
            "sealed; 'claimtrack keys add' adds the first",
            err=True,
        )
    for recipient in recipients:
        typer.echo(f"{recipient.kind}\t{recipient.holder}\t{recipient.key}")


@keys_app.command("add")
def keys_add(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            metavar="KEY",
            help="An age public key (age1...), an SSH public key line, a .pub file, or - .",
        ),
    ],
    holder: Annotated[
        str | None,
        typer.Option("--holder", metavar="NAME", help="Whose key it is (the comment)."),
    ] = None,
) -> None:
    """Add a recipient and seal every confidential source to the recipients anew.

    The first recipient seals the database's confidential sources; later ones can open
    them from then on. One change: 'claimtrack undo' puts back both the sealed values
    and the recipients file. Only a recipient can add another to a database whose
    sources are sealed.

    \b
    Examples:
      claimtrack keys add ~/.ssh/id_ed25519.pub --holder "Ana (desk editor)"
      claimtrack keys add "$(cat recovery.pub)" --holder "recovery key (safe)"
    """
    from claimtrack.confidential.sealing import Recipient, parse_recipient

    path = _recipients_file(ctx)
    recipient = parse_recipient(_key_text(key), "key")
    if holder is not None:
        recipient = Recipient(recipient.key, holder.strip())
    sealed, listed = desk(ctx).add_recipient(recipient)
    typer.echo(
        f"Added {recipient.kind} key of {recipient.holder or '(no comment)'}; "
        f"{len(sealed)} confidential source(s) sealed to {len(listed)} recipient(s). "
        f"Commit {path.name} with the database.",
        err=True,
    )


def _key_text(key: str) -> str:
    """The key line itself, a file's first key line, or standard input's."""
    from claimtrack.confidential.sealing import is_private_key
    from claimtrack.errors import ClaimtrackError

    if not key.strip():
        raise ClaimtrackError("no key given", "give an age key, an SSH public key or its file")
    text = read_text(key, "key") if key == "-" else key
    # A private key pasted here is refused by parse_recipient without being echoed.
    if key != "-" and not text.startswith(("age1", "ssh-")) and not is_private_key(text):
        path = Path(key).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ClaimtrackError(
                f"{key!r} is neither a public key nor a file",
                "give an age key (age1...), an SSH public key or its .pub file",
            ) from None
        except UnicodeDecodeError:
            raise ClaimtrackError(f"{path} is not a public key file: not text") from None
        except OSError as exc:
            raise ClaimtrackError(f"cannot read {path}: {exc.strerror or exc}") from None
        if is_private_key(text):
            raise ClaimtrackError(
                f"{path} is a private key: never share it",
                "give the public half (the .pub file, or age-keygen -y's output)",
            )
    lines = [s for s in text.splitlines() if s.strip() and not s.lstrip().startswith("#")]
    return lines[0] if lines else ""


@keys_app.command("rm")
def keys_rm(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(metavar="HOLDER|KEY", help="The holder or the key.")],
) -> None:
    """Remove a recipient and seal every confidential source to the others anew.

    Someone removed may still hold old copies: earlier commits of a shared repository,
    backups and exports keep what was sealed to them. One change, as 'keys add'.

    \b
    Example:
      claimtrack keys rm "Sam (left the desk)"
    """
    path = _recipients_file(ctx)
    sealed, removed, kept = desk(ctx).remove_recipient(who)
    who_text = removed.holder or "the removed key's holder"
    typer.echo(
        f"Removed {who_text}; {len(sealed)} confidential source(s) sealed to "
        f"{len(kept)} recipient(s). Commit {path.name} with the database.",
        err=True,
    )
    typer.echo(REMOVED_WARNING.format(who=who_text), err=True)


@keys_app.command("seal")
def keys_seal(ctx: typer.Context) -> None:
    """Encrypt every confidential source of a database made before sealing, and the
    history that names them (one change, one undo). Not 'claimtrack seal', which
    timestamps the history.

    The recipients must be listed first ('claimtrack keys add'). Earlier commits of a
    shared repository still hold the old text: the manual (docs/confidential.md) shows
    how to purge them with git filter-repo.

    \b
    Example:
      claimtrack keys add ~/.ssh/id_ed25519.pub --holder "Ana"
      claimtrack keys seal
    """
    from claimtrack.confidential.sealing import read_recipients
    from claimtrack.errors import ClaimtrackError

    path = _recipients_file(ctx)
    recipients = read_recipients(path)
    if not recipients:
        raise ClaimtrackError(
            f"no recipients in {path.name}: no one to seal the sources to",
            "'claimtrack keys add ~/.ssh/id_ed25519.pub --holder NAME' adds one",
        )
    sealed = desk(ctx).reseal(recipients)
    typer.echo(
        f"Sealed {len(sealed)} confidential source(s) to {len(recipients)} recipient(s).",
        err=True,
    )
    if sealed:
        typer.echo(PURGE_NOTE, err=True)


PURGE_NOTE = (
    "Note: earlier commits of a shared repository still hold the old text; "
    "docs/confidential.md shows how to purge them with 'git filter-repo'"
)
