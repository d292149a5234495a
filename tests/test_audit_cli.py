"""`eligibility audit` on the command line: reports, exit codes, bad input in a batch,
atomic --output, worker processes, progress on a terminal only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import COMMUNES, FIXTURES, ROOT

import eligibility.cli.audit as cli_audit
import eligibility.reports.audit as audit_reports
from eligibility import load_catalog
from eligibility.audit.batch import run_audit
from eligibility.audit.findings import AuditOptions
from eligibility.cli.main import main
from eligibility.reports.audit import audit_json

DAY = "2023-01-15"
AUDIT = FIXTURES / "audit"
BATCH = AUDIT / "batch"


def invoke(*args: str, catch: bool = False):
    return CliRunner().invoke(main, ["audit", *args], catch_exceptions=catch)


@pytest.fixture(scope="module")
def fixtures_json():
    result = invoke(str(COMMUNES), "--as-of", DAY, "--format", "json",
                    "--compare", "2022-01-01", "--drop", "3")
    assert result.exit_code == 1
    return json.loads(result.stdout)


def test_text_report_fits_80_columns_matrix_then_summary_then_findings():
    result = invoke(str(COMMUNES), "--as-of", DAY)
    assert result.exit_code == 1  # Caissargues and others hold bricks in error
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "Audit des abonnements · 39 communes · au 2023-01-15"
    matrix = next(i for i, line in enumerate(lines) if line.lstrip().startswith("CA 1"))
    assert lines[matrix + 1].startswith("30036 Bernis")
    caissargues = next(line for line in lines if line.startswith("30060 Caissargues"))
    assert "✗" in caissargues and "○" in caissargues
    text = result.stdout
    assert text.index("Synthèse par brique") < text.index("Erreurs (5)") < text.index(
        "Avertissements (13)") < text.index("Informations (")
    # Générac: unauthorised; the required brick named, never by its id alone
    assert "motif principal : brique 3 « Vidéoprotection » requise (30)" in text
    assert "depuis le 2022-05-30, signature de l'avenant n°6 : brique 9 supprimée" in text
    assert "[hypothèse · Avenant n°6 : les coûts de la brique 9 sont redistribués" in text
    assert text.rstrip().endswith("hypothèses signalées : 2")  # brick 9 → ADS is one
    assert not result.stderr  # no progress bar outside a terminal


def test_text_report_in_english():
    result = invoke(str(COMMUNES / "30060-caissargues.yaml"), "--as-of", DAY, "--lang", "en")
    assert "Subscription audit · 1 commune · as of 2023-01-15" in result.stdout
    assert "since 2022-05-30, signature of amendment no. 6: brick 9 deleted" in result.stdout
    assert "main reason:" in result.stdout


def test_json_follows_the_contract(fixtures_json):
    data = fixtures_json
    assert data["as_of"] == DAY and data["compare"] == "2022-01-01"
    assert [c["insee"] for c in data["communes"]] == sorted(c["insee"] for c in data["communes"])
    caissargues = next(c for c in data["communes"] if c["insee"] == "30060")
    assert caissargues["name"] == "Caissargues"
    error = next(f for f in caissargues["findings"] if f["severity"] == "error")
    assert {k: error[k] for k in ("brick", "severity", "rule", "citation")} == {
        "brick": "si-urbanisme", "severity": "error", "rule": "si-urbanisme.available",
        "citation": "Avenant n°6 : les coûts de la brique 9 sont redistribués sur l'ADS ; que "
                    "l'ADS remplace la brique 9 pour la commune est une hypothèse, à confirmer "
                    "par la DN"}
    assert error["message"] == error["messages"]["fr"]
    assert error["drift"] == {"since": "2022-05-30", "cause": "signature",
                              "version": "avenant-6", "text": error["drift"]["text"]}
    domessargues = next(c for c in data["communes"] if c["insee"] == "30104")
    assert all(f["brick"] is None for f in domessargues["findings"]
               if f["severity"] == "warning")  # about the commune as a whole
    summary = data["summary"]
    assert summary["communes"] == 39
    assert summary["findings"] == {"error": 5, "warning": 13, "info": 135}
    assert summary["rejected"] == []
    vsi = next(b for b in summary["bricks"] if b["id"] == "vsi")
    assert vsi["blocking"]["rule"] == "vsi.requires.videoprotection"


def test_json_changes_across_avenant_6(fixtures_json):
    changes = {c["insee"]: c for c in fixtures_json["changes"]}
    assert len(changes) == 39 and set(changes["30060"]) == {"insee", "name", "appeared",
                                                           "disappeared"}
    appeared = changes["30060"]["appeared"]
    assert [(f["brick"], f["rule"]) for f in appeared if f["severity"] == "error"] == [
        ("si-urbanisme", "si-urbanisme.available")]
    assert [f["rule"] for f in changes["30138"]["disappeared"] if f["severity"] == "error"] == [
        "vsi.available"]
    assert changes["30224"]["appeared"] == changes["30224"]["disappeared"] == []


def test_json_what_if_drop(fixtures_json):
    what_if = fixtures_json["what_if"]
    assert what_if["drop"] == ["videoprotection"]  # given by its alias "3"
    nimes = next(c for c in what_if["communes"] if c["insee"] == "30189")
    assert [(f["brick"], f["rule"]) for f in nimes["breaks"]] == [
        ("vsi", "vsi.requires.videoprotection")]


def test_drop_in_text_and_unknown_brick():
    result = invoke(str(COMMUNES), "--as-of", DAY, "--drop", "videoprotection")
    section = result.stdout[result.stdout.index("Si les communes quittaient"):]
    assert "30189 Nîmes" in section and "+ ✗ vsi : la brique 3" in section
    assert "30036 Bernis : rien ne casse" in section
    bad = invoke(str(COMMUNES), "--drop", "vsii")
    assert bad.exit_code == 2
    assert bad.stderr == "error: --drop: unknown brick 'vsii' — did you mean 'vsi'?\n"


def test_markdown_and_csv_and_html():
    markdown = invoke(str(COMMUNES), "--as-of", DAY, "--format", "markdown").stdout
    assert markdown.startswith("# Audit des abonnements · 39 communes")
    assert "| INSEE | Commune | `CA` | `1` |" in markdown
    assert "| 30060 Caissargues | `si-urbanisme` | `si-urbanisme.available` |" in markdown

    result = invoke(str(COMMUNES), "--as-of", DAY, "--format", "csv", "--lang", "en")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 + 13 + 135  # one row per finding
    withdrawn = next(r for r in rows if r["insee"] == "30060" and r["severity"] == "error")
    assert withdrawn["brick"] == "si-urbanisme" and withdrawn["since"] == "2022-05-30"
    assert withdrawn["message"].startswith("brick 9 'Planning information system' was deleted")

    page = invoke(str(COMMUNES), "--as-of", DAY, "--format", "html").stdout
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "@page { size: A4 landscape" in page and "<style>" in page
    for external in ("http://", "https://", "<script", "<link", "src="):
        assert external not in page  # one self-contained file
    assert page.count('<td class="cell c-error"') == 5
    assert "Caissargues" in page and "depuis le 2022-05-30" in page


def test_exit_codes_and_fail_on():
    with_errors = str(COMMUNES / "30060-caissargues.yaml")
    only_warnings = str(COMMUNES / "30145-ledenon.yaml")
    clean = str(COMMUNES / "30189-nimes.yaml")
    assert invoke(with_errors, "--as-of", DAY).exit_code == 1
    assert invoke(with_errors, "--as-of", DAY, "--fail-on", "never").exit_code == 0
    assert invoke(only_warnings, "--as-of", DAY).exit_code == 0
    assert invoke(only_warnings, "--as-of", DAY, "--fail-on", "warning").exit_code == 1
    assert invoke(clean, "--as-of", DAY, "--fail-on", "warning").exit_code == 0
    bad_date = invoke(clean, "--as-of", "2023-02-30")
    assert bad_date.exit_code == 2 and "--as-of: expected a date YYYY-MM-DD" in bad_date.stderr
    assert invoke(clean, "--compare", "soon").exit_code == 2


def test_a_bad_file_in_a_batch_is_reported_and_the_others_audited(tmp_path):
    out = tmp_path / "audit.json"
    result = invoke(str(BATCH), "--as-of", DAY, "--format", "json", "--output", str(out))
    assert result.exit_code == 2  # bad input wins over the error finding of Olivette
    assert result.stderr == (f"error: {BATCH}/30924-bad-cameras.yaml: equipment.cameras: "
                             "must be ≥ 0 (got -3)\n")
    data = json.loads(out.read_text(encoding="utf-8"))  # complete, valid JSON
    assert [c["insee"] for c in data["communes"]] == ["30921", "30922", "30923"]
    [rejected] = data["summary"]["rejected"]
    assert rejected["field"] == "equipment.cameras"
    assert rejected["source"].endswith("30924-bad-cameras.yaml")
    text = invoke(str(BATCH), "--as-of", DAY).stdout
    assert "Entrées refusées (1) — non auditées" in text and "1 entrée refusée" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_commune_keeps_its_source_around_a_refused_input(tmp_path, jobs):
    """The parent puts back each commune's source (the workers send none with a rendered
    entry): a refused input in the middle of a batch shifts no source onto another
    commune, as the refusal of a commune given twice shows, naming the first's file."""
    chosen = sorted(COMMUNES.glob("*.yaml"))[:6]
    for path in chosen:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    text = chosen[4].read_text(encoding="utf-8")
    (tmp_path / f"{chosen[2].stem}b-bad.yaml").write_text(
        text.replace("commune:\n", "commune:\n  population: -1\n", 1), encoding="utf-8")
    (tmp_path / "zz-again.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "report" / "audit.json"
    out.parent.mkdir()
    result = invoke(str(tmp_path), "--as-of", DAY, "--format", "json", "-o", str(out),
                    "--jobs", jobs)
    assert result.exit_code == 2
    insee = chosen[4].name.split("-")[0]
    assert f"{tmp_path}/zz-again.yaml: commune.insee: commune {insee} is also given by " \
           f"{tmp_path}/{chosen[4].name}" in result.stderr
    communes = json.loads(out.read_text(encoding="utf-8"))["communes"]
    assert [Path(c["source"]).name for c in communes] == [p.name for p in chosen]


def test_output_is_written_atomically(tmp_path, monkeypatch):
    out = tmp_path / "report.json"
    out.write_text("previous report\n", encoding="utf-8")
    os.chmod(out, 0o640)
    ok = invoke(str(COMMUNES), "--as-of", DAY, "--format", "json", "-o", str(out))
    assert ok.exit_code == 1 and ok.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["communes"] == 39
    assert out.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions kept

    def broken(run, fmt, lang):
        yield "{\n"
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(cli_audit, "render_chunks", broken)
    before = out.read_text(encoding="utf-8")
    failed = invoke(str(COMMUNES), "--as-of", DAY, "--format", "json", "-o", str(out),
                    catch=True)
    assert isinstance(failed.exception, RuntimeError)
    assert out.read_text(encoding="utf-8") == before  # never half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary left


def test_a_new_output_file_has_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "new.html"
        assert invoke(str(BATCH / "30922-roubine.json"), "--format", "html",
                      "-o", str(out)).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
    missing = invoke(str(COMMUNES), "-o", str(tmp_path / "no" / "such" / "dir.txt"))
    assert missing.exit_code == 2 and "cannot write" in missing.stderr


def test_worker_processes_give_the_same_report(tmp_path):
    args = [str(COMMUNES), str(AUDIT / "export-tableur.csv"), "--as-of", DAY,
            "--format", "json", "--compare", "2022-01-01"]
    one = invoke(*args, "--jobs", "1")
    two = invoke(*args, "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    # streamed piece by piece, the report is indented as json.dumps would
    data = json.loads(two.stdout)
    assert two.stdout == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    run = run_audit(load_catalog(ROOT / "rules"), args[:2],
                    AuditOptions(dt.date(2023, 1, 15), dt.date(2022, 1, 1)))
    assert audit_json(run, "fr") == two.stdout


def test_large_reports_put_one_commune_on_a_line(monkeypatch):
    monkeypatch.setattr(audit_reports, "PRETTY_UP_TO", 10)
    pretty = invoke(str(COMMUNES / "30060-caissargues.yaml"), "--format", "json",
                    "--as-of", DAY).stdout
    compact = invoke(str(COMMUNES), "--format", "json", "--as-of", DAY, "--jobs", "2").stdout
    assert json.loads(compact)["communes"][4] == json.loads(pretty)["communes"][0]
    lines = compact.splitlines()
    assert sum(1 for line in lines if line.startswith('    {"insee":')) == 39


def run_in_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; return its exit code and stderr."""
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "audit", *args],
                               stdout=subprocess.DEVNULL, stderr=child_fd, cwd=ROOT)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    return process.wait(), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_only():
    code, stderr = run_in_terminal(str(COMMUNES), "--as-of", DAY, "--jobs", "2")
    assert code == 1
    assert "39/39 communes" in stderr and "[##" in stderr
    assert stderr.endswith("\r\x1b[K")  # the bar is cleared when done
    quiet = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(COMMUNES),
                            "--as-of", DAY], capture_output=True, text=True, cwd=ROOT)
    assert quiet.returncode == 1 and quiet.stderr == ""
    assert Path(ROOT / "cli.py").is_file()


def test_audit_sentences_name_bricks_and_facts_never_by_id_alone(tmp_path):
    # docs/style-fr.md: a brick by its number and name, its id only in parentheses after
    # it where the commune types it; a fact by its label, its path after it.
    import re

    from click.testing import CliRunner

    from eligibility.cli.main import main

    unknown = tmp_path / "99999-inconnue.yaml"  # held bricks whose facts are left out
    unknown.write_text('commune: {insee: "99999", name: Inconnue, epci: nimes-metropole}\n'
                       "convention: {version: avenant-6}\n"
                       "subscriptions: [{brick: conseil-assistance}, {brick: vsi},\n"
                       "                {brick: videoprotection}]\n", encoding="utf-8")
    for lang in ("fr", "en"):
        result = CliRunner().invoke(main, ["audit", "fixtures/communes", str(unknown),
                                           "--as-of", "2026-12-01", "--format", "text",
                                           "--fail-on", "never", "--lang", lang],
                                    env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        text = " ".join(result.stdout.split())  # lines joined: a path may be cut by a break
        assert "(equipment.cameras)" in text  # what to fill in, named and then its field
        without_typed = re.sub(r"\([a-z_]+\.[a-z_.]+\)|\([a-z0-9-]+\)", "", text)
        assert not re.search(r"\b[a-z]+\.[a-z_]+\b", without_typed.replace("n°", "")), lang
        assert not re.search(r"« [a-z0-9-]+ »|'[a-z0-9-]+'", text), lang
