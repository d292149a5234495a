"""Reading commune profiles (YAML or JSON), with errors that name the file and the field."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from eligibility.catalog.model import Catalog
from eligibility.documents.bounded import (
    STDIN_NAME,
    check_size,
    decode_text,
    load_json,
    read_input,
    shown,
    source_name,
)
from eligibility.documents.yamlio import describe_yaml_error, load_yaml
from eligibility.errors import InputError, InputErrors, did_you_mean
from eligibility.profile.model import Profile, model_for
from eligibility.profile.sections import keep, prepare


class ProfileError(InputErrors):
    """A profile that cannot be read or is invalid; ``problems`` holds every line."""


def read_document(path: str | Path, what: str = "profile") -> Any:
    """The parsed content of a YAML or JSON file, or of standard input for ``-`` (JSON
    when it starts with ``{``); bounded (``bounded``), an error names the file and line."""
    source = source_name(path)
    text = decode_text(read_input(path, what), source)
    return parse_document(text, source, json_file=str(path).lower().endswith(".json"))


def parse_document(text: str, source: str, json_file: bool = False) -> Any:
    """YAML or JSON text as data (JSON for a ``.json`` file or text starting with ``{``)."""
    if json_file or (source == STDIN_NAME and text.lstrip().startswith("{")):
        return load_json(text, source)
    try:
        data = load_yaml(text)
    except yaml.YAMLError as error:
        raise InputError(describe_yaml_error(error), source=source) from None
    except (ValueError, OverflowError) as error:  # a constructor's own refusal
        raise InputError(f"malformed YAML: {shown(str(error))}", source=source) from None
    check_size(data, source)
    return data


def parse_profile(data: Any, catalog: Catalog, source: str = "<profile>") -> Profile:
    """Validate a parsed document against the profile model and the catalog."""
    if not isinstance(data, dict):
        raise InputError("expected a mapping with at least 'commune: {insee, name}'",
                         source=source)
    model = model_for(catalog)
    context = {"catalog": catalog}
    shared, pending = prepare(data, catalog, model)  # sections validated before, in place
    try:
        profile = model.model_validate(shared, context=context)
    except ValidationError as error:
        failed = error
        if shared is not data:  # again as written: the messages of a first reading
            try:
                return model.model_validate(data, context=context)
            except ValidationError as again:
                failed = again

        def fields_at(loc: tuple[Any, ...]) -> list[str]:
            return _fields_at(model, loc)

        raise ProfileError([validation_problem(item, source, fields_at)
                            for item in failed.errors()]) from None
    keep(profile, pending, catalog)
    return profile


def load_profile(path: str | Path, catalog: Catalog) -> Profile:
    """The validated profile in ``path`` (``-``: standard input); only ``InputError``."""
    return parse_profile(read_document(path), catalog, source_name(path))


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """Valid field names where an unknown one was found in ``model``, for "did you mean"."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        annotation = info.annotation
        candidates = [a for a in getattr(annotation, "__args__", (annotation,))
                      if hasattr(a, "model_fields")]
        if not candidates:
            return []
        model = candidates[0]
    return list(model.model_fields)


def validation_problem(item: Any, source: str,
                       fields_at: Callable[[tuple[Any, ...]], list[str]]) -> InputError:
    """One pydantic error as a line naming the file and the field, in the users' words;
    ``fields_at(loc)`` gives the valid names where an unknown one was found."""
    loc = tuple(item["loc"])
    field = ".".join(p if len(p := str(part)) <= 60 else shown(p) for part in loc) or None
    kind, ctx, got = item["type"], item.get("ctx") or {}, item.get("input")
    hint = None
    if kind == "extra_forbidden":
        message = "unknown field"
        hint = did_you_mean(str(loc[-1]), fields_at(loc))
    elif kind == "missing":
        message = "required field is missing"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤",
                "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "?")
        message = f"must be {sign} {bound} (got {shown(got)})"
    elif kind.startswith("date") or kind.startswith("datetime"):
        message = f"expected a date YYYY-MM-DD (got {shown(got)})"
    elif kind == "literal_error":
        expected = ctx.get("expected", "")
        message = f"expected one of {expected} (got {shown(got)})"
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(got), choices)
    elif kind == "string_pattern_mismatch" and loc[-1] == "insee":
        message = f"expected a 5-character INSEE code such as '30206' (got {shown(got)})"
    elif kind == "value_error":
        message = str(ctx.get("error", item["msg"]))
        if len(message) > 300:  # a validator echoing a huge value: cut, once
            message = message[:299] + "…"
    elif kind.startswith("bool"):
        message = f"expected true or false (got {shown(got)})"
    elif kind == "finite_number":
        message = f"expected a finite number (got {shown(got)})"
    elif kind.startswith("int"):
        message = f"expected a whole number (got {shown(got)})"
    elif kind.startswith("float") or kind.startswith("decimal"):
        message = f"expected a number (got {shown(got)})"
    else:
        message = f"{item['msg']} (got {shown(got)})"
    return InputError(message, source=source, field=field, hint=hint)


PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


def find_profiles(folder: str | Path) -> tuple[list[str], list[InputError]]:
    """Every .yaml, .yml and .json file under ``folder`` (sorted, hidden ones left out)
    and the subfolders that could not be read (reported, never silently skipped).

    Symbolic links to folders are followed; a folder reached twice (a link loop, or
    two links to one folder) is read once.
    """
    folders, problems = profile_folders(folder)
    return [prefix + name for prefix, names in folders for name in names], problems


def profile_folders(folder: str | Path) -> tuple[list[tuple[str, list[str]]], list[InputError]]:
    """``find_profiles`` folder by folder: each folder's path as its files' names begin
    (with its separator), and the names of its profile files, in order; so that a
    caller with something to do per folder (``audit.inputs.discover``: the real path of
    each file) does it once per folder, not once per file."""
    problems: list[InputError] = []
    found: dict[str, list[str]] = {}  # folder -> the profile files in it
    visited: set[tuple[int, int]] = set()

    def unreadable(error: OSError) -> None:
        problems.append(InputError(f"cannot read this folder: {error.strerror or error}",
                                   source=str(error.filename or folder)))

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        try:
            info = os.stat(root)
        except OSError as error:
            unreadable(error)
            dirs[:] = []
            continue
        if (info.st_dev, info.st_ino) in visited:
            dirs[:] = []  # a link loop, or a folder already walked
            continue
        visited.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.setdefault(root, []).extend(
            f for f in files
            # not hidden, so its suffix is what os.path.splitext would give
            if not f.startswith(".") and f.lower().endswith(PROFILE_SUFFIXES))
    # Sorted by folder (part by part), then name: each folder's parts split once; a name
    # joined to its folder as os.path.join joins them.
    return [(root if root.endswith(os.sep) else root + os.sep, sorted(found[root]))
            for root in sorted(found, key=lambda r: r.split(os.sep))], problems
