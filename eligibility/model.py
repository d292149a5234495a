"""The commune profile (CONTRACT §2) as pydantic models.

Only ``commune.insee`` and ``commune.name`` are required. Every other field may be
left out, and a field left out is *unknown* (``None``), never zero or false.
Values that the catalog defines (convention versions, fibre levels, brick ids) are
checked against the catalog given in the validation context, see ``load_profile``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from .errors import did_you_mean

UrbanismeDocument = Literal["plu", "plui", "carte_communale", "rnu"]
CollaborationTool = Literal["none", "alfresco", "office365"]
SigTool = Literal["none", "geoagglo", "mycarto"]
VsiUseCase = Literal[
    "crowd", "density", "bulky_objects", "abandoned_objects", "traffic", "wrong_way",
    "intrusion", "person_on_ground", "fire", "weapons",
    "biometric_identification", "facial_recognition",
]


class _Strict(BaseModel):
    # Unknown fields are errors: a typo must never become a silently unknown fact.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _catalog(info: ValidationInfo):  # -> Catalog | None
    return (info.context or {}).get("catalog")


def _check_choice(value: str, choices: list[str], what: str) -> str:
    if value not in choices:
        hint = did_you_mean(value, choices) or f"expected one of: {', '.join(choices)}"
        raise ValueError(f"unknown {what} {value!r} — {hint}")
    return value


class Commune(_Strict):
    insee: str = Field(pattern=r"^(\d{5}|2[AB]\d{3})$", description="INSEE code, 5 characters")
    name: str = Field(min_length=1)
    population: int | None = Field(default=None, ge=0)
    epci: str | None = Field(default=None, description="'nimes-metropole' for a member")


class Signature(_Strict):
    version: str
    signed_on: dt.date | None = None

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


class Convention(Signature):
    history: list[Signature] = Field(default_factory=list)


class Network(_Strict):
    gecko: bool | None = None
    fibre: str | None = Field(default=None, description="none < ftth < ftte < ftto")

    @field_validator("fibre")
    @classmethod
    def _known_level(cls, value: str | None, info: ValidationInfo) -> str | None:
        catalog = _catalog(info)
        if value is None or catalog is None:
            return value
        return _check_choice(value, list(catalog.levels["network.fibre"]), "fibre level")


class Equipment(_Strict):
    cameras: int | None = Field(default=None, ge=0)
    schools: int | None = Field(default=None, ge=0)
    workstations: int | None = Field(default=None, ge=0)
    mobile_lines: int | None = Field(default=None, ge=0)


class Authorisations(_Strict):
    videoprotection_prefectorale: bool | None = None


class Urbanisme(_Strict):
    document: UrbanismeDocument | None = None


class Tools(_Strict):
    collaboration: CollaborationTool | None = None
    sig: SigTool | None = None


class Vsi(_Strict):
    use_cases: list[VsiUseCase] = Field(default_factory=list)


class Finances(_Strict):
    year: int | None = Field(default=None, ge=1900, le=2200)
    fonctionnement: float | None = Field(default=None, ge=0)
    investissement: float | None = Field(default=None, ge=0)


def _brick_id(value: object, info: ValidationInfo) -> str:
    """Accept ids and aliases (``3bis``), store the canonical id."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"expected a brick id (got {value!r})")
    catalog = _catalog(info)
    if catalog is None:
        return value
    canonical = catalog.resolve(str(value))
    if canonical is None:
        hint = did_you_mean(str(value), catalog.names) or "see `eligibility rules list`"
        raise ValueError(f"unknown brick {value!r} — {hint}")
    return canonical


BrickId = Annotated[str, BeforeValidator(_brick_id)]
"""A brick id or alias, stored as the canonical id."""


class Subscription(_Strict):
    brick: BrickId
    since: dt.date | None = None


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
