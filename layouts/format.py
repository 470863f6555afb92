"""How numbers, statuses and trends are written on screen. Pure functions shared by all pages."""
from __future__ import annotations

STATUS_TEXT = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_target": "No target",
    "no_data": "No data",
    "stale": "Late",
}
# A symbol beside every status word, so status never rests on colour alone.
STATUS_ICON = {
    "on_track": "\u2713",  # check mark
    "at_risk": "!",
    "off_track": "\u2715",  # multiplication x
    "no_target": "\u2013",  # en dash
    "no_data": "?",
    "stale": "\u29d6",  # hourglass
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
DIRECTION_TEXT = {
    "up": "Higher is better",
    "down": "Lower is better",
    "range": "Within the target range is best",
}


def number(value: float | None, decimals: int | None = None) -> str:
    """A number with thousands separators; whole numbers without decimals unless asked."""
    if value is None:
        return "\u2014"
    if decimals is None:
        decimals = 0 if float(value).is_integer() or abs(value) >= 1000 else 1
    return f"{value:,.{decimals}f}"


def value(amount: float | None, unit_kind: str, unit_label: str = "") -> str:
    """A measure's value in its unit: "85.3%", "$1,250,000", "12.4 minutes"."""
    if amount is None:
        return "No data"
    if unit_kind == "percent":
        return f"{number(amount, 1)}%"
    if unit_kind == "currency":
        return f"${number(amount, 0 if abs(amount) >= 1000 else 2)}"
    if unit_kind in ("ratio", "score"):
        text = number(amount, 2)
    else:
        text = number(amount)
    return f"{text} {unit_label}".strip() if unit_label else text


def score(amount: float | None) -> str:
    return "\u2014" if amount is None else f"{amount:.2f}"


def share(fraction: float | None) -> str:
    return "\u2014" if fraction is None else f"{fraction * 100:.0f}%"
