"""Inputs of ``eligibility audit``: profile files, folders and CSV matrices, mixed.

Reading is split in two so that the slow part runs in worker processes:

* ``discover`` (in the calling process) turns the paths given into *units*: one per
  profile file, one per data row of a CSV matrix. Problems found there (a missing
  path, a CSV whose header cannot be used) are collected, never raised, so that the
  other inputs are still audited.
* ``load_unit`` (anywhere) turns one unit into a validated ``Profile``, or raises an
  ``InputError`` naming the file (``file:line`` for a CSV row) and the field.

CSV matrix (issue 3, point 1): a header row; ``insee``, ``name``, then one column per
brick (id or alias, optionally written ``brique 3bis``) whose cell marks a
subscription (``x``, ``oui``, ``yes``, ``1``, or a date taken as ``since``; empty,
``0``, ``non``, ``no``: none); any other column is a dotted profile path
(``network.fibre``) or, when unambiguous, its last part (``fibre``). Separators ``;``,
``,`` or tab; UTF-8 with or without BOM (Windows-1252 is accepted as a fallback for
old spreadsheet exports); dates ``YYYY-MM-DD`` or ``DD/MM/YYYY``; decimal commas and
spaces between thousands in numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml

from eligibility.catalog.model import Catalog
from eligibility.catalog.vocabulary import Fact, Vocabulary
from eligibility.documents.bounded import (
    STDIN,
    STDIN_NAME,
    decode_text,
    read_input,
    shown,
    source_name,
)
from eligibility.documents.numbers import typed_number
from eligibility.documents.yamlio import Unusual, load_plain
from eligibility.errors import InputError, did_you_mean
from eligibility.profile.loading import (
    ProfileError,
    parse_document,
    parse_profile,
    profile_folders,
    read_document,
)
from eligibility.profile.model import Profile, model_for
from eligibility.profile.sections import read_block_profile

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")  # .txt: Excel's « Texte Unicode »
XLSX_SUFFIXES = (".xlsx",)  # read by ``eligibility.documents.xlsx``, then parsed as a CSV matrix

@dataclass(frozen=True)
class Matrix:
    """What the header of a CSV matrix says, shared by all its rows."""

    plan: tuple[tuple[str, str, str], ...]  # per column: (kind, target, header as written)
    headers: dict[str, str] = field(default_factory=dict)  # profile path or brick -> header


class Unit(NamedTuple):
    """One commune to read: a profile file, or one data row of a CSV matrix (its cells
    are turned into a profile where the unit is loaded, in a worker for large inputs).
    A named tuple: 35,000 of them are made, and pickled to the workers, in the parent."""

    source: str  # the file, or ``file:line`` for a CSV row
    path: str | None = None  # a profile file to read
    row: tuple[str, ...] | None = None  # the cells of a CSV row
    matrix: Matrix | None = None
    text: str | None = None  # a profile read from standard input


@dataclass(frozen=True)
class Rejected:
    """An input that could not be audited: one line per problem, as printed on stderr."""

    source: str
    field: str | None
    message: str
    lines: tuple[str, ...]

    @classmethod
    def of(cls, error: InputError) -> Rejected:
        problems = getattr(error, "problems", None) or [error]
        return cls(error.source or "", error.field, error.message,
                   tuple(InputError.__str__(p) for p in problems))

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "field": self.field, "message": self.message,
                "problems": list(self.lines)}


# --- discovery -------------------------------------------------------------------------

def discover(paths: list[str], catalog: Catalog) -> tuple[list[Unit], list[Rejected]]:
    """Every unit to audit, in the order given (folders sorted), and the inputs refused
    (a missing path, an unreadable folder or subfolder, a CSV that cannot be read)."""
    units: list[Unit] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    folders: dict[str, tuple[str, frozenset[str]]] = {}  # as named -> real path, links
    for given in paths:
        if given == STDIN:
            try:
                units.extend(_stdin_units(catalog, rejected))
            except InputError as error:
                rejected.append(Rejected.of(error))
            continue
        path = Path(given)
        named = False  # a file named as such (a folder's files are profiles, never a matrix)
        try:
            if path.is_dir():
                groups, problems = profile_folders(path)
                files = [prefix + name for prefix, names in groups for name in names]
                rejected.extend(Rejected.of(p) for p in problems)
                if not files and not problems:
                    raise InputError("no profile (.yaml, .yml, .json) in this folder",
                                     source=str(path))
            elif os.path.lexists(path):
                files, named = [str(path)], True  # a FIFO or a device: refused unopened
            else:
                raise InputError("no such file or folder", source=str(path))
        except InputError as error:
            rejected.append(Rejected.of(error))
            continue
        except OSError as error:
            rejected.append(Rejected.of(InputError(f"cannot read: {error.strerror or error}",
                                                   source=str(path))))
            continue
        if not named:  # a folder's profiles (35,000 of them: no Python loop of its own)
            keys = _real_paths(groups, folders)
            if seen.isdisjoint(keys) and len(set(keys)) == len(keys):
                seen.update(keys)
                units.extend(map(Unit, files, files))
                continue
            for file, key in zip(files, keys, strict=True):
                if key not in seen:  # the same file named twice is read once
                    seen.add(key)
                    units.append(Unit(file, file))
            continue
        for file in files:
            key = _real_path(file, folders)
            if key in seen:
                continue
            seen.add(key)
            if os.path.splitext(file)[1].lower() in _MATRIX_SUFFIXES:
                try:
                    rows, bad_rows = read_matrix(Path(file), catalog)
                except InputError as error:
                    rejected.append(Rejected.of(error))
                    continue
                except Exception as error:  # noqa: BLE001 - one bad file never stops a batch
                    rejected.append(Rejected.of(_unexpected(error, file)))
                    continue
                units.extend(rows)
                rejected.extend(Rejected.of(e) for e in bad_rows)
            else:
                units.append(Unit(source=file, path=file))
    return units, rejected


_MATRIX_SUFFIXES = (*CSV_SUFFIXES, *XLSX_SUFFIXES)


def _real_path(file: str, folders: dict[str, tuple[str, frozenset[str]]]) -> str:
    """``os.path.realpath(file)``, with the real path of its folder and the names of the
    symbolic links in it found once per folder (35,000 files of one folder: one listing
    instead of an ``lstat`` for each part of each path)."""
    folder, _, name = file.rpartition(os.sep)
    if not folder or not name or name in (".", ".."):  # "/x", "x", "x/": said by os.path
        return os.path.realpath(file)
    known = _folder(folder, folders)
    if known is None:
        return os.path.realpath(file)
    real, links = known
    if name in links:
        return os.path.realpath(file)
    return f"{real}{os.sep}{name}" if real != os.sep else f"{os.sep}{name}"


def _real_paths(groups: list[tuple[str, list[str]]],
                folders: dict[str, tuple[str, frozenset[str]]]) -> list[str]:
    """``_real_path`` of every file of ``profile_folders``' folders (``prefix + name``),
    the folder's part found once per folder and no call per file (issue 12: 35,000
    calls were a tenth of the listing, serial work before any worker starts)."""
    keys: list[str] = []
    for prefix, names in groups:
        if not names:  # a folder of subfolders only: nothing to list it for
            continue
        folder = prefix[:-len(os.sep)]
        known = _folder(folder, folders) if folder else None
        if known is None:
            keys += [os.path.realpath(prefix + name) for name in names]
            continue
        real, links = known
        start = real + os.sep if real != os.sep else os.sep
        if links:
            keys += [os.path.realpath(prefix + name) if name in links else start + name
                     for name in names]
        else:
            keys += [start + name for name in names]
    return keys


def _folder(folder: str, folders: dict[str, tuple[str, frozenset[str]]]
            ) -> tuple[str, frozenset[str]] | None:
    """The real path of ``folder`` and the names of the symbolic links in it, listed
    once (``folders``); None when it cannot be listed."""
    known = folders.get(folder)
    if known is None:
        try:
            with os.scandir(folder) as entries:
                links = frozenset(e.name for e in entries if e.is_symlink())
        except OSError:
            return None
        known = folders[folder] = (os.path.realpath(folder), links)
    return known


def _stdin_units(catalog: Catalog, rejected: list[Rejected]) -> list[Unit]:
    """Standard input: a profile (JSON, or YAML whose first line is ``key:``) or else a
    CSV matrix."""
    text = decode_text(read_input(STDIN), STDIN_NAME)
    if looks_like_profile(text):
        return [Unit(source=STDIN_NAME, text=text)]
    rows, bad = read_matrix(Path(STDIN), catalog, text=text)
    rejected.extend(Rejected.of(e) for e in bad)
    return rows


_YAML_KEY = re.compile(r"^[\w.-]+\s*:(\s|$)")


def looks_like_profile(text: str) -> bool:
    """JSON, or YAML starting with a ``key:`` line (a CSV header has no colon there)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "---", "%")):
            continue
        return stripped.startswith("{") or bool(_YAML_KEY.match(stripped))
    return True  # empty: the profile reader says what is missing


