"""From a profile and a date to the facts the rules read.

Facts are a flat mapping from a dotted path to a value; a path that is absent is
*unknown*. Which facts exist is the catalog's vocabulary (``facts.yaml``, read by
``eligibility.catalog.vocabulary``): this module only derives them. Two facts are
derived rather than read: ``convention.in_force`` (the version the commune is under
at the date, ``none`` if it had signed nothing by then) and ``convention.applicable``
(the version that decides which bricks exist for it: its own, or the one in force at
the date when it has none).

The bricks a commune holds are not facts (no rule reads them), but they are read on
a date too: ``held_on`` is the single definition every module uses, so that a
subscription starting after the date never counts, wherever the question is asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eligibility.profile.model import Profile, Subscription

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog

Facts = Mapping[str, Any]
"""What the rules read: a dotted path to a value (an absent path is unknown). The
paths and their kinds are the catalog's vocabulary (``catalog.facts``, ``facts.yaml``)."""


def held_on(profile: Profile, as_of: dt.date) -> frozenset[str]:
    """The bricks the commune holds on ``as_of``: the one notion of "held on a date".

    A subscription counts from its ``since`` (on that day included); an undated one is
    held on every date. check, explain, audit, costs and verify all ask this function.
    """
    return frozenset(s.brick for s in profile.subscriptions if counts_on(s, as_of))


def counts_on(subscription: Subscription, as_of: dt.date) -> bool:
    """Whether one subscription is running on ``as_of`` (from its ``since``; undated:
    always). ``held_on`` is made of this test alone."""
    return subscription.since is None or subscription.since <= as_of


def convention_in_force(profile: Profile, as_of: dt.date, catalog: Catalog) -> str | None:
    """The version the commune is under on ``as_of``; ``none`` if nothing was signed by then.

    A signature applies from its ``signed_on``, or from its version's adoption when
    undated; the latest signature applying on the date wins. ``None`` when unknown.
    """
    convention = profile.convention
    if convention is None:
        return None
    if convention.version == "none" and convention.signed_on is None:
        return "none"
    best: tuple[dt.date, int, str] | None = None
    for rank, signature in enumerate([*convention.history, convention]):
        if signature.version == "none":
            start = signature.signed_on or dt.date.min
        else:
            start = signature.signed_on or catalog.versions[signature.version].adopted
        if start <= as_of and (best is None or (start, rank) >= best[:2]):
            best = (start, rank, signature.version)
    return "none" if best is None else best[2]


def derive_facts(profile: Profile, as_of: dt.date, catalog: Catalog) -> dict[str, Any]:
    """The facts of ``profile`` on ``as_of``; unknown facts are left out."""
    facts: dict[str, Any] = {}
    for path, section, name in catalog.facts.readers:
        value = getattr(getattr(profile, section, None), name, None)
        if value is not None:
            facts[path] = frozenset(value) if isinstance(value, list) else value
    in_force = convention_in_force(profile, as_of, catalog)
    if in_force is not None:
        facts["convention.in_force"] = in_force
        facts["convention.applicable"] = (
            in_force if in_force != "none" else catalog.version_at(as_of) or "none")
    return facts
