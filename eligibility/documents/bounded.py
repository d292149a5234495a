"""Bounded reading of every input file (issue 9): no input runs long or grows unbounded.

Every reader (profiles, budgets, CSV matrices, the catalog) gets its bytes from
``read_input`` and, for JSON, its tree from ``load_json``; YAML goes through
``yamlio.load_yaml``, which applies the same limits to the node graph before building
anything. The limits, and why they are where they are:

* **document size** (``LIMITS.max_input_size``, default 64 MiB, ``--max-input-size``
  raises it): a profile is a few kilobytes, a CSV matrix of every commune of France
  about 8 MB; the size is checked with ``stat`` before reading and again while reading
  (a file may grow);
* **nodes** (200,000, counted *after* YAML alias expansion): an alias bomb is refused
  from its node graph, in time proportional to its text, before any of it is built;
* **nesting depth** (64): a profile nests 4 levels; JSON nested 100,000 deep is refused
  without recursion;
* **integers** (at most 40 digits; Python refuses 4,300 with a bare ``ValueError``) and
  **numbers** (finite: JSON ``NaN``, ``Infinity``, ``1e400`` are errors);
* **echoed values**: a bad value shown in a message is cut to 60 characters, once
  (``shown``);
* only **regular files** are read (a folder, a FIFO, a device is refused without opening
  it: a FIFO would block); ``-`` reads standard input, once per run.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eligibility.errors import InputError

STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass
class Limits:
    max_input_size: int = 64 * 1024 * 1024
    max_nodes: int = 200_000
    max_depth: int = 64
    max_int_digits: int = 40
    max_shown: int = 60


LIMITS = Limits()
_stdin: dict[str, bytes] = {}


def parse_size(text: str) -> int:
    """``64M``, ``1G``, ``500k``, ``1000000`` -> bytes (binary multiples)."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = 1
    for suffix, power in (("K", 1), ("M", 2), ("G", 3), ("T", 4)):
        if value.endswith(suffix):
            value, factor = value[:-1], 1024 ** power
            break
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise InputError(f"expected a size such as 64M, 1G or 500000 (got {shown(text)})",
                         source="--max-input-size")
    size = int(value) * factor
    if size <= 0:
        raise InputError("must be > 0", source="--max-input-size")
    return size


def human_size(size: int) -> str:
    for unit, power in (("GiB", 3), ("MiB", 2), ("KiB", 1)):
        if size >= 1024 ** power and size % 1024 ** power == 0:
            return f"{size // 1024 ** power} {unit}"
    return f"{size:,} bytes"


def shown(value: Any) -> str:
    """``repr(value)`` cut to ``LIMITS.max_shown`` characters (a 1 MB value stays one line)."""
    if isinstance(value, (dict, list, tuple, set)):
        text = _short_container(value)
    else:
        if isinstance(value, str) and len(value) > 4 * LIMITS.max_shown:
            value = value[:4 * LIMITS.max_shown]  # repr of the start only
            text = repr(value)[:-1] + "…"
        else:
            text = repr(value)
    if len(text) > LIMITS.max_shown:
        text = text[:LIMITS.max_shown - 1] + "…"
    return escape_controls(text)


def _short_container(value: Any) -> str:
    """The start of a container's repr without walking all of it (it may be huge)."""
    brackets = ("{}" if isinstance(value, (dict, set)) else
                "()" if isinstance(value, tuple) else "[]")
    parts: list[str] = []
    length = 0
    items: Iterable[Any] = value.items() if isinstance(value, dict) else value
    for index, item in enumerate(items):
        if length > LIMITS.max_shown or index > 20:
            parts.append("…")
            break
        if isinstance(item, tuple) and isinstance(value, dict):
            part = f"{shown(item[0])}: {_leaf(item[1])}"
        else:
            part = _leaf(item)
        parts.append(part)
        length += len(part) + 2
    return brackets[0] + ", ".join(parts) + brackets[1]


def _leaf(value: Any) -> str:
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[…]" if value else "[]"
    return shown(value)


def escape_controls(text: str, keep_newlines: bool = False) -> str:
    """Control characters (C0, DEL, C1) and bidirectional overrides as ``\\x1b``-style
    escapes: input text can neither forge a line nor move a terminal's cursor."""
    out = []
    for char in text:
        code = ord(char)
        if (char == "\n" or char == "\t") and keep_newlines:
            out.append(char)
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif unicodedata.category(char) == "Cf" and char in _BIDI:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def has_controls(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in _BIDI for c in text)


# --- bytes ------------------------------------------------------------------------------

def source_name(path: str | Path) -> str:
    return STDIN_NAME if str(path) == STDIN else str(path)


def read_input(path: str | Path, what: str = "profile") -> bytes:
    """The bytes of a regular file (or of standard input for ``-``), within the size
    limit; every refusal is an ``InputError`` naming the file."""
    limit = LIMITS.max_input_size
    if str(path) == STDIN:
        return _read_stdin(limit)
    name = str(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise InputError("no such file", source=name) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", source=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"is a folder, expected a {what} file", source=name)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"not a regular file (a pipe, a device or a socket), expected a "
                         f"{what} file", source=name,
                         hint="save it to a file, or pass - to read standard input")
    if info.st_size > limit:
        raise _too_large(name, info.st_size)
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since stat, do not hang.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise InputError("not a regular file", source=name)
            raw = _read_at_most(fd, opened.st_size, limit + 1)
        finally:
            os.close(fd)
    except InputError:
        raise
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", source=name) from None
    if len(raw) > limit:
        raise _too_large(name, len(raw))
    return raw


