"""The YAML reader every input file goes through (profiles, budgets, the catalog).

Two departures from ``yaml.safe_load``, both so that a mistake is reported instead of
silently changing the data:

* a key given twice in one mapping is an error (PyYAML keeps the last one);
* dates stay text (``2022-13-45`` would make PyYAML raise a bare ``ValueError``): the
  pydantic models parse them, so an impossible date is reported with its field.
"""

from __future__ import annotations

from typing import Any

import yaml

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that refuses duplicate keys and leaves timestamps as strings."""


def _unique_mapping(loader: InputLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    loader.flatten_mapping(node)  # merge keys (``<<``) first, as SafeConstructor does
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: let PyYAML report it as usual
            break
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


InputLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)
InputLoader.add_constructor("tag:yaml.org,2002:timestamp", InputLoader.construct_yaml_str)


def load_yaml(text: str) -> Any:
    """Parse YAML text; raises ``yaml.YAMLError`` with a line and column on any mistake."""
    return yaml.load(text, Loader=InputLoader)  # noqa: S506 - a SafeLoader subclass


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """``malformed YAML at line 3, column 5: key 'x' given twice``"""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or str(error)
    return f"malformed YAML{where}: {problem}"
