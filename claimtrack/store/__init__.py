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
- **Sidecar index** (``index``): for a large file, a SQLite file in the user's cache
  folder with what listings filter and sort on, and each link's claim, source and
  relation. It is trusted only while the file has exactly the identity (device, inode,
  size, times) it was built for, rebuilt from the file otherwise, and changed only by a
  command holding the lock, after the file is safely written. Deleting it is always
  safe: the JSON file is the only truth.
- **One reading interface** (``snapshot``): ``open_snapshot`` yields a ``Snapshot`` (the
  file parsed whole) or an ``IndexedSnapshot`` (records read through the index as they
  are asked for); callers ask for records, a selection (``filter.ClaimFilter``, applied
  in Python or translated to SQL), links, counts or the history, and never learn which
  answered. Nothing outside this package knows an index exists.
- **Integrity** (``structure``): records filed under another ID, links to nothing.

This module imports nothing, so that the launcher can use ``store.collector`` before
anything heavy is loaded.
"""
