"""Interface sentences in French (the default) and English: the wording layer.

Rule messages live in the catalog, in both languages; this holds the sentences the
program itself writes around them. The words for the values of facts are the
catalog's (``facts.yaml``, asked through ``value_label``), so that no sentence shows a
raw code. docs/style-fr.md says how a
sentence is built; ``french()`` applies its elision and contraction rules to whatever
is assembled, since a label slotted after « que » or « de » cannot elide by itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # wording reads the catalog's labels; it never loads one at import
    from eligibility.catalog.model import Catalog

LANGS = ("fr", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    # statuses: a brick is feminine (« la brique est indéterminée »)
    "eligible": ("éligible", "eligible"),
    "ineligible": ("non éligible", "ineligible"),
    "undetermined": ("indéterminée", "undetermined"),
    "unavailable": ("indisponible", "unavailable"),
    # sources
    "note": ("note", "note"),
    "law": ("loi", "law"),
    "assumption": ("hypothèse", "assumption"),
    "rule_id": ("règle {rule}", "rule {rule}"),
    # header and summary
    "as_of": ("au {date}", "as of {date}"),
    "convention": ("sous {version}", "under {version}"),
    "no_convention": ("sans convention", "no convention"),
    "unknown_convention": ("convention inconnue", "convention unknown"),
    "requested_n": ("{n} brique demandée", "{n} brick requested"),
    "requested_n_plural": ("{n} briques demandées", "{n} bricks requested"),
    "all_bricks": ("{n} briques examinées (aucune demandée : toutes)",
                   "{n} bricks examined (none requested: all)"),
    "count_eligible": ("{n} éligible", "{n} eligible"),
    "count_eligible_plural": ("{n} éligibles", "{n} eligible"),
    "count_ineligible": ("{n} non éligible", "{n} ineligible"),
    "count_ineligible_plural": ("{n} non éligibles", "{n} ineligible"),
    "count_undetermined": ("{n} indéterminée", "{n} undetermined"),
    "count_undetermined_plural": ("{n} indéterminées", "{n} undetermined"),
    "count_unavailable": ("{n} indisponible", "{n} unavailable"),
    "count_unavailable_plural": ("{n} indisponibles", "{n} unavailable"),
    "assumptions_flagged": ("hypothèses signalées : {n}", "assumptions flagged: {n}"),
    "title": ("{brick} : {status}", "{brick}: {status}"),
    "column_brick": ("brique", "brick"),
    "column_status": ("statut", "status"),
    "column_reasons": ("motifs", "reasons"),
    # reasons
    "because": ("parce que {text}", "because {text}"),
    "and": ("et {text}", "and {text}"),
    "has": ("pour {commune}, {facts}", "for {commune}, {facts}"),
    "fact_is": ("{label} : {value}", "{label}: {value}"),
    "requires_brick": ("la {label} est requise", "{label} is required"),
    "required_name": ("{label} requise", "{label} required"),
    "not_held_not_asked": ("{commune} ne la détient pas et ne la demande pas",
                           "{commune} neither holds nor requests it"),
    "required_fails": ("elle est elle-même {status} :", "it is itself {status}:"),
    "required_held": ("{commune} la détient", "{commune} holds it"),
    "available_under": ("la brique existe sous {versions}", "the brick exists under {versions}"),
    "not_under": ("elle n'existe pas sous {version}, la version applicable à {commune}",
                  "it does not exist under {version}, the version applicable to {commune}"),
    "newer_in_force": ("une convention plus récente est en vigueur : {version}",
                       "a newer convention is in force: {version}"),
    "missing": ("il manque : {facts}", "missing: {facts}"),
    "missing_fact": ("{label} ({field})", "{label} ({field})"),
    "exists_under": ("brique ouverte sous {version}", "brick open under {version}"),
    "availability_name": ("versions où la brique existe", "versions the brick exists under"),
    "pending": ("en suspens : {text}", "pending: {text}"),
    "rest_holds": ("le reste est satisfait : {rules}", "the rest holds: {rules}"),
    "all_hold": ("toutes les conditions sont remplies ({n})", "all conditions hold ({n})"),
    "rests_on": ("repose sur des hypothèses : {rules}", "rests on assumptions: {rules}"),
    "to_confirm": ("Hypothèses à confirmer par la DN", "Assumptions to be confirmed by the DN"),
    "assumption_tag": ("hypothèse, à confirmer par la DN", "assumption, to be confirmed by the DN"),
    # help
    "help": ("pour y remédier", "help"),
    "ask_too": ("demander aussi la {brick}", "also ask for {brick}"),
    "brick_typed": ("{label} ({id})", "{label} ({id})"),
    "sign": ("signer {version}", "sign {version}"),
    "set": ("{label} : {current} → {value}", "{label}: {current} → {value}"),
    "impossible": ("aucun changement du profil ne rend cette brique éligible ({why})",
                   "no change to the profile makes this brick eligible ({why})"),
    "replaced_by": ("la {brick} la remplace depuis {version} : la demander à sa place",
                    "{brick} replaces it since {version}: ask for it instead"),
    "find_out": ("à renseigner : {facts}", "to find out: {facts}"),
    "find_out_step": ("se renseigner : {label} ({field}), dont dépend encore le verdict",
                      "find out: {label} ({field}), on which the verdict still depends"),
    "out_of_reach": ("hors de portée de la commune, qui ne peut pas changer seule : {facts}",
                     "out of the commune's reach, which cannot change by itself: {facts}"),
    # values
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "unknown": ("inconnu", "unknown"),
    "nothing": ("aucun", "none"),
    "or": ("ou", "or"),
    "semicolon": (" ; ", "; "),
    "nor": (" ni ", " nor "),
    # explain: a test on a fact, in words
    "reads": ("{label} : {value} ; attendu : {test}", "{label}: {value}; expected: {test}"),
    "would_hold": ("serait remplie avec : {value}", "would hold with: {value}"),
    "op_eq": ("{v}", "{v}"),
    "op_ne": ("autre que {v}", "other than {v}"),
    "op_signed": ("une convention signée", "a signed convention"),
    "op_lt": ("moins de {v}", "less than {v}"),
    "op_le": ("au plus {v}", "at most {v}"),
    "op_gt": ("plus de {v}", "more than {v}"),
    "op_ge": ("au moins {v}", "at least {v}"),
    "op_in": ("{v}", "{v}"),
    "op_not_in": ("ni {v}", "neither {v}"),
    "op_includes": ("{v}", "{v}"),
    "op_excludes": ("ni {v}", "neither {v}"),
    "node_all": ("toutes ces conditions :", "all of:"),
    "node_any": ("l'une de ces conditions :", "any of:"),
    "node_not": ("pas cette condition :", "not:"),
}

# The word for "no convention" as a value of the convention facts.
NO_CONVENTION = ("aucune convention", "no convention")


def t(lang: str, key: str, **values: Any) -> str:
    """The sentence ``key`` in ``lang`` (French unless 'en'), formatted with ``values``.

    With a count ``n`` above 1, the ``<key>_plural`` sentence is used when there is one.
    """
    if values.get("n", 1) > 1 and f"{key}_plural" in _TEXTS:
        key = f"{key}_plural"
    fr, en = _TEXTS[key]
    return en.format(**values) if lang == "en" else french(fr.format(**values))


def pick(lang: str, fr: str, en: str) -> str:
    """The French or the English of a pair written in place (French unless 'en')."""
    return en if lang == "en" else french(fr)


# Elision and contraction (docs/style-fr.md): « que un » → « qu'un », « de le » → « du ».
_VOWEL = "aeiouyéèêëàâîïôûœhAEIOUYÉÈÊÀÂÎÔÛŒH"
_ELIDE = re.compile(rf"\b(que|de|ne|le|la|jusque|lorsque|puisque) (?=[{_VOWEL}])")
_CONTRACT = {"de le ": "du ", "de les ": "des ", "à le ": "au ", "à les ": "aux "}
_CONTRACTION = re.compile(r"\b(?:de|à) les? ")  # the keys of _CONTRACT, in one pass


def _contract(match: re.Match[str]) -> str:
    return _CONTRACT[match.group(0)]


def _elide(match: re.Match[str]) -> str:
    return match.group(1)[:-1] + "'"


@functools.lru_cache(maxsize=8192)
def french(text: str) -> str:
    """``text`` with French elisions and contractions made where words were slotted in.

    Memoised: the same sentences come back verdict after verdict, and the regular
    expressions were a fifth of rendering one (issue 12.2)."""
    if " le" in text:  # every contraction has one (a test on the text is cheap, re is not)
        text = _CONTRACTION.sub(_contract, text)
    return _ELIDE.sub(_elide, text)


def join(items: Iterable[str], lang: str, last: str = "and") -> str:
    """``a, b et c`` (``last`` is 'and' or 'or')."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    conj = {"and": ("et", "and"), "or": ("ou", "or")}[last][lang == "en"]
    return f"{', '.join(words[:-1])} {conj} {words[-1]}"


