"""The loader of a priority's narrative history (/priorities/<slug>/narratives): every version the
Mayor's Office published, as published at the end of `?as_of=` when given. Drafts never reach it."""

from __future__ import annotations

from aim.services.narratives import published_history
from aim.services.site import site_info
from callbacks._common import as_published, page, runtime
from layouts.public import narrative


@page(narrative.skeleton)
@as_published
def layout(slug: str | None = None, published_on=None, **_query):
    rt = runtime()
    with rt.database.read() as session:
        history = published_history(session, rt.calendar, str(slug or "")[:80], published_on=published_on)
        if history is None:
            return narrative.not_found(str(slug or "")[:80])
        return narrative.build_history(history, site_info(session))
