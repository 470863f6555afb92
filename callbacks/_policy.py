"""Who may call each Dash callback. Every server callback is declared with a policy (public, or which
roles); the gate in api/security.py looks the policy up by the request's `output` field and the
session's user, never by the inputs, and refuses what is not declared. The app refuses to start
when a callback has no declaration.

Declare a callback with `callback(policy, outputs, inputs, ...)` instead of `dash.callback`; a
callback that changes data says so with `write=True` (the gate holds writes to a stricter standard:
issue 9 adds the CSRF header check for them; `is_write` is what it asks).
"""

from __future__ import annotations

from collections.abc import Iterable

import dash
from dash import _callback

from aim.auth import PUBLIC, Policy

# Dash's page router: one callback renders every page. It is public because each page loader
# checks the signed-in user itself (services take the user), so a forged path gets nothing more.
ROUTER_OUTPUT = f"..{dash.dash._ID_CONTENT}.children...{dash.dash._ID_STORE}.data.."  # noqa: SLF001

_POLICIES: dict[str, Policy] = {ROUTER_OUTPUT: PUBLIC}
_WRITES: set[str] = set()


def callback(policy: Policy, *args, write: bool = False, **kwargs):
    """dash.callback, plus the policy the gate enforces for it; `write=True` for a callback that
    changes data."""
    if not isinstance(policy, Policy):
        raise TypeError("callback() needs a Policy first: aim.auth.PUBLIC or aim.auth.roles(...)")
    if write and policy.public:
        raise TypeError("A write callback must name the roles that may call it, not PUBLIC.")
    # Dash 4 enters the callback in its map when dash.callback() is called, before the function
    # is decorated: so what is new is measured around both.
    before = set(_callback.GLOBAL_CALLBACK_MAP)
    register = dash.callback(*args, **kwargs)

    def decorate(function):
        wrapped = register(function)
        for output in set(_callback.GLOBAL_CALLBACK_MAP) - before:
            _POLICIES[output] = policy
            if write:
                _WRITES.add(output)
        return wrapped

    return decorate


def is_write(output: str) -> bool:
    """Does the callback writing `output` change data?"""
    return output in _WRITES


def policy_for(output: str) -> Policy | None:
    """The declared policy of the callback writing `output`; None when undeclared (refused)."""
    return _POLICIES.get(output)


def undeclared(outputs: Iterable[str]) -> list[str]:
    return sorted(o for o in outputs if o not in _POLICIES)


def _server_side(callbacks: dict) -> list[str]:
    # Clientside callbacks run in the browser and have no Python function to call.
    return [output for output, spec in callbacks.items() if "callback" in spec]


def check_declared(app: dash.Dash) -> None:
    """Refuse to start when a server callback was registered without a policy."""
    missing = undeclared([*_server_side(_callback.GLOBAL_CALLBACK_MAP), *_server_side(app.callback_map)])
    if missing:
        raise RuntimeError(
            "These Dash callbacks declare no access policy; register them with "
            f"callbacks._policy.callback(PUBLIC or roles(...), ...): {', '.join(missing)}"
        )
