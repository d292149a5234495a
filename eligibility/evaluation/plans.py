"""Plans as plain data: the steps that would make a brick eligible.

Kept apart from ``remediation`` (which finds and checks them) so that an ``Evaluation``
can carry its plans without the verdict types importing the planner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

StepKind = Literal["set", "request", "sign", "find_out"]
SET: StepKind = "set"
REQUEST: StepKind = "request"
SIGN: StepKind = "sign"
FIND_OUT: StepKind = "find_out"


@dataclass(frozen=True)
class Step:
    """One change. ``kind`` is ``set`` (field := value), ``request`` (brick), ``sign``
    (a convention version, ``value``), or ``find_out`` (a profile ``field`` still
    unknown on which the verdict depends: a question, not a change)."""

    rule: str
    kind: StepKind
    field: str | None = None
    value: Any = None
    current: Any = None
    brick: str | None = None


@dataclass(frozen=True)
class Plan:
    """What would make ``brick`` eligible, checked: feasible, or what stands in the way."""

    brick: str
    steps: tuple[Step, ...]
    feasible: bool
    why_not: str | None = None  # when not feasible: what stands in the way
    replaced_by: str | None = None
    out_of_reach: tuple[str, ...] = ()  # facts the commune cannot change that block it

    @property
    def find_out(self) -> tuple[str, ...]:
        """The profile fields to find out before the brick can be called eligible."""
        return tuple(s.field for s in self.steps if s.kind == FIND_OUT and s.field)

    @property
    def changes(self) -> tuple[Step, ...]:
        """The steps that change the profile (every step but the questions)."""
        return tuple(s for s in self.steps if s.kind != FIND_OUT)
