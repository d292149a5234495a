"""Issue 12: sections validated before are shared between profiles, and change nothing.

``eligibility.profile.sections`` puts in place of a section written as one validated
before the model validated then. Whatever the memo holds, a profile must read as it
reads the first time: the same values with the same types (``1`` is not ``true``,
``-0.0`` is not ``0.0``), the same refusals with the same words, per catalog.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import COMMUNES, RULES, damaged, replace_in
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import Catalog, load_catalog
from eligibility.profile import sections
from eligibility.profile.loading import ProfileError, parse_profile


@functools.cache
def shipped() -> Catalog:
    return load_catalog(RULES)


def outcome(catalog: Catalog, data: Any) -> tuple[str, Any]:
    """What reading ``data`` gives: its dump (values with their types, by ``repr``) or the
    lines of its refusal."""
    try:
        profile = parse_profile(copy.deepcopy(data), catalog, "p.yaml")
    except ProfileError as error:
        return "refused", [str(p) for p in error.problems]
    return "read", repr(profile.model_dump())


def cold(catalog: Catalog, data: Any) -> tuple[str, Any]:
    sections._MEMOS.clear()
    try:
        return outcome(catalog, data)
    finally:
        sections._MEMOS.clear()


BASE = {"commune": {"insee": "30206", "name": "Poulx"}}

SCALAR = st.sampled_from([True, False, 1, 0, 4, 4.0, -1, "3", "yes", None, 0.0, -0.0,
                          math.inf, math.nan, 3099000, 2.5, "ftth", "none", "FTTH"])
DAY = st.sampled_from([dt.date(2022, 6, 13), "2022-06-13", dt.date(2014, 1, 1), "2014-13-01",
                       dt.datetime(2022, 6, 13), 1700000000, None, "2021-01-20"])
VERSION = st.sampled_from(["avenant-6", "avenant-5", "convention-2014", "none", "avenant-7", 6])
SIGNATURE = st.fixed_dictionaries({"version": VERSION}, optional={"signed_on": DAY})
CONVENTION = st.one_of(
    st.fixed_dictionaries({"version": VERSION},
                          optional={"signed_on": DAY, "history": st.lists(SIGNATURE, max_size=2)}),
    st.sampled_from([None, [], "avenant-6"]))
BRICK = st.sampled_from(["vsi", "videoprotection", "3bis", "ads", "si-urbanisme", 5, "foo",
                         True, "VSI"])
SUBSCRIPTION = st.one_of(st.fixed_dictionaries({"brick": BRICK}, optional={"since": DAY}),
                         st.sampled_from(["vsi", None]))
PROFILE = st.fixed_dictionaries(
    {"commune": st.just({"insee": "30206", "name": "Poulx"})},
    optional={
        "convention": CONVENTION,
        "network": st.one_of(st.fixed_dictionaries({}, optional={"gecko": SCALAR,
                                                                 "fibre": SCALAR}),
                             st.sampled_from([None, [], {"gekco": True}])),
        "equipment": st.fixed_dictionaries({}, optional={"cameras": SCALAR, "schools": SCALAR}),
        "finances": st.fixed_dictionaries({}, optional={"year": SCALAR,
                                                        "fonctionnement": SCALAR}),
        "tools": st.fixed_dictionaries({}, optional={"collaboration": st.sampled_from(
            ["office365", "alfresco", "gmail", 1])}),
        "subscriptions": st.lists(SUBSCRIPTION, max_size=3),
    })


@settings(max_examples=300, deadline=None)
@given(st.lists(PROFILE, min_size=1, max_size=8))
def test_a_profile_reads_as_it_reads_the_first_time(documents):
    catalog = shipped()
    expected = [cold(catalog, d) for d in documents]
    sections._MEMOS.clear()
    for _ in range(2):  # the memo filling, then full of these very sections
        assert [outcome(catalog, d) for d in documents] == expected


def test_a_section_written_alike_is_one_object_and_unlike_ones_are_not():
    catalog = shipped()
    sections._MEMOS.clear()
    first = parse_profile({**BASE, "network": {"gecko": True, "fibre": "ftth"},
                           "subscriptions": [{"brick": "3bis"}]}, catalog)
    again = parse_profile({**BASE, "commune": {"insee": "30001", "name": "Autre"},
                           "network": {"gecko": True, "fibre": "ftth"},
                           "subscriptions": [{"brick": "vsi", "since": "2020-01-01"},
                                             {"brick": "3bis"}]}, catalog)
    assert again.network is first.network
    assert again.subscriptions[1] is first.subscriptions[0]
    assert again.commune is not first.commune and again.commune.name == "Autre"
    with pytest.raises(ProfileError, match="network.gecko"):
        parse_profile({**BASE, "network": {"gecko": 1, "fibre": "ftth"}}, catalog)
    negative = parse_profile({**BASE, "finances": {"fonctionnement": -0.0}}, catalog)
    positive = parse_profile({**BASE, "finances": {"fonctionnement": 0.0}}, catalog)
    assert math.copysign(1, negative.finances.fonctionnement) == -1
    assert math.copysign(1, positive.finances.fonctionnement) == 1


def test_the_document_given_is_not_changed():
    catalog = shipped()
    data = {**BASE, "network": {"gecko": True}, "subscriptions": [{"brick": "3bis"}]}
    parse_profile(copy.deepcopy(data), catalog)
    given_data = copy.deepcopy(data)
    parse_profile(given_data, catalog)
    assert given_data == data and type(given_data["subscriptions"][0]) is dict


def test_sections_are_per_catalog(tmp_path):
    """A convention valid under one catalog is refused under another where its version
    was adopted later, even after the first validated it."""
    import shutil

    shutil.copytree(RULES, tmp_path / "rules")
    replace_in(tmp_path / "rules" / "catalog.yaml", "adopted: 2020-12-14",
               "adopted: 2021-02-01")
    other = load_catalog(tmp_path / "rules")
    data = {**BASE, "convention": {"version": "avenant-5", "signed_on": "2021-01-20"}}
    assert outcome(shipped(), data)[0] == "read"
    refused = outcome(other, data)
    assert refused == cold(other, data) and refused[0] == "refused"
    assert "convention.signed_on" in refused[1][0] and "2021-02-01" in refused[1][0]


def test_the_fixtures_read_alike_cold_and_warm(catalog):
    documents = [yaml.safe_load(p.read_text(encoding="utf-8"))
                 for p in sorted(COMMUNES.glob("*.yaml"))]
    assert len(documents) > 20
    expected = [cold(catalog, d) for d in documents]
    assert all(kind == "read" for kind, _ in expected)
    assert [outcome(catalog, d) for d in documents] == expected
    assert [outcome(catalog, d) for d in reversed(documents)] == expected[::-1]


def test_the_memo_is_bounded(monkeypatch):
    catalog = shipped()
    sections._MEMOS.clear()
    monkeypatch.setattr(sections, "_KEPT", 50)
    for count in range(200):
        parse_profile({**BASE, "equipment": {"cameras": count}}, catalog)
    (_, memo), = sections._MEMOS.values()
    assert 0 < len(memo) <= 51  # the sections, and the model they were made for


# --- the facts of shared sections -------------------------------------------------------

def plain_facts(profile: Any, as_of: dt.date, catalog: Any) -> dict[str, Any]:
    """``derive_facts`` as written before the sections were shared."""
    from eligibility.profile.facts import _in_force

    facts: dict[str, Any] = {}
    for path, section, name in catalog.facts.readers:
        value = getattr(getattr(profile, section, None), name, None)
        if value is not None:
            facts[path] = frozenset(value) if isinstance(value, list) else value
    if profile.convention is not None:
        in_force = _in_force(profile.convention, as_of, catalog)
        facts["convention.in_force"] = in_force
        facts["convention.applicable"] = (
            in_force if in_force != "none" else catalog.version_at(as_of) or "none")
    return facts


DAYS = [dt.date(2010, 1, 1), dt.date(2014, 12, 8), dt.date(2021, 6, 1), dt.date(2023, 1, 15),
        dt.date(2030, 1, 1)]


def test_the_facts_of_shared_sections_are_the_facts_of_each_profile(catalog):
    from eligibility.profile.facts import derive_facts

    documents = [yaml.safe_load(p.read_text(encoding="utf-8"))
                 for p in sorted(COMMUNES.glob("*.yaml"))]
    first = [parse_profile(copy.deepcopy(d), catalog) for d in documents]
    again = [parse_profile(copy.deepcopy(d), catalog) for d in documents]  # shared now
    assert any(a.network is b.network for a, b in zip(first, again, strict=True))
    for profile in [*first, *again]:
        for day in DAYS:
            assert list(derive_facts(profile, day, catalog).items()) == \
                list(plain_facts(profile, day, catalog).items())
        changed = profile.with_changes({"network.fibre": "ftto", "convention.version": "none"})
        assert derive_facts(changed, DAYS[3], catalog) == plain_facts(changed, DAYS[3], catalog)


def test_facts_keep_the_vocabulary_order_when_it_mixes_sections(catalog):
    """A facts.yaml listing the facts of one section in two places: the facts come in
    its order, as they always did."""
    import types

    from eligibility.profile.facts import derive_facts

    readers = list(catalog.facts.readers)
    mixed = [readers[-1], *readers[:-1]]  # a finances fact first, then the others
    assert [section for _, section, _ in mixed][:2] != [mixed[1][1]] * 2
    other = types.SimpleNamespace(facts=types.SimpleNamespace(readers=tuple(mixed)),
                                  versions=catalog.versions, version_at=catalog.version_at)
    profile = parse_profile(yaml.safe_load((COMMUNES / "30206-poulx.yaml").read_text(
        encoding="utf-8")), catalog)
    got = derive_facts(profile, DAYS[3], other)  # type: ignore[arg-type]
    assert list(got.items()) == list(plain_facts(profile, DAYS[3], other).items())
    assert next(iter(got)) == next(p for p, s, n in mixed
                                   if getattr(getattr(profile, s), n, None) is not None)


def test_a_section_object_gone_is_never_taken_for_another(catalog, monkeypatch):
    """The memo of the facts keeps each section with its facts: a new section whose
    identity an old one had (it was freed) is worked out afresh."""
    from eligibility.profile import facts as facts_module

    memo = facts_module.per_catalog(facts_module._FACTS, catalog, facts_module._SectionFacts)
    monkeypatch.setattr(memo, "KEPT", 3)  # emptied often: identities reused meanwhile
    for cameras in range(200):
        profile = parse_profile({**BASE, "equipment": {"cameras": cameras},
                                 "convention": {"version": "avenant-6"}}, catalog)
        got = facts_module.derive_facts(profile, DAYS[3], catalog)
        assert got == plain_facts(profile, DAYS[3], catalog)
        assert got["equipment.cameras"] == cameras


# --- profiles in the block layout, known by the text of their sections ---------------------

def read_outcome(read: Any) -> tuple[str, Any]:
    """What ``read()`` gives: the profile's dump, or the lines of its refusal."""
    from eligibility.errors import InputError

    try:
        profile = read()
    except ProfileError as error:
        return "refused", [str(p) for p in error.problems]
    except InputError as error:
        return "refused", [str(error)]
    return "read", repr(profile.model_dump())


