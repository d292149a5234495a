"""Issue 10.4: every sentence and label in both languages goes through the wording layer.

Outside ``eligibility/wording/`` no module tests a language itself: no ``lang == "en"``,
no ``"fr" != x``. An AST walk, so that formatting, quotes or ``self.lang`` change nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "eligibility"
WORDING = PACKAGE / "wording"
LANG_LITERALS = {"fr", "en"}


def _is_lang(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "lang") or \
        (isinstance(node, ast.Attribute) and node.attr == "lang")


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_lang_literal(node: ast.expr) -> bool:
    return _is_str(node) and isinstance(node, ast.Constant) and node.value in LANG_LITERALS


def language_tests(source: str) -> list[int]:
    """The lines comparing a language: ``lang``/``.lang`` with a string literal, or the
    literal ``"fr"``/``"en"`` with anything (``==``, ``!=``, ``is``, ``in`` alike)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        pairs = zip(sides, sides[1:], strict=False)
        if any((_is_lang(a) and _is_str(b)) or (_is_str(a) and _is_lang(b))
               or _is_lang_literal(a) or _is_lang_literal(b) for a, b in pairs):
            lines.append(node.lineno)
    return lines


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if WORDING not in p.parents)


def test_the_walk_sees_a_language_test() -> None:
    # The detector itself, so that an empty result below means something.
    assert language_tests('x = "a" if lang == "en" else "b"\n') == [1]
    assert language_tests('ok = self.lang != "fr"\n') == [1]
    assert language_tests('ok = "en" == chosen\n') == [1]
    assert language_tests('ok = lang in ("fr", "en")\n') == []  # a membership, not a pick
    assert language_tests('ok = kind == "all"\n') == []


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_language_test_outside_wording(module: Path) -> None:
    found = language_tests(module.read_text(encoding="utf-8"))
    assert not found, (f"{module.relative_to(PACKAGE.parent)}: lines {found} compare a "
                       "language; ask eligibility.wording instead")
