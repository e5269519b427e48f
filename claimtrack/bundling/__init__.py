"""One file per story that anyone can check without claimtrack: a WACZ bundle.

``claimtrack bundle STORY -o story.wacz`` writes a WACZ 1.1.1 file (the Webrecorder
format that ReplayWeb.page opens and py-wacz's ``wacz validate`` checks: a ZIP holding
WARC files, their CDXJ index, a page list and a Frictionless ``datapackage.json`` that
lists every other member with its SHA-256), laid out as py-wacz lays it out:

- ``archive/<sha256>.warc.gz``: each snapshot of the story's evidence, the evidence
  folder's file copied byte for byte (its request and response records carry the cited
  address and the capture date);
- ``indexes/index.cdx.gz`` and ``indexes/index.idx``: the compressed CDXJ index and its
  summary, written by py-wacz's own indexer (``wacz.waczindexer``);
- ``pages/pages.jsonl``: one page per snapshot, the address the claim cited and when;
- ``claimtrack/record.json``: the story's claims, sources, links (attribution chains,
  each link's snapshot SHA-256) and their history, verdicts included, in ``export
  --format json``'s shape (``claimtrack import`` reads it back);
  ``claimtrack/claims.jsonl``: each claim as ``export --format jsonl`` shows it (links in
  chain order, sources named); ``claimtrack/claimreview.json``: the ClaimReview JSON-LD
  of the claims with a published verdict;
- ``timestamps/<name>``: every file of the ``<db stem>.timestamps/`` folder beside the
  database, copied as it is (a file in a sub-folder is named by its path, ``/`` written
  ``--``: py-wacz's validator reads only two levels of folders);
- ``datapackage.json`` (every member above with its SHA-256 and size) and
  ``datapackage-digest.json`` (the SHA-256 of ``datapackage.json``).

A confidential source appears only as its pseudonym: its record and links leave as
``confidential.withhold_source`` and ``withhold_link`` make them, no sealed value or
commitment leaves (``SEAL_KEYS``), and its links' snapshots stay out of the bundle (the
page names where its words came from). The same database, clock and timestamps folder
give the same bytes: members in a fixed order, stored, dated by the clock
(``layout.zipped``).

``verify`` (``claimtrack bundle --verify``) checks a bundle offline: the digest of
``datapackage.json``, each member's SHA-256 and size against it, no member unlisted,
each WARC record's own digests (warcio), each snapshot against the SHA-256 its link
records in ``record.json``, and the ZIP's own headers against the ones claimtrack
writes. It names each file that does not match.

zipfile, warcio and py-wacz are imported only here, and only when a bundle is made or
checked.
"""

from claimtrack.bundling.verify import BundleCheck, verify_bundle
from claimtrack.bundling.write import Bundled, story_bundle

__all__ = ["BundleCheck", "Bundled", "story_bundle", "verify_bundle"]
