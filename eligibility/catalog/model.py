"""Loading the rule catalog (``rules/``): YAML data validated with pydantic.

The catalog is data: ``catalog.yaml`` holds the convention versions, the ordered
levels, the conditions common to every brick and the tools the convention
replaced; ``bricks/*.yaml`` holds one brick a file. Reading collects every
problem it finds (``read_catalog``), so that ``rules lint`` can show them all;
``catalog.loading.load_catalog`` refuses a catalog with any error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.catalog.conditions import OPERATORS, All, Any_, Condition, Leaf, Not, walk
from eligibility.catalog.shipped import shipped_rules_dir as shipped_rules_dir  # re-exported
from eligibility.catalog.text import Data as _Data
from eligibility.catalog.text import Text as Text  # re-exported: the catalog's sentences
from eligibility.catalog.vocabulary import (
    OPERATORS_BY_KIND,
    DerivedData,
    FactData,
    FactsData,
    ValueData,
    Vocabulary,
    compile_vocabulary,
)
from eligibility.documents.yamlio import describe_yaml_error, load_yaml
from eligibility.errors import CatalogError, InputError, did_you_mean

Source = Literal["note", "law", "assumption"]


# --- the files, as written -------------------------------------------------------------

class Cited(_Data):
    source: Source
    citation: str = Field(min_length=1)
    # The note's exact words the rule rests on (``source: note``), or that an assumption
    # takes as its basis; lint checks them against the shipped text (``sources/``).
    quote: str | None = Field(default=None, min_length=1)


class PeriodData(_Data):
    """The basis of a rule over a span of dates, for a law whose text is temporary."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: dt.date | None = Field(default=None, alias="from", description="first day, inclusive")
    until: dt.date | None = Field(default=None, description="last day, inclusive")
    source: Source
    citation: str = Field(min_length=1)
    quote: str | None = Field(default=None, min_length=1)

    def covers(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (
            self.until is None or day <= self.until)


class RuleData(Cited):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    label: Text | None = Field(default=None, description="a short name, for summaries")
    message: Text
    help: Text
    when: dict[str, Any]
    upper_bound: bool = Field(
        default=False, description="the condition caps a fact (more of it can lose the brick)")
    basis: list[PeriodData] = Field(
        default_factory=list, description="the rule's basis by date, when a law is temporary")


class RequirementData(Cited):
    brick: str


class AvailabilityData(Cited):
    versions: list[str] = Field(min_length=1)


class ReplacementData(Cited):
    brick: str
    version: str


class BrickData(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    aliases: list[str] = Field(default_factory=list)
    number: str | None = None
    name: Text
    availability: AvailabilityData
    requires: list[RequirementData] = Field(default_factory=list)
    conditions: list[RuleData] = Field(default_factory=list)
    replaced_by: ReplacementData | None = None


class VersionData(Cited):
    id: str
    label: Text
    adopted: dt.date


class ToolReplacementData(Cited):
    fact: str
    old: str
    new: str
    version: str


class CatalogData(_Data):
    versions: list[VersionData] = Field(min_length=1)
    # The order of levels moved to facts.yaml (each level fact lists its values); a
    # catalog.yaml still giving it is told so.
    levels: dict[str, Any] | None = None
    common: list[RuleData] = Field(default_factory=list)
    tool_replacements: list[ToolReplacementData] = Field(default_factory=list)


# --- the catalog, compiled -------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A condition with its citation: what the explanation reports as one reason."""

    id: str
    source: Source
    citation: str
    message: Text
    help: Text
    condition: Condition
    file: str
    upper_bound: bool = False
    label: Text | None = None
    quote: str | None = None
    basis: tuple[PeriodData, ...] = ()

    @property
    def is_assumption(self) -> bool:
        return self.source == "assumption"

    def period_at(self, day: dt.date) -> PeriodData | None:
        """The basis period covering ``day`` (None when the rule has no dated basis)."""
        return next((p for p in self.basis if p.covers(day)), None)

    def cited_at(self, day: dt.date) -> tuple[str, str]:
        """The source and citation the rule rests on at ``day``: a dated basis wins."""
        period = self.period_at(day)
        return (period.source, period.citation) if period else (self.source, self.citation)

    def short(self, lang: str) -> str:
        """The rule's short name (its id when the catalog gives none)."""
        return self.label(lang) if self.label is not None else self.id


@dataclass(frozen=True)
class Requirement:
    rule_id: str
    brick: str
    source: Source
    citation: str
    quote: str | None = None


@dataclass(frozen=True)
class Brick:
    id: str
    name: Text
    number: str | None
    aliases: tuple[str, ...]
    versions: tuple[str, ...]
    availability: Cited
    availability_rule: Leaf
    requires: tuple[Requirement, ...]
    conditions: tuple[Rule, ...]
    replaced_by: ReplacementData | None
    file: str
    # False when a condition of the file did not compile: lint then judges the brick partially.
    complete: bool = True
    # How a brick is named in a sentence (« brique 3 « … » ») is wording:
    # eligibility.wording.bricks.brick_title / brick_label.


@dataclass(frozen=True)
class Version:
    id: str
    label: Text
    adopted: dt.date
    source: Source
    citation: str
    quote: str | None = None


Severity = Literal["error", "warning", "info"]
"""How bad a problem or an audit finding is: an error blocks (the catalog is unusable, the
commune is not entitled), a warning is to look at, information is for the record."""
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")  # worst first


@dataclass
class Problem:
    """Something wrong in the catalog: where, what, and how to fix it.

    ``code`` names the kind of problem (``unknown-brick``, ``cycle``…, see
    ``eligibility.lint.checks.CODES``); ``severity`` is ``error`` or ``warning``.
    """

    file: str
    rule: str | None
    message: str
    hint: str | None = None
    severity: Severity = "error"
    code: str | None = None
    line: int | None = None  # in ``file``, when known

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.rule) if p)
        return f"{where}: {self.message}" + (f" — {self.hint}" if self.hint else "")


