"""The storage engine: one JSON file that belongs to the user, read and written safely.

The design, piece by piece:

- **File format** (``fileformat``): one JSON object of tables (``_meta``, ``claims``,
  ``links``, ``sources``, ``events``), each an object of records by ID. Written with
  tables in name order, one record per line in ID order and keys sorted, so that a
  change to a record is one line of a `git diff`. Parsed strictly (no duplicate keys,
  NaN or numbers too large to keep) and migrated forward on open.
- **Lock and atomic replace** (``files``): every command that writes holds the
  operating system's lock on ``<file>.lock`` for its whole read-modify-write, and
  replaces the file by writing a new one beside it, fsyncing it and renaming it into
  place: a reader or a crash sees the old file or the new one, never a mix.
- **TinyDB's role** (``adapter``): TinyDB gives the record API (tables keyed by
  claimtrack's string IDs) over a snapshot that the store itself reads and saves once
  per command; TinyDB never touches the file.
- **Layout and splice** (``layout``): in a file in that layout a record is found by
  binary search over its table's lines, and a write of a few records copies the
  unchanged byte ranges around them (a splice) instead of writing every record again.
- **One query engine** (``index``, ``rows``, ``filter``, ``terms``): one SQLite schema answers
  every question a command asks (a selection and its order, links by claim or source,
  IDs by prefix, sources by name, merged IDs, ``similar``'s candidates, counts, and the
  structural checks: records filed under another ID, links to nothing). For a large
  file it lives in the user's cache folder in WAL mode, trusted only while the file has
  exactly the identity (device, inode, size, times) it was built for, rebuilt from the
  file otherwise; for a small one it is filled in memory as the file is parsed.
  Deleting the cache is always safe: the JSON file is the only truth.
- **One command's view** (``snapshot``): ``open_snapshot`` yields a ``Snapshot``:
  records from the parsed file or, through the cache, read by ID from the file's
  layout; each change a command makes reaches the schema's rows before its next
  question, and the cache's transaction commits only after the file is renamed into
  place. Nothing outside this package knows an index exists. docs/storage.md tells the
  design whole.

This module imports nothing, so that the launcher can use ``store.collector`` and
``store.user_cache`` before anything heavy is loaded.
"""
