"""Use cases of a record that holds up: seal (trusted timestamps of the chain head) and
prove (what the desk recorded about a claim, and which token covers each fact)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimtrack.errors import ClaimtrackError
from claimtrack.operations.base import DeskBase

if TYPE_CHECKING:
    from claimtrack.integrity.timestamps import Token


CHAIN_HINT = (
    "give --tsa-ca CHAIN.pem (the TSA's certificates up to its root), or "
    "timestamps.ca in claimtrack.toml"
)


class RecordCases(DeskBase):
    """Trusted timestamps (``integrity.timestamps``)."""

    def authorities(self, tsa: Sequence[str], ca: Path | None) -> tuple[list[str], bytes]:
        """The TSAs to ask and the PEM of their certificate chains: those named (with
        ``ca``), else those ``claimtrack.toml`` configures. Raises ``ClaimtrackError``
        when none is named or configured (nothing is ever sent by default) or the
        chain file is missing, unreadable, or not PEM certificates up to a root."""
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
                CHAIN_HINT,
            )
        from claimtrack.integrity.timestamps import TimestampError, read_chain_pem

        try:
            chain_pem = chain_file.read_bytes()
        except OSError as exc:
            raise ClaimtrackError(f"cannot read {chain_file}: {exc.strerror}") from None
        try:  # checked before anything is sent
            read_chain_pem(chain_pem)
        except TimestampError as exc:
            raise ClaimtrackError(
                f"{chain_file}: {exc.message}", "nothing was sent; " + CHAIN_HINT
            ) from None
        return urls, chain_pem

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
            head_id = read.by_hash[read.heads[0]]
            head = db.store.record("events", head_id)  # by its ID, not the whole history
            if head is None:  # filed under another key by hand: found by its ID
                found = db.store.records("events").values()
                head = next(e for e in found if e["id"] == head_id)
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

    def prove(self, claim_ref: str) -> dict[str, Any]:
        """What the desk recorded about a claim and when, as ``prove`` prints it: the
        claim, its attribution chain, its verdict history, its evidence with snapshot
        hashes, and every event of its history, each with the earliest stored token
        that covers it (a token of a chain head covers that event and every event
        before it) and the OpenSSL command that checks the token. Confidential sources
        appear as pseudonyms only. Tokens that do not verify offline are listed under
        ``problems`` and cover nothing; so is a chain that does not hold."""
        from claimtrack import history
        from claimtrack.integrity import timestamps
        from claimtrack.views.presenter import Presenter, link_view

        folder = timestamps.folder_of(self.path)
        with self.reading() as db:
            claim = db.get_claim(claim_ref)
            read, breaks = db.chain()
            presenter = Presenter(db, reveal=False)

            def name(source_id: str) -> str:
                if presenter.source(source_id) is None:
                    return f"deleted source {source_id[:7]}"
                return presenter.name(source_id)

            events = list(history.read_history(db, claim["id"], reveal=False).views(name))
            # As ``show`` has them: a protected source's URL, quote, note and snapshot
            # withheld (``views.presenter.link_view``).
            links = [link_view(link, presenter) for link in presenter.links(claim["id"])]
            attribution = [
                {
                    "link": link["id"],
                    "relation": link["relation"],
                    "source": link["source"],
                    "url": link["url"],
                    "date": link["date"],
                }
                for link in links
            ]
            archived = [(link, link.get("archive")) for link in links]
        problems = [f"history: {b.message}" for b in breaks]
        tokens = _usable_tokens(folder, problems)
        chain_tokens = [(t, read.covered(t.imprint)) for t in tokens if t.kind == "chain"]
        # Tokens given in the same second (a TSA's time is often to the second): the
        # one of the earlier head, which covers fewer events, first.
        chain_tokens.sort(key=lambda pair: (pair[0].time, len(pair[1]), pair[0].file))

        def covering(event_id: str) -> dict[str, str] | None:
            for token, covered in chain_tokens:
                if event_id in covered and not breaks:
                    return _token_view(token, folder)
            return None

        facts = [
            {
                "at": event["at"],
                "actor": event["actor"],
                "event": event["id"],
                "hash": read.hashes.get(event["id"]),
                "summary": event["summary"],
                "timestamp": covering(event["id"]),
            }
            for event in reversed(events)  # oldest first
        ]
        verdicts = [
            {"at": e["at"], "status": e["after"]["status"], "rating": e["after"].get("rating")}
            for e in reversed(events)
            if e["kind"] == "claim" and "status" in (e["after"] or {})
        ]
        evidence = [
            {
                "link": link["id"],
                "url": snapshot["url"],
                "fetched": snapshot["at"],
                "sha256": snapshot["sha256"],
                "text_sha256": snapshot["text_sha256"],
                "timestamp": next(
                    (
                        _token_view(t, folder)
                        for t in tokens
                        if t.kind == "snapshot" and t.subject == snapshot["sha256"]
                    ),
                    None,
                ),
            }
            for link, snapshot in archived
            if snapshot
        ]
        return {
            "claim": {
                "id": claim["id"],
                "text": claim["text"],
                "status": claim["status"],
                "rating": claim.get("rating"),
                "story": claim.get("story"),
            },
            "attribution": attribution,
            "verdicts": verdicts,
            "evidence": evidence,
            "facts": facts,
            "chain": {"holds": not breaks, "heads": read.heads},
            "problems": problems,
        }


def _usable_tokens(folder: Path, problems: list[str]) -> list[Token]:
    """The stored tokens that verify offline, oldest first; the others in ``problems``."""
    from claimtrack.integrity import timestamps

    usable = []
    for token in timestamps.read_index(folder):
        try:
            timestamps.check_stored(folder, token)
        except timestamps.TimestampError as exc:
            problems.append(f"timestamp: {exc.message}")
            continue
        usable.append(token)
    return sorted(usable, key=lambda t: (t.time, t.file))


def _token_view(token: Token, folder: Path) -> dict[str, str]:
    return {
        "time": token.time,
        "tsa": token.tsa,
        "file": str(folder / token.file),
        "imprint": token.imprint,
        "verify": token.openssl_command(folder),
    }
