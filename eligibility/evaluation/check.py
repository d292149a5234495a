"""The pure function at the heart of the package: (catalog, profile, date) -> verdicts.

``check`` is the one entry point of an evaluation (issue 10): the CLI, the web, the
audit and ``rules verify`` call it. It returns an ``Evaluation``: plain data computed
once, that renderers only format.

* ``evaluation.verdicts``: every brick's ``Verdict``; its ``reasons`` are the chain of
  because as data (rule, held True/False/None, source, citation, missing facts, the
  required brick of a requirement).
* ``evaluation.plans``: the checked ``Plan`` of each brick shown that is ineligible or
  unavailable, re-checked by the same ``engine`` (``plans=False``: none, for a caller
  that shows no help, such as the audit).
* ``evaluation.shown()``: the verdicts to show; ``evaluation.exit_code()``: CONTRACT §3.

API for repeated evaluation (the audit): pass the same ``memo`` dict to every call; the
durable engine then decides each distinct set of the facts it reads once (see
``evaluate``), for one commune on several dates or for many communes alike. Example::

    memo: TruthsMemo = {}
    ev = check(catalog, profile, day, requested=held, plans=False, memo=memo)

One evaluation costs one engine call for the profile plus one per plan that changes
something (its re-check, on the changed facts).
"""

from __future__ import annotations

import datetime as dt

from eligibility.catalog.model import Catalog
from eligibility.evaluation.evaluate import TruthsMemo, evaluate_facts
from eligibility.evaluation.remediation import plans_for
from eligibility.evaluation.verdicts import ENGINES, EngineName, Evaluation
from eligibility.profile.facts import derive_facts
from eligibility.profile.model import Profile

__all__ = ["ENGINES", "EngineName", "Evaluation", "TruthsMemo", "check"]


def check(catalog: Catalog, profile: Profile, as_of: dt.date,
          requested: list[str] | None = None, engine: EngineName = "durable",
          show: list[str] | None = None, *, plans: bool = True,
          memo: TruthsMemo | None = None) -> Evaluation:
    """Decide every brick for ``profile`` on ``as_of``, and plan the help.

    ``requested`` (brick ids) overrides what the commune asks for, the profile's
    ``requests``; when both are empty every brick counts as requested. ``show``
    (``--brick``) only chooses which verdicts ``Evaluation.shown()`` returns: it never
    changes what is asked for, so never a verdict. ``engine`` picks the durable-rules
    engine (default) or the reference evaluator; both give the same verdicts, and the
    plans are re-checked with the one chosen. ``plans=False`` skips the plans.
    """
    facts = derive_facts(profile, as_of, catalog)
    evaluation = evaluate_facts(catalog, profile, as_of, facts, requested, engine, show,
                                memo=memo)
    if plans:
        evaluation.plans.update(plans_for(evaluation))
    return evaluation
