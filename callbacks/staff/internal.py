"""The internal measure browser's loader: the signed-in user from the session decides what it shows;
anything in the URL can only narrow it."""

from __future__ import annotations

from aim.auth import is_signed_in
from aim.services.internal import internal_measures
from aim.services.site import site_info
from callbacks._common import current_principal, page, runtime
from layouts.components import ANY
from layouts.staff import internal


@page(internal.skeleton)
def layout(department=None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return internal.sign_in_prompt("/internal/measures")
    chosen = department if isinstance(department, str) and department.lower() != ANY else ""
    with runtime().database.read() as session:
        view = internal_measures(session, user=user, department=chosen[:64])
        site = site_info(session)
    return internal.build(view, user, chosen, site)
