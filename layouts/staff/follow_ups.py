"""Follow-ups (stat meetings' action items) and the meeting agenda: the list with its filters, the
form that agrees one, one follow-up with its log and its update form, the panels other pages show
(a measure's, a department's, the review room's overdue count, the briefing's) and the agenda.
Pure builders of aim.follow_up_schemas view models; overdue is said in words, never colour alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from aim.explain import status_reason
from aim.follow_up_schemas import (
    ACTION_MAX,
    NOTE_MAX,
    Agenda,
    FollowUpList,
    FollowUpNoteView,
    FollowUpSummary,
    FollowUpView,
)
from aim.schemas import PeriodOption, SiteInfo
from layouts import ids
from layouts.components import aria, demonstration_notice, filter_form, icon, select, status_badge
from layouts.staff.review import measure_href, query_string, table

TITLE = "Follow-ups"
NEW_TITLE = "New follow-up"
AGENDA_TITLE = "Meeting agenda"
STATUS_TEXT = {"open": "Open", "done": "Done", "dropped": "Dropped"}
STATUS_CLASS = {"open": "text-bg-primary", "done": "text-bg-success", "dropped": "text-bg-secondary"}
STATUS_ICON = {"open": "\u25cb", "done": "\u2713", "dropped": "\u2013"}
DUE_TEXT = {"overdue": "Overdue", "week": "Due within a week", "month": "Due within a month"}
ORDER_TEXT = {"due": "Due date", "department": "Department"}
#: Lines of blank space the printed agenda leaves for handwritten notes.
NOTE_LINES = 12


def href(f: FollowUpView) -> str:
    return f"/follow-ups/{f.id}"


def new_href(*, measure: str = "", priority: str = "", period: str = "") -> str:
    return "/follow-ups/new" + query_string(measure=measure, priority=priority, period=period)


def status_label(f: FollowUpView) -> html.Span:
    """The status as icon and word, and "Overdue by N days" in words beside an open one past due."""
    badge = html.Span(
        STATUS_TEXT[f.status],
        className=f"badge {STATUS_CLASS[f.status]} status-badge",
        **icon(STATUS_ICON[f.status]),
    )
    if not f.overdue:
        return badge
    days = f"{f.days_overdue} day{'s' if f.days_overdue != 1 else ''}"
    return html.Span(
        [
            badge,
            " ",
            html.Span(
                [html.Span("\u26a0", **aria(hidden="true")), f" Overdue by {days}"],
                className="badge text-bg-danger status-badge follow-up-overdue",
            ),
        ]
    )


def about(f: FollowUpView, period: str = "") -> html.Span:
    """What it is about: a link to the measure, or the priority's title."""
    if f.measure_code:
        return html.Span(
            [
                "Measure: ",
                dcc.Link(
                    f.measure_name,
                    href=f"/measures/{f.measure_code}"
                    + (f"?period={period}" if period and f.measure_is_public else ""),
                ),
                html.Span(" (internal)", className="small text-body-secondary")
                if not f.measure_is_public
                else None,
            ]
        )
    return html.Span(["Priority: ", f.priority_title])


def _when(day: date) -> str:
    return f"{day:%d %b %Y}"


def rows(found: Sequence[FollowUpView], *, department: bool = True, period: str = "") -> list[html.Tr]:
    return [
        html.Tr(
            [
                html.Th(
                    [
                        dcc.Link(f.action, href=href(f)),
                        html.Span(f" (follow-up {f.id})", className="visually-hidden"),
                    ],
                    scope="row",
                    className="fw-normal pre-wrap",
                ),
                html.Td(about(f, period), className="small"),
                html.Td(f.department_name) if department else None,
                html.Td(_when(f.due_on), className="text-nowrap"),
                html.Td(status_label(f)),
            ],
            className="follow-up-row",
        )
        for f in found
    ]


HEAD = ("Action", "About", "Department", "Due", "Status")


def follow_up_table(
    found: Sequence[FollowUpView], caption: str, *, department: bool = True, period: str = ""
) -> html.Div:
    head = HEAD if department else tuple(h for h in HEAD if h != "Department")
    return table(caption, head, rows(found, department=department, period=period))


