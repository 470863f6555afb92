"""The shared layout building blocks (layouts/components.py)."""

from __future__ import annotations

from dash import html

from layouts.components import aria


def test_aria_spells_each_keyword_as_an_aria_attribute_that_dash_sends_to_the_browser():
    nav = html.Nav("x", **aria(label="Breadcrumb", current="page"))

    props = nav.to_plotly_json()["props"]

    assert props["aria-label"] == "Breadcrumb"
    assert props["aria-current"] == "page"


def test_aria_keeps_compound_attribute_names_whole():
    assert aria(labelledby="heading-1", hidden="true") == {
        "aria-labelledby": "heading-1",
        "aria-hidden": "true",
    }
