"""The open data site's view models (catalog, inventory, requests, releases) and the documents built
from them: the DCAT-US 1.1 catalog (/data.json) and Frictionless data packages. Pure: no database,
no web framework; the services build the views, the API and the archive write the documents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

ASSET_CLASSIFICATIONS = ("public", "restricted", "confidential")
RELEASE_STATUSES = ("published", "planned", "under_review", "will_not_release")
UPDATE_FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "annually", "irregular", "not_updated")
REQUEST_KINDS = ("new", "support")
MODERATION_STATES = ("pending", "approved", "rejected")
ANSWER_STATUSES = ("open", "planned", "released", "declined")
#: Longest texts a member of the public may send: enough to explain a need, too short to be a dump.
REQUEST_TITLE_MAX = 200
REQUEST_TEXT_MAX = 2000
DCAT_CONFORMS_TO = "https://project-open-data.cio.gov/v1.1/schema"
DCAT_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
DCAT_DESCRIBED_BY = "https://project-open-data.cio.gov/v1.1/schema/catalog.json"
#: ISO 8601 repeating durations, as DCAT-US's accrualPeriodicity wants them.
ACCRUAL = {
    "daily": "R/P1D",
    "weekly": "R/P1W",
    "monthly": "R/P1M",
    "quarterly": "R/P3M",
    "annually": "R/P1Y",
    "irregular": "irregular",
    "not_updated": "irregular",
}
FREQUENCY_TEXT = {
    "daily": "Daily",
    "weekly": "Weekly",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "annually": "Yearly",
    "irregular": "Irregularly",
    "not_updated": "Not updated",
}
CLASSIFICATION_TEXT = {"public": "Public", "restricted": "Restricted", "confidential": "Confidential"}
RELEASE_TEXT = {
    "published": "Published",
    "planned": "Planned",
    "under_review": "Under review",
    "will_not_release": "Will not be released",
}
ANSWER_TEXT = {
    "open": "Awaiting an answer",
    "planned": "Planned",
    "released": "Released",
    "declined": "Declined",
}
#: The formats of every performance dataset, as (extension, media type, label).
FORMATS = (
    ("csv", "text/csv", "CSV"),
    ("json", "application/json", "JSON"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (xlsx)"),
)
BULK_ZIP = "performance-data.zip"
#: The columns of the inventory's CSV import, in order (aim/services/inventory.py).
INVENTORY_CSV_COLUMNS = (
    "slug",
    "name",
    "steward",
    "classification",
    "release_status",
    "status_reason",
    "update_frequency",
    "priority",
    "system_of_record",
    "description",
    "access_url",
    "keywords",
    "released_on",
)


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class DatasetColumn(View):
    name: str
    type: str
    description: str = ""


class DatasetView(View):
    """One dataset of the catalog: a performance table served here, or an inventory entry the city
    publishes elsewhere (`access_url`)."""

    slug: str
    title: str
    description: str
    kind: Literal["performance", "linked"]
    steward: str
    update_frequency: str
    keywords: tuple[str, ...]
    modified: datetime | date | None = None
    columns: tuple[DatasetColumn, ...] = ()
    row_count: int | None = None
    access_url: str = ""
    #: The import-format table it is shaped like (performance datasets), so it can be re-imported.
    table: str = ""


class CatalogView(View):
    publisher: str
    license_id: str
    license_url: str
    license_title: str
    contact_name: str
    contact_email: str
    demonstration: bool = False
    notice: str = ""
    datasets: tuple[DatasetView, ...] = ()

    def find(self, slug: str) -> DatasetView | None:
        return next((d for d in self.datasets if d.slug == slug), None)


class InventoryEntry(View):
    """An inventory entry as its reader may see it: for the public, a non-public entry keeps only
    its name, steward, status and the reason (`restricted_details` False)."""

    slug: str
    name: str
    steward: str
    classification: str
    steward_code: str = ""
    release_status: str
    status_reason: str
    update_frequency: str
    priority: int
    support: int
    description: str = ""
    system_of_record: str = ""
    access_url: str = ""
    keywords: str = ""
    released_on: date | None = None
    restricted_details: bool = True
    performance: bool = False


class RequestView(View):
    id: int
    kind: str
    title: str
    need: str
    reason: str
    asset_slug: str = ""
    asset_name: str = ""
    state: str = "pending"
    created_at: datetime
    answer_status: str = "open"
    answer: str = ""
    answer_url: str = ""
    answered_at: datetime | None = None


class ReleaseView(View):
    release_date: date
    created_at: datetime
    file_count: int
    total_bytes: int
    manifest_sha256: str

    @property
    def folder(self) -> str:
        return self.release_date.isoformat()


# -- documents ------------------------------------------------------------------------------------
def distribution_urls(base: str, slug: str) -> dict[str, str]:
    """Where a performance dataset's files are served, by extension; `base` ends with '/'."""
    urls = {ext: f"{base}data/{slug}/{slug}.{ext}" for ext, _, _ in FORMATS}
    urls["datapackage"] = f"{base}data/{slug}/datapackage.json"
    return urls


