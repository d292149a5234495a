"""Validation of a catalog: every static problem, each with its file, rule and fix.

This is the catalog layer's own judgement of a catalog, so that ``load_catalog`` can
refuse one with errors without reaching up to ``rules lint`` (which builds on this
module and reports its findings, with what ``read_catalog`` collected). Each finding
is a ``catalog.Problem`` with a ``code`` (see ``CODES``), a severity (``error``: the
catalog must not be used; ``warning``: it works but something is probably wrong), the
file and the rule, and a hint saying how to fix it.

Dead and redundant conditions are found by reasoning over the facts' domains
(``catalog.satisfiability``), not by trying profiles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eligibility.catalog.conditions import All, Any_, Condition, Leaf, Not, children
from eligibility.catalog.model import (
    Brick,
    Catalog,
    PeriodData,
    Problem,
    Rule,
    Severity,
    normalise_space,
    note_path,
)
from eligibility.catalog.satisfiability import (
    always,
    implies,
    satisfiable,
    unsat_core,
    upward_closed,
)

BASE = "conseil-assistance"
"""The base brick (CONTRACT §1): the only one without technical prerequisites."""

ERROR: Severity = "error"
WARNING: Severity = "warning"

# Every code lint reports, with its severity and what it means.
CODES: dict[str, tuple[Severity, str]] = {
    "unreadable": (ERROR, "a file cannot be read"),
    "malformed-yaml": (ERROR, "a file is not valid YAML"),
    "schema": (ERROR, "a field is missing or has the wrong type"),
    "unknown-key": (ERROR, "a key the file format does not have (a typo?)"),
    "missing-source": (ERROR, "a rule says neither note, law nor assumption"),
    "bad-source": (ERROR, "a source other than note, law or assumption"),
    "missing-citation": (ERROR, "a rule without citation (or a blank one)"),
    "missing-translation": (ERROR, "a text without both French and English"),
    "unknown-brick": (ERROR, "a requirement names no brick of the catalog"),
    "unknown-replacement": (ERROR, "replaced_by names no brick of the catalog"),
    "unknown-fact": (ERROR, "a condition reads a fact that does not exist"),
    "unknown-operator": (ERROR, "a condition uses an operator that does not exist"),
    "operator-mismatch": (ERROR, "an operator that does not apply to the fact's kind"),
    "bad-value": (ERROR, "a value outside the fact's domain"),
    "bad-condition": (ERROR, "a condition that is not a test nor all/any/not"),
    "unknown-version": (ERROR, "a convention version the catalog does not define"),
    "bad-level": (ERROR, "the order of a level fact is missing or wrong"),
    "bad-fact": (ERROR, "a fact of facts.yaml is declared wrongly (name, kind, values)"),
    "no-bricks": (ERROR, "no brick file"),
    "duplicate-brick": (ERROR, "two bricks with one id"),
    "duplicate-alias": (ERROR, "an alias used twice, or equal to a brick id"),
    "duplicate-rule": (ERROR, "two rules with one id"),
    "duplicate-version": (ERROR, "a convention version given twice"),
    "duplicate-requirement": (ERROR, "a brick requiring the same brick twice"),
    "cycle": (ERROR, "bricks requiring each other"),
    "no-prerequisites": (ERROR, "a brick other than the base one without prerequisites"),
    "requirement-unavailable": (ERROR, "a brick existing under a version its requirement "
                                       "does not exist under"),
    "withdrawn-required": (ERROR, "a withdrawn brick required after its withdrawal"),
    "replacement-mismatch": (ERROR, "replaced_by disagrees with the versions"),
    "dead-brick": (ERROR, "a brick no profile can make eligible"),
    "dead-requirement": (ERROR, "a brick requiring a dead brick"),
    "base-prerequisites": (WARNING, "the base brick has prerequisites"),
    "no-base": (WARNING, "a brick that does not rest on the base brick"),
    "duplicate-number": (WARNING, "two bricks with one number"),
    "availability-gap": (WARNING, "a brick missing from a version between two that have it"),
    "conflicting-requirement": (WARNING, "a brick and its requirement cannot both be eligible"),
    "tautology": (WARNING, "a condition that always holds"),
    "redundant-condition": (WARNING, "a test implied by another in the same all/any"),
    "redundant-rule": (WARNING, "a rule implied by another rule of the brick"),
    "undeclared-upper-bound": (WARNING, "a test that a better profile can fail, without "
                                        "upper_bound: true"),
    "missing-quote": (ERROR, "a source: note without the note's words it rests on (quote)"),
    "quote-not-in-note": (ERROR, "a quote that is not, word for word, in the note's text"),
    "no-note-text": (ERROR, "the note's text (sources/) cannot be read to check the quotes"),
    "assumption-without-basis": (WARNING, "an assumption without the note's words it "
                                          "builds on (quote)"),
    "bad-period": (ERROR, "a dated basis whose dates are out of order or overlap"),
}

_DEFAULT_HINT = "see docs/authoring.md"


def validate(catalog: Catalog) -> list[Problem]:
    """The findings of the checks that run on a catalog read without error: what
    ``load_catalog`` refuses a catalog for (its errors), and ``rules lint`` reports."""
    return [completed(p) for check in CHECKS for p in check(catalog)]


def completed(problem: Problem) -> Problem:
    """The problem with a code, a severity matching it, a hint and a line when found."""
    code = problem.code or "schema"
    severity = CODES.get(code, (problem.severity, ""))[0]
    hint = problem.hint or _DEFAULT_HINT
    line = problem.line or _locate(problem)
    return replace(problem, code=code, severity=severity, hint=hint, line=line)


# --- where in the file -----------------------------------------------------------------

_AT_LINE = re.compile(r"at line (\d+)")


def _locate(problem: Problem) -> int | None:
    """The line of the rule (or brick) the problem is about, by a look at the file."""
    found = _AT_LINE.search(problem.message)
    if found:
        return int(found.group(1))
    if not problem.rule:
        return None
    if not Path(problem.file).is_file():  # a FIFO would block (issue 9)
        return None
    try:
        lines = Path(problem.file).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    rule = re.escape(problem.rule)
    patterns = [rf"^\s*(-\s*)?\{{?\s*id:\s*['\"]?{rule}['\"]?\s*[,}}]?\s*$"]
    owner, _, required = problem.rule.partition(".requires.")
    if required:
        patterns.append(rf"brick:\s*['\"]?{re.escape(required)}['\"]?\s*[,}}]")
    if not required and "." not in problem.rule:
        patterns.append(rf"^id:\s*['\"]?{re.escape(owner)}")
    for pattern in patterns:
        for number, text in enumerate(lines, start=1):
            if re.search(pattern, text):
                return number
    return None


# --- describing conditions -------------------------------------------------------------

_SYMBOLS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "in": "in",
            "not_in": "not in", "includes": "includes", "excludes": "excludes"}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe(condition: Condition) -> str:
    """``network.fibre >= ftto``, ``any(…; …)``: a condition on one line."""
    if isinstance(condition, Leaf):
        return f"{condition.fact} {_SYMBOLS[condition.op]} {_value(condition.value)}"
    if isinstance(condition, Not):
        return f"not({describe(condition.child)})"
    word = "all" if isinstance(condition, All) else "any"
    return f"{word}(" + "; ".join(describe(c) for c in children(condition)) + ")"


def expression(condition: Condition) -> dict[str, Any]:
    """The condition as written in the catalog (``{fact: …, ge: …}``, ``{any: […]}``)."""
    if isinstance(condition, Leaf):
        value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        return {"fact": condition.fact, condition.op: value}
    if isinstance(condition, Not):
        return {"not": expression(condition.child)}
    word = "all" if isinstance(condition, All) else "any"
    return {word: [expression(c) for c in children(condition)]}


def _conjuncts(condition: Condition) -> list[Condition]:
    """The tests an ``all`` (nested or not) asks for together."""
    if isinstance(condition, All):
        return [part for child in condition.children for part in _conjuncts(child)]
    return [condition]


def _contradiction(parts: list[Condition], catalog: Catalog) -> str:
    return " and ".join(describe(parts[i]) for i in unsat_core(parts, catalog))


# --- the checks ------------------------------------------------------------------------

def _brick_problem(brick: Brick, rule: str | None, code: str, message: str,
                   hint: str) -> Problem:
    return Problem(brick.file, rule or brick.id, message, hint, CODES[code][0], code)


def _main_file(catalog: Catalog) -> str:
    return str(catalog.root / "catalog.yaml")


def check_texts(catalog: Catalog) -> Iterator[Problem]:
    """Blank citations and translations (an empty one is already a schema error)."""
    cite = "cite where the rule comes from: the note's point, the article of law, " \
           "or what the DN must confirm"
    both = 'give the text in both languages: {fr: "…", en: "…"}'
    for rule in catalog.rules():
        if not rule.citation.strip():
            yield Problem(rule.file, rule.id, "blank citation", cite, ERROR, "missing-citation")
        for name in ("message", "help", "label"):
            text = getattr(rule, name)
            for lang in ("fr", "en") if text is not None else ():
                if not getattr(text, lang).strip():
                    yield Problem(rule.file, rule.id, f"{name}.{lang} is blank", both, ERROR,
                                  "missing-translation")
    for brick in catalog.bricks.values():
        for lang in ("fr", "en"):
            if not getattr(brick.name, lang).strip():
                yield _brick_problem(brick, None, "missing-translation",
                                     f"name.{lang} is blank", both)
        cited = [(brick.id, "availability", brick.availability.citation)]
        cited += [(r.rule_id, "requires", r.citation) for r in brick.requires]
        if brick.replaced_by is not None:
            cited.append((brick.id, "replaced_by", brick.replaced_by.citation))
        for rule_id, what, citation in cited:
            if not citation.strip():
                yield _brick_problem(brick, rule_id, "missing-citation",
                                     f"{what}: blank citation", cite)
    for version in catalog.versions.values():
        if not version.citation.strip():
            yield Problem(_main_file(catalog), version.id, "blank citation", cite, ERROR,
                          "missing-citation")


def check_prerequisites(catalog: Catalog) -> Iterator[Problem]:
    """Avenant n°6: every brick but the base one has prerequisites; the base has none."""
    numbers: dict[str, str] = {}
    for brick in catalog.bricks.values():
        if brick.id == BASE:
            if brick.requires or brick.conditions:
                yield _brick_problem(
                    brick, None, "base-prerequisites",
                    f"the base brick '{BASE}' has prerequisites (avenant n°6: it has none)",
                    "move these conditions to the bricks that need them")
        elif not brick.requires and not brick.conditions and brick.complete:
            yield _brick_problem(
                brick, None, "no-prerequisites",
                "brick without prerequisites: no requires and no conditions (avenant n°6: "
                f"every brick but '{BASE}' has prerequisites)",
                f"require '{BASE}' and add the brick's technical conditions "
                "(network, equipment…), marked source: assumption when the note does not "
                "fix them")
        elif BASE in catalog.bricks and BASE not in _closure(catalog, brick.id) and \
                all(r.brick in catalog.bricks for r in brick.requires):
            yield _brick_problem(
                brick, None, "no-base",
                f"does not require the base brick '{BASE}', directly or through another brick",
                f"add {{brick: {BASE}, source: note, citation: …}} to requires")
        seen: set[str] = set()
        for req in brick.requires:
            if req.brick in seen:
                yield _brick_problem(brick, req.rule_id, "duplicate-requirement",
                                     f"requires '{req.brick}' twice", "keep one of the two")
            seen.add(req.brick)
        if brick.number:
            key = brick.number.strip().lower()
            if key in numbers:
                yield _brick_problem(brick, None, "duplicate-number",
                                     f"number {brick.number} is also brick '{numbers[key]}'s",
                                     "correct the number from the convention's text")
            numbers.setdefault(key, brick.id)


def _closure(catalog: Catalog, brick_id: str) -> list[str]:
    """Every brick ``brick_id`` requires, directly or not (cycles tolerated)."""
    seen: list[str] = []
    stack = [r.brick for r in catalog.bricks[brick_id].requires]
    while stack:
        current = stack.pop()
        if current in seen or current not in catalog.bricks:
            continue
        seen.append(current)
        stack.extend(r.brick for r in catalog.bricks[current].requires)
    return seen


def _known_versions(catalog: Catalog, brick: Brick) -> list[str]:
    """The brick's versions the catalog defines, in adoption order."""
    return [v for v in catalog.version_ids if v in brick.versions]


