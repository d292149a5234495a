"""Reading commune profiles (YAML or JSON), with errors that name the file and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .catalog import Catalog
from .errors import InputError, InputErrors, did_you_mean
from .model import Profile
from .yamlio import describe_yaml_error, load_yaml


class ProfileError(InputErrors):
    """A profile that cannot be read or is invalid; ``problems`` holds every line."""


def read_document(path: Path) -> Any:
    """The parsed content of a YAML or JSON file (an error names the file and the line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, expected a profile file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read: {error}", source=str(path)) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return load_yaml(text)
    except json.JSONDecodeError as error:
        raise InputError(f"malformed JSON at line {error.lineno}, column {error.colno}: "
                         f"{error.msg}", source=str(path)) from None
    except yaml.YAMLError as error:
        raise InputError(describe_yaml_error(error), source=str(path)) from None


def parse_profile(data: Any, catalog: Catalog, source: str = "<profile>") -> Profile:
    """Validate a parsed document against the profile model and the catalog."""
    if not isinstance(data, dict):
        raise InputError("expected a mapping with at least 'commune: {insee, name}'",
                         source=source)
    try:
        return Profile.model_validate(data, context={"catalog": catalog})
    except ValidationError as error:
        raise ProfileError([validation_problem(item, source, _fields_at)
                            for item in error.errors()]) from None


def load_profile(path: str | Path, catalog: Catalog) -> Profile:
    path = Path(path)
    return parse_profile(read_document(path), catalog, str(path))


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Valid field names where an unknown one was found, for "did you mean"."""
    model: Any = Profile
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
    field = ".".join(str(p) for p in loc) or None
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
        message = f"must be {sign} {bound} (got {got!r})"
    elif kind.startswith("date") or kind.startswith("datetime"):
        message = f"expected a date YYYY-MM-DD (got {got!r})"
    elif kind == "literal_error":
        expected = ctx.get("expected", "")
        message = f"expected one of {expected} (got {got!r})"
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(got), choices)
    elif kind == "string_pattern_mismatch" and loc[-1] == "insee":
        message = f"expected a 5-character INSEE code such as '30206' (got {got!r})"
    elif kind == "value_error":
        message = str(ctx.get("error", item["msg"]))
    elif kind.startswith("bool"):
        message = f"expected true or false (got {got!r})"
    elif kind.startswith("int") or kind.startswith("float"):
        message = f"expected a number (got {got!r})"
    else:
        message = f"{item['msg']} (got {got!r})"
    return InputError(message, source=source, field=field, hint=hint)
