"""Browser tests: a real server in a thread, driven by Playwright with Debian's chromium.

When chromium (or Playwright) is missing the tests are skipped with the reason, and
the session ends with a loud banner saying the browser tests did NOT run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("ELIGIBILITY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
_NOT_RUN: list[str] = []


def browser_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    from werkzeug.serving import make_server

    from eligibility.web import create_app

    httpd = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = browser_missing()
    if missing:
        _NOT_RUN.append(missing)
        pytest.skip(f"BROWSER TESTS NOT RUN: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                  locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} at {m.location}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _NOT_RUN:
        reason = _NOT_RUN[0]
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(f"!!! BROWSER TESTS (tests/web) WERE NOT RUN: {reason}",
                                    red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)
