"""From a profile and a date to the facts the rules read.

Facts are a flat mapping from a dotted path to a value; a path that is absent is
*unknown*. Two facts are derived rather than read: ``convention.in_force`` (the
version the commune is under at the date, ``none`` if it had signed nothing by
then) and ``convention.applicable`` (the version that decides which bricks exist
for it: its own, or the one in force at the date when it has none).

The bricks a commune holds are not facts (no rule reads them), but they are read on
a date too: ``held_on`` is the single definition every module uses, so that a
subscription starting after the date never counts, wherever the question is asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, get_args

from eligibility.profile.model import (
    CollaborationTool,
    Profile,
    SigTool,
    Subscription,
    UrbanismeDocument,
    VsiUseCase,
)

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class FieldSpec:
    """What a fact is: its kind decides the operators a rule may apply to it.

    kinds: ``bool``, ``count`` (integer >= 0), ``amount`` (number >= 0), ``level``
    (ordered values, the catalog gives the order), ``enum`` and ``set`` (values from
    ``values``; a set is a list field), ``text`` (free string).
    """

    kind: str
    values: tuple[str, ...] = ()
    better: str = "more"  # which way is better, for remediation and monotonicity
    label_fr: str = ""
    label_en: str = ""
    # Whether the commune can change the fact by itself: a plan offers a step on an
    # actionable fact only; one that fails on another puts the brick out of reach.
    actionable: bool = True
    # For the people who fill a profile in (the web form): the question asked, the unit
    # of a number, and the words for each value of a choice: (value, fr, en).
    question_fr: str = ""
    question_en: str = ""
    unit_fr: str = ""
    unit_en: str = ""
    choices: tuple[tuple[str, str, str], ...] = ()

    def question(self, lang: str) -> str:
        return (self.question_en if lang == "en" else self.question_fr) or self.label(lang)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr

    def unit(self, lang: str) -> str:
        return self.unit_en if lang == "en" else self.unit_fr

    def choice_label(self, value: str, lang: str) -> str:
        """The words for one value of a choice (the value itself when none are given)."""
        for known, fr, en in self.choices:
            if known == value:
                return en if lang == "en" else fr
        return value


OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "bool": frozenset({"eq", "ne"}),
    "count": frozenset({"eq", "ne", "lt", "le", "gt", "ge"}),
    "amount": frozenset({"eq", "ne", "lt", "le", "gt", "ge"}),
    "level": frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"}),
    "enum": frozenset({"eq", "ne", "in", "not_in"}),
    "text": frozenset({"eq", "ne", "in", "not_in"}),
    "set": frozenset({"includes", "excludes"}),
}


def _enum(literal: Any) -> tuple[str, ...]:
    return tuple(get_args(literal))


# The facts rules may read. Level and version domains come from the catalog.
FIELDS: dict[str, FieldSpec] = {
    "commune.epci": FieldSpec(
        "text", label_fr="intercommunalité", label_en="inter-municipality", actionable=False,
        question_fr="La commune est-elle membre de Nîmes Métropole ?",
        question_en="Is the commune a member of Nîmes Métropole?"),
    "commune.population": FieldSpec(
        "count", label_fr="population", label_en="population", actionable=False,
        question_fr="Population de la commune", question_en="Population of the commune",
        unit_fr="habitants", unit_en="inhabitants"),
    "convention.in_force": FieldSpec("enum", label_fr="convention en vigueur pour la commune",
                                     label_en="convention the commune is under"),
    "convention.applicable": FieldSpec("enum", label_fr="version de convention applicable",
                                       label_en="applicable convention version"),
    "network.gecko": FieldSpec(
        "bool", label_fr="raccordement au réseau Gecko", label_en="Gecko network connection",
        question_fr="Les sites de la commune sont-ils raccordés au réseau Gecko de "
                    "l'agglomération ?",
        question_en="Are the commune's sites connected to the agglomeration's Gecko network?"),
    "network.fibre": FieldSpec(
        "level", label_fr="niveau de fibre", label_en="fibre level",
        question_fr="Quelle fibre optique dessert la mairie ?",
        question_en="Which fibre-optic line serves the town hall?"),
    "equipment.cameras": FieldSpec(
        "count", label_fr="caméras", label_en="cameras",
        question_fr="Combien de caméras de vidéoprotection sont installées ?",
        question_en="How many video-protection cameras are installed?",
        unit_fr="caméras", unit_en="cameras"),
    "equipment.schools": FieldSpec(
        "count", label_fr="écoles", label_en="schools", actionable=False,
        question_fr="Combien d'écoles la commune a-t-elle ?",
        question_en="How many schools does the commune have?", unit_fr="écoles",
        unit_en="schools"),
    "equipment.workstations": FieldSpec(
        "count", label_fr="postes de travail", label_en="workstations",
        question_fr="Combien de postes de travail (ordinateurs) la mairie a-t-elle ?",
        question_en="How many workstations (computers) does the town hall have?",
        unit_fr="postes", unit_en="workstations"),
    "equipment.mobile_lines": FieldSpec(
        "count", label_fr="lignes mobiles", label_en="mobile lines",
        question_fr="Combien de lignes de téléphone mobile la commune a-t-elle ?",
        question_en="How many mobile phone lines does the commune have?",
        unit_fr="lignes", unit_en="lines"),
    # Brick 7 "en particulier sur la partie mobile": only fixed telephony needs the network,
    # so fewer fixed lines ask less of it (better: less, as for VSI use cases).
    "equipment.fixed_lines": FieldSpec(
        "count", better="less", label_fr="lignes de téléphonie fixe à mutualiser",
        label_en="fixed phone lines to share",
        question_fr="Combien de lignes de téléphonie fixe la commune veut-elle confier à la DN "
                    "(0 si elle ne demande que la partie mobile) ?",
        question_en="How many fixed phone lines does the commune want the DN to run "
                    "(0 if it asks only for the mobile part)?",
        unit_fr="lignes", unit_en="lines"),
    "authorisations.videoprotection_prefectorale": FieldSpec(
        "bool", label_fr="autorisation préfectorale de vidéoprotection",
        label_en="prefectoral video-protection authorisation",
        question_fr="La commune a-t-elle l'arrêté préfectoral autorisant la vidéoprotection ?",
        question_en="Does the commune hold the prefect's order authorising video-protection?"),
    "urbanisme.document": FieldSpec(
        "enum", _enum(UrbanismeDocument), label_fr="document d'urbanisme",
        label_en="planning document",
        question_fr="Quel document d'urbanisme s'applique à la commune ?",
        question_en="Which planning document applies to the commune?",
        choices=(("plu", "PLU (plan local d'urbanisme)", "PLU (local plan)"),
                 ("plui", "PLUi (plan local d'urbanisme intercommunal)",
                  "PLUi (inter-municipal local plan)"),
                 ("carte_communale", "carte communale", "municipal map"),
                 ("rnu", "RNU (règlement national d'urbanisme)",
                  "RNU (national planning rules)"))),
    "tools.collaboration": FieldSpec(
        "enum", _enum(CollaborationTool), label_fr="outil collaboratif",
        label_en="collaboration tool",
        question_fr="Quel outil collaboratif la mairie utilise-t-elle ?",
        question_en="Which collaboration tool does the town hall use?",
        choices=(("none", "aucun", "none"), ("alfresco", "Alfresco", "Alfresco"),
                 ("office365", "Office 365", "Office 365"))),
    "tools.sig": FieldSpec(
        "enum", _enum(SigTool), label_fr="outil SIG", label_en="GIS tool",
        question_fr="Quel outil de cartographie (SIG) la mairie utilise-t-elle ?",
        question_en="Which mapping tool (GIS) does the town hall use?",
        choices=(("none", "aucun", "none"), ("geoagglo", "GeoAgglo", "GeoAgglo"),
                 ("mycarto", "MyCarto", "MyCarto"))),
    "vsi.use_cases": FieldSpec(
        "set", _enum(VsiUseCase), better="less", label_fr="cas d'usage VSI",
        label_en="VSI use cases",
        question_fr="Pour quels usages la vidéo surveillance intelligente est-elle prévue ?",
        question_en="What is the intelligent video surveillance to be used for?",
        choices=(("crowd", "mouvements de foule", "crowd movements"),
                 ("density", "densité de personnes", "crowd density"),
                 ("bulky_objects", "objets encombrants", "bulky objects"),
                 ("abandoned_objects", "objets abandonnés", "abandoned objects"),
                 ("traffic", "régulation du trafic", "traffic regulation"),
                 ("wrong_way", "circulation à contresens", "wrong-way driving"),
                 ("intrusion", "intrusion", "intrusion"),
                 ("person_on_ground", "personne au sol", "person on the ground"),
                 ("fire", "départ de feu", "fire outbreak"),
                 ("weapons", "présence d'armes", "weapons"),
                 ("biometric_identification", "identification biométrique",
                  "biometric identification"),
                 ("facial_recognition", "reconnaissance faciale", "facial recognition"))),
    "finances.fonctionnement": FieldSpec(
        "amount", label_fr="dépenses de fonctionnement", label_en="operating expenditure",
        actionable=False,  # last year's accounts: the past
        question_fr="Dépenses de fonctionnement du compte administratif de l'année précédente",
        question_en="Operating expenditure in the previous year's compte administratif",
        unit_fr="€", unit_en="€"),
    "finances.investissement": FieldSpec(
        "amount", label_fr="dépenses d'investissement", label_en="capital expenditure",
        actionable=False,
        question_fr="Dépenses d'investissement du compte administratif de l'année précédente",
        question_en="Capital expenditure in the previous year's compte administratif",
        unit_fr="€", unit_en="€"),
}

# Derived facts are computed from these profile fields: they are what a user must fill in.
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "convention.in_force": ("convention.version", "convention.signed_on"),
    "convention.applicable": ("convention.version",),
}


def field_spec(path: str, catalog: Catalog) -> FieldSpec | None:
    """The spec of a fact, with the catalog's domains filled in (levels, versions)."""
    spec = FIELDS.get(path)
    if spec is None:
        return None
    if spec.kind == "level":
        return replace(spec, values=tuple(catalog.levels[path]))
    if path in ("convention.in_force", "convention.applicable"):
        return replace(spec, values=(*catalog.version_ids, "none"))
    return spec


