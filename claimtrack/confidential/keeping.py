"""A confidential source's record as the file keeps it: sealed to the desk's recipients
(``sealing``), opened for a recipient, and its history sealed with it. The methods here
are ``Database``'s (a mixin: the database's records and history are what they work on);
they import the crypto only where a sealed value is made or opened."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from claimtrack import ids
from claimtrack.confidential import WITHHELD, is_confidential, pseudonym
from claimtrack.errors import ClaimtrackError, NotFound, NotRecipient, ValidationError
from claimtrack.model import Event, Source, fold

if TYPE_CHECKING:
    from claimtrack.confidential.sealing import Recipient
    from claimtrack.store.adapter import IdTable
    from claimtrack.store.snapshot import Snapshot


class SealedSources:
    """Sealed sources (``claimtrack.confidential.sealing``), for ``Database``."""

    if TYPE_CHECKING:  # what Database gives the methods below
        store: Snapshot
        path: Path
        sources: IdTable
        events: IdTable
        _recipients: list[Recipient] | None
        # The recipients file's new text (None: no file) once this command changed it,
        # written by ``save_recipients_file`` before the database is saved.
        _recipients_change: tuple[str | None] | None

        def new_change_id(self) -> str: ...

        def get_source(self, ref: str) -> Source: ...
        def event_list(self) -> list[Event]: ...
        def record_event(
            self,
            action: str,
            kind: str,
            target: str,
            before: Mapping[str, Any] | None,
            after: Mapping[str, Any] | None,
        ) -> None: ...
        def rewrote_events(self, rewritten: dict[str, tuple[str, str]]) -> None: ...

    def recipients(self) -> list[Recipient]:
        """The desk's recipients (the recipients file beside the database, as this
        command left it; empty when there is none, and then confidential sources are
        kept as before sealing). Raises ``ValidationError`` naming a malformed line."""
        if self._recipients is None:
            text = self.recipients_file_text()
            if text is None:
                self._recipients = []
            else:
                from claimtrack.confidential import sealing

                self._recipients = sealing.parse_recipients(text, self._recipients_file().name)
        return self._recipients

    def _recipients_file(self) -> Path:
        return self.path.with_suffix(".recipients")  # sealing.recipients_path, unimported

    def recipients_file_text(self) -> str | None:
        """The recipients file's text as this command left it; None when there is none."""
        if self._recipients_change is not None:
            return self._recipients_change[0]
        path = self._recipients_file()
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ClaimtrackError(f"cannot read recipients file {path}: {exc}") from None

    def change_recipients(self, recipients: list[Recipient], action: str) -> list[Source]:
        """List ``recipients`` in the recipients file and seal every confidential source
        to them (``keys add``, ``keys rm``): one change, one undo. The file's text before
        and after goes into the change's history (a "recipients" event: public keys and
        their holders, nothing sealed), which is how undo and redo put it back. The file
        is written when the change is saved (``save_recipients_file``). Raises
        ``NotRecipient`` as ``reseal`` does."""
        from claimtrack.confidential import sealing

        before = self.recipients_file_text()
        sealed = self.reseal(recipients)
        after = sealing.recipients_text(recipients)
        self._set_recipients_file(after)
        self.record_event(
            action, "recipients", self.new_change_id(), {"file": before}, {"file": after}
        )
        return sealed

    def add_recipient(self, recipient: Recipient) -> tuple[list[Source], list[Recipient]]:
        """``keys add``: list ``recipient`` after the others and seal every confidential
        source to them all (``change_recipients``). Returns the sources sealed and the
        recipients now listed. Raises ``ValidationError`` for a key listed already."""
        current = self.recipients()
        if any(r.same_key(recipient) for r in current):
            raise ValidationError(
                f"that key is already a recipient in {self._recipients_file().name}",
                "'claimtrack keys list' shows the recipients",
            )
        wanted = [*current, recipient]
        return self.change_recipients(wanted, "keys-add"), wanted

    def remove_recipient(self, who: str) -> tuple[list[Source], Recipient, list[Recipient]]:
        """``keys rm``: take the recipient whose key or holder (any case) is ``who`` off
        the list and seal every confidential source to the others. Returns the sources
        sealed, the recipient removed and those left. Raises ``NotFound``, or
        ``ClaimtrackError`` for a holder of several keys or the last recipient (no one
        could open the sources)."""
        name = self._recipients_file().name
        current = self.recipients()
        wanted = who.strip()
        doomed = [
            r for r in current if r.key == wanted or (r.holder and fold(r.holder) == fold(who))
        ]
        if not doomed:
            raise NotFound(f"no recipient {who!r} in {name}", "'claimtrack keys list' lists them")
        if len(doomed) > 1:
            raise ClaimtrackError(
                f"{len(doomed)} recipients are held by {who!r}", "give the key itself to remove one"
            )
        kept = [r for r in current if r is not doomed[0]]
        if not kept:
            raise ClaimtrackError(
                "cannot remove the last recipient: no one could open the sealed sources",
                "add another recipient first (keep an offline recovery key among them)",
            )
        return self.change_recipients(kept, "keys-rm"), doomed[0], kept

    def revert_recipients(self, event: Event, action: str) -> tuple[str, str, str]:
        """Put the recipients file back as it was before ``event`` (undo, redo). Raises
        ``ClaimtrackError`` (nothing is saved) when the file lists other keys than the
        event left (changed by hand or by a git pull since), or when it would list none
        while confidential sources, or the history of one removed since, are sealed: they
        would have to go back into the file in clear."""
        wanted = (event["before"] or {}).get("file")
        now = self.recipients_file_text()
        if _listed(now) != _listed((event["after"] or {}).get("file")):
            raise ClaimtrackError(
                f"cannot {action}: {self._recipients_file().name} lists other keys than "
                "this change left (changed by hand or by git since); nothing changed",
                "'claimtrack keys add' and 'claimtrack keys rm' change the recipients",
            )
        if not _listed(wanted) and self._holds_confidential():
            raise ClaimtrackError(
                f"cannot {action}: it would list no recipients, and put the confidential "
                "sources back in the file in clear; nothing changed",
                "the sealed sources stay sealed; 'claimtrack keys add' and 'keys rm' "
                "change who can open them",
            )
        self._set_recipients_file(wanted)
        self.record_event(action, "recipients", event["target"], {"file": now}, {"file": wanted})
        return ("restored", "recipients", event["target"])

    def _holds_confidential(self) -> bool:
        """Whether a confidential source is in the file: in its table, or in the history
        of one removed since."""
        return any(is_confidential(s) for s in self.store.records("sources").values()) or any(
            is_confidential(state)
            for event in self.event_list()
            if event["kind"] == "source"
            for state in (event["before"], event["after"])
        )

    def _set_recipients_file(self, text: str | None) -> None:
        self._recipients_change = (text,)
        self._recipients = None

    def save_recipients_file(self) -> None:
        """Write the recipients file as this command changed it (if it did), under the
        write lock, before the database is saved."""
        if self._recipients_change is not None:
            from claimtrack.confidential import sealing

            sealing.write_recipients(self._recipients_file(), self._recipients_change[0])

    def kept_source(self, source: Source) -> Source:
        """The record the file keeps for ``source``: a confidential source sealed to the
        recipients (its sealed value kept when no sealed field changed), a public one
        whole. ``source`` may be a sealed record with plain fields laid over it (undo,
        an edit): they are sealed with the rest. Raises ``NotRecipient`` when the plain
        fields must be joined to a sealed value this user cannot open."""
        record = dict(source)
        from_history = record.pop("sealed_fields", None)
        if from_history is not None:
            record.update(self._open_value(str(from_history), str(record["id"])))
        if not record.get("confidential"):
            if record.get("sealed"):
                base = self._opened(cast(Source, record))
                record = {**base, **_plain_fields(record)}
            return cast(Source, record)
        recipients = self.recipients()
        if not recipients:
            return cast(Source, record)
        from claimtrack.confidential import sealing

        plain = _plain_fields(record)
        if record.get("sealed"):
            if not plain:
                return cast(Source, record)
            record = {**self._opened(cast(Source, record)), **plain}
        return sealing.seal_source(cast(Source, record), recipients)

    def opened_source(self, source: Source) -> Source:
        """``source`` whole: a sealed one opened with this user's identity. Raises
        ``NotRecipient`` when this user cannot open it."""
        if not source.get("sealed"):
            return source
        return cast(Source, self._opened(source))

    def _opened(self, source: Source) -> dict[str, Any]:
        from claimtrack.confidential import sealing

        opened = sealing.opener().open_source(source)
        if opened is None:
            raise not_recipient(source["id"])
        return cast(dict[str, Any], opened)

    def _open_value(self, ciphertext: str, source_id: str) -> dict[str, Any]:
        from claimtrack.confidential import sealing

        opened = sealing.opener().open(ciphertext)
        if opened is None:
            raise not_recipient(source_id)
        return opened

    def _sealed_state(self, state: dict[str, Any] | None, source_id: str) -> Any:
        """A history state of a confidential source with its plain identifying fields
        sealed into ``sealed_fields`` (what an undo opens again), when there are
        recipients."""
        if not state or not self.recipients():
            return state
        plain = {k: v for k, v in state.items() if k in SEALED and v != _withheld(state, k)}
        plain = {k: v for k, v in plain.items() if not (k == "name" and v == _pseudo(source_id))}
        if not plain:
            return state
        from claimtrack.confidential import sealing

        kept = {k: v for k, v in state.items() if k not in plain}
        kept["sealed_fields"] = sealing.seal_value(plain, self.recipients())
        return kept

    def sealed_serialised(self, kind: str, records: dict[str, bytes]) -> dict[str, bytes]:
        """Serialised records an import adds, with each confidential source (``kind``
        "source") sealed and each history state naming one ("event") sealed, when the
        database has recipients; the same dict, untouched, when it has none."""
        if kind not in ("source", "event") or not records or not self.recipients():
            return records
        import orjson

        def states(event: Mapping[str, Any]) -> tuple[Any, Any]:
            return event.get("before"), event.get("after")

        # The sources of this import are in the table already (``add_serialised``).
        confidential = {k for k, v in self.store.records("sources").items() if v["confidential"]}
        sealed: dict[str, bytes] = {}
        for record_id, body in records.items():
            if b'"confidential":true' not in body and kind == "source":
                sealed[record_id] = body
                continue
            record = orjson.loads(body)
            if kind == "source":
                kept: Any = self.kept_source(record)
            elif record["kind"] == "source" and (
                record["target"] in confidential
                or any((state or {}).get("confidential") for state in states(record))
            ):
                kept = {
                    **record,
                    "before": self._sealed_state(record["before"], record["target"]),
                    "after": self._sealed_state(record["after"], record["target"]),
                }
            else:
                kept = record
            sealed[record_id] = orjson.dumps(kept, option=orjson.OPT_SORT_KEYS)
        return sealed

    def sealed_source_named(self, name: str) -> str | None:
        """The ID of the sealed source with this real name or alias, when this user can
        open it (a recipient), else None: lookups by a real name are a recipient's."""
        if not self._recipients_file().exists():
            return None
        from claimtrack.confidential import sealing

        wanted = fold(name)
        opener = sealing.opener()
        problem = opener.problem  # a lookup that finds nothing is no news to report
        try:
            for source in self.store.records("sources").values():
                if not sealing.is_sealed(source):
                    continue
                try:
                    opened = opener.open_source(source)
                except (sealing.SealError, sealing.IdentityProblem):
                    return None  # reported where a source is shown; a lookup finds nothing
                if opened and wanted in {fold(n) for n in [opened["name"], *opened["aliases"]]}:
                    return str(source["id"])
            return None
        finally:
            opener.problem = problem

    def reseal(self, recipients: list[Recipient]) -> list[Source]:
        """Seal every confidential source anew to ``recipients`` (``keys add|rm``,
        ``keys seal``): one change, one undo. The sources' history states that still
        hold plain identifying fields (from before sealing, or before a source was
        made confidential) are sealed too. Raises ``NotRecipient`` for a sealed source
        this user cannot open (only a recipient can change who the others are)."""
        from claimtrack.confidential import sealing

        self._recipients = list(recipients)
        changed: list[Source] = []
        confidential = {
            k: v for k, v in self.store.records("sources").items() if is_confidential(v)
        }
        for source in list(confidential.values()):
            before = cast(Source, dict(source))
            whole = cast(Source, self._opened(before) if sealing.is_sealed(before) else before)
            after = sealing.seal_source(whole, recipients)
            self.sources.replace_record(after)
            self.record_event("seal", "source", after["id"], before, after)
            changed.append(after)
        self._seal_history(set(confidential))
        return changed

    def _seal_history(self, source_ids: set[str]) -> None:
        """Seal the plain identifying fields in the history of these confidential
        sources (``_sealed_state``): what they were before they were sealed, or before
        they were made confidential. The events keep their meaning; undo opens them.
        Each event rewritten is vouched for in the history's chain (``rewrote_events``)."""
        from claimtrack.integrity import chain

        hashes = chain.read_chain(self.store.records("events")).hashes
        events = [event for event in self.event_list() if event["kind"] == "source"]
        # A confidential source removed since (``rm``, an undone add, a merge) is in no
        # table but still named in its events: those are sealed too.
        source_ids = source_ids | {
            event["target"]
            for event in events
            if any(is_confidential(state) for state in (event["before"], event["after"]))
        }
        rewritten: dict[str, tuple[str, str]] = {}
        for event in events:
            if event["target"] not in source_ids:
                continue
            before = self._sealed_state(event["before"], event["target"])
            after = self._sealed_state(event["after"], event["target"])
            if before is not event["before"] or after is not event["after"]:
                new = {**event, "before": before, "after": after}
                self.events.replace_record(new)
                if event["id"] in hashes:
                    rewritten[event["id"]] = (hashes[event["id"]], chain.event_hash(new))
        self.rewrote_events(rewritten)

    def confirm_source(self, ref: str, name: str) -> bool:
        """Whether the sealed source ``ref`` is the person ``name`` (its commitment).
        Raises ``ValidationError`` for a source that is not sealed, ``NotRecipient``
        when this user cannot open it."""
        from claimtrack.confidential import sealing

        if not " ".join(name.split()):
            raise ValidationError("no name given to check", "give the name in quotes")
        source = self.get_source(ref)
        if not sealing.is_sealed(source):
            raise ValidationError(
                f"source {ids.short(source['id'])} is not sealed",
                "only a sealed confidential source has a commitment to check "
                "('claimtrack keys seal' seals an older database's)",
            )
        answer = sealing.opener().confirms(source, name)
        if answer is None:
            raise not_recipient(source["id"])
        return answer


