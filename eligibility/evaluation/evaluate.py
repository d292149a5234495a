"""One evaluation of a commune's facts by the engine chosen.

``check`` and the re-checks of its plans both come here, so that a plan is verified
by the same evaluator as the verdict it remedies (``--engine durable|reference``).
Given ``memo``, the durable engine's node truths are kept per distinct facts it reads
(its answer depends on nothing else): a caller evaluating many communes on several dates
or requests (the audit) decides each distinct state once. The reference evaluator is
never memoised: it stays deliberately simple.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, MutableMapping
from typing import Any

from eligibility.catalog.conditions import Truth
from eligibility.catalog.model import Catalog
from eligibility.evaluation.reference import evaluate_reference
from eligibility.evaluation.verdicts import EngineName, Evaluation, assemble
from eligibility.profile.model import Profile

TruthsMemo = MutableMapping[Hashable, Mapping[str, Truth]]


def evaluate_facts(catalog: Catalog, profile: Profile, as_of: dt.date, facts: Mapping[str, Any],
                   requested: list[str] | None, engine: EngineName,
                   show: list[str] | None = None, only: tuple[str, ...] | None = None,
                   memo: TruthsMemo | None = None) -> Evaluation:
    """The verdicts of ``facts`` (those of ``profile`` on ``as_of``, or a plan's change of
    them) decided by ``engine``; ``only`` limits them to these bricks and those they
    require (a plan's re-check needs no other)."""
    if engine == "reference":
        return evaluate_reference(catalog, profile, as_of, facts, requested, show, only)
    from eligibility.engine.durable import (
        engine_for,  # imported here: only this path needs the C engine
    )

    durable = engine_for(catalog)
    truths: Mapping[str, Truth]
    if memo is None:
        truths = durable.decide(facts)
    else:
        # The engine's answer depends on the facts its rules read alone (not on the
        # population or the finances): communes alike share one answer.
        reads = durable.reads
        key = frozenset(item for item in facts.items() if item[0] in reads)
        known = memo.get(key)
        truths = known if known is not None else durable.decide(facts)
        if known is None:
            memo[key] = truths
    return assemble(catalog, profile, as_of, facts, truths, requested, show, only)
