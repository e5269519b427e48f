"""Selecting, sorting and presenting records: the read side shared by every output.

An ``Index`` is built once per command (links by claim, sources by ID) so that a
listing of 100,000 claims does one pass, not one scan per claim.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

import orjson

from claimtrack import ids
from claimtrack.db import Database
from claimtrack.errors import ValidationError
from claimtrack.model import RELATIONS, Claim, Link, Source, check_relation, check_status
from claimtrack.store.index import Selection
from claimtrack.views import ClaimView, LinkView, SourceView

SORT_KEYS = ("created", "updated", "status", "story", "text")
RELATION_ORDER = {relation: index for index, relation in enumerate(RELATIONS)}


def pseudonym(source: Source) -> str:
    # Derived from the ID, so it is stable across commands and machines and reveals nothing.
    return f"Confidential source {ids.short(source['id'])}"


class Index:
    """Sources by ID and links by claim and by source, for one command.

    On a database read through its index (``db.narrow``) a claim's links are fetched
    when first asked for; on one parsed whole, all links are grouped in one pass.
    """

    def __init__(self, db: Database, *, reveal: bool = False) -> None:
        self.db = db
        self.reveal = reveal
        self._by_claim: dict[str, list[Link]] | None = None
        self._by_source: dict[str, list[Link]] | None = None
        self._fetched: dict[str, list[Link]] = {}
        self._link_lines: dict[str, list[bytes]] | None = None
        self._shown: dict[str, tuple[str, bool]] = {}
        self._sorted: set[str] = set()
        self._citing: dict[str, int] | None = None

    def _group(self) -> None:
        by_claim: dict[str, list[Link]] = defaultdict(list)
        for link in self.db._raw("links").values():
            by_claim[link["claim"]].append(link)
        self._by_claim = by_claim

    def group_links(self) -> None:
        """For a command about to show (nearly) every claim: find every claim's links at
        once, and on a read-only indexed database parse each only when it is shown."""
        index = self.db.answering_index
        if index is not None:
            # A read-only database changes nothing, so the file's lines are its records.
            self._link_lines = self.db.link_lines_by_claim()
            self.db._raw("sources")  # every source in one parse, not one lookup each
        elif self._by_claim is None:
            self._group()

    @property
    def sources(self) -> dict[str, Source]:
        """Every source by ID (read whole on first use)."""
        return self.db._raw("sources")

    def source(self, source_id: str) -> Source | None:
        if self.db.narrow and not self.db.loaded("sources"):
            return self.db.source_by_id(source_id)
        return self.sources.get(source_id)

    def source_links(self, source_id: str) -> list[Link]:
        """The links citing a source."""
        if self.db.narrow and self._by_source is None and not self.db.loaded("links"):
            return self.db.links_of_source(source_id)
        return self.links_by_source.get(source_id, [])

    def claims_citing(self, source_id: str) -> int:
        """How many claims a source's links point to."""
        index = self.db.answering_index
        if index is not None:
            # Counted by the index for every source at once: `source list` of a large
            # database reads no link.
            if self._citing is None:
                self._citing = index.claims_citing()
            return self._citing.get(source_id, 0)
        return len({link["claim"] for link in self.source_links(source_id)})

    @property
    def links_by_source(self) -> dict[str, list[Link]]:
        if self._by_source is None:
            by_source: dict[str, list[Link]] = defaultdict(list)
            for link in self.db._raw("links").values():
                by_source[link["source"]].append(link)
            self._by_source = by_source
        return self._by_source

    def display(self, source_id: str) -> tuple[str, bool]:
        """How a source is shown (its name or pseudonym), and whether it is hidden."""
        shown = self._shown.get(source_id)
        if shown is not None:
            return shown
        source = self.source(source_id)
        if source is None:
            shown = (f"(missing source {ids.short(source_id)})", False)
        elif source.get("confidential") and not self.reveal:
            shown = (pseudonym(source), True)
        else:
            shown = (source["name"], False)
        self._shown[source_id] = shown
        return shown

    def name(self, source_id: str) -> str:
        return self.display(source_id)[0]

    def is_confidential(self, source_id: str) -> bool:
        source = self.source(source_id)
        return bool(source and source.get("confidential"))

    def is_hidden(self, source_id: str) -> bool:
        return self.display(source_id)[1]

    def links(self, claim_id: str) -> list[Link]:
        """A claim's links in chain order; sorted when first asked for, not all up front."""
        if self._link_lines is not None:  # parsed afresh each time, kept by nobody
            found = self._link_lines.get(claim_id)
            if not found:
                return []
            # One parse for all of a claim's links, not one each.
            links: list[Link] = orjson.loads(b"[" + b",".join(found) + b"]")
            links.sort(key=_chain_order)
            return links
        if self.db.narrow and self._by_claim is None and not self.db.loaded("claims"):
            # Looked up claim by claim; a command that read every claim wants every link.
            if claim_id not in self._fetched:
                self._fetched[claim_id] = self.db.links_of_claim(claim_id)
            links = self._fetched[claim_id]
        else:
            if self._by_claim is None:
                self._group()
            assert self._by_claim is not None
            links = self._by_claim.get(claim_id, [])
        if claim_id not in self._sorted:
            links.sort(key=_chain_order)
            self._sorted.add(claim_id)
        return links


