"""Cost sharing (issue 5): each brick's cost shared by the single key, to the cent.

The convention shares the DN's charges with one key: each commune's share of the
previous year's *compte administratif* (fonctionnement + investissement). Here:

* a **budget** (``Budget``, read by ``load_budget``) gives, for a year, the cost of
  each brick (``etp × cost_per_etp + si``) and the licence upgrades (art. 4.2.2);
* ``share_cost`` is the pure rounding step: a cost in cents shared pro rata of
  weights by the largest-remainder method, ties broken by INSEE code;
* ``compute_costs`` applies the key to commune profiles and returns a ``CostReport``
  (``eligibility.reports.costs`` renders it, ``eligibility.wording.costs`` says it).

Rules where the issue is silent (see docs/costs.md):

* a commune holds a brick on 1 January of the budget year when one of its
  subscriptions to it has ``since`` on or before that day, **or no ``since`` at all**
  (an undated subscription counts as held);
* a budget line for a brick that a newer convention replaced (``replaced_by`` in the
  catalog: brick 9 ``si-urbanisme`` → ``ads`` under avenant n°6) is carried by the
  replacing brick when 1 January of the budget year is on or after that version's
  adoption (2023 onwards for avenant n°6); the line is added to the replacing brick's
  cost and the report says so, with the catalog's citation;
* a licence upgrade for a commune not among the profiles, or for a brick the commune
  does not hold on 1 January, is an error (exit 2), as is a subscriber whose compte
  administratif is missing, incomplete, of another year than the budget's minus one,
  or zero;
* a budget brick nobody holds is a warning: its cost is listed as unallocated and is
  not in the grand total (which is what the communes are charged).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from eligibility.catalog.model import Catalog
from eligibility.documents.bounded import source_name
from eligibility.documents.strict import StrictModel
from eligibility.errors import InputError, InputErrors, did_you_mean
from eligibility.profile import facts
from eligibility.profile.loading import (
    find_profiles,
    load_profile,
    read_document,
    validation_problem,
)
from eligibility.profile.model import BrickId, Profile

KEY_SOURCE = "note"
KEY_CITATION = ("Convention cadre de la DN commune : clé unique, part de chaque commune dans le "
                "compte administratif de l'année précédente (fonctionnement + investissement)")
KEY_QUOTE = ("une clé unique répartit les charges selon le critère unique représenté par la part "
             "du compte administratif de fonctionnement et d'investissement de l'exercice "
             "budgétaire précédent")
# What the note does not say: the pool each key applies to, and the rounding.
POOL_SOURCE = "assumption"
POOL_CITATION = ("chaque brique coûte ETP × coût d'un ETP + coûts SI (arrondi au "
                 "centime, moitié supérieure), partagé entre les seules communes qui la "
                 "détiennent au 1er janvier, au prorata de la clé, au centime par la méthode du "
                 "plus fort reste (égalités départagées par code INSEE) : la note ne fixe ni "
                 "l'assiette ni l'arrondi, à confirmer par la DN")
POOL_QUOTE = ("Mise à jour de la répartition de la charge de travail des effectifs de la DN par "
              "brique technique en ETP")
# Art. 4.2.2 is known only through the note, which does not say who pays the upgrade.
UPGRADE_SOURCE = "assumption"
UPGRADE_CITATION = ("Convention cadre, art. 4.2.2 (modifié par l'avenant n°6) : cas spécifiques "
                    "de répartition des charges après un passage à un niveau de licence "
                    "supérieur ; que la commune qui le demande en paie seule le coût est une "
                    "hypothèse, à confirmer par la DN")
UPGRADE_QUOTE = ("la modification de l'article 4.2.2 relatif aux cas spécifiques dans la "
                 "répartition des charges suite au passage à un niveau de licence supérieur "
                 "pour la brique « Outils collaboratifs »")

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


# --- the budget file -------------------------------------------------------------------

def _number(value: object) -> object:
    # YAML `yes` is a bool, and bool is an int: never let it pass as an amount.
    if isinstance(value, bool):
        raise ValueError(f"expected a number (got {value!r})")
    return value


# Bounds (issue 9): far above any commune's budget, low enough that etp × cost × 100 stays
# exact in Decimal's 28 digits (1e400 or 1e308 × 1e308 would overflow the computation).
MAX_EUROS = Decimal(10) ** 12
MAX_ETP = Decimal(10) ** 6
Money = Annotated[Decimal, BeforeValidator(_number),
                  Field(ge=0, le=MAX_EUROS, decimal_places=2, allow_inf_nan=False)]
Etp = Annotated[Decimal, BeforeValidator(_number),
                Field(ge=0, le=MAX_ETP, allow_inf_nan=False)]


_Strict = StrictModel  # the one strict base: unknown fields refused, frozen


class BudgetLine(_Strict):
    """One brick's cost for the year: ``etp × cost_per_etp + si`` euros."""

    etp: Etp | None = Field(default=None, description="full-time equivalents of DN staff")
    cost_per_etp: Money | None = Field(default=None, description="euros per ETP")
    si: Money = Field(default=Decimal(0), description="information-system costs, euros")

    @model_validator(mode="after")
    def _etp_with_its_cost(self) -> BudgetLine:
        if (self.etp is None) != (self.cost_per_etp is None):
            raise ValueError("give both etp and cost_per_etp (cost = etp × cost_per_etp + si)")
        return self

    @property
    def staff(self) -> Decimal:
        return (self.etp or Decimal(0)) * (self.cost_per_etp or Decimal(0))

    @property
    def cost_cents(self) -> int:
        """The cost in cents (a staff cost with fractions of a cent is rounded half up)."""
        total = (self.staff + self.si) * 100
        return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class LicenceUpgrade(_Strict):
    """Art. 4.2.2: a higher licence level, paid by the commune that asks for it alone."""

    insee: str = Field(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$")
    brick: BrickId  # an id or alias, checked against the catalog as in a profile
    amount: Money
    reason: str | None = Field(default=None, description="what was upgraded, shown in the output")

    @field_validator("insee", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return f"{value:05d}" if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def amount_cents(self) -> int:
        return int(self.amount * 100)


class Budget(_Strict):
    """The DN budget of a year, by brick, and the licence upgrades of that year."""

    year: int = Field(ge=1900, le=2200, description="budget year; the key uses year - 1")
    bricks: dict[str, BudgetLine] = Field(default_factory=dict)
    licence_upgrades: list[LicenceUpgrade] = Field(default_factory=list)

    @property
    def reference_date(self) -> dt.date:
        """1 January of the budget year: who holds a brick then shares its cost."""
        return dt.date(self.year, 1, 1)


def _read_budget_document(path: Path) -> Any:
    """The budget document, read as profiles are (bounded; ``-``: standard input)."""
    return read_document(path, "budget")


def parse_budget(data: Any, catalog: Catalog, source: str = "<budget>") -> Budget:
    """Validate a parsed budget document; every problem names the file and the field."""
    if not isinstance(data, dict):
        raise InputError("expected a mapping with 'year' and 'bricks'", source=source)
    problems: list[InputError] = []
    data = dict(data)
    bricks = data.get("bricks")
    given: dict[str, str] = {}
    if isinstance(bricks, dict):
        # Brick keys: ids or aliases (`3`, `3bis`), each brick once.
        normalised: dict[str, Any] = {}
        for key, line in bricks.items():
            brick = catalog.resolve(str(key))
            if brick is None:
                hint = did_you_mean(str(key), catalog.names) or "see `eligibility rules list`"
                problems.append(InputError(f"unknown brick {str(key)!r}", source=source,
                                           field=f"bricks.{key}", hint=hint))
                continue
            if brick in normalised:
                problems.append(InputError(f"same brick as {given[brick]!r} ({brick}), given "
                                           "twice", source=source, field=f"bricks.{key}",
                                           hint="give each brick one line"))
                continue
            normalised[brick], given[brick] = line, str(key)
        data["bricks"] = normalised
    elif bricks is None and "bricks" in data:
        data["bricks"] = {}
    try:
        budget = Budget.model_validate(data, context={"catalog": catalog})
    except ValidationError as error:
        for item in error.errors():
            loc = list(item["loc"])
            if len(loc) > 1 and loc[0] == "bricks":
                loc[1] = given.get(str(loc[1]), loc[1])  # the key as written (`3`)
            problems.append(_problem({**item, "loc": tuple(loc)}, source))
        budget = None
    if problems:
        raise InputErrors(problems)
    assert budget is not None
    return budget


def load_budget(path: str | Path, catalog: Catalog) -> Budget:
    """The budget file at ``path`` (YAML or JSON), checked against ``catalog``; bad input raises
    ``InputError``."""
    path = Path(path)
    return parse_budget(_read_budget_document(path), catalog, source_name(path))


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    if len(loc) <= 1:
        return list(Budget.model_fields)
    if loc[0] == "bricks":
        return list(BudgetLine.model_fields)
    if loc[0] == "licence_upgrades":
        return list(LicenceUpgrade.model_fields)
    return []


def _problem(item: Any, source: str) -> InputError:
    """A budget's pydantic error: its own words for amounts and shapes, else a profile's."""
    loc, kind, got = tuple(item["loc"]), item["type"], item.get("input")
    if kind == "decimal_max_places":
        message = f"at most 2 decimals: amounts are euros and cents (got {got!r})"
    elif kind.startswith("decimal"):
        message = f"expected a number (got {got!r})"
    elif kind == "dict_type":
        message = ("expected a mapping of bricks, e.g. {videoprotection: {etp: 2.5, "
                   f"cost_per_etp: 55000, si: 120000}} (got {got!r})")
    elif kind == "model_type" and loc and loc[0] == "bricks":
        message = f"expected {{etp, cost_per_etp, si}} (got {got!r})"
    elif kind == "model_type" and loc and loc[0] == "licence_upgrades":
        message = f"expected {{insee, brick, amount}} (got {got!r})"
    elif kind == "list_type":
        message = f"expected a list (got {got!r})"
    else:
        return validation_problem(item, source, _fields_at)
    return InputError(message, source=source, field=".".join(str(p) for p in loc) or None)


# --- commune profiles ------------------------------------------------------------------

def profile_paths(paths: Iterable[str | Path],
                  problems: list[InputError] | None = None) -> list[Path]:
    """Files as given, folders searched recursively for .yaml/.yml/.json, in sorted order.

    With ``problems``, a path that cannot be used is added there and the others are still
    listed (a batch loses nothing); without, the first one raises."""
    found: list[Path] = []
    refused: list[InputError] = [] if problems is None else problems
    for given in paths:
        path = Path(given)
        if path.is_dir():
            # The walk of ``audit``: links followed (loops once), unreadable folders said.
            inside, unreadable = find_profiles(path)
            refused.extend(unreadable)
            if not inside and not unreadable:
                refused.append(InputError("no profile (.yaml, .yml, .json) in this folder",
                                          source=str(path)))
            found.extend(Path(p) for p in inside)
        elif str(path) == "-" or os.path.lexists(path):
            found.append(path)
        else:
            refused.append(InputError("no such file or folder", source=str(path)))
    if refused and problems is None:
        raise InputErrors(refused)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path if str(path) == "-" else path.resolve(), path)
    return list(unique.values())


def load_profiles(paths: Iterable[str | Path], catalog: Catalog) -> list[tuple[str, Profile]]:
    """``(file, profile)`` for every commune; a commune given twice is an error."""
    loaded: list[tuple[str, Profile]] = []
    problems: list[InputError] = []
    seen: dict[str, str] = {}
    for path in profile_paths(paths, problems):
        try:
            profile = load_profile(path, catalog)
        except InputError as error:
            problems.extend(getattr(error, "problems", [error]))
            continue
        insee = profile.commune.insee
        if insee in seen:
            problems.append(InputError(f"commune {insee} is also given by {seen[insee]}",
                                       source=str(path), field="commune.insee",
                                       hint="give each commune once"))
            continue
        seen[insee] = str(path)
        loaded.append((str(path), profile))
    if problems:
        raise InputErrors(problems)
    return loaded


# --- the key ---------------------------------------------------------------------------

Weight = int | Decimal | Fraction


def share_cost(cost: int, weights: Mapping[str, Weight]) -> dict[str, int]:
    """Share ``cost`` cents pro rata of ``weights``, by the largest-remainder method.

    Each gets the whole cents of its exact quota ``cost × w / Σw``; the cents left go
    one each to the largest fractional remainders, equal remainders to the smallest
    key (INSEE code) first. The shares add up to ``cost`` exactly and each is within
    a cent of its quota. A zero weight gets nothing.
    """
    if cost < 0:
        raise ValueError("a cost cannot be negative")
    if not weights:
        if cost:
            raise ValueError("nobody to share a cost with")
        return {}
    exact = {k: Fraction(w) for k, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("a weight cannot be negative")
    total = sum(exact.values())
    if total <= 0:
        raise ValueError("the weights add up to zero")
    quotas = {k: cost * w / total for k, w in exact.items()}
    shares = {k: q.numerator // q.denominator for k, q in quotas.items()}
    left = cost - sum(shares.values())
    order = sorted(quotas, key=lambda k: (-(quotas[k] - shares[k]), k))
    for k in order[:left]:
        shares[k] += 1
    return shares


def key_percent(weights: Mapping[str, Weight]) -> dict[str, Fraction]:
    """Each weight as an exact percentage of their sum."""
    exact = {k: Fraction(w) for k, w in weights.items()}
    total = sum(exact.values())
    return {k: 100 * w / total for k, w in exact.items()}


# --- the report ------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """A budget line, and the brick that carries it."""

    brick: str               # the brick of the budget line
    cost: int                # cents
    etp: Decimal
    carried_by: str          # == brick unless a newer convention moved it


@dataclass(frozen=True)
class BrickCost:
    id: str
    lines: tuple[Line, ...]              # own line first, then the lines it carries
    subscribers: tuple[str, ...]         # INSEE codes, sorted
    shares: dict[str, int]               # INSEE -> cents
    keys: dict[str, Fraction]            # INSEE -> percent

    @property
    def cost(self) -> int:
        return sum(line.cost for line in self.lines)

    @property
    def etp(self) -> Decimal:
        return sum((line.etp for line in self.lines), Decimal(0))

    @property
    def carried(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.brick != self.id)


@dataclass(frozen=True)
class Upgrade:
    insee: str
    brick: str
    amount: int              # cents
    reason: str | None


@dataclass
class CommuneCost:
    insee: str
    name: str
    source: str | None
    keys: dict[str, Fraction] = field(default_factory=dict)     # brick -> percent
    charges: dict[str, int] = field(default_factory=dict)       # brick -> cents
    upgrades: list[Upgrade] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.charges.values()) + sum(u.amount for u in self.upgrades)


NoticeKind = Literal["carried", "unheld", "replaced-held"]
"""``carried``: a budget line moved to the brick that replaces its own (a note); ``unheld``:
a brick with costs no commune holds; ``replaced-held``: a commune holding the replaced brick
but not its replacement (warnings)."""


@dataclass(frozen=True)
class Notice:
    """A note (a budget line moved to another brick) or a warning (nothing to share with)."""

    kind: NoticeKind
    brick: str
    to: str | None = None
    insee: str | None = None
    cost: int = 0
    version: str | None = None
    source: str | None = None
    citation: str | None = None


@dataclass
class CostReport:
    """Each commune's share of each budget brick for one budget year, with licence upgrades,
    notes and warnings."""

    year: int
    bricks: list[BrickCost]
    communes: list[CommuneCost]
    notes: list[Notice]
    warnings: list[Notice]

    @property
    def reference_date(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def key_year(self) -> int:
        return self.year - 1

    @property
    def total(self) -> int:
        """What the communes are charged: shared costs and licence upgrades."""
        return sum(c.total for c in self.communes)

    @property
    def upgrades_total(self) -> int:
        return sum(u.amount for c in self.communes for u in c.upgrades)

    @property
    def unallocated(self) -> int:
        """The cost of budget bricks nobody holds."""
        return sum(b.cost for b in self.bricks if not b.subscribers)


def held_on(profile: Profile, day: dt.date) -> frozenset[str]:
    """Bricks with a subscription dated on or before ``day``, or undated: the one notion
    of "held on a date" that check and audit use too (``facts.held_on``)."""
    return facts.held_on(profile, day)


def carrier(catalog: Catalog, brick: str, day: dt.date) -> tuple[str, list[str]]:
    """The brick that carries ``brick``'s budget line on ``day``, and the bricks it went by."""
    path = [brick]
    while True:
        replaced = catalog.bricks[path[-1]].replaced_by
        if (replaced is None or replaced.brick in path
                or catalog.versions[replaced.version].adopted > day):
            return path[-1], path
        path.append(replaced.brick)


def compute_costs(budget: Budget, profiles: Sequence[Profile | tuple[str, Profile]],
                  catalog: Catalog, *, budget_source: str = "<budget>") -> CostReport:
    """Each commune's share of each budget brick, and its licence upgrades.

    ``profiles`` are profiles or ``(file, profile)`` pairs (the file names the commune in
    errors). Raises ``InputError`` for a subscriber without a usable compte administratif
    of ``budget.year - 1`` and for a licence upgrade that cannot be charged.
    """
    day = budget.reference_date
    entries = [p if isinstance(p, tuple) else (None, p) for p in profiles]
    communes: dict[str, CommuneCost] = {}
    holdings: dict[str, frozenset[str]] = {}
    by_insee: dict[str, Profile] = {}
    problems: list[InputError] = []
    for source, profile in sorted(entries, key=lambda e: e[1].commune.insee):
        insee = profile.commune.insee
        if insee in communes:
            problems.append(InputError(f"commune {insee} is given twice", source=source,
                                       field="commune.insee"))
            continue
        communes[insee] = CommuneCost(insee, profile.commune.name, source)
        holdings[insee] = held_on(profile, day)
        by_insee[insee] = profile
    if problems:
        raise InputErrors(problems)

    # Budget lines, grouped under the brick that carries them.
    grouped: dict[str, list[Line]] = {}
    notes: list[Notice] = []
    for brick_id, line in budget.bricks.items():
        to, path = carrier(catalog, brick_id, day)
        grouped.setdefault(to, []).append(
            Line(brick_id, line.cost_cents, line.etp or Decimal(0), to))
        if to != brick_id:
            replaced = catalog.bricks[path[-2]].replaced_by
            assert replaced is not None
            notes.append(Notice("carried", brick_id, to=to, cost=line.cost_cents,
                                version=replaced.version, source=replaced.source,
                                citation=replaced.citation))

    order = {b: i for i, b in enumerate(catalog.bricks)}
    bricks: list[BrickCost] = []
    warnings: list[Notice] = []
    weights_of: dict[str, Fraction] = {}
    unusable: set[str] = set()          # subscribers whose account is a problem (told once)
    for brick_id in sorted(grouped, key=lambda b: order.get(b, len(order))):
        lines = tuple(sorted(grouped[brick_id], key=lambda ln: (ln.brick != brick_id,
                                                                order.get(ln.brick, 0))))
        holders = sorted(i for i, held in holdings.items() if brick_id in held)
        for insee in holders:
            if insee not in weights_of and insee not in unusable:
                weight = _weight(by_insee[insee], communes[insee].source, budget.year,
                                 brick_id, problems)
                if weight is None:
                    unusable.add(insee)
                else:
                    weights_of[insee] = weight
        if not holders:
            cost = sum(line.cost for line in lines)
            warnings.append(Notice("unheld", brick_id, cost=cost))
            bricks.append(BrickCost(brick_id, lines, (), {}, {}))
            continue
        if any(i not in weights_of for i in holders):
            continue
        weights = {i: weights_of[i] for i in holders}
        shares = share_cost(sum(line.cost for line in lines), weights)
        keys = key_percent(weights)
        bricks.append(BrickCost(brick_id, lines, tuple(holders), shares, keys))
        for insee in holders:
            communes[insee].charges[brick_id] = shares[insee]
            communes[insee].keys[brick_id] = keys[insee]
    for note in notes:
        for insee, held in sorted(holdings.items()):
            if note.brick in held and note.to not in held:
                warnings.append(Notice("replaced-held", note.brick, to=note.to, insee=insee,
                                       version=note.version))

    for index, upgrade in enumerate(budget.licence_upgrades):
        where = f"licence_upgrades.{index}"
        if upgrade.insee not in communes:
            problems.append(InputError(
                f"commune {upgrade.insee} is not among the profiles given", source=budget_source,
                field=f"{where}.insee",
                hint="give its profile too, or remove the upgrade"))
            continue
        if upgrade.brick not in holdings[upgrade.insee]:
            name = communes[upgrade.insee].name
            problems.append(InputError(
                f"commune {upgrade.insee} {name} does not hold '{upgrade.brick}' on {day}: "
                "a licence upgrade is charged on a brick the commune holds",
                source=budget_source, field=f"{where}.brick",
                hint="check the brick, or the subscription's `since` in its profile"))
            continue
        communes[upgrade.insee].upgrades.append(
            Upgrade(upgrade.insee, upgrade.brick, upgrade.amount_cents, upgrade.reason))
    if problems:
        raise InputErrors(problems)
    return CostReport(budget.year, bricks, list(communes.values()), notes, warnings)


def _weight(profile: Profile, source: str | None, year: int, brick: str,
            problems: list[InputError]) -> Fraction | None:
    """The commune's compte administratif of ``year - 1``, or a problem naming it."""
    commune = f"commune {profile.commune.insee} {profile.commune.name}"
    finances = profile.finances
    needed = f"the {year} budget needs the compte administratif of {year - 1}"
    if finances.year is None and finances.fonctionnement is None \
            and finances.investissement is None:
        problems.append(InputError(
            f"{commune} holds '{brick}' but has no compte administratif (finances)",
            source=source, field="finances", hint=needed))
        return None
    if finances.year != year - 1:
        got = "no year" if finances.year is None else f"the year {finances.year}"
        problems.append(InputError(
            f"{commune} holds '{brick}' but its compte administratif has {got}",
            source=source, field="finances.year", hint=needed))
        return None
    for part in ("fonctionnement", "investissement"):
        if getattr(finances, part) is None:
            problems.append(InputError(
                f"{commune} holds '{brick}' but its compte administratif {year - 1} has no "
                f"{part}", source=source, field=f"finances.{part}",
                hint="the key is fonctionnement + investissement"))
            return None
    total = Fraction(Decimal(repr(finances.fonctionnement))) + Fraction(
        Decimal(repr(finances.investissement)))
    if total <= 0:
        problems.append(InputError(
            f"{commune} holds '{brick}' but its compte administratif {year - 1} is 0 €",
            source=source, field="finances", hint="a zero key would make it pay nothing"))
        return None
    return total
