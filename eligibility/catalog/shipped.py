"""Where the catalog that travels with the package lives.

Its own module, importing nothing heavy, so that ``eligibility --version`` can hash
the shipped catalog's files without loading the catalog's models (issue 12).
"""

from __future__ import annotations

from pathlib import Path


def shipped_rules_dir() -> Path:
    """The catalog that travels with the package (``rules/`` in a checkout)."""
    package = Path(__file__).resolve().parent.parent  # eligibility/, above catalog/
    installed = package / "rules"  # the wheel maps rules/ to eligibility/rules/
    if (installed / "catalog.yaml").is_file():
        return installed
    return package.parent / "rules"
