"""User accounts and the audit log: create, list, disable, change role or password, sign in, and
turn a session cookie's (user id, session version) back into a Principal on each request.

Every change to an account writes its audit event in the same transaction, so a change is never
saved without its record. `actor` is the signed-in admin making a change, or None for the command
line (whoever can run it can already write the database; the address says which OS user did).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from aim import passwords
from aim.auth import CITYWIDE_READERS, Principal, Role, may_manage_users
from aim.models import AUDIT_EVENTS, AuditEvent, Department, User, normalize_email, utcnow
from aim.schemas import AuditEventView, UserView

# The limits of RFC 5321 (a 64-character local part, 254 characters in all); beyond the shape
# "something@domain.tld" an address is proven by using it, not by a regular expression.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
_EMAIL_MAX = 254
_ADDRESS_MAX = 100
#: How many department codes an error message lists before "...".
_CODES_SHOWN = 20
#: Wrong current passwords given while changing the password, within GUESS_WINDOW, that end every
#: session of the account: someone using a session left open on a shared computer gets this many
#: guesses, then must sign in, which the sign-in limits guard.
GUESSES_BEFORE_SIGN_OUT = 3
GUESS_WINDOW = timedelta(minutes=15)
WRONG_CURRENT_PASSWORD = "wrong current password when changing the password"


class AccountError(ValueError):
    """An account change was refused; the message says what to fix."""


class InvalidEmail(AccountError):
    pass


class WeakPassword(AccountError):
    """The password breaks the policy; `problems` holds one message per thing to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class WrongPassword(AccountError):
    pass


class InvalidRole(AccountError):
    pass


class InvalidDepartments(AccountError):
    pass


class DuplicateEmail(AccountError):
    pass


class UnknownUser(AccountError):
    pass


class SelfChange(AccountError):
    """An admin tried to disable their own account or change their own role."""


class NotPermitted(PermissionError):
    """The actor may not manage accounts. The request gate refuses these first; this is the
    service's own check behind it (a forgotten gate must not open the door)."""


# -- the audit log -------------------------------------------------------------------------------
def record(
    session: Session,
    event: str,
    *,
    user_id: int | None = None,
    email: str = "",
    client_address: str = "",
    detail: str = "",
) -> None:
    """Add one event to the audit log, in the caller's transaction. `email` and `client_address`
    come from requests and are cut to their column's length rather than failing the request."""
    if event not in AUDIT_EVENTS:
        raise ValueError(f"Unknown audit event {event!r}; use one of: {', '.join(AUDIT_EVENTS)}.")
    session.add(
        AuditEvent(
            at=utcnow(),
            event=event,
            user_id=user_id,
            email=(email or "")[:_EMAIL_MAX],
            client_address=(client_address or "")[:_ADDRESS_MAX],
            detail=detail,
        )
    )


def recent_events(session: Session, *, limit: int = 100, user_id: int | None = None) -> list[AuditEventView]:
    """The latest audit events, newest first; only one account's when `user_id` is given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    return [AuditEventView.model_validate(e, from_attributes=True) for e in session.scalars(query)]


# -- validation ----------------------------------------------------------------------------------
def valid_email(email: str) -> str:
    """`email` trimmed and lower-cased, or InvalidEmail saying what an address looks like."""
    normalized = normalize_email(email or "")
    if len(normalized) > _EMAIL_MAX or not _EMAIL.fullmatch(normalized):
        raise InvalidEmail(f"{email!r} is not an email address; enter one like name@city.gov.")
    return normalized


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidRole(f"Unknown role {role!r}; use one of: {', '.join(Role)}.") from None


def _departments(session: Session, role: Role, codes: Iterable[str]) -> list[Department]:
    """The departments of an account of `role`: editors need at least one, other roles none."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if role is not Role.DEPARTMENT_EDITOR:
        if wanted:
            scope = "every department" if role in CITYWIDE_READERS else "no department's internal data"
            raise InvalidDepartments(
                f"Only department editors have departments; a {role} sees "
                f"{scope}. Leave out the department codes."
            )
        return []
    if not wanted:
        raise InvalidDepartments(
            "A department editor needs at least one department; give the code "
            f"of each department they edit ({_known_codes(session)})."
        )
    found = session.scalars(select(Department).where(Department.code.in_(wanted))).all()
    unknown = sorted(set(wanted) - {d.code for d in found})
    if unknown:
        raise InvalidDepartments(
            f"Unknown department code(s): {', '.join(unknown)} ({_known_codes(session)})."
        )
    return sorted(found, key=lambda d: d.code)


def _known_codes(session: Session) -> str:
    codes = session.scalars(select(Department.code).order_by(Department.code)).all()
    if not codes:
        return "there are no departments yet: import the city's data first"
    shown = ", ".join(codes[:_CODES_SHOWN]) + (", ..." if len(codes) > _CODES_SHOWN else "")
    return f"known codes: {shown}"


