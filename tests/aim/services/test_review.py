"""The review room's service against figures worked out by hand for a small city (REVIEW_CITY), and
against the demo city's scorecards, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from aim.auth import ANONYMOUS, Principal
from aim.periods import FiscalCalendar
from aim.schemas import ReviewQuery
from aim.services.review import (
    RoomMemo,
    briefing,
    index_series,
    late_measures,
    review_list,
    review_period,
    review_room,
    span_periods,
)
from aim.services.scorecard import scorecard
from tests import builders as b
from tests.cities import AS_OF

MAYOR = Principal(user_id=1, email="mayor@city.gov", role="mayors_office")
ANALYST = Principal(user_id=2, email="analyst@city.gov", role="budget_analyst")
CAL = FiscalCalendar(1)
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def _quarterly(s, act, code, values, target, **fields):
    """A quarterly mean measure with one yearly target for 2025 and 2026 (applies to each quarter)."""
    fields = {"frequency": "quarterly", "aggregation": "mean", **fields}
    m = b.measure(s, act, code, **fields)
    b.actuals(s, m, dict(zip(QUARTERS, values, strict=True)))
    b.target(s, m, "2025", target)
    b.target(s, m, "2026", target)
    return m


def load_review_city(database) -> None:
    """Quarterly figures whose moves from 2026-Q2 to 2026-Q3 (and from 2025-Q3) are known:

    - falls: on track (100) -> off track (80 against 100, 20% worse): newly off track; a year
      earlier (2025-Q3: 50) it was already off track.
    - slips: on track (100) -> at risk (95): newly at risk.
    - mends: off track (50) -> on track (100): recovered.
    - stays-off: off track in both: not listed.
    - hidden: internal, on track -> off track: newly off track for review readers.
    - drifts (down, target 300): 200 every quarter, then 280: still on track, trend turns worsening.
    - late-one (monthly): values through Jul 2026; Aug and Sep 2026 are due by 26 Nov 2026.
    """
    with database.write() as s:
        safe = b.priority(s, "safe", "Safety", 1)
        econ = b.priority(s, "econ", "Economy", 2)
        patrol = b.activity(s, b.department(s, "MPD", "Police"), "MPD-PATROL", [safe])
        jobs = b.activity(s, b.department(s, "DCD", "City Development"), "DCD-JOBS", [econ, safe])
        _quarterly(s, patrol, "falls", [100, 100, 50, 100, 100, 100, 80], 100)
        _quarterly(s, patrol, "slips", [100] * 6 + [95], 100)
        _quarterly(s, jobs, "mends", [100] * 5 + [50, 100], 100)
        _quarterly(s, jobs, "stays-off", [10] * 7, 100)
        _quarterly(s, patrol, "hidden", [100] * 6 + [10], 100, is_public=False)
        _quarterly(s, jobs, "drifts", [200] * 6 + [280], 300, direction="down")
        late = b.measure(s, jobs, "late-one", frequency="monthly", is_key=False)
        b.actuals(s, late, {f"2026-{m:02d}": 5 for m in range(1, 8)})
        b.target(s, late, "2026", 60)
    with database.write() as s:
        from sqlalchemy import select

        from aim.models import Actual, Measure

        explained = s.scalars(
            select(Actual).join(Measure).where(Measure.code == "falls", Actual.period == "2026-Q3")
        ).one()
        explained.explanation = "Snow closed the depot for three weeks."
        explained.change_reason = "test"


@pytest.fixture(scope="module")
def city(shared_database):
    load_review_city(shared_database)
    return shared_database


def _room(database, compare="previous", user=MAYOR, span="quarters"):
    with database.read() as s:
        return review_room(
            s, CAL, CAL.parse("2026-Q3"), ReviewQuery(compare=compare, span=span), user=user, as_of=AS_OF
        )


def test_what_changed_lists_each_kind_with_the_hand_worked_measures(city):
    room = _room(city)
    got = {(r.kind, r.measure.code) for r in room.changes}
    assert got == {
        ("newly_off_track", "falls"),
        ("newly_off_track", "hidden"),
        ("newly_at_risk", "slips"),
        ("recovered", "mends"),
        ("worsening", "drifts"),
    }
    assert room.change_counts == {"newly_off_track": 2, "newly_at_risk": 1, "recovered": 1, "worsening": 1}
    assert (room.period, room.compare_period) == ("2026-Q3", "2026-Q2")


def test_each_change_says_why_in_words_with_both_periods_figures(city):
    rows = {r.measure.code: r for r in _room(city).changes}
    assert rows["falls"].reason == (
        "Off track: 80 against a target of 100, 20% worse; tolerance 10%. "
        "Was on track in 2026 Q2 (Apr 2026 - Jun 2026) (100)."
    )
    assert rows["mends"].reason.startswith("On track: 100 against a target of 100. Was off track in 2026 Q2")
    assert rows["drifts"].reason.startswith(
        "The trend turned worsening over 2025 Q2 (Apr 2025 - Jun 2025) to 2026 Q3 (Jul 2026 - Sep 2026);"
        " it was flat in 2026 Q2"
    )


def test_a_change_carries_the_departments_explanation_for_the_period(city):
    rows = {r.measure.code: r for r in _room(city).changes}
    assert rows["falls"].explanation is not None
    assert rows["falls"].explanation.text == "Snow closed the depot for three weeks."
    assert rows["falls"].explanation.period == "2026-Q3"
    assert rows["slips"].explanation is None


def test_against_the_same_quarter_a_year_earlier_a_measure_already_off_track_is_not_new(city):
    room = _room(city, compare="year")
    assert room.compare_period == "2025-Q3"
    kinds = {r.measure.code: r.kind for r in room.changes}
    assert "falls" not in kinds  # 2025-Q3 was 50: off track then too
    assert kinds["hidden"] == "newly_off_track"


def test_internal_measures_are_in_the_room_and_marked_internal(city):
    hidden = next(r for r in _room(city).changes if r.measure.code == "hidden")
    assert hidden.measure.is_public is False


def test_late_figures_are_grouped_by_department_with_periods_missing_and_days_late(city):
    with city.read() as s:
        late = late_measures(s, CAL, user=MAYOR, as_of=AS_OF)
    assert [d.code for d in late] == ["DCD"]
    [one] = late[0].measures
    # Last due on 26 Nov 2026: September 2026 (due 31 Oct). Latest published: July. Missing Aug and
    # Sep; August was due on 30 September: 57 days before 26 November.
    assert (one.code, one.latest, one.last_due, one.missing) == ("late-one", "2026-07", "2026-09", 2)
    assert (one.overdue_since, one.days_late) == (date(2026, 9, 30), 57)


def test_the_matrix_counts_each_departments_measures_by_priority_and_status(city):
    room = _room(city)
    cells = {
        (row.department_code, cell.priority_slug): cell.counts.as_dict() | {"total": cell.total}
        for row in room.matrix
        for cell in row.cells
    }
    # late-one (monthly) is judged on July alone: 5 against a third of the quarter's 15, on track,
    # and late beside it.
    assert cells[("MPD", "safe")] == {
        "on_track": 0,
        "at_risk": 1,
        "off_track": 2,
        "no_target": 0,
        "no_data": 0,
        "stale": 0,
        "total": 3,
    }
    assert cells[("MPD", "econ")]["total"] == 0
    assert (
        cells[("DCD", "econ")]
        == cells[("DCD", "safe")]
        == {
            "on_track": 3,
            "at_risk": 0,
            "off_track": 1,
            "no_target": 0,
            "no_data": 0,
            "stale": 1,
            "total": 4,
        }
    )


def test_the_index_series_spans_eight_quarters_twelve_months_or_five_years(city):
    assert [p.period for p in _room(city).index] == [
        "2024-Q4",
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
    ]
    assert [p.period for p in _room(city, span="months").index][-1] == "2026-09"
    assert len(_room(city, span="months").index) == 12
    assert [p.period for p in _room(city, span="years").index] == ["2022", "2023", "2024", "2025", "2026"]


def test_the_index_series_matches_each_periods_scorecard(city):
    room = _room(city)
    for point in room.index:
        with city.read() as s:
            card = scorecard(s, CAL, point.period, as_of=AS_OF, user=MAYOR)
        assert point.index == pytest.approx(card.index)
        assert point.priorities == {p.slug: pytest.approx(p.index) for p in card.priorities}


def test_hand_computed_index_of_the_latest_quarter(city):
    point = _room(city).index[-1]
    # Key measures: falls 0.8, slips 0.95, mends 1.0, stays-off 0.1, hidden 0.1, drifts 300/280.
    city_index = (0.8 + 0.95 + 1.0 + 0.1 + 0.1 + 300 / 280) / 6
    assert point.index == pytest.approx(city_index)
    assert point.priorities["econ"] == pytest.approx((1.0 + 0.1 + 300 / 280) / 3)


@pytest.mark.parametrize(
    "user",
    [
        ANONYMOUS,
        Principal(user_id=3, email="ed@city.gov", role="department_editor", department_ids={1}),
        Principal(user_id=4, email="admin@city.gov", role="admin"),
    ],
    ids=["anonymous", "department_editor", "admin"],
)
def test_only_the_mayors_office_and_budget_analysts_get_the_room(city, user):
    assert _room(city, user=user).allowed is False
    with city.read() as s:
        assert review_list(s, CAL, CAL.parse("2026-Q3"), ReviewQuery(), user=user).allowed is False
        assert briefing(s, CAL, CAL.parse("2026-Q3"), ReviewQuery(), user=user).allowed is False
    assert _room(city, user=ANALYST).allowed is True


def test_the_list_behind_a_matrix_cell_holds_that_cells_measures(city):
    with city.read() as s:
        found = review_list(
            s,
            CAL,
            CAL.parse("2026-Q3"),
            ReviewQuery(priority="safe", department="MPD", status="off_track"),
            user=MAYOR,
            as_of=AS_OF,
        )
    assert sorted(m.code for m in found.measures) == ["falls", "hidden"]


def test_the_list_of_one_kind_of_change(city):
    with city.read() as s:
        found = review_list(
            s, CAL, CAL.parse("2026-Q3"), ReviewQuery(change="recovered"), user=MAYOR, as_of=AS_OF
        )
    assert [m.code for m in found.measures] == ["mends"]


def test_the_briefing_has_a_section_per_priority_with_exceptions_worst_first(city):
    with city.read() as s:
        brief = briefing(s, CAL, CAL.parse("2026-Q3"), ReviewQuery(), user=MAYOR, as_of=AS_OF)
        one = briefing(s, CAL, CAL.parse("2026-Q3"), ReviewQuery(priority="econ"), user=MAYOR, as_of=AS_OF)
    safe, econ = brief.sections
    assert [m.code for m in safe.exceptions] == ["hidden", "stays-off", "falls", "slips"]
    assert [m.code for m in econ.exceptions] == ["stays-off"]
    assert safe.explanations["falls"].text == "Snow closed the depot for three weeks."
    assert [s.slug for s in one.sections] == ["econ"]


def test_the_review_opens_on_the_latest_ended_quarter_with_published_data(city):
    with city.read() as s:
        assert review_period(s, CAL, AS_OF).key == "2026-Q3"
        assert review_period(s, CAL, date(2026, 9, 15)).key == "2026-Q2"


def test_span_periods_stop_at_today_for_a_period_under_way():
    assert span_periods(CAL, CAL.parse("2026"), "months", AS_OF)[-1].key == "2026-11"
    assert span_periods(CAL, CAL.parse("2026"), "quarters", AS_OF)[-1].key == "2026-Q4"


def test_an_empty_database_gives_an_empty_room(database):
    with database.read() as s:
        room = review_room(s, CAL, CAL.parse("2026-Q3"), ReviewQuery(), user=MAYOR, as_of=AS_OF)
        points = index_series(s, CAL, [CAL.parse("2026-Q3")], user=MAYOR)
    assert room.changes == [] and room.late == [] and room.matrix == []
    assert points[0].index is None


def test_a_memo_gives_the_room_built_afresh_until_the_data_version_moves(database):
    """RoomMemo is an addition: the same room as without it; a publication (the data version moves
    on) builds it again; a department's draft explanation shows at once, the version unmoved."""
    from sqlalchemy import select

    from aim.models import Actual, Measure
    from aim.services.site import advance_data_version

    load_review_city(database)
    memo = RoomMemo()

    def both():
        with database.read() as s:
            query = ReviewQuery()
            fresh = review_room(s, CAL, CAL.parse("2026-Q3"), query, user=MAYOR, as_of=AS_OF)
            kept = review_room(s, CAL, CAL.parse("2026-Q3"), query, user=MAYOR, as_of=AS_OF, memo=memo)
        assert kept == fresh
        return kept

    first = both()
    assert both() == first

    def slips(s):
        where = (Measure.code == "slips", Actual.period == "2026-Q3")
        return s.scalars(select(Actual).join(Measure).where(*where)).one()

    with database.write() as s:
        slips(s).explanation = "A drafted explanation: no publication, no new data version."
        slips(s).change_reason = "test"
    explained = {r.measure.code: r.explanation for r in both().changes}
    assert explained["slips"] is not None and explained["slips"].text.startswith("A drafted explanation")
    with database.write() as s:
        slips(s).value = 100
        advance_data_version(s)
    assert "slips" not in {r.measure.code for r in both().changes}  # back on track: no change to list
    # Another reader's departments, another room.
    analyst_room = _room(database, user=ANALYST)
    with database.read() as s:
        kept = review_room(s, CAL, CAL.parse("2026-Q3"), ReviewQuery(), user=ANALYST, as_of=AS_OF, memo=memo)
    assert kept == analyst_room


