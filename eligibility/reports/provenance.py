"""What produced a report: tool version, the catalog's content hash, the date, the time.

A verdict attached to a council note must be traceable to the rules it came from (as
OPA's decision logs are). Every report one keeps says so, in one shape:

* JSON (check, explain, audit, costs): a ``"provenance"`` object, ``{"tool":
  "eligibility", "version", "catalog": "sha256:…", "as_of", "generated_at"}``.
* markdown and HTML: one footer line (``footer``).
* CSV: four trailing columns repeated on every row (``CSV_COLUMNS``), because a
  spreadsheet reads a leading comment row as data (Excel and LibreOffice put it in A1
  and take it for the header); columns survive sorting, filtering and concatenating
  the CSVs of several runs.
* Terminal text (check, explain, audit and costs without ``--format``) carries none: it
  is read now, not kept; ``eligibility --version`` names the version and the catalog.

``generated_at`` is the time of the run in UTC to the second, unless
``SOURCE_DATE_EPOCH`` is set (the reproducible-builds convention): then it is that
instant, so that a test or a build can compare reports byte for byte.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable
from importlib import metadata
from typing import Any, Protocol

from eligibility.catalog.content_hash import short_hash
from eligibility.wording.i18n import pick

TOOL = "eligibility"
CSV_COLUMNS = ("tool_version", "catalog_hash", "as_of", "generated_at")


class _HasContentHash(Protocol):
    @property
    def content_hash(self) -> str: ...


@functools.cache  # reading the metadata parses a file (ms): once per process
def tool_version() -> str:
    """The installed distribution's version (pyproject.toml is its one source)."""
    try:
        return metadata.version(TOOL)
    except metadata.PackageNotFoundError:  # imported from a checkout never installed
        return "0+unknown"


def generated_at() -> dt.datetime:
    """Now in UTC (to the second), or ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _stamp(moment: dt.datetime) -> str:
    """``2026-01-01T00:00:00Z`` (isoformat: strftime costs tens of µs per answer)."""
    utc = moment.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    return utc.isoformat() + "Z"


def provenance(catalog: _HasContentHash, as_of: dt.date | None,
               at: dt.datetime | None = None) -> dict[str, Any]:
    """The ``provenance`` object of a JSON answer (``at`` defaults to ``generated_at()``);
    ``as_of`` is None (``null``) for an answer about the catalog itself, held on no date."""
    return {"tool": TOOL, "version": tool_version(), "catalog": catalog.content_hash,
            "as_of": as_of.isoformat() if as_of else None,
            "generated_at": _stamp(at or generated_at())}


def csv_cells(catalog: _HasContentHash, as_of: dt.date,
              at: dt.datetime | None = None) -> list[str]:
    """The values of ``CSV_COLUMNS`` for every row of a CSV report."""
    data = provenance(catalog, as_of, at)
    return [f"{TOOL} {data['version']}", data["catalog"], data["as_of"], data["generated_at"]]


def footer(catalog: _HasContentHash, as_of: dt.date, lang: str = "fr",
           at: dt.datetime | None = None) -> str:
    """One line for the foot of a markdown or HTML report (plain text: escape it)."""
    data = provenance(catalog, as_of, at)
    values = {**data, "digest": short_hash(data["catalog"])}
    return pick(lang, "Produit par {tool} {version} · catalogue {digest} · au {as_of} · "
                      "généré le {generated_at}",
                "Produced by {tool} {version} · catalogue {digest} · as of {as_of} · "
                "generated {generated_at}").format(**values)


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class StampedRows:
    """A CSV writer whose header ends with ``CSV_COLUMNS`` and every row with their
    values: what a CSV report writes instead of ``csv.writer`` itself."""

    def __init__(self, writer: _RowWriter, catalog: _HasContentHash, as_of: dt.date) -> None:
        self.writer = writer
        self.cells = csv_cells(catalog, as_of)

    def header(self, columns: Iterable[str]) -> None:
        self.writer.writerow([*columns, *CSV_COLUMNS])

    def writerow(self, row: Iterable[Any]) -> None:
        self.writer.writerow([*row, *self.cells])
