"""Text from the data inside Plotly figures: Plotly renders titles, hover text and labels as its own
pseudo-HTML (<b>, <br>, <a href>), so text from the data must be escaped before it goes in."""

from __future__ import annotations

import html


def plain_text(value: object) -> str:
    """`value` as text that Plotly shows literally: "<", ">" and "&" (and quotes) escaped, so a
    measure named "<b>x</b>" or "<a href=...>" is displayed as typed and never becomes markup."""
    return html.escape("" if value is None else str(value), quote=True)
