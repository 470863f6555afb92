"""Priority narratives on SQLite and PostgreSQL: the Mayor's Office drafts and publishes, versions are
kept (a published one is never overwritten, and the database refuses to change it), stale forms
are refused, every change is in the audit log, and the public reads published versions only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from aim import workflow
from aim.auth import ANONYMOUS, Principal, Role
from aim.models import AuditEvent, CityInfo, PriorityNarrative
from aim.schemas import NarrativeInput
from aim.services import narratives
from aim.services.narratives import InvalidNarrative, NotAllowed, NotFound, StaleNarrative
from aim.services.site import data_version
from aim.workflow import Action, State, TransitionRefused
from tests import builders as b
from tests.accounts import make_user

SEEING = "Violent crime fell for the third quarter running."
DOING = "We keep the extra patrols on the south side through the winter."


@pytest.fixture
def city(database, fast_hashing):
    """Two priorities and the people who use the narratives page."""
    with database.write() as s:
        b.priority(s, "safe", "Safety", 1)
        b.priority(s, "econ", "Economy", 2)
        s.add(CityInfo(id=1, name="Test city"))
    people = {
        role: make_user(database, f"{role}@city.gov", role)
        for role in ("mayors_office", "budget_analyst", "admin")
    }
    return {role: Principal(user_id=u.id, email=u.email, role=role) for role, u in people.items()}


def save(database, calendar, user, *, seeing=SEEING, doing=DOING, version=None, revision=None, slug="safe",
         period="2026-Q3"):  # fmt: skip
    with database.write() as s:
        return narratives.save_draft(
            s,
            calendar,
            NarrativeInput(
                priority=slug,
                period=period,
                seeing=seeing,
                doing=doing,
                base_version=version,
                base_revision=revision,
            ),
            user=user,
        )


def publish(database, calendar, user, saved):
    with database.write() as s:
        return narratives.publish(
            s, calendar, saved.priority_slug, saved.period, saved.version, saved.revision, user=user
        )


def events(database) -> list[tuple[str, str, str]]:
    with database.read() as s:
        return [
            (e.event, e.email, e.detail)
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.event.like("narrative%")).order_by(AuditEvent.id)
            )
        ]


# -- the state machine, as a table -----------------------------------------------------------------
@pytest.mark.parametrize(
    "before, action, after",
    [
        (None, Action.EDIT, State.DRAFT),
        (State.DRAFT, Action.EDIT, State.DRAFT),
        (State.DRAFT, Action.PUBLISH, State.PUBLISHED),
        (State.PUBLISHED, Action.EDIT, State.DRAFT),
        (None, Action.PUBLISH, None),
        (State.PUBLISHED, Action.PUBLISH, None),
        (State.DRAFT, Action.SUBMIT, None),
        (State.DRAFT, Action.APPROVE, None),
    ],
)
def test_the_narrative_state_machine_allows_exactly_these_transitions(before, action, after):
    if after is None:
        with pytest.raises(TransitionRefused):
            workflow.next_narrative_state(before, action)
    else:
        assert workflow.next_narrative_state(before, action) is after


@pytest.mark.parametrize("role", list(Role))
def test_only_the_mayors_office_drafts_and_publishes_narratives(role):
    p = Principal(user_id=1, email="x@city.gov", role=role)
    expected = role is Role.MAYORS_OFFICE
    assert workflow.may_write_narrative(p, Action.EDIT) is expected
    assert workflow.may_write_narrative(p, Action.PUBLISH) is expected
    assert not workflow.may_write_narrative(ANONYMOUS)


# -- writing ----------------------------------------------------------------------------------------
def test_a_draft_is_saved_as_version_one_and_audited(database, calendar, city):
    saved = save(database, calendar, city["mayors_office"])
    assert (saved.version, saved.state, saved.seeing, saved.doing) == (1, "draft", SEEING, DOING)
    assert saved.updated_by == "mayors_office@city.gov"
    assert events(database) == [
        ("narrative_saved", "mayors_office@city.gov", "priority=safe period=2026-Q3 version=1")
    ]


def test_editing_a_draft_changes_it_in_place_and_needs_the_save_the_writer_saw(database, calendar, city):
    mayor = city["mayors_office"]
    first = save(database, calendar, mayor)
    second = save(database, calendar, mayor, seeing="Revised.", version=1, revision=first.revision)
    assert (second.version, second.seeing) == (1, "Revised.")
    assert second.revision > first.revision
    # A form opened before the second save is stale: refused, saying what is there now.
    with pytest.raises(StaleNarrative) as refused:
        save(database, calendar, mayor, seeing="Overwrite?", version=1, revision=first.revision)
    assert refused.value.current.seeing == "Revised."
    # A form opened before any draft existed is stale too.
    with pytest.raises(StaleNarrative):
        save(database, calendar, mayor, seeing="Another first draft")
    with database.read() as s:
        assert s.scalars(select(PriorityNarrative.seeing)).all() == ["Revised."]


def test_publishing_shows_the_narrative_to_the_public_and_moves_the_data_version(database, calendar, city):
    mayor = city["mayors_office"]
    with database.read() as s:
        before = data_version(s)
    saved = save(database, calendar, mayor)
    with database.read() as s:
        assert narratives.latest_published(s, calendar, "safe") is None  # a draft is not public
        assert data_version(s) == before
    done = publish(database, calendar, mayor, saved)
    assert (done.state, done.published_by) == ("published", "mayors_office@city.gov")
    with database.read() as s:
        shown = narratives.latest_published(s, calendar, "safe")
        assert data_version(s) == before + 1
    assert (shown.seeing, shown.doing, shown.author, shown.period_label) == (
        SEEING,
        DOING,
        "Mayor's Office",
        calendar.label(calendar.parse("2026-Q3")),
    )
    assert "mayors_office@city.gov" not in shown.model_dump_json()  # the office, never the person
    assert [e[0] for e in events(database)] == ["narrative_saved", "narrative_published"]


def test_editing_a_published_narrative_starts_a_new_version_and_keeps_the_published_one_public(
    database, calendar, city
):
    mayor = city["mayors_office"]
    v1 = publish(database, calendar, mayor, save(database, calendar, mayor))
    v2 = save(database, calendar, mayor, seeing="Crime rose in October.", version=1, revision=v1.revision)
    assert (v2.version, v2.state) == (2, "draft")
    with database.read() as s:
        assert narratives.latest_published(s, calendar, "safe").seeing == SEEING
        assert [h.seeing for h in narratives.published_history(s, calendar, "safe").versions] == [SEEING]
    publish(database, calendar, mayor, v2)
    with database.read() as s:
        assert narratives.latest_published(s, calendar, "safe").seeing == "Crime rose in October."
        history = narratives.published_history(s, calendar, "safe").versions
        stored = s.execute(
            select(PriorityNarrative.version, PriorityNarrative.state, PriorityNarrative.seeing).order_by(
                PriorityNarrative.version
            )
        ).all()
    assert [(h.version, h.seeing) for h in history] == [(2, "Crime rose in October."), (1, SEEING)]
    assert [tuple(n) for n in stored] == [
        (1, "published", SEEING),
        (2, "published", "Crime rose in October."),
    ]
    assert [e[2] for e in events(database)] == [
        "priority=safe period=2026-Q3 version=1",
        "priority=safe period=2026-Q3 version=1",
        "priority=safe period=2026-Q3 version=2",
        "priority=safe period=2026-Q3 version=2",
    ]


def test_the_database_refuses_to_change_or_delete_a_published_narrative(database, calendar, city):
    mayor = city["mayors_office"]
    publish(database, calendar, mayor, save(database, calendar, mayor))
    with pytest.raises(DBAPIError, match="never changed"):
        with database.write() as s:
            s.execute(update(PriorityNarrative).values(seeing="Rewritten history"))
    with pytest.raises(DBAPIError, match="never"):
        with database.write() as s:
            s.execute(PriorityNarrative.__table__.delete())
    with database.read() as s:
        assert s.scalars(select(PriorityNarrative.seeing)).all() == [SEEING]


def test_publishing_unchanged_text_again_is_refused_and_writes_nothing(database, calendar, city):
    mayor = city["mayors_office"]
    v1 = publish(database, calendar, mayor, save(database, calendar, mayor))
    with pytest.raises(InvalidNarrative, match="Nothing changed since version 1"):
        save(database, calendar, mayor, version=1, revision=v1.revision)
    with pytest.raises(InvalidNarrative, match="published cannot be published"):
        publish(database, calendar, mayor, v1)
    assert len(events(database)) == 2


@pytest.mark.parametrize("role", ["budget_analyst", "admin"])
def test_other_roles_may_not_draft_or_publish(database, calendar, city, role):
    with pytest.raises(NotAllowed):
        save(database, calendar, city[role])
    saved = save(database, calendar, city["mayors_office"])
    with pytest.raises(NotAllowed):
        publish(database, calendar, city[role], saved)
    with pytest.raises(NotAllowed):
        save(database, calendar, ANONYMOUS)
    with database.read() as s:
        assert s.scalars(select(PriorityNarrative.state)).all() == ["draft"]


def test_both_parts_are_required_and_the_input_is_checked(database, calendar, city):
    mayor = city["mayors_office"]
    with pytest.raises(InvalidNarrative) as empty:
        save(database, calendar, mayor, seeing="  ", doing="")
    assert set(empty.value.fields) == {"seeing", "doing"}
    with pytest.raises(NotFound):
        save(database, calendar, mayor, slug="no-such-priority")
    with pytest.raises(InvalidNarrative):
        save(database, calendar, mayor, period="2026-Q9")
    with pytest.raises(ValueError):
        NarrativeInput(priority="safe", period="2026", seeing="x" * 2001, doing="y")
    with pytest.raises(InvalidNarrative, match="write a draft first"):
        with database.write() as s:
            narratives.publish(s, calendar, "safe", "2026-Q3", 1, 1, user=mayor)
    assert events(database) == []


def test_text_keeps_its_line_breaks_in_one_form(database, calendar, city):
    saved = save(database, calendar, city["mayors_office"], seeing="One.\r\n\r\nTwo.\rThree.")
    assert saved.seeing == "One.\n\nTwo.\nThree."


# -- reading ----------------------------------------------------------------------------------------
def test_the_public_sees_the_latest_period_with_a_published_narrative(database, calendar, city):
    mayor = city["mayors_office"]
    publish(database, calendar, mayor, save(database, calendar, mayor, period="2026-Q2", seeing="Q2."))
    publish(database, calendar, mayor, save(database, calendar, mayor, period="2026-Q3", seeing="Q3."))
    save(database, calendar, mayor, period="2026-Q4", seeing="Q4 draft.")
    with database.read() as s:
        assert narratives.latest_published(s, calendar, "safe").seeing == "Q3."
        assert [v.seeing for v in narratives.published_history(s, calendar, "safe").versions] == [
            "Q3.",
            "Q2.",
        ]
        assert narratives.latest_published(s, calendar, "econ") is None
        assert narratives.published_history(s, calendar, "no-such") is None
        # As published at the end of yesterday: nothing yet.
        yesterday = date.today() - timedelta(days=1)
        assert narratives.latest_published(s, calendar, "safe", published_on=yesterday) is None
        assert narratives.latest_published(s, calendar, "safe", published_on=date.today()).seeing == "Q3."


def test_the_briefing_reads_the_published_narrative_of_exactly_its_period(database, calendar, city):
    mayor = city["mayors_office"]
    publish(database, calendar, mayor, save(database, calendar, mayor, period="2026-Q2", seeing="Q2."))
    v = publish(database, calendar, mayor, save(database, calendar, mayor, period="2026-Q3", seeing="Q3."))
    save(
        database,
        calendar,
        mayor,
        period="2026-Q3",
        seeing="Q3, second draft.",
        version=1,
        revision=v.revision,
    )
    with database.read() as s:
        found = narratives.published_for_period(s, calendar, calendar.parse("2026-Q3"), ["safe", "econ"])
    assert {slug: n.seeing for slug, n in found.items()} == {"safe": "Q3."}


def test_the_desk_shows_drafts_to_review_room_readers_and_nothing_to_others(database, calendar, city):
    mayor = city["mayors_office"]
    publish(database, calendar, mayor, save(database, calendar, mayor))
    save(database, calendar, mayor, seeing="Draft two.", version=1, revision=1)
    q3 = calendar.parse("2026-Q3")
    with database.read() as s:
        for_mayor = narratives.desk(s, calendar, q3, "safe", user=mayor)
        for_analyst = narratives.desk(s, calendar, q3, "", user=city["budget_analyst"])
        for_admin = narratives.desk(s, calendar, q3, "safe", user=city["admin"])
        for_public = narratives.desk(s, calendar, q3, "safe", user=ANONYMOUS)
    assert for_mayor.may_write and not for_analyst.may_write
    assert (for_mayor.latest.seeing, for_mayor.published.seeing) == ("Draft two.", SEEING)
    assert [v.version for v in for_mayor.history] == [2, 1]
    assert for_analyst.priority_slug == "safe"  # the first priority when none is asked for
    assert [(r.slug, r.state, r.version, r.published_versions) for r in for_analyst.overview] == [
        ("safe", "draft", 2, 1),
        ("econ", "", 0, 0),
    ]
    assert not for_admin.allowed and for_admin.history == []
    assert not for_public.allowed and for_public.latest is None
