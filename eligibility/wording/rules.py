"""The words ``eligibility rules list`` and ``rules show`` write around the catalog's own
texts, in French and English (the catalog's messages and labels are its own)."""

from __future__ import annotations

from typing import Any

from eligibility.wording.i18n import colon, say

# What `show` writes around the catalog's own texts, in French and English.
WORDS: dict[str, tuple[str, str]] = {
    "aliases": ("alias", "aliases"),
    "file": ("fichier", "file"),
    "exists_under": ("existe sous", "exists under"),
    "adopted": ("adoption : {date}", "adopted {date}"),
    "requires": ("requiert", "requires"),
    "required_by": ("requise par", "required by"),
    "none": ("aucune", "none"),
    "replaced_by": ("retirée : remplacée par « {brick} » depuis {version}",
                    "withdrawn: replaced by '{brick}' since {version}"),
    "withdrawn": ("retirée : absente de {version}", "withdrawn: not in {version}"),
    "replaces": ("remplace « {brick} » depuis {version}", "replaces '{brick}' since {version}"),
    "common": ("conditions communes à toutes les briques", "conditions common to every brick"),
    "conditions": ("conditions de la brique ({n})", "conditions of the brick ({n})"),
    "n_conditions": ("conditions : {n}", "conditions: {n}"),
    "when": ("quand", "when"),
    "message": ("message", "message"),
    "help": ("aide", "help"),
    "upper_bound": ("plafond : en avoir plus peut faire perdre la brique",
                    "upper bound: more of it can lose the brick"),
    "assumptions": ("hypothèses à confirmer par la DN : {own} dans la brique, {inherited} par "
                    "les briques requises", "assumptions to be confirmed by the DN: {own} in "
                    "the brick, {inherited} through the bricks it requires"),
    "note": ("note", "note"),
    "law": ("loi", "law"),
    "assumption": ("hypothèse", "assumption"),
}




def word(lang: str, key: str, **values: Any) -> str:
    """The word ``key`` in ``lang``, formatted with ``values``."""
    return say(lang, *WORDS[key]).format(**values)


def labelled(lang: str, key: str, **values: Any) -> str:
    """``word :`` in French, ``word:`` in English."""
    return colon(word(lang, key, **values), lang)


def brick_number(number: Any, lang: str) -> str:
    """« brique 9 · » before a brick's name ("" when it has no number)."""
    return f"{say(lang, 'brique', 'brick')} {number} · " if number else ""


def list_footer(count: int, lang: str) -> str:
    gone = say(lang, "(†) retirée de la dernière version", "(†) withdrawn from the latest version")
    return f"{count} {say(lang, 'briques', 'bricks')} · {gone}"


def the_note(lang: str) -> str:
    return say(lang, "la note : ", "the note: ")


def period(start: str | None, end: str | None, lang: str) -> str:
    """« du 2023-05-21 au 2025-03-31 », « jusqu'au … », « à partir du … »."""
    if start and end:
        return say(lang, f"du {start} au {end}", f"from {start} to {end}")
    if end:
        return say(lang, f"jusqu'au {end}", f"until {end}")
    return say(lang, f"à partir du {start}", f"from {start}")
