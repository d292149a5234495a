"""Reports of ``eligibility audit``: text (80 columns), JSON (CONTRACT §4), Markdown, CSV
(one row per finding) and HTML (one self-contained file, printable on A4 landscape).

French by default, English with ``lang="en"``. Every renderer shows the same things:
the commune × brick matrix, the summary per brick, the findings grouped by severity
with their citations (and, for errors, since when and why), the changes since the
``--compare`` date, what leaving the ``--drop`` bricks would break, and the inputs
that were refused. A large JSON report (one commune a line) is written from memos of
what communes share (``_CompactJson``), the same bytes as ``json.dumps`` of each entry.
"""

from __future__ import annotations

import csv
import html
import io
import json
import operator
from collections.abc import Iterable, Iterator
from dataclasses import fields, replace
from typing import Any

from eligibility.audit.findings import OPEN, AuditRun, CommuneAudit, Finding
from eligibility.audit.rendered import Entries, RenderedRun, Span, Spool
from eligibility.audit.summary import BrickSummary, brick_summaries, cells, totals
from eligibility.catalog.model import SEVERITIES, Catalog
from eligibility.documents.bounded import markdown_text, spreadsheet_cell
from eligibility.evaluation.verdicts import Status
from eligibility.reports.provenance import CSV_COLUMNS as PROVENANCE_COLUMNS
from eligibility.reports.provenance import csv_cells, provenance
from eligibility.reports.provenance import footer as provenance_footer
from eligibility.wording.audit import AuditWording, names_commune_as_is, rule_label, source_word
from eligibility.wording.bricks import brick_title
from eligibility.wording.i18n import LANGS, colon, counted, t
from eligibility.wording.i18n import say as _l
from eligibility.wording.layout import join_fitting, wrap

WIDTH = 80
FORMATS = ("text", "json", "markdown", "html", "csv")

SYMBOL = {"ok": "✓", "warning": "!", "error": "✗", "undetermined": "?", "open": "○",
          "none": "·"}
SEVERITY_SYMBOL = {"error": "✗", "warning": "!", "info": "i"}
STATUSES: tuple[Status, ...] = ("eligible", "undetermined", "ineligible", "unavailable")


