"""The open data site's files: /data.json (the DCAT-US catalog harvesters read), each performance
dataset as CSV, JSON, xlsx and a Frictionless data package, the bulk zip, and archived releases.
Public, read-only, and only public measures and published values (aim/services/open_catalog.py).
The pages around them (/data, /data/<slug>, ...) are Dash pages (layouts/opendata/)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from aim.exports import csv_text, json_text, xlsx_bytes
from aim.opendata import BULK_ZIP, FORMATS, data_json, datapackage, resource
from aim.services import open_catalog
from aim.services.site import site_info
from web.context import runtime

blueprint = Blueprint("opendata", __name__)
MEDIA = {ext: media for ext, media, _ in FORMATS}


@blueprint.after_request
def _open_data_headers(response: Response) -> Response:
    # Open data: any site may read it; it changes when data is published, so cache briefly.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


def _base() -> str:
    return request.url_root  # with ProxyFix (AIM_PROXY_HOPS), the address the reader used


def _download(body: bytes | str, media: str, filename: str, session) -> Response:
    response = Response(body, mimetype=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    updated = site_info(session).data_updated_at
    if updated:
        response.last_modified = updated
    return response


@blueprint.get("/data.json")
def catalog_json():
    rt = runtime()
    with rt.database.read() as session:
        document = data_json(open_catalog.catalog(session, rt.settings), _base())
    return jsonify(document)


@blueprint.get("/data/<slug>/<filename>")
def dataset_file(slug: str, filename: str):
    if slug not in open_catalog.PERFORMANCE:
        abort(404)
    rt = runtime()
    with rt.database.read() as session:
        if filename == "datapackage.json":
            view = open_catalog.catalog(session, rt.settings)
            dataset = view.find(slug)
            assert dataset is not None
            package = datapackage(
                view,
                slug,
                dataset.title,
                [resource(dataset, open_catalog.schema_of(slug), f"{slug}.csv")],
            )
            return Response(json_text(package), mimetype="application/json")
        stem, _, ext = filename.rpartition(".")
        if stem != slug or ext not in MEDIA:
            abort(404)
        found = open_catalog.table_rows(session, slug)
        assert found is not None
        cols, rows = found
        if ext == "csv":
            body: bytes | str = csv_text(cols, rows)
        elif ext == "xlsx":
            body = xlsx_bytes(cols, rows, sheet=slug)
        else:
            view = open_catalog.catalog(session, rt.settings)
            body = json_text(open_catalog.dataset_document(view, slug, cols, rows))
        return _download(body, MEDIA[ext], filename, session)


@blueprint.get(f"/data/{BULK_ZIP}")
def bulk_zip():
    rt = runtime()
    with rt.database.read() as session:
        files = open_catalog.performance_files(session, rt.settings)
        return _download(
            open_catalog.zip_bytes(files, BULK_ZIP.removesuffix(".zip")), "application/zip", BULK_ZIP, session
        )
