"""The one escaping helper for text that goes into Plotly figures (layouts/figures.py)."""

from __future__ import annotations

import pytest

from layouts.figures import figure_text, figure_texts


@pytest.mark.parametrize(
    "value, shown",
    [
        ('<a href="https://evil.example/">x</a>', '&lt;a href="https://evil.example/"&gt;x&lt;/a&gt;'),
        ("<b>bold</b><br>", "&lt;b&gt;bold&lt;/b&gt;&lt;br&gt;"),
        ("R&D", "R&amp;D"),
        ("&lt;", "&amp;lt;"),  # an entity in the data is shown as typed, not decoded
        ("per 1,000 residents", "per 1,000 residents"),
        (None, ""),
        (3.5, "3.5"),
    ],
)
def test_figure_text_turns_markup_into_entities_plotly_shows_literally(value, shown):
    assert figure_text(value) == shown


def test_figure_texts_escapes_each_value():
    assert figure_texts(["<i>a</i>", "b"]) == ["&lt;i&gt;a&lt;/i&gt;", "b"]
