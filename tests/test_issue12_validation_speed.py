"""Issue 12: the profile validators' fast paths answer as the plain checks do.

The validators written in Python (``eligibility.profile.model``) keep what they worked
out from a text (a date, the id an EPCI's name stands for) and answer the common case
first (a printable name, a known version or level). Each is compared here with the
plain check it shortcuts, cold and warm (the same value twice, after other values),
and the messages of the kinds of validation they touch are asserted word for word.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from typing import Any

import pytest
import yaml
from helpers import COMMUNES, RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import Catalog, load_catalog
from eligibility.documents.bounded import has_controls, shown
from eligibility.errors import did_you_mean
from eligibility.profile import model
from eligibility.profile.loading import ProfileError, parse_profile

# --- the plain checks, as they were written before the fast paths ----------------------

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def plain_iso_date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO.fullmatch(value):
        raise ValueError(f"expected a date YYYY-MM-DD (got {shown(value)})")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"expected a date YYYY-MM-DD, got the impossible date "
                         f"{shown(value)} ({error})") from None


def plain_known_text(catalog: Catalog, value: object) -> object:
    fact = catalog.facts["commune.epci"]
    by_slug = {model._slug(v.id): v.id for v in fact.choices}
    by_slug.update({model._slug(v.label(lang)): v.id for v in fact.choices
                    for lang in ("fr", "en")})
    if not isinstance(value, str):
        return value
    if has_controls(value):
        raise ValueError(f"control characters are not allowed (got {shown(value)})")
    slug = model._slug(value)
    if slug in by_slug:
        return by_slug[slug]
    if slug and (hint := did_you_mean(slug, list(fact.values))) is not None:
        raise ValueError(f"unknown {fact.label.en} {shown(value)} — {hint} "
                         f"(another name means another {fact.label.en})")
    return value


def outcome(check: Any, value: object) -> tuple[str, object]:
    """What a check answers: its value (with its type), or its error's words."""
    try:
        result = check(value)
    except ValueError as error:
        return "error", str(error)
    return "value", (type(result), result)


# --- every code point -------------------------------------------------------------------

def test_a_printable_text_has_no_control_character():
    """``_plain_text`` skips ``has_controls`` for a printable text: sound only if no
    character it refuses is printable, checked for every code point."""
    printable = "".join(c for c in map(chr, range(0x110000)) if c.isprintable())
    assert not has_controls(printable)
    refused = [chr(i) for i in range(0x110000) if has_controls(chr(i))]
    assert len(refused) > 60 and not any(c.isprintable() for c in refused)


# --- the fast paths against the plain checks ---------------------------------------------

DATE_TEXT = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.dates().map(dt.date.isoformat),
    st.text(alphabet="0123456789-T: ٢", max_size=16),
    st.text(max_size=12))
