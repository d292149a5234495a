"""How a brick is named in a sentence: its title and its label, in French or English.

The catalog holds a brick's name and number as data; the words around them (« brique »,
the French guillemets) are wording, so they live here and not on ``Brick``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from eligibility.wording.i18n import say

if TYPE_CHECKING:  # wording reads the catalog's bricks; it never loads one at import
    from eligibility.catalog.model import Brick


def brick_title(brick: Brick, lang: str) -> str:
    """``Vidéoprotection (brique 3)``: the name first, for headings and table cells."""
    return _said(brick, lang, _TITLES, _title)


def brick_label(brick: Brick, lang: str) -> str:
    """``brique 3 « Vidéoprotection »``: the brick as a phrase inside a sentence."""
    return _said(brick, lang, _LABELS, _label)


def _title(brick: Brick, lang: str) -> str:
    name = brick.name(lang)
    if brick.number:
        return say(lang, f"{name} (brique {brick.number})", f"{name} (brick {brick.number})")
    return name


def _label(brick: Brick, lang: str) -> str:
    number = f" {brick.number}" if brick.number else ""
    name = brick.name(lang)
    return say(lang, f"brique{number} « {name} »", f"brick{number} '{name}'")


# Said once per brick and language: an audit names bricks about fifteen times a commune
# (issue 12). Keyed by identity, the brick kept beside its words (a brick is frozen).
_Said = dict[tuple[int, str], tuple["Brick", str]]
_TITLES: _Said = {}
_LABELS: _Said = {}


def _said(brick: Brick, lang: str, memo: _Said, words: Callable[[Brick, str], str]) -> str:
    found = memo.get((id(brick), lang))
    if found is not None and found[0] is brick:
        return found[1]
    if len(memo) >= 1024:
        memo.clear()
    text = words(brick, lang)
    memo[(id(brick), lang)] = (brick, text)
    return text
