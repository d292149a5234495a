"""The facts a rule may read, as data: ``rules/facts.yaml`` compiled into a ``Vocabulary``.

Design decisions:

* The vocabulary belongs to the catalog (a copied catalog may declare new facts), so
  it is read with it and reached as ``catalog.facts``. Everything that needs to know
  what a fact is asks it: the profile model and its JSON Schema, the CSV columns, the
  web form, remediation, lint and the property tests. No module lists facts in Python.
* A fact's path is ``section.name``: the profile section it lives in and its field
  there. The parts of the profile that are not facts (the commune's code and name, the
  convention signed and its history, the accounts' year, subscriptions, requests) are
  written by hand in ``profile/model.py``; ``FIXED_FIELDS`` names them so that a fact
  cannot take their place.
* Two facts are derived by the program (``DERIVATIONS``); the file declares them too,
  marked ``derived``, and their values are the catalog's convention versions and
  ``none``, filled in here once the versions are known.
* The order of a level's values (worst to best) is the order of its ``values``: this
  file is the one place it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from eligibility.catalog.text import Data, Text

Kind = Literal["bool", "count", "amount", "level", "enum", "set", "text", "date"]
Better = Literal["more", "less"]

OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "bool": frozenset({"eq", "ne"}),
    "count": frozenset({"eq", "ne", "lt", "le", "gt", "ge"}),
    "amount": frozenset({"eq", "ne", "lt", "le", "gt", "ge"}),
    # A date is a profile field (schema, form, CSV) no rule tests yet: the engine adapter
    # encodes numbers, booleans, levels and codes only.
    "date": frozenset(),
    "level": frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"}),
    "enum": frozenset({"eq", "ne", "in", "not_in"}),
    "text": frozenset({"eq", "ne", "in", "not_in"}),
    "set": frozenset({"includes", "excludes"}),
}
"""The operators a rule may apply to a fact of each kind."""

LISTED_KINDS = frozenset({"level", "enum", "set"})
"""Kinds whose values must be listed (a ``text`` may list the values it knows)."""

DERIVATIONS: dict[str, tuple[str, ...]] = {
    "convention.in_force": ("convention.version", "convention.signed_on"),
    "convention.applicable": ("convention.version",),
}
"""The facts the program derives (``profile.facts.derive_facts``), and the profile
fields each is computed from: what a user must fill in for it to be known."""

FIXED_FIELDS = frozenset({"commune.insee", "commune.name", "convention.version",
                          "convention.signed_on", "convention.history", "finances.year"})
"""Profile fields that are not facts: ``profile/model.py`` writes them by hand."""

FIXED_SECTIONS = frozenset({"subscriptions", "requests"})
"""Top-level profile fields that are not sections of facts."""

NO_CONVENTION = Text(fr="aucune convention", en="no convention")
"""The value ``none`` of the derived convention facts."""

_PATH = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


# --- the file, as written --------------------------------------------------------------

class ValueData(Data):
    id: str = Field(min_length=1)
    label: Text
    description: Text | None = Field(default=None, description="a longer label, for forms")


class DerivedData(Data):
    from_: list[str] = Field(alias="from", min_length=1)


class FactData(Data):
    kind: Kind
    label: Text
    values: list[ValueData] = Field(default_factory=list)
    better: Better = "more"
    actionable: bool = True
    question: Text | None = None
    unit: Text | None = None
    derived: DerivedData | None = None


class FactsData(Data):
    sections: dict[str, Text] = Field(default_factory=dict,
                                      description="the title of each profile section")
    facts: dict[str, FactData] = Field(min_length=1)


# --- the vocabulary, compiled ----------------------------------------------------------

@dataclass(frozen=True)
class Value:
    id: str
    label: Text
    description: Text | None = None


@dataclass(frozen=True)
class Fact:
    """What a fact is: its kind decides the operators a rule may apply to it and the
    values a profile may give it; the rest is how people are told about it."""

    path: str
    kind: Kind
    label: Text  # callable: ``fact.label("fr")``
    choices: tuple[Value, ...] = ()
    better: Better = "more"  # which way is better, for remediation and monotonicity
    # Whether the commune can change the fact by itself: a plan offers a step on an
    # actionable fact only; one that fails on another puts the brick out of reach.
    actionable: bool = True
    asked: Text | None = None
    unit_text: Text | None = None
    derived_from: tuple[str, ...] = ()  # the profile fields a derived fact comes from

    @property
    def section(self) -> str:
        return self.path.split(".")[0]

    @property
    def name(self) -> str:
        return self.path.split(".")[1]

    @property
    def is_derived(self) -> bool:
        return bool(self.derived_from)

    @property
    def values(self) -> tuple[str, ...]:
        """The ids of the values, in order (worst to best for a level)."""
        return tuple(v.id for v in self.choices)

    @property
    def label_fr(self) -> str:
        return self.label.fr

    @property
    def label_en(self) -> str:
        return self.label.en

    def question(self, lang: str) -> str:
        """What a form asks (the label when the file gives no question)."""
        return self.asked(lang) if self.asked is not None else self.label(lang)

    def unit(self, lang: str) -> str:
        return self.unit_text(lang) if self.unit_text is not None else ""

    def value(self, value_id: str) -> Value | None:
        return next((v for v in self.choices if v.id == value_id), None)

    def value_label(self, value_id: str, lang: str) -> str | None:
        """How a sentence says one value (None when the fact does not list it)."""
        found = self.value(value_id)
        return found.label(lang) if found is not None else None

    def choice_label(self, value_id: str, lang: str) -> str:
        """The words for one value in a form: its description, else its label (the value
        itself when it is not listed)."""
        found = self.value(value_id)
        if found is None:
            return value_id
        return (found.description or found.label)(lang)


@dataclass(frozen=True)
class Vocabulary:
    """The facts of a catalog, in the file's order, by path. Frozen and hashable: the
    profile model derived from it is built once per vocabulary."""

    facts: tuple[Fact, ...]
    titles: tuple[tuple[str, Text], ...] = ()  # (profile section, its title)
    _by_path: dict[str, Fact] = field(init=False, repr=False, compare=False, hash=False)
    _hash: int = field(init=False, repr=False, compare=False, hash=False)
    _read: tuple[Fact, ...] = field(init=False, repr=False, compare=False, hash=False)
    # (path, section, name) of each fact read from a profile: derive_facts runs per
    # profile, and splitting paths there was a third of its time (issue 12)
    readers: tuple[tuple[str, str, str], ...] = field(init=False, repr=False, compare=False,
                                                      hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_path", {f.path: f for f in self.facts})
        object.__setattr__(self, "_hash", hash((self.facts, self.titles)))
        read = tuple(f for f in self.facts if not f.is_derived)
        object.__setattr__(self, "_read", read)
        object.__setattr__(self, "readers", tuple((f.path, f.section, f.name) for f in read))

    def __hash__(self) -> int:  # computed once: the profile model is looked up per profile
        return self._hash

    def __getitem__(self, path: str) -> Fact:
        return self._by_path[path]

    def __contains__(self, path: object) -> bool:
        return path in self._by_path

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path)

    def __len__(self) -> int:
        return len(self.facts)

    def get(self, path: str) -> Fact | None:
        return self._by_path.get(path)

    def items(self) -> Iterator[tuple[str, Fact]]:
        return iter(self._by_path.items())

    @property
    def read(self) -> tuple[Fact, ...]:
        """The facts read straight from a profile (the derived ones left out)."""
        return self._read

    @property
    def derived(self) -> dict[str, tuple[str, ...]]:
        """Each derived fact and the profile fields it is computed from."""
        return {f.path: f.derived_from for f in self.facts if f.is_derived}

    def sections(self) -> list[str]:
        """The profile sections holding facts read from the profile, in the file's order."""
        return list(dict.fromkeys(f.section for f in self.read))

    def section_title(self, section: str) -> Text | None:
        return next((title for name, title in self.titles if name == section), None)

    def in_section(self, section: str) -> tuple[Fact, ...]:
        return tuple(f for f in self.read if f.section == section)

    @property
    def levels(self) -> dict[str, tuple[str, ...]]:
        """Each level fact's values, worst to best."""
        return {f.path: f.values for f in self.facts if f.kind == "level"}


