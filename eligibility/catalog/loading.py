"""Loading a catalog for use: read it, validate it, refuse it on any error, keep it.

``read_catalog`` (``catalog.model``) reads whatever it can and lists every problem;
``validate`` (``catalog.validation``) judges what was read. Loading is their sum: a
catalog with one error is refused (exit 2, pointing to ``rules lint``, which shows them
all), and a catalog loaded once is kept for the process.
"""

from __future__ import annotations

from pathlib import Path

from eligibility.catalog import cache
from eligibility.catalog.model import Catalog, Problem, read_catalog, shipped_rules_dir
from eligibility.errors import CatalogError

_CACHE: dict[Path, Catalog] = {}


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """The catalog at ``directory`` (the shipped one by default), refusing any error.

    Errors are those of reading and those of ``rules lint``'s checks (a dead brick, a
    brick existing under a version its requirement does not exist under…); warnings
    do not stop a catalog from being used.
    """
    root = Path(directory) if directory is not None else shipped_rules_dir()
    key = root.resolve()
    if key not in _CACHE:
        stored = cache.load(root)  # kept by an earlier run, for these very bytes and code
        if stored is not None:
            _CACHE[key] = stored
            return stored
        from eligibility.catalog.validation import validate  # a stored catalog was valid

        catalog, problems = read_catalog(root)
        if catalog is not None:
            problems += validate(catalog)
        errors = [p for p in problems if p.severity == "error"]
        if catalog is None or errors:
            first = errors[0] if errors else Problem(str(root), None, "unusable catalog")
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            command = "eligibility rules lint" + (f" --rules {root}" if directory is not None
                                                  else "")
            raise CatalogError(f"{first}{more}", hint=f"run `{command}` to see them all")
        _CACHE[key] = catalog
        cache.store(root, catalog)
    return _CACHE[key]
