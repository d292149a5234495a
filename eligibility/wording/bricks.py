"""How a brick is named in a sentence: its title and its label, in French or English.

The catalog holds a brick's name and number as data; the words around them (« brique »,
the French guillemets) are wording, so they live here and not on ``Brick``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eligibility.wording.i18n import say

if TYPE_CHECKING:  # wording reads the catalog's bricks; it never loads one at import
    from eligibility.catalog.model import Brick


def brick_title(brick: Brick, lang: str) -> str:
    """``Vidéoprotection (brique 3)``: the name first, for headings and table cells."""
    name = brick.name(lang)
    if brick.number:
        return say(lang, f"{name} (brique {brick.number})", f"{name} (brick {brick.number})")
    return name


def brick_label(brick: Brick, lang: str) -> str:
    """``brique 3 « Vidéoprotection »``: the brick as a phrase inside a sentence."""
    number = f" {brick.number}" if brick.number else ""
    name = brick.name(lang)
    return say(lang, f"brique{number} « {name} »", f"brick{number} '{name}'")