# The fields a sealed record keeps as ciphertext (``sealing.SEALED_FIELDS``, spelled here
# so that reading a database never imports the crypto).
SEALED = ("name", "aliases", "role", "url", "notes", "reason", "approved_by", "merged")


def _listed(text: str | None) -> list[str]:
    """The key lines of a recipients file's text (comments, blank lines and line
    endings aside): what two versions of the file must share to list the same people."""
    lines = (line.strip() for line in (text or "").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _pseudo(source_id: str) -> str:
    return pseudonym({"id": source_id})


def _withheld(record: Mapping[str, Any], key: str) -> Any:
    """What ``confidential.withhold_source`` leaves in ``key`` of a sealed record."""
    if key == "name":
        return _pseudo(str(record.get("id", "")))
    if key == "aliases":
        return []
    if key in ("reason", "approved_by"):
        return WITHHELD if record.get(key) == WITHHELD else None
    return None


def _plain_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The identifying fields of a (perhaps sealed) source record that hold plain text:
    not what a sealed record keeps in their place."""
    return {k: record[k] for k in SEALED if k in record and record[k] != _withheld(record, k)}


def same_sealed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return all(before.get(k) == after.get(k) for k in SEALED)


def not_recipient(source_id: str) -> ClaimtrackError:
    from claimtrack.confidential.sealing import opener

    why = opener().problem or "this user is not one of the recipients of the sealed sources"
    return NotRecipient(
        f"source {ids.short(source_id)} is sealed and cannot be opened here: {why}",
        "a recipient's identity ($CLAIMTRACK_IDENTITY or ~/.ssh/id_ed25519) opens it; "
        "'claimtrack keys list' shows who the recipients are",
    )