DATE_INPUT = st.one_of(DATE_TEXT, st.dates(), st.datetimes(), st.integers(), st.booleans(),
                       st.none(), st.floats(allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(st.lists(DATE_INPUT, max_size=12))
def test_iso_date_answers_as_the_plain_check(values):
    model._DATES.clear()
    for value in [*values, *values]:  # the second time from the memo
        assert outcome(model.iso_date, value) == outcome(plain_iso_date, value), value
    assert all(type(v) is dt.date for v in model._DATES.values())


def test_the_dates_kept_are_bounded_and_refusals_are_not_kept():
    model._DATES.clear()
    start = dt.date(2000, 1, 1)
    for day in range(model._MOST_DATES + 500):
        text = (start + dt.timedelta(days=day)).isoformat()
        assert model.iso_date(text) == start + dt.timedelta(days=day)
    assert 0 < len(model._DATES) <= model._MOST_DATES
    for _ in range(2):
        with pytest.raises(ValueError, match=r"impossible date '2023-02-29' \(day is out"):
            model.iso_date("2023-02-29")
    assert "2023-02-29" not in model._DATES


EPCI_TEXT = st.one_of(
    st.sampled_from(["nimes-metropole", "Nîmes Métropole", "NIMES METROPOLE", " nîmes  métropole ",
                     "nimes-metropol", "nimes metropole!", "Pays d'Uzès", "", "---", "Alès\x07",
                     "Nîmes\u202eMétropole", "Nîmes\u00a0Métropole", "x" * 300]),
    st.text(max_size=20),
    st.integers(), st.none())


@functools.cache
def shipped() -> Catalog:
    return load_catalog(RULES)


@settings(max_examples=200, deadline=None)
@given(st.lists(EPCI_TEXT, max_size=10))
def test_a_known_text_answers_as_the_plain_check(values):
    catalog = shipped()
    warm = model._known_text(catalog.facts["commune.epci"])  # one memo for them all
    for value in [*values, *values]:
        fresh = model._known_text(catalog.facts["commune.epci"])
        expected = outcome(lambda v: plain_known_text(catalog, v), value)
        assert outcome(warm, value) == expected == outcome(fresh, value), value
        if expected[0] == "value" and plain_known_text(catalog, value) is value:
            assert warm(value) is value  # kept as written: the text given, not an older one


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_a_plain_text_is_refused_as_the_plain_check_refuses(text):
    expected = ("error", f"control characters are not allowed (got {shown(text)})") \
        if has_controls(text) else ("value", (str, text))
    assert outcome(model._plain_text, text) == expected


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from(["avenant-6", "avenant-5", "convention-2014", "none",
                                  "Avenant-6", "avenant6", "avenant-7", ""]),
                 st.text(max_size=12)),
       st.sampled_from(["none", "ftth", "ftte", "ftto", "FTTH", "fttx", "fibre", ""]))
def test_a_known_version_or_level_is_taken_as_the_plain_check_takes_it(version, fibre):
    catalog = shipped()
    versions = [*catalog.version_ids, "none"]
    levels = list(catalog.levels["network.fibre"])
    expected = [f"p.yaml: convention.version: unknown convention version {shown(version)}"
                f" — {did_you_mean(version, versions) or 'expected one of: ' + ', '.join(versions)}"
                ] if version not in versions else []
    expected += [f"p.yaml: network.fibre: unknown fibre level {shown(fibre)}"
                 f" — {did_you_mean(fibre, levels) or 'expected one of: ' + ', '.join(levels)}"
                 ] if fibre not in levels else []
    data = {**BASE, "convention": {"version": version}, "network": {"fibre": fibre}}
    assert problems(catalog, data) == expected
    if not expected:
        profile = parse_profile(data, catalog, "p.yaml")
        assert (profile.convention.version, profile.network.fibre) == (version, fibre)


