"""Optional settings in ``claimtrack.toml`` beside the database file.

The file travels with the database (in the same folder, or the same git repository), so
a desk shares one set of settings::

    [organisation]            # the reviewer named in ClaimReview exports
    name = "Desk Fact Check"
    url = "https://factcheck.example.org"
    review_url = "https://factcheck.example.org/claims/{id}"

    [check]                   # pre-publication rules switched off everywhere ...
    disable = ["reported-by-link"]

    [check.stories.serbia-russians]   # ... or for one story
    disable = ["two-sources"]

    [timestamps]              # RFC 3161 authorities ``seal`` asks (none unless named)
    tsa = ["https://freetsa.org/tsr"]
    ca = "freetsa-chain.pem"  # their certificate chains, PEM (beside this file)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimtrack.errors import ClaimtrackError

CONFIG_FILENAME = "claimtrack.toml"


@dataclass
class Config:
    """The settings read from ``claimtrack.toml``: the ClaimReview reviewer, and the
    check rules switched off everywhere and by story slug (``checks.DisabledRules``
    applies them)."""

    path: Path | None = None
    organisation: dict[str, str] = field(default_factory=dict)
    check_disabled: list[str] = field(default_factory=list)
    story_disabled: dict[str, list[str]] = field(default_factory=dict)
    # ``claimtrack seal``'s time-stamping authorities and the PEM file of their
    # certificate chains (``integrity.timestamps``): none unless configured.
    tsa: list[str] = field(default_factory=list)
    tsa_ca: Path | None = None


def config_path(db_path: Path) -> Path:
    return db_path.with_name(CONFIG_FILENAME)


def load(db_path: Path) -> Config:
    path = config_path(db_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ClaimtrackError(f"cannot read {path}: {exc.strerror}") from None
    try:
        # utf-8-sig: a byte order mark, which Windows editors (Notepad) put first, is
        # no TOML; it is dropped, not reported as an error at line 1, column 1.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ClaimtrackError(f"{path} is not valid TOML ({exc})") from None
    return _parse(data, path)


def _strings(value: Any, where: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ClaimtrackError(f"{path}: {where} must be a list of strings")
    return list(value)


def _parse(data: dict[str, Any], path: Path) -> Config:
    config = Config(path=path)
    organisation = data.get("organisation", {})
    if not isinstance(organisation, dict):
        raise ClaimtrackError(f"{path}: [organisation] must be a table")
    for key, value in organisation.items():
        if not isinstance(value, str):
            raise ClaimtrackError(f"{path}: organisation.{key} must be a string")
        config.organisation[key] = value
    check = data.get("check", {})
    if not isinstance(check, dict):
        raise ClaimtrackError(f"{path}: [check] must be a table")
    config.check_disabled = _strings(check.get("disable", []), "check.disable", path)
    stories = check.get("stories", {})
    if not isinstance(stories, dict):
        raise ClaimtrackError(f"{path}: [check.stories] must be a table")
    for story, settings in stories.items():
        if not isinstance(settings, dict):
            raise ClaimtrackError(f"{path}: [check.stories.{story}] must be a table")
        config.story_disabled[story] = _strings(
            settings.get("disable", []), f"check.stories.{story}.disable", path
        )
    stamps = data.get("timestamps", {})
    if not isinstance(stamps, dict):
        raise ClaimtrackError(f"{path}: [timestamps] must be a table")
    config.tsa = _strings(stamps.get("tsa", []), "timestamps.tsa", path)
    ca = stamps.get("ca")
    if ca is not None and not isinstance(ca, str):
        raise ClaimtrackError(f"{path}: timestamps.ca must be a string (a PEM file)")
    config.tsa_ca = path.parent / ca if ca else None
    return config
