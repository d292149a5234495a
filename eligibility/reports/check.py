"""Rendering check and explain results: text (rustc-like), markdown, JSON (CONTRACT §4).

Renderers only format: the verdicts, their reasons and plans come computed once in the
``Evaluation`` (``evaluation.check``), the sentences from ``explain.derivation`` and
the wording layer. Nothing here evaluates or plans; each verdict is explained once
per rendering.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from eligibility.catalog.conditions import Condition
from eligibility.catalog.memo import PerCatalog, per_catalog
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    Evaluation,
    Reason,
    Verdict,
)
from eligibility.explain.derivation import (
    SYMBOLS,
    Because,
    BrickExplanation,
    because_of,
    explain_verdict,
    help_lines,
    leaf_lines,
    read_facts,
    reason_text,
    rule_name,
    step_text,
)
from eligibility.reports import jsontext
from eligibility.reports.provenance import footer, provenance
from eligibility.wording.bricks import brick_title
from eligibility.wording.i18n import t, version_label
from eligibility.wording.layout import join_fitting, wrap, wrap_lines


def _header(ev: Evaluation, lang: str) -> str:
    return " · ".join(_header_parts(ev, lang))


def _header_parts(ev: Evaluation, lang: str) -> list[str]:
    convention = ev.convention
    if convention is None:
        shown = t(lang, "unknown_convention")
    elif convention == "none":  # « sans convention », never « sous sans convention »
        shown = version_label(ev.catalog, convention, lang)
    else:
        shown = t(lang, "convention", version=version_label(ev.catalog, convention, lang))
    commune = ev.profile.commune
    return [f"{commune.name} ({commune.insee})", shown, t(lang, "as_of", date=ev.as_of)]


def _source_tag(b: Because, lang: str) -> str:
    return f"{t(lang, b.source)} · {b.citation}"


def _cite(text: str, indent: str) -> list[str]:
    """``= note · citation``, wrapped under the citation."""
    return wrap(f"= {text}", indent, indent + "  ")


def _because_text(b: Because, lang: str, indent: str) -> list[str]:
    lines = wrap(t(lang, "because", text=b.text), indent, indent + "  ")
    for d in b.details:
        lines += wrap(t(lang, "and", text=d), indent + "  ", indent + "    ")
    lines += _cite(_source_tag(b, lang), indent + "  ")
    if b.nested_intro:
        lines += wrap(t(lang, "and", text=b.nested_intro), indent + "  ", indent + "    ")
    for nested in b.nested:
        lines += _because_text(nested, lang, indent + "    ")
    return lines


def _help_text(helps: list[str], lang: str, plan: Any = None) -> list[str]:
    """``pour y remédier : step`` on one line, or the steps listed under it, wrapped.
    A plan that cannot be carried out is said as it is, not as a remedy."""
    prefix = "  " + t(lang, "title", brick=t(lang, "help"), status="")
    if not helps:
        return []
    if plan is not None and not plan.feasible and not plan.replaced_by:
        return [line for h in helps for line in wrap(h, "  ", "    ")]
    if len(helps) == 1:
        return wrap(prefix + helps[0], "", "    ")
    lines = [prefix.rstrip()]
    for step in helps:
        lines += wrap(f"- {step}", "    ", "      ")
    return lines


def _summary(ev: Evaluation, explanations: list[BrickExplanation], lang: str) -> str:
    return " · ".join(_summary_parts(ev, explanations, lang))


def _summary_parts(ev: Evaluation, explanations: list[BrickExplanation], lang: str) -> list[str]:
    n = len(explanations)
    counts = Counter(e.status for e in explanations)
    head = t(lang, "all_bricks", n=n) if ev.everything_requested and ev.show is None else \
        t(lang, "requested_n", n=n)
    parts = [head] + [t(lang, f"count_{s}", n=counts[s])
                      for s in ("eligible", "ineligible", "undetermined", "unavailable")
                      if counts[s] or s in ("eligible", "ineligible")]
    parts.append(t(lang, "assumptions_flagged", n=len(_flagged(explanations))))
    return parts


def _flagged(explanations: list[BrickExplanation]) -> set[str]:
    """Assumptions the output shows: in a because, or under an eligible verdict."""
    flagged: set[str] = set()
    for e in explanations:
        # Under a verdict that is not undetermined, only failed reasons are shown.
        stack = [b for b in e.because if b.held is False or e.status == "undetermined"]
        while stack:
            b = stack.pop()
            if b.is_assumption:
                flagged.add(b.rule)
            stack += b.nested
        if e.status in ("eligible", "undetermined"):
            flagged.update(e.assumptions)
    return flagged


def _brick_text(e: BrickExplanation, lang: str) -> list[str]:
    lines = wrap(f"{SYMBOLS[e.status]} " + t(lang, "title", brick=e.title,
                                              status=t(lang, e.status)), "", "  ")
    if e.status == "undetermined":
        lines += wrap(t(lang, "missing", facts=", ".join(e.missing)), "  ", "    ")
        lines += wrap(t(lang, "rest_holds", rules=", ".join(e.rest)), "  ", "    ")
        for b in e.because:
            if b.held is None and b.is_assumption:
                lines += wrap(t(lang, "pending", text=b.text), "  ", "    ")
                lines += _cite(_source_tag(b, lang), "    ")
        unknown = {b.rule for b in e.because}
        held = [name for a, name in zip(e.assumptions, e.assumption_names, strict=True)
                if a not in unknown]
        if held:
            lines += wrap(t(lang, "rests_on", rules=", ".join(held)), "  ", "    ")
    elif e.status == "eligible":
        lines.append("  " + t(lang, "all_hold", n=len(e.rest)))
        if e.assumptions:
            lines += wrap(t(lang, "rests_on", rules=", ".join(e.assumption_names)), "  ", "    ")
    else:
        # Only a failed condition is a cause; the unknown ones are listed as missing facts.
        for b in e.because:
            if b.held is False:
                lines += _because_text(b, lang, "  ")
        if e.missing and e.status == "ineligible":
            lines += wrap(t(lang, "missing", facts=", ".join(e.missing)), "  ", "    ")
    return lines + _help_text(e.help, lang, e.plan)


def explanations(ev: Evaluation, lang: str) -> list[BrickExplanation]:
    return [explain_verdict(ev, v, lang) for v in ev.shown()]


def check_text(ev: Evaluation, lang: str = "fr") -> str:
    """The verdicts of ``ev`` as a terminal report (rustc-like, 80 columns)."""
    shown = explanations(ev, lang)
    lines = [*join_fitting(_header_parts(ev, lang)), ""]
    for e in shown:
        lines += _brick_text(e, lang) + [""]
    lines += join_fitting(_summary_parts(ev, shown, lang))
    return "\n".join(lines)


def check_markdown(ev: Evaluation, lang: str = "fr") -> str:
    """The verdicts as a markdown table with the help, for a council note, and its provenance
    line."""
    shown = explanations(ev, lang)
    commune = ev.profile.commune
    from eligibility.documents.bounded import (
        markdown_text,  # the name is input: HTML escaped (issue 9)
    )

    lines = [f"## {markdown_text(commune.name)} ({commune.insee})", "",
             f"*{markdown_text(_header(ev, lang))}*", "",
             "| " + " | ".join(t(lang, k) for k in ("column_brick", "column_status",
                                                   "column_reasons")) + " |",
             "|---|---|---|"]
    for e in shown:
        motives = t(lang, "semicolon").join(
            f"{b.text} ({t(lang, b.source)} · {b.citation})"
                            for b in e.because if b.held is False) or "—"
        if e.status == "undetermined":
            motives = t(lang, "missing", facts=", ".join(e.missing))
        elif e.missing and e.status == "ineligible":  # the causes, then what is unknown
            motives += t(lang, "semicolon") + t(lang, "missing", facts=", ".join(e.missing))
        lines.append(f"| {e.title} | {SYMBOLS[e.status]} {t(lang, e.status)} | "
                     f"{motives.replace('|', '/')} |")
    for e in shown:
        if e.help:
            lines += ["", t(lang, "title", brick=f"**{e.title}** — {t(lang, 'help')}",
                            status="").rstrip()]
            lines += [f"- {h}" for h in e.help]
    flagged = _flagged(shown)
    if flagged:
        names = sorted({rule_name(ev.catalog, rule, lang) for rule in flagged})
        lines += ["", t(lang, "title", brick="*" + t(lang, "to_confirm") + "*",
                        status=", ".join(names))]
    lines += ["", _summary(ev, shown, lang),
              "", f"*{markdown_text(footer(ev.catalog, ev.as_of, lang))}*"]
    return "\n".join(lines)


def _reason_json(ev: Evaluation, reason: Reason, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": reason.rule, "held": reason.held,
        "message": reason_text(reason, ev.catalog, lang),
        "source": reason.source, "citation": reason.citation,
        "kind": reason.kind, "assumption": reason.is_assumption,
        **ev.catalog.provenance(reason.rule, ev.as_of),  # quote, dated basis
    }
    if reason.kind in (COMMON, CONDITION, AVAILABILITY):
        rule_condition = _condition_of(ev, reason)
        out["facts"] = {f: _json_value(ev.facts.get(f)) for f in read_facts(rule_condition,
                                                                              ev.facts)}
    if reason.kind == REQUIREMENT:
        out["brick"] = reason.brick
    if reason.missing:
        out["missing"] = list(reason.missing)
    return out


def _condition_of(ev: Evaluation, reason: Reason) -> Condition:
    if reason.kind == AVAILABILITY:
        return ev.catalog.bricks[reason.rule.rsplit(".", 1)[0]].availability_rule
    rule = ev.catalog.rule(reason.rule)
    assert rule is not None, reason.rule
    return rule.condition


def _json_value(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


ReasonWriter = Callable[[Evaluation, Reason, str], Any]

# reason -> its JSON text in a ``check`` document, per catalog (see _written_reason)
_WRITTEN: PerCatalog[dict[tuple[Any, ...], jsontext.Written]] = {}
_MAX_WRITTEN = 20_000
_REASON_DEPTH = 4  # document > "bricks" list > brick > "reasons" list > the reason


def _written_reason(ev: Evaluation, reason: Reason, lang: str) -> jsontext.Written:
    """``_reason_json`` written as JSON text once for every evaluation it comes back in.

    Its text depends on the reason (a frozen value), the language, the date (a dated
    basis, the quote) and the values of the facts its rule reads: that is the key.
    """
    cache = per_catalog(_WRITTEN, ev.catalog, lambda _: {}, most=8)
    read: tuple[Any, ...] = ()
    if reason.kind != REQUIREMENT:
        facts = ev.facts
        read = tuple((f, facts.get(f)) for f in read_facts(_condition_of(ev, reason), facts))
    key = (reason, lang, ev.as_of, read)
    found = cache.get(key)
    if found is None:
        if len(cache) >= _MAX_WRITTEN:
            cache.clear()
        found = cache[key] = jsontext.written(_reason_json(ev, reason, lang), _REASON_DEPTH)
    return found


def check_json_data(ev: Evaluation, lang: str = "fr",
                    reason_json: ReasonWriter | None = None) -> dict[str, Any]:
    """The JSON answer of ``check --format json`` (CONTRACT §4) as data, with its ``provenance``.

    ``reason_json`` writes each reason (``check_json`` passes one that keeps the text
    of the reasons that come back)."""
    reason_json = reason_json or _reason_json
    bricks = []
    for verdict in ev.shown():
        helps, plan = help_lines(ev, verdict, lang)  # the JSON says no chain of because
        entry: dict[str, Any] = {
            "id": verdict.brick,
            "name": brick_title(ev.catalog.bricks[verdict.brick], lang),
            "status": verdict.status,
            "reasons": [reason_json(ev, r, lang) for r in verdict.reasons],
            "requires": list(verdict.requires),
            "missing": list(verdict.missing),
            "remediation": helps,
        }
        if plan is not None:
            entry["plan"] = {"feasible": plan.feasible, "steps": [
                {"rule": s.rule, "kind": s.kind, "field": s.field,
                 "from": _json_value(s.current), "to": _json_value(s.value),
                 "brick": s.brick, "text": step_text(s, ev, lang)} for s in plan.steps],
                "find_out": list(plan.find_out), "out_of_reach": list(plan.out_of_reach)}
        entry["assumptions"] = [r.rule for r in verdict.reasons if r.is_assumption]
        bricks.append(entry)
    counts = Counter(b["status"] for b in bricks)
    return {
        "commune": {"insee": ev.profile.commune.insee, "name": ev.profile.commune.name},
        "as_of": ev.as_of.isoformat(),
        "convention": ev.convention,
        "bricks": bricks,
        "summary": {s: counts.get(s, 0)
                    for s in ("eligible", "ineligible", "undetermined", "unavailable")},
        "provenance": provenance(ev.catalog, ev.as_of),
    }


def _said(ev: Evaluation, e: BrickExplanation, verdict: Verdict, lang: str,
          ) -> dict[str, Because]:
    """What is said about each reason of ``verdict``: the explanation's, else said now."""
    said = {b.rule: b for b in e.because}
    for reason in verdict.reasons:
        if reason.rule not in said:
            said[reason.rule] = because_of(reason, ev, lang)
    return said


