"""Explained eligibility of Nîmes Métropole's member communes for the DN's shared services.

The Python API: load a catalog and a profile, check, explain, render::

    >>> import datetime as dt
    >>> from eligibility import check, check_text, explain_verdict, load_catalog, load_profile
    >>> catalog = load_catalog()                     # the shipped rules/ catalog
    >>> profile = load_profile("fixtures/communes/30206-poulx.yaml", catalog)
    >>> evaluation = check(catalog, profile, dt.date(2023, 1, 15), ["vsi"])
    >>> evaluation.verdicts["vsi"].status
    'ineligible'
    >>> explanation = explain_verdict(evaluation, evaluation.verdicts["vsi"], "en")
    >>> explanation.status, explanation.plan is not None
    ('ineligible', True)
    >>> print(check_text(evaluation, "en").splitlines()[0])
    Poulx (30206) · ...2023-01-15...

(``tests/test_public_api.py`` runs this example from the repository root.)

Design decisions:

* Every public name is listed in ``__all__`` and kept stable by a test. Each is the
  library's own function or class, re-exported, never a wrapper: its docstring is the
  documentation. Two are exported under another name than the one they have in their
  module, because the module's name would clash with a subpackage: ``verify_catalog``
  (``eligibility.verify.properties.verify``) and ``lint_catalog``
  (``eligibility.lint.checks.lint_report``, its pair). No exported name equals a
  subpackage's (``audit``, ``costs``, ``explain``, ``lint``, ``verify``…): importing
  the subpackage would replace the function by the module.
* The names are imported on first use (PEP 562 ``__getattr__``), so that ``import
  eligibility.cli`` — which imports this package first — stays light: neither
  durable-rules nor hypothesis nor Flask nor openpyxl is loaded until needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> "module:attribute" (the attribute's own name when it differs).
_EXPORTS: dict[str, str] = {
    # loading
    "load_catalog": "eligibility.catalog.loading",
    "read_catalog": "eligibility.catalog.model",
    "load_profile": "eligibility.profile.loading",
    "parse_profile": "eligibility.profile.loading",
    "load_budget": "eligibility.costs.shares",
    # computing (each verdict once, explanations as data)
    "check": "eligibility.evaluation.check",
    "explain_verdict": "eligibility.explain.derivation",
    "run_audit": "eligibility.audit.batch",
    "compute_costs": "eligibility.costs.shares",
    "lint_catalog": "eligibility.lint.checks:lint_report",
    "verify_catalog": "eligibility.verify.properties:verify",
    # rendering (they only format)
    "check_text": "eligibility.reports.check",
    "check_markdown": "eligibility.reports.check",
    "check_json": "eligibility.reports.check",
    "check_json_data": "eligibility.reports.check",
    "explain_text": "eligibility.reports.check",
    "audit_text": "eligibility.reports.audit",
    "audit_markdown": "eligibility.reports.audit",
    "audit_html": "eligibility.reports.audit",
    "audit_csv": "eligibility.reports.audit",
    "audit_json": "eligibility.reports.audit",
    "provenance": "eligibility.reports.provenance",
    # data
    "Catalog": "eligibility.catalog.model",
    "Profile": "eligibility.profile.model",
    "Evaluation": "eligibility.evaluation.verdicts",
    "Verdict": "eligibility.evaluation.verdicts",
    "Reason": "eligibility.evaluation.verdicts",
    "BrickExplanation": "eligibility.explain.derivation",
    "AuditOptions": "eligibility.audit.findings",
    "AuditRun": "eligibility.audit.findings",
    "Budget": "eligibility.costs.shares",
    "CostReport": "eligibility.costs.shares",
    "LintReport": "eligibility.lint.checks",
    # errors (each carries its exit code)
    "EligibilityError": "eligibility.errors",
    "InputError": "eligibility.errors",
    "CatalogError": "eligibility.errors",
}

# The public API, kept stable by tests/test_public_api.py (the same names as _EXPORTS).
__all__ = [
    "AuditOptions", "AuditRun", "BrickExplanation", "Budget", "Catalog", "CatalogError",
    "CostReport", "EligibilityError", "Evaluation", "InputError", "LintReport", "Profile",
    "Reason", "Verdict", "audit_csv", "audit_html", "audit_json", "audit_markdown",
    "audit_text", "check", "check_json", "check_json_data", "check_markdown", "check_text",
    "compute_costs", "explain_text", "explain_verdict", "lint_catalog", "load_budget",
    "load_catalog", "load_profile", "parse_profile", "provenance", "read_catalog", "run_audit",
    "verify_catalog",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # pyproject.toml is the one source of the version
        from eligibility.reports.provenance import tool_version

        return tool_version()
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'eligibility' has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # what type checkers and editors see; the same names as _EXPORTS
    from eligibility.audit.batch import run_audit
    from eligibility.audit.findings import AuditOptions, AuditRun
    from eligibility.catalog.loading import load_catalog
    from eligibility.catalog.model import Catalog, read_catalog
    from eligibility.costs.shares import Budget, CostReport, compute_costs, load_budget
    from eligibility.errors import CatalogError, EligibilityError, InputError
    from eligibility.evaluation.check import check
    from eligibility.evaluation.verdicts import Evaluation, Reason, Verdict
    from eligibility.explain.derivation import BrickExplanation, explain_verdict
    from eligibility.lint.checks import LintReport
    from eligibility.lint.checks import lint_report as lint_catalog
    from eligibility.profile.loading import load_profile, parse_profile
    from eligibility.profile.model import Profile
    from eligibility.reports.audit import (
        audit_csv,
        audit_html,
        audit_json,
        audit_markdown,
        audit_text,
    )
    from eligibility.reports.check import (
        check_json,
        check_json_data,
        check_markdown,
        check_text,
        explain_text,
    )
    from eligibility.reports.provenance import provenance
    from eligibility.verify.properties import verify as verify_catalog
