"""Text layout for the terminal: lines of at most 80 columns, wrapped under their start.

Every text output (check, explain, audit, costs, rules) wraps through ``wrap`` so that a
continuation line is indented under the text it continues, and French typography holds
across a break: no line starts with « : ; ! ? » or », none ends with «, and « n° 6 »
stays whole. ``display_width`` is what the tests measure (``✓ ✗ « »`` take one column, a
wide character two); textwrap counts characters, which is the same for every character
these outputs use.
"""

from __future__ import annotations

import functools
import re
import textwrap
import unicodedata

WIDTH = 80

# Spaces a line must not break at: before « : ; ! ? », inside « … », after n°, and
# between « règle » and the rule id it names.
_KEEP = re.compile(r" (?=[:;!?»])|(?<=«) |(?<=n°) |(?<=\bno\.) |(?<=\brègle) |(?<=\brule) ")
_GLUE = "\u00a0"  # textwrap splits on ASCII whitespace only


# Characters one column wide and never combining: Latin (below the combining marks at
# U+0300), general punctuation, arrows, and the check marks the outputs use.
_NARROW = re.compile("[\u0000-\u02ff\u2000-\u205f\u2190-\u21ff\u2713\u2717]*")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    if _NARROW.fullmatch(text):
        return len(text)  # the usual case, without a look-up per character
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
    return list(_wrapped(text, indent, hang, width))


@functools.lru_cache(maxsize=4096)
def _wrapped(text: str, indent: str, hang: str | None, width: int) -> tuple[str, ...]:
    """``wrap`` of a text that does not fit, memoised: citations and reasons come back
    verdict after verdict, and finding where a line may break was most of rendering
    one (issue 12.2)."""
    glued = _KEEP.sub(_GLUE, text)
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return tuple(_greedy(glued, indent, indent if hang is None else hang, width))
    lines = textwrap.wrap(glued, width, initial_indent=indent,
                          subsequent_indent=indent if hang is None else hang,
                          break_on_hyphens=False, break_long_words=False) or [indent]
    return tuple(line.replace(_GLUE, " ") for line in lines)


def _greedy(glued: str, indent: str, hang: str, width: int) -> list[str]:
    """textwrap's greedy fill for words separated by single spaces (the common case),
    without its cost; a word longer than a line stands alone on its line."""
    words = glued.split(" ")
    lines: list[str] = []
    line = indent + words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line.replace(_GLUE, " "))
            line = hang + word
    lines.append(line.replace(_GLUE, " "))
    return lines


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
