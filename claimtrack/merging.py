"""Merging records that are one: a claim recorded twice, two names for one source.

``plan_claims(db, refs)`` and ``plan_sources(db, refs)`` work out what a merge would do
and change nothing (``--dry-run``, and the question asked first); ``apply(db, plan)``
does it as one change, which ``undo`` reverts whole.

The first record named survives, under its own ID. The others are deleted, and their
IDs go into the survivor's ``merged`` list: whatever held an old ID (a script, a memo,
a colleague's message) still finds the survivor, because ``Database.get_claim`` and
``get_source`` look there when no record has the ID. A merged record never appears as
a record of its own again (listings, exports, ``check`` and ``stats`` see only the
survivor), and its history stays under its ID, which ``log`` of the survivor shows.

Links move by changing their claim (or source), so a link keeps its ID and history. Two
links that would say the same thing (the same source and relation on one claim) become
one: the survivor's link keeps its values, takes the ones it lacked from the other
(URL, quote, date, note; the snapshot with the URL) and notes any value that differed,
so that no evidence is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from claimtrack import ids
from claimtrack.confidential import is_confidential, public_name
from claimtrack.errors import ValidationError
from claimtrack.model import Claim, Link, Source, fold, has_verdict
from claimtrack.records import clean_aliases, clean_tags

if TYPE_CHECKING:
    from claimtrack.db import Database

# A link's fields that a folded duplicate fills in when the kept link has none.
LINK_FIELDS = ("url", "quote", "date", "note")
# The action of a merge's history events (``log`` shows it; ``undo`` reverts them).
ACTION = "merge"


@dataclass
class Merge:
    """What a merge does: ``survivor`` as it is and ``result`` as it will be (its
    ``updated`` is set when applied); the ``others`` it absorbs, in the order given;
    ``links``: each link that changes, as (before, after), after None for a duplicate
    folded into the survivor's link. ``kind`` is "claim" or "source"."""

    kind: Literal["claim", "source"]
    survivor: dict[str, Any]
    result: dict[str, Any]
    others: list[dict[str, Any]]
    links: list[tuple[Link, Link | None]] = field(default_factory=list)
    # Said-by links of the others that would give a claim with a verdict a new claimant
    # (``plan_claims``): moved when ``claimants`` was allowed, else left out (deleted
    # with their claim, and named in the merge note).
    claimants: list[Link] = field(default_factory=list)
    claimants_added: bool = True

    @property
    def moved(self) -> int:
        """How many links move to the survivor."""
        return sum(1 for before, after in self.links if after is not None and _moves(before, after))

    @property
    def left_out(self) -> list[Link]:
        """The said-by links not moved to a survivor with a verdict (``claimants``)."""
        return [] if self.claimants_added else list(self.claimants)

    @property
    def folded(self) -> int:
        """How many duplicate links become one with a link the survivor has."""
        return sum(1 for _, after in self.links if after is None) - len(self.left_out)

    @property
    def exposes(self) -> bool:
        """Whether a public survivor absorbs a confidential source: the survivor
        becomes confidential (a confidential source stays one), so its name is
        withheld wherever it is cited from now on."""
        return (
            self.kind == "source"
            and not is_confidential(self.survivor)
            and any(is_confidential(other) for other in self.others)
        )


def _moves(before: Link, after: Link) -> bool:
    return before["claim"] != after["claim"] or before["source"] != after["source"]


