"""Patience for tests that talk to a server: a busy machine may answer slowly, never wrongly.

Every HTTP request and browser wait in the tests uses these, so a slow answer is waited for (up to a
minute) rather than reported as a failure; how fast the app answers is measured by `make bench`.
"""

#: Seconds any one HTTP request may take before a test gives up on it.
TIMEOUT = 60
#: The same, in milliseconds, for Playwright's waits (navigation, locators).
BROWSER_TIMEOUT_MS = TIMEOUT * 1000


def wait_until_shown(page) -> None:
    """Wait until the page asked for by a link or form is on screen: forms and links move inside
    the app (assets/navigation.js), so the old page stays in view, dimmed, until the new one is in."""
    page.wait_for_function("() => !document.documentElement.classList.contains('aim-navigating')")
