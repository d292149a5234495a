"""Explained eligibility of Nîmes Métropole's member communes for the DN's shared services.

The Python API in four calls::

    from eligibility import load_catalog, load_profile, check, explain_text
    catalog = load_catalog()                       # the shipped rules/ catalog
    profile = load_profile("fixtures/communes/30206-poulx.yaml", catalog)
    evaluation = check(catalog, profile, datetime.date(2023, 1, 15), ["vsi"])
    print(evaluation.verdicts["vsi"].status)       # 'ineligible'
"""

from eligibility.catalog.model import Catalog, load_catalog, read_catalog
from eligibility.errors import CatalogError, InputError
from eligibility.evaluation.check import check
from eligibility.evaluation.verdicts import Evaluation, Reason, Verdict
from eligibility.profile.loading import load_profile, parse_profile
from eligibility.profile.model import Profile

__all__ = [
    "Catalog", "CatalogError", "Evaluation", "InputError", "Profile", "Reason", "Verdict",
    "check", "load_catalog", "load_profile", "parse_profile", "read_catalog",
]
__version__ = "0.1.0"
