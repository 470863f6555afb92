"""What a request handler (a Dash callback or a Flask route) needs from the app: the Runtime
(settings, database, calendar) and the signed-in principal, read from the server-side checked
session, never from request inputs. app.py stores the Runtime under EXTENSION."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from aim.auth import ANONYMOUS, Principal
from aim.runtime import Runtime

EXTENSION = "aim"


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION]


def current_principal() -> Principal:
    """The signed-in user (checked against the database on every request), or the public."""
    user = current_user
    principal = getattr(user, "principal", None) if user is not None else None
    return principal if principal is not None and user.is_authenticated else ANONYMOUS


def client_address() -> str:
    return request.remote_addr or ""