def usual(path: Path, catalog: Catalog) -> tuple[str, Any]:
    """What the usual reader makes of a file: ``parse_profile(read_document(path))``."""
    from eligibility.profile.loading import read_document

    return read_outcome(lambda: parse_profile(read_document(path), catalog, str(path)))


def audited(path: Path, catalog: Catalog) -> tuple[str, Any]:
    """What the audit makes of it (``inputs._read_profile``: sections shared by text)."""
    from eligibility.audit.inputs import _read_profile

    return read_outcome(lambda: _read_profile(str(path), catalog, str(path)))


def test_every_section_of_the_project_files_reads_as_the_whole_file():
    """``block_sections`` and ``read_section``: the union of the sections of a file in the
    block layout is the document ``_load_block`` builds, node for node."""
    from eligibility.documents import yamlio

    split = 0
    for path in sorted([*RULES.rglob("*.yaml"), *COMMUNES.parent.rglob("*.yaml")]):
        text = path.read_text(encoding="utf-8-sig")
        try:
            whole, nodes = yamlio._read_block(text)
            parts = yamlio.block_sections(text)
        except yamlio.Unusual:
            continue
        read = [yamlio.read_section(part) for part in parts]
        assert "".join(parts) == text[len(text) - len("".join(parts)):]
        assert dict((k, v) for k, v, _ in read) == whole and len(read) == len(whole)
        assert 1 + sum(n for _, _, n in read) == nodes
        split += 1
    assert split > 40


