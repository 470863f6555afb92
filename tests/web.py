"""Patience for tests that talk to a server: a busy machine may answer slowly, never wrongly.

Every HTTP request and browser wait in the tests uses these, so a slow answer is waited for (up to a
minute) rather than reported as a failure; how fast the app answers is measured by `make bench`.
"""

#: Seconds any one HTTP request may take before a test gives up on it.
TIMEOUT = 60
#: The same, in milliseconds, for Playwright's waits (navigation, locators).
BROWSER_TIMEOUT_MS = TIMEOUT * 1000
