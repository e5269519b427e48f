"""The claims database: every read and change of claims, sources and links.

``Database.open(path, write=True)`` opens the file through the store
(``claimtrack.store``), which takes the lock, reads the records and saves them
atomically when the block ends without an error; an error leaves the file as it was.
This layer is the domain: it resolves what a user typed (an ID prefix, a name or alias)
once, builds and cleans records (``claimtrack.records``), and records every change as
an event in the history, which ``log`` and ``undo`` read.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from claimtrack import ids
from claimtrack.confidential import is_confidential, public_name
from claimtrack.confidential.keeping import SEALED, SealedSources, same_sealed
from claimtrack.errors import (
    Ambiguous,
    ClaimtrackError,
    NotFound,
    ValidationError,
)
from claimtrack.integrity.chained import ChainedHistory
from claimtrack.model import (
    DEFAULT_STATUS,
    EVIDENCE_RELATIONS,
    MAX_SHORT,
    Archive,
    Claim,
    Event,
    Link,
    Note,
    Quantity,
    Source,
    Verification,
    check_date,
    check_kind,
    check_relation,
    check_review_url,
    check_status,
    clean_optional,
    clean_text,
    fold,
    has_verdict,
)
from claimtrack.records import Clock, clean_aliases, clean_quantities, clean_story, clean_tags
from claimtrack.records import event as new_event
from claimtrack.store.adapter import IdTable
from claimtrack.store.snapshot import Snapshot, open_snapshot

if TYPE_CHECKING:
    from claimtrack.confidential.sealing import Recipient

USER_ENV = "CLAIMTRACK_USER"
# Where each kind of record is kept.
TABLE_OF_KIND = {"claim": "claims", "source": "sources", "link": "links"}


def current_user() -> str:
    """Who is making the change: $CLAIMTRACK_USER, else git's user.name, else the login."""
    from_env = os.environ.get(USER_ENV, "").strip()
    if from_env:
        return from_env
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        result = subprocess.run(
            ["git", "config", "user.name"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
        name = result.stdout.strip()
        if result.returncode == 0 and name:
            return name
    try:
        import getpass  # not at the top: it loads termios, and only writes need a name

        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def opens_sealed(stored: Source, edit: Mapping[str, Any]) -> bool:
    """Whether an edit of the source ``stored`` (``Database.edit_source``'s keyword
    arguments, None or absent for a field left alone) needs its sealed fields opened
    with the user's identity: it is sealed and the edit changes a sealed field, its
    aliases, or makes it public. A change to a field in clear (its kind) does not."""
    fields = ("name", "role", "url", "notes", "reason", "approved_by")
    return bool(stored.get("sealed")) and (
        any(edit.get(k) is not None for k in fields)
        or bool(edit.get("add_aliases"))
        or bool(edit.get("remove_aliases"))
        or edit.get("confidential") is False
    )


def _reopen(before: Claim, after: Claim, *, rating_given: bool) -> None:
    """A claim moved from a verdict back to ``unverified`` or ``checking`` loses its
    rating: a rating is the wording of a verdict, and a reopened claim has none (the
    old one stays in the history; a rating given with the same command is kept)."""
    reopened = has_verdict(before) and not has_verdict(after)
    if reopened and not rating_given:
        after["rating"] = None


class Database(SealedSources, ChainedHistory):
    """The claims, sources, links and history of one database file, for one command.

    Records are read from (and written to) ``store``, a ``claimtrack.store.Snapshot``;
    reads that many records share (listings, counts, the history) are the store's.
    Methods that take a ``prefix`` or ``ref`` resolve what a user typed; everything
    else takes IDs. Errors: ``NotFound``, ``Ambiguous``, ``ValidationError``.
    """

    def __init__(self, store: Snapshot) -> None:
        self.store = store
        self.path = store.path
        self.writable = store.writable
        self.claims: IdTable = store.claims
        self.sources: IdTable = store.sources
        self.links: IdTable = store.links
        self.events: IdTable = store.events
        self._actor: str | None = None
        self._change: str | None = None
        self._clock = Clock()
        self._recipients: list[Recipient] | None = None
        self._recipients_change: tuple[str | None] | None = None
        # The hashes the next event names as ``prev`` (None: not looked up yet).
        self._head: list[str] | None = None

    @classmethod
    @contextlib.contextmanager
    def open(
        cls,
        path: Path,
        *,
        write: bool = False,
        create: bool = False,
    ) -> Iterator[Database]:
        """The database at ``path`` (``store.open_snapshot``); ``create=True`` makes a
        new file even where one was (``init``, ``demo``). Raises ``DatabaseError``."""
        with open_snapshot(path, write=write, create=create) as store:
            yield cls(store)

    # -- reading records by ID --------------------------------------------------------------

    def has_claim(self, claim_id: str) -> bool:
        return self.store.record("claims", claim_id) is not None

    def claim_by_id(self, claim_id: str) -> Claim:
        """The claim with this ID (not a copy). Raises ``KeyError`` if there is none."""
        found = self.store.record("claims", claim_id)
        if found is None:
            raise KeyError(claim_id)
        return cast(Claim, found)

    def links_of_claim(self, claim_id: str) -> list[Link]:
        """The claim's links as this command sees them now, in ID order."""
        return self.store.links_of("claim", claim_id)

    def links_of_source(self, source_id: str) -> list[Link]:
        return self.store.links_of("source", source_id)

    def structural_problems(self) -> list[str]:
        """What makes the database inconsistent (``Snapshot.structural_problems``)."""
        return self.store.structural_problems()

    # -- history --------------------------------------------------------------------------

    @property
    def actor(self) -> str:
        if self._actor is None:
            self._actor = current_user()
        return self._actor

    def _now(self) -> str:
        return self._clock.now()

    def timestamp(self) -> str:
        """A timestamp for this command's records (``records.Clock``: UTC text,
        later than any this command gave before)."""
        return self._now()

    def new_change_id(self) -> str:
        """The ID shared by every event of this command (one change, for log and undo)."""
        if self._change is None:
            self._change = ids.new_id()
        return self._change

    def record_event(
        self,
        action: str,
        kind: str,
        target: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """Add an event to this command's change (``records.event``)."""
        if not self.writable:
            raise ClaimtrackError("internal error: change on a read-only database")
        change = self.new_change_id()
        made = new_event(
            at=self._now(),
            actor=self.actor,
            change=change,
            action=action,
            kind=kind,
            target=target,
            before=before,
            after=after,
        )
        if kind == "source" and (is_confidential(before) or is_confidential(after)):
            made["before"] = self._sealed_state(made["before"], target)
            made["after"] = self._sealed_state(made["after"], target)
        self._append(made)

    # -- records of any kind, for undo and import ----------------------------------------

    def table_of(self, kind: str) -> IdTable:
        """The table that holds records of this kind ("claim", "source", "link")."""
        table = TABLE_OF_KIND.get(kind)
        if table is None:
            raise ClaimtrackError(f"cannot undo a change to a {kind}")
        return cast(IdTable, getattr(self, table))

    def record_of(self, kind: str, record_id: str) -> Any | None:
        """The current record of this kind and ID, or None."""
        return self.store.records(TABLE_OF_KIND[kind]).get(record_id)

    def put_record(self, kind: str, record: Mapping[str, Any]) -> None:
        """Put ``record`` in place of the one with its ID (an import's update, undo, a
        merge); a confidential source is kept sealed (``kept_source``), and when it was
        public until now, so is its history."""
        if kind == "source":
            previous = self.record_of("source", record["id"])
            record = self.kept_source(cast(Source, record))
            if record.get("sealed") and previous and not previous.get("confidential"):
                self._seal_history({record["id"]})
        self.table_of(kind).replace_record(record)

    def add_record(self, kind: str, record: Mapping[str, Any]) -> None:
        if kind == "source":
            record = self.kept_source(cast(Source, record))
        self.table_of(kind).insert_record(record)

    def remove_record(self, kind: str, record_id: str) -> None:
        self.table_of(kind).delete_records([record_id])

    def add_serialised(self, table: str, records: dict[str, bytes]) -> None:
        """Records of a large import, already serialised (``Snapshot.add_serialised``)."""
        self.store.add_serialised(table, records)

    def event_list(self) -> list[Event]:
        return self.store.event_list()

    # -- claims ---------------------------------------------------------------------------

    def claim_list(self) -> list[Claim]:
        return list(self.store.records("claims").values())

    def get_claim(self, prefix: str) -> Claim:
        """A copy of the claim with this ID or unique ID prefix; when no claim has one,
        the claim another was merged into (``merged_into``). Raises ``NotFound``,
        ``Ambiguous``."""
        found = self.store.ids_with_prefix("claims", prefix)
        if not found:
            survivor = self.merged_into("claims", prefix)
            if survivor is not None:
                return cast(Claim, dict(self.claim_by_id(survivor)))
        claim_id = ids.resolve(prefix, found, "claim")
        return cast(Claim, dict(self.claim_by_id(claim_id)))

    def merged_into(self, table: str, prefix: str) -> str | None:
        """The ID of the record (``table``: "claims" or "sources") that lists a merged
        record's ID starting with ``prefix`` in its ``merged`` field, or None.

        Raises ``Ambiguous`` when the prefix starts two merged IDs of different records."""
        if not prefix.strip():
            return None
        holders = self.store.merged_with_prefix(table, prefix)
        if not holders:
            return None
        return holders[ids.resolve(prefix, holders, table[:-1])]

    def add_claim(
        self,
        text: str,
        *,
        quote: str | None = None,
        story: str | None = None,
        tags: Iterable[str] = (),
        status: str = DEFAULT_STATUS,
        rating: str | None = None,
        quantities: Iterable[Quantity] = (),
        said_by: Iterable[str] = (),
        reported_by: Iterable[str] = (),
        note: str | None = None,
    ) -> Claim:
        at = self._now()
        claim: Claim = {
            "id": ids.new_id(),
            "text": clean_text(text, "claim text"),
            "quote": clean_optional(quote, "quote", limit=len(text) + 1_000_000),
            "story": clean_story(story),
            "tags": clean_tags(tags),
            "quantities": clean_quantities(quantities),
            "status": check_status(status),
            "rating": clean_optional(rating, "rating"),
            "notes": [],
            "created": at,
            "updated": at,
            "author": self.actor,
        }
        if note is not None:
            claim["notes"].append(self._note(note))
        self.claims.insert_record(claim)
        self.record_event("add", "claim", claim["id"], None, claim)
        for relation, names in (("said-by", said_by), ("reported-by", reported_by)):
            for name in names:
                source = self.ensure_source(name)
                self.link_ids(claim["id"], source["id"], relation)
        return claim

    def _note(self, text: str) -> Note:
        return {"at": self._now(), "author": self.actor, "text": clean_text(text, "note")}

    def new_note(self, text: str) -> Note:
        """A note by this command's user, stamped now. Raises ``ValidationError`` for
        an empty text."""
        return self._note(text)

    def _update_claim(
        self, before: Claim, after: Claim, action: str, *, touch: bool = False
    ) -> Claim:
        """Save ``after`` with a new ``updated`` and record the edit; nothing when it
        changes nothing, unless ``touch`` (the claim's case changed elsewhere)."""
        if after == before and not touch:
            return before
        after["updated"] = self._now()
        self.claims.replace_record(after)
        self.record_event(action, "claim", after["id"], before, after)
        return after

    def edit_claim(
        self,
        prefix: str,
        *,
        text: str | None = None,
        quote: str | None = None,
        story: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        rating: str | None = None,
        status: str | None = None,
        quantities: Iterable[Quantity] | None = None,
    ) -> Claim:
        """Change the given fields of a claim (None leaves a field as it is; ``quantities``
        replaces the list). Raises ``ValidationError`` for a bad value or a tag to
        remove that the claim does not have."""
        before = self.get_claim(prefix)
        after = cast(Claim, dict(before))
        if text is not None:
            after["text"] = clean_text(text, "claim text")
        if quote is not None:
            after["quote"] = clean_optional(quote, "quote", limit=1_000_000)
        if story is not None:
            after["story"] = clean_story(story)
        if rating is not None:
            after["rating"] = clean_optional(rating, "rating")
        if status is not None:
            after["status"] = check_status(status)
            _reopen(before, after, rating_given=rating is not None)
        if quantities is not None:
            after["quantities"] = clean_quantities(quantities)
        removed = set(clean_tags(remove_tags))
        missing = removed.difference(before["tags"])
        if missing:
            raise ValidationError(
                f"claim {ids.short(before['id'])} has no tag {sorted(missing)[0]!r}"
            )
        tags = [t for t in before["tags"] if t not in removed]
        tags += [t for t in clean_tags(add_tags) if t not in tags]
        after["tags"] = tags
        return self._update_claim(before, after, "edit")

    def set_status(
        self,
        prefix: str,
        status: str,
        *,
        note: str | None = None,
        rating: str | None = None,
        review_url: str | None = None,
    ) -> Claim:
        """Give a claim a status (with the verdict's wording ``rating`` and the URL of
        the published fact-check ``review_url``, which ClaimReview's ``url`` requires).
        A claim whose verdict was another desk's (an imported ClaimReview) becomes this
        desk's when its status changes or a review URL is given: its ``review`` then
        holds only this desk's URL. Raises ``ValidationError`` for a bad value."""
        before = self.get_claim(prefix)
        after = cast(Claim, dict(before))
        after["status"] = check_status(status)
        if rating is not None:
            after["rating"] = clean_optional(rating, "rating")
        _reopen(before, after, rating_given=rating is not None)
        if note is not None:
            after["notes"] = [*before["notes"], self._note(note)]
        theirs = "by" in before.get("review", {})
        if review_url is not None:
            after["review"] = {"url": check_review_url(review_url)}
        elif theirs and after["status"] != before["status"]:
            del after["review"]
        return self._update_claim(before, after, "status")

    def add_note(self, prefix: str, text: str) -> Claim:
        before = self.get_claim(prefix)
        after = cast(Claim, dict(before))
        after["notes"] = [*before["notes"], self._note(text)]
        return self._update_claim(before, after, "note")

    def remove_claims(self, prefixes: Iterable[str]) -> list[Claim]:
        claims: dict[str, Claim] = {}
        for prefix in prefixes:
            claim = self.get_claim(prefix)
            claims[claim["id"]] = claim
        doomed = [link for claim_id in claims for link in self.links_of_claim(claim_id)]
        for link in doomed:
            self.record_event("unlink", "link", link["id"], link, None)
        self.links.delete_records([link["id"] for link in doomed])
        for claim in claims.values():
            self.record_event("rm", "claim", claim["id"], claim, None)
        self.claims.delete_records(claims)
        return list(claims.values())

    # -- sources --------------------------------------------------------------------------

    def source_list(self) -> list[Source]:
        return list(self.store.records("sources").values())

    def _stored_source(self, source_id: str) -> Source:
        """The source with this ID, which must exist (not a copy)."""
        return cast(Source, self.store.record("sources", source_id))

    def source_named(self, name: str) -> str | None:
        """The ID of the source with this name or alias (any case, spacing), or None."""
        found = self.store.sources_named(fold(name))
        return found[0] if found else None

    def find_source(self, name: str) -> Source | None:
        """A copy of the source with this name or alias (a sealed one's real name or
        alias only for a recipient), or None."""
        source_id = self.source_named(name) or self.sealed_source_named(name)
        if source_id is None:
            return None
        return cast(Source, dict(self._stored_source(source_id)))

    def get_source(self, ref: str) -> Source:
        """A source by exact name or alias (any case), else by ID prefix, else the
        source one with that ID was merged into, else by a part of its name."""
        source_id = self.source_named(ref)
        if source_id is None:
            known = self.store.ids_with_prefix("sources", ref)
            try:
                source_id = ids.resolve(ref, known, "source")
            except NotFound:
                source_id = (
                    self.sealed_source_named(ref)
                    or self.merged_into("sources", ref)
                    or self._match_name_part(ref)
                )
        return cast(Source, dict(self._stored_source(source_id)))

    def _match_name_part(self, ref: str) -> str:
        """The one source whose name or alias contains ``ref`` ("Petrovic")."""
        found = self.store.sources_naming(fold(ref))
        if len(found) == 1:
            return found[0]
        if not found:
            raise NotFound(
                f"no source matches {ref!r}",
                "'claimtrack source list' shows sources; --create makes a new one",
            )
        names = ", ".join(public_name(self._stored_source(i)) for i in found[:8])
        raise Ambiguous(
            f"{ref!r} matches {len(found)} sources: {names}", "use the full name or the ID"
        )

    def ensure_source(self, name: str) -> Source:
        found = self.find_source(name)
        if found is not None:
            return found
        return self.add_source(name)

    def _check_names_free(self, names: Iterable[str], own_id: str | None) -> None:
        for name in names:
            holder = self.source_named(name)
            if holder is not None and holder != own_id:
                other = self._stored_source(holder)
                # What was typed is a confidential source's name or alias: repeating it
                # beside the pseudonym would pair the two in the message.
                typed = "that name" if is_confidential(other) else repr(name)
                raise ValidationError(
                    f"{typed} already names source {ids.short(holder)} ({public_name(other)})",
                    "use that source, or give this one a different name",
                )

    def add_source(
        self,
        name: str,
        *,
        kind: str = "unknown",
        role: str | None = None,
        url: str | None = None,
        aliases: Iterable[str] = (),
        notes: str | None = None,
        confidential: bool = False,
        reason: str | None = None,
        approved_by: str | None = None,
    ) -> Source:
        at = self._now()
        source: Source = {
            "id": ids.new_id(),
            "name": clean_text(name, "source name", limit=MAX_SHORT),
            "kind": check_kind(kind),
            "role": clean_optional(role, "role"),
            "url": clean_optional(url, "url"),
            "aliases": clean_aliases(aliases),
            "notes": clean_optional(notes, "notes", limit=1_000_000),
            "confidential": confidential,
            "reason": clean_optional(reason, "reason"),
            "approved_by": clean_optional(approved_by, "approved-by"),
            "created": at,
            "updated": at,
            "author": self.actor,
        }
        self._check_names_free([source["name"], *source["aliases"]], None)
        kept = self.kept_source(source)
        self.sources.insert_record(kept)
        self.record_event("add", "source", source["id"], None, kept)
        return source

    def edit_source(
        self,
        ref: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        role: str | None = None,
        url: str | None = None,
        add_aliases: Iterable[str] = (),
        remove_aliases: Iterable[str] = (),
        notes: str | None = None,
        confidential: bool | None = None,
        reason: str | None = None,
        approved_by: str | None = None,
    ) -> Source:
        stored = self.get_source(ref)
        before = stored
        edit: dict[str, Any] = {"name": name, "role": role, "url": url, "notes": notes}
        edit |= {"reason": reason, "approved_by": approved_by, "confidential": confidential}
        edit |= {"add_aliases": add_aliases, "remove_aliases": remove_aliases}
        if opens_sealed(stored, edit):
            before = self.opened_source(stored)
        after = cast(Source, dict(before))
        if name is not None:
            after["name"] = clean_text(name, "source name", limit=MAX_SHORT)
        if kind is not None:
            after["kind"] = check_kind(kind)
        if role is not None:
            after["role"] = clean_optional(role, "role")
        if url is not None:
            after["url"] = clean_optional(url, "url")
        if notes is not None:
            after["notes"] = clean_optional(notes, "notes", limit=1_000_000)
        if confidential is not None:
            after["confidential"] = confidential
        if reason is not None:
            after["reason"] = clean_optional(reason, "reason")
        if approved_by is not None:
            after["approved_by"] = clean_optional(approved_by, "approved-by")
        dropped = {fold(a) for a in remove_aliases}
        aliases = [a for a in before["aliases"] if fold(a) not in dropped]
        aliases += [a for a in clean_aliases(add_aliases) if fold(a) not in map(fold, aliases)]
        after["aliases"] = aliases
        self._check_names_free([after["name"], *after["aliases"]], before["id"])
        if after == before:
            return before
        after["updated"] = self._now()
        if stored is not before and after["confidential"] and same_sealed(before, after):
            # Only fields in clear changed: the sealed value stays as it was.
            unsealed = {k: v for k, v in after.items() if k not in SEALED}
            kept = cast(Source, {**stored, **unsealed})
        else:
            kept = self.kept_source(after)
        self.sources.replace_record(kept)
        self.record_event("edit", "source", after["id"], stored, kept)
        if kept.get("sealed") and not stored["confidential"]:
            self._seal_history({kept["id"]})  # its name was in clear until now
        return after

    def remove_source(self, ref: str) -> tuple[Source, list[Link]]:
        source = self.get_source(ref)
        doomed = self.links_of_source(source["id"])
        for link in doomed:
            self.record_event("unlink", "link", link["id"], link, None)
        self.links.delete_records([link["id"] for link in doomed])
        self.record_event("rm", "source", source["id"], source, None)
        self.sources.delete_records([source["id"]])
        return source, doomed

    # -- links ----------------------------------------------------------------------------

    def link(
        self,
        claim_ref: str,
        source_ref: str,
        relation: str,
        *,
        url: str | None = None,
        quote: str | None = None,
        date: str | None = None,
        note: str | None = None,
    ) -> Link:
        """Link a claim to a source (each as a user names it); linking again updates the
        given fields."""
        claim = self.get_claim(claim_ref)
        source = self.get_source(source_ref)
        return self.link_ids(
            claim["id"], source["id"], relation, url=url, quote=quote, date=date, note=note
        )

    def link_ids(
        self,
        claim_id: str,
        source_id: str,
        relation: str,
        *,
        url: str | None = None,
        quote: str | None = None,
        date: str | None = None,
        note: str | None = None,
    ) -> Link:
        """``link`` for a claim and a source given by their IDs, which must exist."""
        relation = check_relation(relation)
        fields = {
            "url": clean_optional(url, "url"),
            "quote": clean_optional(quote, "quote", limit=1_000_000),
            "date": check_date(date, partial=True),
            "note": clean_optional(note, "note", limit=1_000_000),
        }
        siblings = [link for link in self.links_of_claim(claim_id) if link["relation"] == relation]
        for existing in siblings:
            if existing["source"] == source_id:
                updated = cast(Link, dict(existing))
                for key, value in fields.items():
                    if value is not None:
                        updated[key] = value  # type: ignore[literal-required]
                if updated["url"] != existing["url"] and existing.get("archive"):
                    # A snapshot of the old address is no evidence for the new one.
                    updated["archive"] = None
                    updated["verify"] = None
                if updated != existing:
                    self.links.replace_record(updated)
                    self.record_event("link", "link", updated["id"], existing, updated)
                    self._evidence_changed(claim_id, relation)
                return updated
        link: Link = {
            "id": ids.new_id(),
            "claim": claim_id,
            "source": source_id,
            "relation": relation,
            "position": max((s["position"] for s in siblings), default=-1) + 1,
            "url": fields["url"],
            "quote": fields["quote"],
            "date": fields["date"],
            "note": fields["note"],
            "created": self._now(),
            "author": self.actor,
        }
        self.links.insert_record(link)
        self.record_event("link", "link", link["id"], None, link)
        self._evidence_changed(claim_id, relation)
        return link

    def _evidence_changed(self, claim_id: str, relation: str) -> None:
        """Evidence for or against a claim (``supports``, ``disputes``) is a change to the
        claim's case: its ``updated`` moves with it, so listings sorted by it and the
        spreadsheet round trip (which judges edits by it) see the claim as changed."""
        if relation in EVIDENCE_RELATIONS:
            before = cast(Claim, dict(self.claim_by_id(claim_id)))
            self._update_claim(before, cast(Claim, dict(before)), "link", touch=True)

    def link_by_id(self, link_id: str) -> Link | None:
        """A copy of the link with this ID, or None."""
        found = self.store.record("links", link_id)
        return None if found is None else cast(Link, dict(found))

    def get_link(self, prefix: str) -> Link:
        """A copy of the link with this ID or unique ID prefix (as ``log`` and ``show
        --format json`` print them). Raises ``NotFound``, ``Ambiguous``."""
        found = self.store.ids_with_prefix("links", prefix)
        link = self.link_by_id(ids.resolve(prefix, found, "link"))
        if link is None:
            raise NotFound(f"no link matches {prefix!r}")
        return link

    def record_archive(self, link_id: str, archive: Archive) -> Link:
        """Record a snapshot of the link's page (``claimtrack.evidence``), as a change
        that ``log`` shows and ``undo`` reverts; a new snapshot clears the last
        ``verify`` result, which was about the old one. Raises ``NotFound`` when the
        link is gone, ``ValidationError`` when its URL is no longer the one fetched."""
        before = self._link_to_update(link_id, archive["requested"])
        after = cast(Link, dict(before))
        after["archive"] = archive
        after["verify"] = None
        return self._update_link(before, after, "archive")

    def record_verification(self, link_id: str, verification: Verification) -> Link:
        """Record what ``verify`` found for an archived link (a change, as
        ``record_archive``). Raises ``NotFound`` when the link is gone."""
        before = self._link_to_update(link_id, None)
        after = cast(Link, dict(before))
        after["verify"] = verification
        return self._update_link(before, after, "verify")

    def _link_to_update(self, link_id: str, url: str | None) -> Link:
        link = self.link_by_id(link_id)
        if link is None:
            raise NotFound(f"link {ids.short(link_id)} no longer exists")
        if url is not None and link["url"] != url:
            raise ValidationError(f"link {ids.short(link_id)} changed its URL while it was fetched")
        return link

    def _update_link(self, before: Link, after: Link, action: str) -> Link:
        if after == before:
            return before
        self.links.replace_record(after)
        self.record_event(action, "link", after["id"], before, after)
        return after

    def unlink(self, claim_ref: str, source_ref: str, relation: str | None = None) -> list[Link]:
        claim = self.get_claim(claim_ref)
        source = self.get_source(source_ref)
        wanted = check_relation(relation) if relation else None
        doomed = [
            link
            for link in self.links_of_claim(claim["id"])
            if link["source"] == source["id"] and (wanted is None or link["relation"] == wanted)
        ]
        if not doomed:
            how = f" as {wanted}" if wanted else ""
            raise NotFound(
                f"claim {ids.short(claim['id'])} is not linked to {public_name(source)!r}{how}"
            )
        for link in doomed:
            self.record_event("unlink", "link", link["id"], link, None)
        self.links.delete_records([link["id"] for link in doomed])
        return doomed
