"""Shared test helpers: where the checkout's files are (import them; conftest only holds
fixtures, and pytest's rootdir-relative conftest is no module to import from)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
COMMUNES = FIXTURES / "communes"
POULX = COMMUNES / "30206-poulx.yaml"
RULES = ROOT / "rules"


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file (of a copied catalog), which must be there: a
    test editing text that is gone would test nothing."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
