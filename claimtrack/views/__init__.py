"""Records as commands print them: the JSON contract of ``--format json`` and ``jsonl``.

Editors' scripts, CMS importers and ``jq`` pipelines read these shapes, so a key is added
here first and never renamed or dropped silently. ``claimtrack.views.presenter`` builds them
(``claim_view``, ``link_view``, ``source_view``); CSV and TSV print the same fields as
columns, lists joined with "; ". Dates are UTC ISO 8601 text (``2024-02-26T14:00:00.000000Z``);
IDs are the full 16 characters. Keys print in the order below within each group: a
record's stored fields in alphabetical order, then the fields a view adds.

``ClaimView``: a claim, from ``list``, ``show``, ``add``, ``edit``, ``status``, ``note``,
``link`` and ``unlink``:

- ``author``: who recorded the claim (``$CLAIMTRACK_USER``, git's user.name or the login).
- ``created``, ``updated``: when it was recorded and last changed.
- ``id``: the claim's ID.
- ``merged``: the IDs of the claims merged into this one (``claimtrack merge``), which
  still find it; only present on a claim that absorbed others.
- ``notes``: dated notes, oldest first, each ``{"at", "author", "text"}``.
- ``quantities``: numbers in the text, each ``{"text", "value", "low", "high",
  "qualifier", "counted"}`` (``"at least a dozen"``: 12, ``"at least"``, ``"entry bans"``).
- ``quote``: the verbatim wording, or null.
- ``rating``: the published verdict wording, or null.
- ``review``: present once a published fact-check is recorded for the claim:
  ``{"url"}`` for this desk's (``status ... --review-url``), ``{"url", "by", "date"}``
  for another desk's verdict read from its ClaimReview (``by``: the reviewing
  organisation; ``date``: when it published the review).
- ``status``: one of ``claimtrack.model.STATUSES``.
- ``story``: the story slug, or null.
- ``tags``: tags, lower case, in the order they were added.
- ``text``: the claim in the journalist's words.
- ``said_by``: names of the claimants (said-by links), in link order.
- ``reported_by``: names of who published it, first to last: the chain of attribution.
- ``links``: every link of the claim, as ``LinkView``: by relation (said-by,
  reported-by, supports, disputes), then by position.

``LinkView``: one claim -> source link:

- ``id``: the link's ID.
- ``relation``: one of ``claimtrack.model.RELATIONS``.
- ``source_id``: the source's ID.
- ``source``: the source's name (a pseudonym for a confidential one).
- ``url``, ``quote``, ``date``, ``note``: where and how the source says it, or null.
- ``position``: the link's place among the claim's links of its relation, from 0.
- ``archive``: the snapshot ``claimtrack archive`` kept of the page, or null: ``at``
  (when it was fetched), ``requested`` (the link's URL then), ``url`` (the final URL
  after redirects), ``status`` (HTTP status, an integer), ``sha256`` (of the response
  body; names ``<sha256>.warc.gz`` and ``<sha256>.txt`` in the evidence folder),
  ``text_sha256`` (of the page's main text, normalised), ``wayback`` (the Internet
  Archive's copy, or null).
- ``verify``: what the last ``claimtrack verify`` found, or null: ``result`` (one of
  ``claimtrack.model.VERIFY_RESULTS``: unchanged, changed, quote-missing, gone,
  unreachable), ``since`` (when verify first found it), ``status`` (HTTP status, or
  null when nothing answered), ``checked`` (when verify last looked; absent before it
  recorded that), ``numbers_gone`` (for ``changed``: figures on the snapshot no longer
  on the page, such as "13%"; absent when none).

``SourceView``: a source, from ``source list``, ``source add``, ``source edit`` and
``source rm``:

- ``aliases``: other names it is known by.
- ``approved_by``: the editor who approved anonymity, or null.
- ``author``, ``created``, ``updated``, ``id``: as for a claim.
- ``confidential``: true for a source anonymous in print.
- ``kind``: one of ``claimtrack.model.SOURCE_KINDS``.
- ``merged``: the IDs of the sources merged into this one (``claimtrack source merge``);
  only present on a source that absorbed others.
- ``name``: the name to cite.
- ``notes``: free notes, or null.
- ``reason``: why anonymity was granted, or null.
- ``role``: role or affiliation, or null.
- ``url``: home page or profile, or null.
- ``claims``: how many claims it is linked to (``source rm``: how many it was).

A confidential source, unless the command was given ``--reveal``, shows a pseudonym for
``name`` (``Confidential source 3f9k2ab``), no ``aliases``, null ``role``, ``url``,
``notes`` and ``approved_by``, and ``reason`` withheld; its links' ``url``, ``quote``
and ``note`` are withheld too, and so are their ``archive``'s ``requested``, ``url``,
``sha256``, ``text_sha256`` and ``wayback`` (``claimtrack.confidential``).

``ArchiveReport``: a line of ``claimtrack archive``, one per link it was asked about:

- ``link``, ``claim``: the link's and its claim's IDs.
- ``source``: the source's name (a pseudonym for a confidential one); ``relation``.
- ``url``: the link's URL.
- ``result``: ``archived`` (a snapshot was kept), ``kept`` (archived before; ``--again``
  fetches it anew) or ``failed``.
- ``at``, ``status``, ``final_url``, ``snapshot`` (the SHA-256): of the snapshot, or null.
- ``error``: why it failed, one line, or null.
- ``quote_found``: whether the link's quote is on the archived page (null: no quote or
  no snapshot).
- ``wayback``: the Internet Archive's public copy of the page (``--wayback``), or null;
  ``wayback_error``: why a copy asked for is missing, one line, or null.
- ``warning``: what to know about a snapshot kept, one line, or null: the page has no
  text, or the files kept before were changed and have been written anew.

``VerifyReport``: a line of ``claimtrack verify``:

- ``link``, ``claim``, ``source``, ``relation``, ``url``: as in ``ArchiveReport``.
- ``result``: one of ``VERIFY_RESULTS``.
- ``status``: the HTTP status now, or null when nothing answered.
- ``archived``: when the snapshot compared with was taken; ``snapshot``: its SHA-256.
- ``detail``: what differs or failed, one line, or null; for ``changed``, the
  sentences altered, removed and added, the figures that changed ("13% -> 11%") and
  how alike the texts are (100% only when they are the same).
- ``diff``: for ``changed``, a unified diff of the kept main text and the page's now,
  one sentence per line, no context; else null.

For a confidential source's link, unless ``--reveal``: ``url``, ``final_url``,
``snapshot``, ``wayback`` and ``error`` / ``detail`` are withheld.

``SourceDetailView``: ``source show``, a ``SourceView`` and:

- ``cited_by``: the claims that cite it, newest first, each a ``ClaimView`` preceded by
  ``relation``: how the source is linked to it (``"said-by"``, or several joined by
  ``", "`` in ``RELATIONS`` order, as ``"said-by, supports"``).

``ExportedClaimView``: a line of ``export --format jsonl``, a ``ClaimView`` and:

- ``sources``: every source its links cite, as ``SourceView``, by ID.

``SimilarView``: a line of ``claimtrack similar``, a ``ClaimView`` and:

- ``score``: how alike, 0 to 100 (an integer; ``claimtrack.analysis.similar`` says how it is
  worked out); 85 and more is a near-duplicate.
- ``why``: the reasons in words, each a string: ``"shared words: deported, serbia"``,
  ``"same numbers: at least 12 = a dozen"``, ``"different numbers: 12 vs 14"``,
  ``"same claimant: NAME"`` (a pseudonym for a confidential source).
- ``verdict_by``: whose verdict the claim's status is: null for this desk's own, the
  reviewing organisation's name for another desk's (an imported ClaimReview).
"""

