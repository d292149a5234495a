"""Loading the rule catalog (``rules/``): YAML data validated with pydantic.

The catalog is data: ``catalog.yaml`` holds the convention versions, the ordered
levels, the conditions common to every brick and the tools the convention
replaced; ``bricks/*.yaml`` holds one brick a file. Reading collects every
problem it finds (``read_catalog``), so that ``rules lint`` can show them all;
``load_catalog`` refuses a catalog with any error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .conditions import OPERATORS, All, Any_, Condition, Leaf, Not, walk
from .errors import CatalogError, did_you_mean
from .facts import FIELDS, OPERATORS_BY_KIND, field_spec
from .yamlio import describe_yaml_error, load_yaml

Source = Literal["note", "law", "assumption"]


# --- the files, as written -------------------------------------------------------------

class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Data):
    """A sentence in both languages."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


class Cited(_Data):
    source: Source
    citation: str = Field(min_length=1)


class RuleData(Cited):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    label: Text | None = Field(default=None, description="a short name, for summaries")
    message: Text
    help: Text
    when: dict[str, Any]
    upper_bound: bool = Field(
        default=False, description="the condition caps a fact (more of it can lose the brick)")


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


class LevelData(_Data):
    id: str
    label: Text


class ToolReplacementData(Cited):
    fact: str
    old: str
    new: str
    version: str


class CatalogData(_Data):
    versions: list[VersionData] = Field(min_length=1)
    levels: dict[str, list[LevelData]]
    common: list[RuleData] = Field(default_factory=list)
    tool_replacements: list[ToolReplacementData] = Field(default_factory=list)


# --- the catalog, compiled -------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A condition with its citation: what the explanation reports as one reason."""

    id: str
    source: str
    citation: str
    message: Text
    help: Text
    condition: Condition
    file: str
    upper_bound: bool = False
    label: Text | None = None

    @property
    def is_assumption(self) -> bool:
        return self.source == "assumption"

    def short(self, lang: str) -> str:
        """The rule's short name (its id when the catalog gives none)."""
        return self.label(lang) if self.label is not None else self.id


@dataclass(frozen=True)
class Requirement:
    rule_id: str
    brick: str
    source: str
    citation: str


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

    def title(self, lang: str) -> str:
        """``Vidéoprotection (brique 3)``"""
        if self.number:
            return f"{self.name(lang)} ({'brique' if lang == 'fr' else 'brick'} {self.number})"
        return self.name(lang)

    def label(self, lang: str) -> str:
        """``brique 3 « Vidéoprotection »``"""
        word = "brique" if lang == "fr" else "brick"
        number = f" {self.number}" if self.number else ""
        name = f"« {self.name(lang)} »" if lang == "fr" else f"'{self.name(lang)}'"
        return f"{word}{number} {name}"


@dataclass(frozen=True)
class Version:
    id: str
    label: Text
    adopted: dt.date
    source: str
    citation: str


@dataclass
class Problem:
    """Something wrong in the catalog: where, what, and how to fix it."""

    file: str
    rule: str | None
    message: str
    hint: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.rule) if p)
        return f"{where}: {self.message}" + (f" — {self.hint}" if self.hint else "")


@dataclass
class Catalog:
    root: Path
    versions: dict[str, Version]
    levels: dict[str, tuple[str, ...]]
    level_labels: dict[str, dict[str, Text]]
    common: tuple[Rule, ...]
    bricks: dict[str, Brick]
    tool_replacements: tuple[ToolReplacementData, ...]
    aliases: dict[str, str] = field(default_factory=dict)

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

    def brick_id(self, name: str) -> str:
        """Like ``resolve``, but an unknown name is an error with a suggestion."""
        brick = self.resolve(name)
        if brick is None:
            hint = did_you_mean(name, self.names) or "see `eligibility rules list`"
            raise CatalogError(f"unknown brick '{name}'", hint=hint)
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

    def required_by(self, brick_id: str) -> list[str]:
        return [b.id for b in self.bricks.values() if any(r.brick == brick_id for r in b.requires)]


def shipped_rules_dir() -> Path:
    """The catalog that travels with the package (``rules/`` in a checkout)."""
    package = Path(__file__).resolve().parent
    installed = package / "rules"  # the wheel maps rules/ to eligibility/rules/
    if (installed / "catalog.yaml").is_file():
        return installed
    return package.parent / "rules"


# --- reading ---------------------------------------------------------------------------

def _load_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path), None, f"cannot read: {error}"))
        return None
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        problems.append(Problem(str(path), None, describe_yaml_error(error)))
        return None


def _validation_problems(path: Path, error: ValidationError, data: Any) -> list[Problem]:
    problems = []
    # An unknown field first: a missing one beside it is usually the same typo.
    items = sorted(error.errors(), key=lambda item: item["type"] != "extra_forbidden")
    for item in items:
        loc = [str(p) for p in item["loc"]]
        rule = _rule_id_at(data, item["loc"])
        message = item["msg"]
        hint = None
        if item["type"] == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
            hint = did_you_mean(loc[-1], _known_keys(loc)) or None
        problems.append(Problem(str(path), rule, f"{'.'.join(loc)}: {message}", hint))
    return problems


def _known_keys(loc: list[str]) -> list[str]:
    models = [BrickData, RuleData, RequirementData, AvailabilityData, CatalogData, VersionData,
              ReplacementData, ToolReplacementData, Text, LevelData]
    return sorted({name for model in models for name in model.model_fields})


def _rule_id_at(data: Any, loc: tuple) -> str | None:
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
        def bad(message: str, hint: str | None = None) -> None:
            self.problems.append(Problem(file, rule, message, hint))

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
                if any(c is None for c in children):
                    return None
                return cls(node_id, tuple(children))  # type: ignore[arg-type]
        if keys == {"not"}:
            child = self.condition(expr["not"], f"{node_id}/0", file, rule)
            return None if child is None else Not(node_id, child)
        if "fact" not in keys:
            unknown = sorted(keys - {"all", "any", "not"})
            bad(f"condition {node_id}: unknown operator {unknown[0]!r}" if unknown else
                f"condition {node_id}: combine with exactly one of all/any/not",
                did_you_mean(unknown[0], ["all", "any", "not", "fact"]) if unknown else None)
            return None
        return self.leaf(expr, node_id, bad)

    def leaf(self, expr: dict[str, Any], node_id: str, bad: Any) -> Leaf | None:
        fact = expr["fact"]
        ops = [k for k in expr if k != "fact"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            wrong = next((o for o in ops if o not in OPERATORS), None)
            bad(f"condition {node_id}: " + (f"unknown operator '{wrong}'" if wrong else
                "a test needs exactly one operator"),
                _operator_hint(wrong) if wrong else f"operators: {', '.join(OPERATORS)}")
            return None
        op, value = ops[0], expr[ops[0]]
        spec = field_spec(fact, self.catalog) if isinstance(fact, str) else None
        if spec is None:
            bad(f"condition {node_id}: unknown fact {fact!r}", did_you_mean(str(fact), FIELDS))
            return None
        if op not in OPERATORS_BY_KIND[spec.kind]:
            bad(f"condition {node_id}: operator '{op}' does not apply to {fact} ({spec.kind})",
                f"use one of: {', '.join(sorted(OPERATORS_BY_KIND[spec.kind]))}")
            return None
        listed = op in ("in", "not_in", "includes", "excludes")
        values = value if listed else [value]
        if not isinstance(values, list) or (listed and not values):
            bad(f"condition {node_id}: '{op}' needs a non-empty list of values")
            return None
        for v in values:
            problem = _type_problem(spec.kind, spec.values, v)
            if problem:
                bad(f"condition {node_id}: {fact} {op} {v!r}: {problem}",
                    did_you_mean(str(v), spec.values) if spec.values else None)
                return None
        rank = ({level: i for i, level in enumerate(spec.values)}
                if spec.kind == "level" else None)
        return Leaf(node_id, fact, op, tuple(value) if listed else value, rank)


_OPERATOR_SYNONYMS = {"==": "eq", "=": "eq", "!=": "ne", "neq": "ne", "<": "lt", "<=": "le",
                      "lte": "le", ">": "gt", ">=": "ge", "gte": "ge", "contains": "includes",
                      "not in": "not_in", "notin": "not_in"}


def _operator_hint(wrong: str) -> str | None:
    if wrong in _OPERATOR_SYNONYMS:
        return f"did you mean '{_OPERATOR_SYNONYMS[wrong]}'?"
    return did_you_mean(wrong, OPERATORS) or f"operators: {', '.join(OPERATORS)}"


def _type_problem(kind: str, domain: tuple[str, ...], value: Any) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "expected true or false"
    if kind in ("count", "amount"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        return None if ok else "expected a number >= 0"
    if kind == "text":
        return None if isinstance(value, str) else "expected a string"
    return None if value in domain else f"expected one of: {', '.join(domain)}"


def read_catalog(directory: str | Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Read a catalog directory; return the catalog (None if unusable) and every problem."""
    root = Path(directory) if directory is not None else shipped_rules_dir()
    problems: list[Problem] = []
    main_file = root / "catalog.yaml"
    if not root.is_dir():
        raise CatalogError("not a catalog directory", source=str(root),
                           hint="give a folder holding catalog.yaml and bricks/")
    if not main_file.is_file():
        raise CatalogError("no catalog.yaml in the rules folder", source=str(root))
    raw = _load_yaml(main_file, problems)
    try:
        data = CatalogData.model_validate(raw)
    except ValidationError as error:
        problems.extend(_validation_problems(main_file, error, raw))
        return None, problems

    versions = {v.id: Version(v.id, v.label, v.adopted, v.source, v.citation)
                for v in sorted(data.versions, key=lambda v: v.adopted)}
    catalog = Catalog(
        root=root, versions=versions,
        levels={f: tuple(level.id for level in lv) for f, lv in data.levels.items()},
        level_labels={f: {level.id: level.label for level in lv} for f, lv in data.levels.items()},
        common=(), bricks={}, tool_replacements=tuple(data.tool_replacements))
    for fact in data.levels:
        if fact not in FIELDS or FIELDS[fact].kind != "level":
            problems.append(Problem(str(main_file), None, f"levels: {fact!r} is not a level fact",
                                    did_you_mean(fact, [f for f, s in FIELDS.items()
                                                        if s.kind == "level"])))
    missing_levels = [f for f, s in FIELDS.items() if s.kind == "level" and f not in data.levels]
    for fact in missing_levels:
        problems.append(Problem(str(main_file), None, f"levels: no order given for {fact}"))
    if missing_levels:
        return None, problems
    compiler = _Compiler(catalog, problems)
    catalog.common = tuple(r for r in (_rule(compiler, d, str(main_file)) for d in data.common)
                           if r is not None)

    brick_files = sorted((root / "bricks").glob("*.yaml")) if (root / "bricks").is_dir() else []
    if not brick_files:
        problems.append(Problem(str(root / "bricks"), None, "no brick files (bricks/*.yaml)"))
    for path in brick_files:
        raw_brick = _load_yaml(path, problems)
        if raw_brick is None:
            continue
        try:
            brick_data = BrickData.model_validate(raw_brick)
        except ValidationError as error:
            problems.extend(_validation_problems(path, error, raw_brick))
            continue
        if brick_data.id in catalog.bricks:
            other = catalog.bricks[brick_data.id].file
            problems.append(Problem(str(path), brick_data.id, f"duplicate brick id "
                                    f"'{brick_data.id}' (also in {other})"))
            continue
        brick = _brick(compiler, brick_data, str(path))
        catalog.bricks[brick.id] = brick
    _link(catalog, problems)
    usable = not any(p.severity == "error" for p in problems)
    return (catalog if usable else None), problems


def _rule(compiler: _Compiler, data: RuleData, file: str) -> Rule | None:
    condition = compiler.condition(data.when, data.id, file, data.id)
    if condition is None:
        return None
    return Rule(data.id, data.source, data.citation, data.message, data.help, condition, file,
                data.upper_bound, data.label)


def _brick(compiler: _Compiler, data: BrickData, file: str) -> Brick:
    catalog = compiler.catalog
    for version in data.availability.versions:
        if version not in catalog.versions:
            compiler.problems.append(Problem(file, data.id, f"availability: unknown version "
                                             f"'{version}'",
                                             did_you_mean(version, catalog.versions)))
    availability = Leaf(f"{data.id}.available", "convention.applicable", "in",
                        tuple(data.availability.versions), None)
    return Brick(
        id=data.id, name=data.name, number=data.number,
        aliases=tuple(a.lower() for a in data.aliases),
        versions=tuple(data.availability.versions),
        availability=Cited(source=data.availability.source, citation=data.availability.citation),
        availability_rule=availability,
        requires=tuple(Requirement(f"{data.id}.requires.{r.brick}", r.brick, r.source, r.citation)
                       for r in data.requires),
        conditions=tuple(r for r in (_rule(compiler, c, file) for c in data.conditions)
                         if r is not None),
        replaced_by=data.replaced_by, file=file)


def _link(catalog: Catalog, problems: list[Problem]) -> None:
    """Cross-references: aliases, required and replacing bricks, rule ids, cycles."""
    seen_rules: dict[str, str] = {}
    for rule in catalog.rules():
        if rule.id in seen_rules:
            problems.append(Problem(rule.file, rule.id, f"duplicate rule id (also in "
                                    f"{seen_rules[rule.id]})", "give each rule its own id"))
        seen_rules[rule.id] = rule.file
    for brick in catalog.bricks.values():
        for alias in brick.aliases:
            owner = catalog.resolve(alias)
            if owner is not None and owner != brick.id or alias in catalog.bricks:
                problems.append(Problem(brick.file, brick.id, f"alias '{alias}' is already "
                                        f"used by '{owner}'", "aliases must be unique"))
            else:
                catalog.aliases[alias] = brick.id
        for req in brick.requires:
            if req.brick not in catalog.bricks:
                problems.append(Problem(brick.file, req.rule_id, f"requires unknown brick "
                                        f"'{req.brick}'", did_you_mean(req.brick, catalog.bricks)))
        if brick.replaced_by is not None:
            if brick.replaced_by.brick not in catalog.bricks:
                problems.append(Problem(brick.file, brick.id, f"replaced by unknown brick "
                                        f"'{brick.replaced_by.brick}'",
                                        did_you_mean(brick.replaced_by.brick, catalog.bricks)))
            if brick.replaced_by.version not in catalog.versions:
                problems.append(Problem(brick.file, brick.id, f"replaced_by: unknown version "
                                        f"'{brick.replaced_by.version}'"))
    for replacement in catalog.tool_replacements:
        spec = field_spec(replacement.fact, catalog)
        if spec is None or spec.kind != "enum" or not {replacement.old, replacement.new} <= set(
                spec.values):
            problems.append(Problem(str(catalog.root / "catalog.yaml"), None,
                                    f"tool_replacements: {replacement.fact} {replacement.old} -> "
                                    f"{replacement.new} names an unknown fact or value"))
    cycle = find_cycle(catalog)
    if cycle:
        problems.append(Problem(catalog.bricks[cycle[0]].file, cycle[0],
                                "dependency cycle: " + " -> ".join(cycle),
                                "remove one of these requirements"))


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


_CACHE: dict[Path, Catalog] = {}


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """The catalog at ``directory`` (the shipped one by default), refusing any error."""
    root = Path(directory) if directory is not None else shipped_rules_dir()
    key = root.resolve()
    if key not in _CACHE:
        catalog, problems = read_catalog(root)
        errors = [p for p in problems if p.severity == "error"]
        if catalog is None or errors:
            first = errors[0] if errors else Problem(str(root), None, "unusable catalog")
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise CatalogError(f"{first}{more}",
                               hint="run `eligibility rules lint` to see them all")
        _CACHE[key] = catalog
    return _CACHE[key]


def all_nodes(catalog: Catalog) -> Iterator[Condition]:
    """Every condition node the evaluators decide, availability leaves included."""
    for rule in catalog.common:
        yield from walk(rule.condition)
    for brick in catalog.bricks.values():
        yield brick.availability_rule
        for rule in brick.conditions:
            yield from walk(rule.condition)
