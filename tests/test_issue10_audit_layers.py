"""Issue 10 for the audit, costs and rules (points 3-6): findings are data, said by the
wording layer; the audit evaluates through ``check``; renderers live in the library;
loading a catalog validates it without reaching up to lint."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import eligibility.audit.commune as audit_commune
from eligibility.audit.batch import run_audit
from eligibility.audit.commune import audit_profile
from eligibility.audit.findings import AuditOptions, Finding
from eligibility.cli.main import main
from eligibility.costs.shares import compute_costs, load_budget, load_profiles
from eligibility.evaluation.check import check
from eligibility.profile.loading import load_profile
from eligibility.reports.audit import audit_json_data
from eligibility.reports.costs import FORMATS as COST_FORMATS
from eligibility.reports.costs import render as render_costs
from eligibility.wording.audit import AuditWording

ROOT = Path(__file__).resolve().parent.parent
COMMUNES = ROOT / "fixtures" / "communes"
BUDGET = ROOT / "fixtures" / "budget-2023.yaml"
DAY = dt.date(2023, 1, 15)


def test_a_finding_holds_data_and_no_sentence(catalog):
    run = run_audit(catalog, [str(COMMUNES)], AuditOptions(DAY, dt.date(2022, 1, 1)))
    names = {f.name for f in dataclasses.fields(Finding)}
    assert not names & {"fr", "en", "help_fr", "help_en", "message", "text"}
    kinds = set()
    for commune, finding in run.findings():
        kinds.add(finding.kind)
        assert finding.commune == commune.name
        assert pickle.loads(pickle.dumps(finding)) == finding  # they travel from workers
        for lang in ("fr", "en"):
            said = AuditWording(catalog, lang).message(finding)
            assert said and "{" not in said and "None" not in said
    # (not-in-version and undetermined: tests/test_audit.py builds those cases)
    assert kinds >= {"fails", "withdrawn", "tool-replaced", "convention-outdated", "open"}


def test_json_messages_are_the_wording_layers_sentences(catalog):
    run = run_audit(catalog, [str(COMMUNES)], AuditOptions(DAY))
    data = audit_json_data(run, "en")
    english, french = AuditWording(catalog, "en"), AuditWording(catalog, "fr")
    for commune, shown in zip(run.communes, data["communes"], strict=True):
        for finding, item in zip(commune.findings, shown["findings"], strict=True):
            assert item["message"] == english.message(finding)
            assert item["messages"] == {"fr": french.message(finding),
                                        "en": english.message(finding)}
            assert item["help"] == english.help(finding)
            if finding.drift is not None:
                assert item["drift"]["text"] == english.drift(finding)


def test_the_audit_evaluates_through_check_and_asks_for_no_plan(catalog, monkeypatch):
    calls: list[dict[str, object]] = []

    def counted(*args: object, **kwargs: object):
        calls.append(kwargs)
        return check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_commune, "check", counted)
    monkeypatch.setattr(audit_commune, "_DECIDED", {})  # nothing decided before
    profile = load_profile(COMMUNES / "30125-garons.yaml", catalog)
    found = audit_profile(catalog, profile, AuditOptions(DAY))
    assert calls and all(c["plans"] is False for c in calls)
    # the same verdicts as check itself, for a brick the commune does not hold
    every = check(catalog, profile, DAY, list(catalog.bricks), engine="reference")
    index = list(catalog.bricks).index("conseil-assistance")
    assert found.statuses[index] == every.verdicts["conseil-assistance"].status


def test_costs_reports_render_in_the_library_as_the_command_prints(catalog, tmp_path):
    report = compute_costs(load_budget(BUDGET, catalog), load_profiles([str(COMMUNES)], catalog),
                           catalog, budget_source=str(BUDGET))
    for fmt in COST_FORMATS:
        out = tmp_path / f"costs.{fmt}"
        result = CliRunner().invoke(main, ["costs", str(COMMUNES), "--budget", str(BUDGET),
                                           "--format", fmt, "--lang", "en", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").rstrip("\n") == \
            render_costs(report, catalog, fmt, "en").rstrip("\n")
    assert json.loads(render_costs(report, catalog, "json"))["total"] > 0


def test_cli_modules_define_no_renderer():
    for name in ("audit", "costs", "rules", "verify"):
        source = (ROOT / "eligibility" / "cli" / f"{name}.py").read_text(encoding="utf-8")
        assert "def costs_text" not in source and "def lint_text" not in source
        assert "def _show_text" not in source and "def verify_text" not in source
        assert 'lang ==' not in source and "lang !=" not in source


def test_loading_a_catalog_validates_it_without_importing_lint():
    code = ("import sys; from eligibility.catalog.loading import load_catalog; "
            "load_catalog(); print(sorted(m for m in sys.modules if m.startswith("
            "'eligibility.lint')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "[]"
