"""Numbers as typed in a spreadsheet cell or a form field: one reader for both."""

from __future__ import annotations

import pytest

from eligibility.documents.numbers import typed_number


@pytest.mark.parametrize(("text", "integer", "expected"), [
    ("4 237", True, 4237),
    ("4\u00a0237", True, 4237),
    ("3 100 000,50", False, 3100000.5),
    ("12,0", True, 12),
    ("12,5", True, "12,5"),          # not a whole count: left for the model to name
    (" abc ", True, "abc"),
    ("1.5e3", False, 1500.0),
])
def test_typed_number(text: str, integer: bool, expected: object) -> None:
    assert typed_number(text, integer) == expected


def test_a_long_count_is_not_rounded_through_a_float() -> None:
    # float("9007199254740993") is 9007199254740992: a silent wrong count before.
    assert typed_number("9007199254740993", True) == 9007199254740993
