"""The commune profile (CONTRACT §2) as pydantic models, derived from the catalog's facts.

Only ``commune.insee`` and ``commune.name`` are required. Every other field may be
left out, and a field left out is *unknown* (``None``), never zero or false.

Design decisions:

* The fields that are facts are not written here: ``profile_model(vocabulary)`` builds
  the model from the catalog's ``facts.yaml`` (``pydantic.create_model``), one section
  model per profile section, each fact typed strictly by its kind (``FIELD_TYPES``).
  A catalog declaring a new fact has a profile model taking it, with no code change.
* The parts that are not facts are written by hand: the commune's code and name, the
  convention with its history, the accounts' year, subscriptions and requests. Values
  that the catalog defines besides facts (convention versions, brick ids) are checked
  against the catalog given in the validation context, see ``load_profile``.
* ``Profile`` is the base every derived model extends: the type the rest of the
  program names. One strict base (``documents.strict.StrictModel``) for every model.
* Validation is on the audit's path (35,000 profiles, issue 12): the validators written
  in Python answer the common case first (a printable name, a known version or level)
  and keep what they worked out from a text (its date, the id an EPCI's name stands
  for), bounded; a refusal is never kept, so its message is always made afresh.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from eligibility.catalog.vocabulary import Fact, Vocabulary
from eligibility.documents.bounded import has_controls, shown
from eligibility.documents.strict import StrictModel
from eligibility.errors import did_you_mean

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog


def iso_date(value: object) -> dt.date:
    """A ``YYYY-MM-DD`` date, and nothing else: not an integer or an epoch, not a
    datetime (pydantic would take ``1700000000`` and ``2022-01-01T00:00`` as dates)."""
    if isinstance(value, str):
        # A text read before (a commune has ~5 dates, an audit many alike): its date.
        found = _DATES.get(value)
        if found is not None:
            return found
        if len(_DATES) >= _MOST_DATES:
            _DATES.clear()
        found = _DATES[value] = _date_of_text(value)
        return found
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError(f"expected a date YYYY-MM-DD (got {shown(value)})")


def _date_of_text(value: str) -> dt.date:
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected a date YYYY-MM-DD (got {shown(value)})")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"expected a date YYYY-MM-DD, got the impossible date "
                         f"{shown(value)} ({error})") from None


def _plain_text(value: object) -> object:
    """Free text (a commune's name) without control characters: it is printed on
    terminals and in reports, where a newline or an escape could forge a line."""
    # ``isprintable`` first: a printable text has none (controls and bidi marks are all
    # unprintable, a test checks every code point), and it is a C loop.
    if isinstance(value, str) and not value.isprintable() and has_controls(value):
        raise ValueError(f"control characters are not allowed (got {shown(value)})")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATES: dict[str, dt.date] = {}  # text -> its date (only valid ones: errors are not kept)
_MOST_DATES = 4096  # emptied when full: a few years of days
IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
"""A date written ``YYYY-MM-DD`` (an impossible one is called impossible)."""
Count = Annotated[int, Field(strict=True, ge=0)]
"""A count: an integer ≥ 0 (``true``, ``2.0``, ``'3'`` are errors)."""
YesNo = Annotated[bool, Field(strict=True)]
"""A yes/no: ``true`` or ``false`` only (``1``, ``'yes'`` are errors)."""
Amount = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
"""Euros: a finite number ≥ 0 (an integer is fine; ``.inf``, ``'3'``, ``true`` are errors)."""
Text = Annotated[str, BeforeValidator(_plain_text)]


def empty_list() -> list[Any]:
    """A new empty list: the default of a list field. A function of this module rather
    than ``list``, because pydantic reads a default factory's signature, and a builtin's
    is parsed from text (the first time, compiling the tokenizer: issue 12)."""
    return []


def _made(model: type[_Strict]) -> Callable[[], _Strict]:
    """A factory of ``model`` with no field given (a section left out: its facts unknown,
    a set empty), whose signature pydantic reads at once (a model's own would be computed
    from its fields).

    It makes one instance, the first time, and gives it to every profile leaving the
    section out: a section is frozen, so they may share it, and the facts of a shared
    section are worked out once (``profile.facts``, issue 12: a new empty section per
    profile was a new object to work out for every commune of an audit)."""
    made: list[_Strict] = []

    def make() -> _Strict:
        if not made:
            made.append(model())
        return made[0]

    return make


class _Strict(StrictModel):
    """A part of the profile. Unknown fields are errors: a typo must never become a
    silently unknown fact."""

    if TYPE_CHECKING:  # the facts of a section are fields made from the vocabulary
        def __getattr__(self, name: str) -> Any: ...


def _catalog(info: ValidationInfo) -> Catalog | None:
    found: Catalog | None = (info.context or {}).get("catalog")
    return found


def _check_choice(value: str, choices: list[str], what: str) -> str:
    if value not in choices:
        hint = did_you_mean(value, choices) or f"expected one of: {', '.join(choices)}"
        raise ValueError(f"unknown {what} {shown(value)} — {hint}")
    return value


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _known_text(fact: Fact) -> Callable[[object], object]:
    """Free text that knows some values (``commune.epci``: the agglomeration): a known
    value is taken by its id or its written name (``Nîmes Métropole``), as the CSV path
    accepts it; a near miss (``nimes-metropol``) is an error suggesting the id, not
    silently another value. Any other text is another value (another EPCI: not a member)."""
    by_slug = {_slug(v.id): v.id for v in fact.choices}
    by_slug.update({_slug(v.label(lang)): v.id for v in fact.choices for lang in ("fr", "en")})
    ids = list(fact.values)
    # A text taken before: the id it names, or None for another value kept as written
    # (communes of one agglomeration write its name alike). Refusals are not kept.
    taken: dict[str, str | None] = {}

    def known(value: object) -> object:
        if not isinstance(value, str):
            return value
        seen = taken.get(value, _UNSEEN)  # one look-up: another thread may empty it
        if seen is not _UNSEEN:
            return value if seen is None else seen
        _plain_text(value)
        slug = _slug(value)
        found = by_slug.get(slug)
        if found is None and slug and (hint := did_you_mean(slug, ids)) is not None:
            raise ValueError(f"unknown {fact.label.en} {shown(value)} — {hint} "
                             f"(another name means another {fact.label.en})")
        if len(value) <= _LONGEST_KEPT:  # a huge text is not kept
            if len(taken) >= _MOST_TEXTS:
                taken.clear()
            taken[value] = found
        return value if found is None else found

    return known


_MOST_TEXTS = 1024  # texts kept per fact (emptied when full), each of at most:
_LONGEST_KEPT = 200
_UNSEEN = object()


OWN_SECTION = "commune"
"""The section of a profile that is the commune's own (its code and name): no two
profiles share it (``profile.sections``, ``profile.facts``)."""


class Commune(_Strict):
    """Who the commune is (its facts, such as its population, join from the vocabulary)."""

    insee: str = Field(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$",
                       description="INSEE code, 5 characters")
    name: Text = Field(min_length=1)


class Signature(_Strict):
    version: str
    signed_on: IsoDate | None = None

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str, info: ValidationInfo) -> str:
        catalog = _catalog(info)
        if catalog is None or value in catalog.versions or value == "none":
            return value  # the choices are the catalog's versions and "none"
        return _check_choice(value, [*catalog.version_ids, "none"], "convention version")

    @field_validator("signed_on")
    @classmethod
    def _not_before_adoption(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        catalog = _catalog(info)
        version = info.data.get("version")
        if value is None or catalog is None or version not in catalog.versions:
            return value
        adopted = catalog.versions[version].adopted
        if value < adopted:
            raise ValueError(f"signed on {value} but {version} was adopted on {adopted}")
        return value


def _starts(signature: Signature, catalog: object) -> dt.date | None:
    """The day a signature applies from: its ``signed_on``, else its version's adoption
    (None: not known here, e.g. without a catalog or for an undated ``none``)."""
    if signature.signed_on is not None:
        return signature.signed_on
    versions = getattr(catalog, "versions", None)
    if versions is not None and signature.version in versions:
        adopted: dt.date = versions[signature.version].adopted
        return adopted
    return None


class Convention(Signature):
    history: list[Signature] = Field(default_factory=empty_list)

    @model_validator(mode="after")
    def _history_before_signature(self, info: ValidationInfo) -> Convention:
        """``history`` lists *earlier* signatures (issue 8): one that applies after the
        current one is an error naming it; a ``none`` after earlier signatures needs the
        day it took effect, or the history could not be honoured."""
        problems: list[InitErrorDetails] = []
        if self.version == "none" and self.signed_on is None and any(
                s.version != "none" for s in self.history):
            problems.append(InitErrorDetails(
                type=PydanticCustomError(
                    "value_error", "version 'none' after earlier signatures needs the date it "
                    "took effect (the day the commune left the convention)"),
                loc=("signed_on",), input=None))
        catalog = _catalog(info)
        current = _starts(self, catalog)
        for index, signature in enumerate(self.history):
            start = _starts(signature, catalog)
            if current is None or start is None or start <= current:
                continue
            dated = "signed on" if signature.signed_on is not None else "adopted on"
            problems.append(InitErrorDetails(
                type=PydanticCustomError(
                    "value_error", "{version} {dated} {start} comes after the current "
                    "signature ({current_version}, from {current}): the history lists earlier "
                    "signatures", {"version": signature.version, "dated": dated,
                                   "start": str(start), "current_version": self.version,
                                   "current": str(current)}),
                loc=("history", index, "signed_on" if signature.signed_on else "version"),
                input=signature.signed_on or signature.version))
        if problems:
            raise ValidationError.from_exception_data("Convention", problems)
        return self


class Finances(_Strict):
    """The accounts' year: not a fact (no rule reads it), the costs' key checks it."""

    year: Annotated[int, Field(strict=True)] | None = Field(default=None, ge=1900, le=2200)


def _brick_id(value: object, info: ValidationInfo) -> str:
    """Accept ids and aliases (``3bis``), store the canonical id."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"expected a brick id (got {shown(value)})")
    catalog = _catalog(info)
    if catalog is None:
        return str(value)
    canonical = catalog.resolve(str(value))
    if canonical is None:
        hint = did_you_mean(str(value), catalog.names) or "see `eligibility rules list`"
        raise ValueError(f"unknown brick {shown(value)} — {hint}")
    return canonical


BrickId = Annotated[str, BeforeValidator(_brick_id)]
"""A brick id or alias, stored as the canonical id."""


class Subscription(_Strict):
    brick: BrickId
    since: IsoDate | None = None


class Profile(_Strict):
    """One commune: what it is, what it has, what it asks for.

    The base of every profile model: ``profile_model`` derives the fields from the
    catalog's vocabulary (``parse_profile`` validates with the catalog's model).
    """

    if TYPE_CHECKING:  # fields made by ``profile_model``, in the order of CONTRACT §2
        commune: Commune
        convention: Convention | None
        finances: Finances
        subscriptions: list[Subscription]
        requests: list[str]

    @property
    def held(self) -> frozenset[str]:
        return frozenset(s.brick for s in self.subscriptions)

    def __reduce__(self) -> tuple[Any, ...]:
        # A derived model is not reachable by its name: pickle (worker processes) rebuilds
        # it from its vocabulary, then the profile from its data, already validated.
        vocabulary = getattr(type(self), "__vocabulary__", None)
        return (_rebuild, (vocabulary, self.model_dump(mode="python")))

    def with_changes(self, changes: dict[str, object]) -> Profile:
        """A copy with dotted fields set (``{"network.fibre": "ftto"}``)."""
        data = self.model_dump(mode="python")
        for path, value in changes.items():
            node = data
            *parents, last = path.split(".")
            for part in parents:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
            node[last] = value
        return type(self).model_validate(data)


# --- the model, from the vocabulary ----------------------------------------------------

def _level(fact: Fact) -> Callable[[str], str]:
    values = list(fact.values)
    accepted = frozenset(values)

    def known(value: str) -> str:
        if value in accepted:
            return value
        return _check_choice(value, values, fact.label.en)

    return known


def field_type(fact: Fact) -> Any:
    """The strict type of a fact's value, by its kind (issue 9): counts are integers
    ≥ 0, yes/no only ``true``/``false``, dates ``YYYY-MM-DD``, amounts finite, the
    values of an enum or a set those the vocabulary lists, a level checked against
    its order (an unknown one named by the fact's label, « unknown fibre level »)."""
    if fact.kind == "bool":
        return YesNo
    if fact.kind == "count":
        return Count
    if fact.kind == "amount":
        return Amount
    if fact.kind == "date":
        return IsoDate
    if fact.kind == "level":
        return Annotated[str, Field(strict=True), AfterValidator(_level(fact))]
    if fact.kind in ("enum", "set"):
        choice = cast(Any, Literal)[fact.values]
        return list[choice] if fact.kind == "set" else choice  # type: ignore[valid-type]
    if fact.values:  # a text that knows some values
        return Annotated[str, BeforeValidator(_known_text(fact))]
    return Text


def _fact_field(fact: Fact) -> tuple[Any, Any]:
    title, description = fact.label.fr, fact.question("fr")
    if fact.kind == "set":  # a list: empty when not given (CONTRACT §2)
        return field_type(fact), Field(default_factory=empty_list, title=title,
                                       description=description)
    return field_type(fact) | None, Field(default=None, title=title, description=description)


# Hand-written parts each section of facts extends (the others extend the strict base).
_FIXED: dict[str, type[_Strict]] = {"commune": Commune, "finances": Finances}


def _section_name(section: str) -> str:
    return "".join(part.capitalize() for part in section.split("_"))


@functools.lru_cache(maxsize=16)
def profile_model(vocabulary: Vocabulary) -> type[Profile]:
    """The profile model of a catalog's facts, built once per vocabulary.

    Fields are in the order of CONTRACT §2: the commune, the convention, a section per
    profile section of the vocabulary (in the file's order), then subscriptions and
    requests; a fixed section (``commune``, ``finances``) keeps its own fields first.
    """
    sections: dict[str, Any] = {}
    for section in [*_FIXED, *vocabulary.sections()]:
        if section in sections:
            continue
        facts = {f.name: _fact_field(f) for f in vocabulary.in_section(section)}
        base = _FIXED.get(section, _Strict)
        sections[section] = create_model(  # type: ignore[call-overload]
            _section_name(section), __base__=base, __module__=__name__, **facts)
    fields: dict[str, Any] = {"commune": (sections.pop("commune"), ...),
                              "convention": (Convention | None, None)}
    for section, part in sections.items():
        if section != "finances":
            fields[section] = (part, Field(default_factory=_made(part)))
    fields["finances"] = (sections["finances"],
                          Field(default_factory=_made(sections["finances"])))
    fields["subscriptions"] = (list[Subscription], Field(default_factory=empty_list))
    fields["requests"] = (list[BrickId], Field(default_factory=empty_list))
    built: type[Profile] = create_model("Profile", __base__=Profile, __module__=__name__,
                                        **fields)
    built.__doc__ = Profile.__doc__
    built.__vocabulary__ = vocabulary  # type: ignore[attr-defined]
    return built


def _rebuild(vocabulary: Vocabulary, data: dict[str, Any]) -> Profile:
    return profile_model(vocabulary).model_validate(data)


def model_for(catalog: Catalog) -> type[Profile]:
    """The profile model of ``catalog``."""
    return profile_model(catalog.facts)

