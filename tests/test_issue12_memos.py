"""The memos of the hot paths (issue 12) give what the plain code gives.

The verdicts of the durable path are shared between evaluations with the same node
truths, and ``check --format json`` keeps the text of reasons that come back: both
are checked here against the code without them, on every fixture commune, after the
memos have been filled by the others (the order in which a memo fills must not
matter).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from eligibility.evaluation.check import check
from eligibility.evaluation.reference import evaluate_reference
from eligibility.profile.facts import derive_facts
from eligibility.profile.loading import load_profile
from eligibility.reports.check import check_json, check_json_data
from eligibility.wording.layout import WIDTH, wrap

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "communes")
                  .glob("*.yaml"))
DAYS = (dt.date(2019, 6, 1), dt.date(2023, 1, 15), dt.date(2026, 12, 1))


def _cases(catalog):
    profiles = [load_profile(path, catalog) for path in FIXTURES]
    cases = [(p, day, show) for p in profiles for day in DAYS
             for show in (None, ["vsi"], ["ads"])]
    random.Random(12).shuffle(cases)
    return cases


def test_shared_verdicts_equal_the_reference_in_any_order(catalog):
    for profile, day, show in _cases(catalog) * 2:  # the second pass reads the memo
        durable = check(catalog, profile, day, show=show, plans=False)
        facts = derive_facts(profile, day, catalog)
        reference = evaluate_reference(catalog, profile, day, facts, show=show)
        assert durable.verdicts == reference.verdicts, (profile.commune.name, day)


def test_json_with_kept_reason_texts_equals_json_dumps_of_the_data(catalog):
    for profile, day, show in _cases(catalog):
        evaluation = check(catalog, profile, day, show=show)
        for lang in ("fr", "en"):
            plain = json.dumps(check_json_data(evaluation, lang), ensure_ascii=False,
                               indent=2)
            assert check_json(evaluation, lang) == plain, (profile.commune.name, day, lang)


def test_a_memoised_wrap_gives_a_new_list_each_time():
    text = "une phrase assez longue pour tenir sur plusieurs lignes " * 4
    first = wrap(text, "  ", "    ")
    first.append("changed by the caller")
    again = wrap(text, "  ", "    ")
    assert "changed by the caller" not in again
    assert all(len(line) <= WIDTH for line in again) and len(again) > 1


def test_the_memos_stay_bounded_and_right_when_they_start_again(catalog, monkeypatch):
    from eligibility.evaluation import verdicts

    assembly = verdicts._assembly(catalog)
    monkeypatch.setattr(assembly, "_MAX_KEPT", 50)
    verdicts.forget_shared_verdicts(catalog)
    most, restarts, before = 0, 0, 0
    for profile, day, show in _cases(catalog)[:60]:
        durable = check(catalog, profile, day, show=show, plans=False)
        most = max(most, assembly.kept)
        restarts += assembly.kept < before
        before = assembly.kept
        facts = derive_facts(profile, day, catalog)
        assert durable.verdicts == evaluate_reference(catalog, profile, day, facts).verdicts
    # one evaluation adds at most its reasons, its verdicts and itself
    assert most <= 50 + 10 * 20
    assert restarts >= 2  # the memos did start again, and the verdicts stayed right