def _modified(dataset: DatasetView) -> str | None:
    if dataset.modified is None:
        return None
    if isinstance(dataset.modified, datetime):
        return dataset.modified.isoformat(timespec="seconds").replace("+00:00", "Z")
    return dataset.modified.isoformat()


def _dcat_dataset(catalog: CatalogView, dataset: DatasetView, base: str) -> dict[str, Any]:
    page = f"{base}data/{dataset.slug}"
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": dataset.title,
        "description": dataset.description,
        "keyword": list(dataset.keywords) or ["open data"],
        "publisher": {"@type": "org:Organization", "name": catalog.publisher},
        "contactPoint": {"@type": "vcard:Contact", "fn": catalog.contact_name},
        "identifier": page,
        "accessLevel": "public",
        "license": catalog.license_url,
        "landingPage": page,
        "accrualPeriodicity": ACCRUAL.get(dataset.update_frequency, "irregular"),
        "language": ["en-US"],
    }
    if catalog.contact_email:
        entry["contactPoint"]["hasEmail"] = f"mailto:{catalog.contact_email}"
    modified = _modified(dataset)
    if modified:
        entry["modified"] = modified
    if dataset.kind == "performance":
        urls = distribution_urls(base, dataset.slug)
        entry["describedBy"] = urls["datapackage"]
        entry["describedByType"] = "application/json"
        entry["distribution"] = [
            {
                "@type": "dcat:Distribution",
                "title": f"{dataset.title} ({label})",
                "downloadURL": urls[ext],
                "mediaType": media,
                "format": label,
                "describedBy": urls["datapackage"],
                "describedByType": "application/json",
            }
            for ext, media, label in FORMATS
        ]
    elif dataset.access_url:
        entry["distribution"] = [
            {
                "@type": "dcat:Distribution",
                "title": f"{dataset.title} (where the city publishes it)",
                "accessURL": dataset.access_url,
            }
        ]
    return entry


def data_json(catalog: CatalogView, base: str) -> dict[str, Any]:
    """The DCAT-US 1.1 catalog (Project Open Data's data.json) of every published dataset; `base`
    is the site's absolute URL ending with '/'. Valid against the non-federal profile."""
    return {
        "@context": DCAT_CONTEXT,
        "@id": f"{base}data.json",
        "@type": "dcat:Catalog",
        "conformsTo": DCAT_CONFORMS_TO,
        "describedBy": DCAT_DESCRIBED_BY,
        "dataset": [_dcat_dataset(catalog, d, base) for d in catalog.datasets],
    }


def package_name(text: str) -> str:
    """A Frictionless name: lower case letters, digits and - . _ only."""
    cleaned = "".join(c if c.isalnum() or c in "-._" else "-" for c in text.lower())
    return "-".join(part for part in cleaned.split("-") if part) or "data"


def resource(dataset: DatasetView, schema: dict[str, Any], path: str) -> dict[str, Any]:
    return {
        "name": package_name(dataset.slug),
        "title": dataset.title,
        "description": dataset.description,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def datapackage(
    catalog: CatalogView,
    name: str,
    title: str,
    resources: list[dict[str, Any]],
    *,
    created: datetime | date | None = None,
) -> dict[str, Any]:
    """A Frictionless Data Package descriptor (v1) whose resources are the given CSV files."""
    package: dict[str, Any] = {
        "name": package_name(name),
        "title": title,
        "profile": "tabular-data-package",
        "licenses": [
            {"name": catalog.license_id, "path": catalog.license_url, "title": catalog.license_title}
        ],
        "contributors": [{"title": catalog.publisher, "role": "publisher"}],
        "resources": resources,
    }
    if catalog.demonstration and catalog.notice:
        package["description"] = catalog.notice
    if created is not None:
        package["created"] = (
            created.isoformat(timespec="seconds").replace("+00:00", "Z")
            if isinstance(created, datetime)
            else f"{created.isoformat()}T00:00:00Z"
        )
    return package
