"""The city's data inventory: every data asset, published or not, kept by the data coordinator in
the app and by CSV import (all or nothing). The public sees every public entry in full and, for the
others, that they exist, who keeps them and why they are not released; never their restricted
details (description, system of record, links, keywords)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aim.auth import Principal, may_manage_open_data
from aim.models import DataAsset, DataRequest, Department
from aim.opendata import (
    ASSET_CLASSIFICATIONS,
    INVENTORY_CSV_COLUMNS,
    RELEASE_STATUSES,
    UPDATE_FREQUENCIES,
    InventoryEntry,
)
from aim.services.open_catalog import PERFORMANCE, RESERVED_SLUGS
from aim.services.users import record

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CSV_COLUMNS = INVENTORY_CSV_COLUMNS
#: Largest inventory CSV accepted: a city's inventory is hundreds of rows, not megabytes.
MAX_IMPORT_ROWS = 5000
#: The order of the public inventory's sections.
STATUS_ORDER = {status: i for i, status in enumerate(RELEASE_STATUSES)}


class NotAllowed(PermissionError):
    """The principal may not change the inventory or the requests."""


class InventoryError(ValueError):
    """What is wrong with an entry or an import, in words a coordinator can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _blank(value: object) -> object:
    return "" if value is None else value.strip() if isinstance(value, str) else value


