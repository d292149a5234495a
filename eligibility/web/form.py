"""The check form: generated from the fact vocabulary, and read back into a profile.

The questions, units and the words of each choice come from the catalog's vocabulary
(``catalog.facts``, ``rules/facts.yaml``: one data place for it, levels in order);
convention versions and bricks come from the catalog. The few profile fields that are
not facts the rules read (the commune's code and name, the convention signed and
when, the bricks held and asked for, the year of the accounts) are laid out here.

Field names are the profile's dotted paths, so that an error naming a field
(``equipment.cameras``) lands beside its input. A question left unanswered is left
out of the profile: the fact is unknown, never false or zero. Dates are written
``jj/mm/aaaa`` (ISO is accepted too).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from eligibility.catalog.model import Catalog
from eligibility.catalog.vocabulary import Fact
from eligibility.documents.numbers import typed_number
from eligibility.errors import InputError
from eligibility.profile.model import Profile
from eligibility.wording.i18n import say

MEMBER = "nimes-metropole"
_DATE_FR = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_DATE_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def tr(lang: str, fr: str, en: str) -> str:
    return say(lang, fr, en)


InputKind = Literal["bool", "count", "amount", "year", "choice", "set", "text", "date", "member"]
"""How a question is asked and its answer read back."""

_INPUT_OF_FACT: dict[str, InputKind] = {
    "bool": "bool", "count": "count", "amount": "amount", "level": "choice", "enum": "choice",
    "set": "set", "text": "text", "date": "date"}


@dataclass
class Question:
    """One input of the form."""

    name: str  # the profile path (or a form-only name)
    kind: InputKind
    label: str
    question: str
    unit: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, words)
    required: bool = False
    hint: str = ""


@dataclass
class Section:
    title: str
    questions: list[Question]
    intro: str = ""


def _fact(path: str, catalog: Catalog, lang: str) -> Question:
    spec = catalog.facts.get(path)
    assert spec is not None, path
    return Question(path, _INPUT_OF_FACT[spec.kind], spec.label(lang), spec.question(lang),
                    spec.unit(lang), _choices(path, spec, catalog, lang))


def _choices(path: str, spec: Fact, catalog: Catalog, lang: str) -> list[tuple[str, str]]:
    return [(v, spec.choice_label(v, lang)) for v in spec.values]


def version_choices(catalog: Catalog, lang: str) -> list[tuple[str, str]]:
    out = [(v.id, f"{v.label(lang)} ({tr(lang, 'adoptée le', 'adopted on')} "
                  f"{v.adopted.strftime('%d/%m/%Y')})") for v in catalog.versions.values()]
    return [*out, ("none", tr(lang, "aucune convention signée", "no convention signed"))]


def sections(catalog: Catalog, lang: str) -> list[Section]:
    """The form, section by section, in the order a secretary fills it in."""
    def fact(path: str) -> Question:
        return _fact(path, catalog, lang)

    commune = [
        Question("commune.name", "text", tr(lang, "nom", "name"),
                 tr(lang, "Nom de la commune", "Name of the commune"), required=True),
        Question("commune.insee", "text", tr(lang, "code INSEE", "INSEE code"),
                 tr(lang, "Code INSEE (5 caractères)", "INSEE code (5 characters)"),
                 required=True, hint="30206"),
        fact("commune.population"),
        Question("commune.epci", "member", fact("commune.epci").label,
                 fact("commune.epci").question),
    ]
    convention = [
        Question("convention.version", "choice",
                 tr(lang, "convention signée", "convention signed"),
                 tr(lang, "Quelle est la dernière convention signée par la commune ?",
                    "Which is the latest convention the commune signed?"),
                 choices=version_choices(catalog, lang)),
        Question("convention.signed_on", "date", tr(lang, "signée le", "signed on"),
                 tr(lang, "Date de signature (jj/mm/aaaa)", "Date signed (dd/mm/yyyy)"),
                 hint=tr(lang, "vide : à compter de son adoption",
                         "empty: from its adoption")),
    ]
    network = [fact("network.fibre"), fact("network.gecko")]
    equipment = [fact(p) for p in ("equipment.cameras", "equipment.schools",
                                   "equipment.workstations", "equipment.mobile_lines")]
    others = [fact("authorisations.videoprotection_prefectorale"), fact("urbanisme.document"),
              fact("tools.collaboration"), fact("tools.sig"), fact("vsi.use_cases")]
    finances = [
        Question("finances.year", "year", tr(lang, "année", "year"),
                 tr(lang, "Année du compte administratif", "Year of the compte administratif")),
        fact("finances.fonctionnement"), fact("finances.investissement")]
    # A fact of the vocabulary not placed above joins the section of its kind, so that a
    # new fact is asked for as soon as ``facts.yaml`` declares it.
    placed = {q.name for q in [*commune, *convention, *network, *equipment, *others, *finances]}
    by_section = {"commune": commune, "network": network, "equipment": equipment,
                  "finances": finances}
    for path in (f.path for f in catalog.facts.read):
        if path not in placed:
            by_section.get(path.split(".")[0], others).append(fact(path))
    return [
        Section(tr(lang, "La commune", "The commune"), commune),
        Section(tr(lang, "La convention", "The convention"), convention),
        Section(tr(lang, "Le réseau", "The network"), network),
        Section(tr(lang, "Les équipements", "Equipment"), equipment),
        Section(tr(lang, "Autorisations, urbanisme et outils",
                   "Authorisations, planning and tools"), others),
        Section(tr(lang, "Les finances", "Finances"), finances),
    ]


# --- form -> profile -------------------------------------------------------------------

def parse_day(text: str, name: str) -> dt.date | None:
    """``jj/mm/aaaa`` or ``aaaa-mm-jj``; empty is None; anything else names the field."""
    if not text.strip():
        return None
    match = _DATE_FR.match(text) or _DATE_ISO.match(text)
    if match:
        parts = [int(g) for g in match.groups()]
        day, month, year = parts if _DATE_FR.match(text) else parts[::-1]
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    raise InputError(f"expected a date jj/mm/aaaa (got {text.strip()!r})", source="formulaire",
                     field=name)


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


class FormData:
    """What a submitted form holds: single values and lists (Werkzeug's MultiDict)."""

    def __init__(self, values: Mapping[str, str], lists: Mapping[str, list[str]]) -> None:
        self.values = values
        self.lists = lists

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()

    def getlist(self, name: str) -> list[str]:
        return [v for v in self.lists.get(name, []) if v]


def profile_document(form: FormData, catalog: Catalog) -> tuple[dict[str, Any], list[InputError]]:
    """The profile document the form describes, and the problems only the form can see
    (a date not written jj/mm/aaaa); every other check is the profile validation's."""
    data: dict[str, Any] = {}
    problems: list[InputError] = []
    for section in sections(catalog, "fr"):
        for q in section.questions:
            raw = form.get(q.name)
            if q.kind == "set":
                chosen = form.getlist(q.name)
                if chosen:
                    _put(data, q.name, chosen)
                continue
            if q.kind in ("text",) and q.required:
                _put(data, q.name, raw)
                continue
            if not raw:
                continue  # unanswered: unknown
            value: Any = raw
            if q.kind == "bool":
                value = {"oui": True, "non": False}.get(raw, raw)
            elif q.kind == "member":
                value = MEMBER if raw == "oui" else (form.get("commune.epci.other") or "autre") \
                    if raw == "non" else raw
            elif q.kind in ("count", "year"):
                value = typed_number(raw, integer=True)
            elif q.kind == "amount":
                value = typed_number(raw, integer=False)
            elif q.kind == "date":
                try:
                    day = parse_day(raw, q.name)
                except InputError as error:
                    problems.append(error)
                    continue
                value = day.isoformat() if day else None
            _put(data, q.name, value)
    history = form.get("convention.history")
    if history:
        try:
            signatures = json.loads(history)
        except ValueError:
            signatures = None
        if isinstance(signatures, list) and signatures:
            data.setdefault("convention", {})["history"] = signatures
            if "version" not in data["convention"]:
                problems.append(InputError(
                    "required field is missing (the profile gives earlier signatures)",
                    source="formulaire", field="convention.version"))
    subscriptions = []
    for brick in catalog.bricks:
        if form.get(f"held.{brick}"):
            entry: dict[str, Any] = {"brick": brick}
            try:
                since = parse_day(form.get(f"since.{brick}"), f"since.{brick}")
            except InputError as error:
                problems.append(error)
                since = None
            if since is not None:
                entry["since"] = since.isoformat()
            subscriptions.append(entry)
    if subscriptions:
        data["subscriptions"] = subscriptions
    requests = [b for b in catalog.bricks if b in form.getlist("requests")]
    if requests:
        data["requests"] = requests
    return data, problems


# --- profile -> form -------------------------------------------------------------------

def form_values(profile: Profile | None) -> dict[str, Any]:
    """The answers to show for a profile (``""`` for unknown)."""
    if profile is None:
        return {}
    values: dict[str, Any] = {}
    dumped = profile.model_dump(mode="json")

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else key)
        else:
            values[prefix] = node

    for section in ("commune", "network", "equipment", "authorisations", "urbanisme",
                    "tools", "vsi", "finances"):
        walk(dumped[section], section)
    convention = dumped.get("convention") or {}
    values["convention.version"] = convention.get("version") or ""
    values["convention.signed_on"] = _fr_date(convention.get("signed_on"))
    values["convention.history"] = json.dumps(convention.get("history") or [])
    if convention.get("history"):
        values["convention.history"] = json.dumps(convention["history"])
    epci = dumped["commune"].get("epci")
    values["commune.epci"] = "" if epci is None else "oui" if epci == MEMBER else "non"
    values["commune.epci.other"] = epci if epci not in (None, MEMBER) else ""
    for key, value in list(values.items()):
        if isinstance(value, bool):
            values[key] = "oui" if value else "non"
        elif value is None:
            values[key] = ""
        elif isinstance(value, float) and value.is_integer():
            values[key] = str(int(value))
    values["held"] = {s["brick"]: _fr_date(s.get("since")) for s in dumped["subscriptions"]}
    values["requests"] = list(dumped["requests"])
    return values


def _fr_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return dt.date.fromisoformat(str(iso)).strftime("%d/%m/%Y")
    except ValueError:
        return str(iso)


def history_words(history_json: str, catalog: Catalog, lang: str) -> str:
    """Earlier signatures in words, for the form (they are carried, not edited)."""
    try:
        items = json.loads(history_json or "[]")
    except ValueError:
        return ""
    words = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        version = catalog.versions.get(str(item.get("version")))
        label = version.label(lang) if version else str(item.get("version"))
        when = item.get("signed_on")
        words.append(f"{label} ({tr(lang, 'signé le', 'signed on')} {_fr_date(when)})"
                     if when else label)
    return ", ".join(words)

