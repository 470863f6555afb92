"""The measure chart (layouts/public/measure.py): each period's target is drawn over that period,
with its band; hover names the period once and gives value with unit, target and status; monthly
and quarterly measures can be shown by year with the aggregation rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aim.periods import FiscalCalendar
from aim.services.measures import measure_detail
from layouts.public import measure as page
from tests.cities import AS_OF, load_tiny_city


def _figure(detail, calendar, view: str = "period"):
    """The chart as a go.Figure, for its attributes; building one also validates the dict."""
    import plotly.graph_objects as go

    return go.Figure(page.chart(detail, calendar, view))


def _trace(figure, name: str):
    return next(t for t in figure.data if t.name == name)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _segment_at(trace, day: date) -> float | None:
    """The y of the target segment whose span covers `day` (segments are start, end, None)."""
    xs, ys = list(trace.x), list(trace.y)
    for i in range(0, len(xs), 3):
        start, end = _as_date(xs[i]), _as_date(xs[i + 1])
        assert ys[i] == ys[i + 1], "a target segment must be flat over its period"
        if start <= day < end:
            return ys[i]
    return None


def _band_at(trace, day: date) -> tuple[float, float] | None:
    """The (low, high) of the band box covering `day` (boxes are 5 corners then None)."""
    xs, ys = list(trace.x), list(trace.y)
    for i in range(0, len(xs), 6):
        start, end = _as_date(xs[i]), _as_date(xs[i + 1])
        if start <= day < end:
            return min(ys[i : i + 5]), max(ys[i : i + 5])
    return None


@pytest.mark.leak_city
def test_youth_shooting_victims_draws_2025s_target_of_87_over_2025_and_2024s_over_2024(database):
    calendar = FiscalCalendar(1)
    with database.read() as s:
        detail = measure_detail(s, calendar, "youth-shooting-victims", "2025", as_of=AS_OF)
    figure = _figure(detail, calendar)
    target, actual = _trace(figure, "Target"), _trace(figure, "Actual")
    by_period = {p.period: p for p in detail.series}
    assert by_period["2025"].target == 87

    # Every reported period: its value sits inside its own span, and the target drawn over that
    # span is the target in force for that period (not the one before).
    for point, x in zip(detail.series, actual.x, strict=True):
        period = calendar.parse(point.period)
        middle = _as_date(x)
        assert calendar.start_date(period) <= middle <= calendar.end_date(period)
        assert _segment_at(target, middle) == point.target, point.period
    assert _segment_at(target, date(2025, 6, 30)) == 87
    assert _segment_at(target, date(2025, 12, 31)) == 87
    assert _segment_at(target, date(2024, 6, 30)) == by_period["2024"].target != 87


@pytest.mark.leak_city
def test_the_tolerance_band_lies_beside_each_periods_own_target(database):
    calendar = FiscalCalendar(1)
    with database.read() as s:
        detail = measure_detail(s, calendar, "youth-shooting-victims", "2025", as_of=AS_OF)
    figure = _figure(detail, calendar)
    band = _trace(figure, "Tolerance band")
    tolerance = detail.info.tolerance
    for point in detail.series:
        if point.target is None:
            continue
        middle = calendar.start_date(calendar.parse(point.period)) + timedelta(days=180)
        low, high = _band_at(band, middle)
        # Lower is better: the at-risk zone runs from the target up by the tolerance.
        assert low == pytest.approx(point.target)
        assert high == pytest.approx(point.target * (1 + tolerance))


def test_hover_names_the_period_once_and_gives_value_with_unit_target_and_status(database, calendar):
    load_tiny_city(database)
    with database.read() as s:
        detail = measure_detail(s, calendar, "response-time", "2025", as_of=AS_OF)
    figure = _figure(detail, calendar)
    actual = _trace(figure, "Actual")
    first = list(actual.customdata[0])
    template = actual.hovertemplate
    # "2025 Q1", once; "12.0 minutes"; the target with its unit; the status in words.
    rendered = template
    for i, value in enumerate(first):
        rendered = rendered.replace(f"%{{customdata[{i}]}}", str(value))
    assert rendered.count("2025 Q1") == 1
    assert "Actual: 12 minutes" in rendered or "Actual: 12.0 minutes" in rendered
    assert "Target: 10" in rendered and "minutes" in rendered.split("Target:")[1]
    assert "Status: Off track" in rendered
    assert "%{x" not in template and "%{text" not in template
    assert figure.layout.hovermode == "closest"
    for trace in figure.data:
        if trace.name != "Actual":
            assert trace.hoverinfo == "skip"


def test_text_from_the_data_is_escaped_in_the_figure(database, calendar):
    load_tiny_city(database)
    with database.write() as s:
        from sqlalchemy import update

        from aim.models import Measure

        s.execute(
            update(Measure).where(Measure.code == "response-time").values(unit_label="<b>min</b><img src=x>")
        )
    with database.read() as s:
        detail = measure_detail(s, calendar, "response-time", "2025", as_of=AS_OF)
    figure = _figure(detail, calendar)
    text = str(figure.to_plotly_json())
    assert "<img" not in text and "<b>min" not in text
    assert "&lt;img src=x&gt;" in text


def test_a_monthly_measure_by_year_adds_up_its_months_against_the_yearly_target(database, calendar):
    load_tiny_city(database)
    with database.read() as s:
        detail = measure_detail(s, calendar, "violent-crime", "2025", as_of=AS_OF)
    years = {p.period: p for p in detail.yearly}
    assert set(years) == {"2024", "2025", "2026"}
    assert years["2025"].actual == sum(700 + i for i in range(12))
    assert years["2025"].target == 8000 and years["2025"].status == "at_risk"
    # 2026 so far: nine months, compared with nine twelfths of the yearly target.
    assert (years["2026"].reported, years["2026"].expected) == (9, 12)
    assert years["2026"].target == pytest.approx(7800 * 9 / 12)
    assert years["2024"].target is None and years["2024"].status == "no_target"

    figure = _figure(detail, calendar, "year")
    actual, target = _trace(figure, "Actual"), _trace(figure, "Target")
    assert len(actual.x) == 3
    assert _segment_at(target, date(2025, 7, 1)) == 8000
    assert _segment_at(target, date(2026, 3, 1)) == pytest.approx(5850)
    assert actual.customdata[2][0] == "2026 (9 of 12 months)"


def test_a_mean_quarterly_measure_by_year_averages_its_quarters(database, calendar):
    load_tiny_city(database)
    with database.read() as s:
        detail = measure_detail(s, calendar, "response-time", "2025", as_of=AS_OF)
    (year,) = detail.yearly
    assert year.actual == pytest.approx((12 + 12.5 + 12.4 + 12.7) / 4)
    assert year.target == 10


def test_a_yearly_measure_has_no_yearly_view_and_no_switch(database, calendar):
    load_tiny_city(database)
    with database.read() as s:
        detail = measure_detail(s, calendar, "clearance-rate", "2025", as_of=AS_OF)
    assert detail.yearly == []
    assert page.view_switch(detail, "period") is None
    assert page.shown_series(detail, "year") == detail.series


def test_the_chart_written_as_a_dict_is_the_figure_plotly_would_build(database, calendar):
    """Every measure of the tiny city (up, down and range; monthly, quarterly and yearly), both
    views and a period with no value: the dict equals go.Figure's, and go.Figure accepts it."""
    from sqlalchemy import select

    from aim.models import Measure

    load_tiny_city(database)
    with database.read() as s:
        codes = s.scalars(select(Measure.code).order_by(Measure.code)).all()
        directions = set(s.scalars(select(Measure.direction)).all())
        assert {"up", "down", "range"} <= directions
        for code in codes:
            for period in ("2025", "2019"):
                detail = measure_detail(s, calendar, code, period, as_of=AS_OF)
                if detail is None:
                    continue
                for view in ("period", "year"):
                    assert page.chart(detail, calendar, view) == _chart_as_go_figure(detail, calendar, view)
                    _figure(detail, calendar, view)


