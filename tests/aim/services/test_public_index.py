"""The index over time on the public home page: the review room's series with no user, so public
measures only (an internal key measure never moves it), and as published on a day for `?as_of=`.
On SQLite and PostgreSQL, against the review room's hand-worked city."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aim.services.review import index_series, span_periods
from aim.services.scorecard import scorecard
from tests.aim.services.test_review import CAL, MAYOR, load_review_city
from tests.builders import ENTERED_AT
from tests.cities import AS_OF


@pytest.fixture(scope="module")
def city(shared_database):
    load_review_city(shared_database)
    return shared_database


def _quarters():
    return span_periods(CAL, CAL.parse("2026-Q3"), "quarters", AS_OF)


def test_the_public_series_leaves_out_the_internal_key_measure(city):
    with city.read() as s:
        public = index_series(s, CAL, _quarters(), user=None)
        internal = index_series(s, CAL, _quarters(), user=MAYOR)
    # Key measures in 2026-Q3: falls 0.8, slips 0.95, mends 1.0, stays-off 0.1, drifts 300/280;
    # the internal "hidden" (0.1) is the review room's only.
    assert public[-1].index == pytest.approx((0.8 + 0.95 + 1.0 + 0.1 + 300 / 280) / 5)
    assert internal[-1].index == pytest.approx((0.8 + 0.95 + 1.0 + 0.1 + 0.1 + 300 / 280) / 6)
    assert public[-1].priorities["safe"] != pytest.approx(internal[-1].priorities["safe"])


def test_the_public_series_matches_each_periods_public_scorecard(city):
    with city.read() as s:
        points = index_series(s, CAL, _quarters(), user=None)
        for point in points:
            card = scorecard(s, CAL, CAL.parse(point.period), as_of=AS_OF)
            assert point.index == pytest.approx(card.index)
            assert point.priorities == {p.slug: pytest.approx(p.index) for p in card.priorities}


def test_as_published_on_a_day_before_anything_was_published_the_series_is_empty(city):
    with city.read() as s:
        # The builders publish every figure at ENTERED_AT.
        day = ENTERED_AT.date()
        before = index_series(s, CAL, _quarters(), user=None, published_on=day - timedelta(days=1))
        today = index_series(s, CAL, _quarters(), user=None, published_on=day)
        now = index_series(s, CAL, _quarters(), user=None)
    assert all(p.index is None for p in before)
    assert [p.index for p in today] == [p.index for p in now]
