"""What the rules pages show: bricks, rules, lint and verify results, as plain data.

Conditions are said in French through the library's own words (``lint.describe`` for
the expression, the fact labels of ``facts``); lint and verify are the library's. The
verify run is small and seeded (``VERIFY_EXAMPLES``, ``VERIFY_SEED``) so the page is
quick and the same on every load; the CLI's ``rules verify`` is the thorough one.
"""

from __future__ import annotations

from typing import Any

from eligibility.catalog.conditions import Condition, Leaf, children
from eligibility.catalog.model import Brick, Catalog, Rule
from eligibility.explain.derivation import describe_test, fact_label
from eligibility.reports.graph import withdrawn
from eligibility.reports.provenance import provenance
from eligibility.wording.bricks import brick_title
from eligibility.wording.web import source_words, tr

VERIFY_EXAMPLES = 20
VERIFY_SEED = 2022


def _source_word(source: str, lang: str) -> str:
    return source_words(lang, short=True).get(source, source)


def condition_words(catalog: Catalog, condition: Condition, lang: str) -> dict[str, Any]:
    """A condition as a tree of sentences: a leaf says fact, test; a node all/any/not."""
    if isinstance(condition, Leaf):
        label = fact_label(catalog, condition.fact, lang)
        return {"text": f"{label} {describe_test(condition, lang)}", "fact": condition.fact}
    kind = type(condition).__name__.rstrip("_").lower()
    text = tr(lang, f"node_{kind}") if kind in ("all", "any", "not") else kind
    return {"text": text,
            "children": [condition_words(catalog, c, lang) for c in children(condition)]}


def _rule_entry(catalog: Catalog, rule: Rule, lang: str) -> dict[str, Any]:
    return {"id": rule.id, "label": rule.short(lang), "message": rule.message(lang),
            "help": rule.help(lang), "source": rule.source,
            "source_word": _source_word(rule.source, lang), "citation": rule.citation,
            "quote": getattr(rule, "quote", None), "assumption": rule.is_assumption,
            "condition": condition_words(catalog, rule.condition, lang),
            "upper_bound": rule.upper_bound}


def _versions(catalog: Catalog, brick: Brick, lang: str) -> list[str]:
    return [catalog.versions[v].label(lang) for v in catalog.version_ids if v in brick.versions]


def rules_overview(catalog: Catalog, lang: str) -> dict[str, Any]:
    return {
        "bricks": [{"id": b.id, "title": brick_title(b, lang),
                    "versions": _versions(catalog, b, lang),
                    "requires": [r.brick for r in b.requires], "rules": len(b.conditions),
                    "withdrawn": withdrawn(catalog, b)} for b in catalog.bricks.values()],
        "common": [_rule_entry(catalog, r, lang) for r in catalog.common],
        "versions": [{"id": v.id, "label": v.label(lang), "adopted": v.adopted,
                      "citation": v.citation} for v in catalog.versions.values()],
    }


def brick_page(catalog: Catalog, brick_id: str, lang: str) -> dict[str, Any]:
    brick = catalog.bricks[brick_id]
    return {
        "id": brick.id, "title": brick_title(brick, lang), "aliases": list(brick.aliases),
        "versions": _versions(catalog, brick, lang),
        "availability": {"citation": brick.availability.citation,
                         "source_word": _source_word(brick.availability.source, lang),
                         "source": brick.availability.source,
                         "quote": getattr(brick.availability, "quote", None)},
        "requires": [{"brick": r.brick, "title": brick_title(catalog.bricks[r.brick], lang)
                      if r.brick in catalog.bricks else r.brick, "citation": r.citation,
                      "source": r.source, "source_word": _source_word(r.source, lang),
                      "quote": getattr(r, "quote", None)} for r in brick.requires],
        "required_by": [{"brick": b, "title": brick_title(catalog.bricks[b], lang)}
                        for b in catalog.required_by(brick.id)],
        "replaced_by": brick.replaced_by.brick if brick.replaced_by else None,
        "common": [_rule_entry(catalog, r, lang) for r in catalog.common],
        "rules": [_rule_entry(catalog, r, lang) for r in brick.conditions],
        "withdrawn": withdrawn(catalog, brick),
    }


def rule_page(catalog: Catalog, rule_id: str, lang: str) -> dict[str, Any] | None:
    for rule in catalog.common:
        if rule.id == rule_id:
            return {**_rule_entry(catalog, rule, lang), "brick": None,
                    "versions": [v.label(lang) for v in catalog.versions.values()]}
    for brick in catalog.bricks.values():
        for rule in brick.conditions:
            if rule.id == rule_id:
                return {**_rule_entry(catalog, rule, lang), "brick": brick.id,
                        "brick_title": brick_title(brick, lang),
                        "versions": _versions(catalog, brick, lang)}
    return None


def checks_summary(catalog: Catalog, cache: dict[str, Any], rules: str | None) -> dict[str, Any]:
    """Lint and a small seeded verify of the loaded catalog (computed once per process)."""
    if "summary" not in cache:
        from eligibility.lint.checks import lint_report
        from eligibility.verify.properties import verify

        lint = lint_report(rules)
        report = verify(catalog, examples=VERIFY_EXAMPLES, seed=VERIFY_SEED)
        cache["summary"] = {
            "lint": {"errors": lint.errors, "warnings": lint.warnings, "bricks": lint.bricks,
                     "rules": lint.rules,
                     "problems": [{"severity": p.severity, "code": p.code, "file": p.file,
                                   "rule": p.rule, "message": p.message, "hint": p.hint}
                                  for p in lint.problems]},
            "verify": {"passed": report.passed, "seed": report.seed,
                       "examples": report.examples, "seconds": round(report.seconds, 1),
                       "properties": [{"letter": r.letter, "name": r.name, "title": r.title,
                                       "passed": r.passed, "examples": r.examples,
                                       "error": r.error,
                                       "detail": r.counterexample.detail
                                       if r.counterexample else []}
                                      for r in report.results]},
        }
    summary: dict[str, Any] = cache["summary"]
    return summary


def catalog_json(catalog: Catalog, lang: str) -> dict[str, Any]:
    """``GET /api/catalog``: versions, levels, bricks and their rules."""
    return {
        "versions": [{"id": v.id, "label": v.label(lang), "adopted": v.adopted.isoformat(),
                      "source": v.source, "citation": v.citation}
                     for v in catalog.versions.values()],
        "levels": {path: list(values) for path, values in catalog.levels.items()},
        "common": [_rule_json(r, lang) for r in catalog.common],
        "bricks": [{"id": b.id, "aliases": list(b.aliases), "number": b.number,
                    "name": b.name(lang), "title": brick_title(b, lang),
                    "versions": list(b.versions),
                    "requires": [r.brick for r in b.requires],
                    "replaced_by": b.replaced_by.brick if b.replaced_by else None,
                    "rules": [_rule_json(r, lang) for r in b.conditions]}
                   for b in catalog.bricks.values()],
        "provenance": provenance(catalog, None),
    }


def _rule_json(rule: Rule, lang: str) -> dict[str, Any]:
    return {"id": rule.id, "label": rule.short(lang), "message": rule.message(lang),
            "source": rule.source, "citation": rule.citation,
            "quote": getattr(rule, "quote", None), "assumption": rule.is_assumption}