def check_json(ev: Evaluation, lang: str = "fr") -> str:
    """``check_json_data`` as indented JSON text."""
    # json.dumps(indent=2), faster; each reason's text written once (issue 12.2)
    return jsontext.dumps(check_json_data(ev, lang, _written_reason))


def explain_text(ev: Evaluation, brick_id: str, lang: str = "fr") -> str:
    """The full derivation of one brick of ``ev`` as text: each condition, the fact it read, its
    citation, what would make it hold."""
    verdict = ev.verdicts[brick_id]
    e = explain_verdict(ev, verdict, lang)
    lines = [*join_fitting(_header_parts(ev, lang)), "",
             *wrap(f"{SYMBOLS[e.status]} " + t(lang, "title", brick=e.title,
                                                 status=t(lang, e.status)), "", "  "), ""]
    told = _said(ev, e, verdict, lang)
    for reason in verdict.reasons:
        said = told[reason.rule]
        mark = SYMBOLS["eligible" if reason.held else
                       "ineligible" if reason.held is False else "undetermined"]
        lines += wrap(f"{mark} {said.text}", "  ", "    ")
        if reason.kind == REQUIREMENT:
            for d in said.details:
                lines += wrap(d, "      ", "        ")
        else:
            lines += wrap_lines(leaf_lines(_condition_of(ev, reason), ev, lang, indent=3))
        lines += _cite(f"{_source_tag(said, lang)} · {t(lang, 'rule_id', rule=reason.rule)}",
                       "      ")
    if e.help:
        lines += ["", *_help_text(e.help, lang, e.plan)]
    if e.missing:
        lines += ["", *wrap(t(lang, "find_out", facts=", ".join(e.missing)), "  ", "    ")]
    return "\n".join(lines)
