"""Shared test fixtures: the shipped catalog and the fixture folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility import Catalog, load_catalog

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
COMMUNES = FIXTURES / "communes"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "rules")
