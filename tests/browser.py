"""Browser fixtures: one headless Chromium per session, a fresh page per test.

Playwright drives Debian's `chromium` (`make test` installs it when /usr/bin/chromium is
missing): Playwright's own browser download cannot reach its host from here or from CI.

The browser lives in the session's event loop, so a test that uses it, and every async fixture
it uses, runs in that loop too: mark the module
`pytestmark = pytest.mark.asyncio(loop_scope="session")` and declare its async fixtures with
`@pytest_asyncio.fixture(loop_scope="session")`.

Under the web surface's CSP (no 'unsafe-eval') give `page.wait_for_function` a function,
"() => ...", never a bare expression: Playwright polls a bare expression with the page's own
`eval`, which the policy refuses as soon as the condition is not true at the first try.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    ViewportSize,
    async_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start.
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers have a small /dev/shm.
    "--no-first-run",
    # Without these Chromium keeps calling Google's services; the closed network refuses them
    # and the refusals land in the page's console as if the page had failed.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)
VIEWPORT: ViewportSize = {"width": 1000, "height": 760}

# Runs in the page before any of its scripts: CSP violations as the page itself sees them.
_RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.effectiveDirective + " " + event.blockedURI);
});
"""


@dataclass
class PageLog:
    """What went wrong in a page: console errors, uncaught exceptions, failed requests."""

    console_errors: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[tuple[str, str]] = field(default_factory=list)  # (url, error text)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message)

    def on_request_failed(self, request: Request) -> None:
        self.failed_requests.append((request.url, request.failure or ""))


async def csp_violations(page: Page) -> list[str]:
    """The page's CSP violations so far, each as "directive blocked-uri"."""
    violations: list[str] = await page.evaluate("window.__cspViolations || []")
    return violations


def chromium_executable() -> str:
    """Debian's Chromium, or a failure that says how to install it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` (part of `make test`) installs it")
    return str(CHROMIUM)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium, shared by every browser test of the session."""
    executable = chromium_executable()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A page in its own browser context: no cookies or storage shared between tests."""
    context = await browser.new_context(viewport=VIEWPORT)
    # Fail a waiting step well before pytest-timeout ends the whole test without a reason.
    context.set_default_timeout(10_000)
    try:
        await context.add_init_script(_RECORD_CSP_VIOLATIONS)
        yield await context.new_page()
    finally:
        await context.close()


# Async, so it runs in the session's loop: Playwright's `page.on` schedules a task there, and
# a sync fixture would find no current loop once tests in loops of their own have run.
@pytest_asyncio.fixture(loop_scope="session")
async def page_log(page: Page) -> PageLog:
    """Start recording the page's errors; ask for it before the page navigates."""
    log = PageLog()
    page.on("console", log.on_console)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("requestfailed", log.on_request_failed)
    return log