def _withdrawn(catalog: Catalog, brick: Brick) -> bool:
    return brick.replaced_by is not None or catalog.version_ids[-1] not in brick.versions


def check_versions(catalog: Catalog) -> Iterator[Problem]:
    """Requirements over the versions, withdrawn and replaced bricks, gaps."""
    rank = {v: i for i, v in enumerate(catalog.version_ids)}
    for brick in catalog.bricks.values():
        known = _known_versions(catalog, brick)
        if known and rank[known[-1]] - rank[known[0]] + 1 != len(known):
            missing = [v for v in catalog.version_ids[rank[known[0]]:rank[known[-1]]]
                       if v not in known]
            yield _brick_problem(
                brick, None, "availability-gap",
                f"exists under {', '.join(known)} but not under {', '.join(missing)}",
                "add the missing versions to availability.versions if the brick did not "
                "disappear in between")
        for req in brick.requires:
            target = catalog.bricks.get(req.brick)
            if target is None:
                continue
            missing = [v for v in known if v not in target.versions]
            if not missing:
                continue
            last = max((rank[v] for v in _known_versions(catalog, target)), default=-1)
            target_known = ", ".join(_known_versions(catalog, target)) or "no version"
            if _withdrawn(catalog, target) and all(rank[v] > last for v in missing):
                instead = target.replaced_by.brick if target.replaced_by else None
                yield _brick_problem(
                    brick, req.rule_id, "withdrawn-required",
                    f"requires '{target.id}', withdrawn after "
                    f"{catalog.version_ids[last] if last >= 0 else 'no version'}"
                    + (f" (replaced by '{instead}' in {target.replaced_by.version})"
                       if target.replaced_by else "")
                    + f", but '{brick.id}' exists under {', '.join(missing)}",
                    (f"require '{instead}' instead" if instead else "drop the requirement")
                    + f", or end '{brick.id}' before {missing[0]}")
            else:
                yield _brick_problem(
                    brick, req.rule_id, "requirement-unavailable",
                    f"'{brick.id}' exists under {', '.join(missing)} but requires "
                    f"'{target.id}', which does not ('{target.id}' exists under "
                    f"{target_known})",
                    f"remove {', '.join(missing)} from '{brick.id}' availability.versions, "
                    f"or make '{target.id}' available under them")
        if brick.replaced_by is not None and brick.replaced_by.version in rank:
            since = brick.replaced_by.version
            still = [v for v in known if rank[v] >= rank[since]]
            if still:
                yield _brick_problem(
                    brick, None, "replacement-mismatch",
                    f"replaced by '{brick.replaced_by.brick}' from {since}, yet still "
                    f"exists under {', '.join(still)}",
                    f"remove {', '.join(still)} from availability.versions, or correct "
                    "replaced_by.version")
            target = catalog.bricks.get(brick.replaced_by.brick)
            if target is not None and target.id == brick.id:
                yield _brick_problem(brick, None, "replacement-mismatch",
                                     "replaced by itself", "name the brick that replaces it")
            elif target is not None and since not in target.versions:
                yield _brick_problem(
                    brick, None, "replacement-mismatch",
                    f"replaced by '{target.id}' from {since}, but '{target.id}' does not "
                    f"exist under {since} (it exists under "
                    f"{', '.join(_known_versions(catalog, target)) or 'no version'})",
                    f"add {since} to '{target.id}' availability.versions, or correct "
                    "replaced_by")


