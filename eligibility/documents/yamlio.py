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

Before libyaml's events, ``load_plain`` tries the block layout nearly every profile has
(``_load_block``: one ``key: value`` or ``- item`` per line, indentation for nesting,
plain or one-line quoted scalars, whole-line comments), read line by line about four
times faster again, since libyaml's events are Python objects built one by one (issue
12). It accepts only what it reads exactly as YAML does: its scalars go through the same
resolver and constructors, and anything else (a flow collection, a block or multi-line
scalar, a trailing comment, an anchor, a tab, a character YAML treats as a line break)
makes it give up, to libyaml's events and, if they give up too, to the full reader.
"""

from __future__ import annotations

import re
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
    """``load_yaml(text)`` for a plain document, read line by line (``_load_block``) or
    built from libyaml's events; raises ``Unusual`` for anything else, and
    ``yaml.YAMLError`` for a syntax error (which ``load_yaml`` then reports with the full
    reader's words)."""
    try:
        return _load_block(text)
    except Unusual:
        pass
    return load_events(text)


def load_events(text: str) -> Any:
    """``load_plain`` built from libyaml's events only (``Unusual`` or
    ``yaml.YAMLError`` as ``load_plain``)."""
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


# --- the block layout, line by line --------------------------------------------------

# Anything but the characters YAML reads as printable text on one line (a tab, a carriage
# return, NEL, the line and paragraph separators, a byte-order mark, control characters).
_NOT_BLOCK_TEXT = re.compile(
    "[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# A plain scalar starting with one of these is an indicator, or is left to libyaml.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"([^"\\]*)"')  # no escape: its text is its value
_QUOTED_KEY = re.compile(r"""(?:'((?:[^']|'')*)'|"([^"\\]*)"):(?: +|$)""")
_MAX_KEY = 1000  # YAML's implicit keys end within 1,024 characters


def _block_scalar(text: str) -> Any:
    """The value of one scalar written on one line, as the safe loader builds it."""
    if not text:
        raise Unusual("empty scalar")
    first = text[0]
    if first == "'":
        match = _SINGLE.fullmatch(text)
        if match is None:
            raise Unusual("quoted scalar")
        return match.group(1).replace("''", "'")
    if first == '"':
        match = _DOUBLE.fullmatch(text)
        if match is None:
            raise Unusual("quoted scalar")
        return match.group(1)
    if first in _INDICATORS and (first != "-" or len(text) == 1 or text[1] == " "):
        raise Unusual("indicator")
    if ": " in text or text[-1] == ":" or " #" in text:
        raise Unusual("plain scalar")
    tag = _plain_tag(text)
    if tag == _STR:
        return text
    construct = _PLAIN_SCALARS.get(tag)
    if construct is None:
        raise Unusual(tag)  # a merge key (<<), a value key (=)
    return construct(text)


class _Flow:
    """A one-line flow collection of plain scalars, ``[a, b]`` or ``{k: v, k2: v2}``: what
    it holds is immutable, each document gets a new list or mapping (``build``)."""

    __slots__ = ("items", "pairs", "size")

    def __init__(self, text: str) -> None:
        inner = text[1:-1].strip(" ")
        parts = [part.strip(" ") for part in inner.split(",")] if inner else []
        if any(not part or any(c in _FLOW_STOPS for c in part) for part in parts):
            raise Unusual("flow collection")  # nested, a comment, a trailing comma
        self.items: tuple[Any, ...] = ()
        self.pairs: tuple[tuple[Any, Any], ...] | None = None
        if text[0] == "[":
            if any(":" in part for part in parts):
                raise Unusual("flow collection")  # a pair in a sequence
            self.items = tuple(_block_scalar(part) for part in parts)
        else:
            pairs = []
            for part in parts:
                key, colon, value = part.partition(": ")
                if not colon or ":" in key or ":" in value or not value:
                    raise Unusual("flow collection")
                pairs.append((_block_scalar(key.rstrip(" ")), _block_scalar(value.lstrip(" "))))
            if len({key for key, _ in pairs}) != len(pairs):
                raise Unusual("duplicate key")
            self.pairs = tuple(pairs)
        self.size = 1 + (len(self.items) if self.pairs is None else 2 * len(self.pairs))

    def build(self) -> list[Any] | dict[Any, Any]:
        return list(self.items) if self.pairs is None else dict(self.pairs)


_FLOW_STOPS = frozenset("[]{}#")  # a quoted part holding a comma fails to match


def _block_value(text: str) -> Any:
    """A value written on its key's or its item's line: a scalar or a ``_Flow``."""
    if text[0] in "[{":
        if text[-1] != ("]" if text[0] == "[" else "}"):
            raise Unusual("flow collection")
        return _Flow(text)
    return _block_scalar(text)


def _is_item(content: str) -> bool:
    return content[0] == "-" and (len(content) == 1 or content[1] == " ")


_OPEN = object()  # nothing after the key: the value is on the next lines, or null
_ENTRIES: dict[str, tuple[Any, Any]] = {}  # a line's text -> its key and its value
_ENTRIES_KEPT = 1 << 16


def _entry(content: str) -> tuple[Any, Any]:
    """The key of a ``key: value`` line and its value (a scalar, a ``_Flow`` or
    ``_OPEN``). It depends on the text only, and the values are immutable: the lines
    every profile has are read once (a bounded number of texts)."""
    known = _ENTRIES.get(content)
    if known is not None:
        return known
    if content[0] in "'\"":
        match = _QUOTED_KEY.match(content)
        if match is None:
            raise Unusual("quoted key")
        key: Any = (match.group(1).replace("''", "'") if match.group(1) is not None
                    else match.group(2))
        rest = content[match.end():]
    else:
        colon = content.find(": ")
        if colon < 0:
            if content[-1] != ":":
                raise Unusual("not a key")
            colon = len(content) - 1
        written = content[:colon]
        if not written or written[-1] == " " or len(written) > _MAX_KEY:
            raise Unusual("key")
        key = _block_scalar(written)
        rest = content[colon + 1:].lstrip(" ")
    value = _OPEN if not rest else _block_value(rest)
    entry = (key, value)
    if len(_ENTRIES) < _ENTRIES_KEPT:
        _ENTRIES[content] = entry
    return entry


def _starts_node(rest: str) -> bool:
    """Whether an item's text starts a mapping or a sequence (else it is a value)."""
    if rest[0] in "'\"":
        return _QUOTED_KEY.match(rest) is not None
    if rest[0] in "[{":
        return False  # a flow collection, on this line
    return _is_item(rest) or ": " in rest or rest[-1] == ":"


class _Block:
    """The lines of a block document, (indentation, content), and a recursive reader of
    its nested mappings and sequences; every surprise raises ``Unusual``."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.lines = lines
        self.nodes = 0
        self.most = LIMITS.max_depth - 2  # below the full reader's limits, as load_events

    def node(self, at: int, indent: int, depth: int) -> tuple[Any, int]:
        if depth >= self.most:
            raise Unusual("size")
        self.nodes += 1
        if _is_item(self.lines[at][1]):
            return self.sequence(at, indent, depth)
        return self.mapping(at, indent, depth)

    def sequence(self, at: int, indent: int, depth: int) -> tuple[list[Any], int]:
        lines, items = self.lines, []
        count = len(lines)
        while at < count and lines[at][0] == indent and _is_item(lines[at][1]):
            content = lines[at][1]
            rest = content[2:].lstrip(" ")
            if not rest:
                raise Unusual("item on the next line")
            if _starts_node(rest):
                # A mapping or a sequence starting on the item's line, at its column.
                column = indent + len(content) - len(rest)
                lines[at] = (column, rest)
                value, at = self.node(at, column, depth + 1)
            else:
                value, at = _block_value(rest), at + 1
                if type(value) is _Flow:
                    self.nodes += value.size
                    value = value.build()
                else:
                    self.nodes += 1
            items.append(value)
        if at < count and lines[at][0] > indent:
            raise Unusual("indentation")
        return items, at

    def mapping(self, at: int, indent: int, depth: int) -> tuple[dict[Any, Any], int]:
        lines, result, entries = self.lines, {}, _ENTRIES
        count = len(lines)
        while at < count:
            here, content = lines[at]
            if here != indent:
                break
            if content[0] == "-" and (len(content) == 1 or content[1] == " "):
                raise Unusual("item in a mapping")
            key, value = entries.get(content) or _entry(content)
            if key in result:
                raise Unusual("duplicate key")  # the full reader names it, its line
            at += 1
            self.nodes += 1  # the key; each value below counts its own nodes
            if value is _OPEN and at < count and lines[at][0] > indent:
                value, at = self.node(at, lines[at][0], depth + 1)
            elif value is _OPEN and at < count and lines[at][0] == indent \
                    and _is_item(lines[at][1]):
                # A sequence may stand at its key's indentation.
                if depth + 1 >= self.most:
                    raise Unusual("size")
                self.nodes += 1
                value, at = self.sequence(at, indent, depth + 1)
            elif type(value) is _Flow:
                self.nodes += value.size
                value = value.build()
            else:
                self.nodes += 1
                value = None if value is _OPEN else value
            result[key] = value
        if at < count and lines[at][0] > indent:
            raise Unusual("indentation")
        return result, at


# A line with something on it that is not a comment: its indentation and its content.
_LINE = re.compile(r"^( *)([^ #\n](?:[^\n]*[^ \n])?) *$", re.MULTILINE)
_MARKERS = ("---", "...")  # a line starting with one may be a document marker


def _uncommented(content: str) -> str:
    """A line without its trailing comment (`` #`` ends plain text and starts one)."""
    if "'" in content or '"' in content:
        raise Unusual("comment")  # it could be inside quotes
    return content[:content.index(" #")].rstrip(" ")


def _load_block(text: str) -> Any:
    """The document of a text in the block layout (see the module's docstring), or
    ``Unusual``: it never raises ``yaml.YAMLError``, what it cannot read is left to
    libyaml."""
    _check_block_text(text)
    return _read_block(text)[0]


def _check_block_text(text: str) -> None:
    if _NOT_BLOCK_TEXT.search(text):
        raise Unusual("characters")
    # Plain searches rather than a regular expression anchored at each line: a scan
    # for one character is several times faster (issue 12: every file is checked).
    if text.startswith(_MARKERS) or "\n---" in text or "\n..." in text:
        raise Unusual("document marker")


def _read_block(text: str) -> tuple[Any, int]:
    """``_load_block`` of a text already checked, and its number of nodes."""
    lines = [(len(spaces), content if " #" not in content else _uncommented(content))
             for spaces, content in _LINE.findall(text)]
    if not lines:
        raise Unusual("empty")
    block = _Block(lines)
    root, at = block.node(0, lines[0][0], 0)
    if at != len(lines) or block.nodes > LIMITS.max_nodes // 2:
        raise Unusual("size" if at == len(lines) else "indentation")
    return root, block.nodes


# A line starting a top-level entry: at the first column, not a comment nor an item.
_TOP_LINE = re.compile(r"^(?!#|-(?: |$))[^ \n]", re.MULTILINE)
# The same after the first line, found from the line break before it: a pattern that
# begins with a character is searched for that character first, not tried at every place.
_NEXT_TOP_LINE = re.compile(r"\n(?!#|-(?: |$))[^ \n]", re.MULTILINE)


def block_sections(text: str) -> list[str]:
    """The texts of the top-level entries of a mapping in the block layout, each its
    ``key:`` line and the lines under it (comments included), in order; ``Unusual`` for
    a text ``_load_block`` would not read. Each is a document itself: the mapping of one
    key (``read_section``), and the document is the union of theirs, since in the block
    layout an entry at the first column ends the one before it."""
    _check_block_text(text)
    starts = [0] if _TOP_LINE.match(text) else []
    starts += [match.start() + 1 for match in _NEXT_TOP_LINE.finditer(text)]
    if not starts or _LINE.search(text, 0, starts[0]):
        raise Unusual("not a mapping")  # something before the first entry, or nothing
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)],
                                                  strict=True)]


def read_section(text: str) -> tuple[Any, Any, int]:
    """The key and value of one entry of ``block_sections``, and its number of nodes (the
    mapping's own not counted); ``Unusual`` as ``_load_block``."""
    root, nodes = _read_block(text)
    if type(root) is not dict or len(root) != 1:
        raise Unusual("not one entry")
    ((key, value),) = root.items()
    return key, value, nodes - 1


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
