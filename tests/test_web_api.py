"""Issue 11: the web application through Flask's test client (API, errors, safety)."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import COMMUNES, FIXTURES, ROOT

from eligibility.cli.main import main
from eligibility.documents.xlsx import read_rows, workbook_bytes
from eligibility.web import create_app
from eligibility.web.app import MAX_UPLOAD

POULX = COMMUNES / "30206-poulx.yaml"
MATRIX = FIXTURES / "audit" / "matrice.csv"


@pytest.fixture(scope="module")
def client() -> Any:
    app = create_app()
    app.testing = False  # errors as users see them, not re-raised
    return app.test_client()


def _json_profile(path: Any) -> dict[str, Any]:
    from eligibility.documents.yamlio import load_yaml

    return load_yaml(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_api_check_equals_the_cli_json(client: Any) -> None:
    cli = CliRunner().invoke(main, ["check", str(POULX), "--as-of", "2023-01-15",
                                    "--format", "json"])
    response = client.post("/api/check?as_of=2023-01-15", json=_json_profile(POULX))
    assert response.status_code == 200
    assert response.get_json() == json.loads(cli.stdout)


def test_api_check_takes_yaml_and_bricks(client: Any) -> None:
    response = client.post("/api/check?as_of=2023-01-15&brick=3", data=POULX.read_bytes(),
                           content_type="application/yaml")
    assert response.status_code == 200
    assert [b["id"] for b in response.get_json()["bricks"]] == ["videoprotection"]


@pytest.mark.parametrize("example", ["bad-negative-cameras.yaml", "bad-unknown-field.yaml",
                                     "bad-unknown-brick.yaml", "bad-date.yaml"])
def test_api_check_errors_name_the_field_as_the_cli(client: Any, example: str) -> None:
    path = FIXTURES / "examples" / example
    cli = CliRunner().invoke(main, ["check", str(path)])
    assert cli.exit_code == 2
    response = client.post("/api/check", data=path.read_bytes(), content_type="application/yaml")
    assert response.status_code in (400, 422)
    errors = response.get_json()["errors"]
    assert errors and all(e["field"] or e["source"] for e in errors)
    # the same message as the CLI, the file name apart
    cli_messages = [line.split(": ", 2)[-1] for line in cli.stderr.splitlines()]
    assert any(e["message"] in " ".join(cli_messages) for e in errors)


def test_api_errors_statuses(client: Any) -> None:
    assert client.post("/api/check", data=b"{not json", content_type="application/json"
                       ).status_code == 400
    assert client.post("/api/check", data=b"", content_type="application/json"
                       ).status_code == 400
    bad_date = client.post("/api/check?as_of=31/02/2023", json=_json_profile(POULX))
    assert bad_date.status_code == 400 and bad_date.get_json()["errors"][0]["field"] == "as_of"
    unknown = client.post("/api/check?brick=vsii", json=_json_profile(POULX))
    assert unknown.status_code == 400 and "vsi" in unknown.get_json()["errors"][0]["hint"]
    invalid = client.post("/api/check", json={"commune": {"insee": "x", "name": "X"}})
    assert invalid.status_code == 422
    assert invalid.get_json()["errors"][0]["field"] == "commune.insee"
    big = client.post("/api/check", data=b" " * (MAX_UPLOAD + 1), content_type="application/json")
    assert big.status_code == 413 and "too large" in big.get_json()["errors"][0]["message"]
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/api/nothing").get_json()["errors"]


def test_api_catalog(client: Any) -> None:
    data = client.get("/api/catalog").get_json()
    ids = [b["id"] for b in data["bricks"]]
    assert "vsi" in ids and data["levels"]["network.fibre"][0] == "none"


def test_api_audit_matrix_and_profiles(client: Any) -> None:
    cli = CliRunner().invoke(main, ["audit", str(MATRIX), "--as-of", "2023-01-15",
                                    "--format", "json"])
    response = client.post("/api/audit?as_of=2023-01-15",
                           data={"files": (io.BytesIO(MATRIX.read_bytes()), "matrice.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 422)
    web = response.get_json()
    expected = json.loads(cli.stdout)
    assert [c["insee"] for c in web["communes"]] == [c["insee"] for c in expected["communes"]]
    assert [c["findings"] for c in web["communes"]] == [c["findings"] for c in expected["communes"]]
    listed = client.post("/api/audit?as_of=2023-01-15", json=[_json_profile(POULX)])
    assert listed.status_code == 200
    assert listed.get_json()["communes"][0]["insee"] == "30206"


def test_xlsx_is_read_like_the_csv(tmp_path: Any) -> None:
    rows = list(csv.reader(MATRIX.open(encoding="utf-8")))
    workbook = tmp_path / "matrice.xlsx"
    workbook.write_bytes(workbook_bytes([("matrice", rows)]))
    assert read_rows(workbook) == rows
    runner = CliRunner()
    from_csv = runner.invoke(main, ["audit", str(MATRIX), "--as-of", "2023-01-15",
                                    "--format", "json"])
    from_xlsx = runner.invoke(main, ["audit", str(workbook), "--as-of", "2023-01-15",
                                     "--format", "json"])
    assert from_xlsx.exit_code == from_csv.exit_code
    for stream in ("stdout", "stderr"):
        assert getattr(from_xlsx, stream).replace(str(workbook), "M") == \
            getattr(from_csv, stream).replace(str(MATRIX), "M")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result = runner.invoke(main, ["audit", str(broken)])
    assert result.exit_code == 2 and "broken.xlsx" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_pages_and_security_headers(client: Any) -> None:
    for path in ("/", "/audit", "/rules", "/rules/brick/vsi", "/rules/brick/3bis",
                 "/rules/rule/vsi.no-biometrics", "/rules/graph.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and " onclick=" not in page and "style=" not in page
    # every input has a label
    ids = set(re.findall(r'<input(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', page))
    labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', page))
    radios = re.findall(r'<label class="(?:radio|check)"><input', page)
    assert ids <= labelled and radios
    assert client.get("/rules/brick/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert "Traceback" not in client.get("/rules/rule/nothing").get_data(as_text=True)


def test_form_escapes_and_keeps_unknown_unknown(client: Any) -> None:
    form = {"commune.name": "<script>alert(1)</script>", "commune.insee": "30206",
            "as_of": "15/01/2023", "requests": "videoprotection",
            "authorisations.videoprotection_prefectorale": ""}
    page = client.post("/verdicts", data=form).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    # the authorisation unanswered: unknown, not "no"
    assert "autorisation" in page and "indéterminé" in page or "non éligible" in page
    profile = client.post("/download/profile.yaml", data=form)
    assert profile.status_code == 200
    assert b"authorisations" not in profile.data


def test_form_date_errors_name_the_field(client: Any) -> None:
    page = client.post("/", data={"commune.name": "Poulx", "commune.insee": "30206",
                                  "as_of": "15/01/2023", "convention.signed_on": "31/02/2022"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "expected a date jj/mm/aaaa" in text and 'href="#f-convention-signed_on"' in text


def test_excel_csv_download_is_french(client: Any) -> None:
    page = client.post("/audit", data={"files": (io.BytesIO(POULX.read_bytes()), "poulx.yaml"),
                                       "as_of": "15/01/2023"},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    token = re.search(r"/audit/([\w-]+)/report\.csv", page.get_data(as_text=True)).group(1)
    raw = client.get(f"/audit/{token}/report.csv").data
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    header = raw.decode("utf-8-sig").split("\r\n", 1)[0].split(";")
    assert header[:3] == ["Code INSEE", "Commune", "Brique"]
    assert client.get("/audit/unknown-token/report.csv").status_code == 404


def test_concurrent_requests_answer_as_serial_ones(client: Any) -> None:
    profiles = [_json_profile(p) for p in sorted(COMMUNES.glob("*.yaml"))[:12]]
    def ask(profile: dict[str, Any]) -> Any:
        return client.post("/api/check?as_of=2023-01-15", json=profile).get_json()

    serial = [ask(p) for p in profiles]
    results: list[Any] = [None] * len(profiles) * 3
    def work(index: int) -> None:
        results[index] = ask(profiles[index % len(profiles)])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [serial[i % len(profiles)] for i in range(len(results))]


def test_serve_is_a_command_and_cli_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, eligibility.cli.main; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "False"
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "--host" in help_text and "--port" in help_text