def _availability(catalog: Catalog, brick: Brick) -> Leaf | None:
    """The brick's availability test over the versions the catalog knows."""
    known = tuple(_known_versions(catalog, brick))
    if not known:
        return None
    return replace(brick.availability_rule, value=known)


_DEAD_HINT = ("correct the contradictory tests (an inverted threshold? an all that should "
              "be an any?)")


def _dead_bricks(catalog: Catalog) -> tuple[dict[str, str], list[Problem]]:
    """Bricks no profile can make eligible (id -> why), and the findings saying so."""
    problems: list[Problem] = []
    dead: dict[str, str] = {}
    common = list(catalog.common)
    main = _main_file(catalog)
    for rule in common:
        if not satisfiable([rule.condition], catalog):
            problems.append(Problem(
                rule.file, rule.id, "common condition can never hold: no profile satisfies "
                f"{_contradiction(_conjuncts(rule.condition), catalog)}; no brick can be "
                "eligible", _DEAD_HINT, ERROR, "dead-brick"))
            return {b: rule.id for b in catalog.bricks}, problems
    if common and not satisfiable([r.condition for r in common], catalog):
        core = unsat_core([r.condition for r in common], catalog)
        problems.append(Problem(main, common[core[-1]].id, "common conditions "
                                + " and ".join(common[i].id for i in core)
                                + " cannot hold together; no brick can be eligible",
                                "correct one of them", ERROR, "dead-brick"))
        return {b: "common" for b in catalog.bricks}, problems
    for brick in catalog.bricks.values():
        availability = _availability(catalog, brick)
        if availability is None:
            continue  # its unknown versions are reported already
        individually_dead = False
        for rule in brick.conditions:
            if not satisfiable([rule.condition], catalog):
                individually_dead = True
                dead.setdefault(brick.id, rule.id)
                problems.append(_brick_problem(
                    brick, rule.id, "dead-brick",
                    "condition can never hold: no profile satisfies "
                    f"{_contradiction(_conjuncts(rule.condition), catalog)}; "
                    f"'{brick.id}' can never be eligible", _DEAD_HINT))
        if individually_dead:
            continue
        context: list[tuple[str, Condition]] = [(r.id, r.condition) for r in common]
        context.append((availability.node_id, availability))
        context += [(r.id, r.condition) for r in brick.conditions]
        conditions = [c for _, c in context]
        if not satisfiable(conditions, catalog):
            core = unsat_core(conditions, catalog)
            named = [context[i][0] for i in core]
            dead.setdefault(brick.id, named[-1])
            problems.append(_brick_problem(
                brick, named[-1], "dead-brick",
                f"{' and '.join(named)} cannot hold together ("
                + "; ".join(describe(context[i][1]) for i in core)
                + f"): '{brick.id}' can never be eligible",
                "correct one of these conditions"))
    # A brick requiring a dead brick is dead too.
    changed = True
    while changed:
        changed = False
        for brick in catalog.bricks.values():
            if brick.id in dead:
                continue
            for req in brick.requires:
                if req.brick in dead:
                    dead[brick.id] = req.rule_id
                    changed = True
                    problems.append(_brick_problem(
                        brick, req.rule_id, "dead-requirement",
                        f"requires '{req.brick}', which no profile can make eligible "
                        f"(see {dead[req.brick]}): '{brick.id}' can never be eligible "
                        "by asking for both", f"fix '{req.brick}' first, or drop the "
                        "requirement"))
                    break
    return dead, problems


