"""My reporting and the review queue on both databases: what is due, overdue, drafted, returned,
submitted, approved, published and corrected; the queue grouped by department and period, oldest
first, with the previous value and the status each value would get; scope from the principal."""

from __future__ import annotations

from datetime import date

from aim.auth import Principal, Role
from aim.services import figures
from aim.services.reporting import my_reporting, review_queue
from aim.workflow_views import FigureInput, FigureRef
from tests.aim.services.test_figures import analyst, city, editor  # noqa: F401 - the fixture

TODAY = date(2026, 3, 10)  # January's figure is due 28 February (overdue), February's 31 March


def _enter(database, calendar, user, period, value, why=""):
    with database.write() as s:
        return figures.save_draft(
            s,
            calendar,
            FigureInput(measure="crime", period=period, value=value, explanation=why, version=None),
            user=user,
            today=TODAY,
        )


def _act(database, calendar, action, user, figure, *args):
    ref = FigureRef(measure=figure.measure, period=figure.period, version=figure.version)
    with database.write() as s:
        if action == "submit":
            return figures.submit(s, calendar, [ref], user=user, today=TODAY)[0]
        return getattr(figures, action)(s, calendar, [ref], *args, user=user)[0]


def test_my_reporting_says_what_is_due_overdue_drafted_and_submitted(database, calendar, city):  # noqa: F811
    ed = editor(city)
    with database.read() as s:
        empty = my_reporting(s, calendar, user=ed, today=TODAY)
    crime = {r.period: r.situation for r in empty.rows if r.measure == "crime"}
    assert crime == {"2026-02": "due", "2026-01": "overdue"}
    _enter(database, calendar, ed, "2026-01", "95")
    february = _enter(database, calendar, ed, "2026-02", "96")
    _act(database, calendar, "submit", ed, february)
    with database.read() as s:
        view = my_reporting(s, calendar, user=ed, today=TODAY)
    crime = {r.period: r.situation for r in view.rows if r.measure == "crime"}
    assert crime == {"2026-02": "submitted", "2026-01": "overdue"}  # drafted, but past its due day
    assert view.rows[0].situation in ("returned", "overdue")  # the most urgent first


def test_returned_figures_come_first_with_the_comment_and_corrections_are_marked(database, calendar, city):  # noqa: F811
    ed, an = editor(city), analyst()
    figure = _act(database, calendar, "submit", ed, _enter(database, calendar, ed, "2026-02", "96"))
    _act(database, calendar, "return_figures", an, figure, "Check February.")
    january = _act(database, calendar, "submit", ed, _enter(database, calendar, ed, "2026-01", "95"))
    january = _act(database, calendar, "approve", an, january)
    january = _act(database, calendar, "publish", an, january)
    with database.write() as s:  # a correction of the published January figure
        figures.save_draft(
            s,
            calendar,
            FigureInput(measure="crime", period="2026-01", value="94", version=january.version),
            user=ed,
            today=TODAY,
        )
    with database.read() as s:
        view = my_reporting(s, calendar, user=ed, today=TODAY)
    first = view.rows[0]
    assert (first.period, first.situation, first.figure.review_comment) == (
        "2026-02",
        "returned",
        "Check February.",
    )
    assert {r.period: r.situation for r in view.rows if r.measure == "crime"}["2026-01"] == "correction"


def test_the_review_queue_groups_by_department_and_period_with_previous_value_and_status(
    database,
    calendar,
    city,  # noqa: F811
):  # noqa: F811
    ed, an = editor(city), analyst()
    january = _act(database, calendar, "submit", ed, _enter(database, calendar, ed, "2026-01", "95"))
    january = _act(database, calendar, "approve", an, january)
    _act(database, calendar, "publish", an, january)
    _act(database, calendar, "submit", ed, _enter(database, calendar, ed, "2026-02", "150", "A heat wave."))
    with database.read() as s:
        queue = review_queue(s, calendar, user=an)
        mayor = review_queue(s, calendar, user=Principal(9, "m@city.gov", Role.MAYORS_OFFICE))
        nobody = review_queue(s, calendar, user=ed)
    (group,) = queue.groups
    (figure,) = group.figures
    assert (group.department_code, group.period) == ("MPD", "2026-02")
    assert (figure.value, figure.previous_value, figure.target, figure.status) == (150, 95, 100, "off_track")
    assert figure.explanation == "A heat wave."
    assert mayor.allowed and mayor.count == 1  # reads the queue
    assert not nobody.allowed and nobody.count == 0  # editors do not


def test_the_mayors_office_comments_on_a_figure_and_others_outside_it_cannot(database, calendar, city):  # noqa: F811
    import pytest

    from aim.services.figures import InvalidFigure, NotFound
    from aim.services.reporting import add_comment, figure_page

    _enter(database, calendar, editor(city), "2026-01", "95")
    mayor = Principal(9, "mayor@city.gov", Role.MAYORS_OFFICE)
    with database.write() as s:
        add_comment(s, "crime", "2026-01", "Why so low?", user=mayor)
    with pytest.raises(InvalidFigure), database.write() as s:
        add_comment(s, "crime", "2026-01", "  ", user=mayor)
    with pytest.raises(NotFound), database.write() as s:
        add_comment(s, "crime", "2026-01", "Hello", user=editor(city, "w@city.gov", "DPW"))
    with database.read() as s:
        page = figure_page(s, calendar, "crime", "2026-01", user=editor(city))
    assert [(c.author, c.role, c.text) for c in page.comments] == [
        ("mayor@city.gov", "mayors_office", "Why so low?")
    ]


def test_my_reporting_pages_hold_every_row_once_in_the_order_of_the_whole_list(database, calendar, city):  # noqa: F811
    ed = editor(city)
    _enter(database, calendar, ed, "2026-01", "95")
    with database.read() as s:
        whole = my_reporting(s, calendar, user=ed, today=TODAY)
        pages = [my_reporting(s, calendar, user=ed, today=TODAY, page=n, page_size=2) for n in (1, 2, 3, 4)]
    assert whole.total == len(whole.rows) >= 3 and whole.pages == 1
    expected_pages = -(-whole.total // 2)
    assert {p.pages for p in pages} == {expected_pages} and {p.total for p in pages} == {whole.total}
    paged_rows = [r for p in pages[:expected_pages] for r in p.rows]
    assert paged_rows == whole.rows  # same rows, same figures, same order
    assert {p.counts == whole.counts for p in pages} == {True}  # counts are of every row


def test_a_page_past_the_end_of_my_reporting_is_the_last_page(database, calendar, city):  # noqa: F811
    with database.read() as s:
        last = my_reporting(s, calendar, user=editor(city), today=TODAY, page=999, page_size=2)
    assert last.page == last.pages and 1 <= len(last.rows) <= 2