def panel(
    found: Sequence[FollowUpView],
    heading: str,
    *,
    heading_id: str,
    department: bool = True,
    add_href: str | None = None,
    more_href: str | None = None,
    level: int = 2,
    landmark: bool = True,
    caption: str | None = None,
) -> html.Section | html.Div:
    """A page's "Open follow-ups" section: the list (or "None open"), a way to add one, and a link
    to the whole list. Used by a measure's page, My reporting, the briefing and the agenda."""
    overdue = sum(f.overdue for f in found)
    title = f"{heading} ({len(found)})"
    header = html.H2 if level == 2 else html.H3
    # A labelled section is a landmark: pages with one panel per part (the briefing) pass
    # landmark=False, since landmarks of the same name would be ambiguous.
    box = html.Section if landmark else html.Div
    return box(
        [
            header(title, className="h4" if level == 2 else "h5", id=heading_id),
            html.P(f"{overdue} overdue.", className="small fw-semibold") if overdue else None,
            follow_up_table(found, caption or heading, department=department)
            if found
            else html.P("None open.", className="text-body-secondary"),
            html.P(
                [
                    dcc.Link(
                        "Add a follow-up", href=add_href, className="btn btn-sm btn-outline-primary me-2"
                    )
                    if add_href
                    else None,
                    dcc.Link("Every follow-up", href=more_href) if more_href else None,
                ],
                className="d-print-none",
            )
            if add_href or more_href
            else None,
        ],
        className="mb-4 follow-ups",
        **(aria(labelledby=heading_id) if landmark else {}),
    )


def measure_panel(found: Sequence[FollowUpView], code: str, may_create: bool) -> html.Section | html.Div:
    """A measure's staff pages: its open follow-ups, a way to add one, and all of its follow-ups."""
    return panel(
        found,
        "Open follow-ups on this measure",
        heading_id="measure-follow-ups",
        add_href=new_href(measure=code) if may_create else None,
        more_href="/follow-ups" + query_string(measure=code, status="any"),
    )


def overdue_section(s: FollowUpSummary, period: str) -> html.Section:
    """The review room's follow-ups: open and overdue counts, the longest overdue named."""
    flag = (
        html.P(
            [
                html.Span("\u26a0", **aria(hidden="true")),
                " ",
                dcc.Link(
                    f"{s.overdue} follow-up{'s are' if s.overdue != 1 else ' is'} overdue",
                    href="/follow-ups?due=overdue",
                    id="follow-ups-overdue",
                ),
                ": open past the due date agreed.",
            ],
            className="fw-semibold",
        )
        if s.overdue
        else html.P("No follow-up is overdue.", id="follow-ups-overdue")
    )
    return html.Section(
        [
            html.H2(f"Follow-ups ({s.open} open)", className="h4", id="follow-ups"),
            flag,
            follow_up_table(s.oldest_overdue, "The longest overdue follow-ups", period=period)
            if s.oldest_overdue
            else None,
            html.P(
                [
                    f"{s.due_this_week} more due within a week. ",
                    dcc.Link("Every follow-up", href="/follow-ups"),
                    " \u00b7 ",
                    dcc.Link("Meeting agenda", href="/agenda" + query_string(period=period)),
                ],
                className="small",
            ),
        ],
        className="mb-4",
        **aria(labelledby="follow-ups"),
    )


def downloads(query: dict[str, str]) -> html.P:
    q = query_string(**query)
    return html.P(
        [
            html.Span("Download ", className="small"),
            html.A(
                ["CSV", html.Span(" of these follow-ups", className="visually-hidden")],
                href=f"/downloads/follow-ups.csv{q}",
                className="small",
            ),
            html.Span(" \u00b7 ", className="small", **aria(hidden="true")),
            html.A(
                ["Excel", html.Span(" of these follow-ups", className="visually-hidden")],
                href=f"/downloads/follow-ups.xlsx{q}",
                className="small",
            ),
        ],
        className="mb-1 d-print-none",
    )


# -- the list ------------------------------------------------------------------------------------
def skeleton() -> html.Div:
    return html.Div(html.H1(TITLE))


def refused(signed_in: bool, path: str, title: str = TITLE) -> html.Div:
    if not signed_in:
        return html.Div(
            [
                html.H1(title),
                html.P("This page is for city staff. Sign in to see it."),
                html.A("Sign in", href="/login?" + urlencode({"next": path}), className="btn btn-primary"),
            ]
        )
    return html.Div(
        [
            html.H1(title),
            dbc.Alert(
                "Follow-ups are for the Mayor's Office, budget analysts and department editors; your "
                "role does not include them.",
                color="info",
            ),
        ]
    )


