"""Shared test helpers: where the checkout's files are (import them; conftest only holds
fixtures, and pytest's rootdir-relative conftest is no module to import from)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
COMMUNES = FIXTURES / "communes"
POULX = COMMUNES / "30206-poulx.yaml"