Issue = tuple[str, str, str | None, str]
"""A problem of the file: (fact path, message, hint, lint code)."""


def compile_vocabulary(data: FactsData, versions: Sequence[tuple[str, Text]],
                       ) -> tuple[Vocabulary, list[Issue]]:
    """The vocabulary of a validated ``facts.yaml``, and what is wrong with it.

    ``versions`` are the catalog's convention versions with their labels, the values of
    the derived convention facts. A fact with a problem is left out of the vocabulary,
    so that rules reading it are reported as reading an unknown fact too.
    """
    issues: list[Issue] = []
    facts: list[Fact] = []
    for path, spec in data.facts.items():
        found = _problems(path, spec)
        if found:
            issues.extend((path, message, hint, code) for message, hint, code in found)
            continue
        choices = tuple(Value(v.id, v.label, v.description) for v in spec.values)
        derived_from: tuple[str, ...] = ()
        if spec.derived is not None:
            derived_from = tuple(spec.derived.from_)
            choices = (*(Value(vid, label) for vid, label in versions),
                       Value("none", NO_CONVENTION))
        facts.append(Fact(path, spec.kind, spec.label, choices, spec.better, spec.actionable,
                          spec.question, spec.unit, derived_from))
    return Vocabulary(tuple(facts), tuple(data.sections.items())), issues


