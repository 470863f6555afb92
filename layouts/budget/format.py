"""How budget figures read on screen: dollars, cost per unit, percentages, and plain text for
Plotly (which renders a little HTML in names, so names from data are escaped)."""

from __future__ import annotations

import html

from aim.explain import number

DASH = "\u2014"


def dollars(value: float | None) -> str:
    """Whole dollars: "$43,146,283", "-$1,794,709"."""
    if value is None:
        return DASH
    text = f"${number(abs(value), 0)}"
    return f"-{text}" if value < 0 else text


def unit_cost(value: float | None) -> str:
    """Dollars and cents under $1,000 ("$215.26"), whole dollars above ("$28,044")."""
    if value is None:
        return DASH
    return f"${number(value, 2 if abs(value) < 1000 else 0)}"


def percent(fraction: float | None, *, signed: bool = True) -> str:
    if fraction is None:
        return DASH
    sign = "+" if signed and fraction > 0 else ""
    return f"{sign}{fraction * 100:.1f}%"


def signed_dollars(value: float | None) -> str:
    if value is None:
        return DASH
    return ("+" if value > 0 else "") + dollars(value)


def fte(value: float | None) -> str:
    return DASH if value is None else number(value, 1)


def plain(text: str) -> str:
    """Text from data, safe to hand to Plotly as a name or label."""
    return html.escape(text, quote=False)
