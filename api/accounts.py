"""Signing in and out, and changing a password: Flask-Login sessions checked against the database on
every request, forms protected against CSRF by Flask-WTF, sign-in attempts limited per account and
per client address by Flask-Limiter (in Redis when AIM_REDIS_URL is set, so workers share counts)."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlparse

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from limits import parse
from wtforms import HiddenField, PasswordField, StringField

from aim.auth import Principal, may_use_review_room
from aim.config import Settings
from aim.services import users
from api.limiting import audit_refusal, limiter
from web.context import client_address, current_principal, runtime

blueprint = Blueprint("accounts", __name__, template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "basic"

SIGNED_IN_HOME = "/internal/measures"
#: Where each role lands after signing in without a page to return to.
REVIEW_HOME = "/review-room"


class SignedIn(UserMixin):
    """The Flask-Login user: a principal and the session version its cookie was issued for."""

    def __init__(self, principal: Principal, version: int) -> None:
        self.principal = principal
        self.version = version

    def get_id(self) -> str:
        return f"{self.principal.user_id}:{self.version}"


@login_manager.user_loader
def _load(identifier: str) -> SignedIn | None:
    # A copied cookie names a session version; after logout, a password change or disabling, the
    # database's version has moved on and the cookie signs nobody in, on every worker.
    try:
        user_id, version = (int(part) for part in identifier.split(":"))
    except ValueError:
        return None
    with runtime().database.read() as db:
        principal = users.principal_for_session(db, user_id, version)
    return SignedIn(principal, version) if principal else None


class LoginForm(FlaskForm):
    email = StringField("Email")
    password = PasswordField("Password")
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password")
    new_password = PasswordField("New password")
    confirm = PasswordField("New password again")


def _home(principal: Principal | None) -> str:
    """The Mayor's Office and budget analysts land in the review room; everyone else on the
    internal measures."""
    return REVIEW_HOME if principal is not None and may_use_review_room(principal) else SIGNED_IN_HOME


def _safe_next(target: str | None, home: str = SIGNED_IN_HOME) -> str:
    """Only a path on this site: never //evil.example or https://evil.example."""
    if not target:
        return home
    parsed = urlparse(target)
    if (
        parsed.scheme
        or parsed.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return home
    return target


def _page(template: str, status: int = 200, **context):
    return render_template(template, **context), status


class Throttle:
    """The per-account sign-in limit of NIST SP 800-63B, section 5.2.2: failed attempts are
    limited per account (AIM_LOGIN_LIMIT_PER_ACCOUNT), but a limited account is not locked. The
    right password from an address that has not been failing within the window still signs in;
    an address that has failed is refused without its password being checked. So knowing
    someone's email is not enough to lock them out, and each address gets one guess at most
    while the account is limited (which the per-address limit bounds as well). Beyond
    HARD_LIMIT failures a day the account takes no password at all, NIST's ceiling of 100
    consecutive failures."""

    HARD_LIMIT = parse("100 per day")

    def __init__(self, email: str) -> None:
        self.account = "account:" + email.strip().lower()[:320]
        self.address = client_address()
        self.limit = parse(current_app.config["AIM_LOGIN_LIMIT_PER_ACCOUNT"])

    def account_limited(self) -> bool:
        return not limiter.limiter.test(self.limit, "aim-login-failures", self.account)

    def refuse_unchecked(self) -> bool:
        """Refuse without checking the password: the account is limited and this address has
        been failing, or the account is past the daily ceiling."""
        if not limiter.limiter.test(self.HARD_LIMIT, "aim-login-failures-day", self.account):
            return True
        failing = limiter.limiter.get_window_stats(self.limit, "aim-login-failing", self.address)
        return self.account_limited() and failing.remaining < self.limit.amount

    def failed(self) -> None:
        limiter.limiter.hit(self.limit, "aim-login-failures", self.account)
        limiter.limiter.hit(self.HARD_LIMIT, "aim-login-failures-day", self.account)
        limiter.limiter.hit(self.limit, "aim-login-failing", self.address)

    def retry_after(self) -> int:
        reset = limiter.limiter.get_window_stats(self.limit, "aim-login-failures", self.account).reset_time
        return max(1, min(self.limit.get_expiry(), int(reset - time.time()) + 1))


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AIM_LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    form = LoginForm()
    if request.method != "POST":
        form.next.data = request.args.get("next", "")
        message = None
        if request.args.get("changed"):
            message = "Your password was changed. Sign in with the new one."
        elif request.args.get("guessed"):
            message = (
                f"You were signed out everywhere after {users.GUESSES_BEFORE_SIGN_OUT} wrong current "
                "passwords. Sign in again to change your password."
            )
        return _page("accounts/login.html", form=form, message=message)
    return _login_attempt(form)


def _login_attempt(form: LoginForm):
    if not form.validate_on_submit():  # the CSRF token is missing, expired or forged
        return _page(
            "accounts/login.html",
            400,
            form=form,
            message="The form expired or was not sent from this site. Please try again.",
            kind="danger",
        )
    rt = runtime()
    email = (form.email.data or "").strip()
    throttle = Throttle(email)
    if throttle.refuse_unchecked():
        return _too_many_attempts("account limited; refused unchecked from a failing address", 60)
    limited = throttle.account_limited()
    with rt.database.write() as db:
        principal = users.authenticate(db, email, form.password.data or "", client_address=client_address())
        user_id = principal.user_id if principal else None
        version = users.current_session_version(db, user_id) if user_id is not None else None
    if principal is None or version is None:
        throttle.failed()
        if limited:
            return _too_many_attempts("account limited; a wrong password", throttle.retry_after())
        return _page(
            "accounts/login.html",
            401,
            form=form,
            kind="danger",
            message="That email and password do not match an active account.",
        )
    # A new session for every sign-in: nothing from before survives, and a fresh random id makes
    # the cookie differ from any earlier one even for the same user in the same second.
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    login_user(SignedIn(principal, version))
    return redirect(_safe_next(form.next.data, _home(principal)), code=303)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page("accounts/logout.html", form=form, signed_in=current_user.is_authenticated)
    principal = current_principal()
    if principal.user_id is not None:
        with runtime().database.write() as db:
            users.end_sessions(db, principal.user_id, client_address=client_address())
    logout_user()
    session.clear()
    return redirect("/", code=303)


@blueprint.route("/account/password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AIM_LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def change_password():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    form = PasswordForm()
    if request.method != "POST":
        return _page("accounts/password.html", form=form)
    if not form.validate_on_submit():
        return _page(
            "accounts/password.html", 400, form=form, problems=["The form expired; please try again."]
        )
    if form.new_password.data != form.confirm.data:
        return _page("accounts/password.html", 400, form=form, problems=["The two new passwords differ."])
    principal = current_principal()
    try:
        with runtime().database.write() as db:
            users.change_password(
                db,
                principal.email,
                form.new_password.data or "",
                actor=principal,
                client_address=client_address(),
                current_password=form.current_password.data or "",
            )
    except users.WeakPassword as exc:
        return _page("accounts/password.html", 400, form=form, problems=list(exc.problems))
    except users.WrongPassword as exc:
        return _wrong_current_password(form, principal, str(exc))
    except users.AccountError as exc:
        return _page("accounts/password.html", 400, form=form, problems=[str(exc)])
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login", changed=1), code=303)


def _wrong_current_password(form: PasswordForm, principal: Principal, message: str):
    """Record the failure (in its own transaction: the refused change was rolled back) and, after a
    few, end every session of the account: whoever holds this session must then sign in."""
    assert principal.user_id is not None  # only signed-in users reach the form
    with runtime().database.write() as db:
        signed_out = users.wrong_current_password(db, principal.user_id, client_address=client_address())
    if not signed_out:
        return _page("accounts/password.html", 400, form=form, problems=[message])
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login", guessed=1), code=303)


def _too_many(error: RateLimitExceeded):
    return _too_many_attempts(str(error.description), 60)


def _too_many_attempts(why: str, retry_after: int):
    # Audited like any refusal: one by one up to a limit per client, then summarised, so that
    # hammering the form cannot fill the audit log.
    audit_refusal(f"rate limit on {request.path}: {why}", email=request.form.get("email") or "")
    if request.path == url_for("accounts.change_password"):
        response, status = _page(
            "accounts/password.html",
            429,
            form=PasswordForm(),
            problems=["Too many attempts to change the password. Wait a minute, then try again."],
        )
    else:
        response, status = _page(
            "accounts/login.html",
            429,
            form=LoginForm(),
            kind="danger",
            message="Too many sign-in attempts. Wait a minute, then try again.",
        )
    return response, status, {"Retry-After": str(retry_after)}


def init_accounts(server: Flask, settings: Settings) -> None:
    server.config.update(
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX="aim-login",
        # A sliding window: a burst across a minute boundary is counted as one burst.
        RATELIMIT_STRATEGY="moving-window",
        WTF_CSRF_TIME_LIMIT=3600,
        AIM_LOGIN_LIMIT_PER_ACCOUNT=settings.login_limit_per_account,
        AIM_LOGIN_LIMIT_PER_ADDRESS=settings.login_limit_per_address,
        # The open data request form (api/opendata.py) shares this limiter and its storage.
        AIM_DATA_REQUEST_LIMIT=settings.data_request_limit_per_address,
    )
    server.register_blueprint(blueprint)
    limiter.init_app(server)
    login_manager.init_app(server)
    server.register_error_handler(RateLimitExceeded, _too_many)
