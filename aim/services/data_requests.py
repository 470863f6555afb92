"""The public's data requests: anyone may ask for a dataset or support an inventory entry; nothing
of a request is shown anywhere public until a data coordinator approves it; the coordinator then
answers it publicly (planned, released with a link, declined with a reason). Abuse is the default
case: the web layer rate-limits and keeps out robots; here every length is bounded and every text
is stored as text (pages render it as text, never as HTML)."""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from aim.auth import Principal, may_manage_open_data
from aim.models import DataAsset, DataRequest, utcnow
from aim.opendata import ANSWER_STATUSES, REQUEST_TEXT_MAX, REQUEST_TITLE_MAX, RequestView
from aim.services.inventory import InventoryError, NotAllowed
from aim.services.users import record

URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


def _clean(text: object) -> str:
    """Text as typed, minus control characters (except line breaks) and surrounding space."""
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n")
    return "".join(c for c in value if c == "\n" or unicodedata.category(c) != "Cc").strip()


class RequestInput(BaseModel):
    """What a member of the public sends: a title, what they need and why, and for a `support`
    request the inventory entry they support."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "new"
    asset: str = Field("", max_length=80)
    title: str = Field(min_length=3, max_length=REQUEST_TITLE_MAX)
    need: str = Field("", max_length=REQUEST_TEXT_MAX)
    reason: str = Field("", max_length=REQUEST_TEXT_MAX)

    @field_validator("*", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return _clean(value)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in ("new", "support"):
            raise ValueError("must be 'new' or 'support'")
        return value


FIELD_NAMES = {"title": "Title", "need": "What you need", "reason": "Why", "asset": "Dataset", "kind": "Kind"}


def parse_request(fields: dict[str, object]) -> RequestInput:
    try:
        return RequestInput(**fields)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = FIELD_NAMES.get(field, field[:40])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}" if name else message)
        raise InventoryError(problems) from None


def submit(session: Session, data: RequestInput) -> int:
    """Queue a request for moderation (anyone may); its id."""
    asset_id = None
    if data.asset:
        asset_id = session.scalars(select(DataAsset.id).where(DataAsset.slug == data.asset)).one_or_none()
        if asset_id is None:
            raise InventoryError(["Dataset: no entry of the inventory has that name; pick one from the list"])
    if data.kind == "support" and asset_id is None:
        raise InventoryError(["Dataset: say which entry of the inventory you support"])
    request = DataRequest(
        kind=data.kind,
        asset_id=asset_id,
        title=data.title,
        need=data.need,
        reason=data.reason,
        state="pending",
    )
    session.add(request)
    session.flush()
    return request.id


def _views(session: Session, *where) -> list[RequestView]:
    query = (
        select(DataRequest, DataAsset.slug, DataAsset.name)
        .outerjoin(DataAsset, DataAsset.id == DataRequest.asset_id)
        .where(*where)
        .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
    )
    return [
        RequestView(
            id=r.id,
            kind=r.kind,
            title=r.title,
            need=r.need,
            reason=r.reason,
            asset_slug=slug or "",
            asset_name=name or "",
            state=r.state,
            created_at=r.created_at,
            answer_status=r.answer_status,
            answer=r.answer,
            answer_url=r.answer_url,
            answered_at=r.answered_at,
        )
        for r, slug, name in session.execute(query)
    ]


def public_requests(session: Session) -> list[RequestView]:
    """Approved requests only, newest first: what the public page shows."""
    return _views(session, DataRequest.state == "approved")


def _require(principal: Principal) -> None:
    if not may_manage_open_data(principal):
        raise NotAllowed("Only a data coordinator may moderate and answer data requests.")


def queue(session: Session, principal: Principal) -> list[RequestView]:
    """Requests waiting for moderation (data coordinators only)."""
    _require(principal)
    return _views(session, DataRequest.state == "pending")


def _get(session: Session, request_id: object) -> DataRequest:
    try:
        found = session.get(DataRequest, int(str(request_id)))
    except ValueError:
        found = None
    if found is None:
        raise InventoryError(["Choose a request from the list."])
    return found


def moderate(session: Session, principal: Principal, request_id: object, approve: bool) -> None:
    """Approve (show publicly) or reject (never shown) a pending request."""
    _require(principal)
    request = _get(session, request_id)
    if request.state != "pending":
        raise InventoryError([f"Request {request.id} was already {request.state}."])
    request.state = "approved" if approve else "rejected"
    request.moderated_at = utcnow()
    request.moderated_by = principal.email
    session.flush()
    record(
        session,
        "request_moderated",
        user_id=principal.user_id,
        email=principal.email,
        detail=f"{request.state} data request {request.id}",
    )


def answer(
    session: Session,
    principal: Principal,
    request_id: object,
    status: str,
    text: str,
    url: str = "",
    asset: str = "",
) -> None:
    """Answer an approved request publicly; `asset` links it to an inventory entry, whose support
    count it then adds to."""
    _require(principal)
    request = _get(session, request_id)
    text, url, asset = _clean(text), _clean(url), _clean(asset)
    problems = []
    if request.state != "approved":
        problems.append("Approve the request before answering it.")
    if status not in ANSWER_STATUSES or status == "open":
        problems.append("Answer: choose planned, released or declined.")
    if len(text) > REQUEST_TEXT_MAX:
        problems.append(f"Answer: at most {REQUEST_TEXT_MAX} characters.")
    if status == "declined" and not text:
        problems.append("Answer: say why the request is declined.")
    if status == "released" and not URL.match(url):
        problems.append("Link: a released dataset needs its web address (https://...).")
    if url and not URL.match(url):
        problems.append("Link: must be a web address starting with https:// or http://.")
    asset_id = None
    if asset:
        asset_id = session.scalars(select(DataAsset.id).where(DataAsset.slug == asset)).one_or_none()
        if asset_id is None:
            problems.append("Inventory entry: no entry has that name.")
    if problems:
        raise InventoryError(problems)
    request.answer_status = status
    request.answer = text
    request.answer_url = url
    request.answered_at = utcnow()
    request.answered_by = principal.email
    if asset_id is not None:
        request.asset_id = asset_id
    session.flush()
    record(
        session,
        "request_answered",
        user_id=principal.user_id,
        email=principal.email,
        detail=f"answered data request {request.id}: {status}" + (f" ({url})" if url else ""),
    )


def answerable(session: Session, principal: Principal) -> list[RequestView]:
    """Approved requests, the unanswered first (data coordinators only)."""
    _require(principal)
    found = _views(session, DataRequest.state == "approved")
    return sorted(found, key=lambda r: r.answer_status != "open")
