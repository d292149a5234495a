"""Sections of profiles validated before, shared by the profiles that write them alike.

A national audit validates 35,000 profiles whose sections are mostly alike: communes of
one agglomeration have the same convention history, the same tools, the same fibre, and
subscribe to the same bricks on the same days (issue 12: reading and validating a
profile were nearly half of a commune's time in the audit). A validated section is a
frozen model that depends on its written value and the catalog alone, so ``prepare``
puts in place of a section written as one seen before the section validated then, and
pydantic takes it as it is (a model instance is not validated again); ``keep``
remembers the sections a validation made.

Design decisions:

* Only sections that stand alone are shared: every section but ``commune`` (its code
  and name are the commune's own). Of a parsed document (JSON, a CSV row), each
  subscription is shared one by one and ``requests`` (short texts) not at all; of a
  YAML text, the ``subscriptions`` and ``requests`` sections are shared whole, by text.
* A written value is known by its *frozen form* (``frozen``): every scalar with its
  type, so that ``1`` is never taken for ``true`` nor ``0.0`` for ``-0.0``; a value of
  any other type is never shared.
* Only valid sections are kept: a profile that fails is validated again without any
  shared section by the caller, so that its messages are those of a first reading.
* The memo is per catalog (its versions and bricks decide what is valid) and bounded.
* A YAML profile in the block layout (nearly all of them) is known by the *text* of its
  sections (``read_block_profile``): a section written as one read before is neither
  parsed nor keyed again, only looked up by its text; the others are parsed alone
  (``yamlio.block_sections``: in that layout the document is the union of its
  top-level entries) and validated with the rest. Anything unusual, any refusal, and
  the caller reads the document the usual way: what is accepted and every message
  stay those of ``load_yaml`` and ``parse_profile``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import ValidationError

from eligibility.catalog.memo import PerCatalog, per_catalog
from eligibility.catalog.model import Catalog
from eligibility.documents.bounded import LIMITS
from eligibility.documents.yamlio import Unusual, block_sections, read_section
from eligibility.profile.model import OWN_SECTION, Profile

P = TypeVar("P", bound=Profile)
_SCALARS = frozenset({str, int, bool, dt.date, type(None)})
_TEXT = frozenset({str})
_KEPT = 20_000  # sections kept per catalog, then it starts again
_SUBSCRIPTIONS = "subscriptions"
_UNSHARED = frozenset({OWN_SECTION, "requests", _SUBSCRIPTIONS})


class Unshareable(Exception):
    """A value with a part that is not plain data read from a document."""


def frozen(value: Any) -> Any:
    """A hashable form of a document's value, equal only for values written alike."""
    kind = type(value)
    if kind is dict:
        kinds = (*map(type, value), *map(type, value.values()))
        if _SCALARS.issuperset(kinds):  # the common case, without a call per entry
            return dict, tuple(value.items()), kinds
        if not _TEXT.issuperset(map(type, value)):
            raise Unshareable  # a key that is not a text: refused by validation anyway
        return dict, tuple([(k, type(v), v) if type(v) in _SCALARS else (k, frozen(v))
                            for k, v in value.items()])
    if kind in _SCALARS:
        return kind, value
    if kind is list:
        return list, tuple([frozen(v) for v in value])
    if kind is float:
        return float, value.hex()  # -0.0 is not 0.0; a nan is refused, never kept
    raise Unshareable


_Memo = dict[Any, Any]
_MEMOS: PerCatalog[_Memo] = {}


_MODEL = object()  # the key of the profile model the memo's sections were made for


def _memo(catalog: Catalog, model: type[Any]) -> _Memo:
    memo = per_catalog(_MEMOS, catalog, lambda _: {})
    if len(memo) >= _KEPT or memo.get(_MODEL) is not model:
        memo.clear()  # full, or made for another model (its section classes are others)
        memo[_MODEL] = model
    return memo


Pending = list[tuple[str, int, Any]]
"""The sections (name, place in a list or -1) of a document not seen before, by key."""


def prepare(data: dict[Any, Any], catalog: Catalog,
            model: type[Any]) -> tuple[dict[Any, Any], Pending]:
    """``data`` with the sections seen before replaced by their validated models (a new
    mapping: the document is not changed), and the sections to ``keep`` afterwards;
    ``model``: the profile model that validates it."""
    memo = _memo(catalog, model)
    shared: dict[Any, Any] | None = None
    pending: Pending = []
    for name, value in data.items():
        if name == _SUBSCRIPTIONS and type(value) is list:
            items: list[Any] | None = None
            for place, item in enumerate(value):
                found = _seen(memo, pending, name, place, item)
                if found is not None:
                    items = items if items is not None else list(value)
                    items[place] = found
            found = items
        else:
            found = None if name in _UNSHARED else _seen(memo, pending, name, -1, value)
        if found is not None:
            shared = shared if shared is not None else dict(data)
            shared[name] = found
    return (data if shared is None else shared), pending


def _seen(memo: _Memo, pending: Pending, name: str, place: int, value: Any) -> Any | None:
    """The section (or subscription at ``place``) validated before from a ``value``
    written alike, else None, and then noted in ``pending`` to keep if it is valid."""
    if type(value) is not dict:
        return None
    try:
        key = (name, frozen(value))
    except Unshareable:
        return None
    found = memo.get(key)
    if found is None:
        pending.append((name, place, key))
    return found


def keep(profile: Any, pending: Pending, catalog: Catalog) -> None:
    """Remember the sections of a valid ``profile`` that ``prepare`` had not seen."""
    if not pending:
        return
    memo = _memo(catalog, type(profile))
    for name, place, key in pending:
        section = getattr(profile, name)
        memo[key] = section if place < 0 else section[place]


def read_block_profile(text: str, catalog: Catalog, model: type[P]) -> P | None:
    """The profile of a YAML ``text`` in the block layout, validated by ``model`` with the
    sections seen before shared; None when the text is not in that layout or the profile
    is refused (the caller then reads it the usual way, for the messages)."""
    try:
        parts = block_sections(text)
    except Unusual:
        return None
    memo = _memo(catalog, model)
    data: dict[Any, Any] = {}
    pending: list[tuple[str, Any, int]] = []
    nodes = 1  # the document's mapping
    for part in parts:
        found = memo.get(part)
        if found is not None:
            key, value, counted = found
            value = list(value) if type(value) is tuple else value
        else:
            try:
                key, value, counted = read_section(part)
            except Unusual:
                return None
            if type(key) is str and key != OWN_SECTION:
                pending.append((key, part, counted))
        if key in data:
            return None  # a key given twice: the usual reader names it and its line
        data[key] = value
        nodes += counted
    if nodes > LIMITS.max_nodes // 2:
        return None
    try:
        profile = model.model_validate(data, context={"catalog": catalog})
    except ValidationError:
        return None
    for key, part, counted in pending:
        value = getattr(profile, key, None)
        if value is None:
            continue  # a section left empty (``tools:``): nothing validated to share
        memo[part] = (key, tuple(value) if type(value) is list else value, counted)
    return profile