def test_the_table_beside_the_chart_shows_the_same_view(database, calendar):
    load_tiny_city(database)
    with database.read() as s:
        detail = measure_detail(s, calendar, "violent-crime", "2025", as_of=AS_OF)
    by_year = str(page.data_table(detail, "year").to_plotly_json())
    by_month = str(page.data_table(detail, "period").to_plotly_json())
    assert "3 periods" in by_year and "2026 (9 of 12 months)" in by_year
    assert "33 periods" in by_month and "Sep 2026" in by_month


def _chart_as_go_figure(detail, calendar, view: str = "period") -> dict:
    """The chart as go.Figure builds it: what page.chart's dict must equal."""
    import plotly.graph_objects as go

    info = detail.info
    points = page.shown_series(detail, view)
    spans = [page._span(calendar, p) for p in points]
    figure = go.Figure()
    band_x, band_y = page._boxes(spans, [page._band(p, info.direction, info.tolerance) for p in points])
    if band_x:
        figure.add_trace(
            go.Scatter(
                x=band_x,
                y=band_y,
                mode="lines",
                line={"width": 0},
                fill="toself",
                fillcolor=page.BAND_COLOUR,
                hoverinfo="skip",
                name="Tolerance band",
            )
        )
    bounds = ["target_low", "target_high"] if info.direction == "range" else ["target"]
    for index, bound in enumerate(bounds):
        xs, ys = page._segments(spans, [getattr(p, bound) for p in points])
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="Target" if len(bounds) == 1 else "Target range",
                legendgroup="target",
                showlegend=index == 0,
                line={"color": page.TARGET_COLOUR, "dash": "dash", "width": 2},
                hoverinfo="skip",
            )
        )
    unit_kind, unit_label = info.unit_kind, info.unit_label
    figure.add_trace(
        go.Scatter(
            x=[mid for _start, _end, mid in spans],
            y=[p.actual for p in points],
            mode="lines+markers",
            name="Actual",
            line={"color": page.ACTUAL_COLOUR, "width": 2},
            marker={"size": 6 if view == "year" else 5},
            customdata=[
                [
                    page.figure_text(page.point_label(p, info.frequency)),
                    page.figure_text(page.amount(p.actual, unit_kind, unit_label)),
                    page.figure_text(page.target_words(p, unit_kind, unit_label)),
                    page.figure_text(page.fmt.STATUS_TEXT[p.status]),
                ]
                for p in points
            ],
            # The period once, then the value with its unit, the target and the status.
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>Actual: %{customdata[1]}<br>Target: %{customdata[2]}"
                "<br>Status: %{customdata[3]}<extra></extra>"
            ),
        )
    )
    selected = calendar.parse(detail.period)
    figure.add_vrect(
        x0=calendar.start_date(selected),
        x1=calendar.end_date(selected) + timedelta(days=1),
        fillcolor="#212529",
        opacity=0.08,
        line_width=0,
        annotation_text=page.figure_text(f"Selected: {detail.period_label}"),
        annotation_position="top left",
    )
    figure.update_layout(
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        height=page.CHART_HEIGHT,
        hovermode="closest",
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
        yaxis={
            "title": page.figure_text(unit_label or ("percent" if unit_kind == "percent" else "")),
            "gridcolor": "#dee2e6",
            "rangemode": "tozero" if unit_kind in ("count", "currency") else "normal",
        },
        xaxis={"gridcolor": "#f1f3f5"},
    )
    return figure.to_plotly_json()
