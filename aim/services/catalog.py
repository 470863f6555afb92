"""Browsing the public measures: filters and sorting, text search, the periods a reader can choose,
and the priority and department views built on the scorecard's figures."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, func, literal, literal_column, select, text, union_all
from sqlalchemy.orm import Session

from aim.models import (
    Activity,
    Actual,
    ActualRevision,
    Budget,
    Department,
    Measure,
    Priority,
    activity_priorities,
)
from aim.periods import FiscalCalendar, Kind, Period
from aim.schemas import (
    ActivityView,
    DepartmentView,
    MeasureFilter,
    MeasureStatus,
    Named,
    PeriodOption,
    ScheduleRow,
    Scorecard,
)
from aim.services.publication import cutoff
from aim.services.scorecard import PUBLISHED

# Worst first: what a reader scanning for problems wants at the top.
STATUS_ORDER = {"off_track": 0, "at_risk": 1, "no_data": 2, "no_target": 3, "on_track": 4}


#: Words longer than this, or more of them, say nothing a search needs.
_MAX_WORDS = 12
_MAX_WORD = 40
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what both engines index as words
#: How alike a mistyped word and a word of the index must be to be taken for it (difflib's ratio).
_CLOSE_ENOUGH = 0.75


@dataclass(frozen=True)
class Search:
    """What a text search found: the codes of public measures, and the words it looked for
    when it had to read a mistyped word as a word of the index ("shotings" as "shootings")."""

    codes: set[str]
    corrected: dict[str, str]


def _words(text: str) -> list[str]:
    return [w[:_MAX_WORD] for w in _WORD.findall(text.lower())][:_MAX_WORDS]


def _public_words(session: Session) -> set[str]:
    """Every word of public measures' names and definitions, as written (not stemmed)."""
    words: set[str] = set()
    for name, definition in session.execute(
        select(Measure.name, Measure.definition).where(Measure.is_public.is_(True))
    ):
        words.update(_words(f"{name} {definition}"))
    return words


def _corrected(session: Session, words: list[str]) -> dict[str, str]:
    """Mistyped words and the nearest word of the index, for words that match nothing as typed
    (nor as the start of a word). The stemming is the database's; only the nearest spelling is
    found here, with difflib's similarity ratio."""
    known = _public_words(session)
    fixes = {}
    for word in words:
        if len(word) < 4 or word.isdigit() or any(k.startswith(word) for k in known):
            continue
        close = difflib.get_close_matches(word, known, n=1, cutoff=_CLOSE_ENOUGH)
        if close:
            fixes[word] = close[0]
    return fixes


def _matching(session: Session, words: list[str]) -> set[str]:
    """Codes of public measures holding every word in some form (shooting, shootings, shoot) or
    as the start of a word, through the database's own full-text engine (migration 0005)."""
    if session.get_bind().dialect.name == "postgresql":
        # The same expression as the index of migration 0005, so that the index is used.
        document = func.to_tsvector(
            literal_column("'english'::regconfig"), Measure.name + " " + Measure.definition
        )
        query = func.to_tsquery(literal_column("'english'::regconfig"), " & ".join(f"{w}:*" for w in words))
        found = select(Measure.code).where(Measure.is_public.is_(True), document.bool_op("@@")(query))
        return set(session.scalars(found))
    # FTS5: every word quoted (so nothing in it is query syntax), each a prefix, all required.
    match = " AND ".join(f'"{w}"*' for w in words)
    fts = text(
        "SELECT m.code FROM measure_search JOIN measures m ON m.id = measure_search.rowid "
        "WHERE measure_search MATCH :match AND m.is_public"
    )
    return set(session.scalars(fts, {"match": match}))


def search(session: Session, text_: str) -> Search:
    """Public measures whose name or definition holds every word of `text_`, in any of its forms
    (the database's stemmer: "shootings" finds "shooting"), as the start of a word ("shoot"
    finds "shooting"), or, when a word matches nothing, the nearest word of the index."""
    words = _words(text_)
    if not words:
        return Search(set(), {})
    codes = _matching(session, words)
    if codes:
        return Search(codes, {})
    fixes = _corrected(session, words)
    if not fixes:
        return Search(set(), {})
    return Search(_matching(session, [fixes.get(w, w) for w in words]), fixes)


def search_codes(session: Session, text_: str) -> set[str]:
    """Codes of public measures matching `text_` (see `search`)."""
    return search(session, text_).codes