def check_dead(catalog: Catalog) -> Iterator[Problem]:
    """Dead bricks, dead requirements, and bricks at odds with their requirements."""
    dead, problems = _dead_bricks(catalog)
    yield from problems
    common = [r.condition for r in catalog.common]
    for brick in catalog.bricks.values():
        if brick.id in dead:
            continue
        own = [r.condition for r in brick.conditions]
        for required in _closure(catalog, brick.id):
            if required in dead:
                continue
            theirs = catalog.bricks[required].conditions
            if not satisfiable([*common, *own, *(r.condition for r in theirs)], catalog):
                rules = [*brick.conditions, *theirs]
                core = unsat_core([r.condition for r in rules], catalog)
                yield _brick_problem(
                    brick, brick.id, "conflicting-requirement",
                    f"'{brick.id}' and its requirement '{required}' cannot both be eligible "
                    f"for one profile ({' and '.join(rules[i].id for i in core)} contradict "
                    "each other): only a commune already holding "
                    f"'{required}' can get '{brick.id}'",
                    "check that this is intended; otherwise correct one of these rules")


def _dead_or_always(rule: Rule, catalog: Catalog) -> bool:
    return not satisfiable([rule.condition], catalog) or always(rule.condition, catalog)


def check_redundant(catalog: Catalog) -> Iterator[Problem]:
    """Conditions that always hold, tests implied by a sibling, rules implied by others."""
    for rule in catalog.rules():
        if not satisfiable([rule.condition], catalog):
            continue  # dead: reported as such
        if always(rule.condition, catalog):
            yield Problem(rule.file, rule.id, f"condition always holds: "
                          f"{describe(rule.condition)}; it only makes verdicts undetermined "
                          "when its facts are missing", "remove the rule, or correct its "
                          "threshold", WARNING, "tautology")
            continue
        yield from _redundant_nodes(rule, catalog)
    common = [r.condition for r in catalog.common]
    if not satisfiable(common, catalog):
        common = []  # dead (reported): everything would follow from it
    for brick in catalog.bricks.values():
        rules = [r for r in brick.conditions if not _dead_or_always(r, catalog)]
        for j, later in enumerate(rules):
            if common and implies(common, later.condition, catalog):
                yield _brick_problem(brick, later.id, "redundant-rule",
                                     "implied by the common conditions every brick has",
                                     "remove the rule")
                continue
            for i, other in enumerate(rules):
                if i == j or not implies([*common, other.condition], later.condition,
                                         catalog):
                    continue
                if implies([*common, later.condition], other.condition, catalog) and i > j:
                    continue  # equivalent rules: the later one is the redundant one
                yield _brick_problem(
                    brick, later.id, "redundant-rule",
                    f"implied by {other.id} ({describe(other.condition)}): "
                    f"{describe(later.condition)} adds nothing",
                    f"remove {later.id}, or merge the two rules")
                break


