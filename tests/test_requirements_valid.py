"""Issue 8, points 2 and 3: ``--brick`` narrows what is shown, never what the commune
asks for; a requirement rests on a valid brick (held and itself eligible, or asked for
and eligible). Profiles in ``fixtures/issue8/`` with their hand derivations."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from builders import poulx
from click.testing import CliRunner
from helpers import COMMUNES, FIXTURES

from eligibility import check, load_profile, parse_profile
from eligibility.audit.commune import audit_profile
from eligibility.audit.findings import AuditOptions
from eligibility.cli.main import main
from eligibility.evaluation.remediation import REQUEST, SET, apply_plan, plan
from eligibility.wording.audit import AuditWording

ISSUE8 = FIXTURES / "issue8"
ENGINES = ["reference", "durable"]
DAY = dt.date(2023, 1, 15)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "COLUMNS": "80"})


# --- point 2: --brick narrows what is shown --------------------------------------------

def test_brick_vsi_keeps_the_requested_videoprotection():
    path = str(ISSUE8 / "vsi-with-videoprotection-requested.yaml")
    full = json.loads(invoke("check", path, "--as-of", "2023-01-15",
                             "--format", "json").stdout)
    narrowed = invoke("check", path, "--as-of", "2023-01-15", "--brick", "vsi",
                      "--format", "json")
    assert narrowed.exit_code == 0
    data = json.loads(narrowed.stdout)
    assert [b["id"] for b in data["bricks"]] == ["vsi"]
    [vsi] = data["bricks"]
    assert vsi["status"] == "eligible"
    assert vsi == next(b for b in full["bricks"] if b["id"] == "vsi")
    text = invoke("check", path, "--as-of", "2023-01-15", "--brick", "3bis").stdout
    assert "ne la demande pas" not in text and "éligible" in text


@pytest.mark.parametrize("engine", ENGINES)
def test_choosing_what_is_shown_never_changes_a_verdict(catalog, engine):
    for path in [*sorted(COMMUNES.glob("*.yaml")), *sorted(ISSUE8.glob("[!b]*.yaml"))]:
        profile = load_profile(path, catalog)
        everything = check(catalog, profile, DAY, engine=engine)
        for brick in catalog.bricks:
            shown = check(catalog, profile, DAY, engine=engine, show=[brick])
            assert [v.brick for v in shown.shown()] == [brick]
            assert shown.verdicts == everything.verdicts, (path.name, brick)
            assert shown.requested == everything.requested


def test_explain_gives_the_verdict_check_gives():
    path = str(ISSUE8 / "vsi-with-videoprotection-requested.yaml")
    explained = invoke("explain", path, "vsi", "--as-of", "2023-01-15", "--format", "json")
    checked = invoke("check", path, "--as-of", "2023-01-15", "--format", "json")
    assert explained.exit_code == checked.exit_code == 0
    assert json.loads(explained.stdout)["bricks"] == [
        b for b in json.loads(checked.stdout)["bricks"] if b["id"] == "vsi"]


def test_with_no_request_a_chosen_brick_is_judged_with_every_brick_asked_for(catalog):
    # Nothing requested: every brick counts as requested (CONTRACT §4), --brick or not.
    data = poulx(requests=[], network__fibre="ftto", equipment__cameras=2,
                 authorisations__videoprotection_prefectorale=True)
    ev = check(catalog, parse_profile(data, catalog), DAY, show=["vsi"])
    assert ev.everything_requested and [v.brick for v in ev.shown()] == ["vsi"]
    assert ev.verdicts["vsi"].status == "eligible"


def test_exit_code_follows_the_bricks_shown():
    poulx_file = str(COMMUNES / "30206-poulx.yaml")
    assert invoke("check", poulx_file, "--as-of", "2023-01-15", "--brick", "socle"
                  ).exit_code == 0
    assert invoke("check", poulx_file, "--as-of", "2023-01-15", "--brick", "vsi"
                  ).exit_code == 1


# --- point 3: a requirement rests on a valid brick -------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_a_held_unauthorised_videoprotection_does_not_carry_vsi(catalog, engine):
    profile = load_profile(ISSUE8 / "videoprotection-held-unauthorised.yaml", catalog)
    ev = check(catalog, profile, DAY, engine=engine)
    assert "videoprotection" in ev.held
    assert ev.verdicts["videoprotection"].status == "ineligible"
    verdict = ev.verdicts["vsi"]
    assert verdict.status == "ineligible"
    assert [r.rule for r in verdict.failed()] == ["vsi.requires.videoprotection"]
    remedy = plan(ev, "vsi")
    assert remedy.feasible
    assert [(s.kind, s.field) for s in remedy.steps] == [
        (SET, "authorisations.videoprotection_prefectorale")]  # no request: it is held
    fixed = apply_plan(profile, remedy.steps, DAY)
    assert check(catalog, fixed, DAY, engine=engine).verdicts["vsi"].status == "eligible"


def test_the_chain_of_because_names_the_authorisation():
    result = invoke("check", str(ISSUE8 / "videoprotection-held-unauthorised.yaml"),
                    "--as-of", "2023-01-15")
    assert result.exit_code == 1
    text = result.stdout
    assert "Caméraville la détient" in text
    assert "elle est elle-même non éligible" in text
    assert "autorisation préfectorale" in text
    assert "L.252-1" in text
    assert "demander aussi" not in text  # videoprotection is held: nothing to ask for


def test_a_held_brick_is_valid_only_with_its_own_requirements(catalog):
    # videoprotection held and valid in itself, but the base brick is neither held nor
    # asked for: videoprotection is ineligible, so it does not carry vsi either.
    data = poulx(subscriptions=[{"brick": "videoprotection", "since": "2019-01-01"}],
                 network__fibre="ftto", equipment__cameras=3,
                 authorisations__videoprotection_prefectorale=True, requests=["vsi"])
    ev = check(catalog, parse_profile(data, catalog), DAY)
    assert [r.rule for r in ev.verdicts["videoprotection"].failed()] == [
        "videoprotection.requires.conseil-assistance"]
    failed = {r.rule for r in ev.verdicts["vsi"].failed()}
    assert failed == {"vsi.requires.conseil-assistance", "vsi.requires.videoprotection"}
    remedy = plan(ev, "vsi")
    assert remedy.feasible
    assert [(s.kind, s.brick) for s in remedy.steps] == [(REQUEST, "conseil-assistance")]


def test_an_undetermined_held_brick_leaves_the_requirement_unknown(catalog):
    data = poulx(subscriptions=[{"brick": "conseil-assistance"}, {"brick": "videoprotection"}],
                 network__fibre="ftto", equipment__cameras=3,
                 authorisations={})  # the authorisation is not known
    ev = check(catalog, parse_profile(data, catalog), DAY)
    assert ev.verdicts["videoprotection"].status == "undetermined"
    verdict = ev.verdicts["vsi"]
    assert verdict.status == "undetermined"
    reason = next(r for r in verdict.reasons if r.rule == "vsi.requires.videoprotection")
    assert reason.held is None
    assert "authorisations.videoprotection_prefectorale" in verdict.missing


def test_audit_reports_the_dependent_brick_of_a_held_brick_in_error(catalog):
    data = poulx(subscriptions=[{"brick": "conseil-assistance", "since": "2015-01-01"},
                                {"brick": "videoprotection", "since": "2019-01-01"},
                                {"brick": "vsi", "since": "2022-09-01"}],
                 network__fibre="ftto", equipment__cameras=3)
    found = audit_profile(catalog, parse_profile(data, catalog), AuditOptions(DAY))
    vsi = [f for f in found.findings if f.brick == "vsi" and f.severity == "error"]
    assert [f.rule for f in vsi] == ["vsi.requires.videoprotection"]
    said = AuditWording(catalog, "fr").message(vsi[0])
    assert "Poulx la détient, mais elle est elle-même non éligible" in said
    assert any(f.brick == "videoprotection" and f.rule == "videoprotection.authorisation"
               for f in found.findings)
