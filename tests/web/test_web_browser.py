"""Issue 11 in a real browser: check Poulx, what-if, audit upload, downloads, screenshots.

Screenshots go to ``$ELIGIBILITY_SHOTS`` (default: a temporary folder), never the repo.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
POULX = ROOT / "fixtures" / "communes" / "30206-poulx.yaml"
MATRIX = ROOT / "fixtures" / "audit" / "matrice.csv"
SHOTS = Path(os.environ.get("ELIGIBILITY_SHOTS") or tempfile.mkdtemp(prefix="eligibility-shots-"))


def shot(page: Any, name: str, **options: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, **options)


def fill_poulx(page: Any, server: str) -> None:
    """Fill the form by hand, as a secretary would, from Poulx's profile."""
    page.goto(server + "/")
    page.get_by_label("Nom de la commune").fill("Poulx")
    page.get_by_label("Code INSEE (5 caractères)").fill("30206")
    page.get_by_label("Date à laquelle examiner (jj/mm/aaaa)").fill("15/01/2023")
    member = page.get_by_role("group", name="La commune est-elle membre de Nîmes Métropole ?")
    member.get_by_label("oui").check()
    page.get_by_label("Quelle est la dernière convention signée par la commune ?").select_option(
        "avenant-6")
    page.get_by_label("Date de signature (jj/mm/aaaa)").fill("13/12/2022")
    page.get_by_label("Quelle fibre optique dessert la mairie ?").select_option("ftth")
    gecko = page.get_by_role("group", name="raccordés au réseau Gecko")
    gecko.get_by_label("non").check()
    page.get_by_label("Combien de caméras de vidéoprotection sont installées ?").fill("0")
    authorisation = page.get_by_role("group", name="arrêté préfectoral")
    authorisation.get_by_label("non").check()
    page.get_by_label("détenue : Conseil et Assistance (brique socle)").check()
    page.get_by_label("demander Vidéo Surveillance Intelligente (brique 3BIS)").check()


def test_check_poulx_what_if_and_downloads(page: Any, server: str) -> None:
    fill_poulx(page, server)
    verdict = page.locator("#verdict-vsi")
    verdict.wait_for()
    assert "non éligible" in verdict.inner_text()
    text = verdict.inner_text()
    assert "Vidéoprotection" in text and "Que faire" in text
    steps = verdict.locator(".plan li").all_inner_texts()
    assert len(steps) >= 3 and "videoprotection" in steps[0].lower()
    shot(page, "check-poulx")

    # What-if: the authorisation granted, and videoprotection asked for too.
    page.get_by_label("demander Vidéoprotection (brique 3)").check()
    page.locator("#verdict-videoprotection").wait_for()
    authorisation = page.get_by_role("group", name="arrêté préfectoral")
    authorisation.get_by_label("oui").check()
    page.locator(".changed-note").wait_for()
    assert "autorisation préfectorale" not in page.locator("#verdict-videoprotection").inner_text()
    # Unknown stays unknown: "je ne sais pas" makes the brick undetermined, never ineligible
    # for that reason.
    authorisation.get_by_label("je ne sais pas").check()
    unknown = page.locator("#verdict-videoprotection li.held-unknown")
    unknown.wait_for()
    assert "autorisation" in unknown.inner_text()
    authorisation.get_by_label("oui").check()
    page.locator(".changed-note").wait_for()
    shot(page, "check-what-if")

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le profil (YAML)").click()
    profile = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    assert profile["commune"] == {"insee": "30206", "name": "Poulx", "epci": "nimes-metropole"}
    assert profile["authorisations"] == {"videoprotection_prefectorale": True}
    assert profile["requests"] == ["videoprotection", "vsi"]
    assert "schools" not in profile.get("equipment", {})  # unanswered: left out, unknown

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le verdict (Markdown)").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("## Poulx (30206)") and "2 briques demandées" in markdown

    with page.context.expect_page() as printed:
        page.get_by_role("button", name="Page à imprimer (A4)").click()
    sheet = printed.value
    sheet.wait_for_load_state()
    assert "Poulx" in sheet.locator("h2").first.inner_text()
    sheet.emulate_media(media="print")
    shot(sheet, "print-a4")
    pdf = sheet.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert page.console_errors == []  # no CSP violation, no script error


