"""Explanations: a verdict as a chain of "because", a help plan, and citations.

This module decides *what* is said about a verdict, in the user's language; the
renderers in ``reports/check.py`` decide how it looks (text, markdown, JSON). It
evaluates nothing and plans nothing: the verdicts, their reasons and their plans come
computed once in the ``Evaluation`` (``evaluation.check``); every sentence comes from
the wording layer (``wording.i18n``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eligibility.catalog.conditions import Condition, Leaf, Truth, children
from eligibility.catalog.model import Catalog, Rule
from eligibility.evaluation.plans import FIND_OUT, REQUEST, SET, SIGN, Plan, Step
from eligibility.evaluation.remediation import Unsatisfiable, satisfying_value
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    Evaluation,
    Reason,
    Status,
    Verdict,
)
from eligibility.wording.bricks import brick_label
from eligibility.wording.i18n import join, t, value_label, version_label

SYMBOLS = {"eligible": "✓", "ineligible": "✗", "undetermined": "?", "unavailable": "–"}


@dataclass(frozen=True)
class Because:
    """One reason as said to a person: the rule, what was observed, where it comes from."""

    rule: str
    held: Truth
    text: str
    details: tuple[str, ...] = ()
    source: str = ""
    citation: str = ""
    nested: tuple[Because, ...] = ()
    nested_intro: str = ""  # "it is itself ineligible:" before the nested reasons

    @property
    def is_assumption(self) -> bool:
        return self.source == "assumption"


@dataclass(frozen=True)
class BrickExplanation:
    """The explanation of one verdict as data: the chain of because, what is missing, the help
    and its checked plan, the assumptions it rests on."""

    brick: str
    status: Status
    title: str
    because: list[Because]
    missing: list[str]
    rest: list[str]
    help: list[str]
    plan: Plan | None
    assumptions: list[str]
    assumption_names: list[str] = field(default_factory=list)  # the same, as said to a person


def fact_label(catalog: Catalog, path: str, lang: str) -> str:
    """A fact's label from the catalog's vocabulary (its path when it has none)."""
    fact = catalog.facts.get(path)
    return path if fact is None else fact.label(lang)


def show_value(value: Any, lang: str, fact: str = "", catalog: Catalog | None = None) -> str:
    """A fact's value as said in a sentence: its label from the wording table."""
    return value_label(fact, value, lang, catalog)


def describe_test(leaf: Leaf, lang: str, catalog: Catalog | None = None) -> str:
    """What a test expects, in words (« au moins FTTO », « ni X ni Y »)."""
    value = leaf.value
    if isinstance(value, tuple):
        words = [show_value(v, lang, leaf.fact, catalog) for v in value]
        if leaf.op in ("not_in", "excludes"):
            shown = t(lang, "nor").join(words)
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
    shown = [t(lang, "fact_is", label=fact_label(ev.catalog, f, lang),
               value=show_value(ev.facts.get(f), lang, f, ev.catalog))
             for f in read_facts(condition, ev.facts)]
    return t(lang, "has", commune=commune, facts=t(lang, "semicolon").join(shown))




def brick_typed(catalog: Catalog, brick_id: str, lang: str) -> str:
    """« brique 3 « Vidéoprotection » (videoprotection) »: the name, then the id one types."""
    return t(lang, "brick_typed", label=brick_label(catalog.bricks[brick_id], lang), id=brick_id)


def rule_name(catalog: Catalog, rule_id: str, lang: str) -> str:
    """A rule's short name, for lists (the rest holds, rests on assumptions)."""
    rule = catalog.rule(rule_id)
    if rule is not None:
        return rule.short(lang)
    owner, _, required = rule_id.partition(".requires.")  # ids made by the catalog
    if required in catalog.bricks and owner in catalog.bricks:
        return t(lang, "required_name", label=brick_label(catalog.bricks[required], lang))
    if rule_id.endswith(".available") and rule_id[:-len(".available")] in catalog.bricks:
        return t(lang, "availability_name")
    raise KeyError(rule_id)


def _rule_of(catalog: Catalog, rule_id: str) -> Rule:
    rule = catalog.rule(rule_id)
    assert rule is not None, rule_id
    return rule


def reason_text(reason: Reason, catalog: Catalog, lang: str) -> str:
    """What a reason says in one sentence (the JSON ``message``; a because's headline)."""
    if reason.kind == AVAILABILITY:
        brick = catalog.bricks[reason.rule.rsplit(".", 1)[0]]
        versions = join((version_label(catalog, v, lang) for v in brick.versions), lang)
        return t(lang, "available_under", versions=versions)
    if reason.kind == REQUIREMENT:
        assert reason.brick is not None
        return t(lang, "requires_brick", label=brick_label(catalog.bricks[reason.brick], lang))
    return _rule_of(catalog, reason.rule).message(lang)


