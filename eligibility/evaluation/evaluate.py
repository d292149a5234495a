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
from eligibility.catalog.memo import PerCatalog, per_catalog
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
        key = deciding_facts(catalog, facts)
        known = memo.get(key)
        truths = known if known is not None else durable.decide(facts)
        if known is None:
            memo[key] = truths
    return assemble(catalog, profile, as_of, facts, truths, requested, show, only)


def deciding_facts(catalog: Catalog, facts: Mapping[str, Any]) -> tuple[Any, ...]:
    """The facts that decide the verdicts of ``facts``: the values of those the rules
    read (not the population or the finances; None for an unknown one), then their
    types, so that ``1`` is never taken for ``true`` nor ``2`` for ``2.0``. Two sets of
    facts with the same ones get the same node truths, so the same verdicts on a date
    for the same bricks held and asked for: the key of the memos of the audit's
    evaluations (``TruthsMemo``, ``audit.commune``)."""
    reads: tuple[str, ...] = per_catalog(_READS, catalog, _read_in_order)
    values = tuple(map(facts.get, reads))
    return (*values, *map(type, values))


_READS: PerCatalog[tuple[str, ...]] = {}


def _read_in_order(catalog: Catalog) -> tuple[str, ...]:
    from eligibility.engine.durable import engine_for  # the engine knows what it reads

    return tuple(sorted(engine_for(catalog).reads))