CELL_WORDS = {
    "ok": ("détenue, valide", "held, valid"),
    "warning": ("détenue, avertissement", "held, warning"),
    "error": ("détenue, en erreur", "held, in error"),
    "undetermined": ("détenue, indéterminée", "held, undetermined"),
    "open": ("ouverte, à prendre", "open to take"),
    "none": ("non détenue", "not held"),
}
SEVERITY_WORDS = {
    "error": ("Erreurs", "Errors"), "warning": ("Avertissements", "Warnings"),
    "info": ("Informations", "Information"),
}
def _word(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    fr, en = table[key]
    return _l(lang, fr, en)


def brick_codes(catalog: Catalog) -> dict[str, str]:
    """A short column header per brick: its number (``3b`` for 3BIS), else its initials."""
    codes: dict[str, str] = {}
    for brick in catalog.bricks.values():
        if brick.number:
            code = brick.number.lower().replace("bis", "b")[:3]
        else:
            parts = [p for p in brick.id.split("-") if p]
            code = "".join(p[0] for p in parts).upper() if len(parts) > 1 else brick.id[:3].upper()
        base, n = code, 2
        while code in codes.values():
            code = f"{base[:2]}{n}"
            n += 1
        codes[brick.id] = code
    return codes


def _count_heads(lang: str) -> list[str]:
    """Column heads of the finding counts: errors, warnings (avertissements), information."""
    return _l(lang, ["E", "A", "I"], ["E", "W", "I"])


def _version_label(catalog: Catalog, version: str | None, lang: str) -> str:
    if version is None or version not in catalog.versions:
        return _l(lang, "aucune", "none")
    return catalog.versions[version].label(lang)


def _title(run: AuditRun, lang: str) -> str:
    n = len(run.communes)
    return _l(lang, f"Audit des abonnements · {counted(n, lang, 'commune', 'commune')} · "
                    f"au {run.as_of}",
              f"Subscription audit · {counted(n, lang, 'commune', 'commune')} · as of {run.as_of}")


def _context(run: AuditRun, lang: str) -> list[str]:
    catalog = run.catalog
    current = catalog.version_at(run.as_of)
    lines = []
    if current is not None:
        adopted = catalog.versions[current].adopted
        lines.append(_l(lang, f"Convention en vigueur : {_version_label(catalog, current, lang)} "
                              f"(depuis le {adopted})",
                        f"Convention in force: {_version_label(catalog, current, lang)} "
                        f"(since {adopted})"))
    if run.options.compare is not None:
        lines.append(_l(lang, f"Comparé au {run.options.compare}",
                        f"Compared with {run.options.compare}"))
    if run.options.drop:
        dropped = ", ".join(run.options.drop)
        lines.append(_l(lang, f"Simulation : si les communes quittaient {dropped}",
                        f"What-if: if the communes left {dropped}"))
    return lines


def _where(finding: Finding, lang: str) -> str:
    return finding.brick or _l(lang, "commune", "whole commune")


def _tag(finding: Finding, lang: str) -> str:
    source = {"note": ("note", "note"), "law": ("loi", "law"),
              "assumption": ("hypothèse", "assumption")}.get(finding.source,
                                                           (finding.source, finding.source))
    return f"[{_l(lang, *source)} · {finding.citation}]"


# --- text ------------------------------------------------------------------------------

def _helped(help_text: str, lang: str) -> str:
    """« pour y remédier : … » (docs/style-fr.md)."""
    return t(lang, "title", brick=t(lang, "help"), status=help_text)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _matrix_text(run: AuditRun, lang: str) -> list[str]:
    catalog = run.catalog
    codes = brick_codes(catalog)
    widths = [max(3, len(c) + 1) for c in codes.values()]
    counts_head = _l(lang, "  E  A  I", "  E  W  I")
    name_width = max(12, WIDTH - 6 - sum(widths) - len(counts_head) - 1)
    head = " " * (6 + name_width) + " " + "".join(
        c.ljust(w) for c, w in zip(codes.values(), widths, strict=True)) + counts_head
    lines = [head.rstrip()]
    for commune in run.communes:
        row = f"{commune.insee:<5} {_fit(commune.name, name_width):<{name_width}} "
        row += "".join(SYMBOL[c].ljust(w)
                       for c, w in zip(cells(commune, catalog), widths, strict=True))
        row += "".join(f"{commune.count(s):>3}" for s in SEVERITIES)
        lines.append(row)
    lines.append("")
    lines += join_fitting([f"{SYMBOL[k]} {_word(CELL_WORDS, k, lang)}" for k in SYMBOL])
    lines += join_fitting([f"{code} {brick}" for brick, code in codes.items()])
    lines += join_fitting(_l(lang, "E erreurs · A avertissements · I informations",
                              "E errors · W warnings · I information").split(" · "))
    return lines


_SUMMARY_HEADS = (("détenue", "éligible", "indéterm.", "non élig.", "indispo."),
                  ("held", "eligible", "undeterm.", "inelig.", "unavail."))


def _summary_text(run: AuditRun, lang: str) -> list[str]:
    codes = brick_codes(run.catalog)
    heads = _l(lang, *_SUMMARY_HEADS)
    lines = [_l(lang, "Synthèse par brique (nombre de communes ; éligible : détenue et valide, "
                      "ou ouverte)",
                "Per brick (number of communes; eligible: held and valid, or open)")]
    lines = wrap(lines[0], "")
    lines.append(" " * 30 + "".join(f"{h:>10}" for h in heads))
    for summary in brick_summaries(run):
        numbers = [summary.held, *(summary.counts.get(s, 0) for s in STATUSES)]
        lines.append(f"  {codes[summary.brick]:<4}{_fit(summary.brick, 23):<24}" +
                     "".join(f"{n:>10}" for n in numbers))
        top = summary.top_reason()
        if top is not None:
            rule, count = top
            label = rule_label(run.catalog, rule, lang)
            lines += wrap(_l(lang, f"motif principal : {label} ({count})",
                              f"main reason: {label} ({count})"), "      ", "        ")
    return lines


def _finding_text(commune: CommuneAudit, finding: Finding, words: AuditWording) -> list[str]:
    lang = words.lang
    head = f"  {SEVERITY_SYMBOL[finding.severity]} {commune.insee} {commune.name} — " \
           f"{_where(finding, lang)}"
    lines = wrap(head, "", "      ")
    lines += wrap(words.message(finding), "    ", "      ")
    if finding.drift is not None:
        lines += wrap(words.drift(finding), "    ", "      ")
    lines += wrap(_tag(finding, lang), "    ", "     ")
    help_text = words.help(finding)
    if help_text:
        lines += wrap(_helped(help_text, lang), "    ", "      ")
    return lines


def _open_text(run: AuditRun, lang: str) -> list[str]:
    lines = []
    for commune in run.communes:
        items = [f.brick + (f" (+{', '.join(f.bricks)})" if f.bricks else "")
                 for f in commune.findings if f.kind == OPEN and f.brick]
        if items:
            lines += wrap(f"{colon(f'{commune.insee} {commune.name}', lang)} "
                           + ", ".join(items),
                           "  ", "        ")
    return lines


def _findings_text(run: AuditRun, lang: str) -> list[str]:
    words = AuditWording(run.catalog, lang)
    lines: list[str] = []
    for severity in SEVERITIES:
        found = list(run.findings(severity))
        if not found:
            continue
        lines += ["", f"{_word(SEVERITY_WORDS, severity, lang)} ({len(found)})"]
        others = [(c, f) for c, f in found if f.kind != OPEN]
        for commune, finding in others:
            lines += _finding_text(commune, finding, words)
        if len(others) < len(found):
            lines += wrap(_l(lang, "briques ouvertes (à prendre ; + : avec les briques "
                                    "qu'elles requièrent) :",
                              "open bricks (to take; +: together with the bricks they "
                              "require):"), "  ")
            lines += _open_text(run, lang)
    return lines


def _change_line(sign: str, finding: Finding, words: AuditWording) -> list[str]:
    symbol = SEVERITY_SYMBOL[finding.severity]
    where = colon(f"{sign} {symbol} {_where(finding, words.lang)}", words.lang)
    return wrap(f"{where} {words.message(finding)}", "    ", "        ")


def _changes_lines(appeared: tuple[Finding, ...], disappeared: tuple[Finding, ...],
                   words: AuditWording) -> list[str]:
    """Errors and warnings in full; open bricks on one line each way."""
    lang = words.lang
    lines: list[str] = []
    for sign, findings in (("+", appeared), ("−", disappeared)):
        for finding in findings:
            if finding.kind != OPEN:
                lines += _change_line(sign, finding, words)
    for sign, findings, fr, en in (("+", appeared, "ouvertes", "open"),
                                   ("−", disappeared, "plus ouvertes", "no longer open")):
        opened = [f.brick or "" for f in findings if f.kind == OPEN]
        if opened:
            head = colon(f"{sign} {SEVERITY_SYMBOL['info']} {_l(lang, fr, en)}", lang)
            lines += wrap(f"{head} " + ", ".join(opened), "    ", "        ")
    return lines


def _changes_text(run: AuditRun, lang: str) -> list[str]:
    if run.options.compare is None:
        return []
    lines = ["", _l(lang, f"Changements du {run.options.compare} au {run.as_of}",
                    f"Changes from {run.options.compare} to {run.as_of}")]
    changed = [c for c in run.communes if c.changes]
    if not changed:
        lines.append(_l(lang, "  aucun", "  none"))
    for commune in changed:
        assert commune.changes is not None
        lines.append(f"  {commune.insee} {commune.name}")
        lines += _changes_lines(commune.changes.appeared, commune.changes.disappeared,
                                AuditWording(run.catalog, lang))
    return lines


def breaks(commune: CommuneAudit) -> list[Finding]:
    """What leaving the dropped bricks would break: errors and warnings that appear."""
    if commune.dropped is None:
        return []
    return [f for f in commune.dropped.appeared if f.severity != "info"]


def _drop_text(run: AuditRun, lang: str) -> list[str]:
    if not run.options.drop:
        return []
    dropped = ", ".join(run.options.drop)
    words = AuditWording(run.catalog, lang)
    holders = [c for c in run.communes if c.dropped is not None]
    hit = [c for c in holders if breaks(c)]
    lines = ["", _l(lang, f"Si les communes quittaient {dropped}",
                    f"If the communes left {dropped}")]
    lines += wrap(_l(lang, f"{counted(len(holders), lang, 'commune', 'commune')} "
                            f"concernée{'s' if len(holders) > 1 else ''} ; cela casserait "
                            f"quelque chose pour {len(hit)}",
                      f"{counted(len(holders), lang, 'commune', 'commune')} concerned; "
                      f"it would break something for {len(hit)}"), "  ")
    for commune in holders:
        broken = breaks(commune)
        assert commune.dropped is not None
        lifted = [f for f in commune.dropped.disappeared if f.severity != "info"]
        if not broken:
            text = _l(lang, "rien ne casse", "nothing breaks")
            if lifted:
                text += _l(lang, " ; lève : ", "; lifts: ") + ", ".join(
                    f"{f.rule}" for f in lifted)
            lines += wrap(f"{colon(f'{commune.insee} {commune.name}', lang)} {text}",
                           "  ", "      ")
            continue
        lines.append(f"  {commune.insee} {commune.name}")
        for finding in broken:
            lines += _change_line("+", finding, words)
        for finding in lifted:
            lines += _change_line("−", finding, words)
    return lines


def _rejected_text(run: AuditRun, lang: str) -> list[str]:
    if not run.rejected:
        return []
    lines = ["", _l(lang, f"Entrées refusées ({len(run.rejected)}) — non auditées",
                    f"Inputs refused ({len(run.rejected)}) — not audited")]
    for rejected in run.rejected:
        for line in rejected.lines:
            lines += wrap(line, "  ", "      ")
    return lines


def _footer(run: AuditRun, lang: str) -> str:
    counts = totals(run)
    parts = [counted(len(run.communes), lang, "commune", "commune"),
             counted(counts["error"], lang, "erreur", "error"),
             counted(counts["warning"], lang, "avertissement", "warning"),
             counted(counts["info"], lang, "information", "information", en_plural="information")]
    if run.rejected:
        parts.append(counted(len(run.rejected), lang, "entrée refusée", "input refused",
                             "entrées refusées", "inputs refused"))
    assumptions = {f.rule for _, f in run.findings() if f.source == "assumption"}
    parts.append(_l(lang, f"hypothèses signalées : {len(assumptions)}",
                    f"assumptions flagged: {len(assumptions)}"))
    return " · ".join(parts)


def audit_text(run: AuditRun, lang: str = "fr") -> str:
    """The audit as a terminal report (80 columns): matrix, findings, summary."""
    lines = [_title(run, lang), *_context(run, lang), ""]
    lines += _matrix_text(run, lang)
    lines += [""] + _summary_text(run, lang)
    lines += _findings_text(run, lang)
    lines += _changes_text(run, lang)
    lines += _drop_text(run, lang)
    lines += _rejected_text(run, lang)
    lines += [""] + join_fitting(_footer(run, lang).split(" · "))
    return "\n".join(lines)


# --- JSON ------------------------------------------------------------------------------

def _summary_json(summary: BrickSummary, run: AuditRun | RenderedRun,
                  lang: str) -> dict[str, Any]:
    top = summary.top_reason()
    return {
        "id": summary.brick, "held": summary.held,
        **{status: summary.counts.get(status, 0) for status in STATUSES},
        "blocking": None if top is None else {
            "rule": top[0], "label": rule_label(run.catalog, top[0], lang), "communes": top[1]},
    }


def finding_json(finding: Finding, words: AuditWording) -> dict[str, Any]:
    """One finding as CONTRACT §4 shows it, its sentences said by the wording layer."""
    message = words.message(finding)
    messages = {other: message if other == words.lang else
                AuditWording(words.catalog, other).message(finding) for other in LANGS}
    data: dict[str, Any] = {
        "brick": finding.brick, "severity": finding.severity, "rule": finding.rule,
        "message": message, "citation": finding.citation,
        "kind": finding.kind, "source": finding.source,
        "assumption": finding.source == "assumption",
        "messages": messages,
        "help": words.help(finding),
    }
    if finding.detail:
        data["detail"] = finding.detail
    if finding.missing:
        data["missing"] = list(finding.missing)
    if finding.bricks:
        data["bricks"] = list(finding.bricks)
    if finding.drift is not None:
        data["drift"] = words.drift_json(finding)
        data["since"] = data["drift"]["since"]
    return data


def _bricks_json(held: tuple[str, ...], statuses: Iterable[str], row: Iterable[str],
                 catalog: Catalog) -> dict[str, Any]:
    return {brick: {"held": brick in held, "status": status or None, "cell": cell}
            for brick, status, cell in zip(catalog.bricks, statuses, row, strict=True)}


def _counts_json(commune: CommuneAudit) -> dict[str, int]:
    return {s: commune.count(s) for s in SEVERITIES}


def _commune_json(commune: CommuneAudit, words: AuditWording) -> dict[str, Any]:
    catalog = words.catalog
    return {
        "insee": commune.insee, "name": commune.name, "source": commune.source,
        "convention": commune.convention, "held": list(commune.held),
        "bricks": _bricks_json(commune.held, commune.statuses, cells(commune, catalog),
                               catalog),
        "counts": _counts_json(commune),
        "findings": [finding_json(f, words) for f in commune.findings],
    }


def _change_json(commune: CommuneAudit, words: AuditWording) -> dict[str, Any]:
    changes = commune.changes
    return {"insee": commune.insee, "name": commune.name,
            "appeared": [finding_json(f, words) for f in changes.appeared] if changes else [],
            "disappeared": [finding_json(f, words) for f in changes.disappeared]
            if changes else []}


def _drop_json(commune: CommuneAudit, words: AuditWording) -> dict[str, Any]:
    assert commune.dropped is not None
    return {"insee": commune.insee, "name": commune.name,
            "breaks": [finding_json(f, words) for f in breaks(commune)],
            "appeared": [finding_json(f, words) for f in commune.dropped.appeared],
            "disappeared": [finding_json(f, words) for f in commune.dropped.disappeared]}


def audit_json_data(run: AuditRun, lang: str = "fr") -> dict[str, Any]:
    """The whole report as one object (CONTRACT §4); ``audit_json_chunks`` streams it."""
    data: dict[str, Any] = json.loads("".join(audit_json_chunks(run, lang)))
    return data


PRETTY_UP_TO = 2000  # communes; larger reports put each commune on one line


def _dump(value: Any, depth: int, pretty: bool) -> str:
    """``value`` as JSON placed at ``depth`` (two spaces each) of an indented document,
    or compact on one line."""
    if not pretty:
        return _compact(value)
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, its encoder made once."""


def _string(text: str) -> str:
    """A string as compact JSON writes it (``_compact(text)``): escaping is character by
    character, so the text of a string is the texts of its pieces joined."""
    return _quote(text) if type(text) is str else _compact(text)


_quote: Any = getattr(json.encoder, "c_encode_basestring", None) or \
    json.encoder.py_encode_basestring  # what ``_compact`` quotes strings with


# The name a finding's text is memoised with (``_CompactJson``): private-use characters
# no sentence of the catalog contains, that compact JSON leaves as they are.
_NAME = "\ue000\ue0ad\ue000"
_MEMO_LIMIT = 4096  # texts kept per memo, then it starts again


# A finding's data but its commune (``_finding_key``).
_finding_data = operator.attrgetter(*(f.name for f in fields(Finding) if f.name != "commune"))
_PLAIN = (str, int, float, bool, type(None))


def _finding_key(finding: Finding) -> tuple[Any, ...] | None:
    """What a finding's text depends on but its commune, as a memo key; with the types of
    the facts' values, since 1 == 1.0 == True (said "1", "1", "oui"). None when a value
    is not a plain one."""
    if not finding.facts:  # (a key of another length than those with facts)
        return _finding_data(finding)
    types = tuple(type(value) for _, value in finding.facts)
    if not all(kind in _PLAIN for kind in types):
        return None
    return (_finding_data(finding), types)


class _CompactJson:
    """The compact JSON texts of the entries of a large report (``_dump`` with
    ``pretty=False``), written piece by piece, each piece the text ``_compact`` gives its
    value, from memos of what communes share (issue 12):

    * a finding's text depends on its data and, through its sentences, on the commune's
      name: when the name enters them as it is (``names_commune_as_is``) the text is
      kept per data and language, made with ``_NAME`` for the name, and the commune's
      name (quoted as JSON quotes it) goes in its places (checked on the first commune
      against the text made for it); a failed condition, whose French elides around
      the name, is made for each commune;
    * the bricks held and the matrix row, and the counts, are kept per their values.

    ``tests/test_issue12_audit_memos.py`` holds this to account against ``_dump`` of the
    plain objects."""

    def __init__(self, words: AuditWording) -> None:
        self.words = words
        self._findings: dict[tuple[Any, ...], list[str]] = {}
        self._bricks: dict[tuple[Any, ...], str] = {}
        self._counts: dict[tuple[int, int, int], str] = {}

    def finding(self, finding: Finding, name: str | None = None) -> str:
        """``_compact(finding_json(finding, words))``; ``name``: the commune's name as
        ``_string`` quotes it, without its quotes (said once per commune)."""
        key = _finding_key(finding) if names_commune_as_is(finding) else None
        if key is None:
            return _compact(finding_json(finding, self.words))
        parts = self._findings.get(key)
        if name is None:
            name = _string(finding.commune)[1:-1]
        if parts is None:
            if len(self._findings) >= _MEMO_LIMIT:
                self._findings.clear()
            named = replace(finding, commune=_NAME)
            parts = _compact(finding_json(named, self.words)).split(_NAME)
            # The first one is said both ways: should a sentence do more with the name
            # than slot it in, the finding's text is made for each commune ([]).
            plain = _compact(finding_json(finding, self.words))
            self._findings[key] = parts if name.join(parts) == plain else []
            return plain
        if not parts:
            return _compact(finding_json(finding, self.words))
        return name.join(parts)

    def findings(self, findings: Iterable[Finding], name: str) -> str:
        """A list of findings about the commune named ``name``."""
        said = _string(name)[1:-1]
        return "[" + ",".join([self.finding(f, said) if f.commune == name else
                               self.finding(f) for f in findings]) + "]"

    def change(self, commune: CommuneAudit) -> str:
        """``_compact(_change_json(commune, words))``."""
        changes, name = commune.changes, commune.name
        return (f'{{"insee":{_string(commune.insee)},"name":{_string(name)},"appeared":'
                f'{self.findings(changes.appeared if changes else (), name)},"disappeared":'
                f'{self.findings(changes.disappeared if changes else (), name)}}}')

    def drop(self, commune: CommuneAudit) -> str:
        """``_compact(_drop_json(commune, words))``."""
        assert commune.dropped is not None
        name = commune.name
        return (f'{{"insee":{_string(commune.insee)},"name":{_string(name)},"breaks":'
                f'{self.findings(breaks(commune), name)},"appeared":'
                f'{self.findings(commune.dropped.appeared, name)},"disappeared":'
                f'{self.findings(commune.dropped.disappeared, name)}}}')

    def commune(self, commune: CommuneAudit) -> str:
        """``_compact(_commune_json(commune, words))``."""
        catalog = self.words.catalog
        row = tuple(cells(commune, catalog))
        key = (commune.held, commune.statuses, row)
        bricks = self._bricks.get(key)
        if bricks is None:
            if len(self._bricks) >= _MEMO_LIMIT:
                self._bricks.clear()
            bricks = self._bricks[key] = (
                f'"held":{_compact(list(commune.held))},"bricks":'
                f"{_compact(_bricks_json(commune.held, commune.statuses, row, catalog))}")
        counts = self._counts.get(commune.counts)
        if counts is None:
            if len(self._counts) >= _MEMO_LIMIT:
                self._counts.clear()
            counts = self._counts[commune.counts] = _compact(_counts_json(commune))
        convention = commune.convention
        return (f'{{"insee":{_string(commune.insee)},"name":{_string(commune.name)},'
                f'"source":{_string(commune.source)},"convention":'
                f'{"null" if convention is None else _string(convention)},{bricks},'
                f'"counts":{counts},"findings":{self.findings(commune.findings, commune.name)}}}')


_ENTRY = ",\n    "  # before each entry of the communes' list (the first drops its comma)
_PIECE = 8 * 1024 * 1024  # at most this much of the entries read at once


class JsonEntries:
    """A commune's entry of the JSON report, as placed in it, its separator before it:
    what the workers of a large audit render (``eligibility.audit.batch.
    run_rendered_audit``), so that the parent only concatenates (the entries of a batch
    of communes in order, as one text). Laid out for a run of ``inputs`` inputs: indented
    up to ``PRETTY_UP_TO``, one line each beyond."""

    def __init__(self, catalog: Catalog, lang: str) -> None:
        self.words = AuditWording(catalog, lang)
        self.compact = _CompactJson(self.words)

    def __call__(self, commune: CommuneAudit, inputs: int) -> str:
        if inputs > PRETTY_UP_TO:
            return _ENTRY + self.compact.commune(commune)
        return _ENTRY + _dump(_commune_json(commune, self.words), 2, True)


def _rendered_entries(run: RenderedRun) -> Iterator[str | bytes | Span]:
    """The communes' list of a rendered run: the entries of consecutive communes of one
    batch written as one piece (all of a batch when the inputs came in INSEE order), as
    the workers left them (a ``Span`` of their spool, copied file to file, or text)."""
    yield '  "communes": ['
    current: Entries | None = None
    start = end = 0
    first = True
    for commune in run.communes:
        if commune.entries is current and commune.start == end and \
                commune.end - start <= _PIECE:
            end = commune.end
            continue
        if current is not None:
            yield _piece(current, start, end, first)
            first = False
        current, start, end = commune.entries, commune.start, commune.end
    if current is not None:
        yield _piece(current, start, end, first)
        first = False
    yield "]" if first else "\n  ]"
    yield ",\n"


def _piece(entries: Entries, start: int, end: int, first: bool) -> str | bytes | Span:
    """Entries from ``start`` to ``end``; the first of the list without its comma."""
    if isinstance(entries, Spool):
        return entries.span(start + 1 if first else start, end)  # a comma is one byte
    piece = entries.piece(start, end)
    return piece[1:] if first else piece


def audit_json_chunks(run: AuditRun | RenderedRun, lang: str = "fr") -> Iterator[str]:
    """The JSON report piece by piece, so that a large one is never held whole.

    Up to ``PRETTY_UP_TO`` communes it is indented like ``json.dumps(…, indent=2)``;
    beyond, each commune (change, what-if entry) is one compact line: the same JSON. A
    ``RenderedRun`` brings its communes' entries rendered (``JsonEntries``), laid out
    for its number of inputs (which counts the inputs refused too).
    """
    for chunk in audit_json_pieces(run, lang):
        yield chunk if isinstance(chunk, str) else bytes(chunk).decode("utf-8")


def audit_json_pieces(run: AuditRun | RenderedRun,
                      lang: str = "fr") -> Iterator[str | bytes | Span]:
    """``audit_json_chunks``, the entries a worker rendered left as UTF-8 bytes, or where
    they are in the workers' spool (``Span``): written to the report as they are, without
    decoding and encoding 120 MB in the parent."""
    catalog = run.catalog
    words = AuditWording(catalog, lang)
    if isinstance(run, RenderedRun):
        pretty = run.inputs <= PRETTY_UP_TO
        assert run.options.compare is None and not run.options.drop, "entries of one date"
    else:
        pretty = len(run.communes) <= PRETTY_UP_TO

    def items(key: str, values: Iterable[str], depth: int, last: bool) -> Iterator[str]:
        pad = "  " * depth
        yield f'{pad}"{key}": ['
        first = True
        for value in values:
            yield ("\n" if first else ",\n") + pad + "  " + value
            first = False
        yield ("\n" + pad + "]" if not first else "]") + ("\n" if last else ",\n")

    head: dict[str, Any] = {"as_of": run.as_of.isoformat(),
                            "convention_in_force": catalog.version_at(run.as_of)}
    if run.options.compare is not None:
        head["compare"] = run.options.compare.isoformat()
    if run.options.drop:
        head["drop"] = list(run.options.drop)
    head["lang"] = lang
    head["provenance"] = provenance(catalog, run.as_of)
    yield "{\n"
    for key, value in head.items():
        yield f'  {json.dumps(key)}: {_dump(value, 1, pretty)},\n'
    compact = None if pretty else _CompactJson(words)
    if isinstance(run, RenderedRun):
        yield from _rendered_entries(run)
    else:
        yield from items("communes", (_dump(_commune_json(c, words), 2, True)
                                      if compact is None else compact.commune(c)
                                      for c in run.communes), 1, False)
    if isinstance(run, AuditRun) and run.options.compare is not None:
        yield from items("changes", (_dump(_change_json(c, words), 2, True)
                                     if compact is None else compact.change(c)
                                     for c in run.communes), 1, False)
    if isinstance(run, AuditRun) and run.options.drop:
        yield '  "what_if": {\n'
        yield f'    "drop": {_dump(list(run.options.drop), 2, pretty)},\n'
        yield from items("communes", (_dump(_drop_json(c, words), 3, True)
                                      if compact is None else compact.drop(c)
                                      for c in run.communes if c.dropped is not None), 2, True)
        yield "  },\n"
    summary = {
        "communes": len(run.communes),
        "findings": totals(run),
        "bricks": [_summary_json(s, run, lang) for s in brick_summaries(run)],
        "rejected": [r.as_json() for r in run.rejected],
    }
    yield f'  "summary": {_dump(summary, 1, pretty)}\n}}\n'


def audit_json(run: AuditRun, lang: str = "fr") -> str:
    """The audit as one JSON document (``audit_json_chunks`` streams it), with its
    ``provenance``."""
    return "".join(audit_json_chunks(run, lang))


# --- Markdown --------------------------------------------------------------------------

def _md(text: str) -> str:
    return markdown_text(text)  # HTML escaped too (issue 9)


def audit_markdown(run: AuditRun, lang: str = "fr") -> str:
    """The audit as markdown, with its provenance line."""
    catalog = run.catalog
    words = AuditWording(catalog, lang)
    codes = brick_codes(catalog)
    out = [f"# {_title(run, lang)}", ""]
    out += [f"*{line}*  " for line in _context(run, lang)]
    out += ["", "## " + _l(lang, "Matrice", "Matrix"), ""]
    counts = _count_heads(lang)
    out.append("| INSEE | Commune | " + " | ".join(f"`{c}`" for c in codes.values()) + " | " +
               " | ".join(counts) + " |")
    out.append("|---|---|" + "---|" * (len(codes) + 3))
    for commune in run.communes:
        row = [commune.insee, _md(commune.name), *(SYMBOL[c] for c in cells(commune, catalog)),
               *(str(commune.count(s)) for s in SEVERITIES)]
        out.append("| " + " | ".join(row) + " |")
    out += ["", " · ".join(f"{SYMBOL[k]} {_word(CELL_WORDS, k, lang)}" for k in SYMBOL) + "  ",
            " · ".join(f"`{code}` {brick}" for brick, code in codes.items())]
    out += ["", "## " + _l(lang, "Synthèse par brique", "Per brick"), ""]
    heads = _l(lang, "brique|détenue|éligible|indéterminée|non éligible|indisponible|"
                     "motif le plus fréquent",
               "brick|held|eligible|undetermined|ineligible|unavailable|most common reason")
    out += ["| " + " | ".join(heads.split("|")) + " |", "|---|---:|---:|---:|---:|---:|---|"]
    for summary in brick_summaries(run):
        top = summary.top_reason()
        reason = "—" if top is None else f"{_md(rule_label(catalog, top[0], lang))} ({top[1]})"
        out.append(f"| `{summary.brick}` | {summary.held} | " + " | ".join(
            str(summary.counts.get(s, 0)) for s in STATUSES) + f" | {reason} |")
    for severity in SEVERITIES:
        found = list(run.findings(severity))
        if not found:
            continue
        out += ["", f"## {_word(SEVERITY_WORDS, severity, lang)} ({len(found)})", ""]
        heads = _l(lang, "commune|brique|règle|constat|depuis|source",
                   "commune|brick|rule|finding|since|source")
        out += ["| " + " | ".join(heads.split("|")) + " |", "|---|---|---|---|---|---|"]
        for commune, finding in found:
            since = _md(words.drift(finding)) if finding.drift else ""
            help_text = words.help(finding)
            message = _md(words.message(finding)) + (
                f"<br>*{_md(_helped(help_text, lang))}*" if help_text else "")
            out.append(f"| {commune.insee} {_md(commune.name)} | "
                       f"{'`' + finding.brick + '`' if finding.brick else '—'} | "
                       f"`{finding.rule}` | {message} | {since} | "
                       f"{_md(_tag(finding, lang)[1:-1])} |")
    if run.options.compare is not None:
        out += ["", "## " + _l(lang, f"Changements du {run.options.compare} au {run.as_of}",
                               f"Changes from {run.options.compare} to {run.as_of}"), ""]
        changed = [c for c in run.communes if c.changes]
        out += [] if changed else [_l(lang, "Aucun.", "None.")]
        for commune in changed:
            assert commune.changes is not None
            out.append(f"- **{commune.insee} {_md(commune.name)}**")
            out += [f"  - + {SEVERITY_SYMBOL[f.severity]} `{_where(f, lang)}`{_l(lang, ' :', ':')} "
                    f"{_md(words.message(f))}" for f in commune.changes.appeared]
            out += [f"  - − {SEVERITY_SYMBOL[f.severity]} `{_where(f, lang)}`{_l(lang, ' :', ':')} "
                    f"{_md(words.message(f))}" for f in commune.changes.disappeared]
    if run.options.drop:
        out += ["", "## " + _l(lang, f"Si les communes quittaient {', '.join(run.options.drop)}",
                               f"If the communes left {', '.join(run.options.drop)}"), ""]
        for commune in (c for c in run.communes if c.dropped is not None):
            broken = breaks(commune)
            if not broken:
                out.append(f"- {colon(f'{commune.insee} {_md(commune.name)}', lang)} "
                           f"{_l(lang, 'rien ne casse', 'nothing breaks')}")
                continue
            out.append(f"- **{commune.insee} {_md(commune.name)}**")
            out += [f"  - + {SEVERITY_SYMBOL[f.severity]} `{_where(f, lang)}`{_l(lang, ' :', ':')} "
                    f"{_md(words.message(f))}" for f in broken]
    if run.rejected:
        out += ["", "## " + _l(lang, "Entrées refusées", "Inputs refused"), ""]
        out += [f"- `{_md(line)}`" for r in run.rejected for line in r.lines]
    out += ["", _footer(run, lang), "", f"*{_md(provenance_footer(run.catalog, run.as_of, lang))}*"]
    return "\n".join(out)


# --- CSV -------------------------------------------------------------------------------

CSV_COLUMNS = ("insee", "name", "brick", "severity", "rule", "kind", "message", "citation",
               "source", "since", "cause", "help", "file")


def audit_csv(run: AuditRun, lang: str = "fr") -> str:
    """One row per finding; with --compare or --drop a ``change`` column says which rows
    appeared or disappeared (``disappeared`` rows are findings of the earlier date)."""
    words = AuditWording(run.catalog, lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = bool(run.options.compare is not None or run.options.drop)
    writer.writerow([*CSV_COLUMNS, *(["change"] if extra else []), *PROVENANCE_COLUMNS])
    stamp = csv_cells(run.catalog, run.as_of)  # the same on every row (reports.provenance)

    def row(commune: CommuneAudit, finding: Finding, change: str | None = None) -> list[str]:
        drift = finding.drift
        values = [commune.insee, commune.name, finding.brick or "", finding.severity,
                  finding.rule, finding.kind, words.message(finding), finding.citation,
                  finding.source, drift.since.isoformat() if drift and drift.since else "",
                  words.drift(finding) if drift else "", words.help(finding) or "",
                  commune.source]
        # Cells from the input (a name) never run as a spreadsheet formula (issue 9).
        return ([spreadsheet_cell(v) for v in values] + ([change or ""] if extra else [])
                + stamp)

    for commune in run.communes:
        appeared = {f.key for f in commune.changes.appeared} if commune.changes else set()
        for finding in commune.findings:
            change = "appeared" if finding.key in appeared else None
            writer.writerow(row(commune, finding, change))
        if commune.changes:
            for finding in commune.changes.disappeared:
                writer.writerow(row(commune, finding, "disappeared"))
        if commune.dropped is not None:
            for finding in commune.dropped.appeared:
                writer.writerow(row(commune, finding, "if-dropped:appears"))
            for finding in commune.dropped.disappeared:
                writer.writerow(row(commune, finding, "if-dropped:disappears"))
    return buffer.getvalue().rstrip("\n")


# --- HTML ------------------------------------------------------------------------------

_CSS = """
@page { size: A4 landscape; margin: 9mm 10mm; }
* { box-sizing: border-box; }
body { font: 13px/1.4 "DejaVu Sans", "Segoe UI", Roboto, Arial, sans-serif; color: #1d232b;
       margin: 20px auto; max-width: 1600px; padding: 0 20px; }
h1 { font-size: 21px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 24px 0 8px; border-bottom: 2px solid #d5dbe3; padding-bottom: 3px; }
aside h2 { margin-top: 0; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
.meta { color: #4a5563; margin: 0 0 8px; }
.meta span + span::before { content: " · "; color: #98a2b3; }
.kpis { margin: 0 0 12px; }
.kpi { display: inline-block; padding: 2px 10px; border-radius: 12px; margin-right: 6px;
       font-weight: 600; background: #eef1f5; color: #2f3a48; }
.kpi.error { background: #b42318; color: #fff; }
.kpi.warning { background: #f5c451; color: #3d2a00; }
.kpi.info { background: #e2eefc; color: #1d4f91; }
.kpi.rejected { background: #6b1a12; color: #fff; }
.page1 { display: flex; gap: 28px; align-items: flex-start; }
table { border-collapse: collapse; }
.matrix th, .matrix td { border: 1px solid #cdd4dd; padding: 1px 6px; text-align: center; }
.matrix thead th { background: #eef1f5; font-weight: 700; }
.matrix th.brick { min-width: 34px; }
.matrix td.insee { font-variant-numeric: tabular-nums; color: #4a5563; }
.matrix td.name { text-align: left; white-space: nowrap; font-weight: 500; }
.matrix tbody tr:nth-child(even) td.name,
.matrix tbody tr:nth-child(even) td.insee { background: #f5f7f9; }
.matrix td.n { font-variant-numeric: tabular-nums; min-width: 24px; color: #5f6b7a; }
.matrix td.n.e.has { background: #b42318; color: #fff; font-weight: 700; }
.matrix td.n.w.has { background: #f5c451; color: #3d2a00; font-weight: 700; }
.matrix td.n.i.has { color: #1d4f91; }
.cell { font-weight: 700; }
.c-ok { background: #d3eedb; color: #135c2c; }
.c-warning { background: #fde7ae; color: #6b4500; }
.c-error { background: #f1a9a1; color: #7a140b; }
.c-undetermined { background: #dfe2e8; color: #3b4452; }
.c-open { background: #e6f0fc; color: #1d4f91; font-weight: 400; }
.c-none { color: #5f6b7a; font-weight: 400; }
aside { flex: 1; min-width: 0; }
/* On a screen too narrow for the summary at its width beside the matrix, it goes below:
   the page never scrolls sideways (print keeps both on the first page). */
@media screen { .page1 { flex-wrap: wrap; } aside { flex: 1 1 700px; } }
.legend { display: grid; grid-template-columns: repeat(3, auto); gap: 3px 14px; margin-bottom: 14px;
          justify-content: start; }
.legend b { display: inline-block; width: 22px; text-align: center; border-radius: 3px;
            margin-right: 5px; border: 1px solid #cdd4dd; }
.summary th, .summary td, .findings th, .findings td, .open th, .open td {
  border-bottom: 1px solid #dde2e8; padding: 3px 7px; text-align: left; vertical-align: top; }
.summary th, .findings th, .open th { background: #eef1f5; }
.summary td.num, .summary th.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary td.code { font-weight: 700; }
.summary td.id, .summary th { white-space: nowrap; }
.summary td.zero { color: #5f6b7a; }
.summary .reason { color: #4a5563; }
.note { color: #4a5563; font-size: 12px; margin: 6px 0 0; }
.findings { width: 100%; }
.findings td.msg { max-width: 620px; }
.findings .help { color: #4a5563; font-style: italic; }
.findings .since { color: #8c1d13; font-weight: 600; }
.cite { color: #4a5563; font-size: 12px; max-width: 360px; }
.rule { color: #6b7686; font-size: 11px; }
.src { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px;
       background: #eef1f5; color: #2f3a48; margin-right: 4px; }
.src.assumption { background: #fde7ae; color: #6b4500; }
.src.law { background: #e4dcf7; color: #3b2470; }
.sev { font-weight: 700; white-space: nowrap; text-align: center !important; }
.sev.error { color: #b42318; } .sev.warning { color: #8a5a00; } .sev.info { color: #1d4f91; }
.chip { display: inline-block; padding: 0 7px; margin: 1px 3px 1px 0; border-radius: 10px;
        background: #e6f0fc; color: #1d4f91; white-space: nowrap; }
.chip small { color: #4a5563; }
ul.changes { margin: 4px 0 10px; padding-left: 20px; }
h3 { font-size: 13px; margin: 12px 0 2px; }
.plus { color: #b42318; font-weight: 700; } .minus { color: #135c2c; font-weight: 700; }
.refused { background: #fff4f2; border: 1px solid #f1a9a1; padding: 8px 12px; }
.refused code { white-space: pre-wrap; }
footer { margin-top: 22px; color: #4a5563; border-top: 1px solid #d5dbe3; padding-top: 6px; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 8.5pt; line-height: 1.25; }
  h1 { font-size: 12.5pt; } h2 { font-size: 10pt; margin: 10px 0 4px; }
  .meta, .kpis { margin-bottom: 3px; }
  .kpi { padding: 0 7px; }
  .page1 { gap: 14px; }
  .matrix th, .matrix td { padding: 0 4px; line-height: 1.28; font-size: 8.6pt; }
  .matrix th.brick { min-width: 22px; }
  .legend { margin-bottom: 6px; gap: 1px 8px; }
  .summary th, .summary td { padding: 1px 3px; }
  .summary .reason { min-width: 42mm; }
  .note, .cite, .rule, .src { font-size: 7pt; }
  .after-matrix { break-before: page; }
  .findings tr, .open tr, .summary tr { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _finding_row(commune: CommuneAudit, finding: Finding, words: AuditWording) -> str:
    lang = words.lang
    help_text = words.help(finding)
    since = (f'<div class="since">{_e(words.drift(finding))}</div>'
             if finding.drift is not None else "")
    helped = (f'<div class="help">{_e(_helped(help_text, lang))}</div>' if help_text else "")
    return (f'<tr><td class="sev {finding.severity}">{SEVERITY_SYMBOL[finding.severity]}</td>'
            f"<td>{_e(commune.insee)}&nbsp;{_e(commune.name)}</td>"
            f"<td><code>{_e(finding.brick or _l(lang, 'commune', 'commune'))}</code></td>"
            f'<td class="msg">{_e(words.message(finding))}{since}{helped}</td>'
            f'<td class="cite"><span class="src {_e(finding.source)}">'
            f"{_e(source_word(finding.source, lang))}</span>{_e(finding.citation)}"
            f'<div class="rule"><code>{_e(finding.rule)}</code></div></td></tr>')


def _chips(findings: Any, lang: str) -> str:
    return "".join(f'<span class="chip">{_e(f.brick)}'
                   + (f" <small>+{_e(', '.join(f.bricks))}</small>" if f.bricks else "")
                   + "</span>" for f in findings)


def _change_items(appeared: tuple[Finding, ...], disappeared: tuple[Finding, ...],
                  words: AuditWording) -> list[str]:
    lang = words.lang
    items = []
    for css, sign, findings in (("plus", "+", appeared), ("minus", "−", disappeared)):
        items += [f'<li><span class="{css}">{sign}</span> '
                  f'<span class="sev {f.severity}">{SEVERITY_SYMBOL[f.severity]}</span> '
                  f"<code>{_e(_where(f, lang))}</code> {_e(words.message(f))}</li>"
                  for f in findings if f.kind != OPEN]
    for css, sign, findings, fr, en in (("plus", "+", appeared, "ouvertes", "open"),
                                        ("minus", "−", disappeared, "plus ouvertes",
                                         "no longer open")):
        opened = [f for f in findings if f.kind == OPEN]
        if opened:
            items.append(f'<li><span class="{css}">{sign}</span> {_e(_l(lang, fr, en))} '
                         f"{_chips(opened, lang)}</li>")
    return items


def audit_html(run: AuditRun, lang: str = "fr") -> str:
    """The audit as one self-contained HTML page (printable A4), with its provenance line."""
    catalog = run.catalog
    words = AuditWording(catalog, lang)
    codes = brick_codes(catalog)
    title = _title(run, lang)
    counts = totals(run)
    out = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><header>",
           "<h1>" + _e(_l(lang, "Audit des abonnements aux briques de la DN",
                          "Audit of the DN brick subscriptions")) + "</h1>",
           '<p class="meta">' + "".join(f"<span>{_e(part)}</span>" for part in
                                       [title.split(" · ", 1)[1], *_context(run, lang)]) + "</p>",
           '<p class="kpis">' + "".join(
               f'<span class="kpi {s}">' + _e(counted(counts[s], lang, *_KPI[s])) + "</span>"
               for s in SEVERITIES)
           + ('<span class="kpi rejected">' + _e(counted(
               len(run.rejected), lang, "entrée refusée", "input refused", "entrées refusées",
               "inputs refused")) + "</span>" if run.rejected else "")
           + "</p></header>"]
    heads = _count_heads(lang)
    titles = [_word(SEVERITY_WORDS, s, lang) for s in SEVERITIES]
    out.append('<div class="page1"><table class="matrix"><thead><tr>'
               f'<th scope="col">{_e(_l(lang, "Code INSEE", "INSEE code"))}</th>'
               '<th scope="col">Commune</th>' + "".join(
                   f'<th scope="col" class="brick" '
                   f'title="{_e(brick_title(catalog.bricks[b], lang))} ({_e(b)})">'
                   f"{_e(c)}</th>" for b, c in codes.items()) + "".join(
                   f'<th scope="col" title="{_e(t)}">{h}</th>'
                   for h, t in zip(heads, titles, strict=True))
               + "</tr></thead><tbody>")
    for commune in run.communes:
        row = [f'<tr><td class="insee">{_e(commune.insee)}</td>'
               f'<td class="name">{_e(commune.name)}</td>']
        for brick, cell in zip(catalog.bricks, cells(commune, catalog), strict=True):
            row.append(f'<td class="cell c-{cell}" title="{_e(brick)} : '
                       f'{_e(_word(CELL_WORDS, cell, lang))}">{SYMBOL[cell]}</td>')
        for severity, css in zip(SEVERITIES, ("e", "w", "i"), strict=True):
            n = commune.count(severity)
            row.append(f'<td class="n {css}{" has" if n else ""}">{n}</td>')
        out.append("".join(row) + "</tr>")
    out.append("</tbody></table><aside>")
    out.append(f"<h2>{_e(_l(lang, 'Légende', 'Key'))}</h2><div class=\"legend\">" + "".join(
        f'<span><b class="c-{k}">{SYMBOL[k]}</b>{_e(_word(CELL_WORDS, k, lang))}</span>'
        for k in SYMBOL) + "".join(
        f"<span><b>{h}</b>{_e(t.lower())}</span>"
        for h, t in zip(heads, titles, strict=True)) + "</div>")
    out.append("<h2>" + _e(_l(lang, "Synthèse par brique (nombre de communes)",
                              "Per brick (number of communes)")) + "</h2>")
    heads_fr = ("", "brique", "détenue", "éligible", "indét.", "non él.", "indisp.",
                "motif principal")
    heads_en = ("", "brick", "held", "eligible", "undet.", "inelig.", "unavail.", "main reason")
    out.append('<table class="summary"><thead><tr>' + "".join(
        f'<th{" class=num" if 1 < i < 7 else ""}>{_e(h)}</th>'
        for i, h in enumerate(_l(lang, heads_fr, heads_en))) + "</tr></thead><tbody>")
    for summary in brick_summaries(run):
        top = summary.top_reason()
        reason = "—" if top is None else \
            f"{_e(rule_label(catalog, top[0], lang))} ({top[1]})"
        numbers = [summary.held, *(summary.counts.get(s, 0) for s in STATUSES)]
        out.append(f'<tr><td class="code">{_e(codes[summary.brick])}</td>'
                   f'<td class="id" title="{_e(brick_title(catalog.bricks[summary.brick], lang))}">'
                   f"{_e(summary.brick)}</td>" + "".join(
                       f'<td class="num{" zero" if not n else ""}">{n}</td>' for n in numbers)
                   + f'<td class="reason">{reason}</td></tr>')
    out.append("</tbody></table><p class=\"note\">" + _e(_l(
        lang, "éligible : détenue et valide, ou ouverte (elle pourrait être demandée, avec les "
              "briques qu'elle requiert) ; motif principal : la condition qui bloque le plus de "
              "communes.",
        "eligible: held and valid, or open (it could be asked for, with the bricks it "
        "requires); main reason: the condition that blocks the most communes.")) + "</p>")
    out.append("</aside></div>")

    out.append('<section class="after-matrix">')
    heads = ["", "commune", _l(lang, "brique", "brick"), _l(lang, "constat", "finding"),
             _l(lang, "source", "source")]
    for severity in SEVERITIES:
        found = list(run.findings(severity))
        if not found:
            continue
        out.append(f"<h2>{_e(_word(SEVERITY_WORDS, severity, lang))} ({len(found)})</h2>")
        others = [(c, f) for c, f in found if f.kind != OPEN]
        if others:
            out.append('<table class="findings"><thead><tr>' + "".join(
                f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead><tbody>")
            out += [_finding_row(c, f, words) for c, f in others]
            out.append("</tbody></table>")
        if len(others) < len(found):
            out.append('<table class="open"><thead><tr><th>commune</th><th>' + _e(_l(
                lang, "briques ouvertes (+ : avec les briques qu'elles requièrent)",
                "open bricks (+: together with the bricks they require)"))
                + "</th></tr></thead><tbody>")
            for commune in run.communes:
                opened = [f for f in commune.findings if f.kind == OPEN]
                if opened:
                    out.append(f"<tr><td>{_e(commune.insee)}&nbsp;{_e(commune.name)}</td>"
                               f"<td>{_chips(opened, lang)}</td></tr>")
            out.append("</tbody></table>")

    if run.options.compare is not None:
        out.append("<h2>" + _e(_l(lang, f"Changements du {run.options.compare} au {run.as_of}",
                                  f"Changes from {run.options.compare} to {run.as_of}"))
                   + "</h2>")
        changed = [c for c in run.communes if c.changes]
        if not changed:
            out.append(f"<p>{_e(_l(lang, 'Aucun.', 'None.'))}</p>")
        for commune in changed:
            assert commune.changes is not None
            out.append(f"<h3>{_e(commune.insee)} {_e(commune.name)}</h3><ul class=\"changes\">")
            out += _change_items(commune.changes.appeared, commune.changes.disappeared, words)
            out.append("</ul>")
    if run.options.drop:
        dropped = ", ".join(run.options.drop)
        out.append("<h2>" + _e(_l(lang, f"Si les communes quittaient {dropped}",
                                  f"If the communes left {dropped}")) + '</h2><ul class="changes">')
        for commune in (c for c in run.communes if c.dropped is not None):
            broken = breaks(commune)
            if not broken:
                out.append(f"<li>{_e(colon(f'{commune.insee} {commune.name}', lang))} "
                           f"{_e(_l(lang, 'rien ne casse', 'nothing breaks'))}</li>")
                continue
            out.append(f"<li><b>{_e(commune.insee)} {_e(commune.name)}</b><ul>"
                       + "".join(_change_items(tuple(broken), (), words)) + "</ul></li>")
        out.append("</ul>")
    if run.rejected:
        out.append(f"<h2>{_e(_l(lang, 'Entrées refusées', 'Inputs refused'))}</h2>"
                   '<div class="refused">' + "<br>".join(
                       f"<code>{_e(line)}</code>" for r in run.rejected for line in r.lines)
                   + "</div>")
    out.append(f"<footer>{_e(_footer(run, lang))}<br>"
               f"{_e(provenance_footer(run.catalog, run.as_of, lang))}</footer>"
               "</section></body></html>")
    return "\n".join(out)


_KPI = {"error": ("erreur", "error"), "warning": ("avertissement", "warning"),
        "info": ("information", "information")}


RENDERERS = {"text": audit_text, "json": audit_json, "markdown": audit_markdown,
             "html": audit_html, "csv": audit_csv}


def render(run: AuditRun, fmt: str, lang: str = "fr") -> str:
    return RENDERERS[fmt](run, lang)


def render_chunks(run: AuditRun | RenderedRun, fmt: str,
                  lang: str = "fr") -> Iterator[str | bytes | Span]:
    """The report in pieces (JSON is streamed; the other formats come whole), text or
    UTF-8 bytes, or a ``Span`` of them in a file (``audit_json_pieces``). A
    ``RenderedRun`` is a JSON one (``JsonEntries``)."""
    if fmt == "json":
        yield from audit_json_pieces(run, lang)
    else:
        assert isinstance(run, AuditRun), "entries rendered for JSON"
        text = render(run, fmt, lang)
        yield text if text.endswith("\n") else text + "\n"
