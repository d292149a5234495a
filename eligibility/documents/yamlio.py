"""The YAML reader every input file goes through (profiles, budgets, the catalog).

Departures from ``yaml.safe_load``, so that a mistake is reported instead of silently
changing the data, and so that no document runs long or grows without bound:

* a key given twice in one mapping is an error (PyYAML keeps the last one);
* dates stay text (``2022-13-45`` would make PyYAML raise a bare ``ValueError``): the
  pydantic models parse them, so an impossible date is reported with its field;
* the node graph is measured before anything is built (``check_graph``): aliases
  expanding to more than ``LIMITS.max_nodes`` nodes (an alias bomb), nesting deeper than
  ``LIMITS.max_depth`` and recursive aliases are refused, in time proportional to the
  text (each node is measured once, an alias reuses its anchor's measure);
* an integer of more than ``LIMITS.max_int_digits`` digits is refused with its line
  (Python itself refuses 4,300 digits with a bare ``ValueError``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import yaml

from eligibility.documents.bounded import LIMITS

if TYPE_CHECKING:  # libyaml's loader has the pure-Python one's interface
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputLoader(_BaseLoader):
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
                None, None, f"key {_short(key)} given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


def _bounded_int(loader: InputLoader, node: yaml.ScalarNode) -> int:
    digits = sum(c.isdigit() for c in node.value)
    if digits > LIMITS.max_int_digits:
        raise yaml.constructor.ConstructorError(
            None, None, f"integer of {digits:,} digits, at most {LIMITS.max_int_digits}",
            node.start_mark)
    try:
        return int(loader.construct_yaml_int(node))
    except ValueError as error:
        raise yaml.constructor.ConstructorError(None, None, str(error)[:80],
                                                node.start_mark) from None


def _timestamp_text(loader: InputLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_yaml_str(node)  # a date stays text: the model parses it


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


InputLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)
InputLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_text)
InputLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


class GraphError(yaml.YAMLError):
    """A node graph too large or too deep once aliases are expanded."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


def check_graph(root: yaml.Node) -> None:
    """Raise ``GraphError`` when the document, aliases expanded, has more than
    ``max_nodes`` nodes or nests deeper than ``max_depth``; iterative, each distinct
    node visited once (an alias is the same node object as its anchor)."""
    size: dict[int, int] = {}  # expanded node count of each finished node
    height: dict[int, int] = {}  # nesting below each finished node
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if size[key] > LIMITS.max_nodes:
                raise GraphError(f"aliases expand to more than {LIMITS.max_nodes:,} values "
                                 "(an alias bomb?)", node.start_mark)
            if height[key] > LIMITS.max_depth:
                raise GraphError(f"nested more than {LIMITS.max_depth} levels deep",
                                 node.start_mark)
            continue
        if key in size:
            continue
        if key in on_path:
            raise GraphError("an alias refers to a node that contains it (recursive alias)",
                             node.start_mark)
        on_path.add(key)
        stack.append((node, True))
        if len(on_path) > LIMITS.max_depth:
            raise GraphError(f"nested more than {LIMITS.max_depth} levels deep",
                             node.start_mark)
        stack.extend((c, False) for c in children if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class Composer(Protocol):
    """A YAML loader seen as what composes one document (PyYAML's and libyaml's)."""

    def get_single_node(self) -> yaml.Node | None: ...


def compose_checked(loader: Composer) -> yaml.Node | None:
    """The single document's node graph, measured (``check_graph``) before building."""
    node = loader.get_single_node()
    if node is not None:
        check_graph(node)
    return node


def load_yaml(text: str) -> Any:
    """Parse YAML text; raises ``yaml.YAMLError`` with a line and column on any mistake."""
    loader = InputLoader(text)
    try:
        node = compose_checked(loader)
        return None if node is None else loader.construct_document(node)
    except RecursionError:
        raise GraphError(f"nested more than {LIMITS.max_depth} levels deep") from None
    finally:
        loader.dispose()


def describe_yaml_error(error: Exception) -> str:
    """``malformed YAML at line 3, column 5: key 'x' given twice``: a ``yaml.YAMLError``
    names its place; the ``ValueError`` of a bounded read says only what is wrong."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or str(error)
    problem = str(problem)
    if len(problem) > 200:
        problem = problem[:199] + "…"
    return f"malformed YAML{where}: {problem}"