def the(label: str, lang: str) -> str:
    """A convention version with its article: « l'avenant n°6 », « la convention cadre … »."""
    if lang == "en":
        return f"the {label}" if label.lower().startswith(("framework", "convention")) else label
    return f"l'{label}" if label[:1].lower() in "aeéèêiîoôuy" else f"la {label}"


def value_label(field: str, value: Any, lang: str, catalog: Catalog | None = None) -> str:
    """How one value of the fact ``field`` is said: its label, never its code."""
    if value is None:
        return t(lang, "unknown")
    if isinstance(value, bool):
        return t(lang, "yes" if value else "no")
    if isinstance(value, (set, frozenset, list, tuple)):
        shown = [value_label(field, v, lang, catalog) for v in sorted(value, key=str)]
        return ", ".join(shown) or t(lang, "nothing")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", " " if lang != "en" else ",")
    if catalog is None:  # the words of the shipped vocabulary
        from eligibility.catalog.loading import load_catalog

        catalog = load_catalog()
    fact = catalog.facts.get(field)
    words = fact.value_label(str(value), lang) if fact is not None else None
    if words is not None:
        return words
    if field.startswith("convention."):
        if value == "none":
            return NO_CONVENTION[lang == "en"]
        if catalog is not None and value in catalog.versions:
            return str(catalog.versions[value].label(lang))
    return str(value)