FIXTURE_TEXTS = sorted(COMMUNES.glob("*.yaml"))
EDITS = ["- ", ": ", ":", " #", "#", "'", '"', "[", "]", "{", "}", ",", "\n", "\n  ", "\n- ",
         "  ", " ", "\t", "&a ", "*a", "!", "|", "---", "%", "?", "-", "~", "yes", "x",
         "1", "avenant-5", "vsi", "2019-01-01", "\r", "commune:\n", "network:\n  gecko: 1\n"]


@settings(max_examples=300, deadline=None)
@given(source=st.sampled_from(FIXTURE_TEXTS), edits=st.lists(st.tuples(
    st.floats(0, 1), st.sampled_from(["insert", "delete", "indent"]),
    st.sampled_from(EDITS)), max_size=4), warm=st.booleans())
def test_a_profile_file_reads_alike_through_its_sections(tmp_path_factory, source, edits,
                                                         warm):
    """A commune's file edited at random reads in the audit as the usual reader reads it
    (the same profile, or the same refusal word for word), whatever the memo holds."""
    catalog = shipped()
    text = damaged(source.read_text(encoding="utf-8"), edits)
    folder = tmp_path_factory.mktemp("damaged")
    path = folder / source.name
    path.write_text(text, encoding="utf-8")
    sections._MEMOS.clear()
    if warm:  # every fixture's sections seen before
        for other in FIXTURE_TEXTS:
            audited(other, catalog)
    expected = usual(path, catalog)
    assert audited(path, catalog) == expected
    assert audited(path, catalog) == expected  # its own sections seen now