def build_list(view: FollowUpList, site: SiteInfo, notice: str | None = None) -> html.Div:
    q = view.query
    dept_name = dict(view.departments).get(q.department, "")
    described = ", ".join(
        t
        for t in (dept_name, STATUS_TEXT.get(q.status, "any status").lower(), DUE_TEXT.get(q.due, "").lower())
        if t
    )
    caption = f"{len(view.follow_ups)} follow-ups: {described}; by {ORDER_TEXT[q.order].lower()}"
    params = {
        "department": q.department,
        "status": q.status or "any",
        "due": q.due,
        "order": q.order,
        "measure": q.measure,
    }
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1(TITLE),
            html.P(
                "Action items agreed in stat meetings: what a department is to do about a measure or a "
                "priority, and by when. An open follow-up past its due date is overdue.",
                className="lead",
            ),
            html.Div(
                filter_form(
                    "/follow-ups",
                    [
                        select(
                            "department",
                            "Department",
                            [("", "Any department"), *view.departments],
                            q.department,
                            id=ids.FOLLOW_UP_DEPARTMENT,
                        ),
                        select(
                            "status",
                            "Status",
                            [("", "Any status"), *STATUS_TEXT.items()],
                            q.status,
                            id=ids.FOLLOW_UP_STATUS_FILTER,
                        ),
                        select(
                            "due",
                            "Due",
                            [("", "Any time"), *DUE_TEXT.items()],
                            q.due,
                            id=ids.FOLLOW_UP_DUE_FILTER,
                        ),
                        select(
                            "order", "Order by", list(ORDER_TEXT.items()), q.order, id=ids.FOLLOW_UP_ORDER
                        ),
                    ],
                    hidden={"measure": q.measure},
                    submit="Show",
                    label="Filter the follow-ups",
                ),
                className="d-print-none",
            ),
            html.P(
                [
                    html.Span("\u26a0", **aria(hidden="true")),
                    f" {view.overdue} of these {'are' if view.overdue != 1 else 'is'} overdue.",
                ],
                className="fw-semibold",
            )
            if view.overdue
            else None,
            html.P(
                dcc.Link("Add a follow-up", href=new_href(), className="btn btn-sm btn-outline-primary"),
                className="d-print-none",
            )
            if view.may_create
            else None,
            downloads(params) if view.follow_ups else None,
            follow_up_table(view.follow_ups, caption)
            if view.follow_ups
            else html.P("No follow-ups match.", className="text-body-secondary"),
        ]
    )


# -- agreeing one -----------------------------------------------------------------------------------
def new_skeleton() -> html.Div:
    return html.Div(
        [
            html.H1(NEW_TITLE),
            dcc.Store(id=ids.NEW_FOLLOW_UP_STORE),
            dbc.Select(id=ids.NEW_FOLLOW_UP_PRIORITY),
            dbc.Select(id=ids.NEW_FOLLOW_UP_DEPARTMENT),
            dcc.Textarea(id=ids.NEW_FOLLOW_UP_ACTION),
            dbc.Input(id=ids.NEW_FOLLOW_UP_DUE),
            dcc.Textarea(id=ids.NEW_FOLLOW_UP_NOTE),
            html.Button(id=ids.NEW_FOLLOW_UP_SAVE),
            html.Div(id=ids.NEW_FOLLOW_UP_MESSAGE),
            html.Div(id=ids.NEW_FOLLOW_UP_ACTION_ERROR),
            html.Div(id=ids.NEW_FOLLOW_UP_DUE_ERROR),
            html.Div(id=ids.NEW_FOLLOW_UP_DEPARTMENT_ERROR),
        ]
    )


def _error(component_id: str) -> html.Div:
    return html.Div(id=component_id, className="invalid-feedback d-block", role="alert")


def _field(label: str, control: Component, error_id: str | None = None) -> html.Div:
    """A form field: its label (tied to the control's id), the control, and where its error goes."""
    return html.Div(
        [
            dbc.Label(label, html_for=getattr(control, "id", None)),
            control,
            _error(error_id) if error_id else None,
        ],
        className="mb-3",
    )