def _problems(path: str, spec: FactData) -> list[tuple[str, str | None, str]]:
    out: list[tuple[str, str | None, str]] = []
    if not _PATH.fullmatch(path):
        out.append((f"fact {path!r}: a fact is named section.name (lower case, digits, _)",
                    "for instance equipment.defibrillators", "bad-fact"))
        return out
    section = path.split(".")[0]
    if spec.derived is not None:
        if path not in DERIVATIONS:
            out.append((f"fact {path}: only {', '.join(DERIVATIONS)} are derived by the "
                        "program", "remove `derived:` and let the profile give the fact",
                        "bad-fact"))
        elif tuple(spec.derived.from_) != DERIVATIONS[path]:
            out.append((f"fact {path}: derived from {', '.join(DERIVATIONS[path])}",
                        f"write derived: {{from: [{', '.join(DERIVATIONS[path])}]}}",
                        "bad-fact"))
        elif spec.kind != "enum" or spec.values:
            out.append((f"fact {path}: a derived convention fact is an enum whose values "
                        "are the catalog's versions", "write kind: enum and no values",
                        "bad-fact"))
        return out
    if path in DERIVATIONS:
        out.append((f"fact {path}: derived by the program", f"write derived: {{from: "
                    f"[{', '.join(DERIVATIONS[path])}]}}", "bad-fact"))
    elif path in FIXED_FIELDS or section in FIXED_SECTIONS or section == "convention":
        out.append((f"fact {path}: this part of the profile is not a fact",
                    "give the fact another section or name", "bad-fact"))
    ids = [v.id for v in spec.values]
    if spec.kind in LISTED_KINDS and not ids:
        out.append((f"fact {path}: a {spec.kind} lists its values",
                    "values: [{id: …, label: {fr: …, en: …}}, …]"
                    + (" from worst to best" if spec.kind == "level" else ""), "bad-level"
                    if spec.kind == "level" else "bad-fact"))
    elif ids and spec.kind not in LISTED_KINDS and spec.kind != "text":
        out.append((f"fact {path}: a {spec.kind} has no values to list", "remove values:",
                    "bad-fact"))
    if len(set(ids)) < len(ids):
        out.append((f"fact {path} lists a value twice", "list each value once"
                    + (", from worst to best" if spec.kind == "level" else ""),
                    "bad-level" if spec.kind == "level" else "bad-fact"))
    return out