@dataclass
class Catalog:
    """The rule catalog, loaded and checked: convention versions, the fact vocabulary, the
    common rules and the bricks, indexed for lookups."""

    root: Path
    versions: dict[str, Version]
    facts: Vocabulary
    common: tuple[Rule, ...]
    bricks: dict[str, Brick]
    tool_replacements: tuple[ToolReplacementData, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    # Bricks whose file did not pass the schema (id -> file): references to them are not
    # reported again as unknown bricks, their file already has its findings.
    broken: dict[str, str] = field(default_factory=dict)
    _cited: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    _content_hash: str | None = field(default=None, repr=False, compare=False)
    _closures: dict[str, tuple[str, ...]] | None = field(default=None, init=False,
                                                         repr=False, compare=False)
    _rules_by_id: dict[str, Rule] | None = field(default=None, init=False, repr=False,
                                                 compare=False)

    @property
    def content_hash(self) -> str:
        """``sha256:…`` of the catalog folder's files (see ``catalog.content_hash``): the
        rules a verdict came from, in every report's provenance. Computed once."""
        if self._content_hash is None:
            from eligibility.catalog.content_hash import content_hash

            self._content_hash = content_hash(self.root)
        return self._content_hash

    @property
    def levels(self) -> dict[str, tuple[str, ...]]:
        """Each level fact's values, worst to best (``facts.yaml``)."""
        return self.facts.levels

    @property
    def version_ids(self) -> list[str]:
        return list(self.versions)

    @property
    def names(self) -> list[str]:
        """Every accepted brick name: ids and aliases."""
        return [*self.bricks, *self.aliases]

    def resolve(self, name: str) -> str | None:
        """The brick id for an id or an alias (case-insensitive), or None."""
        key = str(name).strip().lower()
        if key in self.bricks:
            return key
        return self.aliases.get(key)

    def brick_id(self, name: str, source: str | None = None) -> str:
        """Like ``resolve``, but an unknown name is an error (naming ``source``, the option
        or file it came from) with a suggestion."""
        brick = self.resolve(name)
        if brick is None:
            hint = did_you_mean(name, self.names) or "see `eligibility rules list`"
            raise CatalogError(f"unknown brick '{name}'", source=source, hint=hint)
        return brick

    def version_at(self, day: dt.date) -> str | None:
        """The latest version adopted on or before ``day``."""
        adopted = [v for v in self.versions.values() if v.adopted <= day]
        return max(adopted, key=lambda v: v.adopted).id if adopted else None

    def rank(self, version: str) -> int:
        return self.version_ids.index(version) if version in self.versions else -1

    def rules(self) -> Iterator[Rule]:
        yield from self.common
        for brick in self.bricks.values():
            yield from brick.conditions

    def rule(self, rule_id: str) -> Rule | None:
        """The rule (common or of a brick) with id ``rule_id``, or None (indexed once)."""
        if self._rules_by_id is None:
            self._rules_by_id = {r.id: r for r in self.rules()}
        return self._rules_by_id.get(rule_id)

    def provenance(self, rule_id: str, day: dt.date) -> dict[str, Any]:
        """The quote and dated basis behind a reason's rule, for the JSON output.

        ``quote`` is the note's exact words (what a ``note`` rule rests on, or the basis
        of an ``assumption``); ``basis`` is the period of a temporary law covering ``day``.
        """
        if self._cited is None:  # built once: the JSON of many communes asks per reason
            cited: dict[str, Rule | Requirement | Cited] = {r.id: r for r in self.rules()}
            for brick in self.bricks.values():
                cited[brick.availability_rule.node_id] = brick.availability
                cited.update((r.rule_id, r) for r in brick.requires)
            self._cited = cited
        found = self._cited.get(rule_id)
        out: dict[str, Any] = {}
        if found is not None and found.quote:
            out["quote"] = found.quote
        if isinstance(found, Rule):
            period = found.period_at(day)
            if period is not None:
                out["basis"] = {
                    "from": period.from_.isoformat() if period.from_ else None,
                    "until": period.until.isoformat() if period.until else None,
                    "source": period.source, "citation": period.citation}
                if period.quote:
                    out["quote"] = period.quote
        return out

    def required_by(self, brick_id: str) -> list[str]:
        return [b.id for b in self.bricks.values() if any(r.brick == brick_id for r in b.requires)]

    def requirement_closure(self, brick_id: str) -> tuple[str, ...]:
        """Every brick ``brick_id`` requires, directly or through another, in catalog
        order (itself excluded; cycles and unknown bricks tolerated). Computed once."""
        if self._closures is None:
            self._closures = {}
        found = self._closures.get(brick_id)
        if found is None:
            seen: set[str] = set()
            stack = [r.brick for r in self.bricks[brick_id].requires]
            while stack:
                brick = stack.pop()
                if brick not in seen and brick in self.bricks:
                    seen.add(brick)
                    stack.extend(r.brick for r in self.bricks[brick].requires)
            seen.discard(brick_id)
            found = self._closures[brick_id] = tuple(b for b in self.bricks if b in seen)
        return found


NOTE_FILE = "note-poulx-2022-12-convention-dn.txt"
"""The council note's text, shipped in ``rules/sources/`` (see its README)."""


def note_path(root: Path | None = None) -> Path:
    """The note a catalog's quotes are checked against: ``sources/`` beside its
    ``catalog.yaml``, else the shipped copy (a test catalog may carry none)."""
    if root is not None and (root / "sources" / NOTE_FILE).is_file():
        return root / "sources" / NOTE_FILE
    return shipped_rules_dir() / "sources" / NOTE_FILE


def normalise_space(text: str) -> str:
    """Whitespace runs (line breaks included) as one space: nothing else is changed, so
    typographic quotes, apostrophes and the note's typos must be quoted as they are."""
    return " ".join(text.split())


# --- reading ---------------------------------------------------------------------------

_UNREADABLE = object()  # what _load_yaml returns when the file gave a problem


def _load_yaml(path: Path, problems: list[Problem]) -> Any:
    from eligibility.documents.bounded import (  # bounded: size, regular files only
        decode_text,
        read_input,
    )

    try:
        text = decode_text(read_input(path, "catalog"), str(path))
    except InputError as error:
        problems.append(Problem(str(path), None, error.message,
                                error.hint or "save the file as UTF-8 text", code="unreadable"))
        return _UNREADABLE
    try:
        data = load_yaml(text)
    except (yaml.YAMLError, ValueError) as error:
        problems.append(Problem(str(path), None, describe_yaml_error(error),
                                "fix the YAML syntax there (indentation, quotes, brackets, "
                                "a key given twice)", code="malformed-yaml"))
        return _UNREADABLE
    if data is None:
        problems.append(Problem(str(path), None, "empty file",
                                "fill it in (docs/authoring.md), or delete a brick file not needed",
                                code="schema"))
        return _UNREADABLE
    return data


_TEXT_FIELDS = ("message", "help", "name", "label")


def _validation_problems(path: Path, error: ValidationError, data: Any,
                         model: type[BaseModel] = BrickData) -> list[Problem]:
    problems = []
    # An unknown field first: a missing one beside it is usually the same typo.
    items = sorted(error.errors(), key=lambda item: item["type"] != "extra_forbidden")
    for item in items:
        loc = [str(p) for p in item["loc"]]
        rule = _rule_id_at(data, item["loc"])
        message = item["msg"]
        code, hint = _schema_code(loc, item["type"])
        if code == "dead-brick":
            message = "empty: the brick exists under no convention version, so it can never " \
                      "be eligible"
        if item["type"] == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
            hint = did_you_mean(loc[-1], _known_keys(model, item["loc"][:-1])) or hint
        if not loc:  # the whole file: a list or a scalar where a mapping was expected
            message = f"expected a mapping of fields ({message})"
        where = ".".join(loc)
        problems.append(Problem(str(path), rule, f"{where}: {message}" if where else message,
                                hint, code=code))
    return problems


def _schema_code(loc: list[str], kind: str) -> tuple[str, str]:
    """The lint code and the usual fix of a schema error at ``loc``."""
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return "unknown-key", "remove it, or see docs/authoring.md for the fields a file takes"
    if last == "citation":
        return "missing-citation", ("cite where the rule comes from: the note's point, the "
                                    "article of law, or what the DN must confirm")
    if last == "source":
        return ("missing-source" if kind == "missing" else "bad-source",
                "source is one of: note, law, assumption")
    if last in ("fr", "en") or (last in _TEXT_FIELDS and kind == "missing"):
        return "missing-translation", 'give the text in both languages: {fr: "…", en: "…"}'
    if loc[-2:] == ["availability", "versions"] and kind == "too_short":
        return "dead-brick", "list the convention versions that define the brick"
    return "schema", "see docs/authoring.md for the fields a file takes"


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model at ``loc`` inside ``model`` (list indices skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            break
        if isinstance(part, int):
            continue
        info = current.model_fields.get(str(part))
        current = _model_in(info.annotation) if info is not None else None
    if current is None:  # somewhere unexpected: every key the formats know
        models: list[type[BaseModel]] = [
            BrickData, RuleData, RequirementData, AvailabilityData, CatalogData, VersionData,
            ReplacementData, ToolReplacementData, Text, PeriodData, FactsData, FactData,
            ValueData, DerivedData]
        return sorted({name for m in models for name in m.model_fields})
    return [info.alias or name for name, info in current.model_fields.items()]  # "from"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as ``list[RuleData]`` or ``Text | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _rule_id_at(data: Any, loc: tuple[Any, ...]) -> str | None:
    """The id of the nearest rule or brick around a location, to name it in a message."""
    node, found = data, None
    for part in loc:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        found = node["id"]
    return found


class _Compiler:
    """Turns ``when:`` expressions into condition trees, checking facts and operators."""

    def __init__(self, catalog: Catalog, problems: list[Problem]) -> None:
        self.catalog = catalog
        self.problems = problems

    def condition(self, expr: Any, node_id: str, file: str, rule: str) -> Condition | None:
        def bad(message: str, hint: str | None = None, code: str = "bad-condition") -> None:
            self.problems.append(Problem(file, rule, message, hint or _CONDITION_HINT, code=code))

        if not isinstance(expr, dict) or not expr:
            bad(f"condition {node_id}: expected a mapping with 'fact', 'all', 'any' or 'not'")
            return None
        keys = set(expr)
        for combinator, cls in (("all", All), ("any", Any_)):
            if keys == {combinator}:
                items = expr[combinator]
                if not isinstance(items, list) or not items:
                    bad(f"condition {node_id}: '{combinator}' needs a non-empty list")
                    return None
                children = [self.condition(c, f"{node_id}/{i}", file, rule)
                            for i, c in enumerate(items)]
                kids = [c for c in children if c is not None]
                if len(kids) < len(children):
                    return None
                return cls(node_id, tuple(kids))
        if keys == {"not"}:
            child = self.condition(expr["not"], f"{node_id}/0", file, rule)
            return None if child is None else Not(node_id, child)
        if "fact" not in keys:
            unknown = sorted(keys - {"all", "any", "not"})
            bad(f"condition {node_id}: unknown operator {unknown[0]!r}" if unknown else
                f"condition {node_id}: combine with exactly one of all/any/not",
                did_you_mean(unknown[0], ["all", "any", "not", "fact"]) if unknown else None,
                "unknown-operator" if unknown else "bad-condition")
            return None
        return self.leaf(expr, node_id, bad)

    def leaf(self, expr: dict[str, Any], node_id: str, bad: Any) -> Leaf | None:
        fact = expr["fact"]
        ops = [k for k in expr if k != "fact"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            wrong = next((o for o in ops if o not in OPERATORS), None)
            bad(f"condition {node_id}: " + (f"unknown operator '{wrong}'" if wrong else
                "a test needs exactly one operator"),
                _operator_hint(wrong) if wrong else f"operators: {', '.join(OPERATORS)}",
                "unknown-operator" if wrong else "bad-condition")
            return None
        op, value = ops[0], expr[ops[0]]
        facts = self.catalog.facts
        spec = facts.get(fact) if isinstance(fact, str) else None
        if spec is None:
            bad(f"condition {node_id}: unknown fact {fact!r}",
                did_you_mean(str(fact), list(facts)) or f"facts: {', '.join(facts)} "
                "(declare a new one in facts.yaml)", "unknown-fact")
            return None
        if op not in OPERATORS_BY_KIND[spec.kind]:
            usable = sorted(OPERATORS_BY_KIND[spec.kind])
            bad(f"condition {node_id}: operator '{op}' does not apply to {fact} ({spec.kind})",
                f"use one of: {', '.join(usable)}" if usable else
                f"no rule can test a {spec.kind} fact yet", "operator-mismatch")
            return None
        listed = op in ("in", "not_in", "includes", "excludes")
        values = value if listed else [value]
        if not isinstance(values, list) or (listed and not values):
            bad(f"condition {node_id}: '{op}' needs a non-empty list of values",
                f"write {op}: [a, b]", "bad-value")
            return None
        for v in values:
            problem = _type_problem(spec.kind, spec.values, v)
            if problem:
                bad(f"condition {node_id}: {fact} {op} {v!r}: {problem}",
                    did_you_mean(str(v), spec.values) if spec.values else None, "bad-value")
                return None
        rank = ({level: i for i, level in enumerate(spec.values)}
                if spec.kind == "level" else None)
        return Leaf(node_id, fact, op, tuple(value) if listed else value, rank)


_CONDITION_HINT = ("a test is {fact: F, OP: V}; combine tests with all: [...], any: [...] or "
                   "not: {...} (docs/authoring.md)")

_OPERATOR_SYNONYMS = {"==": "eq", "=": "eq", "!=": "ne", "neq": "ne", "<": "lt", "<=": "le",
                      "lte": "le", ">": "gt", ">=": "ge", "gte": "ge", "contains": "includes",
                      "not in": "not_in", "notin": "not_in"}


def _operator_hint(wrong: str) -> str | None:
    if wrong in _OPERATOR_SYNONYMS:
        return f"did you mean '{_OPERATOR_SYNONYMS[wrong]}'?"
    return did_you_mean(wrong, OPERATORS) or f"operators: {', '.join(OPERATORS)}"


_MAX_THRESHOLD = 2 ** 53


def _type_problem(kind: str, domain: tuple[str, ...], value: Any) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "expected true or false"
    if kind in ("count", "amount"):
        # Bounded below 2**53: the engine compares exact numbers only up to there.
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and 0 <= value < _MAX_THRESHOLD)
        return None if ok else f"expected a number >= 0 and below {_MAX_THRESHOLD:,}"
    if kind == "text":
        return None if isinstance(value, str) else "expected a string"
    if kind == "date":
        plain = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return None if plain else "expected a date YYYY-MM-DD"
    return None if value in domain else f"expected one of: {', '.join(domain)}"


def read_catalog(directory: str | Path | None = None, *, partial: bool = False,
                 ) -> tuple[Catalog | None, list[Problem]]:
    """Read a catalog directory; return the catalog (None if unusable) and every problem.

    With ``partial``, the catalog is returned even with errors, holding what could be
    read (bricks whose file passed the schema, rules that compiled), so that lint can
    go on examining it; it is None only when ``catalog.yaml`` itself is unusable.
    """
    root = Path(directory) if directory is not None else shipped_rules_dir()
    problems: list[Problem] = []
    main_file = root / "catalog.yaml"
    if not root.is_dir():
        raise CatalogError("not a catalog directory", source=str(root),
                           hint="give a folder holding catalog.yaml and bricks/")
    if not main_file.is_file():
        raise CatalogError("no catalog.yaml in the rules folder", source=str(root))
    raw = _load_yaml(main_file, problems)
    if raw is _UNREADABLE:
        return None, problems
    try:
        data = CatalogData.model_validate(raw)
    except ValidationError as error:
        problems.extend(_validation_problems(main_file, error, raw, CatalogData))
        return None, problems

    versions = {v.id: Version(v.id, v.label, v.adopted, v.source, v.citation, v.quote)
                for v in sorted(data.versions, key=lambda v: v.adopted)}
    if len(versions) < len(data.versions):
        seen: set[str] = set()
        for v in data.versions:
            if v.id in seen:
                problems.append(Problem(str(main_file), v.id, f"duplicate version id '{v.id}'",
                                        "give each convention version its own id",
                                        code="duplicate-version"))
            seen.add(v.id)
    if data.levels is not None:
        problems.append(Problem(str(main_file), None, "levels: the order of a level is now the "
                                "order of its values in facts.yaml",
                                "move each level's values to its fact in facts.yaml, worst "
                                "to best, and remove levels:", code="bad-level"))
    vocabulary = _read_vocabulary(root, [(v.id, v.label) for v in versions.values()], problems)
    if vocabulary is None:
        return None, problems
    catalog = Catalog(root=root, versions=versions, facts=vocabulary, common=(), bricks={},
                      tool_replacements=tuple(data.tool_replacements))
    compiler = _Compiler(catalog, problems)
    catalog.common = tuple(r for r in (_rule(compiler, d, str(main_file)) for d in data.common)
                           if r is not None)

    brick_files = sorted((root / "bricks").glob("*.yaml")) if (root / "bricks").is_dir() else []
    if not brick_files:
        problems.append(Problem(str(root / "bricks"), None, "no brick files (bricks/*.yaml)",
                                "write one YAML file per brick in bricks/", code="no-bricks"))
    for path in brick_files:
        raw_brick = _load_yaml(path, problems)
        if raw_brick is _UNREADABLE:
            # Its id, if a line gives it, so that bricks requiring it are not reported too.
            found = re.search(r"^id:\s*['\"]?([a-z][a-z0-9-]*)", _text_of(path), re.MULTILINE)
            if found:
                catalog.broken.setdefault(found.group(1), str(path))
            continue
        dropped = False
        try:
            brick_data = BrickData.model_validate(raw_brick)
        except ValidationError as error:
            problems.extend(_validation_problems(path, error, raw_brick))
            partial_data = _without_refused_rules(raw_brick, error)
            if partial_data is None:
                raw_id = raw_brick.get("id") if isinstance(raw_brick, dict) else None
                if isinstance(raw_id, str):
                    catalog.broken.setdefault(raw_id.lower(), str(path))
                continue
            # Only some rules were refused: keep the rest, so lint examines the brick too
            # (the catalog stays unusable, the refusals being errors).
            brick_data, dropped = partial_data, True
        if brick_data.id in catalog.bricks:
            other = catalog.bricks[brick_data.id].file
            problems.append(Problem(str(path), brick_data.id, f"duplicate brick id "
                                    f"'{brick_data.id}' (also in {other})",
                                    "give the brick its own id, or merge the two files",
                                    code="duplicate-brick"))
            continue
        brick = _brick(compiler, brick_data, str(path))
        if dropped:
            brick = replace(brick, complete=False)
        catalog.bricks[brick.id] = brick
    _link(catalog, problems)
    usable = not any(p.severity == "error" for p in problems)
    return (catalog if usable or partial else None), problems


FACTS_FILE = "facts.yaml"


def facts_path(root: Path) -> Path:
    """The vocabulary a catalog reads: its own ``facts.yaml``, else the shipped one (a
    catalog written for a test may carry only its rules)."""
    own = root / FACTS_FILE
    return own if own.is_file() else shipped_rules_dir() / FACTS_FILE


def _read_vocabulary(root: Path, versions: list[tuple[str, Text]],
                     problems: list[Problem]) -> Vocabulary | None:
    """The facts a rule may read (``facts.yaml``); None when the file is unusable."""
    path = facts_path(root)
    raw = _load_yaml(path, problems)
    if raw is _UNREADABLE:
        return None
    try:
        data = FactsData.model_validate(raw)
    except ValidationError as error:
        problems.extend(_validation_problems(path, error, raw, FactsData))
        return None
    vocabulary, issues = compile_vocabulary(data, versions)
    problems.extend(Problem(str(path), fact, message, hint, code=code)
                    for fact, message, hint, code in issues)
    return vocabulary


def _text_of(path: Path) -> str:
    from eligibility.documents.bounded import (  # a FIFO is refused, not waited on
        decode_text,
        read_input,
    )

    try:
        return decode_text(read_input(path, "catalog"), str(path))
    except InputError:
        return ""


def _without_refused_rules(raw: Any, error: ValidationError) -> BrickData | None:
    """The brick less the conditions the schema refused, when nothing else was refused."""
    if not isinstance(raw, dict) or not isinstance(raw.get("conditions"), list):
        return None
    refused: set[int] = set()
    for item in error.errors():
        loc = item["loc"]
        if len(loc) < 2 or loc[0] != "conditions" or not isinstance(loc[1], int):
            return None
        refused.add(loc[1])
    kept = [c for i, c in enumerate(raw["conditions"]) if i not in refused]
    try:
        return BrickData.model_validate({**raw, "conditions": kept})
    except ValidationError:
        return None


def _rule(compiler: _Compiler, data: RuleData, file: str) -> Rule | None:
    condition = compiler.condition(data.when, data.id, file, data.id)
    if condition is None:
        return None
    return Rule(data.id, data.source, data.citation, data.message, data.help, condition, file,
                data.upper_bound, data.label, data.quote, tuple(data.basis))


def _brick(compiler: _Compiler, data: BrickData, file: str) -> Brick:
    catalog = compiler.catalog
    for version in data.availability.versions:
        if version not in catalog.versions:
            compiler.problems.append(Problem(
                file, data.id, f"availability: unknown version '{version}'",
                did_you_mean(version, catalog.versions)
                or f"versions: {', '.join(catalog.versions)}", code="unknown-version"))
    availability = Leaf(f"{data.id}.available", "convention.applicable", "in",
                        tuple(data.availability.versions), None)
    conditions = tuple(r for r in (_rule(compiler, c, file) for c in data.conditions)
                       if r is not None)
    return Brick(
        id=data.id, name=data.name, number=data.number,
        aliases=tuple(a.lower() for a in data.aliases),
        versions=tuple(data.availability.versions),
        availability=Cited(source=data.availability.source, citation=data.availability.citation,
                           quote=data.availability.quote),
        availability_rule=availability,
        requires=tuple(Requirement(f"{data.id}.requires.{r.brick}", r.brick, r.source,
                                   r.citation, r.quote) for r in data.requires),
        conditions=conditions, replaced_by=data.replaced_by, file=file,
        complete=len(conditions) == len(data.conditions))


def _link(catalog: Catalog, problems: list[Problem]) -> None:
    """Cross-references: aliases, required and replacing bricks, rule ids, cycles."""
    seen_rules: dict[str, str] = {}
    for rule in catalog.rules():
        if rule.id in seen_rules:
            problems.append(Problem(rule.file, rule.id, f"duplicate rule id (also in "
                                    f"{seen_rules[rule.id]})", "give each rule its own id",
                                    code="duplicate-rule"))
        seen_rules[rule.id] = rule.file
    for brick in catalog.bricks.values():
        for alias in brick.aliases:
            owner = catalog.resolve(alias)
            if owner is not None and owner != brick.id or alias in catalog.bricks:
                problems.append(Problem(brick.file, brick.id, f"alias '{alias}' is already "
                                        f"used by '{owner or alias}'",
                                        "aliases must be unique: choose another or remove it",
                                        code="duplicate-alias"))
            else:
                catalog.aliases[alias] = brick.id
        for req in brick.requires:
            if req.brick not in catalog.bricks and req.brick not in catalog.broken:
                problems.append(Problem(brick.file, req.rule_id, f"requires unknown brick "
                                        f"'{req.brick}'", did_you_mean(req.brick, catalog.bricks)
                                        or _known_bricks(catalog), code="unknown-brick"))
        if brick.replaced_by is not None:
            target = brick.replaced_by.brick
            if target not in catalog.bricks and target not in catalog.broken:
                problems.append(Problem(brick.file, brick.id, f"replaced by unknown brick "
                                        f"'{target}'", did_you_mean(target, catalog.bricks)
                                        or _known_bricks(catalog), code="unknown-replacement"))
            if brick.replaced_by.version not in catalog.versions:
                problems.append(Problem(brick.file, brick.id, f"replaced_by: unknown version "
                                        f"'{brick.replaced_by.version}'",
                                        did_you_mean(brick.replaced_by.version, catalog.versions)
                                        or f"versions: {', '.join(catalog.versions)}",
                                        code="unknown-version"))
    for replacement in catalog.tool_replacements:
        spec = catalog.facts.get(replacement.fact)
        if spec is None or spec.kind != "enum" or not {replacement.old, replacement.new} <= set(
                spec.values):
            problems.append(Problem(str(catalog.root / "catalog.yaml"), None,
                                    f"tool_replacements: {replacement.fact} {replacement.old} -> "
                                    f"{replacement.new} names an unknown fact or value",
                                    "name an enum fact and two of its values",
                                    code="unknown-fact"))
        if replacement.version not in catalog.versions:
            problems.append(Problem(str(catalog.root / "catalog.yaml"), None,
                                    f"tool_replacements: unknown version '{replacement.version}'",
                                    did_you_mean(replacement.version, catalog.versions)
                                    or f"versions: {', '.join(catalog.versions)}",
                                    code="unknown-version"))
    cycle = find_cycle(catalog)
    if cycle:
        problems.append(Problem(catalog.bricks[cycle[0]].file, cycle[0],
                                "dependency cycle: " + " -> ".join(cycle),
                                "remove one of these requirements", code="cycle"))


def _known_bricks(catalog: Catalog) -> str:
    return f"bricks: {', '.join(catalog.bricks)}"


def find_cycle(catalog: Catalog) -> list[str] | None:
    """A requirement cycle as a path ``[a, b, …, a]``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(brick: str) -> list[str] | None:
        state[brick] = 1
        stack.append(brick)
        for req in catalog.bricks[brick].requires:
            if req.brick not in catalog.bricks:
                continue
            if state.get(req.brick) == 1:
                return [*stack[stack.index(req.brick):], req.brick]
            if req.brick not in state:
                found = visit(req.brick)
                if found:
                    return found
        stack.pop()
        state[brick] = 2
        return None

    for brick in catalog.bricks:
        if brick not in state:
            found = visit(brick)
            if found:
                return found
    return None


def all_nodes(catalog: Catalog) -> Iterator[Condition]:
    """Every condition node the evaluators decide, availability leaves included."""
    for rule in catalog.common:
        yield from walk(rule.condition)
    for brick in catalog.bricks.values():
        yield brick.availability_rule
        for rule in brick.conditions:
            yield from walk(rule.condition)