def _redundant_nodes(rule: Rule, catalog: Catalog) -> Iterator[Problem]:
    def warn(message: str, hint: str) -> Problem:
        return Problem(rule.file, rule.id, message, hint, WARNING, "redundant-condition")

    stack: list[Condition] = [rule.condition]
    while stack:
        node = stack.pop()
        stack.extend(children(node))
        if not isinstance(node, (All, Any_)):
            continue
        kids = list(node.children)
        flagged: set[int] = set()
        for k, kid in enumerate(kids):
            if isinstance(node, Any_) and not satisfiable([kid], catalog):
                flagged.add(k)
                yield warn(f"alternative {describe(kid)} can never hold",
                           "remove it, or correct its threshold")
            elif isinstance(node, All) and always(kid, catalog):
                flagged.add(k)
                yield warn(f"{describe(kid)} always holds", "remove it")
        for j, kid in enumerate(kids):
            for i, other in enumerate(kids):
                if i == j or i in flagged or j in flagged:
                    continue
                # In an all, a test implied by a sibling is redundant; in an any, a test
                # implying a sibling is (the sibling already accepts all it accepts).
                strong, weak = (other, kid) if isinstance(node, All) else (kid, other)
                if not implies(strong, weak, catalog):
                    continue
                if implies(weak, strong, catalog) and i > j:
                    continue  # equivalent: the later one goes
                flagged.add(j)
                word = "all" if isinstance(node, All) else "any"
                yield warn(f"{describe(kid)} is redundant in this {word}: "
                           + (f"implied by {describe(other)}" if isinstance(node, All)
                              else f"{describe(other)} already accepts it"),
                           f"remove {describe(kid)}")
                break


