"""Issue 8 points 7 and 8: French a council would sign, English without French, 80 columns.

Every message of the catalog and of the wording tables is rendered in both languages and
held to docs/style-fr.md; so are the text, markdown and HTML outputs of check, explain,
audit, costs and rules for the 39 fixture communes. Text outputs fit in 80 columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import string
from html import unescape

import pytest
import yaml
from click.testing import CliRunner
from helpers import COMMUNES, FIXTURES, ROOT

from eligibility.catalog.model import Catalog
from eligibility.cli.main import main
from eligibility.costs.shares import KEY_CITATION, POOL_CITATION
from eligibility.evaluation.check import check
from eligibility.profile.loading import load_profile
from eligibility.reports.check import check_markdown, check_text, explain_text
from eligibility.wording import i18n
from eligibility.wording.bricks import brick_label, brick_title
from eligibility.wording.layout import display_width

DATES = (dt.date(2023, 1, 15), dt.date(2021, 6, 1))
PROFILES = sorted(COMMUNES.glob("*.yaml"))

# --- the checker -----------------------------------------------------------------------

_VOWEL = "aeiouyéèêàâîôûœ"
_FR_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("no elision", re.compile(rf"\b(?:que|de|ne|le|la|jusque|lorsque|puisque) [{_VOWEL}]",
                              re.IGNORECASE)),
    ("no contraction", re.compile(r"\b(?:de|à) (?:le|les) ")),
    ("« sous sans »", re.compile(r"\bsous sans\b")),
    ("version without its article", re.compile(
        r"\b(?:sous|signer|depuis|convention) (?:avenant|convention cadre)\b")),
    ("masculine status for a brick", re.compile(r"\bindéterminés?\b")),
    ("no space before a high sign", re.compile(r"[^\s\d(\[/«:]+[;:!?](?=\s|$)")),
    ("English word", re.compile(
        r"\b(?:the|and|of|is|none|missing|help|brick|bricks|requires|required|because|holds"
        r"|undetermined|ineligible|unavailable|eligible|yes|unknown|expected)\b")),
]
_EN_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("French word", re.compile(
        r"\b(?:la|le|les|et|parce|que|brique|briques|aide|hypothèse|sous|avec|requise|"
        r"éligible|indéterminée|détient|demande|oui|non|inconnu|aucune?|remédier)\b")),
    ("space before a colon", re.compile(r" [:;](?=\s|$)")),
]
_OPERATORS = re.compile(r"[≠∈∉⊇⊆∩≤≥]|>=|<=|==|!=|\b(?:excludes|includes|not_in)\b")


def _memo(function):  # the catalog is not hashable: remember by identity
    seen: dict[int, object] = {}

    def remembered(catalog):
        if id(catalog) not in seen:
            seen[id(catalog)] = function(catalog)
        return seen[id(catalog)]
    return remembered


@_memo
def _codes(catalog: Catalog) -> set[str]:
    """Values a sentence must say by their label: the codes the table gives a label for."""
    codes = {version for version in catalog.version_ids}
    for _, fact in catalog.facts.items():
        codes |= {v.id for v in fact.choices if v.id not in (v.label.fr, v.label.en)}
    return codes - {"none"}  # an English word the table itself uses


@_memo
def _paths(catalog: Catalog) -> set[str]:
    paths = set(catalog.facts) | {p for ps in catalog.facts.derived.values() for p in ps}
    return paths | {rule.id for rule in catalog.rules()} | \
        {b.availability_rule.node_id for b in catalog.bricks.values()} | \
        {r.rule_id for b in catalog.bricks.values() for r in b.requires}


@_memo
def _cited_texts(catalog: Catalog) -> list[str]:
    """The citations and quotes of the catalog, and the commune names: other people's
    words, in their own language, that a sentence of ours may carry."""
    found: set[str] = set()
    seen: set[int] = set()

    def walk(value: object, depth: int) -> None:
        if id(value) in seen or depth > 6 or isinstance(value, (str, bytes, int, float)):
            return
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else \
            enumerate(value) if isinstance(value, (list, tuple, set, frozenset)) else \
            getattr(value, "__dict__", {}).items()
        for key, item in list(items):
            if key in ("citation", "quote") and isinstance(item, str):
                found.add(item)
            else:
                walk(item, depth + 1)

    walk(catalog, 0)
    names = {load_profile(path, catalog).commune.name for path in PROFILES}
    return sorted(found | names, key=len, reverse=True)


def _sentences(text: str, catalog: Catalog, rule_ids: bool = False,
               others: tuple[str, ...] = ()) -> str:
    """``text`` on one line, without what is not a sentence of ours: cited texts, code
    spans (`…`, what the reader types) and brick ids in parentheses after their name."""
    body = re.sub(r"\s+", " ", text)
    for cited in sorted([*_cited_texts(catalog), *others], key=len, reverse=True):
        body = body.replace(re.sub(r"\s+", " ", cited), "‹cited›")
    body = re.sub(r"\b(?:règle|rule) [\w.-]+", "‹rule›", body) if rule_ids else body
    return re.sub(r"`[^`]*`", "‹code›", body)


def style_problems(text: str, lang: str, catalog: Catalog, rule_ids: bool = False,
                   others: tuple[str, ...] = ()) -> list[str]:
    """What in ``text`` breaks docs/style-fr.md (one line per problem); ``others``: more
    texts that are not ours (a budget's own labels)."""
    body = _sentences(text, catalog, rule_ids, others)
    problems: list[str] = []
    for name, pattern in (_FR_RULES if lang == "fr" else _EN_RULES):
        for match in pattern.finditer(body):
            problems.append(f"{name}: {_around(body, match)}")
    for match in _OPERATORS.finditer(body):
        problems.append(f"operator: {_around(body, match)}")
    for path in _paths(catalog):
        for match in re.finditer(rf"(?<![\w.(-]){re.escape(path)}(?![\w-])", body):
            problems.append(f"raw path or rule id: {_around(body, match)}")
    labels = " ".join(value.label(lang) for _, fact in catalog.facts.items()
                      for value in fact.choices)
    for code in _codes(catalog):
        if re.search(rf"\b{re.escape(code)}\b", labels):
            continue  # a word the labels of this language use (« intrusion », "crowd")
        for match in re.finditer(rf"(?<![\w.(-]){re.escape(code)}(?![\w.-])", body):
            problems.append(f"raw code: {_around(body, match)}")
    return problems


def _around(text: str, match: re.Match[str]) -> str:
    return repr(text[max(0, match.start() - 40):match.end() + 30])


# --- the checker checks what it should --------------------------------------------------

@pytest.mark.parametrize(("text", "lang", "problem"), [
    ("parce que un système", "fr", "no elision"),
    ("la commune de le réseau", "fr", "no contraction"),
    ("Poulx · sous sans convention", "fr", "« sous sans »"),
    ("sous avenant n°6", "fr", "version without its article"),
    ("? ads : indéterminé", "fr", "masculine status"),
    ("il manque: le document", "fr", "no space before"),
    ("la brique is required", "fr", "English word"),
    ("brick 3 is requise", "en", "French word"),
    ("missing : planning document", "en", "space before a colon"),
    ("lit convention.applicable = avenant-6 ; attendu : ∈ [avenant-6]", "fr", "operator"),
    ("et Poulx a : network.gecko non", "fr", "raw path"),
    ("document rnu", "fr", "raw code"),
    ("use cases: biometric_identification", "en", "raw code"),
])
def test_the_checker_finds_each_fault(catalog, text, lang, problem):
    assert any(p.startswith(problem) for p in style_problems(text, lang, catalog))


def test_the_checker_accepts_the_house_style(catalog):
    fr = ("parce qu'un système de vidéoprotection sous l'avenant n°6 est indéterminée ; "
          "il manque : document d'urbanisme (urbanisme.document) ; demander aussi la brique 3 "
          "« Vidéoprotection » (videoprotection)")
    assert style_problems(fr, "fr", catalog) == []
    en = "missing: planning document (urbanisme.document); also ask for brick 3 (vsi)"
    assert style_problems(en, "en", catalog) == []


# --- every message of the catalog and of the wording tables -----------------------------

def _catalog_texts(catalog: Catalog, lang: str) -> list[str]:
    texts = []
    for rule in catalog.rules():
        texts += [rule.message(lang), rule.help(lang), rule.short(lang)]
    for brick in catalog.bricks.values():
        texts += [brick.name(lang), brick_title(brick, lang), brick_label(brick, lang)]
    texts += [v.label(lang) for v in catalog.versions.values()]
    texts += [(value.description or value.label)(lang) for _, fact in catalog.facts.items()
              for value in fact.choices]
    return texts


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_catalog_message_follows_the_style(catalog, lang):
    problems = [p for text in _catalog_texts(catalog, lang)
                for p in style_problems(text, lang, catalog)]
    assert problems == []


def _filled(key: str, lang: str) -> str:
    """The interface sentence ``key`` with every slot filled by words that begin with a
    vowel, so that a missing elision or contraction shows."""
    fr, en = i18n._TEXTS[key]
    names = {name for _, name, _, _ in string.Formatter().parse(fr + en) if name}
    sample = "un avenant" if lang == "fr" else "an amendment"
    return i18n.t(lang, key, **{name: sample for name in names if name != "n"},
                  **({"n": 2} if "n" in names else {}))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_interface_sentence_follows_the_style(catalog, lang):
    problems = [f"{key}: {p}" for key in i18n._TEXTS
                for p in style_problems(_filled(key, lang), lang, catalog)]
    assert problems == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_value_has_a_label_in_both_languages(catalog, lang):
    for path, spec in catalog.facts.items():
        domain = spec
        if spec.kind in ("enum", "set", "level"):
            for value in domain.values:
                said = i18n.value_label(path, value, lang, catalog)
                assert said != value, (path, value)
                assert style_problems(said, lang, catalog) == [], (path, value, said)
        assert spec.label_fr and spec.label_en
        assert style_problems(spec.label_fr if lang == "fr" else spec.label_en, lang,
                              catalog) == []


def test_french_elides_and_contracts_what_is_slotted_in():
    assert i18n.french("parce que un système") == "parce qu'un système"
    assert i18n.french("autre que aucune convention") == "autre qu'aucune convention"
    assert i18n.french("la part de le total") == "la part du total"
    assert i18n.french("à les communes") == "aux communes"
    assert i18n.t("fr", "because", text="une caméra") == "parce qu'une caméra"
    assert i18n.t("en", "because", text="a camera") == "because a camera"


# --- the outputs of the 39 communes -----------------------------------------------------

@_memo
def _evaluations(catalog: Catalog) -> list[tuple[str, object]]:
    out = []
    for path in PROFILES:
        profile = load_profile(path, catalog)
        for day in DATES:
            out.append((f"{path.name}@{day}", check(catalog, profile, day, engine="reference",
                                                     show=list(catalog.bricks))))
    return out


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if display_width(line) > 80]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_check_and_explain_text_of_every_commune_follow_the_style_in_80_columns(catalog,
                                                                               lang):
    problems, wide = [], []
    for name, ev in _evaluations(catalog):
        text = check_text(ev, lang)  # type: ignore[arg-type]
        problems += [f"{name} check: {p}" for p in style_problems(text, lang, catalog)]
        wide += [f"{name} check: {line}" for line in _too_wide(text)]
        for brick in catalog.bricks:
            text = explain_text(ev, brick, lang)  # type: ignore[arg-type]
            problems += [f"{name} explain {brick}: {p}" for p in style_problems(
                text, lang, catalog, rule_ids=True)]
            wide += [f"{name} explain {brick}: {line}" for line in _too_wide(text)]
    assert problems[:20] == []
    assert wide[:20] == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_check_markdown_of_every_commune_follows_the_style(catalog, lang):
    problems = []
    for name, ev in _evaluations(catalog):
        text = check_markdown(ev, lang)  # type: ignore[arg-type]
        problems += [f"{name}: {p}" for p in style_problems(text, lang, catalog)]
    assert problems[:20] == []


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _html_text(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"</?code>", "`", html)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv"])
def test_the_audit_of_the_39_communes_follows_the_style(catalog, lang, fmt, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = _run("audit", str(COMMUNES), "--as-of", "2023-01-15", "--format", fmt,
               "--lang", lang)
    if fmt == "html":
        out = _html_text(out)
    if fmt == "text":
        assert _too_wide(out) == []
    if fmt == "csv":  # columns of data, as in JSON: only the sentences are ours
        rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
        out = "\n".join(v for row in rows for k, v in row.items()
                        if k in ("message", "help", "since", "drift"))
    problems = style_problems(out, lang, catalog)
    assert problems[:20] == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_costs_follow_the_style_in_80_columns(catalog, lang, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = _run("costs", str(COMMUNES), "--budget", str(FIXTURES / "budget-2023.yaml"),
               "--lang", lang)
    assert _too_wide(out) == []
    budget = yaml.safe_load((FIXTURES / "budget-2023.yaml").read_text(encoding="utf-8"))
    others = (KEY_CITATION, POOL_CITATION, *_strings(budget))
    assert style_problems(out, lang, catalog, others=others)[:20] == []


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_rules_list_and_show_fit_in_80_columns(catalog, lang, monkeypatch):
    monkeypatch.chdir(ROOT)
    outputs = [_run("rules", "list", "--lang", lang)]
    outputs += [_run("rules", "show", brick, "--lang", lang) for brick in catalog.bricks]
    for out in outputs:
        assert _too_wide(out) == []
