"""claimtrack: a claim and source tracker for journalists.

The folders are the architecture. ``claimtrack.cli`` is a thin Typer layer: each
command parses, makes one call on the use cases (``claimtrack.operations.Desk``, which
decides when the database is opened, locked and saved) and renders the result (Rich is
used there only). The core never imports Typer or Rich (``lint-imports`` checks it):
the domain at the package root (``model``, ``ids``, ``records``, ``db``, ``history``,
``merging``), what commands show (``views``), what leaves the database about a
confidential source and how it is sealed (``confidential``), what is worked out from
the records (``analysis``: checks, stats, similar), the storage engine
(``claimtrack.store``), other files in (``claimtrack.importing``) and the database out
(``claimtrack.exporting``), git's merge driver and set-up (``claimtrack.git``), the one
HTTP policy (``claimtrack.net``), evidence (``claimtrack.evidence``) and the article
pipeline (``claimtrack.extract``).
"""

__version__ = "0.1.0"
