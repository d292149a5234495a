"""Text layout for the terminal: lines of at most 80 columns, wrapped under their start.

Every text output (check, explain, audit, costs, rules) wraps through ``wrap`` so that a
continuation line is indented under the text it continues, and French typography holds
across a break: no line starts with « : ; ! ? » or », none ends with «, and « n° 6 »
stays whole. ``display_width`` is what the tests measure (``✓ ✗ « »`` take one column, a
wide character two); textwrap counts characters, which is the same for every character
these outputs use.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

WIDTH = 80

# Spaces a line must not break at: before « : ; ! ? », inside « … », after n°, and
# between « règle » and the rule id it names.
_KEEP = re.compile(r" (?=[:;!?»])|(?<=«) |(?<=n°) |(?<=\bno\.) |(?<=\brègle) |(?<=\brule) ")
_GLUE = "\u00a0"  # textwrap splits on ASCII whitespace only


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def wrap(text: str, indent: str = "", hang: str | None = None, width: int = WIDTH) -> list[str]:
    """``text`` on lines of ``width`` columns: the first after ``indent``, the others after
    ``hang`` (``indent`` when not given). A word longer than a line is left whole."""
    if len(indent) + len(text) <= width and text.isprintable() and text[-1:] != " ":
        # It fits as it is (no tab, line break or no-break space, no trailing space):
        # what textwrap would give, without its cost.
        return [indent + text]
    glued = _KEEP.sub(_GLUE, text)
    lines = textwrap.wrap(glued, width, initial_indent=indent,
                          subsequent_indent=indent if hang is None else hang,
                          break_on_hyphens=False, break_long_words=False) or [indent]
    return [line.replace(_GLUE, " ") for line in lines]


def wrap_lines(lines: list[str], width: int = WIDTH) -> list[str]:
    """Each line wrapped under its own start: continuation lines indented two more."""
    out: list[str] = []
    for line in lines:
        if display_width(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip(" "))]
        out += wrap(line.strip(" "), indent, indent + "  ", width)
    return out


def join_fitting(parts: list[str], width: int = WIDTH, sep: str = " · ") -> list[str]:
    """``a · b · c`` on as few lines of ``width`` as it takes, breaking between parts."""
    lines = [parts[0]]
    for part in parts[1:]:
        if display_width(lines[-1]) + display_width(sep + part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return lines
