"""A sentence in both languages, the one shape every bilingual text of the catalog takes.

Its own module so that the catalog's files (``model``) and its fact vocabulary
(``vocabulary``) share it without importing each other.
"""

from __future__ import annotations

from pydantic import Field

from eligibility.documents.strict import StrictModel


class Data(StrictModel):
    """What a catalog file holds: the one strict base (unknown keys refused, frozen)."""


class Text(Data):
    """A sentence in both languages."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr
