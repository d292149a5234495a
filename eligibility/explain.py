"""Explanations: a verdict as a chain of "because", a help plan, and citations.

This module decides *what* is said about a verdict, in the user's language; the
renderers in ``render.py`` decide how it looks (text, markdown, JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, Rule
from .check import check
from .conditions import Condition, Leaf, Truth, children
from .facts import FIELDS, SOURCE_FIELDS
from .i18n import t
from .remediation import REQUEST, SET, SIGN, Plan, Step, Unsatisfiable, plan, satisfying_value
from .verdicts import AVAILABILITY, COMMON, CONDITION, REQUIREMENT, Evaluation, Reason, Verdict

SYMBOLS = {"eligible": "✓", "ineligible": "✗", "undetermined": "?", "unavailable": "–"}
_OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "∈",
        "not_in": "∉", "includes": "⊇", "excludes": "∩ ∅ ="}


@dataclass
class Because:
    """One reason as said to a person: the rule, what was observed, where it comes from."""

    rule: str
    held: Truth
    text: str
    details: list[str] = field(default_factory=list)
    source: str = ""
    citation: str = ""
    nested: list[Because] = field(default_factory=list)
    nested_intro: str = ""  # "it is itself ineligible:" before the nested reasons

    @property
    def is_assumption(self) -> bool:
        return self.source == "assumption"


@dataclass
class BrickExplanation:
    brick: str
    status: str
    title: str
    because: list[Because]
    missing: list[str]
    rest: list[str]
    help: list[str]
    plan: Plan | None
    assumptions: list[str]


def fact_label(path: str, lang: str) -> str:
    spec = FIELDS.get(path)
    if spec is None:
        return path
    return spec.label_en if lang == "en" else spec.label_fr


def show_value(value: Any, lang: str) -> str:
    if value is None:
        return t(lang, "unknown")
    if isinstance(value, bool):
        return t(lang, "yes" if value else "no")
    if isinstance(value, (set, frozenset, list, tuple)):
        return ", ".join(sorted(str(v) for v in value)) or t(lang, "nothing")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_test(leaf: Leaf, lang: str) -> str:
    value = leaf.value
    shown = "[" + ", ".join(map(str, value)) + "]" if isinstance(value, tuple) else \
        show_value(value, lang)
    if leaf.op == "excludes":
        return ("aucun de " if lang == "fr" else "none of ") + shown
    if leaf.op == "includes":
        return ("tous de " if lang == "fr" else "all of ") + shown
    return f"{_OPS[leaf.op]} {shown}"


def read_facts(condition: Condition, facts: Mapping[str, Any]) -> list[str]:
    """The facts a condition reads, in order."""
    seen: dict[str, None] = {}
    stack = [condition]
    while stack:
        node = stack.pop(0)
        if isinstance(node, Leaf):
            seen[node.fact] = None
        stack[0:0] = children(node)
    return list(seen)


def _observed(condition: Condition, ev: Evaluation, commune: str, lang: str) -> str:
    shown = [f"{fact_label(f, lang)} {show_value(ev.facts.get(f), lang)}"
             for f in read_facts(condition, ev.facts)]
    return t(lang, "has", commune=commune, facts=", ".join(shown))


def _cited(because: Because, source: str, citation: str) -> Because:
    because.source, because.citation = source, citation
    return because


def _version_label(catalog: Catalog, version: str | None, lang: str) -> str:
    if version is None:
        return t(lang, "unknown")
    if version == "none":
        return t(lang, "no_convention")
    return catalog.versions[version].label(lang) if version in catalog.versions else version


def _rule_of(catalog: Catalog, rule_id: str) -> Rule:
    return next(r for r in catalog.rules() if r.id == rule_id)


def because_of(reason: Reason, ev: Evaluation, lang: str, depth: int = 0) -> Because:
    """What to say about one reason of a verdict."""
    catalog, commune = ev.catalog, ev.profile.commune.name
    if reason.kind == AVAILABILITY:
        brick = catalog.bricks[reason.rule.rsplit(".", 1)[0]]
        versions = ", ".join(_version_label(catalog, v, lang) for v in brick.versions)
        item = Because(reason.rule, reason.held, t(lang, "available_under", versions=versions))
        applicable = ev.facts.get("convention.applicable")
        if reason.held is False:
            item.details.append(t(lang, "not_under", commune=commune,
                                  version=_version_label(catalog, applicable, lang)))
            in_force = catalog.version_at(ev.as_of)
            if in_force and in_force != applicable and in_force in catalog.versions and \
                    catalog.rank(in_force) > catalog.rank(applicable or ""):
                item.details.append(t(lang, "newer_in_force",
                                      version=_version_label(catalog, in_force, lang)))
        return _cited(item, brick.availability.source, brick.availability.citation)
    if reason.kind == REQUIREMENT:
        assert reason.brick is not None
        required = catalog.bricks[reason.brick]
        item = Because(reason.rule, reason.held,
                       t(lang, "requires_brick", label=required.label(lang)))
        requirement = next(r for b in catalog.bricks.values() for r in b.requires
                           if r.rule_id == reason.rule)
        if reason.brick in ev.profile.held:
            item.details.append(t(lang, "required_held", commune=commune))
        elif reason.brick not in ev.requested:
            item.details.append(t(lang, "not_held_not_asked", commune=commune))
        other = ev.verdicts[reason.brick]
        if reason.brick not in ev.profile.held and other.status != "eligible" and depth < 4:
            item.nested_intro = t(lang, "required_fails", status=t(lang, other.status))
            item.nested = [because_of(r, ev, lang, depth + 1) for r in other.reasons
                           if r.held is not True]
        return _cited(item, requirement.source, requirement.citation)
    rule = _rule_of(catalog, reason.rule)
    item = Because(reason.rule, reason.held, rule.message(lang))
    if reason.kind in (COMMON, CONDITION):
        item.details.append(_observed(rule.condition, ev, commune, lang))
    return _cited(item, rule.source, rule.citation)


def step_text(step: Step, ev: Evaluation, lang: str) -> str:
    if step.kind == REQUEST:
        return t(lang, "ask_too", brick=step.brick)
    if step.kind == SIGN:
        return t(lang, "sign", version=_version_label(ev.catalog, step.value, lang))
    assert step.kind == SET and step.field is not None
    change = t(lang, "set", label=fact_label(step.field, lang),
               current=show_value(step.current, lang), value=show_value(step.value, lang))
    rule = next((r for r in ev.catalog.rules() if r.id == step.rule), None)
    return f"{rule.help(lang)} ({change})" if rule is not None else change


def recheck_for(ev: Evaluation, engine: str = "reference"):
    """A function re-evaluating a changed profile on the same date and catalog."""
    def recheck(profile, requested):  # type: ignore[no-untyped-def]
        return check(ev.catalog, profile, ev.as_of, requested, engine=engine)  # type: ignore[arg-type]
    return recheck


def help_lines(ev: Evaluation, verdict: Verdict, lang: str) -> tuple[list[str], Plan | None]:
    if verdict.status in ("eligible", "undetermined"):
        return [], None
    remedy = plan(ev, verdict.brick, recheck_for(ev))
    lines = [f"{step_text(s, ev, lang)} [{s.rule}]" for s in remedy.steps]
    if not remedy.feasible:
        if remedy.replaced_by:
            brick = ev.catalog.bricks[verdict.brick]
            assert brick.replaced_by is not None
            lines = [t(lang, "replaced_by", brick=remedy.replaced_by,
                       version=_version_label(ev.catalog, brick.replaced_by.version, lang))]
        else:
            lines = [t(lang, "impossible", why=remedy.why_not)]
    return lines, remedy


def short_name(reason: Reason, ev: Evaluation, lang: str) -> str:
    """A reason in a few words, for "the rest holds: …"."""
    if reason.kind == AVAILABILITY:
        version = ev.facts.get("convention.applicable")
        return t(lang, "exists_under", version=_version_label(ev.catalog, version, lang))
    if reason.kind == REQUIREMENT:
        return str(reason.brick)
    return _rule_of(ev.catalog, reason.rule).short(lang)


def explain_verdict(ev: Evaluation, verdict: Verdict, lang: str) -> BrickExplanation:
    brick = ev.catalog.bricks[verdict.brick]
    because = [because_of(r, ev, lang) for r in verdict.reasons if r.held is not True]
    if verdict.status == "unavailable":
        because = [b for b in because if b.rule == brick.availability_rule.node_id]
    rest = [short_name(r, ev, lang) for r in verdict.reasons if r.held is True]
    helps, remedy = help_lines(ev, verdict, lang)
    missing = [f"{m} ({fact_label(_fact_of(m), lang)})" for m in verdict.missing]
    assumptions = [r.rule for r in verdict.reasons if r.is_assumption]
    return BrickExplanation(verdict.brick, verdict.status,
                            f"{verdict.brick} — {brick.title(lang)}", because, missing, rest,
                            helps, remedy, assumptions)


def _fact_of(profile_field: str) -> str:
    for derived, sources in SOURCE_FIELDS.items():
        if profile_field in sources:
            return derived
    return profile_field


def leaf_lines(condition: Condition, ev: Evaluation, lang: str, indent: int = 0) -> list[str]:
    """The full derivation of a condition: every node, what it read, held or failed."""
    truth = ev.truths[condition.node_id]
    mark = SYMBOLS["eligible" if truth else "ineligible" if truth is False else "undetermined"]
    pad = "  " * indent
    if isinstance(condition, Leaf):
        value = ev.facts.get(condition.fact)
        line = f"{pad}{mark} " + t(lang, "reads", fact=condition.fact,
                                    value=show_value(value, lang),
                                    test=describe_test(condition, lang))
        lines = [line]
        if truth is False:
            try:
                target = satisfying_value(condition, True, value, ev.catalog)
                lines.append(f"{pad}    " + t(lang, "would_hold", change=(
                    f"{condition.fact} = {show_value(target, lang)}")))
            except Unsatisfiable:  # no value of the fact makes it hold
                pass
        return lines
    name = type(condition).__name__.rstrip("_").lower()
    lines = [f"{pad}{mark} {name}"]
    for child in children(condition):
        lines += leaf_lines(child, ev, lang, indent + 1)
    return lines
