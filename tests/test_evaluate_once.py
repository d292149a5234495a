"""Issue 10.3 / 12.2: a verdict is evaluated once, explained as data, planned once.

The evaluations are counted where they happen: the durable engine's ``decide`` and the
reference evaluator's ``decide``. One ``check`` of every brick evaluates the profile
once plus one re-check per plan that changes something, with the engine chosen; every
renderer afterwards evaluates nothing and plans nothing; a plan's re-check goes
through the facts mapping, never through pydantic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from helpers import COMMUNES, POULX

from eligibility.catalog.model import Catalog
from eligibility.engine.durable import DurableEngine
from eligibility.evaluation import reference, remediation
from eligibility.evaluation.check import ENGINES, EngineName, check
from eligibility.evaluation.remediation import apply_plan, facts_after
from eligibility.evaluation.verdicts import EXIT_FAILED, EXIT_OK, Evaluation
from eligibility.profile.facts import derive_facts
from eligibility.profile.loading import load_profile
from eligibility.profile.model import Profile
from eligibility.reports.check import (
    check_json,
    check_json_data,
    check_markdown,
    check_text,
    explain_text,
)

DAYS = (dt.date(2023, 1, 15), dt.date(2026, 12, 1))


@dataclass
class Counts:
    durable: int = 0
    reference: int = 0
    pydantic: int = 0

    @property
    def total(self) -> int:
        return self.durable + self.reference


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    """Counts every evaluation of facts by either engine, and every profile validation."""
    seen = Counts()
    durable_decide = DurableEngine.decide
    reference_decide = reference.decide
    validate = Profile.model_validate.__func__  # type: ignore[attr-defined]

    def count_durable(self: DurableEngine, facts: object) -> object:
        seen.durable += 1
        return durable_decide(self, facts)  # type: ignore[arg-type]

    def count_reference(catalog: Catalog, facts: object) -> object:
        seen.reference += 1
        return reference_decide(catalog, facts)  # type: ignore[arg-type]

    def count_validate(cls: type[Profile], *args: object, **kwargs: object) -> object:
        seen.pydantic += 1
        return validate(cls, *args, **kwargs)

    monkeypatch.setattr(DurableEngine, "decide", count_durable)
    monkeypatch.setattr(reference, "decide", count_reference)
    monkeypatch.setattr(Profile, "model_validate", classmethod(count_validate))
    yield seen


def _rechecks(ev: Evaluation) -> int:
    """The plans that change something: each was re-checked once."""
    return sum(1 for p in ev.plans.values() if p.changes)


def _render_all(ev: Evaluation) -> None:
    for lang in ("fr", "en"):
        check_text(ev, lang)
        check_json(ev, lang)
        check_json_data(ev, lang)
        check_markdown(ev, lang)
        for verdict in ev.shown():
            explain_text(ev, verdict.brick, lang)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("day", DAYS)
def test_one_check_of_every_brick_evaluates_once_plus_the_plan_rechecks(
        catalog: Catalog, counts: Counts, engine: EngineName, day: dt.date) -> None:
    profile = load_profile(str(POULX), catalog)
    check(catalog, profile, day, engine="durable", plans=False)  # the engine built
    counts.durable = counts.reference = counts.pydantic = 0

    ev = check(catalog, profile, day, engine=engine, show=list(catalog.bricks))

    planned = [v.brick for v in ev.shown() if v.status in ("ineligible", "unavailable")]
    assert sorted(ev.plans) == sorted(planned) and planned  # Poulx has help to give
    assert _rechecks(ev) >= 1
    assert counts.total == 1 + _rechecks(ev)
    # The re-checks use the engine the user chose, never the other one.
    assert (counts.durable if engine == "durable" else counts.reference) == counts.total
    assert counts.pydantic == 0  # a plan is applied to the facts, not to the profile

    _render_all(ev)
    assert counts.total == 1 + _rechecks(ev)  # rendering evaluates and plans nothing
    assert counts.pydantic == 0


def test_without_plans_one_evaluation_and_the_memo_spares_repeats(
        catalog: Catalog, counts: Counts) -> None:
    profile = load_profile(str(POULX), catalog)
    memo: dict[object, object] = {}
    first = check(catalog, profile, DAYS[0], plans=False, memo=memo)  # type: ignore[arg-type]
    again = check(catalog, profile, DAYS[0], requested=list(catalog.bricks), plans=False,
                  memo=memo)  # type: ignore[arg-type]
    assert counts.durable == 1 and not first.plans and not again.plans
    plain = check(catalog, profile, DAYS[0], requested=list(catalog.bricks), plans=False)
    assert again.verdicts == plain.verdicts  # the memo changes no verdict


def test_a_renderer_never_plans_an_evaluation_made_without_plans(catalog: Catalog) -> None:
    ev = check(catalog, load_profile(str(POULX), catalog), DAYS[0], plans=False)
    assert ev.shown()[0].status == "ineligible"  # vsi, requested
    with pytest.raises(ValueError, match="plans=True"):
        check_text(ev, "fr")


@pytest.mark.parametrize("path", sorted(COMMUNES.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_plan_applied_to_the_facts_is_the_plan_applied_to_the_profile(
        catalog: Catalog, path: object) -> None:
    """The re-check's shortcut (facts_after) gives the facts that rebuilding the profile
    through pydantic (apply_plan) would: each plan of each commune, on two dates."""
    profile = load_profile(str(path), catalog)
    for day in DAYS:
        ev = check(catalog, profile, day, engine="reference", show=list(catalog.bricks))
        for plan in ev.plans.values():
            if plan.changes:
                expected = derive_facts(apply_plan(profile, plan.changes, day), day, catalog)
                assert facts_after(ev.facts, plan.changes) == expected, plan


def test_plans_are_those_of_the_planner_with_either_engine(catalog: Catalog) -> None:
    profile = load_profile(str(POULX), catalog)
    for day in DAYS:
        plans = [check(catalog, profile, day, engine=e, show=list(catalog.bricks)).plans
                 for e in ENGINES]
        assert plans[0] == plans[1]
        ev = check(catalog, profile, day, engine="reference", show=list(catalog.bricks),
                   plans=False)
        assert plans[1] == {b: remediation.plan(ev, b) for b in plans[1]}


@pytest.mark.parametrize(("requests", "show", "code"), [
    (["vsi"], None, EXIT_FAILED),                      # asked for, ineligible
    (["conseil-assistance"], None, EXIT_OK),           # asked for, eligible
    ([], None, EXIT_FAILED),                           # none asked: an ineligible one
    (["vsi"], ["conseil-assistance"], EXIT_OK),        # --brick chooses what counts
    (["vsi"], ["si-urbanisme"], EXIT_FAILED),          # chosen and unavailable
])
def test_the_exit_rule_of_check_lives_in_the_evaluation(
        catalog: Catalog, requests: list[str], show: list[str] | None, code: int) -> None:
    profile = load_profile(str(POULX), catalog).model_copy(update={"requests": requests})
    assert check(catalog, profile, DAYS[1], show=show).exit_code() == code


@pytest.mark.parametrize("engine", ENGINES)
def test_the_web_api_shows_the_bricks_asked_as_the_cli_does(
        tmp_path: object, engine: EngineName) -> None:
    """``POST /api/check?brick=`` chooses what is shown (``--brick``), never what is asked
    for (issue 8.2); ``serve --engine`` reaches the verdicts and their plans."""
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from eligibility.cli.main import main
    from eligibility.documents.yamlio import load_yaml
    from eligibility.web import create_app

    data = load_yaml(POULX.read_text(encoding="utf-8"))
    data["requests"] = ["vsi", "videoprotection"]  # videoprotection asked for: it counts
    path = Path(str(tmp_path)) / "poulx.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    cli = CliRunner().invoke(main, ["check", str(path), "--as-of", "2023-01-15", "--brick",
                                    "vsi", "--format", "json", "--engine", engine])
    client = create_app(engine=engine).test_client()
    response = client.post("/api/check?as_of=2023-01-15&brick=vsi", json=data)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer == json.loads(cli.stdout)
    vsi = answer["bricks"][0]
    assert vsi["status"] == "ineligible"
    # videoprotection is asked for: the plan makes it valid, it does not ask for it again
    assert [s["kind"] for s in vsi["plan"]["steps"]] == ["set", "set", "set"]
