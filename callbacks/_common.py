"""What every page loader and callback needs: the process's Runtime, and the `page` wrapper.

Dash 4 calls every page's layout once with no arguments to build a validation layout, and sends
that layout to every browser inside the index page. So a page loader must never run outside a
callback: there it would freeze data at the first request and show it to whoever asks next.
`page` returns the page's data-free skeleton instead (the ids its callbacks need).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from dash import ctx, html
from dash.exceptions import MissingCallbackContextException
from pydantic import ValidationError
from sqlalchemy.orm import Session

from aim.periods import EARLIEST_DAY, Period, PeriodError
from aim.runtime import Runtime
from aim.schemas import MeasureFilter, PeriodOption
from aim.services.catalog import available_periods
from aim.services.scorecard import default_period
from layouts.components import ANY, as_published_notice, keep_in_forms, keep_in_links
from web.context import current_principal, runtime  # noqa: F401 - re-exported for loaders


def in_callback() -> bool:
    try:
        ctx.triggered_id  # noqa: B018 - raises outside a callback
    except (MissingCallbackContextException, LookupError):
        # LookupError: in a thread where no callback ever ran, the context variable is unset.
        return False
    return True


def page(skeleton: Callable[[], object]):
    """Decorate a page loader: outside a callback (validation), return `skeleton()` instead."""

    def decorate(loader):
        @functools.wraps(loader)
        def layout(**kwargs):
            if not in_callback():
                return skeleton()
            return loader(**kwargs)

        return layout

    return decorate


def read_as_of(text: object) -> tuple[date | None, str | None]:
    """The `as_of` day in the URL (what was published at its end), or none with a notice saying
    what was wrong."""
    if not text:
        return None, None
    try:
        day = date.fromisoformat(str(text)[:10])
    except ValueError:
        return None, f"{str(text)[:20]!r} is not a day (YYYY-MM-DD); showing the current figures."
    if day > date.today():
        return None, f"{day} is in the future; showing the current figures."
    if day < EARLIEST_DAY:
        return None, f"{day} is before {EARLIEST_DAY.year}; showing the current figures."
    return day, None


def as_published(loader):
    """Decorate a public page loader: `?as_of=YYYY-MM-DD` becomes its `published_on` argument, and
    the page gets the visible "As published on" label (or the notice of a bad day)."""

    @functools.wraps(loader)
    def wrapped(*args, as_of=None, **kwargs):
        day, problem = read_as_of(as_of)
        # `published_on` is this decorator's to give: one in the URL would reach the loader twice.
        kwargs.pop("published_on", None)
        result = loader(*args, published_on=day, **kwargs)
        if day is None and problem is None:
            return result
        if day is not None:
            # Choosing another period or filter keeps the page as published on that day.
            keep_in_forms(result, "as_of", f"{day:%Y-%m-%d}")
            keep_in_links(result, "as_of", f"{day:%Y-%m-%d}")
        return html.Div([as_published_notice(day, problem), result])

    return wrapped


def read_period(
    session: Session, rt: Runtime, text: object, published_on: date | None = None
) -> tuple[Period, str | None]:
    """The period in the URL, or the default one (as published on `published_on`, when given) with
    a notice saying what was wrong."""
    if text:
        try:
            return rt.calendar.parse(str(text)), None
        except PeriodError as exc:
            default = default_period(session, rt.calendar, published_on=published_on)
            return default, f"{exc} Showing the latest period instead."
    return default_period(session, rt.calendar, published_on=published_on), None


def read_filter(**fields: object) -> tuple[MeasureFilter, str | None]:
    """The filters in the URL, or none with a notice saying which value was refused and why."""
    # "all" is what an "any" choice of a filter form sends (see layouts.components.ANY).
    cleaned = {
        k: (v if isinstance(v, str) and v.lower() != ANY else "") for k, v in fields.items() if v is not None
    }
    try:
        return MeasureFilter(**cleaned), None
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return MeasureFilter(), f"Some filters in the address were not understood ({problems}); showing all."


def page_number(text: object) -> int:
    """The page of a long list asked for in the URL; anything but a positive number is page 1
    (the builder also stops at the last page)."""
    value = str(text or "")
    return int(value) if value.isdigit() and 0 < len(value) < 7 and int(value) > 0 else 1


def periods(session: Session, rt: Runtime, published_on: date | None = None) -> list[PeriodOption]:
    """The periods a reader may choose; on a page as published on a day, those public by then."""
    return available_periods(session, rt.calendar, published_on=published_on)


def notices(*texts: str | None) -> str | None:
    joined = " ".join(t for t in texts if t)
    return joined or None
