"""Reports of ``eligibility costs``: text (80 columns, French by default), JSON, CSV and
Markdown, from the ``CostReport`` that ``eligibility.costs.shares.compute_costs`` returns.

Renderers only lay out: the figures are the report's, the sentences and number formats
``eligibility.wording.costs``'s.
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from decimal import Decimal
from typing import Any

from eligibility.catalog.model import Catalog
from eligibility.costs.shares import (
    KEY_CITATION,
    KEY_QUOTE,
    KEY_SOURCE,
    POOL_CITATION,
    POOL_QUOTE,
    POOL_SOURCE,
    UPGRADE_CITATION,
    UPGRADE_QUOTE,
    UPGRADE_SOURCE,
    CostReport,
    Notice,
)
from eligibility.documents.bounded import markdown_text, spreadsheet_cell
from eligibility.reports.provenance import StampedRows, footer, provenance
from eligibility.wording.costs import (
    brick_title,
    etp,
    euros,
    key_sentence,
    money,
    notice_text,
    percent,
    percent_label,
    plain,
    subscribers,
)
from eligibility.wording.i18n import say as _l

WIDTH = 80
FORMATS = ("text", "json", "csv", "markdown")


def _row(left: str, right: str, width: int = WIDTH) -> list[str]:
    """``left`` and ``right`` on one line of ``width``, or on more when they do not fit."""
    if len(left) + 1 + len(right) <= width:
        return [left + " " * (width - len(left) - len(right)) + right]
    indent = left[:len(left) - len(left.lstrip())]
    lines = _wrap(left.strip(), indent, width - len(right) - 1)
    last = lines[-1]
    return [*lines[:-1], last + " " * (width - len(last) - len(right)) + right]


# Spaces a line must not break at: inside numbers and amounts, inside « », before : ; ! ?
_KEEP = re.compile(r"(?<=\d) (?=\d)| (?=[€:;!?»])|(?<=«) |(?<=n°) ")


def _wrap(text: str, indent: str, width: int = WIDTH) -> list[str]:
    glued = _KEEP.sub("\u00a0", text)
    lines = textwrap.wrap(glued, width, initial_indent=indent, subsequent_indent=indent + "  ",
                          break_on_hyphens=False, break_long_words=False)
    return [line.replace("\u00a0", " ") for line in lines]


def _key_sentence(report: CostReport, lang: str) -> str:
    return key_sentence(report.year, report.key_year, report.reference_date, lang)


def _notice(notice: Notice, report: CostReport, catalog: Catalog, lang: str) -> str:
    commune = next((f"{c.insee} {c.name}" for c in report.communes if c.insee == notice.insee),
                   str(notice.insee))
    return notice_text(notice, report.reference_date, commune, catalog, lang)


def costs_text(report: CostReport, catalog: Catalog, lang: str = "fr") -> str:
    out = [_l(lang, f"Répartition des coûts de la DN — budget {report.year}",
              f"DN cost sharing — {report.year} budget"), ""]
    out += _wrap(_key_sentence(report, lang), "")
    out += _wrap(f"[{_l(lang, 'note', 'note')}] {KEY_CITATION}", "")
    out += _wrap(f"[{_l(lang, 'hypothèse', 'assumption')}] {POOL_CITATION}", "")

    out += ["", _l(lang, "Briques", "Bricks")]
    for brick in report.bricks:
        count = len(brick.subscribers)
        holders = subscribers(count, lang)
        out += _row(f"  {brick_title(catalog, brick.id, lang)}", money(brick.cost, lang))
        out.append(f"      {etp(brick.etp, lang)} {_l(lang, 'ETP', 'FTE')} · {holders}")
        for line in brick.carried:
            label = _l(lang, "dont", "of which")
            out += _row(f"      {label} {brick_title(catalog, line.brick, lang)}",
                        money(line.cost, lang))
    for note in report.notes:
        out.append("")
        out += _wrap(f"* {_notice(note, report, catalog, lang)}", "  ")
        out += _wrap(f"[{note.source}] {note.citation}", "    ")

    out += ["", "Communes"]
    for commune in report.communes:
        out += _row(f"  {commune.insee} {commune.name}",
                    f"{_l(lang, 'total', 'total')} {money(commune.total, lang)}")
        for brick_id, charge in commune.charges.items():
            key = percent_label(commune.keys[brick_id], lang)
            out += _row(f"    {brick_id:<24}{key:>13}", money(charge, lang))
        for upgrade in commune.upgrades:
            what = _l(lang, "licence (art. 4.2.2)", "licence (art. 4.2.2)")
            out += _row(f"    + {what} {upgrade.brick}", money(upgrade.amount, lang))
            if upgrade.reason:
                out += _wrap(upgrade.reason, "      ", WIDTH - 16)
        if not commune.charges and not commune.upgrades:
            out.append("    " + _l(lang, "aucune brique du budget détenue",
                                   "holds no brick of the budget"))

    out.append("")
    out += _row(_l(lang, "Total réparti", "Total charged"), money(report.total, lang))
    if report.upgrades_total:
        out += _row(_l(lang, "  dont mises à niveau de licence (art. 4.2.2)",
                       "  of which licence upgrades (art. 4.2.2)"),
                    money(report.upgrades_total, lang))
    if report.unallocated:
        out += _row(_l(lang, "Non réparti (brique sans commune)",
                       "Not shared (brick nobody holds)"), money(report.unallocated, lang))
    if report.warnings:
        out += ["", _l(lang, "Avertissements", "Warnings")]
        for warning in report.warnings:
            out += _wrap(f"! {_notice(warning, report, catalog, lang)}", "  ")
    return "\n".join(out)


def _md(text: str) -> str:
    return markdown_text(text)  # table pipes and HTML escaped


def costs_markdown(report: CostReport, catalog: Catalog, lang: str = "fr") -> str:
    out = [f"# {_l(lang, 'Répartition des coûts de la DN', 'DN cost sharing')} — "
           f"{_l(lang, 'budget', 'budget')} {report.year}", "",
           _key_sentence(report, lang), "", f"> *{KEY_CITATION}*", "",
           f"> *{_l(lang, 'Hypothèse :', 'Assumption:')} {POOL_CITATION}*", "",
           f"## {_l(lang, 'Briques', 'Bricks')}", "",
           "| " + " | ".join(_l(lang, "Brique|Coût|ETP|Communes", "Brick|Cost|FTE|Communes")
                              .split("|")) + " |",
           "|---|---:|---:|---:|"]
    for brick in report.bricks:
        out.append(f"| {_md(brick_title(catalog, brick.id, lang))} (`{brick.id}`) | "
                   f"{money(brick.cost, lang)} | {etp(brick.etp, lang)} | "
                   f"{len(brick.subscribers)} |")
        for line in brick.carried:
            title = _md(brick_title(catalog, line.brick, lang))
            out.append(f"| ↳ {_l(lang, 'dont', 'of which')} {title} | {money(line.cost, lang)} | "
                       f"{etp(line.etp, lang)} | |")
    for note in report.notes:
        out += ["", f"- {_md(_notice(note, report, catalog, lang))} "
                    f"(*{note.source}: {note.citation}*)"]

    shared = [b.id for b in report.bricks if b.subscribers]
    out += ["", "## Communes", "",
            "| INSEE | Commune | " + "".join(f"`{b}` | " for b in shared)
            + _l(lang, "Licences (art. 4.2.2)", "Licences (art. 4.2.2)") + " | Total |",
            "|---|---|" + "---:|" * len(shared) + "---:|---:|"]
    for commune in report.communes:
        cells = [f"{money(commune.charges[b], lang)} ({percent_label(commune.keys[b], lang)})"
                 if b in commune.charges else "" for b in shared]
        upgrades = sum(u.amount for u in commune.upgrades)
        out.append(f"| {commune.insee} | {_md(commune.name)} | "
                   + "".join(f"{c} | " for c in cells)
                   + (money(upgrades, lang) if upgrades else "")
                   + f" | {money(commune.total, lang)} |")
    by_brick = {b.id: b.cost for b in report.bricks}
    out.append("| | **Total** | " + "".join(f"{money(by_brick[b], lang)} | " for b in shared)
               + f"{money(report.upgrades_total, lang)} | **{money(report.total, lang)}** |")
    if any(c.upgrades for c in report.communes):
        out += ["", _l(lang, "Licences", "Licences") + _l(lang, " : ", ": ")
                + f"*{_l(lang, 'hypothèse', 'assumption')} · {UPGRADE_CITATION}*"]
    if report.unallocated:
        amount = money(report.unallocated, lang)
        out += ["", _l(lang, f"Non réparti (brique sans commune) : {amount}",
                       f"Not shared (brick nobody holds): {amount}")]
    if report.warnings:
        out += ["", f"## {_l(lang, 'Avertissements', 'Warnings')}", ""]
        out += [f"- {_md(_notice(w, report, catalog, lang))}" for w in report.warnings]
    out += ["", f"*{_md(footer(catalog, report.reference_date, lang))}*"]
    return "\n".join(out)


CSV_COLUMNS = ("record", "insee", "name", "brick", "key_percent", "amount", "etp", "subscribers")


def costs_csv(report: CostReport, catalog: Catalog, lang: str = "fr") -> str:
    """One row per record: ``brick`` (cost, ETP, subscriber count), ``charge`` (a commune's
    share of a brick, with its key), ``licence_upgrade``, ``commune_total``, ``unallocated``
    and the grand ``total``. Amounts in euros with a dot and two decimals."""
    buffer = io.StringIO()
    writer = StampedRows(csv.writer(buffer, lineterminator="\n"), catalog, report.reference_date)
    writer.header(CSV_COLUMNS)
    for brick in report.bricks:
        writer.writerow(["brick", "", "", brick.id, "", euros(brick.cost), plain(brick.etp),
                         len(brick.subscribers)])
    for commune in report.communes:
        for brick_id, charge in commune.charges.items():
            writer.writerow(["charge", commune.insee, spreadsheet_cell(commune.name), brick_id,
                             percent(commune.keys[brick_id]), euros(charge), "", ""])
        for upgrade in commune.upgrades:
            writer.writerow(["licence_upgrade", commune.insee, spreadsheet_cell(commune.name),
                             upgrade.brick, "",
                             euros(upgrade.amount), "", ""])
        writer.writerow(["commune_total", commune.insee, spreadsheet_cell(commune.name), "", "",
                         euros(commune.total), "", ""])
    if report.unallocated:
        writer.writerow(["unallocated", "", "", "", "", euros(report.unallocated), "", ""])
    writer.writerow(["total", "", "", "", "", euros(report.total), "", ""])
    return buffer.getvalue().rstrip("\n")


def costs_json_data(report: CostReport, catalog: Catalog, lang: str = "fr") -> dict[str, Any]:
    """The JSON document of ``eligibility costs --format json`` (amounts as ``Decimal``)."""
    return {
        "year": report.year,
        "bricks": [
            {"id": b.id, "cost": euros(b.cost), "etp": plain(b.etp),
             "subscribers": list(b.subscribers),
             "lines": [{"id": ln.brick, "cost": euros(ln.cost), "etp": plain(ln.etp)}
                       for ln in b.lines]}
            for b in report.bricks],
        "communes": [
            {"insee": c.insee, "name": c.name,
             "key": {b: percent(k) for b, k in c.keys.items()},
             "charges": {b: euros(a) for b, a in c.charges.items()},
             "licence_upgrades": [
                 {"brick": u.brick, "amount": euros(u.amount),
                  **({"reason": u.reason} if u.reason else {})} for u in c.upgrades],
             "total": euros(c.total)}
            for c in report.communes],
        "total": euros(report.total),
        "reference_date": report.reference_date.isoformat(),
        "key_year": report.key_year,
        "licence_upgrades_total": euros(report.upgrades_total),
        "unallocated": euros(report.unallocated),
        "key": {"source": KEY_SOURCE, "citation": KEY_CITATION, "quote": KEY_QUOTE},
        "pool": {"source": POOL_SOURCE, "citation": POOL_CITATION, "quote": POOL_QUOTE,
                 "assumption": True},
        "licence_upgrade_rule": {"source": UPGRADE_SOURCE, "citation": UPGRADE_CITATION,
                                 "quote": UPGRADE_QUOTE, "assumption": True},
        "notes": [
            {"kind": n.kind, "brick": n.brick, "carried_by": n.to, "cost": euros(n.cost),
             "version": n.version, "source": n.source, "citation": n.citation,
             "message": _notice(n, report, catalog, lang)}
            for n in report.notes],
        "warnings": [
            {"kind": w.kind, "brick": w.brick,
             **({"insee": w.insee} if w.insee else {}),
             **({"cost": euros(w.cost)} if w.kind == "unheld" else {}),
             "message": _notice(w, report, catalog, lang)}
            for w in report.warnings],
        "provenance": provenance(catalog, report.reference_date),
    }


def costs_json(report: CostReport, catalog: Catalog, lang: str = "fr") -> str:
    return dumps(costs_json_data(report, catalog, lang))


def dumps(value: Any, indent: int = 2, _level: int = 0) -> str:
    """JSON like ``json.dumps(indent=2, ensure_ascii=False)``, but a ``Decimal`` is written
    as the number it is, trailing zeros kept (``Decimal('1234.50')`` -> ``1234.50``)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a JSON number: {value}")
        return format(value, "f")
    pad, end = " " * (indent * (_level + 1)), " " * (indent * _level)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: "
                 f"{dumps(v, indent, _level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{end}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [f"{pad}{dumps(v, indent, _level + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{end}]"
    return json.dumps(value, ensure_ascii=False)


RENDERERS = {
    "text": costs_text,
    "markdown": costs_markdown,
    "csv": costs_csv,
    "json": costs_json,
}


def render(report: CostReport, catalog: Catalog, fmt: str, lang: str = "fr") -> str:
    """The report in ``fmt`` (one of ``FORMATS``)."""
    return RENDERERS[fmt](report, catalog, lang)
