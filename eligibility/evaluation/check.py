"""The pure function at the heart of the package: (catalog, profile, date) -> verdicts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from eligibility.catalog.model import Catalog
from eligibility.evaluation.reference import evaluate_reference
from eligibility.evaluation.verdicts import Evaluation, assemble
from eligibility.profile.facts import derive_facts
from eligibility.profile.model import Profile

EngineName = Literal["durable", "reference"]
ENGINES: tuple[str, ...] = ("durable", "reference")


def check(catalog: Catalog, profile: Profile, as_of: dt.date,
          requested: list[str] | None = None, engine: EngineName = "durable",
          show: list[str] | None = None) -> Evaluation:
    """Decide every brick for ``profile`` on ``as_of``.

    ``requested`` (brick ids) overrides what the commune asks for, the profile's
    ``requests``; when both are empty every brick counts as requested. ``show``
    (``--brick``) only chooses which verdicts ``Evaluation.shown()`` returns: it never
    changes what is asked for, so never a verdict. ``engine`` picks the durable-rules
    engine (default) or the reference evaluator; both give the same verdicts.
    """
    facts = derive_facts(profile, as_of, catalog)
    if engine == "reference":
        return evaluate_reference(catalog, profile, as_of, facts, requested, show)
    from eligibility.engine.durable import (
        engine_for,  # imported here: only this path needs the C engine
    )

    truths = engine_for(catalog).decide(facts)
    return assemble(catalog, profile, as_of, facts, truths, requested, show)
