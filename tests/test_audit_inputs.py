"""Inputs of the audit: files, folders (recursive), CSV matrices (spreadsheet exports),
mixed; bad inputs among good ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import COMMUNES, FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.audit.batch import run_audit
from eligibility.audit.findings import AuditOptions
from eligibility.audit.inputs import Rejected, discover, load_unit, read_profile_document
from eligibility.errors import InputError
from eligibility.profile.loading import read_document

AUDIT = FIXTURES / "audit"
DAY = dt.date(2023, 1, 15)


def profiles(catalog, *paths: Path | str):
    units, rejected = discover([str(p) for p in paths], catalog)
    return {u.source: load_unit(u, catalog) for u in units}, rejected


def test_a_folder_is_read_recursively_skipping_hidden_and_other_files(catalog):
    units, rejected = discover([str(AUDIT / "batch")], catalog)
    names = sorted(Path(unit.source).name for unit in units)
    assert names == ["30921-olivette.yaml", "30922-roubine.json", "30923-capitelle.yml",
                     "30924-bad-cameras.yaml"]  # discovered; the last one fails to load
    assert not rejected


def test_a_file_given_twice_is_read_once(catalog):
    units, _ = discover([str(COMMUNES / "30206-poulx.yaml"), str(COMMUNES)], catalog)
    assert len(units) == 39


def test_the_spreadsheet_export_reads_as_profiles(catalog):
    found, rejected = profiles(catalog, AUDIT / "export-tableur.csv")
    assert not rejected and len(found) == 8
    by_insee = {p.commune.insee: p for p in found.values()}
    vallon = by_insee["30901"]
    assert vallon.commune.name == "Vallon-Exemple"
    assert vallon.commune.epci == "nimes-metropole"  # "Nîmes Métropole"
    assert vallon.commune.population == 4237  # "4 237"
    assert (vallon.convention.version, vallon.convention.signed_on) == (
        "avenant-6", dt.date(2022, 12, 13))  # "Avenant n°6", "13/12/2022"
    assert [(s.version, s.signed_on) for s in vallon.convention.history] == [
        ("avenant-5", dt.date(2021, 1, 15))]
    assert (vallon.network.fibre, vallon.network.gecko) == ("ftth", False)  # "FTTH", "Non"
    assert vallon.tools.collaboration == "office365"  # "Office 365"
    assert vallon.finances.fonctionnement == 3_100_000
    assert [(s.brick, s.since) for s in vallon.subscriptions] == [
        ("conseil-assistance", None), ("internet-collaboratif", dt.date(2016, 3, 1)),
        ("bureautique", None)]  # "X", "01/03/2016", "oui"
    mas = by_insee["30902"]
    assert mas.finances.fonctionnement == 3_800_000.5  # "3 800 000,50"
    assert len(mas.convention.history) == 2  # a quoted cell holding a ';'
    assert mas.authorisations.videoprotection_prefectorale is None  # empty: unknown
    assert by_insee["30904"].urbanisme.document == "carte_communale"
    assert by_insee["30908"].convention.version == "none"  # "Aucune"


def test_the_spreadsheet_export_audits_as_documented(catalog):
    run = run_audit(catalog, [str(AUDIT / "export-tableur.csv")], AuditOptions(DAY))
    errors = {(c.insee, f.brick, f.kind) for c in run.communes for f in c.findings
              if f.severity == "error"}
    assert errors == {("30902", "si-urbanisme", "withdrawn"), ("30903", "vsi", "fails"),
                      ("30904", "telecoms", "fails"), ("30908", None, "fails")}
    warnings = {(c.insee, f.kind) for c in run.communes for f in c.findings
                if f.severity == "warning"}
    assert warnings == {("30905", "convention-outdated"), ("30905", "tool-replaced"),
                        ("30906", "undetermined"), ("30907", "since-before-brick")}
    source = next(c.source for c in run.communes if c.insee == "30902")
    assert source.endswith("export-tableur.csv:3")


def test_a_comma_matrix_with_ids_and_dotted_paths(catalog):
    found, rejected = profiles(catalog, AUDIT / "matrice.csv")
    assert not rejected
    clap = next(p for p in found.values() if p.commune.insee == "30911")
    assert clap.network.gecko is False and clap.equipment.cameras == 5
    assert clap.authorisations.videoprotection_prefectorale is True
    assert [s.since for s in clap.subscriptions] == [
        dt.date(2015, 1, 1), dt.date(2018, 1, 1), dt.date(2021, 9, 1)]
    baume = next(p for p in found.values() if p.commune.insee == "30912")
    assert baume.convention.signed_on is None  # empty cell: applies from adoption


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_separators_and_encodings_of_spreadsheet_exports(catalog, tmp_path, encoding,
                                                         separator):
    rows = [["INSEE", "Nom", "Brique socle", "VSI", "Vidéoprotection", "Convention"],
            ["30901", "Écluse-Exemple", "oui", "", "2018-06-01", "avenant-6"],
            ["1004", "Zéro-Exemple", "X", "non", "0", "Avenant n°5"]]
    path = tmp_path / "export.csv"
    path.write_bytes("\r\n".join(separator.join(r) for r in rows).encode(encoding))
    found, rejected = profiles(catalog, path)
    assert not rejected
    first, second = sorted(found.values(), key=lambda p: p.commune.insee)
    assert first.commune.insee == "01004"  # a spreadsheet dropped the leading zero
    assert second.commune.name == "Écluse-Exemple"
    assert [s.brick for s in second.subscriptions] == ["conseil-assistance", "videoprotection"]
    assert first.convention.version == "avenant-5"


def test_bad_rows_are_rejected_with_line_and_column_others_kept(catalog):
    run = run_audit(catalog, [str(AUDIT / "export-lignes-invalides.csv")], AuditOptions(DAY))
    assert [c.insee for c in run.communes] == ["30931"]
    lines = [line for r in run.rejected for line in r.lines]
    assert len(lines) == 2
    assert any(":3: socle:" in line and "'peut-être'" in line for line in lines)
    assert any(":4: fibre (network.fibre): unknown fibre level 'fibre'" in line
               for line in lines)


@pytest.mark.parametrize(("header", "message"), [
    ("insee;nom;fibr", "unknown column 'fibr'"),
    ("nom;socle", "no 'insee' column"),
    ("insee;nom;fibre;Fibre", "both give network.fibre"),
])
def test_a_header_that_cannot_be_used_rejects_the_file(catalog, tmp_path, header, message):
    path = tmp_path / "m.csv"
    path.write_text(header + "\n30901;A;ftth;ftth\n", encoding="utf-8")
    units, rejected = discover([str(path)], catalog)
    assert not units and len(rejected) == 1
    assert message in rejected[0].lines[0] and str(path) in rejected[0].lines[0]


def test_a_bad_date_in_a_since_cell_names_the_column(catalog, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("insee,name,vsi,version\n30901,A,2022-13-45,avenant-6\n"
                    "30902,B,x,avenant-9\n", encoding="utf-8")
    run = run_audit(catalog, [str(path)], AuditOptions(DAY))
    assert not run.communes
    first, second = (r.lines[0] for r in run.rejected)
    assert "m.csv:2: vsi: impossible date '2022-13-45'" in first  # issue 9: called impossible
    assert "m.csv:3: version (convention.version): unknown convention version 'avenant-9'" in \
        second


def test_mixed_inputs_and_bad_ones_among_them(catalog):
    run = run_audit(catalog, [str(COMMUNES), str(AUDIT / "matrice.csv"),
                              str(AUDIT / "batch"), str(COMMUNES / "30206-poulx.yaml"),
                              "no/such/file.yaml", str(FIXTURES / "examples" / "30206-poulx.json")],
                    AuditOptions(DAY))
    assert len(run.communes) == 39 + 3 + 3
    lines = [line for r in run.rejected for line in r.lines]
    assert "no/such/file.yaml: no such file or folder" in lines
    assert any("30924-bad-cameras.yaml: equipment.cameras: must be ≥ 0 (got -3)" in line
               for line in lines)
    assert any("30206-poulx.json: commune.insee: commune 30206 is also given by" in line
               for line in lines)  # the same commune twice: the second is refused


def test_the_fast_yaml_reader_reads_as_the_profile_reader(tmp_path):
    texts = ["a: 0x1F\nb: 1_000\nc: .inf\nd: ~\ne: yes\nf: 2022-01-01\ng: '30206'\n",
             "x: &a {b: 1}\ny: *a\n<<: {m: 1}\n", "", "[1, 2, {c: d}]"]
    for files in (sorted(FIXTURES.rglob("*.y*ml")), []):
        for path in files:
            if "bad-" not in path.name and not path.name.startswith("."):
                assert read_profile_document(path) == read_document(path)
    for number, text in enumerate(texts):
        path = tmp_path / f"t{number}.yaml"
        path.write_text(text, encoding="utf-8")
        assert read_profile_document(path) == read_document(path)
    twice = tmp_path / "twice.yaml"  # PyYAML would keep the last value silently
    twice.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3, column 1: key 'a' given twice"):
        read_profile_document(twice)
    malformed = tmp_path / "m.yaml"
    malformed.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(InputError, match="malformed YAML at line 2"):
        read_profile_document(malformed)
    impossible = tmp_path / "d.yaml"  # dates stay text: the model names the bad field
    impossible.write_text("signed_on: 2022-13-45\n", encoding="utf-8")
    assert read_profile_document(impossible) == read_document(impossible) == {
        "signed_on": "2022-13-45"}


def _communes_plainly(results, rejected):
    """What ``batch._communes`` does, one result at a time: its specification."""
    communes, seen = [], {}
    for result in results:
        if isinstance(result, Rejected):
            rejected.append(result)
        elif result.insee in seen:
            rejected.append(("twice", result.source, seen[result.insee]))
        else:
            seen[result.insee] = result.source
            communes.append(result)
    return sorted(communes, key=lambda c: (c.insee, c.name))


class Audited(NamedTuple):
    insee: str
    name: str
    source: str


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.builds(Audited, st.sampled_from(["30001", "30002", "30003", "2A004", "30010"]),
              st.sampled_from(["A", "B", "Ç"]), st.sampled_from(["a.yaml", "b.csv:3"])),
    st.just("bad")), max_size=8))
def test_the_communes_audited_come_sorted_and_each_once(items):
    """Sorted by code and name, a commune given twice refused the second time, a bad input
    kept where it came: the fast paths (no refusal, codes in order) say what the loop says."""
    from eligibility.audit import batch

    bad = Rejected("bad.yaml", None, "broken", ("error: bad.yaml: broken",))
    results = [bad if item == "bad" else item for item in items]
    expected_rejected: list[object] = []
    expected = _communes_plainly(results, expected_rejected)
    rejected: list[Rejected] = []
    assert batch._communes(list(results), rejected) == expected
    assert [r if r is bad else ("twice", r.source, r.message.rsplit(" ", 1)[-1])
            for r in rejected] == expected_rejected


def test_the_real_path_of_each_file_of_a_folder_is_the_one_os_path_gives(tmp_path):
    """``discover`` works out each file's real path folder by folder (``_real_paths``): it
    must be ``os.path.realpath`` of every file, through linked folders and file links,
    given with a trailing separator or not, so that a file named twice is read once."""
    import os

    from eligibility.audit.inputs import _real_paths
    from eligibility.profile.loading import find_profiles, profile_folders

    inside = tmp_path / "inside"
    (inside / "sub").mkdir(parents=True)
    for folder in (inside, inside / "sub"):
        for name in ("a.yaml", "b.json"):
            (folder / name).write_text("{}", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "target.yaml").write_text("{}", encoding="utf-8")
    (inside / "link.yaml").symlink_to(elsewhere / "target.yaml")  # a file link
    (inside / "sub" / "up.yml").symlink_to(inside / "a.yaml")
    (inside / "linked").symlink_to(elsewhere)  # a folder link
    (tmp_path / "alias").symlink_to(inside)  # the whole folder by another name
    for named in (inside, tmp_path / "alias", f"{tmp_path / 'alias'}{os.sep}",
                  f"{inside}{os.sep}{os.sep}"):
        groups, problems = profile_folders(named)
        files = [prefix + name for prefix, names in groups for name in names]
        assert files == find_profiles(named)[0] and not problems
        assert len(files) == 7
        assert _real_paths(groups, {}) == [os.path.realpath(f) for f in files]
