"""The audit (issue 3): every kind of finding, drift and its cause, --as-of, --compare
across avenant n°6, --drop, and the audit's agreement with `check`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import DROP, poulx
from helpers import COMMUNES, FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import check, load_profile, parse_profile
from eligibility.audit.batch import run_audit
from eligibility.audit.commune import CommuneAuditor, audit_profile
from eligibility.audit.findings import DEFAULT_ENGINE, AuditOptions, CommuneAudit, Finding
from eligibility.audit.summary import brick_summaries, cells
from eligibility.catalog.loading import load_catalog
from eligibility.reports.audit import finding_json
from eligibility.wording.audit import AuditWording

DAY = dt.date(2023, 1, 15)


# Findings carry data; their sentences come from the wording layer (issue 10).
def fr(finding: Finding) -> str:
    return AuditWording(load_catalog(), "fr").message(finding)


def en(finding: Finding) -> str:
    return AuditWording(load_catalog(), "en").message(finding)


def help_fr(finding: Finding) -> str | None:
    return AuditWording(load_catalog(), "fr").help(finding)


def drift_text(finding: Finding, lang: str) -> str:
    return AuditWording(load_catalog(), lang).drift(finding)


def as_json(finding: Finding, lang: str) -> dict[str, Any]:
    return finding_json(finding, AuditWording(load_catalog(), lang))
BEFORE_AVENANT_6 = dt.date(2022, 1, 1)


@pytest.fixture(scope="module")
def fixtures_run(catalog):
    return run_audit(catalog, [str(COMMUNES)], AuditOptions(DAY, BEFORE_AVENANT_6,
                                                           ("videoprotection",)))


def commune(run, insee: str) -> CommuneAudit:
    return next(c for c in run.communes if c.insee == insee)


def audit(catalog, data: dict[str, Any], day: dt.date = DAY, **options: Any) -> CommuneAudit:
    return audit_profile(catalog, parse_profile(data, catalog), AuditOptions(day, **options))


def only(found: CommuneAudit, **match: Any) -> Finding:
    hits = [f for f in found.findings if all(getattr(f, k) == v for k, v in match.items())]
    assert len(hits) == 1, (match, found.findings)
    return hits[0]


def none_of(found: CommuneAudit, **match: Any) -> bool:
    return not [f for f in found.findings if all(getattr(f, k) == v for k, v in match.items())]


# --- every kind of finding -------------------------------------------------------------

def test_every_finding_has_brick_severity_rule_messages_and_citation(fixtures_run):
    assert len(fixtures_run.communes) == 39 and not fixtures_run.rejected
    for _, finding in fixtures_run.findings():
        assert finding.severity in ("error", "warning", "info")
        assert finding.rule and finding.citation and fr(finding) and en(finding)
        assert fr(finding) != en(finding)
        assert finding.source in ("note", "law", "assumption")
        data = as_json(finding, "en")
        assert {"brick", "severity", "rule", "message", "citation"} <= set(data)


def test_error_withdrawn_brick_says_ads_takes_it_over(fixtures_run):
    for insee, signed in (("30060", "2022-05-30"), ("30075", "2022-10-10"),
                          ("30241", "2022-07-25")):
        finding = only(commune(fixtures_run, insee), brick="si-urbanisme")
        assert (finding.severity, finding.kind, finding.rule) == (
            "error", "withdrawn", "si-urbanisme.available")
        assert "supprimée par l'avenant n°6" in fr(finding) and "(ads) la reprend" in fr(finding)
        assert "was deleted by amendment no. 6" in en(finding) and "takes it over" in en(finding)
        assert "brique 9" in finding.citation
        # drift: since its signature of avenant n°6, which deleted brick 9
        assert finding.drift is not None
        assert (str(finding.drift.since), finding.drift.cause, finding.drift.version) == (
            signed, "signature", "avenant-6")
        assert drift_text(finding, "fr") == (f"depuis le {signed}, signature de l'avenant n°6 : "
                                    "brique 9 supprimée, reprise par la brique "
                                    "« Application du Droit des Sols »")


def test_drift_from_a_version_adoption_reads_as_in_the_issue(catalog):
    # a version given without signed_on applies from its adoption (CONTRACT §1)
    found = audit(catalog, poulx(convention={"version": "avenant-6"},
                                 subscriptions=[{"brick": "conseil-assistance",
                                                 "since": "2015-01-01"},
                                                {"brick": "si-urbanisme",
                                                 "since": "2019-01-01"}]))
    finding = only(found, brick="si-urbanisme")
    drift = finding.drift
    assert drift is not None and (drift.since, drift.cause) == (dt.date(2022, 4, 4), "version")
    assert drift_text(finding, "en") == ("since 2022-04-04, amendment no. 6: brick 9 deleted, "
                                         "taken over by brick 'Land-use permit processing (ADS)'")


def test_error_held_brick_without_the_brick_it_requires(fixtures_run):
    finding = only(commune(fixtures_run, "30125"), severity="error")
    assert (finding.brick, finding.rule, finding.kind) == (
        "vsi", "vsi.requires.videoprotection", "fails")
    assert fr(finding) == ("la brique 3 « Vidéoprotection » est requise et Garons ne la "
                           "détient pas")
    assert finding.citation == "Avenant n°6, brique 3BIS : s'appuie sur la brique 3"
    assert finding.drift is not None and finding.drift.cause == "never-held"
    assert finding.drift.since == dt.date(2022, 7, 1)
    assert drift_text(finding, "en") == "since the subscription began (2022-07-01): never held"


def test_error_no_prefectoral_authorisation(fixtures_run):
    finding = only(commune(fixtures_run, "30128"), severity="error")
    assert (finding.brick, finding.rule, finding.source) == (
        "videoprotection", "videoprotection.authorisation", "law")
    assert "L.252-1" in finding.citation
    assert "autorisation préfectorale de vidéoprotection : non" in fr(finding)


def test_error_fibre_below_the_level(catalog):
    # Fixed lines to share: the FTTE condition applies (mobile alone would not need it).
    found = audit(catalog, poulx(equipment__fixed_lines=4, subscriptions=[
        {"brick": "conseil-assistance", "since": "2015-01-01"},
        {"brick": "telecoms", "since": "2019-01-01"}]))
    finding = only(found, brick="telecoms")
    assert (finding.severity, finding.rule, finding.source) == (
        "error", "telecoms.network", "assumption")
    assert "niveau de fibre : FTTH" in fr(finding)
    assert finding.drift is not None and finding.drift.since == dt.date(2019, 1, 1)


def test_error_brick_the_convention_version_does_not_allow(catalog):
    found = audit(catalog, poulx(
        convention={"version": "avenant-5", "signed_on": "2021-01-15"},
        network={"gecko": True, "fibre": "ftto"}, equipment={"cameras": 3},
        authorisations={"videoprotection_prefectorale": True},
        subscriptions=[{"brick": "conseil-assistance", "since": "2015-01-01"},
                       {"brick": "videoprotection", "since": "2018-01-01"},
                       {"brick": "vsi", "since": "2022-09-01"}]))
    finding = only(found, brick="vsi", severity="error")
    assert (finding.kind, finding.rule) == ("not-in-version", "vsi.available")
    assert "n'existe pas sous l'avenant n°5" in fr(finding)
    assert "elle existe sous l'avenant n°6" in fr(finding)
    assert help_fr(finding) == "signer l'avenant n°6"
    only(found, kind="convention-outdated")  # and the convention is older than the one in force


def test_error_common_condition_is_one_finding_about_the_commune(catalog):
    found = audit(catalog, poulx(convention={"version": "none"}, subscriptions=[
        {"brick": "conseil-assistance", "since": "2015-01-01"},
        {"brick": "bureautique", "since": "2016-01-01"}]))
    finding = only(found, severity="error")
    assert (finding.brick, finding.rule) == (None, "common.convention-signed")
    assert finding.bricks == ("conseil-assistance", "bureautique")
    assert as_json(finding, "fr")["brick"] is None
    assert finding.drift is not None and finding.drift.cause == "never-held"


def test_warnings_tools_the_convention_replaced(fixtures_run):
    found = commune(fixtures_run, "30104")
    alfresco = only(found, kind="tool-replaced", detail="tools.collaboration")
    geoagglo = only(found, kind="tool-replaced", detail="tools.sig")
    assert alfresco.severity == geoagglo.severity == "warning"
    assert "Alfresco" in fr(alfresco) and "Office 365" in fr(alfresco)
    assert alfresco.citation == "Avenant n°6, brique 1 point 3 : Alfresco remplacé par Office 365"
    assert "GeoAgglo" in en(geoagglo) and "MyCarto" in en(geoagglo)


def test_warning_convention_older_than_the_one_in_force(fixtures_run):
    finding = only(commune(fixtures_run, "30112"), kind="convention-outdated")
    assert (finding.severity, finding.brick) == ("warning", None)
    assert "encore sous l'avenant n°5" in fr(finding)
    assert ("n'existe plus : la brique 9 « SI Urbanisme » (reprise par la brique "
            "« Application du Droit des Sols »)") in fr(finding)
    # under avenant-5 brick 9 is held legitimately: no error
    assert none_of(commune(fixtures_run, "30112"), severity="error")


def test_warning_subscription_dated_before_its_brick_existed(fixtures_run):
    finding = only(commune(fixtures_run, "30138"), kind="since-before-brick")
    assert (finding.severity, finding.brick, finding.rule) == (
        "warning", "vsi", "audit.since-before-brick")
    assert "2021-06-01" in fr(finding) and "2022-04-04" in fr(finding)


def test_warning_held_brick_that_cannot_be_confirmed(catalog):
    found = audit(catalog, poulx(network=DROP, subscriptions=[
        {"brick": "conseil-assistance", "since": "2015-01-01"},
        {"brick": "bureautique", "since": "2016-01-01"}]))
    finding = only(found, brick="bureautique")
    assert (finding.severity, finding.kind) == ("warning", "undetermined")
    assert finding.missing == ("network.fibre", "network.gecko")
    assert cells(found, catalog)[list(catalog.bricks).index("bureautique")] == "undetermined"


def test_info_bricks_open_to_the_commune(fixtures_run, catalog):
    bernis = commune(fixtures_run, "30036")
    vsi = only(bernis, kind="open", brick="vsi")  # Bernis holds videoprotection
    assert vsi.severity == "info" and vsi.bricks == ()
    mauressargues = commune(fixtures_run, "30163")  # holds nothing yet
    assert only(mauressargues, kind="open", brick="internet-collaboratif").bricks == (
        "conseil-assistance",)
    assert "avec la brique « Conseil et Assistance (brique socle) »" in fr(only(
        mauressargues, kind="open", brick="bureautique"))
    # a held brick is never "open"; a brick that does not exist is never open
    for found in fixtures_run.communes:
        for finding in found.findings:
            if finding.kind == "open":
                assert finding.brick not in found.held
    assert none_of(bernis, kind="open", brick="si-urbanisme")
    # Générac holds videoprotection without the prefectoral authorisation: vsi, which
    # rests on it, is not eligible (a requirement rests on a valid brick, issue 8), so
    # it is not advertised as open.
    generac = commune(fixtures_run, "30128")
    assert only(generac, severity="error", brick="videoprotection")
    assert none_of(generac, kind="open", brick="vsi")
    assert cells(generac, catalog)[list(catalog.bricks).index("vsi")] == "none"
    assert only(generac, kind="open", brick="telecoms")


def test_matrix_cells_and_summary(fixtures_run, catalog):
    bricks = list(catalog.bricks)
    caissargues = cells(commune(fixtures_run, "30060"), catalog)
    assert caissargues[bricks.index("si-urbanisme")] == "error"
    assert caissargues[bricks.index("conseil-assistance")] == "ok"
    assert caissargues[bricks.index("ads")] == "open"
    assert cells(commune(fixtures_run, "30138"), catalog)[bricks.index("vsi")] == "warning"
    summary = {s.brick: s for s in brick_summaries(fixtures_run)}
    assert summary["si-urbanisme"].held == 5
    assert summary["si-urbanisme"].top_reason() == ("si-urbanisme.available", 36)
    # 29 communes neither hold nor ask for videoprotection; Générac holds it unauthorised.
    assert summary["vsi"].top_reason() == ("vsi.requires.videoprotection", 30)
    assert sum(summary["cloud-reseaux"].counts.values()) == 39


# --- time travel, comparison, what-if --------------------------------------------------

def test_as_of_before_avenant_6_knows_nothing_of_it(catalog):
    run = run_audit(catalog, [str(COMMUNES)], AuditOptions(BEFORE_AVENANT_6))
    caissargues = commune(run, "30060")
    assert none_of(caissargues, severity="error")  # brick 9 still exists
    assert none_of(caissargues, kind="tool-replaced")
    langlade = commune(run, "30138")  # vsi held since 2021-06-01, before it existed
    finding = only(langlade, brick="vsi", severity="error")
    assert finding.kind == "not-in-version" and "n'existait pas encore" in fr(finding)
    assert "vsi" not in commune(run, "30189").held  # Nîmes' vsi begins on 2022-09-01


def test_compare_across_avenant_6(fixtures_run):
    changes = {c.insee: c.changes for c in fixtures_run.communes}
    caissargues = changes["30060"]
    assert [(f.brick, f.kind) for f in caissargues.appeared if f.severity == "error"] == [
        ("si-urbanisme", "withdrawn")]
    assert ("ads", "open") in [(f.brick, f.kind) for f in caissargues.appeared]
    langlade = changes["30138"]
    assert [(f.brick, f.kind) for f in langlade.disappeared if f.severity == "error"] == [
        ("vsi", "not-in-version")]
    fons = changes["30112"]
    assert {f.kind for f in fons.appeared} == {"convention-outdated", "tool-replaced"}
    assert not changes["30224"]  # La Rouvière: nothing changes
    bernis = changes["30036"]  # brick 9 no longer open, vsi and ads open
    assert {f.brick for f in bernis.disappeared} == {"si-urbanisme"}
    assert {f.brick for f in bernis.appeared} == {"vsi", "ads"}


def test_drop_shows_what_leaving_a_brick_breaks(fixtures_run):
    dropped = {c.insee: c.dropped for c in fixtures_run.communes if c.dropped is not None}
    assert set(dropped) == {"30036", "30039", "30128", "30138", "30155", "30156", "30189",
                            "30258"}
    nimes = [f for f in dropped["30189"].appeared if f.severity == "error"]
    assert [(f.brick, f.rule) for f in nimes] == [("vsi", "vsi.requires.videoprotection")]
    assert "Nîmes ne la détient pas" in fr(nimes[0])
    generac = dropped["30128"]  # leaving it lifts its own error
    assert [f.rule for f in generac.disappeared if f.severity == "error"] == [
        "videoprotection.authorisation"]
    assert not [f for f in dropped["30036"].appeared if f.severity == "error"]


# --- the same evaluation as `check` ----------------------------------------------------

DATES = [dt.date(2014, 12, 1), dt.date(2021, 6, 1), BEFORE_AVENANT_6, dt.date(2022, 5, 1), DAY]


def assert_agrees_with_check(catalog, profile, day: dt.date) -> None:
    found = audit_profile(catalog, profile, AuditOptions(day))
    on_day = CommuneAuditor(catalog, profile, DEFAULT_ENGINE).on(day)
    held = [b for b in catalog.bricks if b in found.held]
    together = check(catalog, on_day, day, held, engine="reference") if held else None
    every = check(catalog, on_day, day, list(catalog.bricks), engine="reference")
    for brick, status in zip(catalog.bricks, found.statuses, strict=True):
        expected = (together if brick in found.held else every).verdicts[brick].status
        assert status == expected, (profile.commune.name, day, brick)


@pytest.mark.parametrize("day", DATES, ids=str)
def test_held_bricks_are_evaluated_as_check_does_requested_together(catalog, day):
    for path in sorted(COMMUNES.glob("*.yaml")):
        assert_agrees_with_check(catalog, load_profile(path, catalog), day)


bricks = st.sampled_from(["conseil-assistance", "internet-collaboratif", "cloud-reseaux",
                          "videoprotection", "vsi", "ecoles-numeriques", "bureautique",
                          "telecoms", "si-urbanisme", "ads"])
days = st.dates(dt.date(2013, 1, 1), dt.date(2024, 12, 31))
signatures = st.sampled_from([
    None, {"version": "none"}, {"version": "avenant-6"},
    {"version": "avenant-5", "signed_on": "2021-02-01"},
    {"version": "avenant-6", "signed_on": "2022-06-01",
     "history": [{"version": "convention-2014", "signed_on": "2015-01-01"},
                 {"version": "avenant-5", "signed_on": "2021-01-15"}]},
    {"version": "avenant-6", "signed_on": "2023-02-06",
     "history": [{"version": "avenant-5", "signed_on": "2021-04-12"}]},
])


@st.composite
def profiles(draw):
    held = draw(st.lists(st.tuples(bricks, st.one_of(st.none(), days)), max_size=5,
                         unique_by=lambda item: item[0]))
    data = poulx(
        convention=draw(signatures) or DROP,
        network={"gecko": draw(st.booleans()), "fibre": draw(st.sampled_from(
            ["none", "ftth", "ftte", "ftto"]))},
        equipment={"cameras": draw(st.integers(0, 3)), "schools": 1, "workstations": 5},
        authorisations={"videoprotection_prefectorale": draw(st.booleans())},
        urbanisme={"document": draw(st.sampled_from(["plu", "rnu"]))},
        tools={"collaboration": draw(st.sampled_from(["alfresco", "office365"])),
               "sig": draw(st.sampled_from(["geoagglo", "mycarto"]))},
        subscriptions=[{"brick": b, **({"since": s.isoformat()} if s else {})} for b, s in held])
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=profiles(), day=days)
def test_audit_agrees_with_check_and_drift_starts_where_it_says(catalog, data, day):
    profile = parse_profile(data, catalog)
    assert_agrees_with_check(catalog, profile, day)
    found = audit_profile(catalog, profile, AuditOptions(day))
    for finding in found.findings:
        if finding.severity != "error":
            assert finding.drift is None
            continue
        drift = finding.drift
        assert drift is not None and drift.since is not None and drift.since <= day
        at_start = audit_profile(catalog, profile, AuditOptions(drift.since))
        assert finding.key in {f.key for f in at_start.findings}
        if drift.cause not in ("never-held", "unknown-start"):
            before = audit_profile(catalog, profile,
                                   AuditOptions(drift.since - dt.timedelta(days=1)))
            assert finding.key not in {f.key for f in before.findings}


def test_fixture_folder_exists():
    assert (FIXTURES / "audit" / "export-tableur.csv").is_file()
