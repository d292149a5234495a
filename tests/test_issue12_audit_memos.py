"""Issue 12, point 4: what the audit and its JSON report keep between communes changes
nothing they say.

* the compact JSON text of a commune, of its changes and of its what-if entry, written
  from memos (``reports.audit._CompactJson``: a finding's text kept per data with the
  commune's name left out, the matrix row and counts kept per value), is
  ``json.dumps`` of the plain objects, whatever the commune's name (elision, quotes,
  control characters) and whichever commune came before;
* the audit of a commune with the memos of its catalog shared with other communes
  (``audit.commune._Prepared``, the states decided of ``CommuneAuditor._decided``, the
  engine's truths) is the audit with fresh ones, and the audit by the reference
  evaluator, which keeps nothing, under the commune's own name.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.audit import commune as commune_audit
from eligibility.audit.commune import audit_profile
from eligibility.audit.findings import RULE_TOOL, TOOL, AuditOptions, Finding
from eligibility.catalog.loading import load_catalog
from eligibility.profile.loading import load_profile
from eligibility.profile.model import Profile
from eligibility.reports import audit as reports
from eligibility.verify.strategies import profiles
from eligibility.wording.audit import AuditWording, names_commune_as_is

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "rules")
COMMUNES = ROOT / "fixtures" / "communes"
PROFILES = [load_profile(p, CATALOG) for p in sorted(COMMUNES.glob("*.yaml"))]
DAYS = [dt.date(2014, 6, 1), dt.date(2019, 3, 1), dt.date(2021, 6, 1), dt.date(2023, 1, 15),
        dt.date(2024, 9, 1)]
# Names that elide in French (« de Aimargues »), hold words that elide or contract, JSON
# escapes, and the private-use characters the memo stands the name in with.
NAMES = ["Aimargues", "Hôpital de Eau", "Le Cailar", "Saint-Côme à les Bois", 'La "Grande"',
         "Back\\slash", "Tab\tand\nline", "\ue000\ue0ad\ue000", "Œuvre", "Y", "ÿ", ""]


def _plain(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _renamed(profile: Profile, name: str, unknown: bool = False) -> Profile:
    """``profile`` with another name (and, ``unknown``, its network left unknown)."""
    commune = profile.commune.model_copy(update={"name": name})
    changes: dict[str, object] = {"commune": commune}
    if unknown:
        changes["network"] = None
    return profile.model_copy(update=changes)


def _check_entries(audits: list, lang: str) -> None:
    words = AuditWording(CATALOG, lang)
    compact = reports._CompactJson(words)  # one for all: the memos serve several communes
    for audit in audits:
        assert compact.commune(audit) == _plain(reports._commune_json(audit, words))
        assert compact.change(audit) == _plain(reports._change_json(audit, words))
        if audit.dropped is not None:
            assert compact.drop(audit) == _plain(reports._drop_json(audit, words))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_compact_entries_are_the_plain_json_for_every_fixture_and_date(lang):
    audits = []
    for day, before in zip(DAYS[1:], DAYS, strict=False):
        options = AuditOptions(day, before, ("ads", "videoprotection", "socle"))
        for index, profile in enumerate(PROFILES):
            name = NAMES[index % len(NAMES)] if index % 3 else profile.commune.name
            audits.append(audit_profile(CATALOG, _renamed(profile, name, index % 4 == 1),
                                        options))
    findings = [f for a in audits for f in a.findings]
    # the paths are taken: every kind, memoised or not, with drift and without
    assert {f.kind for f in findings} >= {"fails", "open", "undetermined", "withdrawn",
                                           "tool-replaced", "convention-outdated"}
    assert any(not names_commune_as_is(f) for f in findings)
    assert any(f.drift is not None and names_commune_as_is(f) for f in findings)
    _check_entries(audits, lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_finding_said_for_one_commune_is_said_for_another_as_for_itself(lang):
    """The same findings about communes named alike and not: a name where French elides
    (« Hôpital de Eau » said « Hôpital d'Eau ») comes after a plain one."""
    options = AuditOptions(dt.date(2023, 1, 15), dt.date(2021, 6, 1), ("ads",))
    audits = [audit_profile(CATALOG, _renamed(profile, name, unknown), options)
              for profile in PROFILES for unknown in (False, True)
              for name in [profile.commune.name, *NAMES]]
    _check_entries(audits, lang)


@settings(max_examples=60, deadline=None)
@given(picks=st.lists(st.tuples(st.sampled_from(range(len(PROFILES))), st.sampled_from(NAMES),
                                st.text(max_size=6), st.sampled_from(DAYS)),
                      min_size=1, max_size=6),
       lang=st.sampled_from(["fr", "en"]))
def test_compact_entries_do_not_depend_on_the_communes_before(picks, lang):
    audits = []
    for index, name, tail, day in picks:
        options = AuditOptions(day, DAYS[0], ("ads",))
        audits.append(audit_profile(CATALOG, _renamed(PROFILES[index], name + tail, not tail),
                                    options))
    _check_entries(audits, lang)


def test_a_finding_kept_for_one_value_is_not_said_for_an_equal_one():
    """1 == 1.0 == True, said « 1 », « 1 », « oui »: the memo keeps them apart."""
    replacement = CATALOG.tool_replacements[0]
    words = AuditWording(CATALOG, "fr")
    compact = reports._CompactJson(words)
    texts = set()
    for value in (True, 1, 1.0, replacement.old):
        finding = Finding(None, "warning", RULE_TOOL, TOOL, "Aimargues", replacement.citation,
                          replacement.source, detail=replacement.fact,
                          facts=((replacement.fact, value),), other=replacement.new,
                          versions=(replacement.version,))
        text = compact.finding(finding)
        assert text == _plain(reports.finding_json(finding, words))
        texts.add(text)
    assert len(texts) == 3  # 1 and 1.0 are both said « 1 »


def _audits(profiles: list[Profile], options: AuditOptions, fresh: bool) -> list:
    audits = []
    for profile in profiles:
        if fresh:
            commune_audit._PREPARED.clear()
            commune_audit._DECIDED.clear()
            commune_audit._TRUTHS.clear()
        audits.append(audit_profile(CATALOG, profile, options))
    return audits


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_the_audit_with_shared_memos_is_the_audit_with_fresh_ones(engine):
    for day, before in zip(DAYS[1:], DAYS, strict=False):
        options = AuditOptions(day, before, ("ads", "socle"), engine)
        shared = _audits(PROFILES, options, fresh=False)
        again = _audits(list(reversed(PROFILES)), options, fresh=False)[::-1]
        fresh = _audits(PROFILES, options, fresh=True)
        assert shared == fresh
        assert again == fresh


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(profiles(CATALOG), st.sampled_from(NAMES)), min_size=1, max_size=5),
       st.sampled_from(DAYS), st.sampled_from([None, dt.date(2016, 1, 1)]),
       st.sampled_from([(), ("ads", "videoprotection")]))
def test_communes_alike_share_what_is_decided_under_their_own_names(picks, day, before, drop):
    """The durable audit shares the states it decided between communes alike (the same
    facts the rules read, the same bricks held); each commune's audit is still the one
    the reference evaluator makes, which keeps nothing, with its own name in every
    finding."""
    durable = AuditOptions(day, before, drop, "durable")
    reference = AuditOptions(day, before, drop, "reference")
    communes = [_renamed(p, name) for p, name in picks]
    communes += [_renamed(p, f"{name} bis") for p, name in picks]  # alike, named otherwise
    for profile in communes:
        audit = audit_profile(CATALOG, profile, durable)
        assert audit == audit_profile(CATALOG, profile, reference)
        name = profile.commune.name
        changes = [audit.changes, audit.dropped]
        assert all(f.commune == name for f in audit.findings)
        assert all(f.commune == name for c in changes if c is not None
                   for f in (*c.appeared, *c.disappeared))
