"""Export formats beyond the listing formats: rebuildable JSON, memo, ClaimReview, SQLite.

Each exporter is a module of its own, imported only when its format is asked for.
"""

from __future__ import annotations

EXPORT_FORMATS = ("json", "jsonl", "csv", "tsv", "markdown", "claimreview", "sqlite")