def _strong(password: str, email: str) -> None:
    problems = passwords.check_password(password, email=email)
    if problems:
        raise WeakPassword(problems)


def _may_manage(actor: Principal | None) -> None:
    if actor is not None and not may_manage_users(actor):
        raise NotPermitted("Only an admin may manage user accounts.")


def _by(actor: Principal | None) -> str:
    return "by the command line" if actor is None else f"by {actor.email} (user {actor.user_id})"


def _user(session: Session, email: str) -> User:
    user = session.scalars(
        select(User).where(User.email == normalize_email(email or "")).options(selectinload(User.departments))
    ).one_or_none()
    if user is None:
        raise UnknownUser(f"No account has the email {email!r}; check the spelling.")
    return user


def _view(user: User) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        department_codes=[d.code for d in user.departments],
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _principal(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        department_ids=frozenset(d.id for d in user.departments),
    )


def _end_every_session(user: User) -> None:
    # In SQL (session_version = session_version + 1), so two concurrent bumps both count.
    user.session_version = User.session_version + 1


def _codes(departments: Iterable[Department]) -> str:
    return ", ".join(d.code for d in departments) or "none"


# -- accounts ------------------------------------------------------------------------------------
def check_new_user(session: Session, email: str, role: str, department_codes: Iterable[str] = ()) -> None:
    """Raise the AccountError create_user would raise for everything but the password, so the
    command line can say what is wrong before it asks for a password."""
    _new_account(session, email, role, department_codes)


def _new_account(
    session: Session, email: str, role: str, department_codes: Iterable[str]
) -> tuple[str, Role, list[Department]]:
    email = valid_email(email)
    checked_role = _role(role)
    departments = _departments(session, checked_role, department_codes)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DuplicateEmail(f"An account with the email {email} already exists.")
    return email, checked_role, departments


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    department_codes: Iterable[str] = (),
    *,
    actor: Principal | None,
    client_address: str,
    display_name: str = "",
) -> UserView:
    """A new, active account. Raises an AccountError that says what to fix when the email, role,
    departments or password are not acceptable or the email is taken."""
    _may_manage(actor)
    email, checked_role, departments = _new_account(session, email, role, department_codes)
    _strong(password, email)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=checked_role.value,
        password_hash=passwords.hash_password(password),
        departments=departments,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # created by someone else between the check and the insert
        raise DuplicateEmail(f"An account with the email {email} already exists.") from None
    record(
        session,
        "user_created",
        user_id=user.id,
        email=email,
        client_address=client_address,
        detail=f"role {checked_role}; departments {_codes(departments)}; {_by(actor)}",
    )
    return _view(user)


def list_users(session: Session) -> list[UserView]:
    """Every account, disabled ones included, by email."""
    users = session.scalars(select(User).order_by(User.email).options(selectinload(User.departments)))
    return [_view(u) for u in users]


def disable_user(session: Session, email: str, *, actor: Principal | None, client_address: str) -> UserView:
    """Disable an account and end its sessions. Disabling a disabled account changes nothing."""
    _may_manage(actor)
    user = _user(session, email)
    if actor is not None and actor.user_id == user.id:
        raise SelfChange("You cannot disable your own account; ask another admin.")
    if user.is_active:
        user.is_active = False
        _end_every_session(user)
        record(
            session,
            "user_disabled",
            user_id=user.id,
            email=user.email,
            client_address=client_address,
            detail=_by(actor),
        )
        session.flush()
    return _view(user)


def set_role(
    session: Session,
    email: str,
    role: str,
    department_codes: Iterable[str] = (),
    *,
    actor: Principal | None,
    client_address: str,
) -> UserView:
    """Give an account a role and, for department editors, its departments. A new role ends the
    account's sessions; new departments apply from the next request (principals are rebuilt from
    the database on each one)."""
    _may_manage(actor)
    checked_role = _role(role)
    user = _user(session, email)
    departments = _departments(session, checked_role, department_codes)
    old_role, old_departments = user.role, list(user.departments)
    if checked_role != old_role:
        if actor is not None and actor.user_id == user.id:
            raise SelfChange("You cannot change your own role; ask another admin.")
        user.role = checked_role.value
        _end_every_session(user)
        record(
            session,
            "role_changed",
            user_id=user.id,
            email=user.email,
            client_address=client_address,
            detail=f"{old_role} -> {checked_role}; {_by(actor)}",
        )
    if [d.id for d in departments] != [d.id for d in old_departments]:
        user.departments = departments
        record(
            session,
            "departments_changed",
            user_id=user.id,
            email=user.email,
            client_address=client_address,
            detail=f"{_codes(old_departments)} -> {_codes(departments)}; {_by(actor)}",
        )
    session.flush()
    return _view(user)


