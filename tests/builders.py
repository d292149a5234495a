"""Profile builders for tests: the CONTRACT §2 Poulx example, with overrides."""

from __future__ import annotations

from typing import Any

DROP = object()
"""An override value meaning: leave this field out (unknown)."""


def poulx(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "commune": {"insee": "30206", "name": "Poulx", "epci": "nimes-metropole"},
        "convention": {"version": "avenant-6", "signed_on": "2022-12-13",
                       "history": [{"version": "avenant-5", "signed_on": "2021-01-15"}]},
        "network": {"gecko": False, "fibre": "ftth"},
        "equipment": {"cameras": 0, "schools": 2, "workstations": 25, "mobile_lines": 6},
        "authorisations": {"videoprotection_prefectorale": False},
        "urbanisme": {"document": "plu"},
        "vsi": {"use_cases": ["crowd", "bulky_objects", "traffic"]},
        "subscriptions": [{"brick": "conseil-assistance", "since": "2015-01-01"}],
        "requests": ["vsi"],
    }
    for path, value in overrides.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        if value is DROP:
            node.pop(last, None)
        else:
            node[last] = value
    return data