def held_on(profile: Profile, as_of: dt.date) -> frozenset[str]:
    """The bricks the commune holds on ``as_of``: the one notion of "held on a date".

    A subscription counts from its ``since`` (on that day included); an undated one is
    held on every date. check, explain, audit, costs and verify all ask this function.
    """
    return frozenset(s.brick for s in profile.subscriptions if counts_on(s, as_of))


def counts_on(subscription: Subscription, as_of: dt.date) -> bool:
    """Whether one subscription is running on ``as_of`` (from its ``since``; undated:
    always). ``held_on`` is made of this test alone."""
    return subscription.since is None or subscription.since <= as_of


def convention_in_force(profile: Profile, as_of: dt.date, catalog: Catalog) -> str | None:
    """The version the commune is under on ``as_of``; ``none`` if nothing was signed by then.

    A signature applies from its ``signed_on``, or from its version's adoption when
    undated; the latest signature applying on the date wins. ``None`` when unknown.
    """
    convention = profile.convention
    if convention is None:
        return None
    if convention.version == "none" and convention.signed_on is None:
        return "none"
    best: tuple[dt.date, int, str] | None = None
    for rank, signature in enumerate([*convention.history, convention]):
        if signature.version == "none":
            start = signature.signed_on or dt.date.min
        else:
            start = signature.signed_on or catalog.versions[signature.version].adopted
        if start <= as_of and (best is None or (start, rank) >= best[:2]):
            best = (start, rank, signature.version)
    return "none" if best is None else best[2]


def derive_facts(profile: Profile, as_of: dt.date, catalog: Catalog) -> dict[str, Any]:
    """The facts of ``profile`` on ``as_of``; unknown facts are left out."""
    facts: dict[str, Any] = {}
    for path, section, name in _READ_FIELDS:
        value = getattr(getattr(profile, section), name)
        if value is not None:
            facts[path] = frozenset(value) if isinstance(value, list) else value
    in_force = convention_in_force(profile, as_of, catalog)
    if in_force is not None:
        facts["convention.in_force"] = in_force
        facts["convention.applicable"] = (
            in_force if in_force != "none" else catalog.version_at(as_of) or "none")
    return facts


# (path, section, attribute) of the facts read straight from the profile.
_READ_FIELDS: tuple[tuple[str, str, str], ...] = tuple(
    (path, *path.split(".")) for path in FIELDS if path not in SOURCE_FIELDS)  # type: ignore[misc]
