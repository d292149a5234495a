"""Errors for bad input: one line naming the file and the field, and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(Exception):
    """Bad input (profile, catalog, option): the CLI prints it on one line and exits 2.

    ``source`` is the file (or option) at fault, ``field`` the dotted path inside it.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        text = ": ".join([*parts, self.message])
        if self.hint:
            text += f" — {self.hint}"
        return text


class InputErrors(InputError):
    """Several bad-input problems at once (one line each); the first is the headline."""

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        super().__init__(first.message, source=first.source, field=first.field, hint=first.hint)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(InputError.__str__(p) for p in self.problems)


class CatalogError(InputError):
    """The rule catalog cannot be used (run `eligibility rules lint` for every finding)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``"did you mean 'x'?"`` for the nearest valid name, or None when nothing is close."""
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