def filter_measures(
    session: Session, measures: Iterable[MeasureStatus], wanted: MeasureFilter, searched: Search | None = None
) -> list[MeasureStatus]:
    """The measures matching every field of `wanted`, sorted as it asks (`searched`: the text
    search of wanted.q, when the caller has already run it)."""
    found = list(measures)
    if wanted.q:
        codes = (searched or search(session, wanted.q)).codes
        found = [m for m in found if m.code in codes]
    if wanted.priority:
        found = [m for m in found if wanted.priority in m.priority_slugs]
    if wanted.department:
        found = [m for m in found if m.department_code == wanted.department]
    if wanted.status == "stale":
        found = [m for m in found if m.stale]
    elif wanted.status:
        found = [m for m in found if m.status == wanted.status]
    if wanted.frequency:
        found = [m for m in found if m.frequency == wanted.frequency]
    return sort_measures(found, wanted.sort)


def sort_measures(measures: Sequence[MeasureStatus], sort: str) -> list[MeasureStatus]:
    if sort == "name":
        return sorted(measures, key=lambda m: m.name.lower())
    if sort == "status":
        return sorted(measures, key=lambda m: (STATUS_ORDER[m.status], m.name.lower()))
    if sort == "score":  # lowest score first: furthest behind target
        return sorted(measures, key=lambda m: (m.score is None, m.score or 0.0, m.name.lower()))
    if sort == "change":  # biggest movement first
        return sorted(measures, key=lambda m: (m.change is None, -abs(m.change or 0.0), m.name.lower()))
    return sorted(measures, key=lambda m: (m.department_name, m.activity_name, m.name.lower()))


def published_years(session: Session, calendar: FiscalCalendar) -> tuple[Period, Period] | None:
    """The first and last fiscal years holding published values; None when nothing is published."""
    first, last = session.execute(
        select(func.min(Actual.period), func.max(Actual.period)).where(Actual.state == PUBLISHED)
    ).one()
    if first is None:
        return None
    return calendar.containing(calendar.parse(first), Kind.YEAR), calendar.containing(
        calendar.parse(last), Kind.YEAR
    )


def available_periods(
    session: Session, calendar: FiscalCalendar, as_of: date | None = None, *, published_on: date | None = None
) -> list[PeriodOption]:
    """Fiscal years with published data, newest first, each followed by its quarters (those begun).

    With `published_on` (a page "as published on" that day), only what held a figure published by
    the end of that day: the years, and the quarters holding a quarterly or monthly figure, so a
    reader looking at an earlier day is never offered a period the public could not see then.
    """
    if published_on is not None:
        return _periods_published_on(session, calendar, published_on)
    span = published_years(session, calendar)
    if span is None:
        return []
    start, end = span
    options: list[PeriodOption] = []
    for year in reversed(calendar.span(start, end)):
        options.append(PeriodOption(key=year.key, label=calendar.label(year)))
        for quarter in reversed(calendar.children(year, Kind.QUARTER)):
            if calendar.start_date(quarter) <= (as_of or date.today()):
                options.append(PeriodOption(key=quarter.key, label=calendar.label(quarter)))
    return options


def _periods_published_on(session: Session, calendar: FiscalCalendar, day: date) -> list[PeriodOption]:
    """The years and quarters holding a figure published before the end of `day`: a figure was
    public then when one of its revisions published it before then (aim/services/publication.py).

    One statement of indexed existence probes, one per year and per quarter begun by `day` (about
    a hundred over twenty years), each stopping at its first hit: rebuilding every figure as of
    the day, or listing the periods of every published revision, reads the whole history (seconds
    at the synthetic city's 600,000 revisions)."""
    span = published_years(session, calendar)
    if span is None:
        return []
    first, last = span
    until = min(last, calendar.on(day, Kind.YEAR))
    if until < first:
        return []
    before = cutoff(day)

    def had_figures(option: Period, keys: list[str]):
        probe = (
            select(literal(1))
            .select_from(Actual)
            .join(ActualRevision, ActualRevision.actual_id == Actual.id)
            .where(Actual.state == PUBLISHED, Actual.period.in_(keys))
            .where(ActualRevision.state == PUBLISHED, ActualRevision.changed_at < before)
        )
        return select(literal(option.key, String).label("period")).where(probe.exists())

    years = list(reversed(calendar.span(first, until)))
    probes = [had_figures(year, [year.key]) for year in years] + [
        had_figures(q, [q.key, *(m.key for m in calendar.children(q, Kind.MONTH))])
        for year in years
        for q in calendar.children(year, Kind.QUARTER)
        if calendar.start_date(q) <= day
    ]
    found = set(session.scalars(union_all(*probes)))
    options: list[PeriodOption] = []
    for year in years:
        quarters = [q for q in reversed(calendar.children(year, Kind.QUARTER)) if q.key in found]
        if quarters or year.key in found:
            options.append(PeriodOption(key=year.key, label=calendar.label(year)))
            options += [PeriodOption(key=q.key, label=calendar.label(q)) for q in quarters]
    return options


