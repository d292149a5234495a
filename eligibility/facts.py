"""From a profile and a date to the facts the rules read.

Facts are a flat mapping from a dotted path to a value; a path that is absent is
*unknown*. Two facts are derived rather than read: ``convention.in_force`` (the
version the commune is under at the date, ``none`` if it had signed nothing by
then) and ``convention.applicable`` (the version that decides which bricks exist
for it: its own, or the one in force at the date when it has none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from .model import CollaborationTool, Profile, SigTool, UrbanismeDocument, VsiUseCase

if TYPE_CHECKING:
    from .catalog import Catalog

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
    "commune.epci": FieldSpec("text", label_fr="intercommunalité", label_en="inter-municipality"),
    "commune.population": FieldSpec("count", label_fr="population", label_en="population"),
    "convention.in_force": FieldSpec("enum", label_fr="convention en vigueur pour la commune",
                                     label_en="convention the commune is under"),
    "convention.applicable": FieldSpec("enum", label_fr="version de convention applicable",
                                       label_en="applicable convention version"),
    "network.gecko": FieldSpec("bool", label_fr="raccordement au réseau Gecko",
                               label_en="Gecko network connection"),
    "network.fibre": FieldSpec("level", label_fr="niveau de fibre", label_en="fibre level"),
    "equipment.cameras": FieldSpec("count", label_fr="caméras", label_en="cameras"),
    "equipment.schools": FieldSpec("count", label_fr="écoles", label_en="schools"),
    "equipment.workstations": FieldSpec("count", label_fr="postes de travail",
                                        label_en="workstations"),
    "equipment.mobile_lines": FieldSpec("count", label_fr="lignes mobiles",
                                        label_en="mobile lines"),
    "authorisations.videoprotection_prefectorale": FieldSpec(
        "bool", label_fr="autorisation préfectorale de vidéoprotection",
        label_en="prefectoral video-protection authorisation"),
    "urbanisme.document": FieldSpec("enum", _enum(UrbanismeDocument),
                                    label_fr="document d'urbanisme", label_en="planning document"),
    "tools.collaboration": FieldSpec("enum", _enum(CollaborationTool),
                                     label_fr="outil collaboratif", label_en="collaboration tool"),
    "tools.sig": FieldSpec("enum", _enum(SigTool), label_fr="outil SIG", label_en="GIS tool"),
    "vsi.use_cases": FieldSpec("set", _enum(VsiUseCase), better="less",
                               label_fr="cas d'usage VSI", label_en="VSI use cases"),
    "finances.fonctionnement": FieldSpec("amount", label_fr="dépenses de fonctionnement",
                                         label_en="operating expenditure"),
    "finances.investissement": FieldSpec("amount", label_fr="dépenses d'investissement",
                                         label_en="capital expenditure"),
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
        return FieldSpec(spec.kind, tuple(catalog.levels[path]), spec.better,
                         spec.label_fr, spec.label_en)
    if path in ("convention.in_force", "convention.applicable"):
        return FieldSpec(spec.kind, (*catalog.version_ids, "none"), spec.better,
                         spec.label_fr, spec.label_en)
    return spec


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
