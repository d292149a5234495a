"""``eligibility costs``: each commune's share of each brick's cost by the single key.

The computation is in ``costs.py``; this parses the options and renders the report as
text (80 columns, French by default), JSON, CSV or Markdown.
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from decimal import Decimal
from fractions import Fraction

import click

from eligibility.catalog.model import Catalog
from eligibility.cli.options import (
    catalog_files,
    catalog_from,
    guard_output,
    input_files,
    lang_option,
    max_input_size_option,
    output_option,
    reports_input_errors,
    rules_option,
    write_output,
)
from eligibility.costs.shares import (
    KEY_CITATION,
    POOL_CITATION,
    UPGRADE_CITATION,
    CostReport,
    compute_costs,
    costs_json_data,
    day_label,
    dumps,
    euros,
    load_budget,
    load_profiles,
    money,
    notice_text,
    percent,
    plain,
)
from eligibility.documents.bounded import markdown_text, spreadsheet_cell
from eligibility.errors import InputError

WIDTH = 80
FORMATS = ("text", "json", "csv", "markdown")


def _l(lang: str, fr: str, en: str) -> str:
    return en if lang == "en" else fr


def _pct(value: Fraction, lang: str) -> str:
    text = f"{percent(value)}"
    return f"{text}%" if lang == "en" else f"{text.replace('.', ',')} %"


def _etp(value: Decimal, lang: str) -> str:
    text = format(plain(value), "f")
    return text if lang == "en" else text.replace(".", ",")


def _title(catalog: Catalog, brick: str, lang: str) -> str:
    return catalog.bricks[brick].title(lang) if brick in catalog.bricks else brick


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
    day = day_label(report.reference_date, lang)
    return _l(lang,
              f"Clé unique : la part de chaque commune dans le total des comptes administratifs "
              f"{report.key_year} (fonctionnement + investissement) des communes qui détiennent "
              f"la brique au {day}.",
              f"Single key: each commune's share of the total {report.key_year} annual "
              f"accounts (operating + capital expenditure) of the communes holding the "
              f"brick on {day}.")


def costs_text(report: CostReport, catalog: Catalog, lang: str = "fr") -> str:
    out = [_l(lang, f"Répartition des coûts de la DN — budget {report.year}",
              f"DN cost sharing — {report.year} budget"), ""]
    out += _wrap(_key_sentence(report, lang), "")
    out += _wrap(f"[{_l(lang, 'note', 'note')}] {KEY_CITATION}", "")
    out += _wrap(f"[{_l(lang, 'hypothèse', 'assumption')}] {POOL_CITATION}", "")

    out += ["", _l(lang, "Briques", "Bricks")]
    for brick in report.bricks:
        count = len(brick.subscribers)
        subscribers = _l(lang, f"{count} commune" + ("s" if count > 1 else ""),
                         f"{count} commune" + ("s" if count != 1 else ""))
        out += _row(f"  {_title(catalog, brick.id, lang)}", money(brick.cost, lang))
        out.append(f"      {_etp(brick.etp, lang)} {_l(lang, 'ETP', 'FTE')} · {subscribers}")
        for line in brick.carried:
            label = _l(lang, "dont", "of which")
            out += _row(f"      {label} {_title(catalog, line.brick, lang)}",
                        money(line.cost, lang))
    for note in report.notes:
        out.append("")
        out += _wrap(f"* {notice_text(note, report, catalog, lang)}", "  ")
        out += _wrap(f"[{note.source}] {note.citation}", "    ")

    out += ["", "Communes"]
    for commune in report.communes:
        out += _row(f"  {commune.insee} {commune.name}",
                    f"{_l(lang, 'total', 'total')} {money(commune.total, lang)}")
        for brick_id, charge in commune.charges.items():
            key = _pct(commune.keys[brick_id], lang)
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
            out += _wrap(f"! {notice_text(warning, report, catalog, lang)}", "  ")
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
        out.append(f"| {_md(_title(catalog, brick.id, lang))} (`{brick.id}`) | "
                   f"{money(brick.cost, lang)} | {_etp(brick.etp, lang)} | "
                   f"{len(brick.subscribers)} |")
        for line in brick.carried:
            title = _md(_title(catalog, line.brick, lang))
            out.append(f"| ↳ {_l(lang, 'dont', 'of which')} {title} | {money(line.cost, lang)} | "
                       f"{_etp(line.etp, lang)} | |")
    for note in report.notes:
        out += ["", f"- {_md(notice_text(note, report, catalog, lang))} "
                    f"(*{note.source}: {note.citation}*)"]

    shared = [b.id for b in report.bricks if b.subscribers]
    out += ["", "## Communes", "",
            "| INSEE | Commune | " + "".join(f"`{b}` | " for b in shared)
            + _l(lang, "Licences (art. 4.2.2)", "Licences (art. 4.2.2)") + " | Total |",
            "|---|---|" + "---:|" * len(shared) + "---:|---:|"]
    for commune in report.communes:
        cells = [f"{money(commune.charges[b], lang)} ({_pct(commune.keys[b], lang)})"
                 if b in commune.charges else "" for b in shared]
        upgrades = sum(u.amount for u in commune.upgrades)
        out.append(f"| {commune.insee} | {_md(commune.name)} | "
                   + "".join(f"{c} | " for c in cells)
                   + (money(upgrades, lang) if upgrades else "")
                   + f" | {money(commune.total, lang)} |")
    by_brick = {b.id: b.cost for b in report.bricks}
    out.append("| | **Total** | " + "".join(f"{money(by_brick[b], lang)} | " for b in shared)
               + f"{money(report.upgrades_total, lang)} | **{money(report.total, lang)}** |")
    upgrades = [u for c in report.communes for u in c.upgrades]
    if upgrades:
        out += ["", _l(lang, "Licences", "Licences") + _l(lang, " : ", ": ")
                + f"*{_l(lang, 'hypothèse', 'assumption')} · {UPGRADE_CITATION}*"]
    if report.unallocated:
        amount = money(report.unallocated, lang)
        out += ["", _l(lang, f"Non réparti (brique sans commune) : {amount}",
                       f"Not shared (brick nobody holds): {amount}")]
    if report.warnings:
        out += ["", f"## {_l(lang, 'Avertissements', 'Warnings')}", ""]
        out += [f"- {_md(notice_text(w, report, catalog, lang))}" for w in report.warnings]
    return "\n".join(out)


CSV_COLUMNS = ("record", "insee", "name", "brick", "key_percent", "amount", "etp", "subscribers")


def costs_csv(report: CostReport, catalog: Catalog, lang: str = "fr") -> str:
    """One row per record: ``brick`` (cost, ETP, subscriber count), ``charge`` (a commune's
    share of a brick, with its key), ``licence_upgrade``, ``commune_total``, ``unallocated``
    and the grand ``total``. Amounts in euros with a dot and two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
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


