"""claimtrack: a claim and source tracker for journalists.

The folders are the architecture. ``claimtrack.cli`` is a thin Typer layer: each
command opens the database, makes one call on the core and renders the result (Rich is
used there only). The core never imports Typer or Rich: the domain at the package root
(``model``, ``ids``, ``records``, ``db``, ``query``, ``views``, ``confidential``,
``history``, ``checks``, ``stats``), the storage engine in ``claimtrack.store``, reading
other files into the database in ``claimtrack.importing``, writing it out in
``claimtrack.exporting``, git's merge driver, set-up and conflict resolution in
``claimtrack.git``, and the article pipeline in ``claimtrack.extract``.
"""

__version__ = "0.1.0"
