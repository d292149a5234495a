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
        """The sentence in ``lang``; French for any language the catalog does not hold."""
        return str(getattr(self, lang if lang in _LANGS else "fr"))


# The languages a Text holds: its fields (French first, the default).
_LANGS = frozenset({"fr", "en"})
