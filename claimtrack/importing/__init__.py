"""Other files into the database: claimtrack's own exports (JSON, JSON Lines, read a
few thousand records at a time by ``bundle_stream``), CSV and TSV from spreadsheets,
other desks' ClaimReview, and the claims ``extract`` found (``candidates``).

An import is three steps, a module each: ``read`` parses and validates every record,
``plan`` compares them with the database, ``apply`` writes the plan in one change;
``importer`` runs the three."""
