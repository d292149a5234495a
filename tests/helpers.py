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


def damaged(text: str, edits: list[tuple[float, str, str]]) -> str:
    """``text`` edited as a person might by mistake: at each (place from 0 to 1, kind,
    token), the token inserted, a character deleted, or the line indented."""
    for where, kind, token in edits:
        at = int(where * len(text))
        if kind == "insert":
            text = text[:at] + token + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1:]
        else:
            start = text.rfind("\n", 0, at) + 1
            text = text[:start] + " " * (len(token) % 3 + 1) + text[start:]
    return text
