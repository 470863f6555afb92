"""Plain-language sentences built from the figures."""

from __future__ import annotations

import pytest

from aim.explain import amount, change_sentence, priority_summary, status_reason
from aim.schemas import MeasureStatus


def status(**fields) -> MeasureStatus:
    values = dict(
        code="m",
        name="Average EMS response time",
        department_code="MFD",
        department_name="Fire",
        activity_code="A",
        activity_name="A",
        priority_slugs=["safe"],
        unit_kind="duration",
        unit_label="minutes",
        direction="down",
        frequency="monthly",
        aggregation="mean",
        tolerance=0.10,
        is_key=True,
        period="2025",
        status="off_track",
        actual=12.4,
        target=10.0,
        miss=2.4,
        relative_miss=0.24,
        reported=12,
        expected=12,
    )
    values.update(fields)
    return MeasureStatus(**values)


def test_off_track_says_how_far_and_the_tolerance():
    assert status_reason(status()) == (
        "Off track: 12.4 minutes against a target of 10 minutes, 24% worse; tolerance 10%."
    )


def test_on_track_and_partial_periods():
    assert status_reason(status(status="on_track", actual=9.5, reported=9, relative_miss=0.0)) == (
        "On track: 9.5 minutes (9 of 12 periods reported so far) against a target of 10 minutes."
    )


def test_range_targets_and_missing_pieces():
    vacancy = status(
        unit_kind="percent",
        unit_label="",
        direction="range",
        target=None,
        target_low=4.0,
        target_high=6.0,
        actual=6.5,
        status="at_risk",
        relative_miss=0.5 / 6,
    )
    assert status_reason(vacancy) == (
        "At risk: 6.5% against a target of 4.0% to 6.0%, 8% outside the range; tolerance 10%."
    )
    assert status_reason(status(status="no_data", actual=None)) == (
        "No data: no published value for this period; the target is 10 minutes."
    )
    assert status_reason(status(status="no_target", target=None)) == (
        "No target: 12.4 minutes; no target was set for this period."
    )


@pytest.mark.parametrize(
    "value, kind, label, text",
    [
        (1250000, "currency", "", "$1,250,000"),
        (12.5, "currency", "", "$12.50"),
        (-40, "currency", "", "-$40"),
        (85.34, "percent", "", "85.3%"),
        (10.4, "rate", "per 1,000 live births", "10.4 per 1,000 live births"),
        (9613, "count", "crimes", "9,613 crimes"),
        (1.0, "ratio", "", "1.00"),
        (None, "count", "", "no data"),
    ],
)
def test_amounts_in_their_units(value, kind, label, text):
    assert amount(value, kind, label) == text


def test_priority_summary_counts_key_measures_and_names_the_biggest_change():
    measures = [
        status(name="Violent crimes reported", status="on_track", change=-0.091),
        status(name="Homicides", status="on_track", change=-0.02),
        status(name="EMS response", status="off_track", change=0.01),
        status(name="New measure", status="no_data", change=None),
    ]
    assert priority_summary(measures) == (
        "2 of 3 key measures are on track; violent crimes reported fell 9% from a year earlier."
    )
    assert priority_summary([]) == "No key measures are set for this priority."
    assert (
        change_sentence(status(name="MPD overtime", change=0.5))
        == "MPD overtime rose 50% from a year earlier"
    )
