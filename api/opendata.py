"""The open data site's files: /data.json (the DCAT-US catalog harvesters read), each performance
dataset as CSV, JSON, xlsx and a Frictionless data package, the bulk zip, and archived releases.
Public, read-only, and only public measures and published values (aim/services/open_catalog.py).
The pages around them (/data, /data/<slug>, ...) are Dash pages (layouts/opendata/)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_limiter.errors import RateLimitExceeded
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from aim.exports import csv_text, json_text, xlsx_bytes
from aim.opendata import (
    BULK_ZIP,
    FORMATS,
    REQUEST_TEXT_MAX,
    REQUEST_TITLE_MAX,
    data_json,
    datapackage,
    resource,
)
from aim.services import archive, data_requests, inventory, open_catalog
from aim.services.site import site_info
from api.accounts import limiter
from web.context import client_address, current_principal, runtime

log = logging.getLogger(__name__)
blueprint = Blueprint("opendata", __name__, template_folder="templates")
MEDIA = {ext: media for ext, media, _ in FORMATS}
REQUEST_FORM = "/data/requests/new"
#: Where a sent request lands: the requests page, with a thank-you that promises nothing public yet.
SENT = "/data/requests?sent=1"


@blueprint.after_request
def _open_data_headers(response: Response) -> Response:
    if request.path.startswith(REQUEST_FORM):
        # A form with a CSRF token tied to this visitor's session: never cached, never shared.
        response.headers["Cache-Control"] = "no-store"
        return response
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


@blueprint.get("/data/archive/<folder>/<name>")
def archived_file(folder: str, name: str):
    """A file of an archived release, as written: it never changes, so caches may keep it."""
    path = archive.release_file(runtime().settings, folder, name)
    if path is None:
        abort(404)
    media = "text/plain" if name == archive.CHECKSUMS else None
    response = send_file(path, mimetype=media, as_attachment=name.endswith((".csv", ".xlsx")), max_age=0)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


# -- the public's data requests ---------------------------------------------------------------------
class RequestForm(FlaskForm):
    """The CSRF token and the texts; parse_request validates them (lengths, kinds)."""

    title = StringField()
    need = TextAreaField()
    reason = TextAreaField()


def _asset(slug: str):
    if not slug:
        return None
    with runtime().database.read() as session:
        return inventory.find_entry(session, current_principal(), slug[:80])


def _form_page(form: RequestForm, status: int = 200, *, asset=None, **context):
    return (
        render_template(
            "opendata/request.html",
            form=form,
            asset=asset,
            title_max=REQUEST_TITLE_MAX,
            text_max=REQUEST_TEXT_MAX,
            **context,
        ),
        status,
    )


@blueprint.route(REQUEST_FORM, methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AIM_DATA_REQUEST_LIMIT"], methods=["POST"])
def new_request():
    form = RequestForm()
    if request.method == "GET":
        return _form_page(form, asset=_asset(request.args.get("asset", "")))
    asset = _asset(request.form.get("asset", ""))
    if not form.validate_on_submit():  # the CSRF token is missing, expired or forged
        return _form_page(
            form,
            400,
            asset=asset,
            kind="danger",
            message="The form expired or was not sent from this site. Please send it again.",
        )
    if request.form.get("website"):
        # Only a robot fills the field people never see: it gets the thank-you page and nothing
        # is stored, so it learns nothing about the trap.
        log.info("data request honeypot filled from %s", client_address())
        return redirect(SENT, code=303)
    try:
        data = data_requests.parse_request(
            {k: request.form.get(k, "") for k in ("kind", "asset", "title", "need", "reason")}
        )
        with runtime().database.write() as session:
            data_requests.submit(session, data)
    except inventory.InventoryError as exc:
        return _form_page(form, 400, asset=asset, problems=exc.problems)
    return redirect(SENT, code=303)


@blueprint.errorhandler(RateLimitExceeded)
def _too_many(_error: RateLimitExceeded):
    # Flask-Limiter adds Retry-After itself (headers_enabled), counted to the end of the window.
    return _form_page(
        RequestForm(),
        429,
        kind="danger",
        message="Too many requests from your address. Please wait an hour, then try again.",
    )
