from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import Cli, isolate

# The machine's load is not a test result: a CI runner busy with other work makes input
# generation slow, which Hypothesis would report as a failure ("too_slow"), and examples
# slow, which a deadline would. Every test's own @settings adds to this profile.
settings.register_profile("claimtrack", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("claimtrack")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under ``CLAIMTRACK_TESTS_NO_SKIP=1`` (CI) a skipped test is a failure: CI installs
    every real client a test needs, so a skip there means a test silently did not run."""
    outcome = yield
    report = outcome.get_result()
    no_skip = os.environ.get("CLAIMTRACK_TESTS_NO_SKIP") == "1"
    if no_skip and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        report.longrepr = f"skipped, and CI runs every test: {reason}"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch the developer's real database or depend on their git config."""
    isolate(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "claims.json"


@pytest.fixture
def cli(db_path: Path) -> Cli:
    return Cli(db_path)


@pytest.fixture
def raw_db(db_path: Path) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        return json.loads(db_path.read_text(encoding="utf-8"))

    return read
