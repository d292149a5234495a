"""The one strict model base: every document the program reads (catalog files, commune
profiles, budgets) is validated by a pydantic model built on ``StrictModel``.

Unknown fields are errors (a typo must never become a silently unknown fact or an
ignored rule), and a validated document is frozen (no code changes what was read).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A document's part as read: unknown keys refused, values frozen."""

    # defer_build: a model is built when first used, not when its module is imported
    # (issue 12: a command pays only for the documents it reads).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
