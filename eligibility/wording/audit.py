"""The audit's sentences, French and English, built from the data a finding carries.

A finding (``eligibility.audit.findings``) holds its kind, brick, rule, facts, versions
and dates; this module says it: its message, what to do about it, and since when and
why it holds. The reports and the web page ask here, so that JSON's ``message``, the
text, Markdown, CSV and HTML reports say the same thing. This layer sits below the
audit, so it reads findings through the ``FindingData`` protocol (the fields it needs),
never by importing the audit.

Terminal typography follows docs/style-fr.md: a plain space before « : » and « ; »;
a brick is named by its number and name, with its id in parentheses where the reader
types it (a step to take), a fact by its label, with its path where it is filled in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from eligibility.catalog.model import Brick, Catalog
from eligibility.wording.bricks import brick_label
from eligibility.wording.i18n import (
    join,
    quoted,
    say,
    t,
    value_label,
    version_label,
)


class DriftData(Protocol):
    @property
    def since(self) -> dt.date | None: ...
    @property
    def cause(self) -> str: ...
    @property
    def version(self) -> str | None: ...
    @property
    def subject(self) -> str | None: ...


class FindingData(Protocol):
    @property
    def brick(self) -> str | None: ...
    @property
    def rule(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def commune(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def missing(self) -> tuple[str, ...]: ...
    @property
    def bricks(self) -> tuple[str, ...]: ...
    @property
    def facts(self) -> tuple[tuple[str, Any], ...]: ...
    @property
    def versions(self) -> tuple[str | None, ...]: ...
    @property
    def dates(self) -> tuple[dt.date, ...]: ...
    @property
    def other(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def gone(self) -> tuple[str, ...]: ...
    @property
    def drift(self) -> DriftData | None: ...


def source_word(source: str, lang: str) -> str:
    """note, loi, hypothèse (an unknown source as it is)."""
    return t(lang, source) if source in ("note", "law", "assumption") else source


def brick_short(brick: Brick, lang: str) -> str:
    """``brique 9`` (or the brick's name when it has no number)."""
    if brick.number:
        return f"{say(lang, 'brique', 'brick')} {brick.number}"
    return brick.name(lang)


def fact_label(catalog: Catalog, path: str, lang: str) -> str:
    """A fact's label from the catalog's vocabulary (its path when it has none)."""
    fact = catalog.facts.get(path)
    return path if fact is None else fact.label(lang)


def rule_label(catalog: Catalog, rule_id: str, lang: str) -> str:
    """A rule in a few words, for summaries: the catalog's label, or a generated one."""
    rule = catalog.rule(rule_id)
    if rule is not None:
        return rule.short(lang)
    head, _, tail = rule_id.rpartition(".")
    if tail == "available" and head in catalog.bricks:
        return say(lang, "absente de la version de la commune", "not in the commune's version")
    if ".requires." in rule_id:
        required_id = rule_id.split(".requires.", 1)[1]
        brick = catalog.bricks.get(required_id)
        required = brick_label(brick, lang) if brick is not None else quoted(required_id, lang)
        return say(lang, f"{required} requise", f"requires {required}")
    return rule_id


def names_commune_as_is(finding: FindingData) -> bool:
    """Whether the commune's name enters the sentences of ``finding`` (message, help,
    since when; in every language) slotted in as it is, nothing else in them depending
    on it: the sentences about another commune are then these with the name swapped
    (how the JSON report memoises a finding's text). Not so for a failed condition:
    its French « pour <commune>, … » goes through elision (``t``) with the name in it."""
    return finding.kind != "fails" or finding.other is not None


class AuditWording:
    """The sentences of an audit's findings in one language, for one catalog."""

    def __init__(self, catalog: Catalog, lang: str) -> None:
        self.catalog = catalog
        self.lang = lang

    def _version(self, version: str | None, article: bool = True) -> str:
        return version_label(self.catalog, version, self.lang, article)

    def _label(self, brick_id: str) -> str:
        return brick_label(self.catalog.bricks[brick_id], self.lang)

    def _typed(self, brick_id: str) -> str:
        """A brick in a step to take: « la brique 3 « Vidéoprotection » (videoprotection) »,
        the id the commune writes in its profile after the name."""
        brick = self.catalog.bricks.get(brick_id)
        if brick is None:  # not in this catalog: the id is all there is
            return quoted(brick_id, self.lang)
        named = t(self.lang, "brick_typed", label=brick_label(brick, self.lang), id=brick_id)
        return say(self.lang, f"la {named}", named)

    def _fact_typed(self, path: str) -> str:
        """A fact to fill in: its label, then the profile field it is written in."""
        return t(self.lang, "missing_fact", label=fact_label(self.catalog, path, self.lang),
                 field=path)

    def _observed(self, finding: FindingData) -> str:
        """« pour Poulx, niveau de fibre : FTTH ; … » (docs/style-fr.md)."""
        lang = self.lang
        facts = t(lang, "semicolon").join(
            t(lang, "fact_is", label=fact_label(self.catalog, fact, lang),
              value=value_label(fact, value, lang, self.catalog))
            for fact, value in finding.facts)
        return t(lang, "has", commune=finding.commune, facts=facts)

    def _asked(self, bricks: Sequence[str]) -> str:
        return join([self._typed(b) for b in bricks], self.lang)

    # -- the message --

    def message(self, finding: FindingData) -> str:
        """What the finding says, in one sentence."""
        say: Callable[[FindingData], str] = getattr(self, "_" + finding.kind.replace("-", "_"))
        return say(finding)

    def _fails(self, f: FindingData) -> str:
        lang, name = self.lang, f.commune
        if f.other is not None:  # a requirement
            required = self._label(f.other)
            if f.status is not None:
                return say(lang,
                           f"la {required} est requise ; {name} la détient, mais elle est "
                           f"elle-même {t('fr', f.status)}",
                           f"{required} is required; {name} holds it, but it is itself "
                           f"{f.status}")
            return say(lang, f"la {required} est requise et {name} ne la détient pas",
                       f"{required} is required and {name} does not hold it")
        rule = self.catalog.rule(f.rule)
        said = rule.message(lang) if rule is not None else f.rule
        text = f"{said}{t(lang, 'semicolon')}{self._observed(f)}"
        if f.brick is None:
            listed = self._listed(f.bricks)
            text += say(lang, f" (briques détenues concernées : {listed})",
                        f" (held bricks concerned: {listed})")
        return text

    def _listed(self, bricks: Sequence[str]) -> str:
        """Bricks in a list: « brique 3 « Vidéoprotection », brique 9 « SI Urbanisme » »."""
        return ", ".join(self._label(b) if b in self.catalog.bricks else quoted(b, self.lang)
                         for b in bricks)

    def _undetermined(self, f: FindingData) -> str:
        missing = join([fact_label(self.catalog, m, self.lang) for m in f.missing], self.lang)
        label = rule_label(self.catalog, f.rule, self.lang)
        if f.brick is None:
            listed = self._listed(f.bricks)
            return say(self.lang,
                       f"impossible à vérifier pour les briques détenues ({listed}) : "
                       f"{label} ; il manque {missing}",
                       f"cannot be confirmed for the held bricks ({listed}): {label}; "
                       f"missing {missing}")
        return say(self.lang, f"impossible à vérifier ({label}) : il manque {missing}",
                   f"cannot be confirmed ({label}): missing {missing}")

    def _not_in_version(self, f: FindingData) -> str:
        assert f.brick is not None
        brick = self._label(f.brick)
        if f.dates:  # not created yet
            first = self._version(f.versions[0])
            return say(self.lang,
                       f"la {brick} n'existait pas encore : {self._created(first, f.dates[0])}",
                       f"{brick} did not exist yet: {self._created(first, f.dates[0])}")
        applicable, current = (self._version(v) for v in f.versions)
        return say(self.lang,
                   f"la {brick} n'existe pas sous {applicable}, la version de convention "
                   f"de {f.commune} ; elle existe sous {current}",
                   f"{brick} does not exist under {applicable}, {f.commune}'s convention "
                   f"version; it exists under {current}")

    def _created(self, version: str, day: dt.date) -> str:
        """« elle est créée par l'avenant n°6, en vigueur le 2022-04-04 »."""
        return say(self.lang, f"elle est créée par {version}, en vigueur le {day}",
                   f"{version} created it, in force on {day}")

    def _withdrawn(self, f: FindingData) -> str:
        assert f.brick is not None
        brick, by = self._label(f.brick), self._version(f.versions[0])
        if f.other is None:
            return say(self.lang, f"la {brick} a été supprimée par {by}",
                       f"{brick} was deleted by {by}")
        taking = self._label(f.other)
        return say(self.lang,
                   f"la {brick} a été supprimée par {by} : la {taking} ({f.other}) la reprend",
                   f"{brick} was deleted by {by}: {taking} ({f.other}) takes it over")

    def _tool_replaced(self, f: FindingData) -> str:
        fact, old = f.facts[0]
        old_name = value_label(fact, old, self.lang, self.catalog)
        new_name = value_label(fact, f.other, self.lang, self.catalog)
        label, by = fact_label(self.catalog, fact, self.lang), self._version(f.versions[0])
        return say(self.lang,
                   f"{f.commune} utilise encore {old_name} ({label}) : {by} l'a remplacé "
                   f"par {new_name}",
                   f"{f.commune} still uses {old_name} ({label}): {by} replaced it with "
                   f"{new_name}")

    def _convention_outdated(self, f: FindingData) -> str:
        in_force, current = (self._version(v) for v in f.versions)
        text = say(self.lang,
                   f"{f.commune} est encore sous {in_force} ; une convention plus récente "
                   f"est en vigueur : {current}, depuis le {f.dates[0]}",
                   f"{f.commune} is still under {in_force}; a newer convention is in force: "
                   f"{current}, since {f.dates[0]}")
        if f.gone:
            gone = ", ".join(self._gone(b) for b in f.gone)
            text += say(self.lang, f" ; sous celle-ci, n'existe plus : {gone}",
                        f"; under it, no longer exists: {gone}")
        return text

    def _gone(self, brick_id: str) -> str:
        replaced = self.catalog.bricks[brick_id].replaced_by
        gone = self._label(brick_id)
        if replaced is None or replaced.brick not in self.catalog.bricks:
            return gone
        by = self._label(replaced.brick)
        return say(self.lang, f"la {gone} (reprise par la {by})",
                   f"{gone} (taken over by {by})")

    def _since_before_brick(self, f: FindingData) -> str:
        assert f.brick is not None
        brick, first = self._label(f.brick), self._version(f.versions[0])
        since, begins = f.dates
        return say(self.lang,
                   f"abonnement à la {brick} daté du {since}, avant que la brique existe : "
                   f"{self._created(first, begins)}",
                   f"subscription to {brick} dated {since}, before the brick existed: "
                   f"{self._created(first, begins)}")

    def _open(self, f: FindingData) -> str:
        assert f.brick is not None
        text = say(self.lang, f"la {self._label(f.brick)} est ouverte à {f.commune}",
                   f"{self._label(f.brick)} is open to {f.commune}")
        if f.bricks:
            named = join([say(self.lang, "la ", "") + self._label(b) for b in f.bricks],
                         self.lang)
            text += say(self.lang, f" avec {named}", f" together with {named}")
        return text

    # -- what to do --

    def help(self, f: FindingData) -> str | None:
        """What to do about the finding (None when the catalog gives no help)."""
        lang = self.lang
        if f.kind == "fails":
            if f.other is not None:
                assert f.brick is not None
                required, brick = self._typed(f.other), self._typed(f.brick)
                if f.status is not None:
                    return say(lang, f"mettre {required} en règle ou résilier {brick}",
                               f"bring {required} into line or end {brick}")
                return say(lang, f"souscrire aussi {required} ou résilier {brick}",
                           f"also subscribe to {required} or end {brick}")
            rule = self.catalog.rule(f.rule)
            return rule.help(lang) if rule is not None else None
        if f.kind == "undetermined":
            missing = join([self._fact_typed(m) for m in f.missing], lang)
            return say(lang, f"renseigner {missing}", f"fill in {missing}")
        if f.kind == "not-in-version":
            if f.dates:
                return say(lang, "vérifier la date d'abonnement", "check the subscription date")
            return say(lang, f"signer {self._version(f.versions[1])}",
                       f"sign {self._version(f.versions[1])}")
        if f.kind == "withdrawn":
            assert f.brick is not None
            brick = self._typed(f.brick)
            if f.other is None:
                return say(lang, f"résilier {brick}", f"end {brick}")
            other = self._typed(f.other)
            return say(lang, f"demander {other} et résilier {brick}",
                       f"ask for {other} and end {brick}")
        if f.kind == "tool-replaced":
            new = value_label(f.facts[0][0], f.other, lang, self.catalog)
            return say(lang, f"passer à {new}", f"move to {new}")
        if f.kind == "convention-outdated":
            current = self._version(f.versions[1])
            return say(lang, f"signer {current} (délibération du conseil municipal)",
                       f"sign {current} (municipal council decision)")
        if f.kind == "since-before-brick":
            begins = f.dates[1]
            return say(lang, f"corriger la date d'abonnement (au plus tôt le {begins})",
                       f"correct the subscription date (no earlier than {begins})")
        if f.kind == "open":
            assert f.brick is not None
            asked = self._asked((f.brick, *f.bricks))
            return say(lang, f"demander {asked}", f"ask for {asked}")
        return None

    # -- since when --

    def drift(self, f: FindingData) -> str:
        """Since when an error holds and why (the finding must have its drift)."""
        drift = f.drift
        assert drift is not None
        lang = self.lang
        if drift.cause == "never-held":
            return say(lang, f"depuis le début de l'abonnement ({drift.since}) : jamais "
                              "satisfaite",
                        f"since the subscription began ({drift.since}): never held")
        if drift.cause == "unknown-start":
            return say(lang, f"depuis au moins le {drift.since} (date d'abonnement inconnue)",
                       f"since at least {drift.since} (subscription date unknown)")
        if drift.cause == "signature":
            label = self._version(drift.version)
            event = say(lang, f"signature de {label}", f"signature of {label}")
        elif drift.cause == "version":
            event = self._version(drift.version, article=False)
        else:
            subject = (self._label(drift.subject) if drift.subject in self.catalog.bricks
                       else quoted(str(drift.subject), lang))
            event = say(lang, f"début de l'abonnement à la {subject}",
                        f"start of the subscription to {subject}")
        return say(lang, f"depuis le {drift.since}, {event} : {self._effect(f)}",
                   f"since {drift.since}, {event}: {self._effect(f)}")

    def _effect(self, f: FindingData) -> str:
        brick = self.catalog.bricks.get(f.brick or "")
        lang = self.lang
        if f.kind == "withdrawn" and brick is not None:
            short = brick_short(brick, lang)
            text = say(lang, f"{short} supprimée", f"{short} deleted")
            if f.detail:
                by = (self._label(f.detail) if f.detail in self.catalog.bricks
                      else quoted(f.detail, lang))
                text += say(lang, f", reprise par la {by}", f", taken over by {by}")
            return text
        if f.kind == "not-in-version" and brick is not None:
            return say(lang, "la brique n'existe pas sous la version de la commune",
                       "the brick does not exist under the commune's version")
        label = rule_label(self.catalog, f.rule, lang)
        return say(lang, f"{label} : non remplie", f"{label}: not met")

    def drift_json(self, f: FindingData) -> dict[str, Any]:
        drift = f.drift
        assert drift is not None
        version = drift.version
        return {"since": drift.since.isoformat() if drift.since else None, "cause": drift.cause,
                "version": version, "text": self.drift(f)}