def _read_at_most(fd: int, size: int, most: int) -> bytes:
    """Up to ``most`` bytes of a file said to hold ``size``: one read of its size (a
    buffer of ``most`` bytes for each small file costs more than reading it), then more
    should it have grown meanwhile."""
    first = min(size + 1, most)
    parts = [os.read(fd, first)]
    read = len(parts[0])
    if read < first:  # a short read of a regular file: its end
        return parts[0]
    while parts[-1] and read < most:
        parts.append(os.read(fd, min(1 << 20, most - read)))
        read += len(parts[-1])
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _read_stdin(limit: int) -> bytes:
    if "data" in _stdin:
        raise InputError("standard input is given twice (- can be read once)", source=STDIN_NAME)
    stream = getattr(sys.stdin, "buffer", None)
    try:
        if stream is not None:
            raw = stream.read(limit + 1)
        else:  # a test runner's text stream
            raw = (sys.stdin.read(limit + 1) if sys.stdin else "").encode("utf-8")
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", source=STDIN_NAME) from None
    data = bytes(raw or b"")
    if len(data) > limit:
        raise _too_large(STDIN_NAME, len(data), at_least=True)
    _stdin["data"] = data
    return data


def reset_stdin() -> None:
    """Forget that standard input was read (each CLI run starts afresh)."""
    _stdin.clear()


def _too_large(name: str, size: int, at_least: bool = False) -> InputError:
    more = "more than " if at_least else ""
    return InputError(f"too large: {more}{size:,} bytes, the limit is "
                      f"{human_size(LIMITS.max_input_size)}", source=name,
                      hint="raise it with --max-input-size if the file is right")


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with its BOM (Windows' « Unicode » text)."""
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        encoding = "UTF-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "UTF-8"
        raise InputError(f"not {encoding} text (byte {raw[error.start]:#04x} at offset "
                         f"{error.start})", source=source,
                         hint="save the file as UTF-8") from None


# --- JSON -------------------------------------------------------------------------------

class _JsonRefused(ValueError):
    pass


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in items:
        if key in result:
            raise _JsonRefused(f"key {shown(key)} given twice")
        result[key] = value
    return result


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > LIMITS.max_int_digits:
        raise _JsonRefused(f"integer of {digits:,} digits, at most {LIMITS.max_int_digits}")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _JsonRefused(f"number {shown(text)} is too large")
    return value


def _constant(text: str) -> Any:
    raise _JsonRefused(f"{text} is not a number JSON allows")


def _unique_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(items)
    if len(result) != len(items):
        raise _JsonRefused("a key given twice")  # ``_pairs`` names it
    return result


@functools.lru_cache(maxsize=4)
def _large_number(digits: int) -> re.Pattern[str]:
    """A number with an exponent or of more than ``digits`` digits: it may be too large."""
    return re.compile(f"[0-9](?:[eE]|[0-9]{{{digits}}})")


def load_json(text: str, source: str) -> Any:
    """``json.loads`` with duplicate keys, huge integers, non-finite numbers and deep
    nesting refused (an ``InputError`` naming the file and the line).

    A text without a number that could be too large (no exponent, no long run of
    digits) is read by the C parser with one C-fast hook (duplicate keys); anything it
    refuses, and every other text, is read again with a check of every value, which
    says what is wrong."""
    depth = _json_depth(text)
    if depth > LIMITS.max_depth:
        raise InputError(f"malformed JSON: nested {depth:,} levels deep, at most "
                         f"{LIMITS.max_depth}", source=source)
    if not _large_number(LIMITS.max_int_digits).search(text):
        try:
            data = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_constant)
        except (ValueError, RecursionError):
            pass  # a syntax error, a key given twice, NaN: said below, with its place
        else:
            # Every JSON value takes a character at least, and a value nested n deep n
            # brackets: a short text with few brackets is within both limits already.
            if (len(text) > LIMITS.max_nodes
                    or text.count("[") + text.count("{") >= LIMITS.max_depth):
                check_size(data, source)
            return data
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_int=_int, parse_float=_float,
                          parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"malformed JSON at line {error.lineno}, column {error.colno}: "
                         f"{error.msg}", source=source) from None
    except _JsonRefused as error:
        raise InputError(f"malformed JSON: {error}", source=source) from None
    except (RecursionError, ValueError) as error:
        raise InputError(f"malformed JSON: {shown(str(error))}", source=source) from None
    check_size(data, source)
    return data


def _json_depth(text: str) -> int:
    """The deepest nesting of brackets outside strings, without parsing (no recursion)."""
    if text.count("[") + text.count("{") <= LIMITS.max_depth:
        return 0  # cannot be too deep: the common case costs two counts
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > LIMITS.max_depth:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def check_size(data: Any, source: str) -> None:
    """Refuse a parsed tree deeper than ``max_depth`` or larger than ``max_nodes``
    (iteratively: no recursion on hostile input; shared subtrees are counted each time)."""
    stack = [(data, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > LIMITS.max_nodes:
            raise InputError(f"too many values: more than {LIMITS.max_nodes:,}", source=source)
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= LIMITS.max_depth:
            raise InputError(f"nested more than {LIMITS.max_depth} levels deep", source=source)
        stack.extend((child, depth + 1) for child in children)


# --- safe output --------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula: text starting with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's advice).
    Numbers are left as they are (``-3`` stays a number)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def markdown_text(text: str) -> str:
    """Text for a Markdown table or paragraph: HTML escaped (``<script>`` stays text),
    table pipes escaped, one line."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " ").replace("\r", " "))
