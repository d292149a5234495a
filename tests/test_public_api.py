"""The public API (issue 10, point 8): what ``eligibility`` exports is stable,
documented, runs as its docstring shows, and shadows no module."""

from __future__ import annotations

import doctest
import inspect
import pkgutil
from pathlib import Path

import pytest

import eligibility

ROOT = Path(__file__).resolve().parent.parent

# The API people use. Removing or renaming a name breaks their code: change this list
# only with a changelog entry.
API = {
    # loading
    "load_catalog", "read_catalog", "load_profile", "parse_profile", "load_budget",
    # computing
    "check", "explain_verdict", "run_audit", "compute_costs", "lint_catalog",
    "verify_catalog",
    # rendering
    "check_text", "check_markdown", "check_json", "check_json_data", "explain_text",
    "audit_text", "audit_markdown", "audit_html", "audit_csv", "audit_json", "provenance",
    # data
    "Catalog", "Profile", "Evaluation", "Verdict", "Reason", "BrickExplanation",
    "AuditOptions", "AuditRun", "Budget", "CostReport", "LintReport",
    # errors
    "EligibilityError", "InputError", "CatalogError",
}

# The parameters of the entry points, as callers pass them.
SIGNATURES = {
    "load_catalog": ["directory"],
    "load_profile": ["path", "catalog"],
    "check": ["catalog", "profile", "as_of", "requested", "engine", "show"],
}


def test_the_api_is_what_it_was() -> None:
    assert set(eligibility.__all__) == API
    assert set(eligibility._EXPORTS) == API


@pytest.mark.parametrize("name", sorted(API))
def test_each_name_resolves_and_is_documented(name: str) -> None:
    value = getattr(eligibility, name)
    doc = inspect.getdoc(value) or ""
    # a dataclass without a docstring gets its signature as one: that is no documentation
    assert doc and not doc.startswith(f"{value.__name__}("), f"{name} has no docstring"


def test_signatures_of_the_entry_points() -> None:
    for name, parameters in SIGNATURES.items():
        found = list(inspect.signature(getattr(eligibility, name)).parameters)
        assert found[:len(parameters)] == parameters, name


def test_no_exported_name_is_a_module_name() -> None:
    modules = {m.name for m in pkgutil.iter_modules(eligibility.__path__)}
    assert {"audit", "costs", "lint", "verify", "explain"} <= modules
    assert not API & modules, "an export would be replaced by the module once imported"


def test_the_package_docstring_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the example names a fixture relative to the checkout
    failures, tried = doctest.testmod(eligibility, optionflags=doctest.ELLIPSIS)
    assert tried >= 5
    assert failures == 0


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError):
        eligibility.no_such_thing  # noqa: B018
    assert eligibility.__version__ and eligibility.__version__[0].isdigit()


def test_what_type_checkers_see_is_what_is_exported() -> None:
    # The TYPE_CHECKING imports of __init__.py (for mypy and editors) name the same
    # objects as the lazy table _EXPORTS: a moved function must be moved in both.
    import ast

    tree = ast.parse(Path(eligibility.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and ast.unparse(node.test) == "TYPE_CHECKING")
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            public = alias.asname or alias.name
            own = "" if alias.asname is None else f":{alias.name}"
            seen[public] = f"{node.module}{own}"
    assert seen == eligibility._EXPORTS


def test_the_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # The README's "Python API" block is code people copy: it runs, and its commented
    # results are the real ones.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = section[section.index("```python\n") + 10:]
    code = code[:code.index("```")]
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    verdict = namespace["verdict"]
    assert getattr(verdict, "status") == "ineligible"  # noqa: B009 (the README says so)