def new_page(
    *,
    measure: tuple[str, str, str] | None,  # code, name, its department's code
    priorities: Sequence[tuple[str, str]],
    priority: str,
    departments: Sequence[tuple[str, str]],
    period: str,
    due_on: date,
    site: SiteInfo,
    explanation: str = "",
) -> html.Div:
    """The form: about a measure (from its link) or a priority (chosen here), the owner department
    (the measure's by default), the action, the due date and a first note."""
    store = {"measure": measure[0] if measure else "", "period": period}
    about_part = (
        html.Div(
            [
                html.P([html.Strong("Measure: "), measure[1]], className="mb-1"),
                html.P(
                    [html.Strong("Department's explanation: "), explanation],
                    className="small pre-wrap",
                )
                if explanation
                else None,
            ],
            className="mb-3",
        )
        if measure
        else _field(
            "Priority",
            dbc.Select(
                id=ids.NEW_FOLLOW_UP_PRIORITY,
                options=[{"label": t, "value": s} for s, t in priorities],
                value=priority or (priorities[0][0] if priorities else None),
            ),
        )
    )
    department = measure[2] if measure else ""
    return html.Div(
        [
            demonstration_notice(site),
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link(TITLE, href="/follow-ups"), className="breadcrumb-item"),
                        html.Li(NEW_TITLE, className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(NEW_TITLE),
            html.P(
                "Agree what a department is to do, and by when. Its editors see it on My reporting.",
                className="lead",
            ),
            html.Form(
                [
                    dcc.Store(id=ids.NEW_FOLLOW_UP_STORE, data=store),
                    about_part,
                    # With a measure, no priority is chosen; the callback reads the field either way.
                    dcc.Input(id=ids.NEW_FOLLOW_UP_PRIORITY, type="hidden", value="") if measure else None,
                    _field(
                        "Owner department",
                        dbc.Select(
                            id=ids.NEW_FOLLOW_UP_DEPARTMENT,
                            options=[{"label": n, "value": c} for c, n in departments],
                            value=department or (departments[0][0] if departments else None),
                        ),
                        ids.NEW_FOLLOW_UP_DEPARTMENT_ERROR,
                    ),
                    _field(
                        "Action: what the department is to do",
                        dcc.Textarea(
                            id=ids.NEW_FOLLOW_UP_ACTION,
                            className="form-control",
                            rows=3,
                            maxLength=ACTION_MAX,
                        ),
                        ids.NEW_FOLLOW_UP_ACTION_ERROR,
                    ),
                    _field(
                        "Due by",
                        dbc.Input(id=ids.NEW_FOLLOW_UP_DUE, type="date", value=due_on.isoformat()),
                        ids.NEW_FOLLOW_UP_DUE_ERROR,
                    ),
                    _field(
                        "Note (optional: context from the meeting)",
                        dcc.Textarea(
                            id=ids.NEW_FOLLOW_UP_NOTE, className="form-control", rows=3, maxLength=NOTE_MAX
                        ),
                    ),
                    html.Button(
                        "Save follow-up",
                        id=ids.NEW_FOLLOW_UP_SAVE,
                        type="button",
                        className="btn btn-primary",
                    ),
                    html.Div(id=ids.NEW_FOLLOW_UP_MESSAGE, role="status", className="mt-2"),
                ],
                className="narrow-form",
                **aria(label=NEW_TITLE),
            ),
        ]
    )


def created(f: FollowUpView) -> dbc.Alert:
    return dbc.Alert(
        [
            f"Follow-up saved for {f.department_name}, due {_when(f.due_on)}. ",
            dcc.Link("Open it", href=href(f), id="new-follow-up-link"),
            " \u00b7 ",
            dcc.Link("Every follow-up", href="/follow-ups"),
        ],
        color="success",
    )


# -- one follow-up ------------------------------------------------------------------------------------
def detail_skeleton() -> html.Div:
    return html.Div(
        [
            html.H1("Follow-up"),
            dcc.Store(id=ids.FOLLOW_UP_STORE),
            dbc.Select(id=ids.FOLLOW_UP_STATUS),
            dcc.Textarea(id=ids.FOLLOW_UP_NOTE),
            dbc.Input(id=ids.FOLLOW_UP_DUE),
            html.Button(id=ids.FOLLOW_UP_SAVE),
            html.Div(id=ids.FOLLOW_UP_MESSAGE),
            html.Div(id=ids.FOLLOW_UP_LOG),
            html.Div(id=ids.FOLLOW_UP_STATE),
        ]
    )


def not_found() -> html.Div:
    return html.Div(
        [
            html.H1("Follow-up not found"),
            html.P("There is no such follow-up, or it is not yours to see."),
            dcc.Link("Every follow-up", href="/follow-ups"),
        ]
    )


KIND_TEXT = {"created": "Agreed", "note": "Note", "status": "Status", "due": "Due date"}


