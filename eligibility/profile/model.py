"""The commune profile (CONTRACT §2) as pydantic models.

Only ``commune.insee`` and ``commune.name`` are required. Every other field may be
left out, and a field left out is *unknown* (``None``), never zero or false.
Values that the catalog defines (convention versions, fibre levels, brick ids) are
checked against the catalog given in the validation context, see ``load_profile``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from eligibility.documents.bounded import has_controls, shown
from eligibility.errors import did_you_mean

UrbanismeDocument = Literal["plu", "plui", "carte_communale", "rnu"]
CollaborationTool = Literal["none", "alfresco", "office365"]
SigTool = Literal["none", "geoagglo", "mycarto"]
VsiUseCase = Literal[
    "crowd", "density", "bulky_objects", "abandoned_objects", "traffic", "wrong_way",
    "intrusion", "person_on_ground", "fire", "weapons",
    "biometric_identification", "facial_recognition",
]


def iso_date(value: object) -> dt.date:
    """A ``YYYY-MM-DD`` date, and nothing else: not an integer or an epoch, not a
    datetime (pydantic would take ``1700000000`` and ``2022-01-01T00:00`` as dates)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected a date YYYY-MM-DD (got {shown(value)})")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"expected a date YYYY-MM-DD, got the impossible date "
                         f"{shown(value)} ({error})") from None


def _plain_text(value: object) -> object:
    """Free text (a commune's name) without control characters: it is printed on
    terminals and in reports, where a newline or an escape could forge a line."""
    if isinstance(value, str) and has_controls(value):
        raise ValueError(f"control characters are not allowed (got {shown(value)})")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
"""A date written ``YYYY-MM-DD`` (an impossible one is called impossible)."""
Count = Annotated[int, Field(strict=True, ge=0)]
"""A count: an integer ≥ 0 (``true``, ``2.0``, ``'3'`` are errors)."""
YesNo = Annotated[bool, Field(strict=True)]
"""A yes/no: ``true`` or ``false`` only (``1``, ``'yes'`` are errors)."""
Amount = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
"""Euros: a finite number ≥ 0 (an integer is fine; ``.inf``, ``'3'``, ``true`` are errors)."""
Text = Annotated[str, BeforeValidator(_plain_text)]
MEMBER_EPCI = "nimes-metropole"


class _Strict(BaseModel):
    # Unknown fields are errors: a typo must never become a silently unknown fact.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _catalog(info: ValidationInfo):  # -> Catalog | None
    return (info.context or {}).get("catalog")


def _check_choice(value: str, choices: list[str], what: str) -> str:
    if value not in choices:
        hint = did_you_mean(value, choices) or f"expected one of: {', '.join(choices)}"
        raise ValueError(f"unknown {what} {shown(value)} — {hint}")
    return value


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _epci(value: object) -> object:
    """The agglomeration by its id or its written name (``Nîmes Métropole``), as the CSV
    path accepts it; a near miss (``nimes-metropol``) is an error suggesting the id, not
    silently another EPCI. Any other name is another EPCI: not a member."""
    if not isinstance(value, str):
        return value
    _plain_text(value)
    slug = _slug(value)
    if slug == MEMBER_EPCI:
        return MEMBER_EPCI
    if slug and did_you_mean(slug, [MEMBER_EPCI]) is not None:
        raise ValueError(f"unknown EPCI {shown(value)} — did you mean '{MEMBER_EPCI}'? "
                         "(another name means: not a member)")
    return value


class Commune(_Strict):
    insee: str = Field(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$",
                       description="INSEE code, 5 characters")
    name: Text = Field(min_length=1)
    population: Count | None = None
    epci: Annotated[str | None, BeforeValidator(_epci)] = Field(
        default=None, description="'nimes-metropole' for a member")


class Signature(_Strict):
    version: str
    signed_on: IsoDate | None = None

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str, info: ValidationInfo) -> str:
        catalog = _catalog(info)
        if catalog is None:
            return value
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
    history: list[Signature] = Field(default_factory=list)

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


class Network(_Strict):
    gecko: YesNo | None = None
    fibre: str | None = Field(default=None, description="none < ftth < ftte < ftto")

    @field_validator("fibre")
    @classmethod
    def _known_level(cls, value: str | None, info: ValidationInfo) -> str | None:
        catalog = _catalog(info)
        if value is None or catalog is None:
            return value
        return _check_choice(value, list(catalog.levels["network.fibre"]), "fibre level")


class Equipment(_Strict):
    cameras: Count | None = None
    schools: Count | None = None
    workstations: Count | None = None
    mobile_lines: Count | None = None
    # Fixed lines the commune wants the DN to take over (0: only the mobile part of brick 7).
    fixed_lines: int | None = Field(default=None, ge=0)


class Authorisations(_Strict):
    videoprotection_prefectorale: YesNo | None = None


class Urbanisme(_Strict):
    document: UrbanismeDocument | None = None


class Tools(_Strict):
    collaboration: CollaborationTool | None = None
    sig: SigTool | None = None


class Vsi(_Strict):
    use_cases: list[VsiUseCase] = Field(default_factory=list)


class Finances(_Strict):
    year: Annotated[int, Field(strict=True)] | None = Field(default=None, ge=1900, le=2200)
    fonctionnement: Amount | None = None
    investissement: Amount | None = None


def _brick_id(value: object, info: ValidationInfo) -> str:
    """Accept ids and aliases (``3bis``), store the canonical id."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"expected a brick id (got {shown(value)})")
    catalog = _catalog(info)
    if catalog is None:
        return value
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
    """One commune: what it is, what it has, what it asks for."""

    commune: Commune
    convention: Convention | None = None
    network: Network = Field(default_factory=Network)
    equipment: Equipment = Field(default_factory=Equipment)
    authorisations: Authorisations = Field(default_factory=Authorisations)
    urbanisme: Urbanisme = Field(default_factory=Urbanisme)
    tools: Tools = Field(default_factory=Tools)
    vsi: Vsi = Field(default_factory=Vsi)
    finances: Finances = Field(default_factory=Finances)
    subscriptions: list[Subscription] = Field(default_factory=list)
    requests: list[BrickId] = Field(default_factory=list)

    @property
    def held(self) -> frozenset[str]:
        return frozenset(s.brick for s in self.subscriptions)

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
        return Profile.model_validate(data)


Status = Literal["eligible", "ineligible", "undetermined", "unavailable"]
