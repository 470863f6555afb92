"""Who may see and do what: roles, the signed-in principal and every permission rule, as pure
functions with no Flask and no database, so the whole policy can be read and tested in one place.

Roles (issue 5):

- anonymous: the public views and the open data API only.
- ``department_editor``: its own departments' internal measures and unpublished values.
- ``budget_analyst`` and ``mayors_office``: every department's internal measures and values.
- ``admin``: manages users and roles, and reads **no** internal data by virtue of the role.
- ``data_coordinator`` (issue 15): keeps the open data inventory, moderates and answers the
  public's data requests; reads no internal figures either.

Why admin does not read internal data: managing accounts is an IT duty, and the people who hold
it are often not the people entitled to see a city's figures before review. Keeping the two apart
(separation of duties, least privilege) means a stolen admin password does not leak unpublished
values by itself, and that any admin who wants to read them must give an account an analyst role,
which the audit log records. Someone who really does both jobs gets two accounts.

Why a data coordinator and not admin keeps the inventory: deciding what the city releases, and
answering residents in its name, is an open data policy duty (a "chief data officer" or open data
coordinator in most cities), not an IT one; giving it to admin would tie account management to
publication decisions, which the separation of duties above keeps apart. The coordinator sees
nothing unpublished by virtue of the role: the inventory holds descriptions of data, not figures.

Callbacks and routes declare a policy, ``PUBLIC`` or ``roles(...)``; ``allows(policy, principal)``
is the one check. Anything that is not a policy (a forgotten declaration is ``None``) is denied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """The roles a user account can hold (one per account)."""

    DEPARTMENT_EDITOR = "department_editor"
    BUDGET_ANALYST = "budget_analyst"
    MAYORS_OFFICE = "mayors_office"
    ADMIN = "admin"
    DATA_COORDINATOR = "data_coordinator"


#: Roles that read every department's internal data.
CITYWIDE_READERS = frozenset({Role.BUDGET_ANALYST, Role.MAYORS_OFFICE})


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a signed-in user, or `ANONYMOUS`.

    Built fresh from the database on every request (see aim.services.users.principal_for_session),
    so a change of role or departments applies at once, not at the next login.
    """

    user_id: int | None
    email: str
    role: Role | None
    department_ids: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept plain strings and any iterable of ids, but keep the stored values canonical, so
        # two principals for the same user compare (and hash, as cache keys) equal.
        if self.role is not None and not isinstance(self.role, Role):
            object.__setattr__(self, "role", Role(self.role))
        if not isinstance(self.department_ids, frozenset):
            object.__setattr__(self, "department_ids", frozenset(self.department_ids))


ANONYMOUS = Principal(user_id=None, email="", role=None)


def is_signed_in(p: Principal) -> bool:
    """True for a user account; both an id and a role are needed, so a half-built principal is
    treated as anonymous rather than trusted."""
    return p.user_id is not None and p.role is not None


def sees_all_departments(p: Principal) -> bool:
    """Budget analysts and the Mayor's Office read every department's internal data."""
    return is_signed_in(p) and p.role in CITYWIDE_READERS


def may_see_internal(p: Principal, department_id: int) -> bool:
    """May `p` see the internal (non-public) measures of this department?"""
    if sees_all_departments(p):
        return True
    return is_signed_in(p) and p.role is Role.DEPARTMENT_EDITOR and department_id in p.department_ids


def may_see_unpublished(p: Principal, department_id: int) -> bool:
    """May `p` see values of this department that are not published yet (draft to approved)?

    The same people as internal measures today; a separate rule because the workflow issues may
    narrow it (for instance the Mayor's Office seeing only submitted values) without touching the
    other.
    """
    return may_see_internal(p, department_id)


def visible_department_ids(p: Principal) -> frozenset[int] | None:
    """The departments whose internal data `p` may read: None means all of them, an empty set
    none (anonymous users and admins). Services filter their queries with this."""
    if sees_all_departments(p):
        return None
    if is_signed_in(p) and p.role is Role.DEPARTMENT_EDITOR:
        return p.department_ids
    return frozenset()


def may_report_for(p: Principal, department_id: int) -> bool:
    """May `p` enter, correct and submit this department's figures and propose its targets?
    Its own department editors only (the review workflow, aim/workflow.py)."""
    return is_signed_in(p) and p.role is Role.DEPARTMENT_EDITOR and department_id in p.department_ids


def may_review(p: Principal) -> bool:
    """May `p` approve, return and publish figures and targets? The budget office. (Whether they
    may approve one figure also depends on who changed it: aim.workflow.separation_of_duties.)"""
    return is_signed_in(p) and p.role is Role.BUDGET_ANALYST


def may_use_review_room(p: Principal) -> bool:
    """Use the review room and the briefing (every department's figures, internal ones included,
    side by side): the Mayor's Office and budget analysts, the readers of every department."""
    return sees_all_departments(p)


def may_create_follow_up(p: Principal) -> bool:
    """Agree a follow-up (a stat meeting's action item) with a department: the people who run the
    meetings, the Mayor's Office and budget analysts."""
    return may_use_review_room(p)


def may_read_follow_ups(p: Principal, department_id: int) -> bool:
    """Read a department's follow-ups: whoever reads its internal data (the department's editors,
    the Mayor's Office and budget analysts)."""
    return may_see_internal(p, department_id)


def may_update_follow_up(p: Principal, department_id: int) -> bool:
    """Add notes to a follow-up owned by this department and mark it done or open again: the owner
    department's editors, and the offices that create follow-ups."""
    return may_create_follow_up(p) or may_report_for(p, department_id)


def may_drop_follow_up(p: Principal) -> bool:
    """Drop a follow-up (or reopen a dropped one) and move its due date: only the offices that
    agree them; a department asked to act cannot cancel the ask."""
    return may_create_follow_up(p)


def may_manage_users(p: Principal) -> bool:
    """Create, disable and change the role of accounts: admins only."""
    return is_signed_in(p) and p.role is Role.ADMIN


def may_manage_open_data(p: Principal) -> bool:
    """Edit and import the data inventory, moderate and answer requests: data coordinators only."""
    return is_signed_in(p) and p.role is Role.DATA_COORDINATOR


# -- policies that callbacks and routes declare --------------------------------------------------
@dataclass(frozen=True)
class Policy:
    """Who may call a callback or route: everyone (`PUBLIC`) or signed-in users of some roles."""

    public: bool = False
    allowed: frozenset[Role] = frozenset()

    def __str__(self) -> str:
        return "public" if self.public else "roles(" + ", ".join(sorted(self.allowed)) + ")"


PUBLIC = Policy(public=True)


def roles(*allowed: Role | str) -> Policy:
    """A policy for signed-in users holding one of `allowed`; at least one role must be named,
    since a policy that allows nobody is almost certainly a mistake."""
    if not allowed:
        raise ValueError("roles() needs at least one role; for everyone use PUBLIC.")
    try:
        return Policy(allowed=frozenset(Role(r) for r in allowed))
    except ValueError:
        known = ", ".join(Role)
        raise ValueError(f"Unknown role in roles{allowed!r}; use one of: {known}.") from None


#: Any signed-in user, whatever the role.
SIGNED_IN = roles(*Role)


def allows(policy: object, p: Principal) -> bool:
    """Does `policy` let `p` through? Default deny: anything but a Policy (None, a typo'd name,
    a plain string) allows nobody."""
    if not isinstance(policy, Policy):
        return False
    if policy.public:
        return True
    return is_signed_in(p) and p.role in policy.allowed