RENDERERS = {
    "text": costs_text,
    "markdown": costs_markdown,
    "csv": costs_csv,
    "json": lambda report, catalog, lang: dumps(costs_json_data(report, catalog, lang)),
}


@click.command("costs")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--budget", "budget_file", required=True, metavar="FILE",
              help="The budget of the year (YAML or JSON): bricks' ETP and costs, licence "
                   "upgrades.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@output_option
@lang_option
@rules_option
@max_input_size_option
@reports_input_errors
def costs_command(paths: tuple[str, ...], budget_file: str, fmt: str, output: str | None,
                  lang: str, rules: str | None) -> None:
    """Each commune's share of each brick's cost by the single key.

    PATH... are commune profiles (- for standard input), or folders searched
    recursively for .yaml, .yml and .json files. A brick's cost (etp × cost_per_etp +
    si) is shared, to the cent, among the communes holding it on 1 January of the
    budget year, pro rata of their compte administratif of the year before
    (fonctionnement + investissement); licence upgrades (art. 4.2.2) are charged to
    their commune alone.

    Exit 2 on bad input, a subscriber without a compte administratif of the right year
    included.
    """
    catalog = catalog_from(rules)
    if [budget_file, *paths].count("-") > 1:
        raise InputError("standard input is given twice (- can be read once)",
                         source="<stdin>", hint="give the budget or the profiles as a file")
    guard_output(output, [budget_file, *catalog_files(rules), *input_files(paths)])
    budget = load_budget(budget_file, catalog)
    profiles = load_profiles(paths, catalog)
    report = compute_costs(budget, profiles, catalog, budget_source=budget_file)
    write_output(RENDERERS[fmt](report, catalog, lang), output)
