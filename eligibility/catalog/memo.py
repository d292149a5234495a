"""Something computed once per loaded catalog, kept beside it.

A catalog never changes once loaded, so what is prepared from it (the verdict
assembly, the text of reasons) can be kept for as long as the catalog lives. The
store is keyed by the catalog's identity and holds the catalog itself, so that an id is
never reused by another catalog while its entry stands; it is emptied when it holds
``most`` catalogs (tests load many).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog

T = TypeVar("T")

PerCatalog = dict[int, tuple["Catalog", T]]


def per_catalog(store: PerCatalog[T], catalog: Catalog, build: Callable[[Catalog], T],
                most: int = 16) -> T:
    """``build(catalog)``, made on the first call for this catalog and kept in ``store``."""
    entry = store.get(id(catalog))
    if entry is None or entry[0] is not catalog:
        if len(store) >= most:
            store.clear()
        entry = store[id(catalog)] = (catalog, build(catalog))
    return entry[1]