def _chain_order(link: Link) -> tuple[int, int]:
    return RELATION_ORDER.get(link["relation"], 9), link["position"]


@dataclass
class ClaimFilter:
    statuses: Sequence[str] = ()
    tags: Sequence[str] = ()
    stories: Sequence[str] = ()
    source: str | None = None
    relation: str | None = None
    search: str | None = None
    since: str | None = None
    until: str | None = None
    _source_id: str | None = field(default=None, repr=False)

    def prepare(self, db: Database) -> ClaimFilter:
        """Validate the filter once and resolve names, before scanning any claim."""
        self.statuses = [check_status(s) for s in self.statuses]
        self.tags = [t.strip().lower() for t in self.tags]
        if self.relation is not None:
            self.relation = check_relation(self.relation)
            if self.source is None:
                raise ValidationError("--relation needs --source")
        if self.source is not None:
            self._source_id = db.get_source(self.source)["id"]
        self.since = _day_bound(self.since, "--since", end=False)
        self.until = _day_bound(self.until, "--until", end=True)
        return self

    def matches(self, claim: Claim, index: Index) -> bool:
        if self.statuses and claim["status"] not in self.statuses:
            return False
        if self.tags and not all(tag in claim["tags"] for tag in self.tags):
            return False
        if self.stories and claim.get("story") not in self.stories:
            return False
        if self.since and claim["created"] < self.since:
            return False
        if self.until and claim["created"] > self.until:
            return False
        if self.search:
            needle = self.search.casefold()
            haystack = claim["text"] + "\n" + (claim.get("quote") or "")
            if needle not in haystack.casefold():
                return False
        if self._source_id is not None:
            return any(
                link["source"] == self._source_id
                and (self.relation is None or link["relation"] == self.relation)
                for link in index.links(claim["id"])
            )
        return True


