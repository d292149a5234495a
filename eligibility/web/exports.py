"""The audit as an Excel workbook: the matrix (French column names) and the findings.

The findings sheet is the CSV report of ``audit_reports`` (one row per finding), so
both downloads say the same; the matrix sheet writes each cell in words.
"""

from __future__ import annotations

import csv
import io

from eligibility.audit.findings import AuditRun
from eligibility.audit.summary import cells
from eligibility.documents.xlsx import workbook_bytes
from eligibility.reports import audit as audit_reports
from eligibility.wording.bricks import brick_title
from eligibility.wording.i18n import say
from eligibility.wording.web import tr

# The audit's CSV columns as a French spreadsheet names them (CSV download and workbook).
EXCEL_COLUMNS_FR = {
    "insee": "Code INSEE", "name": "Commune", "brick": "Brique", "severity": "Gravité",
    "rule": "Règle", "kind": "Nature", "message": "Constat", "citation": "Source citée",
    "source": "Type de source", "since": "Depuis le", "cause": "Cause", "help": "Que faire",
    "file": "Fichier", "change": "Évolution",
    # provenance (eligibility.reports.provenance.CSV_COLUMNS)
    "tool_version": "Version de l'outil", "catalog_hash": "Empreinte du catalogue",
    "as_of": "Date considérée", "generated_at": "Généré le"}


def audit_workbook(run: AuditRun, lang: str = "fr") -> bytes:
    catalog = run.catalog
    head = [tr(lang, "insee"), tr(lang, "commune"),
            *(brick_title(catalog.bricks[b], lang) for b in catalog.bricks),
            tr(lang, "errors"), tr(lang, "warnings"), tr(lang, "infos")]
    matrix: list[list[object]] = [list(head)]
    for commune in run.communes:
        words = [audit_reports._word(audit_reports.CELL_WORDS, c, lang)
                 for c in cells(commune, catalog)]
        matrix.append([commune.insee, commune.name, *words, commune.count("error"),
                       commune.count("warning"), commune.count("info")])
    findings = list(csv.reader(io.StringIO(audit_reports.audit_csv(run, lang))))
    columns = say(lang, EXCEL_COLUMNS_FR, {})  # the CSV's columns are English ids
    if findings:
        findings[0] = [columns.get(h, h) for h in findings[0]]
    return workbook_bytes([(tr(lang, "matrix"), matrix), (tr(lang, "findings"), findings)])