# No ``from __future__ import annotations`` here: a TypedDict made from string
# annotations compiles each of them when the class is made, which cost every
# command some milliseconds of start-up (docs/performance.md).

from typing import TypedDict

from claimtrack.model import Archive, Claim, Relation, Source, Verification, VerifyResult


class LinkView(TypedDict):
    id: str
    relation: Relation
    source_id: str
    source: str
    url: str | None
    quote: str | None
    date: str | None
    note: str | None
    position: int
    archive: Archive | None
    verify: Verification | None


class ArchiveReport(TypedDict):
    link: str
    claim: str
    source: str
    relation: Relation
    url: str
    result: str
    at: str | None
    status: int | None
    final_url: str | None
    snapshot: str | None
    error: str | None
    quote_found: bool | None
    wayback: str | None
    wayback_error: str | None
    warning: str | None


class VerifyReport(TypedDict):
    link: str
    claim: str
    source: str
    relation: Relation
    url: str
    result: VerifyResult
    status: int | None
    archived: str | None
    snapshot: str | None
    detail: str | None
    diff: str | None


class ClaimView(Claim):
    said_by: list[str]
    reported_by: list[str]
    links: list[LinkView]


class SourceView(Source):
    claims: int


class CitingClaimView(ClaimView):
    relation: str


class SourceDetailView(SourceView):
    cited_by: list[CitingClaimView]


class ExportedClaimView(ClaimView):
    sources: list[SourceView]


class SimilarView(ClaimView):
    score: int
    why: list[str]
    verdict_by: str | None
