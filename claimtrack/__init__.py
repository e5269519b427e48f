"""claimtrack: a claim and source tracker for journalists.

The package is a typed core (``model``, ``ids``, ``storage``, ``db``, ``query``,
``formats``) with a thin Typer layer in ``claimtrack.cli``. The core never imports
Typer or Rich.
"""

__version__ = "0.1.0"