def because_of(reason: Reason, ev: Evaluation, lang: str, depth: int = 0) -> Because:
    """What to say about one reason of a verdict (its source and citation are those the
    reason carries: in force at the date, for a temporary law)."""
    catalog, commune = ev.catalog, ev.profile.commune.name
    details: list[str] = []
    nested: tuple[Because, ...] = ()
    nested_intro = ""
    text = reason_text(reason, catalog, lang)
    if reason.kind == AVAILABILITY:
        applicable = ev.facts.get("convention.applicable")
        if reason.held is False:
            details.append(t(lang, "not_under", commune=commune,
                             version=version_label(catalog, applicable, lang)))
            in_force = catalog.version_at(ev.as_of)
            if in_force and in_force != applicable and in_force in catalog.versions and \
                    catalog.rank(in_force) > catalog.rank(applicable or ""):
                details.append(t(lang, "newer_in_force",
                                 version=version_label(catalog, in_force, lang)))
    elif reason.kind == REQUIREMENT:
        assert reason.brick is not None
        if reason.brick in ev.held:  # held on the date (facts.held_on)
            details.append(t(lang, "required_held", commune=commune))
        elif reason.brick not in ev.requested:
            details.append(t(lang, "not_held_not_asked", commune=commune))
        other = ev.verdicts[reason.brick]
        # Held or asked for, the required brick must be valid itself: say why it is not.
        if reason.held is not True and other.status != "eligible" and depth < 4:
            causes = (False,) if reason.held is False else (False, None)  # unknown: no cause
            nested = tuple(because_of(r, ev, lang, depth + 1) for r in other.reasons
                           if r.held in causes)
            if nested:
                nested_intro = t(lang, "required_fails", status=t(lang, other.status))
    elif reason.kind in (COMMON, CONDITION):
        details.append(_observed(_rule_of(catalog, reason.rule).condition, ev, commune, lang))
    return Because(reason.rule, reason.held, text, tuple(details), reason.source,
                   reason.citation, nested, nested_intro)


def step_text(step: Step, ev: Evaluation, lang: str) -> str:
    if step.kind == REQUEST:
        assert step.brick is not None
        return t(lang, "ask_too", brick=brick_typed(ev.catalog, step.brick, lang))
    if step.kind == SIGN:
        return t(lang, "sign", version=version_label(ev.catalog, step.value, lang))
    if step.kind == FIND_OUT:  # a question: the verdict still depends on this field
        assert step.field is not None
        label = fact_label(ev.catalog, _fact_of(ev.catalog, step.field), lang)
        return t(lang, "find_out_step", label=label, field=step.field)
    assert step.kind == SET and step.field is not None
    change = t(lang, "set", label=fact_label(ev.catalog, step.field, lang),
               current=show_value(step.current, lang, step.field, ev.catalog),
               value=show_value(step.value, lang, step.field, ev.catalog))
    rule = ev.catalog.rule(step.rule)
    return f"{rule.help(lang)} ({change})" if rule is not None else change


def help_lines(ev: Evaluation, verdict: Verdict, lang: str) -> tuple[list[str], Plan | None]:
    """The help under a verdict, in words, and the plan it says (``ev.plans``: planned
    once by ``check``, never here)."""
    if verdict.status in ("eligible", "undetermined"):
        return [], None
    remedy = ev.plans.get(verdict.brick)
    if remedy is None:
        raise ValueError(f"no plan for '{verdict.brick}': evaluate with check(..., plans=True)"
                         " and show the brick")
    lines = [step_text(s, ev, lang) for s in remedy.steps]
    if not remedy.feasible:
        if remedy.replaced_by:
            brick = ev.catalog.bricks[verdict.brick]
            assert brick.replaced_by is not None
            lines = [t(lang, "replaced_by", brick=brick_typed(ev.catalog, remedy.replaced_by, lang),
                       version=version_label(ev.catalog, brick.replaced_by.version, lang))]
        elif remedy.out_of_reach:
            facts = join((fact_label(ev.catalog, f, lang) for f in remedy.out_of_reach), lang)
            lines = [t(lang, "out_of_reach", facts=facts)]
        else:
            lines = [t(lang, "impossible", why=remedy.why_not)]
    return lines, remedy


def short_name(reason: Reason, ev: Evaluation, lang: str) -> str:
    """A reason in a few words, for "the rest holds: …"."""
    if reason.kind == AVAILABILITY:
        version = ev.facts.get("convention.applicable")
        return t(lang, "exists_under", version=version_label(ev.catalog, version, lang))
    return rule_name(ev.catalog, reason.rule, lang)


def explain_verdict(ev: Evaluation, verdict: Verdict, lang: str) -> BrickExplanation:
    """The explanation of ``verdict`` (of ``ev``) as data, in ``lang``: what every renderer
    formats."""
    brick = ev.catalog.bricks[verdict.brick]
    because = [because_of(r, ev, lang) for r in verdict.reasons if r.held is not True]
    if verdict.status == "unavailable":
        because = [b for b in because if b.rule == brick.availability_rule.node_id]
    rest = [short_name(r, ev, lang) for r in verdict.reasons if r.held is True]
    helps, remedy = help_lines(ev, verdict, lang)
    missing = [t(lang, "missing_fact", field=m,
                 label=fact_label(ev.catalog, _fact_of(ev.catalog, m), lang))
               for m in verdict.missing]
    assumptions = [r.rule for r in verdict.reasons if r.is_assumption]
    return BrickExplanation(verdict.brick, verdict.status,
                            brick_typed(ev.catalog, verdict.brick, lang), because, missing,
                            rest, helps, remedy, assumptions,
                            [rule_name(ev.catalog, a, lang) for a in assumptions])


def _fact_of(catalog: Catalog, profile_field: str) -> str:
    """The fact a profile field is read into (a derived fact for the convention's)."""
    for derived, sources in catalog.facts.derived.items():
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
        line = f"{pad}{mark} " + t(lang, "reads",
                                    label=fact_label(ev.catalog, condition.fact, lang),
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