def test_the_fixtures_read_alike_with_the_memos_cold_and_warm(catalog):
    """Every commune of fixtures/communes, its dates as text (as the audit reads them) and
    as dates (as YAML reads them): one value, whatever the memos hold."""
    documents = []
    for path in sorted(COMMUNES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        documents.append(yaml.safe_load(text))
        documents.append(yaml.load(text, Loader=_TextDates))
    assert len(documents) > 20

    def dumps() -> list[Any]:
        return [parse_profile(copy.deepcopy(d), catalog, "f.yaml").model_dump()
                for d in documents]

    model._DATES.clear()
    cold = dumps()
    assert dumps() == cold  # warm
    model._DATES.clear()
    assert [parse_profile(copy.deepcopy(d), catalog, "f.yaml").model_dump()
            for d in reversed(documents)] == cold[::-1]


class _TextDates(yaml.SafeLoader):
    """Dates left as text."""


_TextDates.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


# --- the words of the errors the fast paths touch -------------------------------------

BASE: dict[str, Any] = {"commune": {"insee": "30036", "name": "Bernis"}}


def problems(catalog: Catalog, data: Any) -> list[str]:
    try:
        parse_profile(copy.deepcopy(data), catalog, "p.yaml")
    except ProfileError as error:
        return [str(p) for p in error.problems]
    return []


def commune(**fields: object) -> dict[str, Any]:
    return {**BASE, "commune": {**BASE["commune"], **fields}}


MESSAGES = [
    (commune(name="a\x1bb"),
     ["p.yaml: commune.name: control characters are not allowed (got 'a\\x1bb')"]),
    (commune(name="a\u202eb"),
     ["p.yaml: commune.name: control characters are not allowed (got 'a\\u202eb')"]),
    (commune(epci="nimes-metropol"),
     ["p.yaml: commune.epci: unknown inter-municipality 'nimes-metropol' — did you mean "
      "'nimes-metropole'? (another name means another inter-municipality)"]),
    (commune(epci="Uzès\x07"),
     ["p.yaml: commune.epci: control characters are not allowed (got 'Uzès\\x07')"]),
    ({**BASE, "convention": {"version": "avenant-6", "signed_on": "2022-02-30"}},
     ["p.yaml: convention.signed_on: expected a date YYYY-MM-DD, got the impossible date "
      "'2022-02-30' (day is out of range for month)"]),
    ({**BASE, "convention": {"version": "avenant-6", "signed_on": "2022-2-3"}},
     ["p.yaml: convention.signed_on: expected a date YYYY-MM-DD (got '2022-2-3')"]),
    ({**BASE, "convention": {"version": "avenant-6", "signed_on": 20220101}},
     ["p.yaml: convention.signed_on: expected a date YYYY-MM-DD (got 20220101)"]),
    ({**BASE, "convention": {"version": "avenant-6", "signed_on": dt.datetime(2022, 5, 1)}},
     ["p.yaml: convention.signed_on: expected a date YYYY-MM-DD "
      "(got datetime.datetime(2022, 5, 1, 0, 0))"]),
    ({**BASE, "convention": {"version": "avenant6"}},
     ["p.yaml: convention.version: unknown convention version 'avenant6' — did you mean "
      "'avenant-6'?"]),
    ({**BASE, "convention": {"version": "avenant-6", "signed_on": "2001-01-01"}},
     ["p.yaml: convention.signed_on: signed on 2001-01-01 but avenant-6 was adopted on "
      "2022-04-04"]),
    ({**BASE, "convention": {"version": "avenant-6", "signed_on": "2022-06-20",
                             "history": [{"version": "avenant-5", "signed_on": "2022-07-01"}]}},
     ["p.yaml: convention.history.0.signed_on: avenant-5 signed on 2022-07-01 comes after "
      "the current signature (avenant-6, from 2022-06-20): the history lists earlier "
      "signatures"]),
    ({**BASE, "network": {"fibre": "fttx"}},
     ["p.yaml: network.fibre: unknown fibre level 'fttx' — did you mean 'ftto'?"]),
    ({**BASE, "subscriptions": [{"brick": "vsi", "since": "2020-01-01T00:00"}]},
     ["p.yaml: subscriptions.0.since: expected a date YYYY-MM-DD (got '2020-01-01T00:00')"]),
]


@pytest.mark.parametrize(("data", "expected"), MESSAGES)
def test_the_words_of_an_error(catalog, data, expected):
    model._DATES.clear()
    assert problems(catalog, data) == expected
    assert problems(catalog, data) == expected  # warm: a refusal was not kept


def test_the_values_taken(catalog):
    data = {**commune(name="Saint\u00a0Gilles", epci="Nîmes Métropole"),
            "convention": {"version": "avenant-6", "signed_on": "2022-06-20",
                           "history": [{"version": "avenant-5", "signed_on": "2022-06-20"}]},
            "network": {"fibre": "ftth"},
            "subscriptions": [{"brick": "vsi", "since": "2022-06-20"}]}
    for _ in range(2):  # cold, then warm
        profile = parse_profile(copy.deepcopy(data), catalog, "p.yaml")
        assert profile.commune.name == "Saint\u00a0Gilles"  # unprintable, yet no control
        assert profile.commune.epci == "nimes-metropole"
        day = dt.date(2022, 6, 20)
        assert (profile.convention.signed_on, profile.convention.history[0].signed_on,
                profile.subscriptions[0].since) == (day, day, day)
        assert type(profile.convention.signed_on) is dt.date
        assert profile.network.fibre == "ftth"
    other = parse_profile(commune(epci="Pays d'Uzès"), catalog, "p.yaml")
    assert other.commune.epci == "Pays d'Uzès"
