"""The review workflow's services on both databases: entering with field-level checks, submitting,
returning, approving (never one's own work), publishing now and on the publication day,
corrections that keep the published value public, stale versions, and the revision rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aim.auth import Principal, Role
from aim.models import Actual, ActualRevision, CityInfo
from aim.services import figures
from aim.services.figures import InvalidFigure, NotAllowed, NotFound, StaleFigure, WorkflowError
from aim.services.site import data_version
from aim.workflow_views import FigureInput, FigureRef
from tests import builders as b

TODAY = date(2026, 3, 10)


@pytest.fixture
def city(database):
    """Police (a monthly 'down' count with a target, a percent) and Public Works."""
    with database.write() as s:
        safe = b.priority(s)
        police = b.department(s, "MPD", "Police")
        works = b.department(s, "DPW", "Public Works")
        patrol = b.activity(s, police, "MPD-PATROL", [safe])
        b.activity(s, works, "DPW-STREETS", [safe])
        crime = b.measure(s, patrol, "crime", direction="down", frequency="monthly")
        b.target(s, crime, "2026", 1200)  # 100 a month
        b.measure(s, patrol, "cleared", unit_kind="percent", frequency="monthly", aggregation="mean")
        b.measure(s, patrol, "late-start", frequency="monthly", active_from=date(2026, 2, 1))
        s.add(CityInfo(id=1, name="Test city"))
        s.flush()
        ids = {"MPD": police.id, "DPW": works.id}
    return ids


def editor(city, email="ed@city.gov", dept="MPD") -> Principal:
    return Principal(user_id=1, email=email, role=Role.DEPARTMENT_EDITOR, department_ids={city[dept]})


def analyst(email="an@city.gov") -> Principal:
    return Principal(user_id=2, email=email, role=Role.BUDGET_ANALYST)


def enter(database, calendar, user, value, *, period="2026-01", measure="crime", version=None, why=""):
    with database.write() as s:
        return figures.save_draft(
            s,
            calendar,
            FigureInput(measure=measure, period=period, value=value, explanation=why, version=version),
            user=user,
            today=TODAY,
        )


def act(database, calendar, action, user, figure, *args):
    ref = FigureRef(measure=figure.measure, period=figure.period, version=figure.version)
    with database.write() as s:
        function = getattr(figures, action)
        if action == "submit":
            return function(s, calendar, [ref], user=user, today=TODAY)[0]
        return function(s, calendar, [ref], *args, user=user)[0]


def revisions(database) -> list[tuple]:
    with database.read() as s:
        return [
            (r.old_state, r.state, r.old_value, r.new_value, r.changed_by, r.reason)
            for r in s.scalars(select(ActualRevision).order_by(ActualRevision.id))
        ]


def test_an_editor_enters_a_draft_and_one_revision_records_it(database, calendar, city):
    figure = enter(database, calendar, editor(city), "95")
    assert (figure.state, figure.value, figure.version, figure.status) == ("draft", 95, 1, "on_track")
    assert revisions(database) == [(None, "draft", None, 95, "ed@city.gov", "entered")]


@pytest.mark.parametrize(
    "measure, value, field, words",
    [
        ("crime", "ninety", "value", "Not a number"),
        ("crime", "-4", "value", "cannot be negative"),
        ("cleared", "101", "value", "between 0 and 100"),
        ("crime", "", "value", "Enter the value"),
        ("crime", "150", "explanation", "off track"),  # 150 against 100, lower is better
        ("crime", "105", "explanation", "at risk"),
    ],
)
def test_a_bad_input_is_refused_field_by_field_and_nothing_is_written(
    database, calendar, city, measure, value, field, words
):
    with pytest.raises(InvalidFigure) as refused:
        enter(database, calendar, editor(city), value, measure=measure)
    assert words in refused.value.fields[field]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Actual)) == 0
        assert s.scalar(select(func.count()).select_from(ActualRevision)) == 0


def test_an_off_track_value_with_its_explanation_is_accepted(database, calendar, city):
    figure = enter(database, calendar, editor(city), "150", why="A heat wave; extra patrols from May.")
    assert figure.status == "off_track" and figure.explanation.startswith("A heat wave")


def test_a_period_not_yet_ended_or_before_the_start_is_a_flagged_draft_that_cannot_be_submitted(
    database, calendar, city
):
    current = enter(database, calendar, editor(city), "90", period="2026-03")
    assert any("has not ended" in f for f in current.flags)
    early = enter(database, calendar, editor(city), "5", period="2026-01", measure="late-start")
    assert any("started on 2026-02-01" in f for f in early.flags)
    for figure in (current, early):
        with pytest.raises(InvalidFigure):
            act(database, calendar, "submit", editor(city), figure)


def test_another_departments_editor_and_other_roles_may_not_enter(database, calendar, city):
    with pytest.raises(NotFound):  # Public Works' editor is not told anything about Police's figures
        enter(database, calendar, editor(city, "works@city.gov", "DPW"), "90")
    for role in (Role.BUDGET_ANALYST, Role.MAYORS_OFFICE):
        with pytest.raises(NotAllowed):
            enter(database, calendar, Principal(user_id=3, email="x@city.gov", role=role), "90")
    with pytest.raises(NotFound):
        enter(database, calendar, Principal(user_id=4, email="it@city.gov", role=Role.ADMIN), "90")


def test_a_stale_edit_is_refused_with_the_current_value_who_and_when(database, calendar, city):
    first = enter(database, calendar, editor(city), "90")
    enter(database, calendar, editor(city, "other@city.gov"), "91", version=first.version)
    with pytest.raises(StaleFigure) as stale:
        enter(database, calendar, editor(city), "92", version=first.version)
    assert stale.value.current.value == 91 and stale.value.current.updated_by == "other@city.gov"
    assert "other@city.gov" in str(stale.value) and "91" in str(stale.value)
    with database.read() as s:
        assert s.scalar(select(Actual.value)) == 91


def test_the_whole_loop_return_with_a_comment_fix_resubmit_approve_publish(database, calendar, city):
    ed, an = editor(city), analyst()
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "95"))
    assert figure.state == "submitted"
    with pytest.raises(InvalidFigure):  # a return says why
        act(database, calendar, "return_figures", an, figure, " ")
    figure = act(database, calendar, "return_figures", an, figure, "January looks low: check the feed.")
    assert (figure.state, figure.review_comment) == ("returned", "January looks low: check the feed.")
    figure = enter(database, calendar, ed, "97", version=figure.version)
    assert figure.state == "draft" and figure.review_comment  # the comment stays until resubmitted
    figure = act(database, calendar, "submit", ed, figure)
    assert figure.review_comment == ""
    before = _version(database)
    figure = act(database, calendar, "approve", an, figure)
    assert figure.state == "approved" and _version(database) == before  # not public yet
    figure = act(database, calendar, "publish", an, figure)
    assert (figure.state, figure.published_value) == ("published", 97)
    assert _version(database) == before + 1
    assert [r[:2] for r in revisions(database)] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "draft"),
        ("draft", "submitted"),
        ("submitted", "approved"),
        ("approved", "published"),
    ]
    assert revisions(database)[2][5] == "January looks low: check the feed."


def _version(database) -> int:
    with database.read() as s:
        return data_version(s)


def test_no_one_approves_a_figure_they_entered_or_changed_whatever_their_role(database, calendar, city):
    ed = editor(city, "ana@city.gov")
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "95"))
    promoted = analyst("ana@city.gov")  # the same person, now in the budget office
    with pytest.raises(NotAllowed, match="someone else"):
        act(database, calendar, "approve", promoted, figure)
    assert act(database, calendar, "approve", analyst(), figure).state == "approved"


def test_editors_and_the_mayors_office_cannot_approve_return_or_publish(database, calendar, city):
    ed = editor(city)
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "95"))
    mayor = Principal(user_id=5, email="mayor@city.gov", role=Role.MAYORS_OFFICE)
    for who in (ed, editor(city, "other@city.gov"), mayor):
        with pytest.raises(NotAllowed):
            act(database, calendar, "approve", who, figure)
        with pytest.raises(NotAllowed):
            act(database, calendar, "return_figures", who, figure, "no")
        with pytest.raises(NotAllowed):
            act(database, calendar, "publish", who, figure)


def test_the_state_machine_refuses_skipping_a_step(database, calendar, city):
    draft = enter(database, calendar, editor(city), "95")
    with pytest.raises(WorkflowError, match="cannot be approved"):
        act(database, calendar, "approve", analyst(), draft)
    with pytest.raises(WorkflowError, match="cannot be published"):
        act(database, calendar, "publish", analyst(), draft)


def test_a_stale_approval_is_refused(database, calendar, city):
    ed = editor(city)
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "95"))
    enter(database, calendar, ed, "96", version=figure.version)  # the editor takes it back
    with pytest.raises(StaleFigure):
        act(database, calendar, "approve", analyst(), figure)


def test_a_correction_keeps_the_published_value_public_until_it_is_published(database, calendar, city):
    ed, an = editor(city), analyst()
    published = enter(database, calendar, ed, "95")
    for step, who in (("submit", ed), ("approve", an), ("publish", an)):
        published = act(database, calendar, step, who, published)
    correction = enter(database, calendar, ed, "99", version=published.version)
    assert (correction.state, correction.value, correction.published_value) == ("draft", 99, 95)
    assert correction.is_correction
    for step, who in (("submit", ed), ("approve", an)):
        correction = act(database, calendar, step, who, correction)
        with database.read() as s:
            row = s.scalars(select(Actual)).one()
            assert (row.state, row.value) == ("published", 95)  # what the public reads
    corrected = act(database, calendar, "publish", an, correction)
    assert (corrected.state, corrected.value, corrected.published_value) == ("published", 99, 99)
    assert not corrected.is_correction
    assert [r[:4] for r in revisions(database)][4:] == [
        ("published", "draft", 95, 99),
        ("draft", "submitted", 99, 99),
        ("submitted", "approved", 99, 99),
        ("approved", "published", 99, 99),
    ]


def test_publish_due_publishes_what_was_approved_by_the_publication_day_and_is_safe_twice(
    database, calendar, city
):
    ed, an = editor(city), analyst()
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "95"))
    act(database, calendar, "approve", an, figure)
    with database.write() as s:  # approved today: due at the next publication day, not the last one
        assert figures.publish_due(s, today=date.today().replace(day=1), publication_day=28) == 0
    with database.write() as s:
        assert figures.publish_due(s, today=date(2099, 1, 20), publication_day=15) == 1
    with database.write() as s:
        assert figures.publish_due(s, today=date(2099, 1, 20), publication_day=15) == 0
    with database.read() as s:
        assert s.scalars(select(Actual)).one().state == "published"
        assert s.scalars(select(ActualRevision).order_by(ActualRevision.id.desc())).first().changed_by == (
            figures.PUBLICATION_DAY
        )


def test_last_publication_day():
    assert figures.last_publication_day(date(2026, 3, 15), 15) == date(2026, 3, 15)
    assert figures.last_publication_day(date(2026, 3, 14), 15) == date(2026, 2, 15)
    assert figures.last_publication_day(date(2026, 1, 3), 15) == date(2025, 12, 15)


def _approved(database, calendar, city) -> None:
    ed = editor(city)
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "95"))
    act(database, calendar, "approve", analyst(), figure)


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_publish_command_publishes_what_is_due_archives_its_release_and_changes_nothing_the_second_time(
    database, db_url, calendar, city, tmp_path
):
    from aim.services import archive
    from tests.aim.test_cli import run_aim

    _approved(database, calendar, city)
    env = {"AIM_DATABASE_URL": db_url, "AIM_PUBLICATION_DAY": "15", "AIM_ARCHIVE_DIR": str(tmp_path / "a")}
    first = run_aim("publish", "--today", "2099-01-20", env=env)
    assert first.returncode == 0, first.stderr
    assert "Published 1 approved figure." in first.stderr
    day = archive.today()  # the release is named after the day the figures became public
    folder = tmp_path / "a" / day.isoformat()
    assert f"Archived the release of {day}" in first.stderr
    assert "crime,2026-01,95,,published" in (folder / "actuals.csv").read_text(encoding="utf-8")
    archive.verify(folder)
    written = _files(folder)
    second = run_aim("publish", "--today", "2099-01-20", env=env)
    assert second.returncode == 0 and "nothing changed" in second.stderr
    with database.read() as s:
        assert s.scalars(select(Actual)).one().state == "published"
        assert [r.release_date for r in archive.releases(s)] == [day]
    # Another figure published the same day: the day's release is not rewritten; it waits for the next.
    ed = editor(city)
    figure = act(database, calendar, "submit", ed, enter(database, calendar, ed, "80", period="2026-02"))
    act(database, calendar, "approve", analyst(), figure)
    third = run_aim("publish", "--today", "2099-01-20", env=env)
    assert third.returncode == 0 and "left unchanged" in third.stderr, third.stderr
    assert _files(folder) == written


def test_publish_publishes_nothing_when_its_release_cannot_be_written_and_leaves_no_partial_release(
    database, db_url, calendar, city, tmp_path
):
    from tests.aim.test_cli import run_aim

    _approved(database, calendar, city)
    with database.read() as s:
        version = data_version(s)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive should be", encoding="utf-8")
    env = {"AIM_DATABASE_URL": db_url, "AIM_ARCHIVE_DIR": str(blocker / "archive")}
    failed = run_aim("publish", "--today", "2099-01-20", env=env)
    assert failed.returncode == 1
    assert (
        "Nothing was published: the release of" in failed.stderr and "could not be written" in failed.stderr
    )
    with database.read() as s:  # rolled back with the release
        assert s.scalars(select(Actual)).one().state == "approved"
        assert data_version(s) == version
    env["AIM_ARCHIVE_DIR"] = str(tmp_path / "archive")
    assert run_aim("publish", "--today", "2099-01-20", env=env).returncode == 0
    assert [p.name for p in (tmp_path / "archive").iterdir()] == [date_today_utc()]  # no staging left


def test_publish_refuses_to_list_a_tampered_release_of_the_day_and_leaves_it_as_it_is(
    database, db_url, calendar, city, tmp_path
):
    """A folder of today's date with no database row (a run that stopped before committing) is
    verified before it is listed; one that does not match its manifest stops the publication."""
    from tests.aim.test_cli import run_aim

    _approved(database, calendar, city)
    folder = tmp_path / "archive" / date_today_utc()
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"files": [{"path": "x.csv", "sha256": "0", "bytes": 1}]}')
    (folder / "x.csv").write_text("forged", encoding="utf-8")
    before = _files(folder)
    env = {"AIM_DATABASE_URL": db_url, "AIM_ARCHIVE_DIR": str(tmp_path / "archive")}
    failed = run_aim("publish", "--today", "2099-01-20", env=env)
    assert failed.returncode == 1 and "does not match its checksum" in failed.stderr, failed.stderr
    assert _files(folder) == before
    with database.read() as s:
        assert s.scalars(select(Actual)).one().state == "approved"


def date_today_utc() -> str:
    from aim.services.archive import today

    return today().isoformat()


def test_an_import_that_changes_data_moves_the_data_version_and_one_that_changes_nothing_does_not(database):
    from aim.config import DEMO_CITY
    from aim.importing import run_import
    from aim.periods import FiscalCalendar

    assert _version(database) == 0
    assert run_import(database, FiscalCalendar(1), DEMO_CITY).ok
    assert _version(database) == 1
    assert run_import(database, FiscalCalendar(1), DEMO_CITY).ok
    assert _version(database) == 1
    with database.read() as s:  # imported revisions carry the explanation the figure had
        explained = s.scalar(
            select(func.count()).select_from(ActualRevision).where(ActualRevision.explanation != "")
        )
        assert explained == s.scalar(select(func.count()).select_from(Actual).where(Actual.explanation != ""))


def test_every_workflow_state_has_a_word_on_the_internal_page():
    from aim.workflow import STATES
    from layouts.staff import internal, workflow

    assert set(STATES) <= set(internal.STATE_TEXT) and set(STATES) <= set(workflow.STATE_TEXT)
