"""What every Plotly figure needs: data-derived text escaped before it goes into a title, a label,
a legend name, an annotation or hover text. Plotly renders a subset of HTML there (<a href>, <b>,
<br>...), so an imported unit label could otherwise become a live link. And the default template,
for the figures written out as dicts rather than built as go.Figure (a few ms each)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape

import plotly.graph_objects as go


def figure_text(value: object) -> str:
    """`value` as text Plotly shows literally: <, > and & become entities, which Plotly turns back
    into the characters on screen. Use it for every string that comes from data, never for the
    markup a figure adds itself (a <br> we put in on purpose, <extra> in a hover template)."""
    return escape("" if value is None else str(value), quote=False)


def figure_texts(values: Iterable[object]) -> list[str]:
    """figure_text of each value: for a trace's `text`, `hovertext` or category labels."""
    return [figure_text(v) for v in values]


@functools.cache
def default_template() -> dict:
    """The default template as go.Figure writes it into every figure's layout, worked out once: for
    figures written out as dicts (a department's output charts, the review room's index), which
    then look as go.Figure's do without the ~6 ms building one costs."""
    return go.Figure().to_plotly_json()["layout"]["template"]
