"""The JSON Schema of a commune profile (``eligibility schema profile``), built here.

Design decisions:

* The schema is pydantic's for the catalog's profile model (``profile_model``), so it
  cannot drift from what ``load_profile`` accepts; what pydantic cannot know is added
  from the catalog: the values of each fact with their labels (``enum`` plus
  ``x-labels``, ``{id: {fr, en}}``), the convention versions and brick ids (aliases
  too), and ``x-catalog`` (its brick ids, versions and content hash).
* Titles are French (people read them first); the English label travels in
  ``x-label-en``, the question and unit of a fact in ``description`` and ``x-unit``.
* The CLI prints what ``profile_schema`` returns: no patching there.
"""

from __future__ import annotations

from typing import Any

from eligibility.catalog.model import Catalog
from eligibility.catalog.vocabulary import Fact, Value
from eligibility.profile.model import model_for
from eligibility.wording.bricks import brick_title

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# French titles of the fields that are not facts (the facts carry theirs).
_FIXED_TITLES: dict[str, dict[str, tuple[str, str]]] = {
    "Commune": {"insee": ("code INSEE", "INSEE code"), "name": ("nom", "name")},
    "Signature": {"version": ("version de la convention", "convention version"),
                  "signed_on": ("signée le", "signed on")},
    "Convention": {"version": ("version de la convention", "convention version"),
                   "signed_on": ("signée le", "signed on"),
                   "history": ("signatures antérieures", "earlier signatures")},
    "Finances": {"year": ("année du compte administratif", "year of the accounts")},
    "Subscription": {"brick": ("brique", "brick"), "since": ("depuis le", "since")},
}
_TOP_TITLES = {"commune": ("la commune", "the commune"),
               "convention": ("la convention signée", "the convention signed"),
               "subscriptions": ("briques détenues", "bricks held"),
               "requests": ("briques demandées", "bricks requested")}


def _labels(values: tuple[Value, ...]) -> dict[str, dict[str, str]]:
    return {v.id: {"fr": v.label.fr, "en": v.label.en} for v in values}


def _enum(ids: list[str], labels: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "enum": ids}
    if labels:
        out["x-labels"] = labels
    return out


def _value_schema(node: dict[str, Any]) -> dict[str, Any]:
    """The schema of the value itself inside ``anyOf: [value, null]`` (or the node)."""
    options = node.get("anyOf")
    return options[0] if isinstance(options, list) and options else node


def _describe(node: dict[str, Any], fact: Fact) -> None:
    node["title"] = fact.label.fr
    node["x-label-en"] = fact.label.en
    node["x-kind"] = fact.kind
    node["description"] = fact.question("fr")
    if fact.unit("fr"):
        node["x-unit"] = {"fr": fact.unit("fr"), "en": fact.unit("en")}
    if not fact.actionable:
        node["x-actionable"] = False
    if not fact.choices:
        return
    labels = _labels(fact.choices)
    if fact.kind == "set":
        node["items"] = _enum(list(fact.values), labels)
        node["uniqueItems"] = True
    elif fact.kind == "text":  # free text that knows some values
        node["examples"] = list(fact.values)
        node["x-labels"] = labels
    else:
        _value_schema(node).update(_enum(list(fact.values), labels))


def profile_schema(catalog: Catalog) -> dict[str, Any]:
    """The JSON Schema of a profile for ``catalog`` (CONTRACT §2 with its values)."""
    model = model_for(catalog)
    schema = model.model_json_schema()
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    sections = {name: info.annotation for name, info in model.model_fields.items()}
    for fact in catalog.facts.read:
        section = sections.get(fact.section)
        title = getattr(section, "__name__", "")
        node = defs.get(title, {}).get("properties", {}).get(fact.name)
        if node is not None:
            _describe(node, fact)
    for title, fields in _FIXED_TITLES.items():
        for name, (fr, en) in fields.items():
            node = defs.get(title, {}).get("properties", {}).get(name)
            if node is not None:
                node.update({"title": fr, "x-label-en": en})
    versions = [*catalog.version_ids, "none"]
    version_labels = {v.id: {"fr": v.label.fr, "en": v.label.en}
                      for v in catalog.versions.values()}
    version_labels["none"] = {"fr": "aucune convention", "en": "no convention"}
    for name in ("Signature", "Convention"):
        if name in defs:
            defs[name]["properties"]["version"].update(_enum(versions, version_labels))
    ids = [*catalog.bricks, *catalog.aliases]
    brick_labels = {b.id: {"fr": brick_title(b, "fr"), "en": brick_title(b, "en")}
                    for b in catalog.bricks.values()}
    brick_labels.update({alias: brick_labels[brick] for alias, brick in catalog.aliases.items()})
    if "Subscription" in defs:
        defs["Subscription"]["properties"]["brick"].update(_enum(ids, brick_labels))
    properties = schema["properties"]
    properties["requests"]["items"] = _enum(ids, brick_labels)
    for name, node in properties.items():
        titled = catalog.facts.section_title(name)
        fr, en = (titled.fr, titled.en) if titled is not None else _TOP_TITLES.get(
            name, (name, name))
        node.update({"title": fr, "x-label-en": en})
    schema["$schema"] = DIALECT
    schema["description"] = ("Profil d'une commune membre de Nîmes Métropole : ce qu'elle est, "
                             "ce qu'elle a, ce qu'elle demande (un champ absent est inconnu)")
    schema["x-catalog"] = {
        "bricks": [{"id": b.id, "aliases": list(b.aliases), "versions": list(b.versions)}
                   for b in catalog.bricks.values()],
        "versions": [{"id": v.id, "adopted": v.adopted.isoformat(),
                      "label": {"fr": v.label.fr, "en": v.label.en}}
                     for v in catalog.versions.values()],
        "content_hash": catalog.content_hash,
    }
    return schema