def change_password(
    session: Session,
    email: str,
    new_password: str,
    *,
    actor: Principal | None,
    client_address: str,
    current_password: str | None = None,
) -> UserView:
    """Set a new password and end the account's sessions. Users changing their own password give
    the current one (a session left open on a shared computer must not be enough); an admin, or
    the command line, may reset anyone's."""
    user = _user(session, email)
    if actor is not None and actor.user_id == user.id:
        if current_password is None or not passwords.verify_password(current_password, user.password_hash):
            raise WrongPassword("The current password is not right; type it again.")
    else:
        _may_manage(actor)
    _strong(new_password, user.email)
    user.password_hash = passwords.hash_password(new_password)
    _end_every_session(user)
    record(
        session,
        "password_changed",
        user_id=user.id,
        email=user.email,
        client_address=client_address,
        detail=_by(actor),
    )
    session.flush()
    return _view(user)


# -- signing in and sessions ---------------------------------------------------------------------
def authenticate(session: Session, email: str, password: str, *, client_address: str) -> Principal | None:
    """The principal for a correct email and password of an active account, else None. Either way
    the attempt goes into the audit log, so call it in a write transaction.

    Every attempt verifies one argon2 hash, against a dummy when the email is unknown, so response
    times do not tell which emails have accounts. A hash made with older parameters is upgraded.
    """
    user = session.scalars(
        select(User).where(User.email == normalize_email(email or "")).options(selectinload(User.departments))
    ).one_or_none()
    if user is None:
        passwords.verify_password(password, passwords.dummy_hash())
        record(
            session,
            "login_failed",
            email=email,
            client_address=client_address,
            detail="no account has this email",
        )
        return None
    correct = passwords.verify_password(password, user.password_hash)
    if not user.is_active or not correct:
        record(
            session,
            "login_failed",
            user_id=user.id,
            email=email,
            client_address=client_address,
            detail="account disabled" if not user.is_active else "wrong password",
        )
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    record(session, "login", user_id=user.id, email=user.email, client_address=client_address)
    session.flush()
    return _principal(user)


def current_session_version(session: Session, user_id: int) -> int | None:
    """The account's current session version, for a new session cookie; None if there is none."""
    return session.scalar(select(User.session_version).where(User.id == user_id))


def principal_for_session(session: Session, user_id: int, session_version: int) -> Principal | None:
    """The principal a session cookie stands for, or None when the account is gone, disabled, or
    its session version has moved on (logout, password change, role change): a cookie copied
    before logout is refused after it, on every worker, because the check is in the database."""
    # Only real integers: whatever a cookie decodes to (a string, a bool) must not match by accident.
    if type(user_id) is not int or type(session_version) is not int:
        return None
    user = session.scalars(
        select(User).where(User.id == user_id).options(selectinload(User.departments))
    ).one_or_none()
    if user is None or not user.is_active or user.session_version != session_version:
        return None
    return _principal(user)


def end_sessions(session: Session, user_id: int, *, client_address: str = "", detail: str = "") -> bool:
    """End every session of the account (logout, here and everywhere) and record the logout.
    False when there is no such account."""
    user = session.get(User, user_id)
    if user is None:
        return False
    _end_every_session(user)
    record(session, "logout", user_id=user.id, email=user.email, client_address=client_address, detail=detail)
    session.flush()
    return True


def wrong_current_password(session: Session, user_id: int, *, client_address: str) -> bool:
    """Record a wrong current password given by a signed-in user changing their password; after
    GUESSES_BEFORE_SIGN_OUT of them within GUESS_WINDOW (counted since the account's last logout),
    end every session of the account. True when the sessions were ended.

    The count is kept in the audit log, which every worker and server shares, so it is exact
    without Redis."""
    user = session.get(User, user_id)
    if user is None:
        return False
    record(
        session,
        "login_failed",
        user_id=user.id,
        email=user.email,
        client_address=client_address,
        detail=WRONG_CURRENT_PASSWORD,
    )
    session.flush()
    since = utcnow() - GUESS_WINDOW
    last_logout = session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.user_id == user.id, AuditEvent.event == "logout")
    )
    if last_logout is not None and last_logout > since:
        since = last_logout
    failures = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.user_id == user.id,
            AuditEvent.event == "login_failed",
            AuditEvent.detail == WRONG_CURRENT_PASSWORD,
            AuditEvent.at >= since,
        )
    )
    if (failures or 0) < GUESSES_BEFORE_SIGN_OUT:
        return False
    return end_sessions(
        session,
        user.id,
        client_address=client_address,
        detail=f"signed out everywhere after {failures} wrong current passwords",
    )
