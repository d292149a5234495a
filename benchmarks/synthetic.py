"""Seeded synthetic commune profiles (plain dicts, valid against CONTRACT §2) for benchmarks.

Every field is present or left out at random, so verdicts of all four statuses occur.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

BRICKS = ["conseil-assistance", "internet-collaboratif", "cloud-reseaux", "videoprotection",
          "vsi", "ecoles-numeriques", "bureautique", "telecoms", "si-urbanisme", "ads"]
SIGNATURES = [("convention-2014", dt.date(2014, 9, 22)), ("avenant-5", dt.date(2020, 12, 14)),
              ("avenant-6", dt.date(2022, 4, 4))]
USE_CASES = ["crowd", "bulky_objects", "traffic", "intrusion", "fire", "facial_recognition"]


def synthetic_profile(rng: random.Random, index: int) -> dict[str, Any]:
    def maybe(value: Any, p: float = 0.85) -> Any:
        return value if rng.random() < p else None

    population = rng.randint(80, 150_000)
    version, adopted = rng.choice(SIGNATURES)
    profile: dict[str, Any] = {
        "commune": {"insee": f"{30000 + index % 70000:05d}"[-5:], "name": f"Commune {index}",
                    "population": population,
                    "epci": maybe(rng.choice(["nimes-metropole"] * 9 + ["ales-agglo"]))},
        "convention": maybe({"version": version,
                             "signed_on": adopted + dt.timedelta(days=rng.randint(0, 400))}),
        "network": {"gecko": maybe(rng.random() < 0.3),
                    "fibre": maybe(rng.choice(["none", "ftth", "ftte", "ftto"]))},
        "equipment": {"cameras": maybe(rng.randint(0, 40)), "schools": maybe(rng.randint(0, 6)),
                      "workstations": maybe(rng.randint(0, 200)),
                      "mobile_lines": maybe(rng.randint(0, 60))},
        "authorisations": {"videoprotection_prefectorale": maybe(rng.random() < 0.5)},
        "urbanisme": {"document": maybe(rng.choice(["plu", "plui", "carte_communale", "rnu"]))},
        "tools": {"collaboration": maybe(rng.choice(["none", "alfresco", "office365"])),
                  "sig": maybe(rng.choice(["none", "geoagglo", "mycarto"]))},
        "vsi": {"use_cases": rng.sample(USE_CASES, rng.randint(0, 3))},
        "finances": {"year": 2022, "fonctionnement": population * 700.0,
                     "investissement": population * 180.0},
        "subscriptions": [{"brick": b, "since": dt.date(2015 + rng.randint(0, 8), 1, 1)}
                          for b in rng.sample(BRICKS, rng.randint(0, 5))],
        "requests": rng.sample(BRICKS, rng.randint(0, 4)),
    }
    # Drop the keys left unknown: a missing field is unknown, never None in the file.
    for section in ("network", "equipment", "authorisations", "urbanisme", "tools"):
        profile[section] = {k: v for k, v in profile[section].items() if v is not None}
    if profile["convention"] is None:
        del profile["convention"]
    if profile["commune"]["epci"] is None:
        del profile["commune"]["epci"]
    return profile


def synthetic_profiles(count: int, seed: int = 2022) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [synthetic_profile(rng, i) for i in range(count)]
