"""``eligibility rules``: inspect the catalog (list, show, graph) and lint it.

``list``, ``show`` and ``graph`` read the catalog with ``load_catalog``, which refuses
a catalog with errors (exit 2, pointing to ``rules lint``). ``lint`` reads whatever
it can and reports every finding, rustc-style; it exits 1 when one is an error and
2 only when the path is no catalog folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from eligibility.catalog.model import Brick, Catalog, Problem, Rule
from eligibility.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    catalog_from,
    lang_option,
    reports_input_errors,
    rules_option,
)
from eligibility.lint.checks import LintReport, describe, expression, lint_report
from eligibility.reports.graph import FORMATS as GRAPH_FORMATS
from eligibility.reports.graph import render as render_graph
from eligibility.reports.graph import withdrawn
from eligibility.wording.layout import wrap, wrap_lines

# What `show` writes around the catalog's own texts, in French and English.
_WORDS: dict[str, tuple[str, str]] = {
    "aliases": ("alias", "aliases"),
    "file": ("fichier", "file"),
    "exists_under": ("existe sous", "exists under"),
    "adopted": ("adoption : {date}", "adopted {date}"),
    "requires": ("requiert", "requires"),
    "required_by": ("requise par", "required by"),
    "none": ("aucune", "none"),
    "replaced_by": ("retirée : remplacée par « {brick} » depuis {version}",
                    "withdrawn: replaced by '{brick}' since {version}"),
    "withdrawn": ("retirée : absente de {version}", "withdrawn: not in {version}"),
    "replaces": ("remplace « {brick} » depuis {version}", "replaces '{brick}' since {version}"),
    "common": ("conditions communes à toutes les briques", "conditions common to every brick"),
    "conditions": ("conditions de la brique ({n})", "conditions of the brick ({n})"),
    "n_conditions": ("conditions : {n}", "conditions: {n}"),
    "when": ("quand", "when"),
    "message": ("message", "message"),
    "help": ("aide", "help"),
    "upper_bound": ("plafond : en avoir plus peut faire perdre la brique",
                    "upper bound: more of it can lose the brick"),
    "assumptions": ("hypothèses à confirmer par la DN : {own} dans la brique, {inherited} par "
                    "les briques requises", "assumptions to be confirmed by the DN: {own} in "
                    "the brick, {inherited} through the bricks it requires"),
    "note": ("note", "note"),
    "law": ("loi", "law"),
    "assumption": ("hypothèse", "assumption"),
}


def shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies under it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return path


def _w(lang: str, key: str, **values: Any) -> str:
    fr, en = _WORDS[key]
    return (en if lang == "en" else fr).format(**values)


def _colon(lang: str, label: str) -> str:
    return f"{label} :" if lang == "fr" else f"{label}:"


@click.group("rules")
def rules_group() -> None:
    """Inspect the rule catalog and check its consistency."""


# --- list ------------------------------------------------------------------------------

def _list_data(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    return [{
        "id": b.id, "number": b.number, "name": b.name(lang), "aliases": list(b.aliases),
        "versions": [v for v in catalog.version_ids if v in b.versions],
        "requires": [r.brick for r in b.requires], "conditions": len(b.conditions),
        "withdrawn": withdrawn(catalog, b),
        "replaced_by": b.replaced_by.brick if b.replaced_by else None,
        "file": b.file,
    } for b in catalog.bricks.values()]


@rules_group.command("list", short_help="The bricks, one per line.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
@rules_option
@reports_input_errors
def list_command(fmt: str, lang: str, rules: str | None) -> None:
    """The bricks: id, number, name, versions, requirements, number of conditions."""
    catalog = catalog_from(rules)
    data = _list_data(catalog, lang)
    if fmt == "json":
        click.echo(json.dumps({"bricks": data}, ensure_ascii=False, indent=2))
        return
    # One brick on two lines, to hold in 80 columns: id, number and name; then where it
    # exists, what it requires, how many conditions it has.
    width = max(len(b["id"]) for b in data) + 4
    lines: list[str] = []
    for b in data:
        number = f"{'brique' if lang == 'fr' else 'brick'} {b['number']} · " if b["number"] else ""
        lines += wrap(f"{(b['id'] + (' (†)' if b['withdrawn'] else '')).ljust(width)}"
                      f"{number}{b['name']}", "", " " * (width + 2))
        versions = ", ".join(_version_label(catalog, v, lang) for v in b["versions"])
        requires = ", ".join(b["requires"]) or _w(lang, "none")
        lines += wrap(f"{_colon(lang, _w(lang, 'exists_under'))} {versions} · "
                      f"{_colon(lang, _w(lang, 'requires'))} {requires} · "
                      f"{_w(lang, 'n_conditions', n=b['conditions'])}",
                      "    ", "      ")
    click.echo("\n".join(lines))
    gone = "(†) retirée de la dernière version" if lang == "fr" else \
        "(†) withdrawn from the latest version"
    click.echo(f"\n{len(data)} {'briques' if lang == 'fr' else 'bricks'} · {gone}")


# --- show ------------------------------------------------------------------------------

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


def _show_data(catalog: Catalog, brick: Brick, lang: str) -> dict[str, Any]:
    versions = [v for v in catalog.version_ids if v in brick.versions]
    replaces = [b for b in catalog.bricks.values()
                if b.replaced_by is not None and b.replaced_by.brick == brick.id]
    latest = catalog.version_ids[-1]
    return {
        "id": brick.id, "number": brick.number, "name": brick.name(lang),
        "title": brick.title(lang), "aliases": list(brick.aliases), "file": brick.file,
        "versions": [{"id": v, "label": catalog.versions[v].label(lang),
                      "adopted": catalog.versions[v].adopted.isoformat()} for v in versions],
        "availability": _cited(brick.availability.source, brick.availability.citation,
                               brick.availability.quote),
        "withdrawn": withdrawn(catalog, brick),
        "withdrawn_from": None if latest in brick.versions else
        _version_label(catalog, latest, lang),
        "replaced_by": None if brick.replaced_by is None else {
            "brick": brick.replaced_by.brick, "version": brick.replaced_by.version,
            "version_label": _version_label(catalog, brick.replaced_by.version, lang),
            **_cited(brick.replaced_by.source, brick.replaced_by.citation,
                     brick.replaced_by.quote)},
        "replaces": [{"brick": b.id, "version": b.replaced_by.version,  # type: ignore[union-attr]
                      "version_label": _version_label(
                          catalog, b.replaced_by.version, lang)}  # type: ignore[union-attr]
                     for b in replaces],
        "requires": [{"brick": r.brick, "rule": r.rule_id,
                      **_cited(r.source, r.citation, r.quote)} for r in brick.requires],
        "required_by": catalog.required_by(brick.id),
        "common": [_rule_data(r, lang) for r in catalog.common],
        "conditions": [_rule_data(r, lang) for r in brick.conditions],
        "assumptions": [r.id for r in brick.conditions if r.is_assumption]
        + ([f"{brick.id}.available"] if brick.availability.source == "assumption" else []),
        "inherited_assumptions": _inherited(catalog, brick),
    }


def _version_label(catalog: Catalog, version: str, lang: str) -> str:
    known = catalog.versions.get(version)
    return known.label(lang) if known else version


def _tag(lang: str, item: dict[str, Any]) -> str:
    return f"= {_w(lang, item['source'])} · {item['citation']}"


def _cited_lines(lang: str, item: dict[str, Any], indent: str) -> list[str]:
    """The source tag, the note's words it rests on, and a temporary law's periods."""
    lines = [f"{indent}{_tag(lang, item)}"]
    if item.get("quote"):
        said = "la note : " if lang == "fr" else "the note: "
        lines.append(f"{indent}  {said}“{item['quote']}”")  # the note's own « » inside
    for period in item.get("basis", []):
        start, end = period["from"], period["until"]
        if lang == "fr":
            span = (f"du {start} au {end}" if start and end else
                    f"jusqu'au {end}" if end else f"à partir du {start}")
        else:
            span = (f"from {start} to {end}" if start and end else
                    f"until {end}" if end else f"from {start}")
        lines.append(f"{indent}  {span} {_tag(lang, period)}")
    return lines


def _rule_lines(rule: dict[str, Any], lang: str, indent: str) -> list[str]:
    head = f"{indent}{rule['id']} — {rule['label']}" if rule["label"] != rule["id"] else \
        f"{indent}{rule['id']}"
    lines = [head, f"{indent}  {_colon(lang, _w(lang, 'when'))} {rule['test']}",
             f"{indent}  {_colon(lang, _w(lang, 'message'))} {rule['message']}",
             f"{indent}  {_colon(lang, _w(lang, 'help'))} {rule['help']}"]
    if rule["upper_bound"]:
        lines.append(f"{indent}  {_w(lang, 'upper_bound')}")
    lines += _cited_lines(lang, rule, f"{indent}  ")
    return lines


def _show_text(catalog: Catalog, data: dict[str, Any], lang: str) -> str:
    lines = [f"{data['id']} — {data['title']}"]
    if data["aliases"]:
        lines.append(f"  {_colon(lang, _w(lang, 'aliases'))} {', '.join(data['aliases'])}")
    lines.append(f"  {_colon(lang, _w(lang, 'file'))} {shown_path(data['file'])}")
    shown = ", ".join(f"{v['label']} ({_w(lang, 'adopted', date=v['adopted'])})"
                      for v in data["versions"])
    lines += [f"  {_colon(lang, _w(lang, 'exists_under'))} {shown}",
              *_cited_lines(lang, data["availability"], "    ")]
    if data["replaced_by"]:
        rep = data["replaced_by"]
        replaced = _w(lang, "replaced_by", brick=rep["brick"], version=rep["version_label"])
        lines += [f"  {replaced}", *_cited_lines(lang, rep, "    ")]
    elif data["withdrawn_from"]:
        lines.append(f"  {_w(lang, 'withdrawn', version=data['withdrawn_from'])}")
    for item in data["replaces"]:
        replaces = _w(lang, "replaces", brick=item["brick"], version=item["version_label"])
        lines.append(f"  {replaces}")
    lines.append(f"  {_colon(lang, _w(lang, 'requires'))}"
                 + ("" if data["requires"] else f" {_w(lang, 'none')}"))
    for req in data["requires"]:
        lines += [f"    {req['brick']} — {catalog.bricks[req['brick']].title(lang)}",
                  *_cited_lines(lang, req, "      ")]
    lines.append(f"  {_colon(lang, _w(lang, 'required_by'))} "
                 + (", ".join(data["required_by"]) or _w(lang, "none")))
    lines.append(f"  {_colon(lang, _w(lang, 'conditions', n=len(data['conditions'])))}")
    for rule in data["conditions"]:
        lines += _rule_lines(rule, lang, "    ")
    lines.append(f"  {_colon(lang, _w(lang, 'common'))}")
    for rule in data["common"]:
        lines += _rule_lines(rule, lang, "    ")
    own, inherited = data["assumptions"], data["inherited_assumptions"]
    lines.append("")
    summary = _w(lang, "assumptions", own=len(own), inherited=len(inherited))
    named = ", ".join([*own, *inherited])
    lines.append(summary + (f" ({named})" if named else ""))
    return "\n".join(wrap_lines(lines))


@rules_group.command("show", short_help="One brick, its rules and sources.")
@click.argument("brick")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
@rules_option
@reports_input_errors
def show_command(brick: str, fmt: str, lang: str, rules: str | None) -> None:
    """One brick (id or alias): its conditions with sources and citations, versions,
    what it requires and what requires it, what replaced it. Assumptions are marked."""
    catalog = catalog_from(rules)
    found = catalog.bricks[catalog.brick_id(brick, source="BRICK")]
    data = _show_data(catalog, found, lang)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(_show_text(catalog, data, lang))


# --- graph -----------------------------------------------------------------------------

@rules_group.command("graph", short_help="The dependency graph (mermaid, dot).")
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="mermaid",
              show_default=True)
@lang_option
@rules_option
@reports_input_errors
def graph_command(fmt: str, lang: str, rules: str | None) -> None:
    """The brick dependency graph (Mermaid or Graphviz dot): requirements, versions,
    withdrawn bricks and what replaced them."""
    click.echo(render_graph(catalog_from(rules), fmt, lang))


# --- lint ------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _where(problem: Problem) -> str:
    file = shown_path(problem.file)
    place = f"{file}:{problem.line}" if problem.line else file
    return f"{place} · {problem.rule}" if problem.rule else place


def lint_text(report: LintReport) -> str:
    lines: list[str] = []
    for problem in report.problems:
        lines += [f"{problem.severity}[{problem.code}]: {problem.message}",
                  f"  --> {_where(problem)}",
                  f"  = help: {problem.hint}", ""]
    examined = f"{_plural(report.bricks, 'brick')}, {_plural(report.rules, 'rule')} examined"
    lines.append(f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')} "
                 f"in {shown_path(str(report.root))} ({examined})")
    return "\n".join(lines)


def lint_json(report: LintReport) -> str:
    return json.dumps({
        "rules": str(report.root),
        "findings": [{"severity": p.severity, "code": p.code, "file": p.file, "line": p.line,
                      "rule": p.rule, "message": p.message, "hint": p.hint}
                     for p in report.problems],
        "summary": {"errors": report.errors, "warnings": report.warnings,
                    "bricks": report.bricks, "rules": report.rules},
    }, ensure_ascii=False, indent=2)


@rules_group.command("lint", short_help="Static consistency checks.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@rules_option
@reports_input_errors
def lint_command(fmt: str, rules: str | None) -> None:
    """Static consistency checks of the catalog: every finding with its file, rule and fix.

    Exit 1 when a finding is an error (warnings alone exit 0); 2 when the path is no
    catalog folder.
    """
    report = lint_report(rules)
    click.echo(lint_json(report) if fmt == "json" else lint_text(report))
    sys.exit(EXIT_FAILED if report.errors else EXIT_OK)



# `rules verify` lives in its own module: it is the only one that needs hypothesis.
from eligibility.cli.verify import verify_command  # noqa: E402

rules_group.add_command(verify_command)
