"""The sentences and numbers of ``eligibility costs``, in French and English.

Amounts are cents (``money``: « 1 234,50 € », "€1,234.50"), keys exact fractions
(``key_percent``: « 12,3456 % », "12.3456%"); a note or a warning of the report is data
(``Notice`` in ``eligibility.costs.shares``) said here (``notice_text``). The renderers in
``eligibility.reports.costs`` only lay these out. This layer sits below the costs, so it
reads a notice through the ``NoticeData`` protocol.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Protocol

from eligibility.catalog.model import Catalog
from eligibility.wording.bricks import brick_label as label_of
from eligibility.wording.bricks import brick_title as title_of
from eligibility.wording.i18n import counted, say, the, version_label


class NoticeData(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def brick(self) -> str: ...
    @property
    def to(self) -> str | None: ...
    @property
    def insee(self) -> str | None: ...
    @property
    def cost(self) -> int: ...
    @property
    def version(self) -> str | None: ...


def money(cents: int, lang: str = "fr") -> str:
    """``1 234,50 €`` in French, ``€1,234.50`` in English."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return say(lang, f"{sign}{whole:,}".replace(",", " ") + f",{rest:02d} €",
               f"{sign}€{whole:,}.{rest:02d}")


def euros(cents: int) -> Decimal:
    """Cents as euros with exactly two decimals (``123450`` -> ``Decimal('1234.50')``)."""
    return Decimal(cents).scaleb(-2)


def percent(value: Fraction, places: int = 4) -> Decimal:
    """An exact percentage rounded half up to ``places`` decimals."""
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        quantum, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> Decimal:
    """``2.50`` -> ``2.5``, ``3.0`` -> ``3``: an ETP count as written."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def percent_label(value: Fraction, lang: str) -> str:
    """A key as said: « 12,3456 % », "12.3456%"."""
    text = f"{percent(value)}"
    return say(lang, f"{text.replace('.', ',')} %", f"{text}%")


def etp(value: Decimal, lang: str) -> str:
    """An ETP count as said: « 2,5 », "2.5"."""
    text = format(plain(value), "f")
    return say(lang, text.replace(".", ","), text)


def brick_label(catalog: Catalog, brick: str, lang: str) -> str:
    """``brique 9 « SI Urbanisme »`` (the id when the catalog does not know it)."""
    return label_of(catalog.bricks[brick], lang) if brick in catalog.bricks else brick


def brick_title(catalog: Catalog, brick: str, lang: str) -> str:
    return title_of(catalog.bricks[brick], lang) if brick in catalog.bricks else brick


def day_label(day: dt.date, lang: str) -> str:
    """« 1er janvier 2023 », "1 January 2023"; another day in ISO form."""
    if (day.month, day.day) != (1, 1):
        return day.isoformat()
    return say(lang, f"1er janvier {day.year}", f"1 January {day.year}")


def key_sentence(year: int, key_year: int, day: dt.date, lang: str) -> str:
    """The single key, in one sentence (its citation follows it)."""
    del year  # the key is the accounts of the year before the budget's
    return say(lang,
               f"Clé unique : la part de chaque commune dans le total des comptes "
               f"administratifs {key_year} (fonctionnement + investissement) des communes "
               f"qui détiennent la brique au {day_label(day, lang)}.",
               f"Single key: each commune's share of the total {key_year} annual "
               f"accounts (operating + capital expenditure) of the communes holding the "
               f"brick on {day_label(day, lang)}.")


def notice_text(notice: NoticeData, day: dt.date, commune: str, catalog: Catalog,
                lang: str = "fr") -> str:
    """The sentence of a note or a warning (without its citation); ``commune`` names the
    commune a ``replaced-held`` warning is about."""
    brick = brick_label(catalog, notice.brick, lang)
    to = brick_label(catalog, notice.to, lang) if notice.to else ""
    version = (version_label(catalog, notice.version, lang, article=False)
               if notice.version is not None else "None")
    cost = money(notice.cost, lang)
    if notice.kind == "carried":
        return say(lang,
                   f"la ligne budgétaire de la {brick} ({cost}) est portée par les communes "
                   f"qui détiennent la {to} : {the(version, 'fr')} a supprimé la brique et "
                   "transféré ses coûts",
                   f"the budget line of {brick} ({cost}) is carried by the communes holding "
                   f"{to}: {version} deleted the brick and moved its costs")
    if notice.kind == "unheld":
        shown = day_label(day, lang)
        return say(lang,
                   f"aucune commune ne détient la {brick} au {shown} : ses {cost} ne sont pas "
                   "répartis (hors total)",
                   f"no commune holds {brick} on {shown}: its {cost} are not shared (not in "
                   "the total)")
    return say(lang,
               f"{commune} détient encore la {brick} mais pas la {to}, qui en porte les "
               f"coûts depuis {the(version, 'fr')} : elle ne paie rien pour cette ligne",
               f"{commune} still holds {brick} but not {to}, which carries its costs since "
               f"{version}: it pays nothing for that line")


def subscribers(count: int, lang: str) -> str:
    """« 3 communes », "1 commune" (French: 0 and 1 singular)."""
    return counted(count, lang, "commune", "commune")
