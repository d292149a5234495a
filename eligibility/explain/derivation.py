"""Explanations: a verdict as a chain of "because", a help plan, and citations.

This module decides *what* is said about a verdict, in the user's language; the
renderers in ``render.py`` decide how it looks (text, markdown, JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eligibility.catalog.conditions import Condition, Leaf, Truth, children
from eligibility.catalog.model import Catalog, Rule
from eligibility.evaluation.check import check
from eligibility.evaluation.remediation import (
    FIND_OUT,
    REQUEST,
    SET,
    SIGN,
    Plan,
    Step,
    Unsatisfiable,
    plan,
    satisfying_value,
)
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    Evaluation,
    Reason,
    Verdict,
)
from eligibility.profile.facts import FIELDS, SOURCE_FIELDS
from eligibility.wording.i18n import join, t, the, value_label

SYMBOLS = {"eligible": "✓", "ineligible": "✗", "undetermined": "?", "unavailable": "–"}


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
    assumption_names: list[str] = field(default_factory=list)  # the same, as said to a person


def fact_label(path: str, lang: str) -> str:
    spec = FIELDS.get(path)
    if spec is None:
        return path
    return spec.label_en if lang == "en" else spec.label_fr


def show_value(value: Any, lang: str, fact: str = "", catalog: Catalog | None = None) -> str:
    """A fact's value as said in a sentence: its label from the wording table."""
    return value_label(fact, value, lang, catalog)


def describe_test(leaf: Leaf, lang: str, catalog: Catalog | None = None) -> str:
    """What a test expects, in words (« au moins FTTO », « ni X ni Y »)."""
    value = leaf.value
    if isinstance(value, tuple):
        words = [show_value(v, lang, leaf.fact, catalog) for v in value]
        if leaf.op in ("not_in", "excludes"):
            shown = (" ni " if lang != "en" else " nor ").join(words)
        else:
            shown = join(words, lang, "and" if leaf.op == "includes" else "or")
    elif leaf.op == "ne" and value == "none" and leaf.fact.startswith("convention."):
        return t(lang, "op_signed")  # not « autre qu'aucune convention »
    else:
        shown = show_value(value, lang, leaf.fact, catalog)
    return t(lang, f"op_{leaf.op}", v=shown)


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
    shown = [t(lang, "fact_is", label=fact_label(f, lang),
               value=show_value(ev.facts.get(f), lang, f, ev.catalog))
             for f in read_facts(condition, ev.facts)]
    return t(lang, "has", commune=commune, facts=" ; ".join(shown) if lang != "en"
             else "; ".join(shown))


def _cited(because: Because, source: str, citation: str) -> Because:
    because.source, because.citation = source, citation
    return because


def _version_label(catalog: Catalog, version: str | None, lang: str) -> str:
    """A version with its article, as it follows « sous » or « signer »."""
    if version is None:
        return t(lang, "unknown")
    if version == "none":
        return t(lang, "no_convention")
    return the(catalog.versions[version].label(lang), lang) if version in catalog.versions \
        else version


def brick_typed(catalog: Catalog, brick_id: str, lang: str) -> str:
    """« brique 3 « Vidéoprotection » (videoprotection) »: the name, then the id one types."""
    return t(lang, "brick_typed", label=catalog.bricks[brick_id].label(lang), id=brick_id)


def rule_name(catalog: Catalog, rule_id: str, lang: str) -> str:
    """A rule's short name, for lists (the rest holds, rests on assumptions)."""
    for brick in catalog.bricks.values():
        if rule_id == brick.availability_rule.node_id:
            return t(lang, "availability_name")
        for requirement in brick.requires:
            if requirement.rule_id == rule_id:
                return t(lang, "required_name", label=catalog.bricks[requirement.brick].label(lang))
    return _rule_of(catalog, rule_id).short(lang)


def _rule_of(catalog: Catalog, rule_id: str) -> Rule:
    return next(r for r in catalog.rules() if r.id == rule_id)