def _distinct(records: Iterable[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = []
    for record in records:
        if any(record["id"] == seen["id"] for seen in chosen):
            raise ValidationError(
                f"{what} {ids.short(record['id'])} is named twice",
                f"an ID that was merged before names the {what} it was merged into",
            )
        chosen.append(record)
    if len(chosen) < 2:
        raise ValidationError(f"a merge needs two {what}s or more", f"name the {what}s to merge")
    return chosen


def _merged_ids(survivor: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> list[str]:
    """The survivor's ``merged`` list after the merge: its own, then each other's ID
    and the IDs merged into that one (so a chain of merges resolves in one step)."""
    result = list(survivor.get("merged") or [])
    for other in others:
        for record_id in (other["id"], *(other.get("merged") or [])):
            if record_id not in result:
                result.append(record_id)
    return result


# -- claims -------------------------------------------------------------------------------


def plan_claims(db: Database, refs: Sequence[str], *, claimants: bool = True) -> Merge:
    """What merging the claims ``refs`` (IDs or prefixes, the survivor first) would do.

    The survivor keeps its text, status and rating; it takes the others' tags, quantities
    and notes (in time order), a quote or story when it has none, and a note per merged
    claim giving its ID and text (and its status, rating, story and quote when they
    differ). A quantity that contradicts one of the survivor's (the same thing counted,
    another figure: ``conflicting``) is not taken: the note names it. When the survivor
    has a verdict (``model.has_verdict``), a said-by link that would give it a new
    claimant is in ``Merge.claimants``; it moves only when ``claimants`` is true, else it
    is deleted with its claim and the note names it (a claimant someone removed must not
    come back onto a verified claim unasked). Raises ``NotFound``, ``Ambiguous``, and
    ``ValidationError`` for fewer than two claims or one named twice.
    """
    claims = cast(list[Claim], _distinct((dict(db.get_claim(r)) for r in refs), "claim"))
    survivor, others = claims[0], claims[1:]
    result = cast(Claim, dict(survivor))
    result["tags"] = clean_tags([*survivor["tags"], *(t for o in others for t in o["tags"])])
    quantities = list(survivor["quantities"])
    refused: dict[str, list[str]] = {}
    for other in others:
        for quantity in other["quantities"]:
            if quantity in quantities:
                continue
            if conflicting(quantity, survivor["quantities"]):
                refused.setdefault(other["id"], []).append(f"quantity {quantity.get('text')!r}")
                continue
            quantities.append(quantity)
    result["quantities"] = quantities
    notes = list(survivor["notes"])
    for other in others:
        notes += [n for n in other["notes"] if n not in notes]
        for key in ("quote", "story"):
            if result[key] is None and other[key] is not None:
                result[key] = other[key]
    notes.sort(key=lambda note: note["at"])
    result["merged"] = _merged_ids(survivor, others)
    links = _Links()
    links.current.update(
        ((k["source"], k["relation"]), dict(k)) for k in db.links_of_claim(survivor["id"])
    )
    held: list[Link] = []
    for other in others:
        for link in sorted(db.links_of_claim(other["id"]), key=lambda k: k["position"]):
            pair = (link["source"], link["relation"])
            if pair in links.current:
                links.fold(pair, link, f"claim {ids.short(other['id'])}")
                continue
            if link["relation"] == "said-by" and has_verdict(survivor):
                held.append(link)
                if not claimants:
                    source = db.record_of("source", link["source"])
                    name = public_name(source) if source else ids.short(link["source"])
                    refused.setdefault(other["id"], []).append(f"said-by {name!r}")
                    links.drop(link)
                    continue
            moved = cast(Link, dict(link))
            moved["claim"] = survivor["id"]
            moved["position"] = 1 + max(
                (
                    k["position"]
                    for k in links.current.values()
                    if k["relation"] == link["relation"]
                ),
                default=-1,
            )
            links.move(pair, link, moved)
    notes += [
        db.new_note(_merge_note(survivor, other, refused.get(other["id"], []))) for other in others
    ]
    result["notes"] = notes
    return Merge(
        "claim",
        dict(survivor),
        dict(result),
        [dict(o) for o in others],
        links.changes(),
        claimants=held,
        claimants_added=claimants,
    )


def conflicting(quantity: Mapping[str, Any], kept: Iterable[Mapping[str, Any]]) -> bool:
    """Whether ``quantity`` contradicts one of ``kept``: it counts the same thing (its
    ``counted``, case aside; none and none match) with another figure (value, low or
    high), as "11%" against a claim's "13%"."""

    def counted(q: Mapping[str, Any]) -> str:
        return str(q.get("counted") or "").casefold().strip()

    def figure(q: Mapping[str, Any]) -> tuple[Any, ...]:
        return (q.get("value"), q.get("low"), q.get("high"))

    return any(counted(k) == counted(quantity) and figure(k) != figure(quantity) for k in kept)


def _merge_note(survivor: Claim, other: Claim, refused: Sequence[str] = ()) -> str:
    differs = [
        f"{key} {other[key]!r}"
        for key in ("status", "rating", "story", "quote")
        if other[key] is not None and other[key] != survivor[key]
    ]
    extra = f" ({'; '.join(differs)})" if differs else ""
    left = (
        f" Not taken, as it contradicts this claim or its verdict: {'; '.join(refused)}."
        if refused
        else ""
    )
    return f"Merged claim {ids.short(other['id'])} into this one{extra}: {other['text']}{left}"


# -- sources ------------------------------------------------------------------------------


def plan_sources(db: Database, refs: Sequence[str]) -> Merge:
    """What merging the sources ``refs`` (names, aliases or IDs, the survivor first)
    would do.

    The survivor keeps its name; the others' names and aliases become its aliases; it
    takes a kind, role, URL, reason or approval it lacks from the first other that has
    one, and the others' notes after its own. It is confidential if any of them was
    (``Merge.exposes`` says when that changes a public source). Their links move to it;
    a link to a claim the survivor is already linked to in the same relation folds into
    that link. Raises ``NotFound``, ``Ambiguous``, and ``ValidationError`` for fewer than
    two sources or one named twice.
    """
    # A sealed source's fields are merged as what they hold (a recipient's merge).
    found = (db.opened_source(db.get_source(r)) for r in refs)
    sources = cast(list[Source], _distinct((dict(s) for s in found), "source"))
    survivor, others = sources[0], sources[1:]
    result = cast(Source, dict(survivor))
    names = [n for o in others for n in (o["name"], *o["aliases"])]
    own = fold(survivor["name"])
    result["aliases"] = [a for a in clean_aliases([*survivor["aliases"], *names]) if fold(a) != own]
    if result["kind"] == "unknown":
        result["kind"] = next((o["kind"] for o in others if o["kind"] != "unknown"), "unknown")
    for key in ("role", "url", "reason", "approved_by"):
        if result[key] is None:
            result[key] = next(
                (o[key] for o in others if o[key] is not None),
                None,
            )
    notes = [n for n in (survivor["notes"], *(o["notes"] for o in others)) if n]
    result["notes"] = "\n\n".join(dict.fromkeys(notes)) or None
    result["confidential"] = any(s["confidential"] for s in sources)
    result["merged"] = _merged_ids(survivor, others)
    links = _Links()
    links.current.update(
        ((k["claim"], k["relation"]), dict(k)) for k in db.links_of_source(survivor["id"])
    )
    for other in others:
        for link in db.links_of_source(other["id"]):
            pair = (link["claim"], link["relation"])
            if pair in links.current:
                links.fold(pair, link, f"source {ids.short(other['id'])}")
                continue
            moved = cast(Link, dict(link))
            moved["source"] = survivor["id"]  # its place in the claim's chain stays
            links.move(pair, link, moved)
    return Merge("source", dict(survivor), dict(result), [dict(o) for o in others], links.changes())


# -- links --------------------------------------------------------------------------------


def fold_link(kept: Mapping[str, Any], duplicate: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """``kept`` with what ``duplicate`` adds: each of ``LINK_FIELDS`` it lacks (and the
    duplicate's snapshot with its URL), and a line in its note for each value that
    differed ("from merged claim 3f9k2ab: url https://..."), ``origin`` naming where
    the duplicate came from. Used by ``merge`` and the git merge driver alike."""
    result = dict(kept)
    differed: list[str] = []
    for key in LINK_FIELDS:
        theirs = duplicate.get(key)
        if theirs is None or theirs == result.get(key):
            continue
        if result.get(key) is None:
            result[key] = theirs
            if key == "url" and duplicate.get("archive") is not None:
                result["archive"] = duplicate["archive"]
                result["verify"] = duplicate.get("verify")
        else:
            differed.append(f"{key} {theirs}")
    line = f"From merged {origin}: {'; '.join(differed)}"
    note = result.get("note")
    # a line the note holds already is not written twice: folding the same link
    # again (an import of the same file) changes nothing
    if differed and line not in (note or ""):
        result["note"] = f"{note}\n{line}" if note else line
    return result


class _Links:
    """The links a merge changes, worked out one at a time: ``current`` holds each
    (claim or source, relation) the survivor has a link for, as the merge leaves it."""

    def __init__(self) -> None:
        self.current: dict[tuple[str, str], dict[str, Any]] = {}
        self._before: dict[str, Link] = {}
        self._after: dict[str, Link | None] = {}  # in the order first changed
        self.dropped: set[str] = set()

    def move(self, key: tuple[str, str], link: Link, moved: Link) -> None:
        self._before[link["id"]] = link
        self._after[link["id"]] = moved
        self.current[key] = dict(moved)

    def fold(self, key: tuple[str, str], duplicate: Link, origin: str) -> None:
        """Fold ``duplicate`` into the link ``key`` names (the survivor's, or one
        moving to it)."""
        kept = self.current[key]
        folded = fold_link(kept, duplicate, origin)
        if folded != kept:
            self._before.setdefault(kept["id"], cast(Link, dict(kept)))
            self._after[kept["id"]] = cast(Link, folded)
            self.current[key] = folded
        self._before[duplicate["id"]] = duplicate
        self._after[duplicate["id"]] = None

    def drop(self, link: Link) -> None:
        """Delete ``link`` with its claim instead of moving it."""
        self._before[link["id"]] = link
        self._after[link["id"]] = None
        self.dropped.add(link["id"])

    def changes(self) -> list[tuple[Link, Link | None]]:
        return [(self._before[i], after) for i, after in self._after.items()]


# -- applying -----------------------------------------------------------------------------


def apply(db: Database, plan: Merge) -> dict[str, Any]:
    """Do what ``plan`` says, as events of one change (action ``merge``), and return
    the survivor as saved. ``plan`` must come from this command's ``db``."""
    for before, after in plan.links:
        if after is None:
            db.remove_record("link", before["id"])
        else:
            db.put_record("link", after)
        db.record_event(ACTION, "link", before["id"], before, after)
    for other in plan.others:
        db.remove_record(plan.kind, other["id"])
        db.record_event(ACTION, plan.kind, other["id"], other, None)
    result = dict(sorted({**plan.result, "updated": db.timestamp()}.items()))
    db.put_record(plan.kind, result)
    db.record_event(ACTION, plan.kind, result["id"], plan.survivor, result)
    return result
