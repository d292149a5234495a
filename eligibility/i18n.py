"""Interface sentences in French (the default) and English.

Rule messages live in the catalog, in both languages; this holds the sentences the
program itself writes around them.
"""

from __future__ import annotations

from typing import Any

LANGS = ("fr", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    # statuses
    "eligible": ("éligible", "eligible"),
    "ineligible": ("non éligible", "ineligible"),
    "undetermined": ("indéterminé", "undetermined"),
    "unavailable": ("indisponible", "unavailable"),
    # sources
    "note": ("note", "note"),
    "law": ("loi", "law"),
    "assumption": ("hypothèse", "assumption"),
    # header and summary
    "as_of": ("au {date}", "as of {date}"),
    "convention": ("convention {version}", "convention {version}"),
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
    "count_undetermined": ("{n} indéterminé", "{n} undetermined"),
    "count_undetermined_plural": ("{n} indéterminés", "{n} undetermined"),
    "count_unavailable": ("{n} indisponible", "{n} unavailable"),
    "count_unavailable_plural": ("{n} indisponibles", "{n} unavailable"),
    "assumptions_flagged": ("hypothèses signalées : {n}", "assumptions flagged: {n}"),
    # reasons
    "because": ("parce que", "because"),
    "and": ("et", "and"),
    "has": ("{commune} a : {facts}", "{commune} has: {facts}"),
    "requires_brick": ("la {label} est requise", "{label} is required"),
    "not_held_not_asked": ("{commune} ne la détient pas et ne la demande pas",
                           "{commune} neither holds nor requests it"),
    "required_fails": ("elle est elle-même {status} :", "it is itself {status}:"),
    "required_held": ("{commune} la détient", "{commune} holds it"),
    "available_under": ("la brique existe sous : {versions}", "the brick exists under: {versions}"),
    "not_under": ("elle n'existe pas sous {version} (version applicable à {commune})",
                  "it does not exist under {version} (the version applicable to {commune})"),
    "newer_in_force": ("une convention plus récente est en vigueur : {version}",
                       "a newer convention is in force: {version}"),
    "missing": ("il manque : {facts}", "missing: {facts}"),
    "exists_under": ("brique ouverte sous {version}", "brick open under {version}"),
    "rest_holds": ("le reste est satisfait : {rules}", "the rest holds: {rules}"),
    "all_hold": ("toutes les conditions sont remplies ({n})", "all conditions hold ({n})"),
    "rests_on": ("repose sur des hypothèses : {rules}", "rests on assumptions: {rules}"),
    # help
    "help": ("aide", "help"),
    "then": ("puis", "then"),
    "ask_too": ("demander aussi « {brick} »", "also ask for '{brick}'"),
    "sign": ("signer la convention {version}", "sign the {version} convention"),
    "set": ("{label} : {current} → {value}", "{label}: {current} → {value}"),
    "impossible": ("aucun changement du profil ne rend cette brique éligible ({why})",
                   "no change to the profile makes this brick eligible ({why})"),
    "replaced_by": ("la brique « {brick} » la remplace depuis {version} : demander « {brick} »",
                    "brick '{brick}' replaces it since {version}: ask for '{brick}'"),
    "find_out": ("à renseigner : {facts}", "to find out: {facts}"),
    # values
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "unknown": ("inconnu", "unknown"),
    "nothing": ("aucun", "none"),
    # explain
    "reads": ("lit {fact} = {value} ; attendu : {test}",
              "reads {fact} = {value}; expected: {test}"),
    "would_hold": ("tiendrait si : {change}", "would hold if: {change}"),
}


def t(lang: str, key: str, **values: Any) -> str:
    """The sentence ``key`` in ``lang`` (French unless 'en'), formatted with ``values``.

    With a count ``n`` above 1, the ``<key>_plural`` sentence is used when there is one.
    """
    if values.get("n", 1) > 1 and f"{key}_plural" in _TEXTS:
        key = f"{key}_plural"
    fr, en = _TEXTS[key]
    return (en if lang == "en" else fr).format(**values)