def test_upload_profile_fills_the_form(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.get_by_label("Fichier de profil (YAML ou JSON)").set_input_files(str(POULX))
    page.get_by_role("button", name="Remplir le formulaire").click()
    page.wait_for_load_state()
    assert page.get_by_label("Nom de la commune").input_value() == "Poulx"
    assert page.get_by_label("Quelle fibre optique dessert la mairie ?").input_value() == "ftth"
    assert "non éligible" in page.locator("#verdict-vsi").inner_text()
    # A bad upload is one clear message, no traceback.
    bad = ROOT / "fixtures" / "examples" / "bad-negative-cameras.yaml"
    page.get_by_label("Fichier de profil (YAML ou JSON)").set_input_files(str(bad))
    page.get_by_role("button", name="Remplir le formulaire").click()
    alert = page.get_by_role("alert")
    assert "equipment.cameras" in alert.inner_text() and "Traceback" not in page.content()


def test_audit_matrix_and_downloads(page: Any, server: str) -> None:
    page.goto(server + "/audit")
    page.get_by_label("Fichiers (CSV, XLSX, YAML, JSON)").set_input_files(str(MATRIX))
    page.get_by_label("Date de l'audit (jj/mm/aaaa)").fill("15/01/2023")
    page.get_by_role("button", name="Lancer l'audit").click()
    matrix = page.locator("table.matrix")
    matrix.wait_for()
    heads = matrix.locator("thead th").all_inner_texts()
    assert heads[:2] == ["Code INSEE", "Commune"] and "Vidéoprotection" in heads
    rows = matrix.locator("tbody tr").all_inner_texts()
    assert len(rows) == 3 and any("Clap-Exemple" in r for r in rows)
    assert page.locator("h3.sev-error").count() == 1
    shot(page, "audit")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV (Excel)").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Code INSEE", "Commune", "Brique"]
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert book.sheetnames == ["Matrice", "Constats"]
    with page.expect_download() as download:
        page.get_by_role("link", name="rapport HTML").click()
    assert "Clap-Exemple" in Path(download.value.path()).read_text(encoding="utf-8")


def test_rules_pages(page: Any, server: str) -> None:
    page.goto(server + "/rules")
    assert page.locator("figure.graph img").evaluate("img => img.naturalWidth") > 0
    shot(page, "rules")
    page.get_by_role("link", name="Vidéo Surveillance Intelligente (brique 3BIS)").first.click()
    assert "Vidéoprotection" in page.locator("main").inner_text()
    shot(page, "brick-vsi")
    page.get_by_role("link", name="pas de biométrie").first.click()
    assert "Loi n° 2023-380" in page.locator("main").inner_text()
    shot(page, "rule")
    page.goto(server + "/rules/checks")
    assert "tenue" in page.locator("main").inner_text()
    shot(page, "checks")


def test_phone_and_1024(browser: Any, server: str) -> None:
    for name, size in (("phone", {"width": 390, "height": 844}),
                       ("1024", {"width": 1024, "height": 768})):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        page.goto(server + "/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"] + 1, f"horizontal scroll at {name}: {width}px"
        shot(page, f"check-{name}")
        context.close()


def test_the_html_audit_report_never_scrolls_sideways(browser: Any, tmp_path: Path) -> None:
    # The summary goes below the matrix when it cannot stand beside it at its width.
    from click.testing import CliRunner

    from eligibility.cli.main import main

    report = tmp_path / "audit.html"
    result = CliRunner().invoke(main, ["audit", str(ROOT / "fixtures" / "communes"),
                                       "--as-of", "2026-12-01", "--format", "html",
                                       "-o", str(report), "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    placed = {}
    for width in (1024, 1280, 1440, 1920):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(report.as_uri())
        scrolled = page.evaluate("document.documentElement.scrollWidth")
        assert scrolled <= width + 1, f"horizontal scroll at {width}px: {scrolled}px"
        placed[width] = page.evaluate(
            "document.querySelector('aside').getBoundingClientRect().top"
            " < document.querySelector('table.matrix').getBoundingClientRect().bottom")
        if width == 1280:
            shot(page, "audit-report-1280")
        context.close()
    assert placed[1920] and not placed[1024]  # beside on a wide screen, below on a small one
