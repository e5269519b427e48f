"""The demo data made by hand from the seed article, shipped in the wheel."""

from __future__ import annotations

from pathlib import Path

from claimtrack.db import Database
from claimtrack.errors import ClaimtrackError
from claimtrack.importing import importer

SEED_CLAIMS = "serbia-russian-refugees.claims.json"


def seed_file(name: str = SEED_CLAIMS) -> Path:
    package = Path(__file__).resolve().parent
    # Installed wheels carry seeds/ inside the package; a source checkout has it beside.
    for folder in (package / "seeds", package.parent / "seeds"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise ClaimtrackError(f"demo data {name} is missing from this installation")


def load_demo(db: Database) -> str:
    """Loads the demo data; returns the import's summary."""
    path = seed_file()
    incoming = importer.read(path.read_bytes(), "json", str(path))
    plan = importer.plan(db, incoming)
    summary = plan.summary()
    importer.apply(db, plan)
    return summary