@pytest.mark.parametrize("text", [
    "commune:\n  insee: '30206'\n  name: Poulx\nnetwork:\n  gecko: true\nnetwork:\n  gecko: true\n",
    "commune:\n  insee: '30206'\n  name: Poulx\nnetwork:\n  gecko: true\nnetwork:\n"
    "  gecko: false\n",
    "commune:\n  insee: '30206'\n  name: Poulx\ncommune:\n  insee: '30206'\n  name: Poulx\n",
    "commune:\n  insee: '30206'\n  name: Poulx\nsubscriptions:\n- brick: vsi\nsubscriptions:\n"
    "- brick: vsi\n",
])
def test_a_section_given_twice_is_refused_as_the_usual_reader_refuses_it(tmp_path, text):
    catalog = shipped()
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    expected = usual(path, catalog)
    assert expected[0] == "refused" and "twice" in " ".join(expected[1])
    for _ in range(2):  # the sections unseen, then seen
        assert audited(path, catalog) == expected


def test_the_sections_of_every_fixture_are_shared(catalog):
    """Every commune of the fixtures, as written and as PyYAML dumps it (items at the
    first column), is read through its sections, and alike."""
    from eligibility.profile.model import model_for

    for path in FIXTURE_TEXTS:
        text = path.read_text(encoding="utf-8")
        dumped = yaml.safe_dump(yaml.safe_load(text), allow_unicode=True, sort_keys=False)
        for written in (text, dumped):
            sections._MEMOS.clear()
            for _ in range(2):
                profile = sections.read_block_profile(written, catalog, model_for(catalog))
                assert profile is not None, path
                assert repr(profile.model_dump()) == usual(path, catalog)[1]


def test_a_section_left_out_is_one_empty_section_for_every_profile(catalog):
    """A section left out is as if empty; every profile leaving it out shares one frozen
    empty section (its facts worked out once), which no change to a profile reaches."""
    from eligibility.profile.facts import derive_facts

    left_out = [parse_profile({"commune": {"insee": f"3000{i}", "name": f"C{i}"}}, catalog)
                for i in range(2)]
    given_vsi = parse_profile({**BASE, "vsi": {"use_cases": ["crowd"]}}, catalog)
    first, second = left_out
    assert first.vsi is second.vsi and first.authorisations is second.authorisations
    assert given_vsi.vsi is not first.vsi and given_vsi.vsi.use_cases == ["crowd"]
    assert first.vsi.model_dump() == {"use_cases": []} and not first.vsi.model_fields_set
    facts = derive_facts(first, DAYS[0], catalog)
    assert not [path for path in facts if path.startswith("authorisations.")]
    assert facts["vsi.use_cases"] == frozenset()  # a set left out is empty (CONTRACT §2)
    with pytest.raises(ValueError, match="frozen"):
        first.vsi.use_cases = ["crowd"]  # type: ignore[misc]
    changed = first.with_changes({"vsi.use_cases": ["traffic"],
                                  "authorisations.videoprotection_prefectorale": True})
    assert changed.vsi.use_cases == ["traffic"] and second.vsi.use_cases == []
    assert derive_facts(changed, DAYS[0], catalog)["vsi.use_cases"] == frozenset({"traffic"})
    assert "authorisations.videoprotection_prefectorale" not in derive_facts(
        second, DAYS[0], catalog)


LINE_PARTS = ["\n", " ", "  ", "#", "-", "- ", "-x", "a", "a:", ": ", "---", "...", "..",
              "--", "'", "\r", "é"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINE_PARTS), max_size=14))
def test_the_sections_start_where_a_line_anchored_reading_says(parts):
    """``block_sections`` finds its entries and the document markers by plain searches;
    they are where the line-anchored definitions (``^`` at each line) put them."""
    import re

    from eligibility.documents import yamlio

    text = "".join(parts)
    top_line = re.compile(r"^(?!#|-(?: |$))[^ \n]", re.MULTILINE)
    marker = re.compile(r"^(?:---|\.\.\.)", re.MULTILINE)
    starts = [m.start() for m in top_line.finditer(text)]
    refused = bool(yamlio._NOT_BLOCK_TEXT.search(text) or marker.search(text) or not starts
                   or yamlio._LINE.search(text, 0, starts[0]))
    try:
        found = yamlio.block_sections(text)
    except yamlio.Unusual:
        assert refused
        return
    assert not refused
    assert found == [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