class AssetInput(BaseModel):
    """An inventory entry as the coordinator sends it (form or CSV row), validated."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    steward: str = Field("", max_length=64, description="The steward department's code")
    classification: str
    release_status: str
    status_reason: str = Field("", max_length=2000)
    update_frequency: str = "irregular"
    priority: int = Field(3, ge=1, le=5)
    system_of_record: str = Field("", max_length=200)
    description: str = Field("", max_length=5000)
    access_url: str = Field("", max_length=500)
    keywords: str = Field("", max_length=500)
    released_on: date | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return _blank(value)

    @field_validator("released_on", mode="before")
    @classmethod
    def _empty_date(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("priority", mode="before")
    @classmethod
    def _default_priority(cls, value: object) -> object:
        return 3 if value == "" else value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                "must be lower-case letters and digits joined by hyphens, like 'building-permits'"
            )
        if value in RESERVED_SLUGS:
            raise ValueError(f"'{value}' is taken by a page or a performance dataset; choose another")
        return value

    @field_validator("classification")
    @classmethod
    def _classification(cls, value: str) -> str:
        return _one_of(value, ASSET_CLASSIFICATIONS)

    @field_validator("release_status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value.replace(" ", "_"), RELEASE_STATUSES)

    @field_validator("update_frequency")
    @classmethod
    def _frequency(cls, value: str) -> str:
        return _one_of(value or "irregular", UPDATE_FREQUENCIES)

    @field_validator("access_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError("must be a web address starting with https:// or http://")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AssetInput:
        if self.release_status == "published" and self.classification != "public":
            raise ValueError("only a public data set can be published; change its classification or status")
        if self.release_status == "will_not_release" and not self.status_reason:
            raise ValueError("say why it will not be released (status_reason)")
        return self


def _one_of(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}; got {value!r}")
    return value


def problems_of(exc: ValidationError, prefix: str = "") -> list[str]:
    found = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        found.append(f"{prefix}{field + ': ' if field else ''}{message}")
    return found


def parse_asset(fields: dict[str, object]) -> AssetInput:
    """Validate a form's or a CSV row's fields; InventoryError lists every problem."""
    try:
        return AssetInput(**fields)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise InventoryError(problems_of(exc)) from None


def _require(principal: Principal) -> None:
    if not may_manage_open_data(principal):
        raise NotAllowed("Only a data coordinator may change the data inventory.")


def _departments(session: Session) -> dict[str, int]:
    return {code: id_ for code, id_ in session.execute(select(Department.code, Department.id))}


def _apply(session: Session, data: AssetInput, who: str, departments: dict[str, int]) -> bool:
    """Create or update the entry named by data.slug; True when it was created."""
    if data.steward and data.steward not in departments:
        raise InventoryError([f"steward: no department has the code {data.steward!r}"])
    asset = session.scalars(select(DataAsset).where(DataAsset.slug == data.slug)).one_or_none()
    created = asset is None
    if asset is None:
        asset = DataAsset(slug=data.slug)
        session.add(asset)
    asset.name = data.name
    asset.description = data.description
    asset.steward_department_id = departments.get(data.steward) if data.steward else None
    asset.system_of_record = data.system_of_record
    asset.classification = data.classification
    asset.release_status = data.release_status
    asset.status_reason = data.status_reason
    asset.update_frequency = data.update_frequency
    asset.priority = data.priority
    asset.access_url = data.access_url
    asset.keywords = data.keywords
    asset.released_on = data.released_on or (
        asset.released_on or date.today() if data.release_status == "published" else None
    )
    asset.updated_by = who
    return created


def save_asset(session: Session, principal: Principal, data: AssetInput) -> bool:
    """Create or update one entry (data coordinators only); True when it was created."""
    _require(principal)
    created = _apply(session, data, principal.email, _departments(session))
    session.flush()
    record(
        session,
        "inventory_changed",
        user_id=principal.user_id,
        email=principal.email,
        detail=f"{'created' if created else 'updated'} inventory entry {data.slug!r}: "
        f"{data.classification}, {data.release_status}",
    )
    return created


def import_csv(session: Session, principal: Principal, text: str) -> tuple[int, int]:
    """Load an inventory CSV (the columns of CSV_COLUMNS; slug, name, classification and
    release_status required): every row is checked first, and one bad row means nothing is
    written. Returns how many entries were created and updated."""
    _require(principal)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("slug", "name", "classification", "release_status") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}; the columns are {', '.join(CSV_COLUMNS)}")
    if problems:
        raise InventoryError(problems)
    reader.fieldnames = header
    rows: list[AssetInput] = []
    seen: dict[str, int] = {}
    departments = _departments(session)
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise InventoryError([f"more than {MAX_IMPORT_ROWS} rows; split the file"])
        if None in row:
            problems.append(f"row {number}: more cells than columns")
            continue
        try:
            data = AssetInput(**{k: v for k, v in row.items() if k})  # type: ignore[arg-type]
        except ValidationError as exc:
            problems += problems_of(exc, f"row {number}: ")
            continue
        if data.slug in seen:
            problems.append(f"row {number}: slug {data.slug!r} is already on row {seen[data.slug]}")
        seen[data.slug] = number
        if data.steward and data.steward not in departments:
            problems.append(f"row {number}: steward: no department has the code {data.steward!r}")
        rows.append(data)
    if problems:
        raise InventoryError(problems)
    if not rows:
        raise InventoryError(["the file holds no rows"])
    created = sum(_apply(session, data, principal.email, departments) for data in rows)
    session.flush()
    record(
        session,
        "inventory_imported",
        user_id=principal.user_id,
        email=principal.email,
        detail=f"imported {len(rows)} inventory entries ({created} created, {len(rows) - created} updated): "
        + ", ".join(data.slug for data in rows)[:2000],
    )
    return created, len(rows) - created


def support_counts(session: Session) -> dict[int, int]:
    """How many moderated (approved) requests ask for or support each inventory entry."""
    query = (
        select(DataRequest.asset_id, func.count())
        .where(DataRequest.state == "approved", DataRequest.asset_id.is_not(None))
        .group_by(DataRequest.asset_id)
    )
    return {asset_id: count for asset_id, count in session.execute(query) if asset_id is not None}


def _performance_entries() -> list[InventoryEntry]:
    return [
        InventoryEntry(
            slug=slug,
            name=spec.title,
            steward="Office of the Mayor, performance management",
            classification="public",
            release_status="published",
            status_reason="",
            update_frequency=spec.frequency,
            priority=1,
            support=0,
            description=spec.description,
            system_of_record="This dashboard's database",
            performance=True,
        )
        for slug, spec in PERFORMANCE.items()
    ]


def inventory(session: Session, principal: Principal) -> list[InventoryEntry]:
    """The inventory as `principal` may see it: the performance datasets, then every entry, in
    the order of their status; planned entries by priority, then by the public's support."""
    full = may_manage_open_data(principal)
    support = support_counts(session)
    query = select(DataAsset, Department.name, Department.code).outerjoin(
        Department, Department.id == DataAsset.steward_department_id
    )
    entries = []
    for asset, steward, code in session.execute(query):
        open_ = full or asset.classification == "public"
        entries.append(
            InventoryEntry(
                slug=asset.slug,
                name=asset.name,
                steward=steward or "",
                steward_code=code or "",
                classification=asset.classification,
                release_status=asset.release_status,
                status_reason=asset.status_reason,
                update_frequency=asset.update_frequency,
                priority=asset.priority,
                support=support.get(asset.id, 0),
                description=asset.description if open_ else "",
                system_of_record=asset.system_of_record if open_ else "",
                access_url=asset.access_url if open_ else "",
                keywords=asset.keywords if open_ else "",
                released_on=asset.released_on,
                restricted_details=open_,
            )
        )
    entries.sort(key=lambda e: (STATUS_ORDER[e.release_status], e.priority, -e.support, e.name.lower()))
    return [*_performance_entries(), *entries]


def find_entry(session: Session, principal: Principal, slug: str) -> InventoryEntry | None:
    return next((e for e in inventory(session, principal) if e.slug == slug and not e.performance), None)


def export_csv_rows(session: Session, principal: Principal) -> list[tuple]:
    """The whole inventory in the import's columns (for the coordinator: restricted details too)."""
    _require(principal)
    query = (
        select(DataAsset, Department.code)
        .outerjoin(Department, Department.id == DataAsset.steward_department_id)
        .order_by(DataAsset.slug)
    )
    return [
        (
            a.slug,
            a.name,
            code or "",
            a.classification,
            a.release_status,
            a.status_reason,
            a.update_frequency,
            a.priority,
            a.system_of_record,
            a.description,
            a.access_url,
            a.keywords,
            a.released_on,
        )
        for a, code in session.execute(query)
    ]