def version_label(catalog: Catalog | None, version: str | None, lang: str,
                  article: bool = True) -> str:
    """A convention version as said in a sentence: the one version label.

    With ``article`` it follows « sous » or « signer » (« l'avenant n°6 »); ``None`` is
    « inconnu », and ``none`` (nothing signed) is « sans convention » (docs/style-fr.md;
    as the *value* of a convention fact it is « aucune convention », see
    ``value_label``). An id the catalog does not know is shown as it is.
    """
    if version is None:
        return t(lang, "unknown")
    if version == "none":
        return t(lang, "no_convention")
    if catalog is None or version not in catalog.versions:
        return version
    label = str(catalog.versions[version].label(lang))
    return the(label, lang) if article else label


# --- shared helpers of the feature wording modules (audit, costs, rules) ---------------

_T = TypeVar("_T")


def say(lang: str, fr: _T, en: _T) -> _T:
    """The French or the English of a pair written in place, as it is (no elision: the
    audit's sentences slot in ids and dates, never words that elide)."""
    return en if lang == "en" else fr


def quoted(text: str, lang: str) -> str:
    """« ads » in French (non-breaking spaces inside), 'ads' in English."""
    return say(lang, f"«\u00a0{text}\u00a0»", f"'{text}'")


def colon(label: str, lang: str) -> str:
    """``label :`` in French, ``label:`` in English."""
    return say(lang, f"{label} :", f"{label}:")


def counted(n: int, lang: str, fr: str, en: str, fr_plural: str | None = None,
            en_plural: str | None = None) -> str:
    """``n`` and its noun, plural as each language wants it (French: 0 and 1 singular)."""
    if lang == "en":
        return f"{n} {en if n == 1 else (en_plural or en + 's')}"
    return f"{n} {fr if n <= 1 else (fr_plural or fr + 's')}"
