"""Indented JSON, written as ``json.dumps(data, ensure_ascii=False, indent=2)`` writes it.

The standard library's C encoder only writes compact JSON; with ``indent`` it falls back
to a pure-Python generator that costs more than evaluating the verdicts it prints
(issue 12.2). This writer produces the same text, byte for byte, for the data reports
hold (dicts with string keys, lists and tuples, strings, numbers, booleans, None):
strings go through the C string encoder, containers through one recursive function
appending to a list. Anything else (a set, a date) raises ``TypeError`` as json does.

A :class:`Written` value is JSON already written (by :func:`written`, at the depth it is
placed at) and goes out as it is: a renderer may keep the text of a part that comes
back unchanged from one document to the next (a reason shared between verdicts).
"""

from __future__ import annotations

import json
from typing import Any

_encode_string = json.encoder.encode_basestring  # the C one when available
_float_repr = float.__repr__
_int_repr = int.__repr__
_INFINITY = float("inf")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return _float_repr(value)


def _scalar(value: Any) -> str | None:
    """The JSON of a string, None or boolean (the common leaves); None for the others."""
    kind = value.__class__
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return _int_repr(value)
    return None


class Written(str):
    """JSON text written by :func:`written` for one depth: placed there, it is output as is."""

    __slots__ = ()


def written(data: Any, depth: int) -> Written:
    """``data`` as the indented JSON it would be at ``depth`` (0: the top) of a document."""
    out: list[str] = []
    _write(data, "  " * depth, out)
    return Written("".join(out))


def _write(value: Any, indent: str, out: list[str]) -> None:
    kind = value.__class__  # exact types first: the common case, tested cheaply
    if kind is Written:
        out.append(value)
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        separator = "{\n" + inner
        for key, item in value.items():
            name = _encode_string(key) if key.__class__ is str else _key(key)
            leaf = _scalar(item)
            if leaf is not None:  # a leaf in one piece: no call, one append
                out.append(f"{separator}{name}: {leaf}")
            else:
                out.append(f"{separator}{name}: ")
                _write(item, inner, out)
            separator = ",\n" + inner
        out.append("\n" + indent + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        separator = "[\n" + inner
        for item in value:
            leaf = _scalar(item)
            if leaf is not None:
                out.append(separator + leaf)
            elif item.__class__ is Written:
                out.append(separator + item)
            else:
                out.append(separator)
                _write(item, inner, out)
            separator = ",\n" + inner
        out.append("\n" + indent + "]")
    elif (leaf := _scalar(value)) is not None:
        out.append(leaf)
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):  # a bool subclass or an int subclass
        out.append(_int_repr(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        _write(dict(value), indent, out)
    elif isinstance(value, (list, tuple)):
        _write(list(value), indent, out)
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _encode_string(key)
    # json turns these keys into strings (an int key 1 is written "1")
    if key is True or key is False or key is None:
        return _encode_string(json.dumps(key))
    if isinstance(key, float):
        return _encode_string(_float(key))
    if isinstance(key, int):
        return _encode_string(_int_repr(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def dumps(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)``, faster (see the docstring)."""
    out: list[str] = []
    _write(data, "", out)
    return "".join(out)