def check_upper_bounds(catalog: Catalog) -> Iterator[Problem]:
    """Tests that a better profile can fail, in rules not marked ``upper_bound``."""
    for rule in catalog.rules():
        if rule.upper_bound:
            continue
        for leaf, positive in _polar_leaves(rule.condition, True):
            if upward_closed(leaf, catalog, positive) is False:
                yield Problem(
                    rule.file, rule.id,
                    f"{describe(leaf if positive else Not(leaf.node_id, leaf))}: a better "
                    f"{leaf.fact} can make this rule fail",
                    "if it is a cap, mark the rule upper_bound: true; otherwise invert the "
                    "test (ge rather than le)", WARNING, "undeclared-upper-bound")
                break


def _polar_leaves(condition: Condition, positive: bool) -> Iterator[tuple[Leaf, bool]]:
    if isinstance(condition, Leaf):
        yield condition, positive
    elif isinstance(condition, Not):
        yield from _polar_leaves(condition.child, not positive)
    else:
        for child in children(condition):
            yield from _polar_leaves(child, positive)


# --- sources: quotes against the note, dated bases ---------------------------------------

@dataclass(frozen=True)
class _Quoted:
    """Something of the catalog that cites: where it is, and what it says it rests on."""

    file: str
    rule: str
    what: str  # the field, for the message: "availability", "requires", …
    source: str
    quote: str | None


def _quoted(catalog: Catalog) -> Iterator[_Quoted]:
    main = _main_file(catalog)
    for version in catalog.versions.values():
        yield _Quoted(main, version.id, "version", version.source, version.quote)
    for tool in catalog.tool_replacements:
        yield _Quoted(main, f"tool_replacements {tool.fact}", "tool_replacement", tool.source,
                      tool.quote)
    for rule in catalog.rules():
        yield _Quoted(rule.file, rule.id, "rule", rule.source, rule.quote)
        for period in rule.basis:
            yield _Quoted(rule.file, rule.id, f"basis {_span(period)}", period.source,
                          period.quote)
    for brick in catalog.bricks.values():
        yield _Quoted(brick.file, brick.id, "availability", brick.availability.source,
                      brick.availability.quote)
        for req in brick.requires:
            yield _Quoted(brick.file, req.rule_id, "requires", req.source, req.quote)
        if brick.replaced_by is not None:
            yield _Quoted(brick.file, brick.id, "replaced_by", brick.replaced_by.source,
                          brick.replaced_by.quote)


