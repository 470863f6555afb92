"""A headless Debian Chromium for the browser tests (never a downloaded browser).

Each page records every request it makes, so tests can assert that nothing leaves the server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI
from tests.web import BROWSER_TIMEOUT_MS

CHROMIUM = os.environ.get("AIM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _tab(context):
    page = context.new_page()
    page.requested_urls = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requested_urls.append(request.url))
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    return page


@pytest.fixture
def page(browser, site) -> Iterator:
    """A tab in a context of its own: no cookie or cache of an earlier test. For tests that sign in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield _tab(context)
    context.close()


@pytest.fixture(scope="module")
def module_context(browser) -> Iterator:
    """One browser context for a module's tests that never sign in: after the first page, Dash's and
    Plotly's scripts (1.4-6 MB, compressed by the server on every fresh download) come from its
    cache instead of being fetched again per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def public_page(module_context) -> Iterator:
    """A new tab (its own history) in the module's context, for a test that does not sign in."""
    page = _tab(module_context)
    yield page
    page.close()
