"""The real app served on a free loopback port, and Debian's Chromium driven by Playwright.

Used by the browser tier (``tests/browser``) and ``make screenshots``. Playwright's
own browser download cannot work here, so Chromium is Debian's ``chromium``
package, launched by its path; a missing one is an error that says how to install
it, never a skip.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright
from starlette.types import ASGIApp

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

#: Reports each CSP violation to the console, where ``watch`` sees it (Chromium's own
#: console message for a refused load is seen too; this also covers refused inline code).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""

#: axe-core's impact levels that fail a page.
FAILING_IMPACTS = ("serious", "critical")


class ChromiumMissing(RuntimeError):
    pass


def chromium_executable() -> str:
    """Debian's Chromium, or an error saying how to get it."""
    path = shutil.which("chromium")
    if path is None:
        raise ChromiumMissing(
            "Debian's chromium is not installed: run `make deps` as root (or "
            "`apt-get install chromium`); the browser tier never skips")
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium, closed afterwards."""
    executable = chromium_executable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def free_tcp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: ASGIApp, host: str = "127.0.0.1", timeout: float = 15.0) -> Iterator[str]:
    """``app`` under uvicorn (as ``safedial serve`` runs it) in a thread; yields its URL."""
    config = uvicorn.Config(app, host=host, port=free_tcp_port(host), log_level="warning",
                            access_log=False, ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the app did not start on {host}:{config.port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)


def watch(page: Page, origin: str) -> list[str]:
    """A list that fills with what went wrong on ``page``: console errors (CSP
    violations among them), uncaught script errors, and answers of 400 or more from
    ``origin``."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def on_response(response: Response) -> None:
        if response.url.startswith(origin) and response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", on_response)
    return problems


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is injected as a script, which the CSP refuses: ``page`` must belong to a
    context created with ``bypass_csp=True``. Each violation is shortened to its rule,
    impact, help text and the first few offending elements.
    """
    results = Axe().run(page)
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [node["target"] for node in v["nodes"][:5]]}
        for v in results.response["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]