def priorities(session: Session) -> list[tuple[str, str]]:
    return [
        (slug, title)
        for slug, title in session.execute(
            select(Priority.slug, Priority.title).order_by(Priority.sort_order, Priority.title)
        )
    ]


def priority_title(session: Session, slug: str) -> str | None:
    """A priority's title, or None when there is no priority with this slug."""
    return session.scalar(select(Priority.title).where(Priority.slug == slug))


def department_name(session: Session, code: str) -> str | None:
    """A department's name, or None when there is no department with this code."""
    return session.scalar(select(Department.name).where(Department.code == code))


def department_measure_codes(session: Session, code: str) -> list[str]:
    """The codes of the public measures of the department `code`: what its page's scorecard needs
    to evaluate (scorecard(codes=...) gives them the figures the whole city's scorecard does)."""
    return list(
        session.scalars(
            select(Measure.code)
            .join(Activity, Measure.activity_id == Activity.id)
            .join(Department, Activity.department_id == Department.id)
            .where(Department.code == code, Measure.is_public.is_(True))
            .order_by(Measure.code)
        )
    )


def departments_with_public_measures(session: Session) -> list[Named]:
    rows = session.execute(
        select(Department.code, Department.name)
        .join(Activity, Activity.department_id == Department.id)
        .join(Measure, Measure.activity_id == Activity.id)
        .where(Measure.is_public.is_(True))
        .group_by(Department.code, Department.name)
        .order_by(Department.name)
    ).all()
    return [Named(code=c, name=n) for c, n in rows]


def department_view(
    session: Session, calendar: FiscalCalendar, code: str, card: Scorecard, period: Period
) -> DepartmentView | None:
    """A department's activities, each with its budget for the period's fiscal year and its public
    measures as the scorecard evaluated them."""
    department = session.execute(
        select(Department.id, Department.name, Department.description).where(Department.code == code)
    ).first()
    if department is None:
        return None
    year = calendar.containing(period, Kind.YEAR)
    activities = session.execute(
        select(Activity.id, Activity.code, Activity.name, Activity.description)
        .where(Activity.department_id == department.id)
        .order_by(Activity.name)
    ).all()
    budgets = {
        activity_id: (adopted, expenditure, fte)
        for activity_id, adopted, expenditure, fte in session.execute(
            select(Budget.activity_id, Budget.adopted, Budget.expenditure, Budget.fte)
            .join(Activity, Budget.activity_id == Activity.id)
            .where(Activity.department_id == department.id, Budget.fiscal_year == int(year.key))
        )
    }
    links: dict[int, list[tuple[str, str]]] = {}
    for activity_id, slug, title in session.execute(
        select(activity_priorities.c.activity_id, Priority.slug, Priority.title)
        .join(Priority, Priority.id == activity_priorities.c.priority_id)
        .join(Activity, Activity.id == activity_priorities.c.activity_id)
        .where(Activity.department_id == department.id)
        .order_by(Priority.sort_order)
    ):
        links.setdefault(activity_id, []).append((slug, title))
    by_activity: dict[str, list[MeasureStatus]] = {}
    for m in card.measures:
        if m.department_code == code:
            by_activity.setdefault(m.activity_code, []).append(m)
    views = []
    for a in activities:
        adopted, expenditure, fte = budgets.get(a.id, (None, None, None))
        views.append(
            ActivityView(
                code=a.code,
                name=a.name,
                description=a.description,
                priorities=links.get(a.id, []),
                adopted=adopted,
                expenditure=expenditure,
                fte=fte,
                measures=sort_measures(by_activity.get(a.code, []), "name"),
            )
        )
    return DepartmentView(
        code=code,
        name=department.name,
        description=department.description,
        fiscal_year=calendar.label(year),
        activities=views,
    )


def update_schedule(session: Session, calendar: FiscalCalendar) -> list[ScheduleRow]:
    """Every public measure, how often it reports, and the latest period it has published."""
    latest = dict(
        session.execute(
            select(Actual.measure_id, func.max(Actual.period))
            .where(Actual.state == PUBLISHED)
            .group_by(Actual.measure_id)
        ).all()
    )
    rows = session.execute(
        select(Measure.id, Measure.code, Measure.name, Department.name, Measure.frequency)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Measure.is_public.is_(True))
        .order_by(Department.name, Measure.name)
    ).all()
    return [
        ScheduleRow(
            code=code,
            name=name,
            department=department,
            frequency=frequency,
            last_period=calendar.label(calendar.parse(latest[mid])) if mid in latest else None,
        )
        for mid, code, name, department, frequency in rows
    ]