def log(notes: Sequence[FollowUpNoteView]) -> html.Div:
    """The running log, oldest first: who, when, what (user text is always a text node)."""
    return html.Div(
        html.Ol(
            [
                html.Li(
                    [
                        html.Div(
                            [
                                html.Strong(KIND_TEXT.get(n.kind, n.kind)),
                                f" \u00b7 {n.author} ({n.role.replace('_', ' ')}), {n.at:%d %b %Y %H:%M} UTC",
                            ],
                            className="small",
                        ),
                        html.Div(n.text, className="pre-wrap follow-up-note"),
                    ],
                    className="list-group-item",
                )
                for n in notes
            ],
            className="list-group list-group-numbered mb-3",
        )
    )


def state(f: FollowUpView) -> list:
    return [
        html.P([html.Strong("Status: "), status_label(f)]),
        html.P([html.Strong("Due: "), _when(f.due_on)]),
    ]


def status_options(f: FollowUpView) -> list[dict[str, str]]:
    moves = {"open": ["done", "dropped"], "done": ["open", "dropped"], "dropped": ["open"]}[f.status]
    allowed = [s for s in moves if f.may_drop or s != "dropped"]
    if f.status == "dropped" and not f.may_drop:
        allowed = []
    labels = {"open": "Open", "done": "Done", "dropped": "Dropped (say why in the note)"}
    return [{"label": f"Keep it {f.status}", "value": f.status}] + [
        {"label": f"Mark it {labels[s].lower()}" if s != "open" else "Open it again", "value": s}
        for s in allowed
    ]


def detail(f: FollowUpView, site: SiteInfo) -> html.Div:
    form = (
        html.Form(
            [
                html.H2("Update", className="h4", id="follow-up-update"),
                dcc.Store(id=ids.FOLLOW_UP_STORE, data={"id": f.id}),
                _field(
                    "Status", dbc.Select(id=ids.FOLLOW_UP_STATUS, options=status_options(f), value=f.status)
                ),
                _field(
                    "Move the due date",
                    dbc.Input(id=ids.FOLLOW_UP_DUE, type="date", value=f.due_on.isoformat()),
                )
                if f.may_drop
                # The callback reads the field either way; only the offices move the due date.
                else dcc.Input(id=ids.FOLLOW_UP_DUE, type="hidden", value=""),
                _field(
                    "Add a note (what was done, what is next)",
                    dcc.Textarea(id=ids.FOLLOW_UP_NOTE, className="form-control", rows=3, maxLength=NOTE_MAX),
                ),
                html.Button("Save", id=ids.FOLLOW_UP_SAVE, type="button", className="btn btn-primary"),
                html.Div(id=ids.FOLLOW_UP_MESSAGE, role="status", className="mt-2"),
            ],
            className="narrow-form mb-4 d-print-none",
            **aria(labelledby="follow-up-update"),
        )
        if f.may_update
        else html.P(
            "Only the owner department's editors and the Mayor's Office may update it.",
            className="text-body-secondary",
        )
    )
    return html.Div(
        [
            demonstration_notice(site),
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link(TITLE, href="/follow-ups"), className="breadcrumb-item"),
                        html.Li(
                            f"Follow-up {f.id}", className="breadcrumb-item active", **aria(current="page")
                        ),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(f"Follow-up {f.id}: {f.department_name}"),
            html.P(f.action, className="lead pre-wrap", id="follow-up-action"),
            html.P(about(f)),
            html.P(
                f"Agreed by {f.created_by} on {f.created_at:%d %b %Y}"
                + (f", reviewing {f.period}" if f.period else "")
                + ".",
                className="small text-body-secondary",
            ),
            html.Div(state(f), id=ids.FOLLOW_UP_STATE),
            form,
            html.H2("Log", className="h4"),
            html.Div(log(f.notes), id=ids.FOLLOW_UP_LOG),
        ]
    )


def message(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="mt-2")


# -- the meeting agenda -------------------------------------------------------------------------------
def agenda_skeleton() -> html.Div:
    return html.Div(html.H1(AGENDA_TITLE))


