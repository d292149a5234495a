"""Shared test fixtures: the shipped catalog. Helpers live in helpers.py and builders.py
(modules a test imports), never here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import ROOT

from eligibility import Catalog, load_catalog


def pytest_configure(config: pytest.Config) -> None:
    # Reports carry when they were generated (their provenance): one fixed instant, the
    # reproducible-builds convention, keeps two runs of a command comparable byte for
    # byte. tests/test_provenance.py tests the clock itself.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "rules")


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    """A copy of the shipped catalog that a test may edit."""
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target
