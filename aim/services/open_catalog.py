"""The open data catalog: the performance datasets (public measures, their targets and published
values, and what they hang on), and the inventory's entries that are published elsewhere.

Each performance dataset has the columns of the import format's table of the same name
(docs/import-format.md), so a download can be imported again as it is, and its column dictionary
is the import format's Frictionless Table Schema. Only public measures and published values ever
leave through here.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aim.config import Settings
from aim.exports import csv_text, json_records, json_text
from aim.importing.tables import columns, table_schema
from aim.models import (
    Activity,
    Actual,
    Budget,
    DataAsset,
    Department,
    Measure,
    Priority,
    Target,
    activity_priorities,
)
from aim.opendata import CatalogView, DatasetColumn, DatasetView, datapackage, resource
from aim.services.scorecard import PUBLISHED
from aim.services.site import site_info


@dataclass(frozen=True)
class Performance:
    table: str
    title: str
    description: str
    frequency: str
    keywords: tuple[str, ...]


#: The performance datasets, in the order a reader meets them; the slug is the table's name.
PERFORMANCE: dict[str, Performance] = {
    "priorities": Performance(
        "priorities",
        "Strategic priorities",
        "The city's strategic priorities: what every activity and measure serves.",
        "annually",
        ("strategic plan", "priorities", "performance management"),
    ),
    "departments": Performance(
        "departments",
        "Departments",
        "The city's departments, each the steward of its activities and measures.",
        "annually",
        ("departments", "government", "performance management"),
    ),
    "activities": Performance(
        "activities",
        "Activities",
        "The programs, services and divisions of each department, and the priorities they serve.",
        "annually",
        ("activities", "programs", "services", "performance management"),
    ),
    "measures": Performance(
        "measures",
        "Performance measures",
        "Every public performance measure: what is counted, how, from which system, its unit, "
        "which direction is better and how often it is reported.",
        "quarterly",
        ("performance measures", "definitions", "performance management"),
    ),
    "targets": Performance(
        "targets",
        "Targets",
        "The target of each public measure for each period: a value, or a range from low to high.",
        "annually",
        ("targets", "goals", "performance management"),
    ),
    "actuals": Performance(
        "actuals",
        "Published actual values",
        "Every published value of every public measure, period by period, with the department's "
        "explanation where it gave one. Values not yet reviewed and published are not included.",
        "monthly",
        ("actuals", "performance data", "time series", "performance management"),
    ),
    "budgets": Performance(
        "budgets",
        "Budgets",
        "Each activity's adopted budget, spending and funded positions (FTE) by fiscal year.",
        "annually",
        ("budget", "spending", "FTE", "performance management"),
    ),
}
#: Paths under /data that are pages, never a dataset's slug.
RESERVED_SLUGS = frozenset({"inventory", "requests", "archive", "manage", "new", *PERFORMANCE})


def _rows_priorities(session: Session) -> list[tuple]:
    return [
        tuple(r)
        for r in session.execute(
            select(Priority.slug, Priority.title, Priority.description, Priority.sort_order).order_by(
                Priority.sort_order, Priority.slug
            )
        )
    ]


def _rows_departments(session: Session) -> list[tuple]:
    return [
        tuple(r)
        for r in session.execute(
            select(Department.code, Department.name, Department.description).order_by(Department.code)
        )
    ]


def _rows_activities(session: Session) -> list[tuple]:
    served: dict[int, list[str]] = defaultdict(list)
    for activity_id, slug in session.execute(
        select(activity_priorities.c.activity_id, Priority.slug)
        .join(Priority, Priority.id == activity_priorities.c.priority_id)
        .order_by(Priority.sort_order, Priority.slug)
    ):
        served[activity_id].append(slug)
    query = (
        select(Activity.id, Activity.code, Department.code, Activity.name, Activity.description)
        .join(Department, Department.id == Activity.department_id)
        .order_by(Activity.code)
    )
    return [
        (code, dept, name, desc, ";".join(served[aid]))
        for aid, code, dept, name, desc in session.execute(query)
    ]


def _rows_measures(session: Session) -> list[tuple]:
    query = (
        select(
            Measure.code,
            Activity.code,
            Measure.name,
            Measure.definition,
            Measure.calculation,
            Measure.data_source,
            Measure.unit_kind,
            Measure.unit_label,
            Measure.direction,
            Measure.frequency,
            Measure.aggregation,
            Measure.tolerance,
            Measure.measure_type,
            Measure.is_public,
            Measure.is_key,
            Measure.is_output,
            Measure.active_from,
            Measure.retired_at,
        )
        .join(Activity, Activity.id == Measure.activity_id)
        .where(Measure.is_public.is_(True))
        .order_by(Measure.code)
    )
    return [tuple(r) for r in session.execute(query)]


def _rows_targets(session: Session) -> list[tuple]:
    query = (
        select(Measure.code, Target.period, Target.value, Target.low, Target.high)
        .join(Measure, Measure.id == Target.measure_id)
        .where(Measure.is_public.is_(True))
        .order_by(Measure.code, Target.period)
    )
    return [tuple(r) for r in session.execute(query)]


def _rows_actuals(session: Session) -> list[tuple]:
    query = (
        select(Measure.code, Actual.period, Actual.value, Actual.explanation, Actual.state)
        .join(Measure, Measure.id == Actual.measure_id)
        .where(Measure.is_public.is_(True), Actual.state == PUBLISHED)
        .order_by(Measure.code, Actual.period)
    )
    return [tuple(r) for r in session.execute(query)]


def _rows_budgets(session: Session) -> list[tuple]:
    query = (
        select(Activity.code, Budget.fiscal_year, Budget.adopted, Budget.expenditure, Budget.fte)
        .join(Activity, Activity.id == Budget.activity_id)
        .order_by(Activity.code, Budget.fiscal_year)
    )
    return [tuple(r) for r in session.execute(query)]


_ROWS = {
    "priorities": _rows_priorities,
    "departments": _rows_departments,
    "activities": _rows_activities,
    "measures": _rows_measures,
    "targets": _rows_targets,
    "actuals": _rows_actuals,
    "budgets": _rows_budgets,
}


def table_rows(session: Session, slug: str) -> tuple[list[str], list[tuple]] | None:
    """The columns and rows of a performance dataset; None for any other slug."""
    if slug not in PERFORMANCE:
        return None
    table = PERFORMANCE[slug].table
    return columns(table), _ROWS[table](session)


def schema_of(slug: str) -> dict:
    """The Frictionless Table Schema of a performance dataset (the import format's)."""
    schema = table_schema(PERFORMANCE[slug].table)
    schema["description"] = (
        f"{PERFORMANCE[slug].title}, in the columns of the '{PERFORMANCE[slug].table}' table of the "
        "AIM import format, so that the file can be imported again as it is."
    )
    return schema


def _columns(slug: str) -> tuple[DatasetColumn, ...]:
    return tuple(
        DatasetColumn(name=f["name"], type=f["type"], description=f.get("description", ""))
        for f in table_schema(PERFORMANCE[slug].table)["fields"]
    )


def _performance(session: Session) -> list[DatasetView]:
    updated = site_info(session).data_updated_at
    steward = "Office of the Mayor, performance management"
    views = []
    for slug, spec in PERFORMANCE.items():
        views.append(
            DatasetView(
                slug=slug,
                title=spec.title,
                description=spec.description,
                kind="performance",
                steward=steward,
                update_frequency=spec.frequency,
                keywords=spec.keywords,
                modified=updated,
                columns=_columns(slug),
                table=spec.table,
            )
        )
    return views


def linked_datasets(session: Session) -> list[DatasetView]:
    """The inventory's published entries: the city publishes them elsewhere; the catalog links."""
    query = (
        select(DataAsset, Department.name)
        .outerjoin(Department, Department.id == DataAsset.steward_department_id)
        .where(DataAsset.release_status == "published", DataAsset.classification == "public")
        .order_by(DataAsset.name)
    )
    return [
        DatasetView(
            slug=asset.slug,
            title=asset.name,
            description=asset.description or asset.name,
            kind="linked",
            steward=steward or "",
            update_frequency=asset.update_frequency,
            keywords=tuple(k.strip() for k in asset.keywords.split(",") if k.strip()),
            modified=asset.released_on or asset.updated_at,
            access_url=asset.access_url,
        )
        for asset, steward in session.execute(query)
    ]


def catalog(session: Session, settings: Settings) -> CatalogView:
    """Every published dataset: the performance datasets, then the inventory's published entries."""
    site = site_info(session)
    return CatalogView(
        publisher=site.name or "City",
        license_id=settings.open_data_license_id,
        license_url=settings.open_data_license_url,
        license_title=settings.open_data_license_title,
        contact_name=settings.open_data_contact_name,
        contact_email=settings.open_data_contact_email,
        demonstration=site.demonstration,
        notice=site.notice,
        datasets=(*_performance(session), *linked_datasets(session)),
    )


def dataset_document(
    catalog_view: CatalogView, slug: str, cols: Sequence[str], rows: Sequence[tuple]
) -> dict:
    """A performance dataset as one JSON document: what it is, then its rows as objects."""
    dataset = catalog_view.find(slug)
    assert dataset is not None
    return {
        "dataset": slug,
        "title": dataset.title,
        "description": dataset.description,
        "publisher": catalog_view.publisher,
        "license": catalog_view.license_url,
        "modified": dataset.modified.isoformat() if dataset.modified else None,
        "notice": catalog_view.notice if catalog_view.demonstration else "",
        "columns": list(cols),
        "data": json_records(cols, rows),
    }


def performance_files(
    session: Session, settings: Settings, *, created: datetime | date | None = None
) -> dict[str, bytes]:
    """Every performance dataset as CSV and JSON, and a data package describing the CSV files:
    the bulk download and the body of an archived release. The same data gives the same bytes."""
    view = catalog(session, settings)
    files: dict[str, bytes] = {}
    resources = []
    for slug in PERFORMANCE:
        cols, rows = table_rows(session, slug) or ([], [])
        files[f"{slug}.csv"] = csv_text(cols, rows).encode("utf-8")
        files[f"{slug}.json"] = json_text(dataset_document(view, slug, cols, rows)).encode("utf-8")
        dataset = view.find(slug)
        assert dataset is not None
        resources.append(resource(dataset, schema_of(slug), f"{slug}.csv"))
    package = datapackage(
        view,
        f"{view.publisher}-performance-data",
        f"{view.publisher}: performance data",
        resources,
        created=created,
    )
    files["datapackage.json"] = json_text(package).encode("utf-8")
    return files


def zip_bytes(files: dict[str, bytes], folder: str) -> bytes:
    """A zip of `files` inside `folder`/, with fixed timestamps so that the same files always make
    the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
