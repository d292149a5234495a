"""Every report one keeps says what produced it (issue 10, point 9): tool version, the
catalog's content hash, the date considered, when it was generated."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import COMMUNES, FIXTURES, POULX

from eligibility.catalog.loading import load_catalog
from eligibility.catalog.model import shipped_rules_dir
from eligibility.cli.main import main
from eligibility.reports import provenance as prov

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z, as conftest sets it
AUDITED = [str(COMMUNES / "30060-caissargues.yaml"), str(COMMUNES / "30125-garons.yaml")]
COSTS = [str(COMMUNES / "30189-nimes.yaml"), str(COMMUNES / "30155-manduel.yaml"),
         "--budget", str(FIXTURES / "examples" / "budget-ads-2023.yaml")]


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _expected(as_of: str) -> dict[str, str]:
    return {"tool": "eligibility", "version": prov.tool_version(),
            "catalog": load_catalog().content_hash, "as_of": as_of,
            "generated_at": "2026-01-01T00:00:00Z"}


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def test_check_and_explain_json_say_what_produced_them() -> None:
    for args in (["check", str(POULX)], ["explain", str(POULX), "vsi"]):
        data = json.loads(_run(*args, "--as-of", "2023-01-15", "--format", "json"))
        assert data["provenance"] == _expected("2023-01-15"), args


def test_audit_json_csv_markdown_html() -> None:
    data = json.loads(_run("audit", *AUDITED, "--as-of", "2023-01-15", "--format", "json"))
    assert data["provenance"] == _expected("2023-01-15")
    rows = list(csv.reader(io.StringIO(_run("audit", *AUDITED, "--as-of", "2023-01-15",
                                            "--format", "csv"))))
    assert rows[0][-4:] == list(prov.CSV_COLUMNS)
    stamp = [f"eligibility {prov.tool_version()}", load_catalog().content_hash,
             "2023-01-15", "2026-01-01T00:00:00Z"]
    assert len(rows) > 1 and all(row[-4:] == stamp for row in rows[1:])
    short = load_catalog().content_hash.removeprefix("sha256:")[:12]
    for fmt in ("markdown", "html"):
        text = _run("audit", *AUDITED, "--as-of", "2023-01-15", "--format", fmt)
        assert f"catalogue {short} · au 2023-01-15 · généré le 2026-01-01T00:00:00Z" in text


def test_costs_json_csv_markdown() -> None:
    data = json.loads(_run("costs", *COSTS, "--format", "json"))
    assert data["provenance"] == _expected(data["reference_date"])
    rows = list(csv.reader(io.StringIO(_run("costs", *COSTS, "--format", "csv"))))
    assert rows[0][-4:] == list(prov.CSV_COLUMNS)
    assert all(row[-2] == data["reference_date"] for row in rows[1:])
    assert "Produced by eligibility" in _run("costs", *COSTS, "--format", "markdown",
                                             "--lang", "en")


def test_check_markdown_has_the_footer_text_has_none() -> None:
    md = _run("check", str(POULX), "--as-of", "2023-01-15", "--format", "markdown")
    assert md.rstrip().splitlines()[-1].startswith("*Produit par eligibility ")
    text = _run("check", str(POULX), "--as-of", "2023-01-15")
    assert "sha256" not in text and "Produit par" not in text


def test_another_catalog_has_another_hash(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    note = next((rules / "bricks").glob("*.yaml"))
    note.write_text(note.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    data = json.loads(_run("check", str(POULX), "--as-of", "2023-01-15", "--format", "json",
                           "--rules", str(rules)))
    assert data["provenance"]["catalog"] != load_catalog().content_hash
    assert data["provenance"]["catalog"] == load_catalog(rules).content_hash


def test_generated_at_is_now_without_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    stamp = prov.provenance(load_catalog(), dt.date(2023, 1, 15))["generated_at"]
    after = dt.datetime.now(dt.timezone.utc)
    assert STAMP.match(stamp)
    moment = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert before <= moment <= after


def test_generated_at_can_be_given() -> None:
    at = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    data = prov.provenance(load_catalog(), dt.date(2023, 1, 15), at)
    assert data["generated_at"] == "2024-05-06T07:08:09Z"
    assert prov.footer(load_catalog(), dt.date(2023, 1, 15), "en", at).endswith(
        "as of 2023-01-15 · generated 2024-05-06T07:08:09Z")


def test_the_printable_web_page_says_what_produced_it() -> None:
    from eligibility.web import create_app

    client = create_app().test_client()
    page = client.post("/print", data={"commune.insee": "30206", "commune.name": "Poulx",
                                       "as_of": "15/01/2023"}).get_data(as_text=True)
    short = load_catalog().content_hash.removeprefix("sha256:")[:12]
    assert (f"catalogue {short} · au 2023-01-15 · généré le 2026-01-01T00:00:00Z"
            in page)


def test_the_catalog_api_names_its_catalog() -> None:
    from eligibility.web import create_app

    data = create_app().test_client().get("/api/catalog").get_json()
    assert data["provenance"] == {**_expected("2023-01-15"), "as_of": None}
