"""Since when an error holds, and which change made it (the drift of a finding).

The facts of a profile are a snapshot, so what an audit finds can only change on the
dates where the commune's convention, the catalog's version in force or the set of held
bricks change: subscription dates, version adoption dates and signature dates. Each
error is traced back over those boundary dates (never day by day) to the date it
started holding, and the change on that date is its cause.

Whether an error holds on a date is asked of the commune's auditor (``errors_on``),
which evaluates only on a state it has not seen; this module only picks the dates and
the cause.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from eligibility.audit.findings import FAILS, Drift, Finding
from eligibility.catalog.model import Catalog
from eligibility.profile.facts import convention_facts, convention_in_force, counts_on, held_on
from eligibility.profile.model import Profile

Key = tuple[str, str, str, str]
Event = tuple[str, str]  # (signature | version | subscription, version or brick id)
_ORDER = {"signature": 0, "version": 1, "subscription": 2}


class DriftTracer:
    """Traces the errors of one commune back to the date they began."""

    def __init__(self, catalog: Catalog, profile: Profile,
                 errors_on: Callable[[dt.date], frozenset[Key]]) -> None:
        self.catalog = catalog
        self.profile = profile
        self.errors_on = errors_on
        self.events = self._events()
        self._dated = sorted(self.events.items())  # the boundary dates, in order
        self._found: dict[tuple[Any, ...], bool] = {}
        self._held: dict[dt.date, frozenset[str]] = {}

    def _events(self) -> dict[dt.date, list[Event]]:
        """What happens on each boundary date: adoptions, signatures, subscriptions."""
        found: dict[dt.date, list[Event]] = defaultdict(list)
        for version in self.catalog.versions.values():
            found[version.adopted].append(("version", version.id))
        convention = self.profile.convention
        if convention is not None:
            for signature in (*convention.history, convention):
                if signature.signed_on is not None:
                    found[signature.signed_on].append(("signature", signature.version))
        for subscription in self.profile.subscriptions:
            if subscription.since is not None:
                found[subscription.since].append(("subscription", subscription.brick))
        return found

    def _held_at(self, day: dt.date) -> frozenset[str]:
        held = self._held.get(day)
        if held is None:
            held = self._held[day] = held_on(self.profile, day)
        return held

    def _bearing(self, finding: Finding) -> tuple[str, ...] | None:
        """The bricks whose subscriptions can change a finding about one brick: the brick
        and those it requires, directly or not (a requirement rests on a valid brick,
        whose validity rests on its own requirements). None for a finding about the
        whole commune: all."""
        if finding.brick is None:
            return None
        return (finding.brick, *self.catalog.requirement_closure(finding.brick))

    def _holds(self, finding: Finding, day: dt.date, bearing: tuple[str, ...] | None) -> bool:
        """Whether ``finding`` is found on ``day``, evaluating only on a new state.

        The state is what the finding can depend on. A failed condition or requirement
        of a brick depends on the facts (which differ between dates only by the
        convention facts) and on whether the bricks it bears on are held; whether a
        brick is withdrawn or not allowed also depends on the version in force.
        """
        held = self._held_at(day)
        if finding.kind == FAILS:
            # kept per convention and date where they are worked out (profile.facts)
            convention: tuple[Any, ...] = convention_facts(self.profile, day, self.catalog)
        else:
            convention = (convention_in_force(self.profile, day, self.catalog),
                          self.catalog.version_at(day))
        held_part = (tuple(b for b in self.catalog.bricks if b in held) if bearing is None
                     else tuple(b in held for b in bearing))
        state = (finding.key, *convention, held_part)
        known = self._found.get(state)
        if known is None:
            known = self._found[state] = finding.key in self.errors_on(day)
        return known

    def drift(self, finding: Finding, day: dt.date) -> Drift | None:
        """Since when ``finding`` (found on ``day``) holds, and why; None when it does not
        hold on ``day`` after all."""
        bearing = self._bearing(finding)
        concerned = set(bearing) if bearing is not None else set(finding.bricks)
        subscriptions = [s for s in self.profile.subscriptions
                         if (s.brick == finding.brick if finding.brick else
                             s.brick in concerned or not concerned)
                         and counts_on(s, day)]
        known = [s.since for s in subscriptions if s.since is not None]
        start = min(known) if known and len(known) == len(subscriptions) else None

        bears = None if bearing is None else frozenset(bearing)

        def relevant(happened: list[Event]) -> list[Event]:
            return [e for e in happened
                    if e[0] != "subscription" or bears is None or e[1] in bears]

        dates = [d for d, happened in self._dated
                 if d <= day and (start is None or d >= start) and relevant(happened)]
        if start is not None and start not in dates:
            dates.insert(0, start)
        if not dates:  # nothing happened before: as far as is known, it always held
            dates = [day]
        earliest = None
        broke = False
        for boundary in reversed(dates):
            if self._holds(finding, boundary, bearing):
                earliest = boundary
            else:
                broke = True
                break
        if earliest is None:
            return None
        if not broke:
            if start is not None:
                return Drift(start, "never-held")
            return Drift(earliest, "unknown-start")
        happened = relevant(self.events.get(earliest, []))
        kind, value = min(happened, key=lambda e: _ORDER[e[0]]) if happened else ("version", "")
        if kind == "signature":
            return Drift(earliest, "signature", value)
        if kind == "version":
            return Drift(earliest, "version", value)
        return Drift(earliest, "subscription", None, value)
