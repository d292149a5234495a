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

A plain document (no alias, anchor or tag, no merge or complex key, one document: every
profile written by hand or by a spreadsheet export) is built straight from libyaml's
events (``load_plain``), about four times faster than composing a node graph, measuring
it and building it (issue 12). Without an alias its size is linear in its text, and its
depth and node count are counted as it is built, with limits below those of the full
reader. Anything else (an alias, a tag, a key given twice, a limit reached, a syntax
error) makes it raise ``Unusual``: ``load_yaml`` then reads the text again the full way,
so that what is accepted, what is built and every message stay those of the full reader.
"""

from __future__ import annotations

from collections.abc import Callable
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


class Unusual(Exception):
    """A document ``load_plain`` leaves to the full reader (an alias, a tag, a limit…)."""


# libyaml's event parser; PyYAML built without libyaml has none (then no fast path).
_EventParser: Any = getattr(getattr(yaml, "_yaml", None), "CParser", None)

_STR, _INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
_SAFE = yaml.constructor.SafeConstructor()
_RESOLVER = yaml.resolver.Resolver()
_resolve: Callable[[yaml.resolver.Resolver, Any, str, tuple[bool, bool]], str] = (
    yaml.resolver.Resolver.resolve)  # the implicit tag of a plain scalar (untyped in PyYAML)
assert not _BaseLoader.yaml_path_resolvers, "load_plain assumes no path resolvers"


_PLAIN_TAGS: dict[str, str] = {}  # a plain scalar's text -> the tag the safe loader resolves
_PLAIN_TAGS_KEPT = 1 << 16


def _plain_tag(value: str) -> str:
    """The tag the safe loader resolves for a plain scalar: it depends on its text only
    (no path resolvers), so it is remembered (a bounded number of texts)."""
    tag = _PLAIN_TAGS.get(value)
    if tag is None:
        tag = _resolve(_RESOLVER, yaml.ScalarNode, value, (True, False))
        if len(_PLAIN_TAGS) < _PLAIN_TAGS_KEPT:
            _PLAIN_TAGS[value] = tag
    return tag


def _plain_int(value: str) -> int:
    if (value.isdigit() and value.isascii() and (value[0] != "0" or value == "0")
            and len(value) <= LIMITS.max_int_digits):
        return int(value)  # decimal digits: int() reads them as PyYAML does
    if sum(c.isdigit() for c in value) > LIMITS.max_int_digits:
        raise Unusual("long integer")  # the full reader names its line
    try:  # signs, 0x, 0b, leading-zero octal, 1_000, sexagesimal 1:30: as PyYAML reads them
        return int(_SAFE.construct_yaml_int(yaml.ScalarNode(_INT, value)))
    except ValueError:
        raise Unusual("integer") from None


# What InputLoader builds of each implicit scalar tag (dates stay text, see above).
_PLAIN_SCALARS: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:null": lambda value: None,
    "tag:yaml.org,2002:bool": lambda value: _SAFE.bool_values[value.lower()],
    _INT: _plain_int,
    "tag:yaml.org,2002:float": lambda value: _SAFE.construct_yaml_float(
        yaml.ScalarNode("tag:yaml.org,2002:float", value)),
    "tag:yaml.org,2002:timestamp": lambda value: value,
}
_KEY = object()  # an open mapping waiting for its next key
_EVENTS = yaml.events


def load_plain(text: str) -> Any:
    """``load_yaml(text)`` for a plain document, built from libyaml's events; raises
    ``Unusual`` for anything else, and ``yaml.YAMLError`` for a syntax error (which
    ``load_yaml`` then reports with the full reader's words)."""
    if _EventParser is None:  # pragma: no cover - the fast path needs libyaml
        raise Unusual("no libyaml")
    parser = _EventParser(text)
    try:
        return _plain_document(parser.get_event)
    finally:
        parser.dispose()


def _plain_document(next_event: Callable[[], Any]) -> Any:
    """The document of a stream of events, built as they come: the collection being
    built (``top``), whether it is a mapping and its pending key, the outer ones stacked."""
    scalar, start_map, start_seq = (_EVENTS.ScalarEvent, _EVENTS.MappingStartEvent,
                                    _EVENTS.SequenceStartEvent)
    end_map, end_seq = _EVENTS.MappingEndEvent, _EVENTS.SequenceEndEvent
    constructors = _PLAIN_SCALARS
    next_event()  # the stream's start
    event = next_event()
    if type(event) is _EVENTS.StreamEndEvent:
        return None  # an empty text
    if type(event) is not _EVENTS.DocumentStartEvent:
        raise Unusual("document")  # pragma: no cover - libyaml always starts one
    # Below the full reader's limits, so that it decides the documents near them.
    max_depth, max_nodes = LIMITS.max_depth - 2, LIMITS.max_nodes // 2
    stack: list[tuple[Any, bool, Any]] = []  # the outer collections: (top, is_map, key)
    top: Any = None
    is_map = False
    key: Any = _KEY
    nodes = 0
    while True:
        event = next_event()
        kind = type(event)
        if kind is scalar:
            if event.anchor is not None or event.tag is not None:
                raise Unusual("anchor or tag")
            value = event.value
            if event.implicit[0]:  # plain: its text says its type; quoted, block: text
                tag = _plain_tag(value)
                if tag != _STR:
                    construct = constructors.get(tag)
                    if construct is None:
                        raise Unusual(tag)  # a merge key (<<), a value key (=)
                    value = construct(value)
            nodes += 1
            if is_map:
                if key is _KEY:
                    if value in top:
                        raise Unusual("duplicate key")  # the full reader names it, its line
                    key = value
                else:
                    top[key] = value
                    key = _KEY
            elif top is not None:
                top.append(value)
            else:
                root = value  # the document is one scalar
                break
        elif kind is start_map or kind is start_seq:
            if event.anchor is not None or event.tag is not None:
                raise Unusual("anchor or tag")
            nodes += 1
            if nodes > max_nodes or len(stack) >= max_depth:
                raise Unusual("size")
            new: Any = {} if kind is start_map else []
            if is_map:
                if key is _KEY:
                    raise Unusual("complex key")
                top[key] = new
                key = _KEY
            elif top is not None:
                top.append(new)
            stack.append((top, is_map, key))
            top, is_map, key = new, kind is start_map, _KEY
        elif kind is end_map or kind is end_seq:
            done = top
            top, is_map, key = stack.pop()
            if top is None:
                root = done
                break
        else:
            raise Unusual(kind.__name__)  # an alias, or anything unforeseen
        if nodes > max_nodes:
            raise Unusual("size")
    if type(next_event()) is not _EVENTS.DocumentEndEvent or type(
            next_event()) is not _EVENTS.StreamEndEvent:
        raise Unusual("more than one document")  # the full reader says so
    return root


def load_yaml(text: str) -> Any:
    """Parse YAML text; raises ``yaml.YAMLError`` with a line and column on any mistake."""
    try:
        return load_plain(text)
    except (Unusual, yaml.YAMLError):
        pass  # read it the full way: it decides, and says what is wrong
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
