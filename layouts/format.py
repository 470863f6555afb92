"""How statuses and trends look on screen: words with icons and classes. Numbers and sentences come
from aim.explain, so pages, API and command line say the same thing."""

from __future__ import annotations

from aim.explain import STATUS_WORDS

STATUS_TEXT = {**STATUS_WORDS, "stale": "Late"}
# A symbol beside every status word, so status never rests on colour alone.
STATUS_ICON = {
    "on_track": "\u2713",  # check mark
    "at_risk": "!",
    "off_track": "\u2715",  # multiplication x
    "no_target": "\u2013",  # en dash
    "no_data": "?",
    "stale": "\u25f7",  # a clock face (in the Geometric Shapes block every common font has)
}
# Bootstrap classes whose text/background pairs meet WCAG AA contrast.
STATUS_CLASS = {
    "on_track": "text-bg-success",
    "at_risk": "text-bg-warning",
    "off_track": "text-bg-danger",
    "no_target": "text-bg-secondary",
    "no_data": "text-bg-light border",
    "stale": "text-bg-dark",
}
TREND_TEXT = {"improving": "Improving", "worsening": "Worsening", "flat": "Flat"}
TREND_ICON = {"improving": "\u2197", "worsening": "\u2198", "flat": "\u2192"}


def score(amount: float | None) -> str:
    return "\u2014" if amount is None else f"{amount:.2f}"


def change(fraction: float | None) -> str:
    if fraction is None:
        return "\u2014"
    return f"{'+' if fraction > 0 else ''}{fraction * 100:.1f}%"
