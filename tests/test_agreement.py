"""The durable-rules engine and the reference evaluator agree (issue 2, point 4).

Random profiles (any field left out), dates from before the first convention version
to after the last, and requests (ids and aliases, or none: every brick), all drawn
from the shipped catalog by ``eligibility.verify.strategies``. The comparison is written
here again rather than borrowed from ``verify``, so that a slip there shows too.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings

from eligibility import load_catalog
from eligibility.evaluation.check import check
from eligibility.evaluation.verdicts import Evaluation
from eligibility.reports.check import check_json_data
from eligibility.verify.strategies import Case, cases, date_range, profiles

CATALOG = load_catalog(ROOT / "rules")
RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large]


def both(case: Case) -> tuple[Evaluation, Evaluation]:
    return tuple(check(CATALOG, case.profile, case.as_of, case.requested_list, engine=engine)
                 for engine in ("durable", "reference"))  # type: ignore[return-value]


def described(ev: Evaluation, brick: str) -> tuple:
    """Everything a verdict says: status, each reason (rule, kind, held, missing facts,
    source, citation, required brick) in order, the missing facts, the requirements."""
    verdict = ev.verdicts[brick]
    reasons = tuple((r.rule, r.kind, r.held, r.missing, r.source, r.citation, r.brick)
                    for r in verdict.reasons)
    return verdict.status, reasons, verdict.missing, verdict.requires


@pytest.mark.slow
@settings(max_examples=1200, deadline=None, suppress_health_check=RELAXED)
@given(case=cases(CATALOG))
def test_engines_agree_on_every_verdict_and_reason(case: Case) -> None:
    durable, reference = both(case)
    assert durable.facts == reference.facts
    assert (durable.requested, durable.everything_requested) == (
        reference.requested, reference.everything_requested)
    for brick in CATALOG.bricks:  # every brick: requested ones depend on the others
        assert described(durable, brick) == described(reference, brick), brick


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=RELAXED)
@given(case=cases(CATALOG))
def test_engines_agree_on_the_json_users_read(case: Case) -> None:
    # The JSON of `check` adds the fact values each reason read, and the help.
    durable, reference = both(case)
    assert json.dumps(check_json_data(durable, "en"), sort_keys=True) == json.dumps(
        check_json_data(reference, "en"), sort_keys=True)


@pytest.mark.slow
def test_the_strategies_reach_every_status_and_both_ends_of_time() -> None:
    # A guard on the test above: the examples must cover what the engines decide.
    statuses: set[str] = set()
    seen_dates: list[dt.date] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=RELAXED, database=None)
    @given(case=cases(CATALOG))
    def collect(case: Case) -> None:
        seen_dates.append(case.as_of)
        statuses.update(v.status for v in both(case)[0].verdicts.values())

    collect()
    assert statuses == {"eligible", "ineligible", "undetermined", "unavailable"}
    first = min(v.adopted for v in CATALOG.versions.values())
    last = max(v.adopted for v in CATALOG.versions.values())
    assert min(seen_dates) < first and max(seen_dates) > last
    start, end = date_range(CATALOG)
    assert start <= min(seen_dates) and max(seen_dates) <= end


@settings(max_examples=100, deadline=None, suppress_health_check=RELAXED)
@given(profile=profiles(CATALOG))
def test_drawn_profiles_are_valid_profiles_of_the_catalog(profile) -> None:  # type: ignore[no-untyped-def]
    # Signatures never before their version's adoption; brick ids canonical.
    if profile.convention is not None:
        for signature in [*profile.convention.history, profile.convention]:
            if signature.signed_on is not None and signature.version in CATALOG.versions:
                assert signature.signed_on >= CATALOG.versions[signature.version].adopted
    assert set(profile.requests) <= set(CATALOG.bricks)
    assert {s.brick for s in profile.subscriptions} <= set(CATALOG.bricks)