def _day_bound(value: str | None, option: str, *, end: bool) -> str | None:
    """Turn a date (or date-time) into a bound comparable with stored timestamps."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return day.isoformat() + ("T23:59:59.999999Z" if end else "T00:00:00.000000Z")
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{option} {value!r} is not a date", "use YYYY-MM-DD") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def select_claims(
    db: Database,
    flt: ClaimFilter,
    index: Index,
    *,
    sort: str = "created",
    reverse: bool = False,
) -> list[Claim]:
    """Matching claims; by default newest first (``reverse`` flips any order)."""
    if sort not in SORT_KEYS:
        raise ValidationError(f"cannot sort by {sort!r}", "choose one of: " + ", ".join(SORT_KEYS))
    chosen = [c for c in db._raw("claims").values() if flt.matches(c, index)]
    newest_first = sort in ("created", "updated")
    chosen.sort(
        key=lambda c: (c.get(sort) or "", c["created"], c["id"]),
        reverse=newest_first != reverse,
    )
    return chosen


# Up to this many claims (or a tenth of them) a listing reads each claim and its links
# by ID; beyond, it reads every claim and link in one pass.
LOOKUP_LIMIT = 200


def selection(flt: ClaimFilter) -> Selection:
    return Selection(
        statuses=flt.statuses,
        tags=flt.tags,
        stories=flt.stories,
        source_id=flt._source_id,
        relation=flt.relation,
        search=flt.search or None,
        since=flt.since,
        until=flt.until,
    )


def iter_claims(
    db: Database,
    flt: ClaimFilter,
    index: Index,
    *,
    sort: str = "created",
    reverse: bool = False,
    limit: int | None = None,
) -> tuple[Iterator[Claim], int]:
    """The first ``limit`` matching claims in order (newest first by default), and how
    many match in all.

    With an index the filter and the order come from it, and the claims are read from
    the file one at a time as the caller takes them, so that a listing of 100,000 claims
    never holds them all; a short page also reads only its own claims' links.
    """
    if sort not in SORT_KEYS:
        raise ValidationError(f"cannot sort by {sort!r}", "choose one of: " + ", ".join(SORT_KEYS))
    if db.narrow and db.index is not None:
        newest_first = sort in ("created", "updated")
        found, total = db.index.select(selection(flt), sort, newest_first != reverse, limit)
        # Reading a claim and its links by ID costs about ten times what reading it in a
        # pass over the whole file does: a pass is for listings of a tenth or more.
        if len(found) > max(LOOKUP_LIMIT, db.index.claim_count() // 10):
            index.group_links()
            if not db.writable:
                lines = db.claim_lines()
                return (orjson.loads(lines[claim_id]) for claim_id in found), total
        return (db.peek_claim(claim_id) for claim_id in found), total
    chosen = select_claims(db, flt, index, sort=sort, reverse=reverse)
    return iter(chosen if limit is None else chosen[:limit]), len(chosen)


def claim_view(claim: Claim, index: Index) -> ClaimView:
    """A claim as users see it: its fields plus its sources, chain order kept."""
    links = [link_view(link, index) for link in index.links(claim["id"])]
    said: list[str] = []
    reported: list[str] = []
    for link in links:
        relation = link["relation"]
        if relation == "said-by":
            said.append(link["source"])
        elif relation == "reported-by":
            reported.append(link["source"])
    return {**claim, "said_by": said, "reported_by": reported, "links": links}


def link_view(link: Link, index: Index) -> LinkView:
    source = link["source"]
    name, hidden = index.display(source)
    if hidden:
        # A link's URL, quote and note can name a protected source as surely as its name.
        link = withhold_link(link)
    return {
        "id": link["id"],
        "relation": link["relation"],
        "source_id": source,
        "source": name,
        "url": link.get("url"),
        "quote": link.get("quote"),
        "date": link.get("date"),
        "note": link.get("note"),
        "position": link.get("position", 0),
    }


WITHHELD = "[withheld: confidential source]"


def withhold_source(source: Source) -> Source:
    """A confidential source as it may leave the database: a pseudonym and nothing else."""
    hidden = cast(Source, dict(source))
    hidden["name"] = pseudonym(source)
    hidden["aliases"] = []
    for key in ("role", "url", "notes", "approved_by"):
        hidden[key] = None  # type: ignore[literal-required]
    if hidden.get("reason"):
        hidden["reason"] = WITHHELD
    return hidden


def withhold_link(link: Link) -> Link:
    hidden = cast(Link, dict(link))
    for key in ("url", "quote", "note"):
        if hidden.get(key):
            hidden[key] = WITHHELD  # type: ignore[literal-required]
    return hidden


def source_view(source: Source, index: Index) -> SourceView:
    if source.get("confidential") and not index.reveal:
        source = withhold_source(source)
    return {**source, "claims": index.claims_citing(source["id"])}


def source_claims(source: Source, db: Database, index: Index) -> list[tuple[str, Claim]]:
    """(relations, claim) for every claim that cites the source once, newest first."""
    relations: dict[str, list[str]] = {}
    for link in index.source_links(source["id"]):
        if db.has_claim(link["claim"]):
            relations.setdefault(link["claim"], []).append(link["relation"])
    pairs = [
        (", ".join(sorted(set(found), key=RELATION_ORDER.__getitem__)), db.claim_by_id(claim_id))
        for claim_id, found in relations.items()
    ]
    pairs.sort(key=lambda pair: pair[1]["created"], reverse=True)
    return pairs


def sources_sorted(sources: Iterable[Source]) -> list[Source]:
    return sorted(sources, key=lambda s: (s["name"].casefold(), s["id"]))
