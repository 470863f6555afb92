"""Rate limits shared by the guards: the one Flask-Limiter (its counts in Redis with AIM_REDIS_URL,
else in the process), whom a limit counts (a client address, or an IPv6 /64), and the audit of
refused requests, recorded one by one up to a limit per client, then only counted and summarised,
so that a flood of refused requests cannot fill the append-only audit log."""

from __future__ import annotations

import ipaddress
import time
from datetime import datetime, timezone

from flask_limiter import Limiter
from limits import parse

from aim.services import users
from web.context import client_address, current_principal, runtime

#: The longest detail a refusal row carries; request-derived text beyond it is cut.
DETAIL_MAX = 300
#: A summary row is written when the refusals over the limit in a window reach one of these.
_SUMMARY_AT = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)


def client_key() -> str:
    """Whom a limit counts: the client address, or for IPv6 its /64 network (one client owns a
    whole /64, so counting its addresses apart would be no limit at all)."""
    address = client_address()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# Flask-Limiter's documented pattern: one Limiter, bound to the app in accounts.init_accounts.
# The counts live in its storage (Redis, or per process when there is none), not in this object.
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)


def bounded(text: str, limit: int = 120) -> str:
    """Request-derived text for a log row: at most `limit` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def audit_refusal(detail: str, *, email: str | None = None) -> int | None:
    """Record a refused request in the audit log, unless this client has had more than
    AIM_REFUSAL_LIMIT_PER_ADDRESS refusals in the window: then count it, write a summary row
    with the count when it reaches 1, 10, 100..., and return the seconds until the client may
    try again (None when the refusal was recorded one by one)."""
    limit = parse(runtime().settings.refusal_limit_per_address)
    key = client_key()
    row: str | None
    retry_after = None
    if limiter.limiter.hit(limit, "aim-refusals", key):
        row = detail[:DETAIL_MAX]
    else:
        window = limit.get_expiry()
        start = int(time.time()) // window * window
        over = limiter.storage.incr(f"aim-refusals-over/{key}/{start}", window)
        row = None
        if over in _SUMMARY_AT:
            since = datetime.fromtimestamp(start, timezone.utc).strftime("%H:%M:%S")
            row = (
                f"{over} refused request(s) from {key} over the limit of {limit} in the window from "
                f"{since} UTC; answered 429 and not recorded one by one (the first was: {detail})"
            )[:DETAIL_MAX]
        reset = limiter.limiter.get_window_stats(limit, "aim-refusals", key).reset_time
        retry_after = max(1, min(window, int(reset - time.time()) + 1))
    if row is not None:
        principal = current_principal()
        with runtime().database.write() as db:
            users.record(
                db,
                "denied",
                user_id=principal.user_id,
                email=(principal.email or email or "")[:320],
                client_address=client_address(),
                detail=row,
            )
    return retry_after
