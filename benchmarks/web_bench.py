"""The web application's start-up and the time of a check request (issue 11, point 10).

    python benchmarks/web_bench.py [--starts N] [--requests N]

Start-up: ``eligibility serve --port 0`` is started as a user would start it, and the
time runs until the first page (``GET /``) has been answered (median of ``--starts``
runs). Check: ``POST /api/check`` with Poulx's profile on the warm server, one request
after the other over fresh connections as a browser's form posts are, timed at the
client; p50 and p95. The HTML what-if request (``POST /verdicts``, which also explains
and plans) is timed the same way, side by side.

A cold ``eligibility check`` is timed between the starts, so that a loaded machine shows
as such (the ratio of the two is printed). Targets: the first page under 1 s after start; a check
under 50 ms at the 95th percentile. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from eligibility.documents.yamlio import load_yaml  # noqa: E402

TARGET_FIRST_PAGE, TARGET_P95 = 1.0, 0.050
POULX = ROOT / "fixtures" / "communes" / "30206-poulx.yaml"
FORM = ("commune.name=Poulx&commune.insee=30206&as_of=15%2F01%2F2023&commune.epci=oui&"
        "convention.version=avenant-6&convention.signed_on=13%2F12%2F2022&network.fibre=ftth&"
        "network.gecko=non&equipment.cameras=0&"
        "authorisations.videoprotection_prefectorale=non&held.conseil-assistance=on&"
        "requests=vsi&requests=videoprotection")


def start() -> tuple[subprocess.Popen[str], int, float]:
    """Start a server; return it, its port, and the seconds until its first page."""
    began = time.perf_counter()
    command = [sys.executable, "-c", "from eligibility.cli.main import main; main()",
               "serve", "--port", "0"]
    server = subprocess.Popen(command,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.search(r":(\d+)/", line)
    if not match:
        server.kill()
        raise SystemExit(f"the server did not say its address: {line!r}")
    port = int(match.group(1))
    while True:
        try:
            status, _ = request(port, "GET", "/")
            if status == 200:
                break
        except OSError:
            time.sleep(0.005)
    return server, port, time.perf_counter() - began


def request(port: int, method: str, path: str, body: bytes | None = None,
            kind: str = "application/json") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": kind})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def timed(port: int, path: str, body: bytes, kind: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        status, _ = request(port, "POST", path, body, kind)
        times.append(time.perf_counter() - began)
        assert status == 200, status
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    options = parser.parse_args()
    profile = json.dumps(load_yaml(POULX.read_text(encoding="utf-8"))).encode()
    firsts, clis = [], []
    for _ in range(options.starts):  # interleaved with a cold CLI check, for scale
        server, port, first = start()
        firsts.append(first)
        server.terminate()
        server.wait()
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from eligibility.cli.main import main; main()",
                        "check", str(POULX), "--as-of", "2023-01-15"], cwd=ROOT,
                       capture_output=True, check=False)
        clis.append(time.perf_counter() - began)
    server, port, _ = start()
    try:
        for _ in range(20):  # warm up: engine built, templates compiled
            timed(port, "/api/check?as_of=2023-01-15", profile, "application/json", 1)
            timed(port, "/verdicts", FORM.encode(), "application/x-www-form-urlencoded", 1)
        api, page = [], []
        for _ in range(options.requests):  # interleaved, so both see the same machine
            api += timed(port, "/api/check?as_of=2023-01-15", profile, "application/json", 1)
            page += timed(port, "/verdicts", FORM.encode(), "application/x-www-form-urlencoded",
                          1)
    finally:
        server.terminate()
        server.wait()
    first = statistics.median(firsts)
    print(f"first page after start: median {first * 1000:.0f} ms over {len(firsts)} starts "
          f"(target < {TARGET_FIRST_PAGE * 1000:.0f} ms); a cold `eligibility check` in the "
          f"same run: median {statistics.median(clis) * 1000:.0f} ms (ratio "
          f"{first / statistics.median(clis):.2f})")
    print(f"POST /api/check (Poulx): p50 {statistics.median(api) * 1000:.1f} ms, "
          f"p95 {p95(api) * 1000:.1f} ms over {len(api)} (target p95 < "
          f"{TARGET_P95 * 1000:.0f} ms)")
    print(f"POST /verdicts (what-if HTML, 2 bricks): p50 {statistics.median(page) * 1000:.1f} ms, "
          f"p95 {p95(page) * 1000:.1f} ms")
    missed = []
    if first >= TARGET_FIRST_PAGE:
        missed.append("first page")
    if p95(api) >= TARGET_P95:
        missed.append("check p95")
    if missed:
        print("MISSED: " + ", ".join(missed))
        return 1
    print("targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