# -- the demo city -------------------------------------------------------------------------------
@pytest.mark.leak_city
def test_newly_off_track_in_the_demo_citys_latest_quarter_equals_a_count_from_two_quarters(database):
    """The hand count: take the scorecards of the latest quarter and the one before (the public
    summary, as `python -m aim status --json` prints it, with internal measures for this reader),
    and count the measures off track now that were not off track then."""
    as_of = date(2026, 11, 26)
    with database.read() as s:
        latest = review_period(s, CAL, as_of)
        now = scorecard(s, CAL, latest, as_of=as_of, user=MAYOR).summary()["measures"]
        then = scorecard(s, CAL, CAL.shift(latest, -1), as_of=as_of, user=MAYOR).summary()["measures"]
        room = review_room(s, CAL, latest, ReviewQuery(), user=MAYOR, as_of=as_of)
    was_off = {m["code"] for m in then if m["status"] == "off_track"}
    by_hand = sorted(m["code"] for m in now if m["status"] == "off_track" and m["code"] not in was_off)
    assert latest.key == "2026-Q3"
    assert by_hand  # the demo city has some: the check means something
    assert room.change_counts["newly_off_track"] == len(by_hand)
    assert sorted(r.measure.code for r in room.changes if r.kind == "newly_off_track") == by_hand


def test_the_lists_departments_of_one_name_come_in_code_order(database):
    """Two departments of the same name are offered in code order, whatever order a set of them
    iterates in (it depends on the interpreter's string hashing, so on the process)."""
    with database.write() as s:
        safe = b.priority(s, "safe", "Safety", 1)
        for code in ("DPW-B", "DPW-A", "DPW-C"):
            act = b.activity(s, b.department(s, code, "Public Works"), f"{code}-ACT", [safe])
            m = b.measure(s, act, f"{code.lower()}-tons")
            b.actuals(s, m, {"2025": 1})
    with database.read() as s:
        found = review_list(s, CAL, CAL.parse("2025"), ReviewQuery(), user=MAYOR, as_of=AS_OF)
    assert found.departments == [
        ("DPW-A", "Public Works"),
        ("DPW-B", "Public Works"),
        ("DPW-C", "Public Works"),
    ]
