"""The review room's page loaders (the landing page, the list behind a matrix cell, the briefing).
Who may see them comes from the session's user, checked again by the services; the URL only chooses
the period, the comparison and the filters."""

from __future__ import annotations

import weakref

from pydantic import ValidationError

from aim.auth import may_use_review_room
from aim.db import Database
from aim.periods import PeriodError
from aim.schemas import ReviewQuery
from aim.services.follow_ups import open_follow_ups
from aim.services.follow_ups import summary as follow_up_summary
from aim.services.review import RoomMemo, briefing, review_list, review_period, review_room
from aim.services.site import site_info
from callbacks._common import current_principal, notices, page, periods, runtime
from layouts.components import ANY
from layouts.staff import briefing as briefing_layout
from layouts.staff import follow_ups, review


def read_query(**fields: object) -> tuple[ReviewQuery, str | None]:
    """The choices in the URL, or the defaults with a notice naming what was refused and why."""
    cleaned = {k: (v if v.lower() != ANY else "") for k, v in fields.items() if isinstance(v, str)}
    try:
        return ReviewQuery(**cleaned), None
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        kept = {k: v for k, v in cleaned.items() if k == "period"}
        return ReviewQuery(
            **kept
        ), f"Some choices in the address were not understood ({problems}); showing the defaults."


#: Rooms already built, one memo per database (tests point the app at a new one per test).
_MEMOS: weakref.WeakKeyDictionary[Database, RoomMemo] = weakref.WeakKeyDictionary()


def _memo(database: Database) -> RoomMemo:
    memo = _MEMOS.get(database)
    if memo is None:
        memo = _MEMOS.setdefault(database, RoomMemo())
    return memo


def _period(session, rt, text: str):
    if text:
        try:
            return rt.calendar.parse(text), None
        except PeriodError as exc:
            return review_period(session, rt.calendar), f"{exc} Showing the latest quarter instead."
    return review_period(session, rt.calendar), None


@page(review.skeleton)
def layout(period=None, compare=None, span=None, **_query):
    user = current_principal()
    if not may_use_review_room(user):
        return review.refused(user, "/review-room")
    rt = runtime()
    query, query_notice = read_query(period=period, compare=compare, span=span)
    with rt.database.read() as session:
        chosen, period_notice = _period(session, rt, query.period)
        memo = _memo(rt.database) if rt.settings.review_memo else None
        room = review_room(session, rt.calendar, chosen, query, user=user, memo=memo)
        overdue = follow_ups.overdue_section(follow_up_summary(session, user=user), room.period)
        return review.build(
            room, periods(session, rt), site_info(session), notices(period_notice, query_notice), overdue
        )


@page(review.skeleton)
def list_layout(
    period=None, priority=None, department=None, status=None, change=None, compare=None, **_query
):
    user = current_principal()
    if not may_use_review_room(user):
        return review.refused(user, "/review-room/measures")
    rt = runtime()
    query, query_notice = read_query(
        period=period, priority=priority, department=department, status=status, change=change, compare=compare
    )
    with rt.database.read() as session:
        chosen, period_notice = _period(session, rt, query.period)
        view = review_list(session, rt.calendar, chosen, query, user=user)
        return review.build_list(
            view, periods(session, rt), site_info(session), notices(period_notice, query_notice)
        )


@page(briefing_layout.skeleton)
def briefing_page(period=None, priority=None, compare=None, span=None, **_query):
    user = current_principal()
    if not may_use_review_room(user):
        return review.refused(user, "/briefing", title=briefing_layout.TITLE)
    rt = runtime()
    query, query_notice = read_query(period=period, priority=priority, compare=compare, span=span)
    with rt.database.read() as session:
        chosen, period_notice = _period(session, rt, query.period)
        brief = briefing(session, rt.calendar, chosen, query, user=user)
        return briefing_layout.build(
            brief,
            periods(session, rt),
            site_info(session),
            notices(period_notice, query_notice),
            query.priority,
            query.compare,
            open_follow_ups(session, user=user),
        )