def _agenda_exceptions(a: Agenda) -> list:
    if not a.exceptions:
        return [html.P("No measure is off track or at risk.", className="text-body-secondary")]
    items = []
    for i, e in enumerate(a.exceptions):
        m = e.measure
        heading_id = f"agenda-exception-{i}"
        items.append(
            html.Article(
                [
                    html.H3(
                        [dcc.Link(m.name, href=measure_href(m, a.period)), " ", status_badge(m.status)],
                        className="h6 mb-1",
                        id=heading_id,
                    ),
                    html.P(status_reason(m), className="small mb-1"),
                    html.P(
                        [
                            html.Span(f"Explanation ({e.explanation.label}): ", className="fw-semibold"),
                            e.explanation.text,
                        ]
                        if e.explanation
                        else html.Span("No explanation given.", className="text-body-secondary"),
                        className="small mb-1 pre-wrap",
                    ),
                    html.P(
                        dcc.Link(
                            ["Add a follow-up", html.Span(f" for {m.name}", className="visually-hidden")],
                            href=new_href(measure=m.code, period=a.period),
                            className="small",
                        ),
                        className="d-print-none mb-0",
                    )
                    if a.may_create
                    else None,
                ],
                className="exception border-start border-3 ps-2 mb-3",
                **aria(labelledby=heading_id),
            )
        )
    return items


def _agenda_late(a: Agenda) -> html.P | html.Div:
    if not a.late:
        return html.P("Nothing is late.", className="text-body-secondary")
    body = [
        html.Tr(
            [
                html.Th(m.name, scope="row", className="fw-normal"),
                html.Td(m.latest_label or "Nothing published"),
                html.Td(m.last_due_label),
                html.Td(f"{m.days_late} days", className="text-end text-nowrap"),
            ]
        )
        for m in a.late
    ]
    return table(
        f"Late figures of {a.department_name}", ("Measure", "Latest published", "Due by now", "Late by"), body
    )


def agenda(a: Agenda, periods: Sequence[PeriodOption], site: SiteInfo, notice: str | None = None) -> html.Div:
    """One page to open in the meeting (and print): exceptions with explanations, late figures,
    open follow-ups, and ruled space for notes on paper."""
    options = [(p.key, p.label) for p in periods]
    if a.period and a.period not in {k for k, _ in options}:
        options = [(a.period, a.period_label), *options]
    controls = html.Div(
        [
            filter_form(
                "/agenda",
                [
                    select(
                        "department",
                        "Department",
                        [("", "Choose a department"), *a.departments],
                        a.department_code,
                        id=ids.AGENDA_DEPARTMENT,
                    ),
                    select("period", "Period", options, a.period, id=ids.AGENDA_PERIOD),
                ],
                submit="Show",
                label="Choose the meeting",
            ),
            html.Button(
                "Print or save as PDF",
                id=ids.PRINT_BUTTON,
                type="button",
                className="btn btn-outline-primary mb-3",
            )
            if a.department_code
            else None,
        ],
        className="d-print-none",
    )
    if not a.department_code:
        return html.Div(
            [
                demonstration_notice(site),
                dbc.Alert(notice, color="warning") if notice else None,
                html.H1(AGENDA_TITLE),
                dbc.Alert("There is no such department, or it is not yours to see.", color="warning")
                if not a.found
                else None,
                html.P("Choose a department and a period for its stat meeting.", className="lead"),
                controls,
            ]
        )
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1(f"{AGENDA_TITLE}: {a.department_name}, {a.period_label}"),
            html.P(
                f"Prepared {a.as_of:%d %B %Y}" if a.as_of else "",
                className="lead",
            ),
            controls,
            html.Section(
                [
                    html.H2(f"Exceptions ({len(a.exceptions)})", className="h4", id="agenda-exceptions"),
                    *_agenda_exceptions(a),
                ],
                className="mb-4",
                **aria(labelledby="agenda-exceptions"),
            ),
            html.Section(
                [html.H2(f"Late figures ({len(a.late)})", className="h4", id="agenda-late"), _agenda_late(a)],
                className="mb-4",
                **aria(labelledby="agenda-late"),
            ),
            panel(
                a.follow_ups,
                "Open follow-ups",
                heading_id="agenda-follow-ups",
                department=False,
                more_href="/follow-ups" + query_string(department=a.department_code),
            ),
            html.Section(
                [
                    html.H2("Notes", className="h4", id="agenda-notes"),
                    html.P(
                        [
                            "Write on the printed page; record each action agreed as a follow-up, so it "
                            "has an owner, a due date and a log. ",
                            dcc.Link("Add a follow-up", href=new_href(period=a.period))
                            if a.may_create
                            else None,
                        ],
                        className="small text-body-secondary",
                    ),
                    html.Div(
                        [html.Div(className="agenda-note-line") for _ in range(NOTE_LINES)],
                        className="agenda-note-lines",
                        **aria(hidden="true"),
                    ),
                ],
                className="agenda-notes",
                **aria(labelledby="agenda-notes"),
            ),
        ],
        className="agenda",
    )
