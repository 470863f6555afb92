"""What the public saw on a date, rebuilt from the revisions: publish, correct, publish again, and
ask before, between and after, on both databases; the measure page, its series and the scorecard
agree, and the corrected value says when it was revised and what it was."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from aim.services import figures
from aim.services.measures import measure_detail
from aim.services.scorecard import scorecard
from aim.workflow_views import FigureInput, FigureRef
from tests.aim.services.test_figures import analyst, city, editor  # noqa: F401 - the fixture

PERIOD = "2026-01"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 2, day, hour, tzinfo=timezone.utc)


def _step(database, calendar, action, who, figure, when, *args):
    ref = FigureRef(measure=figure.measure, period=figure.period, version=figure.version)
    with database.write() as s:
        if action == "submit":
            return figures.submit(s, calendar, [ref], user=who, today=date(2026, 3, 1), now=when)[0]
        return getattr(figures, action)(s, calendar, [ref], *args, user=who, now=when)[0]


def _publish(database, calendar, city, value, version, day):  # noqa: F811
    ed, an = editor(city), analyst()
    with database.write() as s:
        figure = figures.save_draft(
            s,
            calendar,
            FigureInput(measure="crime", period=PERIOD, value=value, version=version),
            user=ed,
            today=date(2026, 3, 1),
            now=at(day, 9),
        )
    figure = _step(database, calendar, "submit", ed, figure, at(day, 10))
    figure = _step(database, calendar, "approve", an, figure, at(day, 11))
    return _step(database, calendar, "publish", an, figure, at(day, 12))


@pytest.fixture
def corrected(database, calendar, city):  # noqa: F811
    """95 published on 1 February, corrected to 99 published on 3 February."""
    first = _publish(database, calendar, city, "95", None, 1)
    _publish(database, calendar, city, "99", first.version, 3)
    return database


def _as_seen(database, calendar, day: date | None):
    with database.read() as s:
        detail = measure_detail(s, calendar, "crime", PERIOD, published_on=day)
        card = scorecard(s, calendar, PERIOD, published_on=day)
    point = next((p for p in detail.series if p.period == PERIOD), None)
    return detail, point, card.measure("crime").actual


def test_before_the_first_publication_the_public_saw_nothing(corrected, calendar):
    detail, point, actual = _as_seen(corrected, calendar, date(2026, 1, 31))
    assert point is None and actual is None and detail.published_on == date(2026, 1, 31)


def test_between_the_publications_the_public_saw_the_first_value(corrected, calendar):
    for day in (date(2026, 2, 1), date(2026, 2, 2)):
        _detail, point, actual = _as_seen(corrected, calendar, day)
        assert (point.actual, actual, point.revised_on) == (95, 95, None)


def test_after_the_correction_the_public_sees_it_with_when_and_what_it_was(corrected, calendar):
    for day in (date(2026, 2, 3), date(2026, 2, 10), None):
        _detail, point, actual = _as_seen(corrected, calendar, day)
        assert (point.actual, actual) == (99, 99)
        assert (point.revised_on, point.was) == (date(2026, 2, 3), 95)


def test_a_correction_in_progress_is_not_what_the_public_saw(database, calendar, city):  # noqa: F811
    first = _publish(database, calendar, city, "95", None, 1)
    with database.write() as s:
        figures.save_draft(
            s,
            calendar,
            FigureInput(measure="crime", period=PERIOD, value="80", version=first.version),
            user=editor(city),
            today=date(2026, 3, 1),
            now=at(2, 9),
        )
    for day in (date(2026, 2, 2), None):
        _detail, point, actual = _as_seen(database, calendar, day)
        assert (point.actual, actual, point.revised_on) == (95, 95, None)


def test_status_as_of_agrees_with_the_api_before_between_and_after(corrected, db_url, site):
    import json

    import requests

    from tests.aim.test_cli import run_aim
    from tests.web import TIMEOUT

    for day, expected in (("2026-01-31", None), ("2026-02-02", 95), ("2026-02-04", 99)):
        result = run_aim(
            "status", "--json", "--period", PERIOD, "--as-of", day, env={"AIM_DATABASE_URL": db_url}
        )
        assert result.returncode == 0, result.stderr
        cli = {m["code"]: m["actual"] for m in json.loads(result.stdout)["measures"]}
        api = requests.get(f"{site}/api/v1/scorecard?period={PERIOD}&as_of={day}", timeout=TIMEOUT).json()
        assert api["as_published_on"] == day
        assert cli["crime"] == {m["code"]: m["actual"] for m in api["measures"]}["crime"] == expected
    series = requests.get(
        f"{site}/api/v1/measures/crime/series.json?as_of=2026-02-04", timeout=TIMEOUT
    ).json()
    point = next(p for p in series["series"] if p["period"] == PERIOD)
    assert (point["actual"], point["revised_on"], point["was"]) == (99, "2026-02-03", 95)
    bad = requests.get(f"{site}/api/v1/scorecard?as_of=yesterday", timeout=TIMEOUT)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
