"""Reports of ``eligibility rules list`` and ``rules show``: the catalog as data (JSON)
and as text (80 columns, French by default). The words around the catalog's texts are
``eligibility.wording.rules``'s."""

from __future__ import annotations

import json
from typing import Any

from eligibility.catalog.model import Brick, Catalog, Rule
from eligibility.lint.checks import describe, expression
from eligibility.reports.graph import withdrawn
from eligibility.reports.lint import shown_path
from eligibility.wording.bricks import brick_title
from eligibility.wording.i18n import version_label
from eligibility.wording.layout import wrap, wrap_lines
from eligibility.wording.rules import (
    brick_number,
    labelled,
    list_footer,
    period,
    the_note,
    word,
)


def list_data(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    return [{
        "id": b.id, "number": b.number, "name": b.name(lang), "aliases": list(b.aliases),
        "versions": [v for v in catalog.version_ids if v in b.versions],
        "requires": [r.brick for r in b.requires], "conditions": len(b.conditions),
        "withdrawn": withdrawn(catalog, b),
        "replaced_by": b.replaced_by.brick if b.replaced_by else None,
        "file": b.file,
    } for b in catalog.bricks.values()]


def list_text(catalog: Catalog, lang: str) -> str:
    """The bricks, two lines each, and how many there are."""
    data = list_data(catalog, lang)
    # One brick on two lines, to hold in 80 columns: id, number and name; then where it
    # exists, what it requires, how many conditions it has.
    width = max(len(b["id"]) for b in data) + 4
    lines: list[str] = []
    for b in data:
        number = brick_number(b["number"], lang)
        lines += wrap(f"{(b['id'] + (' (†)' if b['withdrawn'] else '')).ljust(width)}"
                      f"{number}{b['name']}", "", " " * (width + 2))
        versions = ", ".join(version_label(catalog, v, lang, article=False) for v in b["versions"])
        requires = ", ".join(b["requires"]) or word(lang, "none")
        lines += wrap(f"{labelled(lang, 'exists_under')} {versions} · "
                      f"{labelled(lang, 'requires')} {requires} · "
                      f"{word(lang, 'n_conditions', n=b['conditions'])}",
                      "    ", "      ")
    return "\n".join(lines) + f"\n\n{list_footer(len(data), lang)}"


def _cited(source: str, citation: str, quote: str | None = None) -> dict[str, Any]:
    out = {"source": source, "citation": citation, "assumption": source == "assumption"}
    return {**out, "quote": quote} if quote else out


def _rule_data(rule: Rule, lang: str) -> dict[str, Any]:
    basis = [{"from": p.from_.isoformat() if p.from_ else None,
              "until": p.until.isoformat() if p.until else None,
              **_cited(p.source, p.citation, p.quote)} for p in rule.basis]
    return {"id": rule.id, "label": rule.short(lang),
            **_cited(rule.source, rule.citation, rule.quote),
            **({"basis": basis} if basis else {}),
            "when": expression(rule.condition), "test": describe(rule.condition),
            "message": rule.message(lang), "help": rule.help(lang),
            "upper_bound": rule.upper_bound}


def _inherited(catalog: Catalog, brick: Brick) -> list[str]:
    """Assumption rules of the bricks ``brick`` requires, directly or not."""
    found: list[str] = []
    stack = [r.brick for r in brick.requires]
    seen: set[str] = set()
    while stack:
        current = stack.pop(0)
        if current in seen or current not in catalog.bricks:
            continue
        seen.add(current)
        required = catalog.bricks[current]
        found += [r.id for r in required.conditions if r.is_assumption]
        stack += [r.brick for r in required.requires]
    return found


def show_data(catalog: Catalog, brick: Brick, lang: str) -> dict[str, Any]:
    versions = [v for v in catalog.version_ids if v in brick.versions]
    replaces = [(b, b.replaced_by) for b in catalog.bricks.values()
                if b.replaced_by is not None and b.replaced_by.brick == brick.id]
    latest = catalog.version_ids[-1]
    return {
        "id": brick.id, "number": brick.number, "name": brick.name(lang),
        "title": brick_title(brick, lang), "aliases": list(brick.aliases), "file": brick.file,
        "versions": [{"id": v, "label": catalog.versions[v].label(lang),
                      "adopted": catalog.versions[v].adopted.isoformat()} for v in versions],
        "availability": _cited(brick.availability.source, brick.availability.citation,
                               brick.availability.quote),
        "withdrawn": withdrawn(catalog, brick),
        "withdrawn_from": None if latest in brick.versions else
        version_label(catalog, latest, lang, article=False),
        "replaced_by": None if brick.replaced_by is None else {
            "brick": brick.replaced_by.brick, "version": brick.replaced_by.version,
            "version_label": version_label(catalog, brick.replaced_by.version, lang,
                                           article=False),
            **_cited(brick.replaced_by.source, brick.replaced_by.citation,
                     brick.replaced_by.quote)},
        "replaces": [{"brick": b.id, "version": by.version,
                      "version_label": version_label(catalog, by.version, lang, article=False)}
                     for b, by in replaces],
        "requires": [{"brick": r.brick, "rule": r.rule_id,
                      **_cited(r.source, r.citation, r.quote)} for r in brick.requires],
        "required_by": catalog.required_by(brick.id),
        "common": [_rule_data(r, lang) for r in catalog.common],
        "conditions": [_rule_data(r, lang) for r in brick.conditions],
        "assumptions": [r.id for r in brick.conditions if r.is_assumption]
        + ([f"{brick.id}.available"] if brick.availability.source == "assumption" else []),
        "inherited_assumptions": _inherited(catalog, brick),
    }


def _tag(lang: str, item: dict[str, Any]) -> str:
    return f"= {word(lang, item['source'])} · {item['citation']}"


def _cited_lines(lang: str, item: dict[str, Any], indent: str) -> list[str]:
    """The source tag, the note's words it rests on, and a temporary law's periods."""
    lines = [f"{indent}{_tag(lang, item)}"]
    if item.get("quote"):
        lines.append(f"{indent}  {the_note(lang)}“{item['quote']}”")  # the note's own « »
    for basis in item.get("basis", []):
        span = period(basis["from"], basis["until"], lang)
        lines.append(f"{indent}  {span} {_tag(lang, basis)}")
    return lines


def _rule_lines(rule: dict[str, Any], lang: str, indent: str) -> list[str]:
    head = f"{indent}{rule['id']} — {rule['label']}" if rule["label"] != rule["id"] else \
        f"{indent}{rule['id']}"
    lines = [head, f"{indent}  {labelled(lang, 'when')} {rule['test']}",
             f"{indent}  {labelled(lang, 'message')} {rule['message']}",
             f"{indent}  {labelled(lang, 'help')} {rule['help']}"]
    if rule["upper_bound"]:
        lines.append(f"{indent}  {word(lang, 'upper_bound')}")
    lines += _cited_lines(lang, rule, f"{indent}  ")
    return lines


def show_text(catalog: Catalog, brick: Brick, lang: str) -> str:
    """One brick, its rules and their sources, in 80 columns."""
    data = show_data(catalog, brick, lang)
    lines = [f"{data['id']} — {data['title']}"]
    if data["aliases"]:
        lines.append(f"  {labelled(lang, 'aliases')} {', '.join(data['aliases'])}")
    lines.append(f"  {labelled(lang, 'file')} {shown_path(data['file'])}")
    shown = ", ".join(f"{v['label']} ({word(lang, 'adopted', date=v['adopted'])})"
                      for v in data["versions"])
    lines += [f"  {labelled(lang, 'exists_under')} {shown}",
              *_cited_lines(lang, data["availability"], "    ")]
    if data["replaced_by"]:
        rep = data["replaced_by"]
        replaced = word(lang, "replaced_by", brick=rep["brick"], version=rep["version_label"])
        lines += [f"  {replaced}", *_cited_lines(lang, rep, "    ")]
    elif data["withdrawn_from"]:
        lines.append(f"  {word(lang, 'withdrawn', version=data['withdrawn_from'])}")
    for item in data["replaces"]:
        replaces = word(lang, "replaces", brick=item["brick"], version=item["version_label"])
        lines.append(f"  {replaces}")
    lines.append(f"  {labelled(lang, 'requires')}"
                 + ("" if data["requires"] else f" {word(lang, 'none')}"))
    for req in data["requires"]:
        lines += [f"    {req['brick']} — {brick_title(catalog.bricks[req['brick']], lang)}",
                  *_cited_lines(lang, req, "      ")]
    lines.append(f"  {labelled(lang, 'required_by')} "
                 + (", ".join(data["required_by"]) or word(lang, "none")))
    lines.append(f"  {labelled(lang, 'conditions', n=len(data['conditions']))}")
    for rule in data["conditions"]:
        lines += _rule_lines(rule, lang, "    ")
    lines.append(f"  {labelled(lang, 'common')}")
    for rule in data["common"]:
        lines += _rule_lines(rule, lang, "    ")
    own, inherited = data["assumptions"], data["inherited_assumptions"]
    lines.append("")
    summary = word(lang, "assumptions", own=len(own), inherited=len(inherited))
    named = ", ".join([*own, *inherited])
    lines.append(summary + (f" ({named})" if named else ""))
    return "\n".join(wrap_lines(lines))


def list_json(catalog: Catalog, lang: str) -> str:
    return json.dumps({"bricks": list_data(catalog, lang)}, ensure_ascii=False, indent=2)


def show_json(catalog: Catalog, brick: Brick, lang: str) -> str:
    return json.dumps(show_data(catalog, brick, lang), ensure_ascii=False, indent=2)
