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


def test_status_counts_link_to_the_list_filtered_by_that_status_for_the_same_period():
    from layouts.components import status_counts

    counts = {"on_track": 3, "at_risk": 0, "off_track": 2}
    tree = status_counts(counts, label="All", link="/measures", period="2025").to_plotly_json()
    links = []

    def walk(node):
        if isinstance(node, dict) and node.get("type") == "Link":
            links.append(node["props"]["href"])
        children = node.get("props", {}).get("children") if isinstance(node, dict) else None
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child.to_plotly_json() if hasattr(child, "to_plotly_json") else child)

    walk(tree)
    # Zero counts are left out; each link keeps the period.
    assert links == ["/measures?status=on_track&period=2025", "/measures?status=off_track&period=2025"]


def test_status_counts_without_a_link_are_plain_text():
    from layouts.components import status_counts

    assert "Link" not in str(status_counts({"on_track": 1}, label="All").to_plotly_json())


def test_keep_in_forms_adds_the_field_to_every_filter_form_and_to_nothing_else():
    from dash import dcc

    from layouts.components import filter_form, keep_in_forms

    period = filter_form("/", [html.Span("period")], label="Choose the period")
    filters = filter_form("/measures", [html.Span("status")], hidden={"sort": "name"}, label="Filters")
    other = html.Form(dcc.Input(name="q"), action="/search")
    tree = html.Div([html.Section(period), [filters], other])

    keep_in_forms(tree, "as_of", "2025-07-31")

    def hidden(form) -> dict:
        return {
            c.name: c.value
            for c in form.children
            if isinstance(c, dcc.Input) and getattr(c, "type", "") == "hidden"
        }

    assert hidden(period) == {"as_of": "2025-07-31"}
    assert hidden(filters) == {"as_of": "2025-07-31"}  # the sort field stays inside the form's row
    assert hidden(other) == {}


def test_a_sparkline_is_one_element_a_bar_a_period_its_numbers_in_its_name():
    from layouts.components import SPARK_BAR, SPARK_MISSING, sparkline
    from tests.aim.test_explain import status

    values = [10.0, None, 20.0, 15.0, 10.0, 30.0]
    periods = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    line = sparkline(values, periods, status(unit_kind="count", unit_label="calls"))
    props = line.to_plotly_json()["props"]
    assert props.get("children") is None  # no component a bar
    assert props["role"] == "img"
    assert props["aria-label"].startswith("Last periods: Jan: 10 calls, Feb: ")
    assert "Jun: 30 calls" in props["aria-label"]
    style = props["style"]
    assert style["backgroundImage"].split(", ") == [SPARK_BAR, SPARK_MISSING, *[SPARK_BAR] * 4]
    heights = [size.split(" ")[1] for size in style["backgroundSize"].split(", ")]
    # The lowest value at a fifth of the height, the highest at the top, the missing one a stub.
    assert heights == ["20%", "2px", "60%", "40%", "20%", "100%"]
    positions = style["backgroundPosition"].split(", ")
    assert positions == ["0% 100%", "20% 100%", "40% 100%", "60% 100%", "80% 100%", "100% 100%"]
    assert sparkline([], [], status()).to_plotly_json()["props"]["style"]["backgroundSize"] == ""


def test_status_counts_are_apart_when_copied():
    """Inline list items with nothing between them copy as "On track 3Off track 2": a space
    between each two, none at the ends."""
    from layouts.components import status_counts

    children = status_counts({"on_track": 3, "off_track": 2, "at_risk": 1}, label="All").children
    assert [c if isinstance(c, str) else type(c).__name__ for c in children] == ["Li", " ", "Li", " ", "Li"]