def _unexpected(error: BaseException, source: str) -> InputError:
    if isinstance(error, MemoryError):
        return InputError("out of memory while reading this file", source=source)
    if isinstance(error, RecursionError):
        return InputError("nested too deeply", source=source)
    return InputError(f"cannot be read ({type(error).__name__}: {str(error)[:120]})",
                      source=source)


def load_unit(unit: Unit, catalog: Catalog) -> Profile:
    """The validated profile of one unit (``InputError`` naming the file and the field,
    and nothing else, whatever the way the input is bad: one unit never stops a batch)."""
    try:
        return _load_unit(unit, catalog)
    except InputError:
        raise
    except (Exception, RecursionError, MemoryError) as error:  # noqa: BLE001
        raise _unexpected(error, unit.source) from None


def _load_unit(unit: Unit, catalog: Catalog) -> Profile:
    if unit.row is not None:
        assert unit.matrix is not None
        data, cell_problems = _row_profile(unit.row, unit.matrix.plan, catalog, unit.source)
        try:
            profile = parse_profile(data, catalog, unit.source)
        except ProfileError as error:
            problems = [*cell_problems, *(_csv_problem(p, unit, data) for p in error.problems)]
            raise ProfileError(problems) from None
        if cell_problems:
            raise ProfileError(cell_problems)
        return profile
    if unit.text is not None:
        return parse_profile(parse_document(unit.text, unit.source), catalog, unit.source)
    assert unit.path is not None
    return _read_profile(unit.path, catalog, unit.source)


def _read_profile(path: str, catalog: Catalog, source: str) -> Profile:
    """``parse_profile(read_profile_document(path))``, a profile in the block layout read
    with the sections seen before shared (``sections.read_block_profile``): the file
    is read once whatever the way."""
    text, document = _yaml_text(path)
    if text is not None:
        profile = read_block_profile(text, catalog, model_for(catalog))
        if profile is not None:
            return profile
        document = _plain_document(text, path)
    return parse_profile(document, catalog, source)


def read_profile_document(path: str | Path) -> Any:
    """Like ``profiles.read_document``, read once and faster: a plain YAML document is
    built by ``yamlio.load_plain``, within the same bounds (size, regular files, depth,
    node count; it has no alias to expand).

    On any problem the reference reader runs again, so that messages are the same as
    those of ``check`` (file, line and column).
    """
    text, document = _yaml_text(path)
    return document if text is None else _plain_document(text, path)


def _yaml_text(path: str | Path) -> tuple[str | None, Any]:
    """The text of a YAML profile file, read once; else (None, its document) for JSON,
    or as the reference reader reads a file it cannot (too large, not UTF-8…)."""
    try:
        raw = read_input(path)
    except InputError:
        return None, read_document(path)
    source = source_name(path)
    if os.path.splitext(source)[1].lower() == ".json":  # a str: no Path made per file
        return None, parse_document(decode_text(raw, source), source, json_file=True)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, read_document(path)


def _plain_document(text: str, path: str | Path) -> Any:
    """``load_plain(text)``, or on any problem the reference reader's answer."""
    try:
        return load_plain(text)
    except (Unusual, yaml.YAMLError):
        return read_document(path)


def _csv_problem(problem: InputError, unit: Unit, data: dict[str, Any]) -> InputError:
    """Name the CSV column as written in the header, not the profile path it fills."""
    assert unit.matrix is not None
    headers = unit.matrix.headers
    name = problem.field or ""
    parts = name.split(".")
    header = headers.get(name)
    if header is None and parts[0] == "subscriptions" and len(parts) > 1 and parts[1].isdigit():
        held = data.get("subscriptions", [])
        index = int(parts[1])
        header = headers.get(held[index]["brick"]) if index < len(held) else None
    elif header is None and name.startswith("convention.history"):
        header = headers.get("convention.history")
    if header is not None and header != name:
        name = f"{header} ({problem.field})"
    return InputError(problem.message, source=unit.source, field=name or None, hint=problem.hint)


# --- CSV matrices ----------------------------------------------------------------------

_INSEE_HEADERS = {"insee", "code insee", "code_insee", "code-insee", "commune.insee", "cog",
                  "code commune", "code_commune"}
_NAME_HEADERS = {"name", "nom", "commune", "commune.name", "nom commune", "nom de la commune",
                 "libelle", "libellé"}
_YES = {"x", "oui", "yes", "1", "o", "y", "true", "vrai", "✓", "✔"}
_NO = {"", "0", "non", "no", "n", "false", "faux", "-", "–", "—"}
_DATE_FR = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_DATE_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


CellKind = Literal["bool", "int", "float", "date", "list", "history", "choice", "version",
                   "slug", "text"]
"""How a spreadsheet cell is read into a profile field."""


@dataclass(frozen=True)
class _Kind:
    """What a profile field holds, to turn a spreadsheet cell into it."""

    kind: CellKind
    lower: bool = False
    choices: tuple[str, ...] = ()


# The profile fields that are not facts, as a CSV column fills them.
_FIXED_COLUMNS: dict[str, _Kind] = {
    "commune.insee": _Kind("text"), "commune.name": _Kind("text"),
    "convention.version": _Kind("version"), "convention.signed_on": _Kind("date"),
    "convention.history": _Kind("history"), "finances.year": _Kind("int"),
    "requests": _Kind("list", lower=True),
}


def _fact_column(fact: Fact) -> _Kind:
    """How a cell fills a fact, by its kind (``facts.yaml``)."""
    if fact.kind == "bool":
        return _Kind("bool")
    if fact.kind == "count":
        return _Kind("int")
    if fact.kind == "amount":
        return _Kind("float")
    if fact.kind == "date":
        return _Kind("date")
    if fact.kind == "set":
        return _Kind("list", choices=fact.values)
    if fact.kind == "enum":
        return _Kind("choice", lower=True, choices=fact.values)
    if fact.kind == "level":
        return _Kind("text", lower=True)
    return _Kind("slug") if fact.values else _Kind("text")  # a text knowing some values


@dataclass(frozen=True)
class _Columns:
    """The columns a CSV matrix may have for a catalog: by dotted path, by last part
    when unambiguous (``fibre``), and in words (the facts' labels, usual names)."""

    kinds: dict[str, _Kind]
    short: dict[str, str]
    words: dict[str, str]


def profile_columns(catalog: Catalog) -> dict[str, _Kind]:
    """Every profile field a CSV column may fill, by dotted path."""
    return _columns(catalog.facts).kinds


@functools.lru_cache(maxsize=16)
def _columns(vocabulary: Vocabulary) -> _Columns:
    kinds = {path: kind for path, kind in _FIXED_COLUMNS.items() if path != "requests"}
    fixed = list(kinds)
    for fact in vocabulary.read:
        kinds[fact.path] = _fact_column(fact)
    # In CONTRACT §2's order: the commune, the convention, the facts, the requests.
    order = [p for p in fixed if p.startswith(("commune.", "convention."))]
    kinds = {p: kinds[p] for p in [*order, *(p for p in kinds if p not in order)]}
    kinds["requests"] = _FIXED_COLUMNS["requests"]
    seen: dict[str, str | None] = {}
    for path in kinds:
        leaf = path.rsplit(".", 1)[-1]
        seen[leaf] = None if leaf in seen else path
    short = {k: v for k, v in seen.items() if v is not None}
    words = {_slug(k).replace("-", " "): v for k, v in _WORDED.items()}
    for fact in vocabulary.read:
        for label in (fact.label.fr, fact.label.en):
            words.setdefault(_slug(label).replace("-", " "), fact.path)
    return _Columns(kinds, short, words)


def _decode(raw: bytes, source: str) -> str:
    """UTF-8 with or without BOM; UTF-16 with its BOM (Excel's « Texte Unicode », tab
    separated); else Windows-1252, the encoding of old spreadsheet exports."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(raw, source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(header_line: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _normal_header(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower())


def _brick_of(header: str, catalog: Catalog) -> str | None:
    """A brick column: ``vsi``, ``3bis``, ``Brique 3BIS``, ``Vidéoprotection``…"""
    name = header
    for prefix in ("brique n°", "brique no ", "brique ", "brick no. ", "brick "):
        if name.startswith(prefix):
            name = name[len(prefix):].strip()
    if not name:
        return None
    found = catalog.resolve(name)
    if found is not None:
        return found
    wanted = _slug(name)
    for brick in catalog.bricks.values():
        if wanted in (_slug(brick.name("fr")), _slug(brick.name("en"))):
            return brick.id
    return None


# Column names in words, as a spreadsheet would have them: the labels of the facts in
# both languages, and a few usual ones.
_WORDED: dict[str, str] = {
    "convention": "convention.version", "version": "convention.version",
    "version de la convention": "convention.version", "convention version": "convention.version",
    "signee le": "convention.signed_on", "date de signature": "convention.signed_on",
    "signature": "convention.signed_on", "signed on": "convention.signed_on",
    "historique": "convention.history", "history": "convention.history",
    "fibre": "network.fibre", "fibre optique": "network.fibre", "gecko": "network.gecko",
    "reseau gecko": "network.gecko", "autorisation prefectorale": (
        "authorisations.videoprotection_prefectorale"),
    "urbanisme": "urbanisme.document", "annee": "finances.year",
    "annee du compte administratif": "finances.year", "fonctionnement": (
        "finances.fonctionnement"), "investissement": "finances.investissement",
    "demandes": "requests", "briques demandees": "requests",
}


MAX_CELL = 4096  # characters in one CSV cell (a commune's cell is a few dozen)


def read_matrix(path: Path, catalog: Catalog,
                text: str | None = None) -> tuple[list[Unit], list[InputError]]:
    """The rows of a CSV matrix as units, and the rows that are bad.

    A header that cannot be used, or a file that cannot be split into cells exactly
    (an unbalanced quote, a cell over several lines), is an error for the whole file
    (raised): it would lose or merge communes. A bad cell rejects its row only (when
    the row is loaded: ``load_unit``), every bad cell of the row reported. ``text``:
    the content already read (standard input).
    """
    if path.suffix.lower() in XLSX_SUFFIXES:
        from eligibility.documents.xlsx import (
            read_rows,  # the xlsx reader is only imported for a workbook
        )

        return matrix_units(read_rows(path), str(path), catalog)
    source = source_name(path)
    if text is None:
        text = _decode(read_input(path, "CSV"), source)
    rows, numbers = csv_rows(text, source, path.suffix.lower())
    return matrix_units(rows, source, catalog, numbers)


def csv_rows(text: str, source: str, suffix: str = ".csv") -> tuple[list[list[str]], list[int]]:
    """The rows of a CSV text and the line each starts on, read exactly or refused."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise InputError("empty CSV file: expected a header row (insee, name, bricks…)",
                         source=source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first, suffix),
                        strict=True)
    rows: list[list[str]] = []
    numbers: list[int] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problem = str(error)
            if "field larger" in problem:
                problem = f"a cell is larger than {csv.field_size_limit():,} characters"
            elif "unexpected end of data" in problem or "EOF" in problem:
                problem = "unbalanced quote: a cell opened here is never closed"
            raise InputError(problem, source=f"{source}:{start}",
                             hint="check the quotes of this line") from None
        if reader.line_num != start and any("\n" in c or "\r" in c for c in row):
            raise InputError(f"a quoted cell runs from line {start} to line {reader.line_num}: "
                             "unbalanced quote?", source=f"{source}:{start}",
                             hint="a cell cannot hold a line break; check the quotes")
        rows.append(row)
        numbers.append(start)
    return rows, numbers