def _span(period: PeriodData) -> str:
    start = period.from_.isoformat() if period.from_ else "…"
    end = period.until.isoformat() if period.until else "…"
    return f"{start}..{end}"


def _note_text(catalog: Catalog) -> tuple[str | None, str]:
    path = note_path(catalog.root)
    try:
        return normalise_space(path.read_text(encoding="utf-8")), str(path)
    except (OSError, UnicodeDecodeError):
        return None, str(path)


def check_sources(catalog: Catalog) -> Iterator[Problem]:
    """Every ``source: note`` quotes the note, every quote is in the note's text.

    Only whitespace is normalised: the note's typographic quotes (« »), its apostrophes
    and its typos (« Hébergement dans e Clouds ») must be quoted as they are, so that a
    reader finds the words with a search in the text.
    """
    items = list(_quoted(catalog))
    text, path = _note_text(catalog)
    if text is None and any(i.quote for i in items):
        yield Problem(_main_file(catalog), None, f"cannot read the note's text at {path}",
                      "ship the note in sources/ beside catalog.yaml (see sources/README.md)",
                      ERROR, "no-note-text")
    for item in items:
        where = f"{item.what}: " if item.what != "rule" else ""
        if item.quote is None:
            if item.source == "note":
                yield Problem(item.file, item.rule, f"{where}source: note without a quote",
                              "add quote: with the note's exact words the rule rests on, or "
                              "mark it source: assumption if the note does not say it",
                              ERROR, "missing-quote")
            elif item.source == "assumption":
                yield Problem(item.file, item.rule, f"{where}assumption without a basis",
                              "add quote: with the note's words the assumption builds on",
                              WARNING, "assumption-without-basis")
            continue
        if text is not None and normalise_space(item.quote) not in text:
            yield Problem(item.file, item.rule,
                          f"{where}quote not in the note: « {_shortened(item.quote)} »",
                          _closest_hint(item.quote, text), ERROR, "quote-not-in-note",
                          line=_quote_line(item.file, item.quote))
    for rule in catalog.rules():
        yield from _period_problems(rule)


def _quote_line(file: str, quote: str) -> int | None:
    """The line of ``file`` where the quote starts (its first words), when found."""
    start = " ".join(normalise_space(quote).split(" ")[:4])
    if not Path(file).is_file():  # a FIFO would block (issue 9)
        return None
    try:
        lines = Path(file).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, start=1)
                 if "quote" in line and start in normalise_space(line)), None)


def _shortened(quote: str, width: int = 60) -> str:
    quote = normalise_space(quote)
    return quote if len(quote) <= width else quote[:width - 1] + "…"


def _closest_hint(quote: str, text: str) -> str:
    """Where the quote stops matching: its longest beginning that is in the text."""
    words = normalise_space(quote).split(" ")
    found = 0
    for count in range(1, len(words) + 1):
        if " ".join(words[:count]) not in text:
            break
        found = count
    fix = ("copy the words from sources/ exactly (typographic quotes « », apostrophes and "
           "typos included; only line breaks and spaces may differ)")
    if found:
        return f"the text matches up to « {_shortened(' '.join(words[:found]), 40)} »: {fix}"
    return fix


def _period_problems(rule: Rule) -> Iterator[Problem]:
    def bad(message: str) -> Problem:
        return Problem(rule.file, rule.id, message,
                       "give each period from <= until, in date order, without overlap",
                       ERROR, "bad-period")

    previous: PeriodData | None = None
    for period in rule.basis:
        if period.from_ and period.until and period.from_ > period.until:
            yield bad(f"basis {_span(period)}: starts after it ends")
        if previous is not None:
            if previous.until is None or period.from_ is None:
                yield bad(f"basis {_span(previous)} and {_span(period)} overlap "
                          "(an open end)")
            elif period.from_ <= previous.until:
                yield bad(f"basis {_span(period)} starts on or before the end of "
                          f"{_span(previous)}")
        previous = period


CHECKS: tuple[Callable[[Catalog], Iterator[Problem]], ...] = (
    check_texts, check_prerequisites, check_versions, check_dead, check_redundant,
    check_upper_bounds, check_sources,
)
