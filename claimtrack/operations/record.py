"""Use cases of a record that holds up: seal (trusted timestamps of the chain head)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from claimtrack.errors import ClaimtrackError
from claimtrack.operations.base import DeskBase

if TYPE_CHECKING:
    from claimtrack.integrity.timestamps import Token


class RecordCases(DeskBase):
    """Trusted timestamps (``integrity.timestamps``)."""

    def authorities(self, tsa: Sequence[str], ca: Path | None) -> tuple[list[str], bytes]:
        """The TSAs to ask and the PEM of their certificate chains: those named (with
        ``ca``), else those ``claimtrack.toml`` configures. Raises ``ClaimtrackError``
        when none is named or configured (nothing is ever sent by default) or the
        chain file is missing."""
        from claimtrack import config

        settings = config.load(self.path)
        urls = list(tsa) or settings.tsa
        chain_file = ca if tsa else (ca or settings.tsa_ca)
        if not urls:
            raise ClaimtrackError(
                "no time-stamping authority named: nothing was sent",
                "name one with --tsa URL --tsa-ca CHAIN.pem, or list them under "
                "[timestamps] in claimtrack.toml",
            )
        if chain_file is None:
            raise ClaimtrackError(
                "no certificate chain for the time-stamping authority",
                "give --tsa-ca CHAIN.pem (the TSA's certificates up to its root), or "
                "timestamps.ca in claimtrack.toml",
            )
        try:
            return urls, chain_file.read_bytes()
        except OSError as exc:
            raise ClaimtrackError(f"cannot read {chain_file}: {exc.strerror}") from None

    def seal(self, tsa: Sequence[str], ca: Path | None = None) -> list[Token]:
        """Timestamp the history's chain head with each TSA (``authorities``): only the
        head's hash is sent. Every token is checked before any is stored; one TSA that
        fails stores nothing. Raises ``ClaimtrackError`` for a chain that does not
        hold, an empty history, or two heads (a git merge made without the driver: any
        change joins them), and ``TimestampError``."""
        from claimtrack.integrity import chain, timestamps

        urls, chain_pem = self.authorities(tsa, ca)
        with self.reading() as db:
            read, breaks = db.chain()
            events = db.store.records("events")
            if breaks:
                raise ClaimtrackError(
                    f"the history's hash chain is broken ({breaks[0].message}): not sealed",
                    "'claimtrack log --verify' names the event",
                )
            if not read.heads:
                raise ClaimtrackError("the history is empty: there is nothing to seal")
            if len(read.heads) > 1:
                raise ClaimtrackError(
                    f"the history has {len(read.heads)} heads (a git merge made without "
                    "claimtrack's driver): not sealed",
                    "any change joins them; 'claimtrack git setup' installs the driver",
                )
            head = events[read.by_hash[read.heads[0]]]
        data = chain.canonical(head)
        answers = [(url, *timestamps.request_token(url, data, chain_pem)) for url in urls]
        folder = timestamps.folder_of(self.path)
        return [
            timestamps.keep(
                folder,
                answer,
                chain_pem,
                kind="chain",
                subject=str(head["id"]),
                imprint=read.heads[0],
                tsa=url,
                stamped=stamped,
                serial=serial,
            )
            for url, answer, stamped, serial in answers
        ]