def matrix_units(rows: list[list[str]], path: str, catalog: Catalog,
                 numbers: list[int] | None = None) -> tuple[list[Unit], list[InputError]]:
    """``read_matrix`` once the file is rows of text cells (CSV, or a workbook's sheet);
    ``numbers``: the line of each row (default: its position). Blank rows before the
    header are skipped: a leading blank line is not an empty file."""
    if numbers is None:
        numbers = list(range(1, len(rows) + 1))
    while rows and not any(cell.strip() for cell in rows[0]):
        rows, numbers = rows[1:], numbers[1:]
    if not rows:
        raise InputError("empty matrix: expected a header row (insee, name, bricks…)",
                         source=path)
    header = [h.strip() for h in rows[0]]
    plan = _header_plan(header, catalog, str(path))
    matrix = Matrix(tuple(plan), {target: written for kind, target, written in plan
                                  if kind != "skip"})
    units: list[Unit] = []
    bad: list[InputError] = []
    for number, row in zip(numbers[1:], rows[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        source = f"{path}:{number}"
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            bad.append(InputError(f"{len(row)} cells but the header has {len(header)} columns",
                                  source=source, hint="check the separator and the quotes"))
            continue
        long = [i for i, cell in enumerate(row) if len(cell) > MAX_CELL]
        if long:
            bad.extend(InputError(f"a cell of {len(row[i]):,} characters, at most {MAX_CELL:,}",
                                  source=source, field=plan[i][2] if i < len(plan) else None)
                       for i in long)
            continue
        units.append(Unit(source=source, row=tuple(row), matrix=matrix))
    return units, bad


def _header_plan(header: list[str], catalog: Catalog, source: str) -> list[tuple[str, str, str]]:
    """For each column: (kind, target, header as written); kind is insee/name/brick/field/skip."""
    plan: list[tuple[str, str, str]] = []
    targets: dict[str, str] = {}
    columns = _columns(catalog.facts)
    for index, written in enumerate(header):
        name = _normal_header(written)
        if not name:
            plan.append(("skip", "", f"column {index + 1}"))
            continue
        if name in _INSEE_HEADERS or _slug(name).replace("-", " ") in _INSEE_HEADERS:
            kind, target = "insee", "commune.insee"
        elif name in _NAME_HEADERS or _slug(name).replace("-", " ") in _NAME_HEADERS:
            kind, target = "name", "commune.name"
        elif _brick_of(name, catalog) is not None:
            kind, target = "brick", str(_brick_of(name, catalog))
        elif name in columns.kinds:
            kind, target = "field", name
        elif name in columns.short:
            kind, target = "field", columns.short[name]
        elif _slug(name).replace("-", " ") in columns.words:
            kind, target = "field", columns.words[_slug(name).replace("-", " ")]
        else:
            choices = [*columns.kinds, *columns.short, *columns.words, *catalog.names,
                       "insee", "name"]
            raise InputError(f"unknown column '{written}': expected insee, name, a brick id "
                             f"or alias, or a profile field such as network.fibre",
                             source=source, field=f"header, column {index + 1}",
                             hint=did_you_mean(name, choices))
        if target in targets:
            raise InputError(f"columns '{targets[target]}' and '{written}' both give {target}",
                             source=source, field=f"header, column {index + 1}")
        targets[target] = written
        plan.append((kind, target, written))
    missing = [k for k in ("commune.insee", "commune.name") if k not in targets]
    if missing:
        raise InputError(f"no '{missing[0].split('.')[1]}' column in the header",
                         source=source, field="header",
                         hint="the first row must name the columns: insee;name;<bricks>…")
    return plan


def _row_profile(row: tuple[str, ...], plan: tuple[tuple[str, str, str], ...],
                 catalog: Catalog, source: str) -> tuple[dict[str, Any], list[InputError]]:
    """The cells of a row as a profile document, and every bad cell (each naming its
    column; a bad cell is left out of the document, so that the others are checked)."""
    data: dict[str, Any] = {}
    problems: list[InputError] = []
    subscriptions: list[dict[str, Any]] = []
    for index, (kind, target, written) in enumerate(plan):
        cell = row[index].strip() if index < len(row) else ""
        try:
            if kind == "skip":
                if cell:
                    raise InputError(f"a value ({shown(cell)}) in a column without a header",
                                     source=source, field=written)
                continue
            if kind == "brick":
                since = _mark(cell, source, written)
                if since is not False:
                    subscriptions.append({"brick": target} if since is True else
                                         {"brick": target, "since": since})
                continue
            if not cell:
                if kind in ("insee", "name"):
                    _set(data, target, cell)
                continue  # an empty cell: the fact is unknown
            value: Any = cell
            if kind == "insee" and cell.isascii() and cell.isdigit() and len(cell) == 4:
                value = "0" + cell  # a spreadsheet dropped the leading zero (01004 -> 1004)
            if kind == "field":
                value = _convert(cell, _columns(catalog.facts).kinds[target], catalog)
                if isinstance(value, _Impossible):
                    raise InputError(f"impossible date {shown(cell)} ({value.why})",
                                     source=source, field=written,
                                     hint="write it YYYY-MM-DD or DD/MM/YYYY")
            _set(data, target, value)
        except InputError as error:
            problems.append(error)
    if subscriptions:
        data["subscriptions"] = subscriptions
    return data, problems


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _mark(cell: str, source: str, column: str) -> bool | str:
    """A subscription cell: False (none), True (held) or the ISO date it began."""
    value = cell.strip().lower()
    if value in _NO:
        return False
    if value in _YES:
        return True
    date = _date(value)
    if isinstance(date, _Impossible):
        raise InputError(f"impossible date {shown(cell)} ({date.why})", source=source,
                         field=column, hint="a subscription's date is when it began")
    if date is not None:
        return date
    raise InputError(f"expected x, oui, yes, 1 or a date YYYY-MM-DD for a subscription "
                     f"(empty, 0, non, no for none), got {shown(cell)}", source=source,
                     field=column)


_TRAILING_DATE = re.compile(r"(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\s*\)?\s*$")
_NO_CONVENTION = {"none", "aucune", "aucun", "non", "sans", "no"}


def _slug(text: str) -> str:
    """``Nîmes Métropole`` -> ``nimes-metropole``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _version(cell: str, catalog: Catalog) -> str:
    """A convention version by its id or its label (``Avenant n°6`` -> ``avenant-6``)."""
    wanted = _slug(cell)
    if wanted in _NO_CONVENTION:
        return "none"
    for version in catalog.versions.values():
        names = {version.id, _slug(version.label("fr")), _slug(version.label("en")),
                 version.id.replace("-", "-n-")}
        if wanted in names:
            return version.id
    return cell.strip().lower()


def _choice(cell: str, choices: tuple[str, ...]) -> str:
    """``Office 365`` -> ``office365``, ``Carte communale`` -> ``carte_communale``: the
    spelling of a spreadsheet, matched to the value the profile expects (else as written,
    lowercased, for the validation to name)."""
    lower = cell.strip().lower()
    for candidate in (lower, _SPACES.sub("_", lower), _SPACES.sub("", lower).replace("-", ""),
                      lower.replace("-", "_")):
        if not choices or candidate in choices:
            return candidate
    return lower


@dataclass(frozen=True)
class _Impossible:
    """A cell written as a date that does not exist (``31/02/2023``)."""

    why: str


def _date(value: str) -> str | _Impossible | None:
    """An ISO date from ``YYYY-MM-DD`` or ``DD/MM/YYYY``; ``_Impossible`` when it has the
    shape of a date but no such day exists; None when it is not a date at all."""
    match = _DATE_FR.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif _DATE_ISO.match(value):
        year, month, day = (int(p) for p in value.split("-"))
    else:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as error:
        return _Impossible(str(error))


def _convert(cell: str, kind: _Kind, catalog: Catalog) -> Any:
    """A cell as the profile field wants it; what cannot be converted is passed as written,
    so that the profile validation names the field and says what it expected."""
    if kind.kind == "bool":
        value = cell.lower()
        if value in _YES:
            return True
        if value in _NO:
            return False
        return cell
    if kind.kind in ("int", "float"):
        return typed_number(cell, integer=kind.kind == "int")
    if kind.kind == "date":
        return _date(cell) or cell
    if kind.kind == "list":
        items = [i.strip() for i in re.split(r"[|,;]", cell) if i.strip()]
        return [_choice(i, kind.choices) for i in items]
    if kind.kind == "history":
        history = []
        for item in (i.strip() for i in re.split(r"[|,;]", cell) if i.strip()):
            dated = _TRAILING_DATE.search(item)
            signature: dict[str, Any] = {"version": _version(
                item[:dated.start()].rstrip(" @=:(") if dated else item, catalog)}
            if dated:
                day = _date(dated.group(1))
                signature["signed_on"] = day if isinstance(day, str) else dated.group(1)
            history.append(signature)
        return history
    if kind.kind == "choice":
        return _choice(cell, kind.choices)
    if kind.kind == "version":
        return _version(cell, catalog)
    if kind.kind == "slug":
        return _slug(cell)
    if kind.lower:
        return cell.lower()
    return cell


