"""The web pages' own words, in French and English: the web layer asks here, never
compares a language itself.

One small table keyed by what a word is for; ``tr(lang, key)`` picks the language.
Sentences written in a template keep their pair in place (``tr("fr", "en")`` in Jinja,
bound to ``say``), since moving every label of a page here would separate it from its
markup for no gain.
"""

from __future__ import annotations

from eligibility.wording.i18n import LANGS, say

_WORDS: dict[str, tuple[str, str]] = {
    # check page
    "as_of": ("date d'examen", "date examined"),
    # dependency graph (svg)
    "graph_title": ("Dépendances entre briques", "Brick dependencies"),
    "replaced_by": ("remplacée par", "replaced by"),
    "graph_legend": ("flèche : « requiert » · pointillés : brique retirée ou remplacée",
                     "arrow: 'requires' · dashed: brick withdrawn or replaced"),
    # rules pages: the node of a condition tree
    "node_all": ("toutes ces conditions", "all of"),
    "node_any": ("au moins une de ces conditions", "any of"),
    "node_not": ("pas ceci", "not"),
    # audit workbook (xlsx)
    "insee": ("Code INSEE", "INSEE code"),
    "commune": ("Commune", "Commune"),
    "errors": ("Erreurs", "Errors"),
    "warnings": ("Avertissements", "Warnings"),
    "infos": ("Informations", "Information"),
    "matrix": ("Matrice", "Matrix"),
    "findings": ("Constats", "Findings"),
}

# The kind of source a rule cites: long on the check and audit pages (an assumption is
# to be confirmed), short in the rules pages' badges.
_SOURCES: dict[str, tuple[str, str]] = {
    "note": ("note", "note"), "law": ("loi", "law"),
    "assumption": ("hypothèse à confirmer par la DN", "assumption to confirm with the DN"),
}
_SOURCES_SHORT: dict[str, tuple[str, str]] = {
    "note": ("note", "note"), "law": ("loi", "law"), "assumption": ("hypothèse", "assumption"),
}


def web_lang(asked: str) -> str:
    """The language a request asked for, French when it names none the pages speak."""
    return asked if asked in LANGS else LANGS[0]


def tr(lang: str, key: str) -> str:
    """The web word ``key`` in ``lang``."""
    fr, en = _WORDS[key]
    return say(lang, fr, en)


def source_words(lang: str, short: bool = False) -> dict[str, str]:
    """Each kind of source (note, law, assumption) as the pages name it."""
    table = _SOURCES_SHORT if short else _SOURCES
    return {source: say(lang, fr, en) for source, (fr, en) in table.items()}