def because_of(reason: Reason, ev: Evaluation, lang: str, depth: int = 0) -> Because:
    """What to say about one reason of a verdict."""
    catalog, commune = ev.catalog, ev.profile.commune.name
    if reason.kind == AVAILABILITY:
        brick = catalog.bricks[reason.rule.rsplit(".", 1)[0]]
        versions = join((_version_label(catalog, v, lang) for v in brick.versions), lang)
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
        if reason.brick in ev.held:  # held on the date (facts.held_on)
            item.details.append(t(lang, "required_held", commune=commune))
        elif reason.brick not in ev.requested:
            item.details.append(t(lang, "not_held_not_asked", commune=commune))
        other = ev.verdicts[reason.brick]
        # Held or asked for, the required brick must be valid itself: say why it is not.
        if reason.held is not True and other.status != "eligible" and depth < 4:
            causes = (False,) if reason.held is False else (False, None)  # unknown: no cause
            item.nested = [because_of(r, ev, lang, depth + 1) for r in other.reasons
                           if r.held in causes]
            if item.nested:
                item.nested_intro = t(lang, "required_fails", status=t(lang, other.status))
        return _cited(item, requirement.source, requirement.citation)
    rule = _rule_of(catalog, reason.rule)
    item = Because(reason.rule, reason.held, rule.message(lang))
    if reason.kind in (COMMON, CONDITION):
        item.details.append(_observed(rule.condition, ev, commune, lang))
    return _cited(item, reason.source, reason.citation)  # as of the date (a temporary law)


def step_text(step: Step, ev: Evaluation, lang: str) -> str:
    if step.kind == REQUEST:
        assert step.brick is not None
        return t(lang, "ask_too", brick=brick_typed(ev.catalog, step.brick, lang))
    if step.kind == SIGN:
        return t(lang, "sign", version=_version_label(ev.catalog, step.value, lang))
    if step.kind == FIND_OUT:  # a question: the verdict still depends on this field
        assert step.field is not None
        return t(lang, "find_out_step", label=fact_label(_fact_of(step.field), lang),
                 field=step.field)
    assert step.kind == SET and step.field is not None
    change = t(lang, "set", label=fact_label(step.field, lang),
               current=show_value(step.current, lang, step.field, ev.catalog),
               value=show_value(step.value, lang, step.field, ev.catalog))
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
    lines = [step_text(s, ev, lang) for s in remedy.steps]
    if not remedy.feasible:
        if remedy.replaced_by:
            brick = ev.catalog.bricks[verdict.brick]
            assert brick.replaced_by is not None
            lines = [t(lang, "replaced_by", brick=brick_typed(ev.catalog, remedy.replaced_by, lang),
                       version=_version_label(ev.catalog, brick.replaced_by.version, lang))]
        elif remedy.out_of_reach:
            facts = join((fact_label(f, lang) for f in remedy.out_of_reach), lang)
            lines = [t(lang, "out_of_reach", facts=facts)]
        else:
            lines = [t(lang, "impossible", why=remedy.why_not)]
    return lines, remedy


def short_name(reason: Reason, ev: Evaluation, lang: str) -> str:
    """A reason in a few words, for "the rest holds: …"."""
    if reason.kind == AVAILABILITY:
        version = ev.facts.get("convention.applicable")
        return t(lang, "exists_under", version=_version_label(ev.catalog, version, lang))
    return rule_name(ev.catalog, reason.rule, lang)


def explain_verdict(ev: Evaluation, verdict: Verdict, lang: str) -> BrickExplanation:
    brick = ev.catalog.bricks[verdict.brick]
    because = [because_of(r, ev, lang) for r in verdict.reasons if r.held is not True]
    if verdict.status == "unavailable":
        because = [b for b in because if b.rule == brick.availability_rule.node_id]
    rest = [short_name(r, ev, lang) for r in verdict.reasons if r.held is True]
    helps, remedy = help_lines(ev, verdict, lang)
    missing = [t(lang, "missing_fact", label=fact_label(_fact_of(m), lang), field=m)
               for m in verdict.missing]
    assumptions = [r.rule for r in verdict.reasons if r.is_assumption]
    return BrickExplanation(verdict.brick, verdict.status,
                            brick_typed(ev.catalog, verdict.brick, lang), because, missing,
                            rest, helps, remedy, assumptions,
                            [rule_name(ev.catalog, a, lang) for a in assumptions])


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
        line = f"{pad}{mark} " + t(lang, "reads", label=fact_label(condition.fact, lang),
                                    value=show_value(value, lang, condition.fact, ev.catalog),
                                    test=describe_test(condition, lang, ev.catalog))
        lines = [line]
        if truth is False:
            try:
                target = satisfying_value(condition, True, value, ev.catalog)
                lines.append(f"{pad}    " + t(lang, "would_hold", value=show_value(
                    target, lang, condition.fact, ev.catalog)))
            except Unsatisfiable:  # no value of the fact makes it hold
                pass
        return lines
    name = type(condition).__name__.rstrip("_").lower()
    lines = [f"{pad}{mark} {t(lang, 'node_' + name)}"]
    for child in children(condition):
        lines += leaf_lines(child, ev, lang, indent + 1)
    return lines
