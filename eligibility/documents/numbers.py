"""Numbers as people type them in a spreadsheet or a form: ``4 237``, ``3 100 000,50``.

One reader for the CSV matrix and the web form. What is not a number is returned as typed,
so that the profile validation names the field and says what it expected, as for a YAML
profile. An integer is read as an integer, never through a float, so that a long count is
not silently rounded (the model's bounds then refuse it).
"""

from __future__ import annotations

import re

# Spaces, no-break spaces and thin spaces used as thousands separators.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def typed_number(text: str, integer: bool) -> int | float | str:
    """``text`` as an int (``integer``) or a float; the stripped text when it is not one."""
    plain = _SPACES.sub("", text)
    if "," in plain and "." not in plain:
        plain = plain.replace(",", ".")
    if integer:
        try:
            return int(plain)
        except ValueError:
            pass
    try:
        value = float(plain)
    except ValueError:
        return text.strip()
    if integer:
        # « 12,0 » or « 12.0 » is still a whole count; « 12,5 » is shown as typed.
        return int(value) if value.is_integer() and abs(value) < 2**53 else text.strip()
    return value
