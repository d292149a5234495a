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

Profiles read together share the sections written alike (``profile.sections``: one
frozen object for all): the facts a section gives, and the version a convention puts
in force on a date, are worked out once per section object (``_SectionFacts``), kept
with the object itself so that its identity is never another's (issue 12: deriving the
facts was a quarter of a commune's audit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eligibility.catalog.memo import PerCatalog, per_catalog
from eligibility.profile.model import OWN_SECTION, Profile, Subscription

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
    return _in_force_of(profile.convention, as_of, catalog,
                        per_catalog(_FACTS, catalog, _SectionFacts))


def _in_force_of(convention: Any, as_of: dt.date, catalog: Catalog,
                 memo: _SectionFacts) -> str | None:
    """``convention_in_force`` of a convention, kept per convention object and date."""
    if convention is None:
        return None
    key = (id(convention), as_of)
    found = memo.in_force.get(key)
    if found is not None and found[0] is convention:
        return found[1]
    version = _in_force(convention, as_of, catalog)
    memo.keep(memo.in_force, key, (convention, version))
    return version


def _in_force(convention: Any, as_of: dt.date, catalog: Catalog) -> str:
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
    memo = per_catalog(_FACTS, catalog, _SectionFacts)
    for section_name, fields in memo.sections:
        section = getattr(profile, section_name, None)
        if section is None:
            continue
        found = memo.given.get(id(section))
        if found is None or found[0] is not section:
            given = tuple((path, frozenset(value) if isinstance(value, list) else value)
                          for path, name in fields
                          if (value := getattr(section, name, None)) is not None)
            found = (section, given)
            if section_name != OWN_SECTION:  # a commune's own: never another's
                memo.keep(memo.given, id(section), found)
        facts.update(found[1])
    if memo.order is not None:
        facts = {path: facts[path] for path in memo.order if path in facts}
    in_force, applicable = _convention_facts(profile, as_of, catalog, memo)
    if in_force is not None:
        facts["convention.in_force"] = in_force
        facts["convention.applicable"] = applicable
    return facts


def convention_facts(profile: Profile, as_of: dt.date,
                     catalog: Catalog) -> tuple[str | None, str | None]:
    """The two derived facts of ``derive_facts`` (``convention.in_force``,
    ``convention.applicable``), None when unknown: all the facts of a profile that
    change with the date (the audit's drift asks them alone, date after date)."""
    return _convention_facts(profile, as_of, catalog, per_catalog(_FACTS, catalog,
                                                                  _SectionFacts))


def _convention_facts(profile: Profile, as_of: dt.date, catalog: Catalog,
                      memo: _SectionFacts) -> tuple[str | None, str | None]:
    in_force = _in_force_of(profile.convention, as_of, catalog, memo)
    if in_force is None:
        return None, None
    return in_force, in_force if in_force != "none" else catalog.version_at(as_of) or "none"


class _SectionFacts:
    """Per catalog: the facts each profile section gives (path, field name), and per
    section object the facts it gives and per convention and date its version in force,
    each kept with its object (bounded)."""

    KEPT = 50_000  # objects per memo, then it starts again

    def __init__(self, catalog: Catalog) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for path, section, name in catalog.facts.readers:
            sections.setdefault(section, []).append((path, name))
        self.sections = tuple((section, tuple(fields)) for section, fields in sections.items())
        # The facts in the vocabulary's order (that of facts.yaml), which is section by
        # section unless the file mixes them: then they are put back in its order.
        paths = [path for path, _, _ in catalog.facts.readers]
        self.order: tuple[str, ...] | None = None
        if paths != [path for _, fields in self.sections for path, _ in fields]:
            self.order = tuple(paths)
        self.given: dict[int, tuple[Any, tuple[tuple[str, Any], ...]]] = {}
        self.in_force: dict[tuple[int, dt.date], tuple[Any, str]] = {}

    def keep(self, memo: dict[Any, Any], key: Any, entry: Any) -> None:
        if len(memo) >= self.KEPT:
            memo.clear()
        memo[key] = entry


_FACTS: PerCatalog[_SectionFacts] = {}
